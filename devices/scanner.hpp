// Barcode scanners. Pure parts: ScanFramer (serial / USB-CDC bytes -> scans, bytes intact, GS and the
// AIM symbology prefix kept), KeyboardWedgeDecoder (evdev key events -> scans, GS rebuilt from
// Ctrl+] or Alt+0,2,9 on the keypad), and the check that reports a GS1 code arriving without its
// separators rather than guessing where a field ends. Devices: SerialScanner and EvdevScanner, one
// acquisition thread each (start/stop idempotent, stop always closes), scans delivered as events the
// UI drains per frame, state as a snapshot. Reader threads never throw; failures become state.
#pragma once

#include "devices/channel.hpp"
#include "devices/device_state.hpp"
#include "devices/line_framer.hpp"
#include "devices/serial_port.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace admix::devices {

struct ScanEvent {
    std::string data; // exactly as received: AIM prefix and GS (0x1D) kept
    std::string aim;  // "]d2", "]C1", ... when the scan starts with an AIM identifier, else empty
    bool gs1SeparatorsMissing = false; // GS1 data that may be read in two ways: rescan, do not guess
    std::string source;                // device name
    std::chrono::system_clock::time_point at{};
};

// "]d2" when `data` starts with ']' and two symbology characters.
[[nodiscard]] std::string aimPrefix(std::string_view data);
// AIM identifiers of GS1 symbologies: ]C1 (GS1-128), ]e0 (GS1 DataBar), ]d2 (GS1 DataMatrix),
// ]Q3 (GS1 QR), ]J1 (GS1 DotCode).
[[nodiscard]] bool isGs1Aim(std::string_view aim);
// True when GS1 element data (without AIM prefix) holds no GS and a variable-length field could end
// at more than one place (its tail also reads as complete AI fields). Such a scan must be rejected
// or re-scanned, never guessed.
[[nodiscard]] bool gs1SeparatorsAmbiguous(std::string_view elementData);

// Serial scanners end each scan with CR, LF or CR LF (configured on the scanner).
class ScanFramer {
public:
    explicit ScanFramer(size_t maxScan = 4096) : m_framer(maxScan, true) {}
    std::vector<ScanEvent> feed(std::string_view bytes);
    void reset() { m_framer.reset(); }
    [[nodiscard]] size_t overlong() const { return m_framer.overlongLines(); }

private:
    LineFramer m_framer;
};

// Linux input key codes and values (EV_KEY: 1 press, 0 release, 2 repeat) -> scans ended by Enter.
class KeyboardWedgeDecoder {
public:
    // Returns a scan when Enter (or keypad Enter) completes one.
    std::optional<ScanEvent> feed(uint16_t keyCode, int32_t value);
    // Characters that have no key on a US layout are counted; a scan with any is rejected.
    [[nodiscard]] size_t unmappedKeys() const { return m_unmapped; }

private:
    std::string m_buffer;
    bool m_shift = false;
    bool m_ctrl = false;
    bool m_alt = false;
    bool m_capsLock = false;
    std::string m_altDigits;
    size_t m_unmapped = 0;
    bool m_bad = false;
};

// The key events a wedge scanner sends for `text` (US layout; GS as Ctrl+]); for tests and the simulator.
[[nodiscard]] std::vector<std::pair<uint16_t, int32_t>> keyEventsFor(std::string_view text,
                                                                     bool gsAsAltCode = false);

struct ScannerSnapshot {
    DeviceStatus status;
    uint64_t scans = 0;
    uint64_t rejected = 0;
    uint64_t disconnects = 0;
};

class ScannerDevice {
public:
    explicit ScannerDevice(std::string name);
    virtual ~ScannerDevice();
    ScannerDevice(const ScannerDevice&) = delete;
    ScannerDevice& operator=(const ScannerDevice&) = delete;
    void start();
    void stop();
    [[nodiscard]] std::shared_ptr<const ScannerSnapshot> snapshot() const { return m_snapshot.load(); }
    [[nodiscard]] std::vector<ScanEvent> drainScans() { return m_scans.drain(); }
    [[nodiscard]] const std::string& name() const { return m_name; }

protected:
    virtual Status runSession(std::stop_token stop) = 0;
    void setState(ConnectionState state, std::string detail);
    void publishScan(ScanEvent scan);
    void countRejected();

private:
    void run(const std::stop_token& stop);
    std::string m_name;
    std::mutex m_mutex;
    ScannerSnapshot m_state;
    SnapshotCell<ScannerSnapshot> m_snapshot;
    EventQueue<ScanEvent> m_scans;
    std::condition_variable_any m_cv;
    std::jthread m_thread;
};

class SerialScanner final : public ScannerDevice {
public:
    SerialScanner(std::string name, std::string port, SerialSettings settings);
    ~SerialScanner() override;

protected:
    Status runSession(std::stop_token stop) override;

private:
    std::string m_port;
    SerialSettings m_settings;
};

// A keyboard-wedge scanner read from /dev/input/event* (prefer /dev/input/by-id/...-event-kbd). The
// device is grabbed (EVIOCGRAB) so scans do not leak into other windows as typing.
class EvdevScanner final : public ScannerDevice {
public:
    enum class Grab {
        Required,
        Skip
    }; // Skip only for a stream of input_event that is not an evdev node (tests)
    EvdevScanner(std::string name, std::string path, Grab grab = Grab::Required);
    ~EvdevScanner() override;

protected:
    Status runSession(std::stop_token stop) override;

private:
    std::string m_path;
    Grab m_grab;
};

} // namespace admix::devices
