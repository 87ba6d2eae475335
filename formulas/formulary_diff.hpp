// What changes between two formularies, field by field: products and recipe versions added,
// changed or retired (present before, absent now). Used before a new formulary version is stored
// (the pharmacist signs what they saw) and for its history. Every field is shown as text, the way
// the TOML writes it. Pure; thread-safe.
#pragma once

#include "formulas/formulary.hpp"

#include <string>
#include <utility>
#include <vector>

namespace admix::formulas {

struct FieldChange {
    std::string field;
    std::string before; // empty when added
    std::string after;  // empty when retired
};

struct FormularyChange {
    enum class Kind { Added, Changed, Retired };
    Kind kind = Kind::Added;
    std::string what; // "product" or "recipe"
    std::string id;   // product id, or "recipe-id v2"
    std::vector<FieldChange> fields;
};

[[nodiscard]] std::string_view changeKindName(FormularyChange::Kind kind); // added, changed, retired

// The fields of one product / recipe version as (name, text) pairs, in a fixed order.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> productFields(const Product& p);
[[nodiscard]] std::vector<std::pair<std::string, std::string>> recipeFields(const Recipe& r);

// `before` may be null (the first formulary). Products are matched by id, recipes by id and version.
[[nodiscard]] std::vector<FormularyChange> diffFormularies(const Formulary* before, const Formulary& after);

} // namespace admix::formulas
