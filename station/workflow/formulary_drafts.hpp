// Editing the site's formulary one product or recipe at a time (the web's formulary page): a
// pharmacist changes fields of one product or of a recipe's latest version; the result is checked
// by the very validator of `admix formulary import` (the whole formulary, both files) and kept as a
// draft, the stored formulary unchanged. A pharmacist's e-signature then stores the draft as the next
// formulary version through FormularyService::import (a recipe edit is a new recipe version, approved
// by a second signature of the same pharmacist in the same step); products changed this way send
// the recipes that use them back to draft, as an import does. Errors name the field. Only the
// TOML lines of the edited keys change, so comments and everything else stay as imported. Not
// thread-safe: the caller's Database. Expected refusals are Results; storage failures throw.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/store/formulary_draft_repo.hpp"
#include "station/workflow/auth.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace admix::workflow {

enum class DraftKind { Product, Recipe };
[[nodiscard]] const char* draftKindName(DraftKind kind);

enum class FieldType { Text, Number, Integer, Boolean, Choice, Lines };
[[nodiscard]] const char* fieldTypeName(FieldType type);

// One field the page offers, with its TOML key and its current value as written in the file
// (numbers as written, booleans "true"/"false", lists one entry a line; "" when absent).
struct DraftField {
    std::string key;
    std::string label;
    FieldType type = FieldType::Text;
    std::vector<std::string> choices; // Choice: the values the validator accepts
    std::string help;
    std::string value;
};

// The fields of products and recipes that can be edited here (the rest of a table stays as written).
[[nodiscard]] std::vector<DraftField> editableFields(DraftKind kind);

// A product's or a recipe's latest version's editable fields with their current values, from the
// stored formulary. Fails when nothing is stored or the item is not in it.
[[nodiscard]] Result<std::vector<DraftField>> currentFields(store::Database& db, DraftKind kind,
                                                            const std::string& id);

// Applies `values` (key -> text as typed; "" removes an optional key) to one [[product]] (by id) or,
// for a recipe, to a copy of its latest version appended as the next version. Pure; exposed for
// tests. Unknown keys are refused; the result is not validated here.
[[nodiscard]] Result<std::string> editTomlItem(const std::string& toml, const std::string& fileName,
                                               DraftKind kind, const std::string& id,
                                               const std::map<std::string, std::string>& values,
                                               int* newRecipeVersion = nullptr);

inline constexpr const char* kDraftApproveMeaning = "approve formulary draft";

class FormularyDrafts {
public:
    FormularyDrafts(store::Database& db, store::AuditLog& audit) : m_db(db), m_audit(audit) {}

    // Validates the edit against the whole formulary and stores it as an open draft. Refused (nothing
    // stored) when `by` is not a pharmacist, nothing changed, or the validator finds an error (its
    // where is then the field: "density_g_ml", "ingredient[1].min_dose").
    Result<store::FormularyDraftRow> save(DraftKind kind, const std::string& id,
                                          const std::map<std::string, std::string>& values, const User& by,
                                          TimePoint now = nowUtc());
    [[nodiscard]] std::vector<store::FormularyDraftRow> list(const std::string& state);
    [[nodiscard]] std::optional<store::FormularyDraftRow> find(int64_t id);

    // Stores an open draft as the next formulary version. `importSignature` is a pharmacist's for
    // kFormularyImportAction on "formulary"; a recipe draft also needs `recipeSignature` (the same
    // pharmacist, kRecipeApproveAction on recipeSubject(id, the draft's version)). Refused when the
    // stored formulary changed since the draft was made. All or nothing. Returns the new version.
    Result<int> approve(int64_t draftId, const Signature& importSignature,
                        const std::optional<Signature>& recipeSignature, TimePoint now = nowUtc());
    // Closes an open draft unused (a pharmacist, with a reason).
    Status discard(int64_t draftId, const User& by, const std::string& reason, TimePoint now = nowUtc());

private:
    store::Database& m_db;
    store::AuditLog& m_audit;
};

} // namespace admix::workflow
