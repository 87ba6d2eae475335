#include "station/store/formulary_repo.hpp"

namespace admix::store {

namespace {

FormularyVersionRow readVersion(const Statement& s, bool withToml) {
    FormularyVersionRow r;
    r.version = static_cast<int>(s.columnInt(0));
    r.sha256 = s.columnText(1);
    r.changesJson = s.columnText(2);
    r.signedBy = s.columnText(3);
    r.signedUtc = s.columnText(4);
    r.signatureAuditId = s.columnInt(5);
    r.note = s.columnText(6);
    if (withToml) {
        r.productsToml = s.columnText(7);
        r.recipesToml = s.columnText(8);
    }
    return r;
}

constexpr const char* kVersionColumns = "SELECT version, sha256, changes_json, signed_by, signed_utc, "
                                        "signature_audit_id, note, products_toml, recipes_toml"
                                        " FROM formulary_versions ";

RecipeStateRow readState(const Statement& s) {
    RecipeStateRow r;
    r.recipeId = s.columnText(0);
    r.recipeVersion = static_cast<int>(s.columnInt(1));
    r.state = s.columnText(2);
    r.changedBy = s.columnText(3);
    r.changedUtc = s.columnText(4);
    if (!s.isNull(5))
        r.signatureAuditId = s.columnInt(5);
    r.formularyVersion = static_cast<int>(s.columnInt(6));
    return r;
}

} // namespace

int FormularyRepo::insertVersion(const FormularyVersionRow& row) {
    const int next = static_cast<int>(
        m_db.queryInt("SELECT coalesce(max(version), 0) + 1 FROM formulary_versions").value_or(1));
    Statement s = m_db.prepare(
        "INSERT INTO formulary_versions(version, products_toml, recipes_toml, sha256, changes_json,"
        " signed_by, signed_utc, signature_audit_id, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    s.bind(1, next)
        .bind(2, row.productsToml)
        .bind(3, row.recipesToml)
        .bind(4, row.sha256)
        .bind(5, row.changesJson);
    s.bind(6, row.signedBy).bind(7, row.signedUtc).bind(8, row.signatureAuditId).bind(9, row.note);
    s.run();
    return next;
}

std::optional<FormularyVersionRow> FormularyRepo::latest() {
    Statement s = m_db.prepare(std::string(kVersionColumns) + "ORDER BY version DESC LIMIT 1");
    if (!s.step())
        return std::nullopt;
    return readVersion(s, true);
}

std::optional<FormularyVersionRow> FormularyRepo::version(int version) {
    Statement s = m_db.prepare(std::string(kVersionColumns) + "WHERE version = ?1");
    s.bind(1, version);
    if (!s.step())
        return std::nullopt;
    return readVersion(s, true);
}

std::vector<FormularyVersionRow> FormularyRepo::versions() {
    Statement s = m_db.prepare(std::string(kVersionColumns) + "ORDER BY version DESC");
    std::vector<FormularyVersionRow> out;
    while (s.step())
        out.push_back(readVersion(s, false));
    return out;
}

void FormularyRepo::setRecipeState(const RecipeStateRow& row) {
    Statement s = m_db.prepare(
        "INSERT INTO recipe_states(recipe_id, recipe_version, state, changed_by, changed_utc, "
        "signature_audit_id,"
        " formulary_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(recipe_id, recipe_version) DO "
        "UPDATE SET"
        " state = excluded.state, changed_by = excluded.changed_by, changed_utc = excluded.changed_utc,"
        " signature_audit_id = excluded.signature_audit_id, formulary_version = excluded.formulary_version");
    s.bind(1, row.recipeId)
        .bind(2, row.recipeVersion)
        .bind(3, row.state)
        .bind(4, row.changedBy)
        .bind(5, row.changedUtc);
    if (row.signatureAuditId)
        s.bind(6, *row.signatureAuditId);
    else
        s.bindNull(6);
    s.bind(7, row.formularyVersion);
    s.run();
    Statement h = m_db.prepare(
        "INSERT INTO recipe_state_history(recipe_id, recipe_version, state, changed_by, changed_utc,"
        " signature_audit_id, formulary_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    h.bind(1, row.recipeId)
        .bind(2, row.recipeVersion)
        .bind(3, row.state)
        .bind(4, row.changedBy)
        .bind(5, row.changedUtc);
    if (row.signatureAuditId)
        h.bind(6, *row.signatureAuditId);
    else
        h.bindNull(6);
    h.bind(7, row.formularyVersion);
    h.run();
}

std::optional<RecipeStateRow> FormularyRepo::recipeState(const std::string& recipeId, int version) {
    Statement s =
        m_db.prepare("SELECT recipe_id, recipe_version, state, changed_by, changed_utc, signature_audit_id,"
                     " formulary_version FROM recipe_states WHERE recipe_id = ?1 AND recipe_version = ?2");
    s.bind(1, recipeId).bind(2, version);
    if (!s.step())
        return std::nullopt;
    return readState(s);
}

std::vector<RecipeStateRow> FormularyRepo::recipeStates() {
    Statement s =
        m_db.prepare("SELECT recipe_id, recipe_version, state, changed_by, changed_utc, signature_audit_id,"
                     " formulary_version FROM recipe_states ORDER BY recipe_id, recipe_version");
    std::vector<RecipeStateRow> out;
    while (s.step())
        out.push_back(readState(s));
    return out;
}

std::vector<RecipeStateRow> FormularyRepo::recipeHistory(const std::string& recipeId) {
    Statement s =
        m_db.prepare("SELECT recipe_id, recipe_version, state, changed_by, changed_utc, signature_audit_id,"
                     " formulary_version FROM recipe_state_history WHERE recipe_id = ?1 ORDER BY id");
    s.bind(1, recipeId);
    std::vector<RecipeStateRow> out;
    while (s.step())
        out.push_back(readState(s));
    return out;
}

FormularyGeneration FormularyRepo::generation() {
    FormularyGeneration g;
    g.latestVersion = static_cast<int>(
        m_db.queryInt("SELECT coalesce(max(version), 0) FROM formulary_versions").value_or(0));
    g.stateChanges = m_db.queryInt("SELECT count(*) FROM recipe_state_history").value_or(0);
    return g;
}

} // namespace admix::store
