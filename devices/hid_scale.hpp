// USB HID point-of-sale scales (usage page 0x8D, Weighing Devices). The codec is pure: a Scale Data
// Report (report id, status, unit, signed exponent, 16-bit little-endian weight) in, a BalanceReply
// out; a Scale Control Report with the Zero Scale bit out. HidScaleBalance reads reports on its own
// acquisition thread (the BalanceDevice lifecycle) from a HidReportSource: libusb's interrupt IN
// endpoint for a real scale (every libusb handle owned by a unique_ptr with its deleter), or
// HidScaleSimulator for demo mode and tests. Errors are values.
#pragma once

#include "devices/balance_device.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>

namespace admix::devices {

// Report ids: the data report is 3 and the control report 2 on the common POS scales (Dymo,
// Stamps.com, Mettler Toledo PS series); a scale whose report descriptor says otherwise can be
// configured.
struct HidScaleReportIds {
    uint8_t data = 3;
    uint8_t control = 2;
};

// Scale Status values as they appear in the data report (HID POS Usage Tables 1.02, Scales page).
enum class HidScaleStatus : uint8_t {
    Fault = 1,
    StableAtZero = 2,
    InMotion = 3,
    WeightStable = 4,
    UnderZero = 5,
    OverWeightLimit = 6,
    RequiresCalibration = 7,
    RequiresRezeroing = 8,
};

[[nodiscard]] Result<BalanceReply> decodeHidScaleReport(std::span<const uint8_t> report,
                                                        HidScaleReportIds ids = {});
// The Scale Control Report that zeroes the scale: {control id, 0x01 (Zero Scale)}.
[[nodiscard]] std::vector<uint8_t> encodeHidZeroReport(HidScaleReportIds ids = {});

struct UsbId {
    uint16_t vendor = 0;
    uint16_t product = 0;
};
// "0922:8003" (hex).
[[nodiscard]] std::optional<UsbId> parseUsbId(std::string_view text);

// Where a HID scale's reports come from: libusb for a real scale, a simulator for demo and tests.
class HidReportSource {
public:
    virtual ~HidReportSource() = default;
    // One input report; empty when none arrived in time; an Error when the scale is gone.
    [[nodiscard]] virtual Result<std::vector<uint8_t>> read(std::chrono::milliseconds timeout) = 0;
    [[nodiscard]] virtual Status sendReport(const std::vector<uint8_t>& report) = 0;
    [[nodiscard]] virtual BalanceIdentity identity() = 0;
};

// Opens a scale by VID:PID through libusb (detaches the kernel driver, claims the HID interface).
[[nodiscard]] Result<std::unique_ptr<HidReportSource>> openLibusbScale(UsbId id);

class HidScaleBalance final : public BalanceDevice {
public:
    using Opener = std::function<Result<std::unique_ptr<HidReportSource>>()>;
    HidScaleBalance(BalanceOptions options, UsbId id, HidScaleReportIds ids = {});
    HidScaleBalance(BalanceOptions options, Opener opener, HidScaleReportIds ids = {});
    ~HidScaleBalance() override;

protected:
    Status runSession(std::stop_token stop) override;

private:
    Opener m_opener;
    HidScaleReportIds m_ids;
};

// A HID POS scale without USB: its opener() feeds HidScaleBalance with real report bytes built from
// the load and the injected faults (unplug, garbage reports, motion, overload, fault). Thread-safe.
class HidScaleSimulator {
public:
    explicit HidScaleSimulator(HidScaleReportIds ids = {}) : m_ids(ids) {}
    void setLoad(double grams) {
        std::lock_guard lock(m_mutex);
        m_grams = grams;
    }
    void setUnstable(bool on) {
        std::lock_guard lock(m_mutex);
        m_unstable = on;
    }
    void setOverload(bool on) {
        std::lock_guard lock(m_mutex);
        m_overload = on;
    }
    void setFault(bool on) {
        std::lock_guard lock(m_mutex);
        m_fault = on;
    }
    void setPlugged(bool on) { m_plugged.store(on); }
    void injectGarbage(int reports) { m_garbage.fetch_add(reports); }
    [[nodiscard]] bool plugged() const { return m_plugged.load(); }
    [[nodiscard]] bool takeGarbage() {
        int n = m_garbage.load();
        while (n > 0 && !m_garbage.compare_exchange_weak(n, n - 1)) {
        }
        return n > 0;
    }
    [[nodiscard]] std::vector<uint8_t> currentReport() const;
    // The opener to give HidScaleBalance; the simulator must outlive the balance.
    [[nodiscard]] HidScaleBalance::Opener opener();

private:
    HidScaleReportIds m_ids;
    mutable std::mutex m_mutex;
    double m_grams = 0.0;
    bool m_unstable = false;
    bool m_overload = false;
    bool m_fault = false;
    std::atomic<bool> m_plugged{true};
    std::atomic<int> m_garbage{0};
};

} // namespace admix::devices
