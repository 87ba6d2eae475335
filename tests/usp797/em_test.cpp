// Action levels at, just below and just above each limit. Source for every number:
// ../shared/DOMAIN.md "USP <797> (2023) defaults" (environmental monitoring action levels, pressure,
// temperature/humidity, storage temperatures) and "USP <800> hazardous drugs" (negative pressure),
// as carried by assets/policy/usp797_defaults.toml.
#include "usp797/em.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::usp797;

namespace {

const SitePolicy& policy() {
    return SitePolicy::defaults();
}

EmSample sample(EmKind kind, double value, std::optional<double> litres = std::nullopt) {
    EmSample s;
    s.at = parseIsoUtc("2026-03-02T10:00:00Z").value();
    s.kind = kind;
    s.room = "BUF-1";
    s.location = "LAFW-1";
    s.value = value;
    s.litres = litres;
    s.person = "qa01";
    s.deviceOrLot = "TSA-2611";
    return s;
}

bool excursion(EmKind kind, double value, SampledArea area, std::optional<double> litres = std::nullopt) {
    const auto e = evaluateSample(sample(kind, value, litres), area, policy());
    REQUIRE_MESSAGE(e.ok(), e.error().text());
    return e->excursion;
}

constexpr SampledArea kIso5{IsoClass::Iso5, PressureRegime::Positive};
constexpr SampledArea kIso7{IsoClass::Iso7, PressureRegime::Positive};
constexpr SampledArea kIso8{IsoClass::Iso8, PressureRegime::Positive};
constexpr SampledArea kNegative{IsoClass::Iso7, PressureRegime::Negative};

} // namespace

TEST_CASE(
    "viable air: ISO 5 > 1 / ISO 7 > 10 / ISO 8 > 100 CFU/m3 (DOMAIN.md action levels / 1 m3 = 1000 L)") {
    for (auto [area, limit] : {std::pair{kIso5, 1.0}, std::pair{kIso7, 10.0}, std::pair{kIso8, 100.0}}) {
        CAPTURE(limit);
        CHECK_FALSE(excursion(EmKind::ViableAir, limit, area, 1000.0));   // at the limit: limit CFU/m3
        CHECK_FALSE(excursion(EmKind::ViableAir, limit, area, 1001.0));   // just below
        CHECK(excursion(EmKind::ViableAir, limit + 1, area, 1000.0));     // just above (next whole CFU)
        CHECK(excursion(EmKind::ViableAir, 2 * limit + 1, area, 2000.0)); // (limit + 0.5) CFU/m3
    }
    // CFU -> CFU/m3: 3 CFU in 1500 L is 2 CFU/m3
    const auto e = evaluateSample(sample(EmKind::ViableAir, 3, 1500.0), kIso7, policy());
    REQUIRE(e.ok());
    CHECK(e->measured == doctest::Approx(2.0));
    CHECK(e->unit == "CFU/m3");
}

TEST_CASE("viable air samples under 1 m3 are refused (DOMAIN.md: air samples are 1 / 000 L per location)") {
    const auto e = evaluateSample(sample(EmKind::ViableAir, 0, 999.0), kIso5, policy());
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().where == "litres");
    CHECK_FALSE(evaluateSample(sample(EmKind::ViableAir, 0), kIso5, policy()).ok());
}

TEST_CASE("surface: ISO 5 > 3 / ISO 7 > 5 / ISO 8 > 50 CFU/plate (DOMAIN.md action levels)") {
    for (auto [area, limit] : {std::pair{kIso5, 3.0}, std::pair{kIso7, 5.0}, std::pair{kIso8, 50.0}}) {
        CAPTURE(limit);
        CHECK_FALSE(excursion(EmKind::Surface, limit - 1, area));
        CHECK_FALSE(excursion(EmKind::Surface, limit, area));
        CHECK(excursion(EmKind::Surface, limit + 1, area));
    }
    CHECK_FALSE(evaluateSample(sample(EmKind::Surface, 1.5), kIso5, policy()).ok()); // CFU are whole
    CHECK_FALSE(evaluateSample(sample(EmKind::Surface, -1), kIso5, policy()).ok());
}

TEST_CASE(
    "total particles >= 0.5 um: ISO 5 3 / 520 / ISO 7 352 / 000 / ISO 8 3 / 520 / 000 per m3 (DOMAIN.md)") {
    for (auto [area, limit] :
         {std::pair{kIso5, 3520.0}, std::pair{kIso7, 352000.0}, std::pair{kIso8, 3520000.0}}) {
        CAPTURE(limit);
        CHECK_FALSE(excursion(EmKind::Particles, limit - 1, area));
        CHECK_FALSE(excursion(EmKind::Particles, limit, area));
        CHECK(excursion(EmKind::Particles, limit + 1, area));
    }
}

TEST_CASE("unclassified areas have no action level: refused / not passed (fail closed)") {
    const auto e =
        evaluateSample(sample(EmKind::Surface, 0), {IsoClass::Unclassified, PressureRegime::None}, policy());
    CHECK_FALSE(e.ok());
}

TEST_CASE(
    "pressure: positive >= 0.020 in. w.c. (DOMAIN.md) / HD negative 0.01 to 0.03 (USP <800> in DOMAIN.md)") {
    CHECK_FALSE(excursion(EmKind::Pressure, 0.020, kIso7));
    CHECK(excursion(EmKind::Pressure, 0.019, kIso7));
    CHECK_FALSE(excursion(EmKind::Pressure, 0.021, kIso7));
    // negative room: -0.010 .. -0.030
    CHECK_FALSE(excursion(EmKind::Pressure, -0.010, kNegative));
    CHECK(excursion(EmKind::Pressure, -0.009, kNegative));
    CHECK_FALSE(excursion(EmKind::Pressure, -0.011, kNegative));
    CHECK_FALSE(excursion(EmKind::Pressure, -0.030, kNegative));
    CHECK(excursion(EmKind::Pressure, -0.031, kNegative));
    CHECK_FALSE(excursion(EmKind::Pressure, -0.029, kNegative));
    CHECK(excursion(EmKind::Pressure, 0.020, kNegative)); // positive reading in a negative room
}

TEST_CASE("room temperature <= 20 C and humidity < 60 % (DOMAIN.md / logged each compounding day)") {
    CHECK_FALSE(excursion(EmKind::Temperature, 19.9, kIso7));
    CHECK_FALSE(excursion(EmKind::Temperature, 20.0, kIso7));
    CHECK(excursion(EmKind::Temperature, 20.1, kIso7));
    CHECK_FALSE(excursion(EmKind::Humidity, 59.9, kIso7));
    CHECK(excursion(EmKind::Humidity, 60.0, kIso7)); // "< 60 %": 60 itself is out
    CHECK(excursion(EmKind::Humidity, 60.1, kIso7));
}

TEST_CASE("refrigerator 2-8 C and freezer -25 to -10 C (DOMAIN.md storage)") {
    for (auto [lo, hi, kind] :
         {std::tuple{2.0, 8.0, EmKind::Fridge}, std::tuple{-25.0, -10.0, EmKind::Freezer}}) {
        CAPTURE(lo);
        CHECK(excursion(kind, lo - 0.1, kIso7));
        CHECK_FALSE(excursion(kind, lo, kIso7));
        CHECK_FALSE(excursion(kind, lo + 0.1, kIso7));
        CHECK_FALSE(excursion(kind, hi - 0.1, kIso7));
        CHECK_FALSE(excursion(kind, hi, kIso7));
        CHECK(excursion(kind, hi + 0.1, kIso7));
    }
}

TEST_CASE("a stricter site limit from policy moves the action level") {
    const auto strict = policy().with("em.surface.iso7_cfu_plate", 2).value();
    const auto e = evaluateSample(sample(EmKind::Surface, 3), kIso7, strict);
    REQUIRE(e.ok());
    CHECK(e->excursion);
    CHECK(e->message.find("exceeds ISO 7 action level 2") != std::string::npos);
}
