// The devices of one station: built from the config, each on its own acquisition thread, with
// discovery (serial ports by id, libusb hot-plug) and statuses the UI reads without blocking.
// start()/stop() are idempotent; the destructor always stops (every device disconnects). The manager
// itself is used from the UI/app thread; the devices it hands out are thread-safe as documented.
#pragma once

#include "devices/balance_device.hpp"
#include "devices/device_config.hpp"
#include "devices/scanner.hpp"
#include "devices/simulators.hpp"
#include "devices/zpl_printer.hpp"

#include <atomic>
#include <filesystem>
#include <libusb.h>
#include <memory>
#include <thread>

namespace admix::devices {

// Serial ports by stable id (/dev/serial/by-id/...): links that survive re-plugging, sorted.
[[nodiscard]] std::vector<std::filesystem::path>
listSerialPortsById(const std::filesystem::path& dir = "/dev/serial/by-id");

struct UsbDeviceInfo {
    uint16_t vendor = 0;
    uint16_t product = 0;
    int bus = 0;
    int address = 0;
    bool hid = false; // has a HID interface (a POS scale, a wedge scanner)
};
// The USB devices present now (Error when libusb cannot start, e.g. no /dev/bus/usb in a container).
[[nodiscard]] Result<std::vector<UsbDeviceInfo>> listUsbDevices();

struct UsbHotplugEvent {
    bool arrived = true;
    uint16_t vendor = 0;
    uint16_t product = 0;
};

// libusb hot-plug, as libusb's own example does it: one event thread on
// libusb_handle_events_timeout_completed with an atomic stop flag; the callback only enqueues.
class UsbHotplugMonitor {
public:
    UsbHotplugMonitor() = default;
    ~UsbHotplugMonitor();
    UsbHotplugMonitor(const UsbHotplugMonitor&) = delete;
    UsbHotplugMonitor& operator=(const UsbHotplugMonitor&) = delete;
    [[nodiscard]] Status start();
    void stop();
    [[nodiscard]] std::vector<UsbHotplugEvent> drainEvents() { return m_events.drain(); }

private:
    static int LIBUSB_CALL callback(libusb_context* ctx, libusb_device* device, libusb_hotplug_event event,
                                    void* self);
    libusb_context* m_context = nullptr;
    int m_handle = 0;
    std::atomic<bool> m_stop{false};
    EventQueue<UsbHotplugEvent> m_events{256};
    std::thread m_thread;
};

class DeviceManager {
public:
    explicit DeviceManager(std::vector<DeviceConfig> configs);
    ~DeviceManager();
    DeviceManager(const DeviceManager&) = delete;
    DeviceManager& operator=(const DeviceManager&) = delete;

    // Starts every device (and the simulators behind "simulated" ones). Setup failures of one device
    // become its status; the others still start.
    void start();
    void stop();
    // One status per configured device, from snapshots: never waits on a device.
    [[nodiscard]] std::vector<DeviceStatus> statuses() const;
    [[nodiscard]] BalanceDevice* balance(std::string_view name) const;
    [[nodiscard]] ScannerDevice* scanner(std::string_view name) const;
    [[nodiscard]] PrintQueue* printer(std::string_view name) const;
    [[nodiscard]] BalanceSimulator* balanceSimulator(std::string_view name) const;
    [[nodiscard]] ScannerSimulator* scannerSimulator(std::string_view name) const;
    [[nodiscard]] const std::vector<DeviceConfig>& configs() const { return m_configs; }
    // USB arrivals and departures since the last call (hot-plug runs while a usb-hid device is
    // configured and libusb supports it; the devices themselves reconnect with back-off regardless).
    [[nodiscard]] std::vector<UsbHotplugEvent> drainUsbEvents() { return m_hotplug.drainEvents(); }
    // Why hot-plug is not running, if it is not.
    [[nodiscard]] const std::string& hotplugError() const { return m_hotplugError; }

private:
    struct Entry {
        DeviceConfig config;
        std::unique_ptr<BalanceSimulator> balanceSim;
        std::unique_ptr<ScannerSimulator> scannerSim;
        std::unique_ptr<PrinterSimulator> printerSim;
        std::unique_ptr<BalanceDevice> balance;
        std::unique_ptr<ScannerDevice> scanner;
        std::unique_ptr<PrintQueue> printer;
        std::string setupError;
    };
    std::vector<DeviceConfig> m_configs;
    std::vector<std::unique_ptr<Entry>> m_entries;
    UsbHotplugMonitor m_hotplug;
    std::string m_hotplugError;
    bool m_started = false;
};

} // namespace admix::devices
