#include "formulas/units.hpp"

#include "formulas/text.hpp"

#include <cassert>
#include <cmath>
#include <cstdio>

namespace admix::formulas {

// [SECTION] Units and symbols ---------------------------------------------------------------------

std::string_view symbol(Unit unit) {
    switch (unit) {
    case Unit::Microgram:
        return "mcg";
    case Unit::Milligram:
        return "mg";
    case Unit::Gram:
        return "g";
    case Unit::Kilogram:
        return "kg";
    case Unit::MilliEquivalent:
        return "mEq";
    case Unit::Millimole:
        return "mmol";
    case Unit::Units:
        return "units";
    case Unit::Milliliter:
        return "mL";
    case Unit::Liter:
        return "L";
    }
    return "?";
}

std::string_view dimensionName(Dimension dimension) {
    switch (dimension) {
    case Dimension::Mass:
        return "mass";
    case Dimension::Equivalents:
        return "milliequivalents";
    case Dimension::Moles:
        return "millimoles";
    case Dimension::Activity:
        return "units";
    }
    return "?";
}

Result<Unit> parseUnit(std::string_view raw) {
    const std::string t = toLower(trim(raw));
    if (t == "mcg" || t == "microgram" || t == "micrograms")
        return Unit::Microgram;
    if (t == "mg" || t == "milligram" || t == "milligrams")
        return Unit::Milligram;
    if (t == "g" || t == "gram" || t == "grams")
        return Unit::Gram;
    if (t == "kg" || t == "kilogram" || t == "kilograms")
        return Unit::Kilogram;
    if (t == "meq" || t == "milliequivalent" || t == "milliequivalents")
        return Unit::MilliEquivalent;
    if (t == "mmol" || t == "millimole" || t == "millimoles")
        return Unit::Millimole;
    if (t == "units" || t == "unit")
        return Unit::Units;
    if (t == "ml" || t == "millilitre" || t == "milliliter" || t == "milliliters" || t == "millilitres")
        return Unit::Milliliter;
    if (t == "l" || t == "litre" || t == "liter" || t == "liters" || t == "litres")
        return Unit::Liter;
    if (t == "ug" || t == "\xc2\xb5g" || t == "\xce\xbcg")
        return Result<Unit>::fail("'" + std::string(raw) + "' is an error-prone abbreviation: write mcg");
    if (t == "u" || t == "iu")
        return Result<Unit>::fail("'" + std::string(raw) + "' is an error-prone abbreviation: write units");
    if (t == "cc")
        return Result<Unit>::fail("'cc' is an error-prone abbreviation: write mL");
    return Result<Unit>::fail("'" + printable(raw) +
                              "' is not a unit this station knows (mcg, mg, g, kg, mEq, mmol, units, mL, L)");
}

bool isVolumeUnit(Unit unit) {
    return unit == Unit::Milliliter || unit == Unit::Liter;
}

std::optional<Dimension> dimensionOf(Unit unit) {
    switch (unit) {
    case Unit::Microgram:
    case Unit::Milligram:
    case Unit::Gram:
    case Unit::Kilogram:
        return Dimension::Mass;
    case Unit::MilliEquivalent:
        return Dimension::Equivalents;
    case Unit::Millimole:
        return Dimension::Moles;
    case Unit::Units:
        return Dimension::Activity;
    case Unit::Milliliter:
    case Unit::Liter:
        return std::nullopt;
    }
    return std::nullopt;
}

double baseFactor(Unit unit) {
    switch (unit) {
    case Unit::Microgram:
        return 0.001;
    case Unit::Milligram:
        return 1.0;
    case Unit::Gram:
        return 1000.0;
    case Unit::Kilogram:
        return 1000000.0;
    case Unit::MilliEquivalent:
    case Unit::Millimole:
    case Unit::Units:
    case Unit::Milliliter:
        return 1.0;
    case Unit::Liter:
        return 1000.0;
    }
    return 1.0;
}

// [SECTION] Mass, Volume --------------------------------------------------------------------------

Mass Mass::of(double value, Unit unit) {
    assert(dimensionOf(unit) == Dimension::Mass);
    return Mass(value * baseFactor(unit));
}

double Mass::in(Unit unit) const {
    assert(dimensionOf(unit) == Dimension::Mass);
    return m_mg / baseFactor(unit);
}

Volume Volume::of(double value, Unit unit) {
    assert(isVolumeUnit(unit));
    return Volume(value * baseFactor(unit));
}

// [SECTION] Amount --------------------------------------------------------------------------------

Amount Amount::of(double value, Unit unit) {
    const auto dim = dimensionOf(unit);
    assert(dim.has_value());
    return Amount(*dim, value * baseFactor(unit));
}

std::optional<Mass> Amount::mass() const {
    if (m_dimension != Dimension::Mass)
        return std::nullopt;
    return Mass::mg(m_base);
}

Result<double> Amount::in(Unit unit) const {
    const auto dim = dimensionOf(unit);
    if (!dim || *dim != m_dimension)
        return Result<double>::fail("an amount in " + std::string(dimensionName(m_dimension)) +
                                    " cannot be expressed in " + std::string(symbol(unit)));
    return m_base / baseFactor(unit);
}

Unit Amount::baseUnit() const {
    switch (m_dimension) {
    case Dimension::Mass:
        return Unit::Milligram;
    case Dimension::Equivalents:
        return Unit::MilliEquivalent;
    case Dimension::Moles:
        return Unit::Millimole;
    case Dimension::Activity:
        return Unit::Units;
    }
    return Unit::Milligram;
}

// [SECTION] Concentration -------------------------------------------------------------------------

Concentration Concentration::of(Amount amount, Volume volume) {
    return Concentration(amount.dimension(), amount.base() / volume.inMl());
}

Result<Concentration> Concentration::parse(double value, std::string_view unitText) {
    const std::string_view t = trim(unitText);
    if (t == "%" || iequals(t, "% w/v") || iequals(t, "%w/v"))
        return percentWv(value);
    const auto parts = split(t, '/');
    if (parts.size() != 2)
        return Result<Concentration>::fail("'" + printable(unitText) +
                                           "' is not a concentration unit (e.g. mg/mL, units/mL, %)");
    const auto num = parseUnit(parts[0]);
    if (!num)
        return num.error();
    const auto den = parseUnit(parts[1]);
    if (!den)
        return den.error();
    if (!dimensionOf(*num) || !isVolumeUnit(*den))
        return Result<Concentration>::fail("'" + printable(unitText) +
                                           "' is not an amount per volume (e.g. mg/mL)");
    return of(Amount::of(value, *num), Volume::of(1.0, *den));
}

Amount Concentration::amountIn(Volume v) const {
    switch (m_dimension) {
    case Dimension::Mass:
        return Mass::mg(m_basePerMl * v.inMl());
    case Dimension::Equivalents:
        return Amount::mEq(m_basePerMl * v.inMl());
    case Dimension::Moles:
        return Amount::mmol(m_basePerMl * v.inMl());
    case Dimension::Activity:
        return Amount::units(m_basePerMl * v.inMl());
    }
    return {};
}

Result<Volume> Concentration::volumeFor(const Amount& amount) const {
    if (amount.dimension() != m_dimension)
        return Result<Volume>::fail("the dose is in " + std::string(dimensionName(amount.dimension())) +
                                    " but the concentration is in " +
                                    std::string(dimensionName(m_dimension)));
    if (!(m_basePerMl > 0.0) || !std::isfinite(m_basePerMl))
        return Result<Volume>::fail("the concentration must be greater than zero");
    return Volume::mL(amount.base() / m_basePerMl);
}

// [SECTION] DoseRate ------------------------------------------------------------------------------

std::string DoseUnit::text() const {
    std::string out(symbol(amountUnit));
    if (basis == DoseBasis::PerKg)
        out += "/kg";
    else if (basis == DoseBasis::PerM2)
        out += "/m2";
    if (per == DosePer::Minute)
        out += "/min";
    else if (per == DosePer::Hour)
        out += "/h";
    else if (per == DosePer::Day)
        out += "/day";
    return out;
}

Result<DoseUnit> parseDoseUnit(std::string_view text) {
    const auto parts = split(trim(text), '/');
    const auto amount = parseUnit(parts[0]);
    if (!amount)
        return Error{amount.error().message, "dose unit '" + printable(text) + "'"};
    if (!dimensionOf(*amount))
        return Result<DoseUnit>::fail("a dose is an amount (mg, mcg, units, mEq...), not a volume",
                                      "dose unit '" + printable(text) + "'");
    DoseUnit unit{*amount, DoseBasis::None, DosePer::Once};
    size_t i = 1;
    if (i < parts.size()) {
        const std::string p = toLower(trim(parts[i]));
        if (p == "kg") {
            unit.basis = DoseBasis::PerKg;
            ++i;
        } else if (p == "m2" || p == "m^2" || p == "m\xc2\xb2") {
            unit.basis = DoseBasis::PerM2;
            ++i;
        }
    }
    if (i < parts.size()) {
        const std::string p = toLower(trim(parts[i]));
        if (p == "min" || p == "minute")
            unit.per = DosePer::Minute;
        else if (p == "h" || p == "hr" || p == "hour")
            unit.per = DosePer::Hour;
        else if (p == "day" || p == "d" || p == "24h")
            unit.per = DosePer::Day;
        else
            return Result<DoseUnit>::fail("'" + printable(parts[i]) + "' is not kg, m2, min, h or day",
                                          "dose unit '" + printable(text) + "'");
        ++i;
    }
    if (i != parts.size())
        return Result<DoseUnit>::fail("expected amount[/kg|/m2][/min|/h|/day], e.g. mcg/kg/min",
                                      "dose unit '" + printable(text) + "'");
    return unit;
}

Result<Amount> DoseRate::resolve(std::optional<double> weightKg, std::optional<double> bsaM2) const {
    double factor = 1.0;
    if (m_unit.basis == DoseBasis::PerKg) {
        if (!weightKg || !(*weightKg > 0.0))
            return Result<Amount>::fail("a dose in " + m_unit.text() + " needs the patient's weight in kg");
        factor = *weightKg;
    } else if (m_unit.basis == DoseBasis::PerM2) {
        if (!bsaM2 || !(*bsaM2 > 0.0))
            return Result<Amount>::fail("a dose in " + m_unit.text() +
                                        " needs the patient's body surface area in m2");
        factor = *bsaM2;
    }
    double perMinute = 1.0; // a Once dose stays as is
    if (m_unit.per == DosePer::Hour)
        perMinute = 1.0 / 60.0;
    else if (m_unit.per == DosePer::Day)
        perMinute = 1.0 / 1440.0;
    return Amount::of(m_value * factor * perMinute, m_unit.amountUnit);
}

Result<Amount> DoseRate::amountPerHour(std::optional<double> weightKg, std::optional<double> bsaM2) const {
    if (!isRate())
        return Result<Amount>::fail("'" + text() +
                                    "' is a dose, not a rate: give it per minute, hour or day");
    auto perMin = resolve(weightKg, bsaM2);
    if (!perMin)
        return perMin;
    return perMin->scaled(60.0);
}

std::string DoseRate::text() const {
    return formatNumber(m_value) + " " + m_unit.text();
}

// [SECTION] mEq <-> mg ----------------------------------------------------------------------------

Result<Amount> massToMilliEquivalents(Mass mass, double molecularWeight, int valence) {
    if (!(molecularWeight > 0.0) || valence <= 0)
        return Result<Amount>::fail("molecular weight and valence must be greater than zero");
    return Amount::mEq(mass.inMg() * valence / molecularWeight);
}

Result<Mass> milliEquivalentsToMass(double mEq, double molecularWeight, int valence) {
    if (!(molecularWeight > 0.0) || valence <= 0)
        return Result<Mass>::fail("molecular weight and valence must be greater than zero");
    return Mass::mg(mEq * molecularWeight / valence);
}

Result<Amount> massToMillimoles(Mass mass, double molecularWeight) {
    if (!(molecularWeight > 0.0))
        return Result<Amount>::fail("molecular weight must be greater than zero");
    return Amount::mmol(mass.inMg() / molecularWeight);
}

// [SECTION] ISMP formatting -----------------------------------------------------------------------

namespace {

std::string formatImpl(double value, int maxDecimals, bool thousands) {
    if (!std::isfinite(value))
        return "?";
    if (maxDecimals < 0)
        maxDecimals = 0;
    if (maxDecimals > 9)
        maxDecimals = 9;
    // Round half away from zero at the wanted precision, then print; %.*f always writes a leading
    // zero, and trailing zeros (and a bare '.') are removed below.
    const double scale = std::pow(10.0, maxDecimals);
    double rounded = std::round(value * scale) / scale;
    if (!std::isfinite(rounded)) // value * scale overflowed: the value is far beyond any dose, print it as is
        rounded = value;
    if (rounded == 0.0)
        rounded = 0.0; // no "-0"
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", maxDecimals, rounded);
    std::string s(buf);
    if (s.find('.') != std::string::npos) {
        while (!s.empty() && s.back() == '0')
            s.pop_back();
        if (!s.empty() && s.back() == '.')
            s.pop_back();
    }
    if (!thousands)
        return s;
    const bool negative = !s.empty() && s.front() == '-';
    const size_t intStart = negative ? 1 : 0;
    size_t intEnd = s.find('.');
    if (intEnd == std::string::npos)
        intEnd = s.size();
    if (intEnd - intStart < 4)
        return s;
    std::string out = s.substr(0, intStart);
    for (size_t i = intStart; i < intEnd; ++i) {
        out += s[i];
        const size_t remaining = intEnd - i - 1;
        if (remaining > 0 && remaining % 3 == 0)
            out += ',';
    }
    out += s.substr(intEnd);
    return out;
}

} // namespace

std::string formatNumber(double value, int maxDecimals) {
    return formatImpl(value, maxDecimals, true);
}
std::string formatPlain(double value, int maxDecimals) {
    return formatImpl(value, maxDecimals, false);
}

std::string formatQuantity(double value, Unit unit, int maxDecimals) {
    return formatNumber(value, maxDecimals) + " " + std::string(symbol(unit));
}

std::string format(Mass mass, int maxDecimals) {
    const double mg = mass.inMg();
    if (std::fabs(mg) < 1.0 && mg != 0.0)
        return formatQuantity(mass.inMcg(), Unit::Microgram, maxDecimals);
    // Grams only when that loses nothing worth reading: 1,500 mg -> 1.5 g; 1,234 mg stays mg.
    if (std::fabs(mg) >= 1000.0 && std::fabs(std::round(mg / 100.0) * 100.0 - mg) < 1e-9)
        return formatQuantity(mass.inG(), Unit::Gram, maxDecimals);
    return formatQuantity(mg, Unit::Milligram, maxDecimals);
}

std::string format(Volume volume, int maxDecimals) {
    return formatQuantity(volume.inMl(), Unit::Milliliter, maxDecimals);
}

std::string format(const Amount& amount, int maxDecimals) {
    if (const auto m = amount.mass())
        return format(*m, maxDecimals);
    return formatQuantity(amount.base(), amount.baseUnit(), maxDecimals);
}

std::string format(const Concentration& c, int maxDecimals) {
    if (c.dimension() == Dimension::Mass && c.basePerMl() != 0.0 && std::fabs(c.basePerMl()) < 0.1)
        return formatNumber(c.basePerMl() * 1000.0, maxDecimals) + " mcg/mL";
    const Unit u = c.amountIn(Volume::mL(1.0)).baseUnit();
    return formatNumber(c.basePerMl(), maxDecimals) + " " + std::string(symbol(u)) + "/mL";
}

} // namespace admix::formulas
