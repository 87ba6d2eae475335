#include "formulas/units.hpp"

#include <doctest/doctest.h>

#include <limits>

using namespace admix::formulas;

TEST_CASE("mass converts between mcg, mg, g and kg") {
    // 1 g = 1,000 mg = 1,000,000 mcg (SI prefixes).
    CHECK(Mass::g(1.5).inMg() == doctest::Approx(1500.0));
    CHECK(Mass::mcg(250).inMg() == doctest::Approx(0.25));
    CHECK(Mass::kg(0.07).inG() == doctest::Approx(70.0));
    CHECK(Mass::mg(2).inMcg() == doctest::Approx(2000.0));
    CHECK(Mass::of(3, Unit::Gram).in(Unit::Microgram) == doctest::Approx(3e6));
    CHECK(Mass::mg(5) + Mass::mcg(500) == Mass::mg(5.5));
    CHECK(Mass::g(1) > Mass::mg(999.9));
}

TEST_CASE("volume and density") {
    CHECK(Volume::L(0.25).inMl() == doctest::Approx(250.0));
    // NaCl 0.9% 1.0046 g/mL (DOMAIN.md, CRC): 100 mL weigh 100.46 g.
    const auto saline = Density::gPerMl(1.0046);
    CHECK(saline.massOf(Volume::mL(100)).inG() == doctest::Approx(100.46));
    CHECK(saline.volumeOf(Mass::g(100.46)).inMl() == doctest::Approx(100.0));
}

TEST_CASE("units are parsed and error-prone abbreviations refused") {
    CHECK(parseUnit("mcg").value() == Unit::Microgram);
    CHECK(parseUnit(" mL ").value() == Unit::Milliliter);
    CHECK(parseUnit("Units").value() == Unit::Units);
    CHECK(parseUnit("mEq").value() == Unit::MilliEquivalent);
    // ISMP list of error-prone abbreviations: ug -> mcg, U and IU -> units, cc -> mL.
    const auto ug = parseUnit("ug");
    REQUIRE_FALSE(ug.ok());
    CHECK(ug.error().message.find("mcg") != std::string::npos);
    CHECK(parseUnit("U").error().message.find("units") != std::string::npos);
    CHECK(parseUnit("IU").error().message.find("units") != std::string::npos);
    CHECK(parseUnit("cc").error().message.find("mL") != std::string::npos);
    CHECK_FALSE(parseUnit("furlong").ok());
}

TEST_CASE("concentration: amount per volume and percent w/v") {
    // 1% w/v = 1 g/100 mL = 10 mg/mL. Magnesium sulfate 50% = 500 mg/mL.
    CHECK(Concentration::percentWv(50).inMgPerMl() == doctest::Approx(500.0));
    CHECK(Concentration::parse(0.9, "%").value().inMgPerMl() == doctest::Approx(9.0));
    // Heparin 25,000 units / 250 mL = 100 units/mL.
    const auto heparin = Concentration::of(Amount::units(25000), Volume::mL(250));
    CHECK(heparin.dimension() == Dimension::Activity);
    CHECK(heparin.basePerMl() == doctest::Approx(100.0));
    // 1,200 units at 100 units/mL = 12 mL.
    CHECK(heparin.volumeFor(Amount::units(1200)).value().inMl() == doctest::Approx(12.0));
    // A mass dose against a units concentration is an error, not a number.
    const auto wrong = heparin.volumeFor(Mass::mg(5));
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().message.find("mass") != std::string::npos);
    CHECK(Concentration::parse(4, "mg/L").value().inMgPerMl() == doctest::Approx(0.004));
    CHECK(Concentration::parse(2, "mEq/mL").value().dimension() == Dimension::Equivalents);
    CHECK_FALSE(Concentration::parse(2, "mg").ok());
    CHECK_FALSE(Concentration::parse(2, "mL/mg").ok());
    CHECK_FALSE(Concentration::mgPerMl(0).volumeFor(Mass::mg(1)).ok());
}

TEST_CASE("dose units and rates") {
    const auto u = parseDoseUnit("mcg/kg/min").value();
    CHECK(u.amountUnit == Unit::Microgram);
    CHECK(u.basis == DoseBasis::PerKg);
    CHECK(u.per == DosePer::Minute);
    CHECK(u.text() == "mcg/kg/min");
    CHECK(parseDoseUnit("mg/m2").value().basis == DoseBasis::PerM2);
    CHECK(parseDoseUnit("units/h").value().per == DosePer::Hour);
    CHECK_FALSE(parseDoseUnit("mL/h").ok());
    CHECK_FALSE(parseDoseUnit("mg/kg/fortnight").ok());
    CHECK_FALSE(parseDoseUnit("mg/kg/min/extra").ok());
    CHECK_FALSE(parseDoseUnit("ug/kg/min").ok());

    // Norepinephrine 0.1 mcg/kg/min for 80 kg = 8 mcg/min = 480 mcg/h.
    const DoseRate norepi(0.1, u);
    CHECK(norepi.resolve(80.0, std::nullopt).value().mass()->inMcg() == doctest::Approx(8.0));
    CHECK(norepi.amountPerHour(80.0, std::nullopt).value().mass()->inMcg() == doctest::Approx(480.0));
    const auto noWeight = norepi.resolve(std::nullopt, std::nullopt);
    REQUIRE_FALSE(noWeight.ok());
    CHECK(noWeight.error().message.find("weight") != std::string::npos);
    // Paclitaxel 175 mg/m2 for 1.85 m2 = 323.75 mg.
    const DoseRate pacli(175, parseDoseUnit("mg/m2").value());
    CHECK(pacli.resolve(std::nullopt, 1.85).value().mass()->inMg() == doctest::Approx(323.75));
    CHECK_FALSE(pacli.amountPerHour(std::nullopt, 1.85).ok());
}

TEST_CASE("mEq and mmol from mass") {
    // KCl MW 74.55, valence 1: 1,491 mg = 20 mEq (1491 * 1 / 74.55 = 20.0).
    CHECK(massToMilliEquivalents(Mass::mg(1491), 74.55, 1).value().base() == doctest::Approx(20.0));
    // MgSO4.7H2O MW 246.47, valence 2: 1 g = 1000*2/246.47 = 8.11 mEq.
    CHECK(massToMilliEquivalents(Mass::g(1), 246.47, 2).value().base() ==
          doctest::Approx(8.1146).epsilon(1e-4));
    CHECK(milliEquivalentsToMass(8.1146, 246.47, 2).value().inMg() == doctest::Approx(1000.0).epsilon(1e-4));
    CHECK(massToMillimoles(Mass::mg(58.44), 58.44).value().base() == doctest::Approx(1.0));
    CHECK_FALSE(massToMilliEquivalents(Mass::mg(1), 0, 1).ok());
    CHECK_FALSE(milliEquivalentsToMass(1, 74.55, 0).ok());
}

TEST_CASE("ISMP number formatting: leading zero, no trailing zero, commas") {
    CHECK(formatNumber(0.5) == "0.5");
    CHECK(formatNumber(5.0) == "5");
    CHECK(formatNumber(5.10) == "5.1");
    CHECK(formatNumber(1000) == "1,000");
    CHECK(formatNumber(999.9) == "999.9");
    CHECK(formatNumber(25000) == "25,000");
    CHECK(formatNumber(1234567.5, 1) == "1,234,567.5");
    CHECK(formatNumber(-0.0001) == "0");
    CHECK(formatNumber(-2.5) == "-2.5");
    CHECK(formatNumber(0.0005, 3) == "0.001"); // half away from zero
    CHECK(formatNumber(0.0004, 3) == "0");
    CHECK(formatPlain(25000) == "25000");
    CHECK(formatNumber(std::numeric_limits<double>::quiet_NaN()) == "?");
    CHECK(formatNumber(std::numeric_limits<double>::infinity()) == "?");
    CHECK(formatNumber(1e308).find("inf") == std::string::npos);
}

TEST_CASE("ISMP quantities: mcg below 1 mg, g for whole tenths of a gram, units, mL") {
    CHECK(format(Mass::mg(0.5)) == "500 mcg");
    CHECK(format(Mass::mg(1)) == "1 mg");
    CHECK(format(Mass::mg(999)) == "999 mg");
    CHECK(format(Mass::mg(1500)) == "1.5 g");
    CHECK(format(Mass::mg(1234)) == "1,234 mg");
    CHECK(format(Mass::g(4.5)) == "4.5 g");
    CHECK(format(Volume::mL(0.25)) == "0.25 mL");
    CHECK(format(Volume::mL(250.0)) == "250 mL");
    CHECK(format(Amount::units(5000)) == "5,000 units");
    CHECK(format(Amount::mEq(20)) == "20 mEq");
    CHECK(format(Concentration::mgPerMl(2)) == "2 mg/mL");
    CHECK(format(Concentration::mcgPerMl(16)) == "16 mcg/mL");
    CHECK(format(Concentration::unitsPerMl(100)) == "100 units/mL");
    CHECK(formatQuantity(0.4, Unit::MilliEquivalent) == "0.4 mEq");
}
