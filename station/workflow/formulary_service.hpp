// The site's formulary as the pharmacy runs it: import (validate everything, show what changes,
// store a new version only with a pharmacist's e-signature), export, recipe states (draft ->
// approved by a pharmacist's e-signature -> retired), and the approved formulary the station
// prepares from. A recipe version whose content or products changed goes back to draft. Nothing is
// written on any error. Not thread-safe: use from the thread that owns the Database. Expected
// refusals are Results; storage failures throw store::StoreError.
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/formulary_diff.hpp"
#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/store/formulary_repo.hpp"
#include "station/workflow/auth.hpp"

#include <optional>
#include <string>
#include <vector>

namespace admix::workflow {

// The two files of a formulary as text, with the names used in messages ("site/products.toml").
struct FormularyFiles {
    std::string productsToml;
    std::string productsName = "products.toml";
    std::string recipesToml;
    std::string recipesName = "recipes.toml";
};

struct FormularyPreview {
    formulas::Formulary formulary;
    std::vector<formulas::FormularyChange> changes;
    int currentVersion = 0; // 0: none stored yet
    // Recipe versions that would be (or stay) draft after the import unless approved with it.
    std::vector<std::string> drafts;
};

// The e-signature actions this service accepts (sign them with Authenticator::sign, subject as shown).
inline constexpr const char* kFormularyImportAction = "formulary.import"; // subject "formulary"
inline constexpr const char* kRecipeApproveAction = "recipe.approve";     // subject "recipe:ID:vN"
inline constexpr const char* kRecipeRetireAction = "recipe.retire";       // subject "recipe:ID:vN"
[[nodiscard]] std::string recipeSubject(const std::string& recipeId, int version);

class FormularyService {
public:
    FormularyService(store::Database& db, store::AuditLog& audit) : m_db(db), m_audit(audit) {}

    // Validates the files and compares them with the stored version. Writes nothing.
    [[nodiscard]] Result<FormularyPreview> preview(const FormularyFiles& files);
    // Stores the files as the next version. `signature` must be a pharmacist's for
    // kFormularyImportAction on "formulary"; with `approveRecipes` the same signature approves every
    // recipe version that is draft after the import. Returns the new version number.
    Result<int> import(const FormularyFiles& files, const Signature& signature, bool approveRecipes,
                       TimePoint now = nowUtc());
    // Approves or retires one stored recipe version (a pharmacist's signature for the action on
    // recipeSubject(id, version)).
    Status approveRecipe(const std::string& recipeId, int version, const Signature& signature,
                         TimePoint now = nowUtc());
    Status retireRecipe(const std::string& recipeId, int version, const Signature& signature,
                        TimePoint now = nowUtc());

    // The latest stored version as files (what `admix formulary export` writes), and parsed.
    [[nodiscard]] std::optional<store::FormularyVersionRow> latestFiles();
    [[nodiscard]] Result<formulas::Formulary> current();
    // The latest version with only its approved recipe versions: what a station prepares from.
    // Fails when nothing is stored or no recipe is approved.
    [[nodiscard]] Result<formulas::Formulary> approved();
    // "approved", "draft", "retired" or nullopt when the recipe version is not stored.
    [[nodiscard]] std::optional<std::string> recipeState(const std::string& recipeId, int version);

private:
    Status checkSignature(const Signature& sig, const std::string& action, const std::string& subject);
    Status setState(const std::string& recipeId, int version, const std::string& state,
                    const Signature& signature, TimePoint now);

    store::Database& m_db;
    store::AuditLog& m_audit;
};

} // namespace admix::workflow
