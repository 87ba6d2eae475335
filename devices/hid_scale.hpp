// USB HID point-of-sale scales (usage page 0x8D, Weighing Devices). The codec is pure: a Scale Data
// Report (report id, status, unit, signed exponent, 16-bit little-endian weight) in, a BalanceReply
// out; a Scale Control Report with the Zero Scale bit out. HidScaleBalance reads the interrupt IN
// endpoint through libusb on its own acquisition thread (the BalanceDevice lifecycle); every libusb
// handle is owned by a unique_ptr with its deleter; errors are values.
#pragma once

#include "devices/balance_device.hpp"

#include <cstdint>
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

class HidScaleBalance final : public BalanceDevice {
public:
    HidScaleBalance(BalanceOptions options, UsbId id, HidScaleReportIds ids = {});
    ~HidScaleBalance() override;

protected:
    Status runSession(std::stop_token stop) override;

private:
    UsbId m_id;
    HidScaleReportIds m_ids;
};

} // namespace admix::devices
