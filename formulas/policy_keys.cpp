#include "formulas/policy_keys.hpp"

#include "formulas/calculators.hpp"
#include "formulas/input_limits.hpp"
#include "formulas/text.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

#include <toml++/toml.h>

namespace admix::formulas {

namespace {

using enum FormulasKeyKind;

// Dose arithmetic is the pharmacist's; the measuring equipment and its tolerances are quality's.
constexpr std::array kKeys{
    FormulasPolicyKey{"bsa.method", Choice, "pharmacist", "mosteller|dubois",
                      "BSA formula when a recipe doses per m2 and the order gives no BSA"},
    FormulasPolicyKey{"bsa.decimals", Whole, "pharmacist", "",
                      "decimals BSA is rounded to before it multiplies a dose"},
    FormulasPolicyKey{"carboplatin.gfr_cap_ml_min", Number, "pharmacist", "",
                      "Calvert formula: GFR capped at (mL/min)"},
    FormulasPolicyKey{"rounding.max_deviation_percent", Number, "pharmacist", "",
                      "syringe rounding may change the dose this much (%) before the plan flags it"},
    FormulasPolicyKey{
        "rounding.above_limit", Choice, "pharmacist", "block|pharmacist_acknowledges",
        "a rounding deviation above the limit blocks the plan, or needs a pharmacist's acknowledgement"},
    FormulasPolicyKey{"balance.readability_g", Number, "quality", "",
                      "readability of the compounding balance (g)"},
    FormulasPolicyKey{"balance.capacity_g", Number, "quality", "", "capacity of the compounding balance (g)"},
    FormulasPolicyKey{"balance.min_divisions_in_half_band", Whole, "quality", "",
                      "half a tolerance band must span this many readability steps for a gravimetric check"},
    FormulasPolicyKey{
        "syringe", Syringes, "quality", "",
        "standard syringes, smallest first: CAPACITY:GRADUATION:MIN_USABLE (mL), comma-separated"},
    FormulasPolicyKey{"tolerance", Tolerances, "quality", "",
                      "gravimetric tolerance bands: UP_TO_ML:PERCENT, smallest first; the last is *:PERCENT "
                      "(every larger volume)"},
};

std::string num(double v) {
    std::ostringstream out;
    out.precision(12);
    out << v;
    return out.str();
}

Result<double> parseNumber(std::string_view text, const std::string& key, const std::string& what) {
    const std::string t(trim(text));
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || !std::isfinite(v))
        return Result<double>::fail(what + "must be a number, not '" + std::string(trim(text)) + "'", key);
    return v;
}

std::vector<std::string> splitOn(std::string_view text, char sep) {
    std::vector<std::string> parts;
    std::string current;
    for (char c : text) {
        if (c == sep) {
            parts.emplace_back(trim(current));
            current.clear();
        } else {
            current += c;
        }
    }
    parts.emplace_back(trim(current));
    return parts;
}

// TOML text of a value (already in canonical form).
std::string tomlOf(const FormulasPolicyKey& key, const std::string& value) {
    switch (key.kind) {
    case Number:
    case Whole:
        return value;
    case Choice:
        return "\"" + value + "\"";
    case Syringes:
    case Tolerances:
        break;
    }
    return {};
}

// Turns a loader error ("site policy:12:3: syringe[2].capacity_ml") into one that names the key.
Error nameKey(const Error& e) {
    std::string path = e.where;
    if (const auto colon = path.find(": "); colon != std::string::npos)
        path = path.substr(colon + 2);
    if (path.starts_with("policy."))
        path = path.substr(7);
    for (const auto* list : {"syringe", "tolerance"}) {
        const std::string prefix = std::string(list) + "[";
        if (path.starts_with(prefix)) {
            const auto close = path.find(']');
            const std::string index = path.substr(prefix.size(), close - prefix.size());
            const std::string field = close + 2 <= path.size() ? path.substr(close + 2) : "";
            const std::string what = std::string(list) == "syringe" ? "syringe " : "band ";
            return Error{what + index + (field.empty() ? "" : " " + field) + ": " + e.message, list};
        }
    }
    return Error{e.message, path};
}

} // namespace

std::span<const FormulasPolicyKey> formulasPolicyKeys() {
    return kKeys;
}

const FormulasPolicyKey* findFormulasPolicyKey(std::string_view key) {
    for (const auto& k : kKeys) {
        if (k.key == key)
            return &k;
    }
    return nullptr;
}

bool isFormulasPolicyTable(std::string_view name) {
    for (std::string_view t : {"bsa", "carboplatin", "balance", "rounding", "syringe", "tolerance"}) {
        if (t == name)
            return true;
    }
    return false;
}

Result<bool> holdsFormulasPolicy(std::string_view text, const std::string& sourceName) {
    if (const auto problem = tomlShapeProblem(text))
        return Error{*problem, sourceName};
    toml::table doc;
    try {
        doc = toml::parse(text, sourceName);
    } catch (const toml::parse_error& err) {
        return Error{std::string(err.description()), sourceName + ":" +
                                                         std::to_string(err.source().begin.line) + ":" +
                                                         std::to_string(err.source().begin.column)};
    }
    std::optional<bool> formulas;
    std::string first;
    for (const auto& [key, node] : doc) {
        const bool mine = isFormulasPolicyTable(key.str());
        const std::string where = sourceName + ":" + std::to_string(key.source().begin.line) + ":" +
                                  std::to_string(key.source().begin.column) + ": " + std::string(key.str());
        if (!formulas) {
            formulas = mine;
            first = std::string(key.str());
        } else if (*formulas != mine) {
            return Error{"a policy file holds either the formulas policy (as assets/policy/formulas.toml) or "
                         "USP limits (as "
                         "assets/policy/usp797_defaults.toml), not both ('" +
                             first + "' is the other kind); import them one at a time",
                         where};
        }
    }
    if (!formulas)
        return Error{"the file holds no policy key", sourceName};
    return *formulas;
}

std::map<std::string, std::string> formulasPolicyValues(const FormulasPolicy& p) {
    std::map<std::string, std::string> v;
    v["bsa.method"] = std::string(bsaMethodName(p.bsaMethod));
    v["bsa.decimals"] = std::to_string(p.bsaDecimals);
    v["carboplatin.gfr_cap_ml_min"] = num(p.gfrCapMlMin);
    v["rounding.max_deviation_percent"] = num(p.maxRoundingDeviationPercent);
    v["rounding.above_limit"] =
        p.roundingAboveLimit == RoundingAboveLimit::Block ? "block" : "pharmacist_acknowledges";
    v["balance.readability_g"] = num(p.balanceReadabilityG);
    v["balance.capacity_g"] = num(p.balanceCapacityG);
    v["balance.min_divisions_in_half_band"] = std::to_string(p.minDivisionsInHalfBand);
    std::string syringes;
    for (const auto& s : p.syringes)
        syringes += (syringes.empty() ? "" : ", ") + num(s.capacity.inMl()) + ":" + num(s.graduation.inMl()) +
                    ":" + num(s.minUsable.inMl());
    v["syringe"] = syringes;
    std::string bands;
    for (const auto& b : p.tolerances)
        bands += (bands.empty() ? "" : ", ") + (b.upTo ? num(b.upTo->inMl()) : std::string("*")) + ":" +
                 num(b.percent);
    v["tolerance"] = bands;
    return v;
}

Result<std::string> normalizeFormulasPolicyValue(const FormulasPolicyKey& key, std::string_view text) {
    const std::string name(key.key);
    switch (key.kind) {
    case Number: {
        const auto v = parseNumber(text, name, "");
        if (!v)
            return v.error();
        return num(*v);
    }
    case Whole: {
        const std::string t(trim(text));
        if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos)
            return Result<std::string>::fail("must be a whole number, not '" + t + "'", name);
        return std::to_string(std::stol(t));
    }
    case Choice: {
        const std::string t = toLower(trim(text));
        for (const auto& choice : splitOn(key.choices, '|')) {
            if (choice == t)
                return t;
        }
        std::string list(key.choices);
        for (char& c : list)
            c = c == '|' ? ',' : c;
        return Result<std::string>::fail("must be one of " + list + ", not '" + std::string(trim(text)) + "'",
                                         name);
    }
    case Syringes: {
        std::string out;
        int i = 0;
        for (const auto& entry : splitOn(text, ',')) {
            ++i;
            const auto parts = splitOn(entry, ':');
            if (parts.size() != 3)
                return Result<std::string>::fail(
                    "syringe " + std::to_string(i) + ": '" + entry +
                        "' must be CAPACITY:GRADUATION:MIN_USABLE in mL (e.g. 3:0.1:0.5)",
                    name);
            std::string one;
            for (const auto& part : parts) {
                const auto v = parseNumber(part, name, "syringe " + std::to_string(i) + ": ");
                if (!v)
                    return v.error();
                one += (one.empty() ? "" : ":") + num(*v);
            }
            out += (out.empty() ? "" : ", ") + one;
        }
        return out;
    }
    case Tolerances: {
        std::string out;
        int i = 0;
        for (const auto& entry : splitOn(text, ',')) {
            ++i;
            const auto parts = splitOn(entry, ':');
            if (parts.size() != 2)
                return Result<std::string>::fail(
                    "band " + std::to_string(i) + ": '" + entry +
                        "' must be UP_TO_ML:PERCENT, or *:PERCENT for the last band (e.g. 2:10, *:5)",
                    name);
            std::string upTo = "*";
            if (parts[0] != "*") {
                const auto v = parseNumber(parts[0], name, "band " + std::to_string(i) + ": up to: ");
                if (!v)
                    return v.error();
                upTo = num(*v);
            }
            const auto pct = parseNumber(parts[1], name, "band " + std::to_string(i) + ": percent: ");
            if (!pct)
                return pct.error();
            out += (out.empty() ? "" : ", ") + upTo + ":" + num(*pct);
        }
        return out;
    }
    }
    return Result<std::string>::fail("unknown kind of policy key", name);
}

Result<FormulasPolicy> formulasPolicyFromValues(const std::map<std::string, std::string>& values,
                                                const std::string& sourceName) {
    for (const auto& [k, v] : values) {
        if (!findFormulasPolicyKey(k))
            return Result<FormulasPolicy>::fail("unknown formulas policy key", k);
    }
    std::map<std::string, std::string> canonical;
    for (const auto& key : kKeys) {
        const auto it = values.find(std::string(key.key));
        if (it == values.end())
            return Result<FormulasPolicy>::fail(
                "missing policy value (every key must be set; see assets/policy/formulas.toml)",
                std::string(key.key));
        auto n = normalizeFormulasPolicyValue(key, it->second);
        if (!n)
            return n.error();
        canonical[std::string(key.key)] = *n;
    }
    // The same document a site would write by hand, read by the same loader: one set of rules.
    std::ostringstream toml;
    std::string table;
    for (const auto& key : kKeys) {
        if (key.kind == Syringes || key.kind == Tolerances)
            continue;
        const std::string k(key.key);
        const auto dot = k.find('.');
        if (k.substr(0, dot) != table) {
            table = k.substr(0, dot);
            toml << "[" << table << "]\n";
        }
        toml << k.substr(dot + 1) << " = " << tomlOf(key, canonical[k]) << "\n";
    }
    for (const auto& entry : splitOn(canonical["syringe"], ',')) {
        const auto parts = splitOn(entry, ':');
        toml << "[[syringe]]\ncapacity_ml = " << parts[0] << "\ngraduation_ml = " << parts[1]
             << "\nmin_usable_ml = " << parts[2] << "\n";
    }
    for (const auto& entry : splitOn(canonical["tolerance"], ',')) {
        const auto parts = splitOn(entry, ':');
        toml << "[[tolerance]]\n";
        if (parts[0] != "*")
            toml << "up_to_ml = " << parts[0] << "\n";
        toml << "percent = " << parts[1] << "\n";
    }
    auto policy = loadFormulasPolicy(toml.str(), "site policy");
    if (!policy)
        return nameKey(policy.error());
    policy->sourceName = sourceName;
    return policy;
}

} // namespace admix::formulas
