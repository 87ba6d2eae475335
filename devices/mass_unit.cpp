#include "devices/mass_unit.hpp"

#include "formulas/text.hpp"

namespace admix::devices {

std::optional<MassUnit> parseMassUnit(std::string_view symbol) {
    const std::string_view s = formulas::trim(symbol);
    struct Entry {
        std::string_view text;
        MassUnit unit;
    };
    static constexpr Entry kUnits[] = {
        {"ug", MassUnit::Microgram},  {"mcg", MassUnit::Microgram}, {"mg", MassUnit::Milligram},
        {"g", MassUnit::Gram},        {"kg", MassUnit::Kilogram},   {"ct", MassUnit::Carat},
        {"GN", MassUnit::Grain},      {"gr", MassUnit::Grain},      {"dwt", MassUnit::Pennyweight},
        {"ozt", MassUnit::TroyOunce}, {"oz", MassUnit::Ounce},      {"lb", MassUnit::Pound},
        {"tl", MassUnit::Tael},       {"tlh", MassUnit::Tael},      {"tol", MassUnit::Tola},
        {"mom", MassUnit::Momme},     {"t", MassUnit::Tola},
    };
    for (const auto& e : kUnits) {
        if (s == e.text)
            return e.unit;
    }
    return std::nullopt;
}

std::string_view massUnitSymbol(MassUnit unit) {
    switch (unit) {
    case MassUnit::Microgram:
        return "mcg";
    case MassUnit::Milligram:
        return "mg";
    case MassUnit::Gram:
        return "g";
    case MassUnit::Kilogram:
        return "kg";
    case MassUnit::Carat:
        return "ct";
    case MassUnit::Grain:
        return "gr";
    case MassUnit::Pennyweight:
        return "dwt";
    case MassUnit::TroyOunce:
        return "ozt";
    case MassUnit::Ounce:
        return "oz";
    case MassUnit::Pound:
        return "lb";
    case MassUnit::Tael:
        return "tl";
    case MassUnit::Momme:
        return "mom";
    case MassUnit::Tola:
        return "t";
    }
    return "?";
}

double gramsPerUnit(MassUnit unit) {
    constexpr double kGrain = 0.06479891;
    switch (unit) {
    case MassUnit::Microgram:
        return 1e-6;
    case MassUnit::Milligram:
        return 1e-3;
    case MassUnit::Gram:
        return 1.0;
    case MassUnit::Kilogram:
        return 1e3;
    case MassUnit::Carat:
        return 0.2;
    case MassUnit::Grain:
        return kGrain;
    case MassUnit::Pennyweight:
        return 24 * kGrain;
    case MassUnit::TroyOunce:
        return 480 * kGrain;
    case MassUnit::Ounce:
        return 453.59237 / 16.0;
    case MassUnit::Pound:
        return 453.59237;
    case MassUnit::Tael:
        return 37.799364167;
    case MassUnit::Momme:
        return 3.75;
    case MassUnit::Tola:
        return 11.6638038;
    }
    return 0.0;
}

} // namespace admix::devices
