// Persistence of the site's formulary: signed versions (the products and recipes TOML exactly as
// imported, so an export imports unchanged) and the state of each recipe version (draft, approved,
// retired) with its history. The rules (who may sign, what may change) are the workflow's
// (workflow/formulary_service.hpp); this owns the SQL. Not thread-safe: one repository per
// connection. Storage failures throw StoreError.
#pragma once

#include "station/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

struct FormularyVersionRow {
    int version = 0;
    std::string productsToml;
    std::string recipesToml;
    std::string sha256;
    std::string changesJson = "[]";
    std::string signedBy;
    std::string signedUtc;
    int64_t signatureAuditId = 0;
    std::string note;
};

struct RecipeStateRow {
    std::string recipeId;
    int recipeVersion = 0;
    std::string state; // draft, approved, retired
    std::string changedBy;
    std::string changedUtc;
    std::optional<int64_t> signatureAuditId;
    int formularyVersion = 0;
};

// Changes whenever a formulary version is imported or a recipe version changes state (the history is
// append-only): a station compares it with the one it loaded to know when to read its formulary again.
struct FormularyGeneration {
    int latestVersion = 0;
    int64_t stateChanges = 0;
    bool operator==(const FormularyGeneration&) const = default;
};

class FormularyRepo {
public:
    explicit FormularyRepo(Database& db) : m_db(db) {}

    // Stores the next version and returns its number (the row's version is ignored).
    int insertVersion(const FormularyVersionRow& row);
    [[nodiscard]] std::optional<FormularyVersionRow> latest();
    [[nodiscard]] std::optional<FormularyVersionRow> version(int version);
    // Every version without its TOML, newest first.
    [[nodiscard]] std::vector<FormularyVersionRow> versions();

    // Sets the current state and appends it to the history.
    void setRecipeState(const RecipeStateRow& row);
    [[nodiscard]] std::optional<RecipeStateRow> recipeState(const std::string& recipeId, int version);
    [[nodiscard]] std::vector<RecipeStateRow> recipeStates();
    [[nodiscard]] std::vector<RecipeStateRow> recipeHistory(const std::string& recipeId);
    // Two aggregate reads, no formulary text: cheap enough to ask every few seconds.
    [[nodiscard]] FormularyGeneration generation();

private:
    Database& m_db;
};

} // namespace admix::store
