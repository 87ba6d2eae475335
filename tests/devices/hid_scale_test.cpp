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
#include <cmath>
#include <thread>

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
    CHECK(r->decimals == 1);

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

TEST_CASE("a HID scale through the acquisition thread: readings, garbage, faults, unplug, zero") {
    using namespace std::chrono_literals;
    const auto waitUntil = [](const auto& condition) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!condition() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(2ms);
        return condition();
    };
    HidScaleSimulator sim;
    sim.setLoad(20.0);
    BalanceOptions options;
    options.name = "pos scale";
    options.backoffFirst = 20ms;
    HidScaleBalance balance(options, sim.opener());
    balance.start();
    const auto stableAt = [&](double grams) {
        const auto s = balance.snapshot();
        return s->latest && s->latest->stable() && std::abs(s->latest->value - grams) < 1e-9;
    };
    REQUIRE(waitUntil([&] { return stableAt(20.0); }));
    CHECK(balance.snapshot()->identity.serial == "HID0001");
    CHECK(balance.snapshot()->latest->raw == "03 04 02 ff c8 00 ");

    sim.injectGarbage(5);
    REQUIRE(waitUntil([&] { return balance.snapshot()->rejectedLines == 5; }));
    sim.setUnstable(true);
    REQUIRE(waitUntil([&] {
        auto s = balance.snapshot();
        return s->latest && s->latest->status == WeightStatus::Unstable;
    }));
    sim.setUnstable(false);
    sim.setOverload(true);
    REQUIRE(waitUntil([&] {
        auto s = balance.snapshot();
        return s->latest && s->latest->status == WeightStatus::Overload;
    }));
    sim.setOverload(false);

    sim.setPlugged(false);
    REQUIRE(waitUntil([&] { return balance.snapshot()->status.state == ConnectionState::Error; }));
    CHECK_FALSE(balance.snapshot()->latest.has_value());
    sim.setLoad(12.5);
    sim.setPlugged(true);
    REQUIRE(waitUntil([&] { return stableAt(12.5); }));
    CHECK(balance.snapshot()->disconnects == 1);

    balance.requestZero();
    REQUIRE(waitUntil([&] { return stableAt(0.0); }));
    balance.requestTare();
    bool tareRefused = false;
    REQUIRE(waitUntil([&] {
        for (const auto& e : balance.drainEvents())
            tareRefused = tareRefused || (e.kind == BalanceEvent::Kind::CommandFailed &&
                                          e.detail.find("no tare") != std::string::npos);
        return tareRefused;
    }));
    sim.setFault(true);
    REQUIRE(waitUntil([&] { return balance.snapshot()->status.state == ConnectionState::Error; }));
    CHECK(balance.snapshot()->status.detail == "the scale reports a fault");
}
