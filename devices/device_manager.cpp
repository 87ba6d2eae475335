#include "devices/device_manager.hpp"

#include "devices/hid_scale.hpp"

#include <algorithm>
#include <libusb.h>

namespace admix::devices {

// [SECTION] Discovery ------------------------------------------------------------------------------

std::vector<std::filesystem::path> listSerialPortsById(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (!ec)
            out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

Result<std::vector<UsbDeviceInfo>> listUsbDevices() {
    using R = Result<std::vector<UsbDeviceInfo>>;
    libusb_context* raw = nullptr;
    if (const int rc = libusb_init(&raw); rc != 0)
        return R::fail(std::string("cannot start libusb: ") + libusb_strerror(static_cast<libusb_error>(rc)),
                       "USB");
    std::unique_ptr<libusb_context, void (*)(libusb_context*)> context(raw, libusb_exit);
    libusb_device** list = nullptr;
    const ssize_t count = libusb_get_device_list(context.get(), &list);
    if (count < 0)
        return R::fail("cannot list USB devices", "USB");
    std::unique_ptr<libusb_device*, void (*)(libusb_device**)> owned(
        list, [](libusb_device** l) { libusb_free_device_list(l, 1); });
    std::vector<UsbDeviceInfo> out;
    for (ssize_t i = 0; i < count; ++i) {
        libusb_device_descriptor d{};
        if (libusb_get_device_descriptor(list[i], &d) != 0)
            continue;
        UsbDeviceInfo info;
        info.vendor = d.idVendor;
        info.product = d.idProduct;
        info.bus = libusb_get_bus_number(list[i]);
        info.address = libusb_get_device_address(list[i]);
        libusb_config_descriptor* config = nullptr;
        if (libusb_get_active_config_descriptor(list[i], &config) == 0) {
            for (int n = 0; n < config->bNumInterfaces; ++n)
                info.hid = info.hid || config->interface[n].altsetting[0].bInterfaceClass == LIBUSB_CLASS_HID;
            libusb_free_config_descriptor(config);
        }
        out.push_back(info);
    }
    return out;
}

UsbHotplugMonitor::~UsbHotplugMonitor() {
    stop();
}

int LIBUSB_CALL UsbHotplugMonitor::callback(libusb_context*, libusb_device* device,
                                            libusb_hotplug_event event, void* self) {
    libusb_device_descriptor d{};
    libusb_get_device_descriptor(device, &d);
    static_cast<UsbHotplugMonitor*>(self)->m_events.push(
        {event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED, d.idVendor, d.idProduct});
    return 0; // keep the callback registered
}

Status UsbHotplugMonitor::start() {
    if (m_context)
        return {};
    if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG))
        return Status::fail("this libusb has no hot-plug support", "USB");
    if (const int rc = libusb_init(&m_context); rc != 0) {
        m_context = nullptr;
        return Status::fail(
            std::string("cannot start libusb: ") + libusb_strerror(static_cast<libusb_error>(rc)), "USB");
    }
    const int rc = libusb_hotplug_register_callback(
        m_context,
        static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                          LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
        LIBUSB_HOTPLUG_NO_FLAGS, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
        &UsbHotplugMonitor::callback, this, &m_handle);
    if (rc != LIBUSB_SUCCESS) {
        libusb_exit(m_context);
        m_context = nullptr;
        return Status::fail(std::string("cannot register for hot-plug: ") +
                                libusb_strerror(static_cast<libusb_error>(rc)),
                            "USB");
    }
    m_stop.store(false);
    m_thread = std::thread([this] {
        while (!m_stop.load()) {
            timeval tv{0, 100000};
            libusb_handle_events_timeout_completed(m_context, &tv, nullptr);
        }
    });
    return {};
}

void UsbHotplugMonitor::stop() {
    if (!m_context)
        return;
    m_stop.store(true);
    libusb_hotplug_deregister_callback(m_context, m_handle); // also wakes the event thread
    if (m_thread.joinable())
        m_thread.join();
    libusb_exit(m_context);
    m_context = nullptr;
}

// [SECTION] DeviceManager --------------------------------------------------------------------------

DeviceManager::DeviceManager(std::vector<DeviceConfig> configs) : m_configs(std::move(configs)) {}

DeviceManager::~DeviceManager() {
    stop();
}

void DeviceManager::start() {
    if (m_started)
        return;
    m_started = true;
    const bool wantsUsb = std::any_of(m_configs.begin(), m_configs.end(), [](const DeviceConfig& c) {
        return c.transport == DeviceTransport::UsbHid;
    });
    if (wantsUsb) {
        if (auto s = m_hotplug.start(); !s)
            m_hotplugError = s.error().text();
    }
    for (const auto& c : m_configs) {
        auto e = std::make_unique<Entry>();
        e->config = c;
        BalanceOptions options;
        options.name = c.name;
        switch (c.kind) {
        case DeviceKind::Balance:
            if (c.transport == DeviceTransport::UsbHid) {
                e->balance = std::make_unique<HidScaleBalance>(options, UsbId{c.usbVendor, c.usbProduct});
            } else {
                std::string port = c.port;
                if (c.transport == DeviceTransport::Simulated) {
                    BalanceSimulatorOptions so;
                    so.protocol = c.protocol;
                    so.grams = 0.0;
                    auto sim = BalanceSimulator::start(so);
                    if (!sim) {
                        e->setupError = sim.error().text();
                        break;
                    }
                    e->balanceSim = std::move(sim).value();
                    port = e->balanceSim->path();
                }
                e->balance = std::make_unique<LineBalance>(options, c.protocol, port, c.serial);
            }
            e->balance->start();
            break;
        case DeviceKind::Scanner:
            if (c.transport == DeviceTransport::Evdev) {
                e->scanner = std::make_unique<EvdevScanner>(c.name, c.port);
            } else {
                std::string port = c.port;
                if (c.transport == DeviceTransport::Simulated) {
                    auto sim = ScannerSimulator::start();
                    if (!sim) {
                        e->setupError = sim.error().text();
                        break;
                    }
                    e->scannerSim = std::move(sim).value();
                    port = e->scannerSim->path();
                }
                e->scanner = std::make_unique<SerialScanner>(c.name, port, c.serial);
            }
            e->scanner->start();
            break;
        case DeviceKind::Printer: {
            PrinterConfig pc;
            pc.name = c.name;
            pc.queryStatus = c.queryStatus;
            switch (c.transport) {
            case DeviceTransport::Tcp:
                pc.transport = PrinterTransport::Tcp;
                pc.host = c.host;
                pc.port = c.tcpPort;
                break;
            case DeviceTransport::UsbLp:
                pc.transport = PrinterTransport::UsbLp;
                pc.path = c.path;
                break;
            case DeviceTransport::File:
                pc.transport = PrinterTransport::File;
                pc.path = c.path;
                break;
            case DeviceTransport::Simulated: {
                auto sim = PrinterSimulator::start();
                if (!sim) {
                    e->setupError = sim.error().text();
                    break;
                }
                e->printerSim = std::move(sim).value();
                pc.transport = PrinterTransport::Tcp;
                pc.host = "127.0.0.1";
                pc.port = e->printerSim->port();
                break;
            }
            case DeviceTransport::Serial:
            case DeviceTransport::UsbHid:
            case DeviceTransport::Evdev:
                e->setupError = "a printer cannot use this transport";
                break;
            }
            if (e->setupError.empty())
                e->printer = std::make_unique<PrintQueue>(pc);
            break;
        }
        case DeviceKind::Camera:
            e->setupError = "cameras belong to vision";
            break;
        }
        m_entries.push_back(std::move(e));
    }
}

void DeviceManager::stop() {
    // Devices first (they disconnect), then the simulators they talk to.
    for (auto& e : m_entries) {
        if (e->balance)
            e->balance->stop();
        if (e->scanner)
            e->scanner->stop();
        e->printer.reset();
    }
    m_entries.clear();
    m_hotplug.stop();
    m_started = false;
}

std::vector<DeviceStatus> DeviceManager::statuses() const {
    std::vector<DeviceStatus> out;
    for (const auto& c : m_configs) {
        DeviceStatus s;
        s.name = c.name;
        s.kind = c.kind;
        s.detail = "not started";
        for (const auto& e : m_entries) {
            if (e->config.name != c.name)
                continue;
            if (!e->setupError.empty()) {
                s.state = ConnectionState::Error;
                s.detail = e->setupError;
            } else if (e->balance) {
                s = e->balance->snapshot()->status;
            } else if (e->scanner) {
                s = e->scanner->snapshot()->status;
            } else if (e->printer) {
                s = *e->printer->status();
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

BalanceDevice* DeviceManager::balance(std::string_view name) const {
    for (const auto& e : m_entries)
        if (e->config.name == name)
            return e->balance.get();
    return nullptr;
}

ScannerDevice* DeviceManager::scanner(std::string_view name) const {
    for (const auto& e : m_entries)
        if (e->config.name == name)
            return e->scanner.get();
    return nullptr;
}

PrintQueue* DeviceManager::printer(std::string_view name) const {
    for (const auto& e : m_entries)
        if (e->config.name == name)
            return e->printer.get();
    return nullptr;
}

BalanceSimulator* DeviceManager::balanceSimulator(std::string_view name) const {
    for (const auto& e : m_entries)
        if (e->config.name == name)
            return e->balanceSim.get();
    return nullptr;
}

ScannerSimulator* DeviceManager::scannerSimulator(std::string_view name) const {
    for (const auto& e : m_entries)
        if (e->config.name == name)
            return e->scannerSim.get();
    return nullptr;
}

} // namespace admix::devices
