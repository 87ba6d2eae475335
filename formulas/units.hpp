// Quantities with their unit in the type: Mass, Volume, Amount (mass, mEq, mmol or units),
// Concentration (amount per mL, incl. % w/v) and DoseRate (amount per kg or m2 per minute/hour).
// Every unit conversion of the project happens in this file and units.cpp, nowhere else.
// All types are small values: copyable, thread-safe to share read-only, never throw. Operations that
// can mix incompatible dimensions (mEq against mg, say) return Result with a message.
// (NOLINT at the defaulted <=>: clang-tidy 14's use-nullptr check takes its 0 for a null pointer.)
// [SECTION] index: Units and symbols | Mass | Volume | Amount | Concentration | DoseRate |
//                  mEq <-> mg | ISMP formatting
#pragma once

#include "formulas/result.hpp"

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace admix::formulas {

// [SECTION] Units and symbols ---------------------------------------------------------------------

// What an amount of drug measures. Mass converts within itself (mcg..kg); mEq, mmol and units do
// not convert to each other or to mass without the drug's molecular weight and valence.
enum class Dimension { Mass, Equivalents, Moles, Activity };

// Every unit a dose, strength or volume may be written in. Symbols follow ISMP ("mcg", "units", "mL").
enum class Unit {
    Microgram,
    Milligram,
    Gram,
    Kilogram,
    MilliEquivalent,
    Millimole,
    Units,
    Milliliter,
    Liter
};

[[nodiscard]] std::string_view symbol(Unit unit);
[[nodiscard]] std::string_view dimensionName(Dimension dimension);
// Accepts ISMP symbols and common spellings ("mcg", "microgram", "mg", "g", "gram", "kg", "mEq",
// "mmol", "units", "unit", "mL", "ml", "L"). Refuses error-prone ones ("ug", "U", "IU", "cc") with a
// message saying what to write instead.
[[nodiscard]] Result<Unit> parseUnit(std::string_view text);
[[nodiscard]] bool isVolumeUnit(Unit unit);
// The dimension of an amount unit; nullopt for mL and L.
[[nodiscard]] std::optional<Dimension> dimensionOf(Unit unit);
// How many of the dimension's base unit (mg, mEq, mmol, units, mL) one `unit` is.
[[nodiscard]] double baseFactor(Unit unit);

// [SECTION] Mass ----------------------------------------------------------------------------------

// Mass, stored in milligrams.
class Mass {
public:
    constexpr Mass() = default;
    [[nodiscard]] static constexpr Mass mcg(double v) { return Mass(v / 1000.0); }
    [[nodiscard]] static constexpr Mass mg(double v) { return Mass(v); }
    [[nodiscard]] static constexpr Mass g(double v) { return Mass(v * 1000.0); }
    [[nodiscard]] static constexpr Mass kg(double v) { return Mass(v * 1000000.0); }
    // Unit must be a mass unit (asserted).
    [[nodiscard]] static Mass of(double value, Unit unit);

    [[nodiscard]] constexpr double inMcg() const { return m_mg * 1000.0; }
    [[nodiscard]] constexpr double inMg() const { return m_mg; }
    [[nodiscard]] constexpr double inG() const { return m_mg / 1000.0; }
    [[nodiscard]] constexpr double inKg() const { return m_mg / 1000000.0; }
    [[nodiscard]] double in(Unit unit) const;

    constexpr Mass operator+(Mass o) const { return Mass(m_mg + o.m_mg); }
    constexpr Mass operator-(Mass o) const { return Mass(m_mg - o.m_mg); }
    constexpr Mass operator*(double k) const { return Mass(m_mg * k); }
    constexpr Mass operator/(double k) const { return Mass(m_mg / k); }
    constexpr double operator/(Mass o) const { return m_mg / o.m_mg; }
    constexpr auto operator<=>(const Mass&) const = default; // NOLINT(modernize-use-nullptr)

private:
    constexpr explicit Mass(double mgValue) : m_mg(mgValue) {}
    double m_mg = 0.0;
};

// [SECTION] Volume --------------------------------------------------------------------------------

// Volume, stored in millilitres.
class Volume {
public:
    constexpr Volume() = default;
    [[nodiscard]] static constexpr Volume mL(double v) { return Volume(v); }
    [[nodiscard]] static constexpr Volume L(double v) { return Volume(v * 1000.0); }
    [[nodiscard]] static Volume of(double value, Unit unit);

    [[nodiscard]] constexpr double inMl() const { return m_ml; }
    [[nodiscard]] constexpr double inL() const { return m_ml / 1000.0; }

    constexpr Volume operator+(Volume o) const { return Volume(m_ml + o.m_ml); }
    constexpr Volume operator-(Volume o) const { return Volume(m_ml - o.m_ml); }
    constexpr Volume operator*(double k) const { return Volume(m_ml * k); }
    constexpr Volume operator/(double k) const { return Volume(m_ml / k); }
    constexpr double operator/(Volume o) const { return m_ml / o.m_ml; }
    constexpr auto operator<=>(const Volume&) const = default; // NOLINT(modernize-use-nullptr)

private:
    constexpr explicit Volume(double ml) : m_ml(ml) {}
    double m_ml = 0.0;
};

// Density in g/mL (specific gravity at 20 C for the products the station weighs).
class Density {
public:
    constexpr Density() = default;
    [[nodiscard]] static constexpr Density gPerMl(double v) { return Density(v); }
    [[nodiscard]] constexpr double inGPerMl() const { return m_gPerMl; }
    [[nodiscard]] constexpr Mass massOf(Volume v) const { return Mass::g(v.inMl() * m_gPerMl); }
    [[nodiscard]] constexpr Volume volumeOf(Mass m) const { return Volume::mL(m.inG() / m_gPerMl); }
    constexpr auto operator<=>(const Density&) const = default; // NOLINT(modernize-use-nullptr)

private:
    constexpr explicit Density(double v) : m_gPerMl(v) {}
    double m_gPerMl = 1.0;
};

// [SECTION] Amount --------------------------------------------------------------------------------

// An amount of drug in any dimension: a mass, mEq, mmol or units. Stored in the dimension's base
// unit (mg, mEq, mmol, units).
class Amount {
public:
    constexpr Amount() = default;
    constexpr Amount(Mass m)
        : m_dimension(Dimension::Mass), m_base(m.inMg()) {} // NOLINT: a mass is an amount
    [[nodiscard]] static constexpr Amount mEq(double v) { return Amount(Dimension::Equivalents, v); }
    [[nodiscard]] static constexpr Amount mmol(double v) { return Amount(Dimension::Moles, v); }
    [[nodiscard]] static constexpr Amount units(double v) { return Amount(Dimension::Activity, v); }
    // Unit must be an amount unit (asserted); use parseUnit first for text.
    [[nodiscard]] static Amount of(double value, Unit unit);

    [[nodiscard]] constexpr Dimension dimension() const { return m_dimension; }
    // In the dimension's base unit: mg, mEq, mmol or units.
    [[nodiscard]] constexpr double base() const { return m_base; }
    // The mass, if this is one.
    [[nodiscard]] std::optional<Mass> mass() const;
    // In `unit`; an error when the unit's dimension differs.
    [[nodiscard]] Result<double> in(Unit unit) const;
    // The unit a person expects to read this amount in: mg, mEq, mmol or units.
    [[nodiscard]] Unit baseUnit() const;

    [[nodiscard]] constexpr Amount scaled(double k) const { return Amount(m_dimension, m_base * k); }
    [[nodiscard]] bool sameDimension(const Amount& o) const { return m_dimension == o.m_dimension; }
    constexpr bool operator==(const Amount&) const = default;

private:
    constexpr Amount(Dimension d, double base) : m_dimension(d), m_base(base) {}
    Dimension m_dimension = Dimension::Mass;
    double m_base = 0.0;
};

// [SECTION] Concentration -------------------------------------------------------------------------

// Amount per volume, stored as base unit per mL (mg/mL, mEq/mL, mmol/mL, units/mL).
// Percent w/v is grams per 100 mL: 1% = 10 mg/mL.
class Concentration {
public:
    constexpr Concentration() = default;
    [[nodiscard]] static Concentration of(Amount amount, Volume volume);
    [[nodiscard]] static constexpr Concentration mgPerMl(double v) {
        return Concentration(Dimension::Mass, v);
    }
    [[nodiscard]] static constexpr Concentration mcgPerMl(double v) {
        return Concentration(Dimension::Mass, v / 1000.0);
    }
    [[nodiscard]] static constexpr Concentration mEqPerMl(double v) {
        return Concentration(Dimension::Equivalents, v);
    }
    [[nodiscard]] static constexpr Concentration mmolPerMl(double v) {
        return Concentration(Dimension::Moles, v);
    }
    [[nodiscard]] static constexpr Concentration unitsPerMl(double v) {
        return Concentration(Dimension::Activity, v);
    }
    [[nodiscard]] static constexpr Concentration percentWv(double pct) {
        return Concentration(Dimension::Mass, pct * 10.0);
    }
    // "mg/mL", "mcg/mL", "g/L", "units/mL", "mEq/mL", "mmol/L", "%" (w/v), ...
    [[nodiscard]] static Result<Concentration> parse(double value, std::string_view unitText);

    [[nodiscard]] constexpr Dimension dimension() const { return m_dimension; }
    [[nodiscard]] constexpr double basePerMl() const { return m_basePerMl; }
    // Only for a mass concentration (asserted to be one by callers via dimension()).
    [[nodiscard]] constexpr double inMgPerMl() const { return m_basePerMl; }
    [[nodiscard]] constexpr double inPercentWv() const { return m_basePerMl / 10.0; }

    [[nodiscard]] Amount amountIn(Volume v) const;
    // Volume holding `amount`; an error when dimensions differ or the concentration is not positive.
    [[nodiscard]] Result<Volume> volumeFor(const Amount& amount) const;
    constexpr bool operator==(const Concentration&) const = default;

private:
    constexpr Concentration(Dimension d, double v) : m_dimension(d), m_basePerMl(v) {}
    Dimension m_dimension = Dimension::Mass;
    double m_basePerMl = 0.0;
};

// [SECTION] DoseRate ------------------------------------------------------------------------------

// What a dose is normalised by: nothing, body weight (kg) or body surface area (m2).
enum class DoseBasis { None, PerKg, PerM2 };
// Over what time a dose is given: once (a dose, not a rate), per minute, per hour, per day.
enum class DosePer { Once, Minute, Hour, Day };

// A dose unit such as "mg", "mg/kg", "mg/m2", "mcg/kg/min", "units/h", "mEq/h", "units/kg/h".
struct DoseUnit {
    Unit amountUnit = Unit::Milligram;
    DoseBasis basis = DoseBasis::None;
    DosePer per = DosePer::Once;

    [[nodiscard]] std::string text() const;
    bool operator==(const DoseUnit&) const = default;
};
[[nodiscard]] Result<DoseUnit> parseDoseUnit(std::string_view text);

// A dose or dose rate as ordered: a number in a DoseUnit. Resolving it for a patient gives the
// absolute amount (Once) or the absolute amount per minute (rates).
class DoseRate {
public:
    DoseRate(double value, DoseUnit unit) : m_value(value), m_unit(unit) {}
    [[nodiscard]] double value() const { return m_value; }
    [[nodiscard]] const DoseUnit& unit() const { return m_unit; }
    [[nodiscard]] bool isRate() const { return m_unit.per != DosePer::Once; }
    // The amount for this patient (for a rate: per minute). Needs weight for /kg, BSA for /m2; an
    // error naming what is missing otherwise.
    [[nodiscard]] Result<Amount> resolve(std::optional<double> weightKg, std::optional<double> bsaM2) const;
    [[nodiscard]] Result<Amount> amountPerHour(std::optional<double> weightKg,
                                               std::optional<double> bsaM2) const;
    [[nodiscard]] std::string text() const;

private:
    double m_value;
    DoseUnit m_unit;
};

// [SECTION] mEq <-> mg ----------------------------------------------------------------------------

// mEq = mg * valence / molecular weight (g/mol). Molecular weight and valence must be positive.
[[nodiscard]] Result<Amount> massToMilliEquivalents(Mass mass, double molecularWeight, int valence);
[[nodiscard]] Result<Mass> milliEquivalentsToMass(double mEq, double molecularWeight, int valence);
// mmol = mg / molecular weight.
[[nodiscard]] Result<Amount> massToMillimoles(Mass mass, double molecularWeight);

// [SECTION] ISMP formatting -----------------------------------------------------------------------

// A number as ISMP wants it written: leading zero ("0.5"), no trailing zero ("5", not "5.0"),
// thousands separated by commas at 1,000 and above ("5,000"), at most `maxDecimals` decimals
// (rounded half away from zero). Negative numbers keep their sign. NaN/inf print as "?".
[[nodiscard]] std::string formatNumber(double value, int maxDecimals = 3);
// Same without the thousands separators, for machine-readable contexts.
[[nodiscard]] std::string formatPlain(double value, int maxDecimals = 3);
// "0.5 mg", "250 mcg", "1,000 units".
[[nodiscard]] std::string formatQuantity(double value, Unit unit, int maxDecimals = 3);
// A mass in the unit a person reads best: below 1 mg in mcg, from 1 g (when a whole 0.1 g) in g, else mg.
[[nodiscard]] std::string format(Mass mass, int maxDecimals = 3);
// mL at any size (ISMP: mL, never cc).
[[nodiscard]] std::string format(Volume volume, int maxDecimals = 2);
[[nodiscard]] std::string format(const Amount& amount, int maxDecimals = 3);
// "2 mg/mL", "40 mEq/100 mL" is not attempted: always per mL ("0.4 mEq/mL"), or mcg/mL below 0.1 mg/mL.
[[nodiscard]] std::string format(const Concentration& c, int maxDecimals = 3);

} // namespace admix::formulas
