// The formulas policy (assets/policy/formulas.toml: gravimetric tolerance bands, balance, syringes,
// BSA method, GFR cap, rounding) as named site-policy keys, so that the station stores it with the
// USP limits and people change one value at a time (`admix policy set tolerance "2:10, *:5"`).
// Each key says who may change it (pharmacist or quality). Values are text: numbers as typed,
// choices by name, the syringe list as "CAPACITY:GRADUATION:MIN_USABLE, ..." (mL), the tolerance
// bands as "UP_TO_ML:PERCENT, ..., *:PERCENT" (the last band, *, takes every larger volume).
// A whole set of values becomes a FormulasPolicy through the same checks as the TOML file, so a
// value stored here can never be one the file would refuse. Pure functions, thread-safe.
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/result.hpp"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace admix::formulas {

enum class FormulasKeyKind { Number, Whole, Choice, Syringes, Tolerances };

struct FormulasPolicyKey {
    std::string_view key; // "tolerance", "balance.readability_g" (the TOML path)
    FormulasKeyKind kind;
    std::string_view role;    // who changes it: "pharmacist" or "quality"
    std::string_view choices; // Choice: "mosteller|dubois"
    std::string_view meaning;
};

// Every key of the formulas policy, in a stable order.
[[nodiscard]] std::span<const FormulasPolicyKey> formulasPolicyKeys();
[[nodiscard]] const FormulasPolicyKey* findFormulasPolicyKey(std::string_view key);

// The policy as key -> value text (canonical form).
[[nodiscard]] std::map<std::string, std::string> formulasPolicyValues(const FormulasPolicy& policy);

// Reads the text typed for one key (its form only: a number, a choice, a list) and returns it in
// canonical form. Ranges and orderings are checked by formulasPolicyFromValues. Errors name the key.
[[nodiscard]] Result<std::string> normalizeFormulasPolicyValue(const FormulasPolicyKey& key,
                                                               std::string_view text);

// Every key must be present (unknown keys are refused); the values are checked alone and together,
// with the rules of loadFormulasPolicy. Errors name the key (and the entry of a list).
[[nodiscard]] Result<FormulasPolicy>
formulasPolicyFromValues(const std::map<std::string, std::string>& values, const std::string& sourceName);

// Top-level TOML tables of a formulas policy file ("bsa", "syringe", ...).
[[nodiscard]] bool isFormulasPolicyTable(std::string_view name);

// What a policy TOML file holds: the formulas policy (every top-level table is one of its tables:
// true) or USP limits (none is: false). A file that mixes them, or that is not TOML, is an error
// naming file:line:column (and the key).
[[nodiscard]] Result<bool> holdsFormulasPolicy(std::string_view toml, const std::string& sourceName);

} // namespace admix::formulas
