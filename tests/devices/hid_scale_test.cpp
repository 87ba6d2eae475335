// HID POS scale reports. Layout and values: USB HID Point of Sale Usage Tables 1.02 (USB-IF, March
// 2001), section "Scales" (usage page 0x8D): Scale Data Report = report id, Scale Status (1 fault,
// 2 stable at center of zero, 3 in motion, 4 weight stable, 5 under zero, 6 over weight limit,
// 7 requires calibration, 8 requires re-zeroing), Weight Unit (1 mg, 2 g, 3 kg, 4 ct, 5 tael,
// 6 grain, 7 dwt, 8 metric ton, 9 avoir ton, 10 ozt, 11 oz, 12 lb), Data Scaling (signed power of
// ten), Data Weight (16 bits, low byte first). The byte strings "?? 02 00 14 00" (20 g) and
// "?? 0B FF 34 19" (645.2 oz) are the Dymo M10/M25 examples of a published interface note
// (antradar.com, "Dymo USB scale interface specs"); no vendor manual page with raw bytes was found.
#include "devices/hid_scale.hpp"

#include <doctest/doctest.h>

#include <array>

using namespace admix::devices;

TEST_CASE("HID scale data reports") {
    const std::array<uint8_t, 6> grams{0x03, 0x04, 0x02, 0x00, 0x14, 0x00};
    auto r = decodeHidScaleReport(grams);
    REQUIRE(r.ok());
    CHECK(r->status == WeightStatus::Stable);
    CHECK(r->unit == MassUnit::Gram);
    CHECK(r->value == doctest::Approx(20.0));

    const std::array<uint8_t, 6> ounces{0x03, 0x04, 0x0B, 0xFF, 0x34, 0x19};
    r = decodeHidScaleReport(ounces);
    REQUIRE(r.ok());
    CHECK(r->unit == MassUnit::Ounce);
    CHECK(r->value == doctest::Approx(645.2));

    const std::array<uint8_t, 6> moving{0x03, 0x03, 0x02, 0xFE, 0x10, 0x27};
    r = decodeHidScaleReport(moving);
    REQUIRE(r.ok());
    CHECK(r->status == WeightStatus::Unstable);
    CHECK(r->value == doctest::Approx(100.0));

    const std::array<uint8_t, 6> zero{0x03, 0x02, 0x02, 0x00, 0x00, 0x00};
    CHECK(decodeHidScaleReport(zero)->status == WeightStatus::Stable);
    CHECK(decodeHidScaleReport(zero)->value == 0.0);

    const std::array<uint8_t, 6> over{0x03, 0x06, 0x02, 0x00, 0xFF, 0xFF};
    CHECK(decodeHidScaleReport(over)->status == WeightStatus::Overload);
    const std::array<uint8_t, 6> under{0x03, 0x05, 0x02, 0x00, 0x05, 0x00};
    CHECK(decodeHidScaleReport(under)->status == WeightStatus::Underload);
    const std::array<uint8_t, 6> fault{0x03, 0x01, 0x02, 0x00, 0x00, 0x00};
    CHECK(decodeHidScaleReport(fault)->kind == BalanceReply::Kind::NotExecutable);
    const std::array<uint8_t, 6> cal{0x03, 0x07, 0x02, 0x00, 0x00, 0x00};
    CHECK(decodeHidScaleReport(cal)->kind == BalanceReply::Kind::NotExecutable);

    SUBCASE("malformed reports are errors") {
        const std::array<uint8_t, 5> shortReport{0x03, 0x04, 0x02, 0x00, 0x14};
        CHECK_FALSE(decodeHidScaleReport(shortReport).ok());
        const std::array<uint8_t, 6> wrongId{0x04, 0x04, 0x02, 0x00, 0x14, 0x00};
        CHECK_FALSE(decodeHidScaleReport(wrongId).ok());
        const std::array<uint8_t, 6> badStatus{0x03, 0x09, 0x02, 0x00, 0x14, 0x00};
        CHECK_FALSE(decodeHidScaleReport(badStatus).ok());
        const std::array<uint8_t, 6> tons{0x03, 0x04, 0x08, 0x00, 0x14, 0x00};
        CHECK_FALSE(decodeHidScaleReport(tons).ok());
        const std::array<uint8_t, 6> hugeExp{0x03, 0x04, 0x02, 0x7F, 0x14, 0x00};
        CHECK_FALSE(decodeHidScaleReport(hugeExp).ok());
    }
    CHECK(encodeHidZeroReport() == std::vector<uint8_t>{0x02, 0x01});
    CHECK(parseUsbId("0922:8003")->vendor == 0x0922);
    CHECK(parseUsbId("0922:8003")->product == 0x8003);
    CHECK_FALSE(parseUsbId("0922-8003").has_value());
    CHECK_FALSE(parseUsbId("0922:80031").has_value());
    CHECK_FALSE(parseUsbId(":8003").has_value());
    CHECK_FALSE(parseUsbId("xyz:8003").has_value());
}
