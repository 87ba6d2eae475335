// The units balances report, as a devices-level enum: balances speak more units than the SI ones
// (carat, ounce, pound, grain, pennyweight, tael, momme, tola). Conversion to grams happens here and
// only here; the rest of the station takes the mass as formulas::Mass.
// Pure functions, thread-safe.
#pragma once

#include "formulas/units.hpp"

#include <optional>
#include <string_view>

namespace admix::devices {

enum class MassUnit {
    Microgram,
    Milligram,
    Gram,
    Kilogram,
    Carat,
    Grain,
    Pennyweight,
    TroyOunce,
    Ounce,
    Pound,
    Tael,
    Momme,
    Tola,
};

// Parses a unit symbol as balances print it ("g", "mg", "kg", "ct", "oz", "ozt", "lb", "dwt", "GN",
// "tl"/"tlh" for the Hong Kong tael, "mom", "t"/"tol" for tola ...). Leading/trailing spaces are
// ignored; case matters ("Mg" is not a unit). std::nullopt for anything else (pcs, %, N, custom
// units, and the Singapore and Taiwan taels "tls"/"tlt", which weigh differently).
[[nodiscard]] std::optional<MassUnit> parseMassUnit(std::string_view symbol);
// The symbol the station shows ("g", "mg", "ct", ...).
[[nodiscard]] std::string_view massUnitSymbol(MassUnit unit);
// Grams in one of `unit` (exact definitions: 1 ct = 0.2 g, 1 lb = 453.59237 g, 1 oz = lb/16,
// 1 grain = 64.79891 mg, 1 ozt = 480 grains, 1 dwt = 24 grains, 1 momme = 3.75 g,
// tael (Hong Kong) = 37.799364167 g, tola = 11.6638038 g).
[[nodiscard]] double gramsPerUnit(MassUnit unit);
[[nodiscard]] inline double toGrams(double value, MassUnit unit) {
    return value * gramsPerUnit(unit);
}
// The balance's value as the station's Mass type: the one conversion from a balance unit.
[[nodiscard]] inline formulas::Mass toMass(double value, MassUnit unit) {
    return formulas::Mass::g(toGrams(value, unit));
}

} // namespace admix::devices
