#include "station/store/formulary_draft_repo.hpp"

namespace admix::store {

namespace {

constexpr const char* kColumns = "SELECT id, kind, item_id, item_version, base_version, products_toml, "
                                 "recipes_toml, changes_json, created_by,"
                                 " created_utc, state, coalesce(decided_by, ''), coalesce(decided_utc, ''), "
                                 "signature_audit_id, result_version, note"
                                 " FROM formulary_drafts ";

FormularyDraftRow readDraft(const Statement& s) {
    FormularyDraftRow r;
    r.id = s.columnInt(0);
    r.kind = s.columnText(1);
    r.itemId = s.columnText(2);
    r.itemVersion = static_cast<int>(s.columnInt(3));
    r.baseVersion = static_cast<int>(s.columnInt(4));
    r.productsToml = s.columnText(5);
    r.recipesToml = s.columnText(6);
    r.changesJson = s.columnText(7);
    r.createdBy = s.columnText(8);
    r.createdUtc = s.columnText(9);
    r.state = s.columnText(10);
    r.decidedBy = s.columnText(11);
    r.decidedUtc = s.columnText(12);
    if (!s.isNull(13))
        r.signatureAuditId = s.columnInt(13);
    if (!s.isNull(14))
        r.resultVersion = static_cast<int>(s.columnInt(14));
    r.note = s.columnText(15);
    return r;
}

} // namespace

int64_t FormularyDraftRepo::insert(const FormularyDraftRow& row) {
    Statement s =
        m_db.prepare("INSERT INTO formulary_drafts(kind, item_id, item_version, base_version, products_toml, "
                     "recipes_toml, changes_json,"
                     " created_by, created_utc, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    s.bind(1, row.kind)
        .bind(2, row.itemId)
        .bind(3, row.itemVersion)
        .bind(4, row.baseVersion)
        .bind(5, row.productsToml);
    s.bind(6, row.recipesToml)
        .bind(7, row.changesJson)
        .bind(8, row.createdBy)
        .bind(9, row.createdUtc)
        .bind(10, row.note);
    s.run();
    return m_db.lastInsertRowId();
}

std::optional<FormularyDraftRow> FormularyDraftRepo::find(int64_t id) {
    Statement s = m_db.prepare(std::string(kColumns) + "WHERE id = ?1");
    s.bind(1, id);
    if (!s.step())
        return std::nullopt;
    return readDraft(s);
}

std::vector<FormularyDraftRow> FormularyDraftRepo::list(const std::string& state, int limit) {
    Statement s =
        m_db.prepare(std::string(kColumns) + "WHERE (?1 = '' OR state = ?1) ORDER BY id DESC LIMIT ?2");
    s.bind(1, state).bind(2, limit);
    std::vector<FormularyDraftRow> out;
    while (s.step())
        out.push_back(readDraft(s));
    return out;
}

bool FormularyDraftRepo::decide(int64_t id, const std::string& state, const std::string& by,
                                const std::string& atUtc, std::optional<int64_t> signatureAuditId,
                                std::optional<int> resultVersion, const std::string& note) {
    Statement s = m_db.prepare(
        "UPDATE formulary_drafts SET state = ?2, decided_by = ?3, decided_utc = ?4,"
        " signature_audit_id = ?5, result_version = ?6, note = ?7 WHERE id = ?1 AND state = 'open'");
    s.bind(1, id).bind(2, state).bind(3, by).bind(4, atUtc).bind(7, note);
    if (signatureAuditId)
        s.bind(5, *signatureAuditId);
    else
        s.bindNull(5);
    if (resultVersion)
        s.bind(6, *resultVersion);
    else
        s.bindNull(6);
    s.run();
    return m_db.changes() > 0;
}

} // namespace admix::store
