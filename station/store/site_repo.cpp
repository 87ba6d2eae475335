#include "station/store/site_repo.hpp"

namespace admix::store {

namespace {

constexpr const char* kRecallColumns =
    "SELECT id, gtin, ndc, lot, reason, source, notice_date, added_by, added_utc FROM recalls ";

RecallRow readRecall(const Statement& s) {
    return RecallRow{s.columnInt(0),  s.columnText(1), s.columnText(2), s.columnText(3), s.columnText(4),
                     s.columnText(5), s.columnText(6), s.columnText(7), s.columnText(8)};
}

// A scan kept in a step's result carries the GTIN and lot; products match on the 12 digits between
// the packaging indicator and the check digit (as the formulary does).
constexpr const char* kUseSelect =
    "SELECT p.id, p.prep_number, p.status, o.order_number, o.patient_mrn, p.recipe_id, s.step_index,"
    " json_extract(s.result_json, '$.gtin'), json_extract(s.result_json, '$.lot'), coalesce(s.done_utc, '')";

LotUse readUse(const Statement& s, bool withRecall) {
    LotUse u;
    u.prepId = s.columnInt(0);
    u.prepNumber = s.columnText(1);
    u.prepStatus = s.columnText(2);
    u.orderNumber = s.columnText(3);
    u.patientMrn = s.columnText(4);
    u.recipeId = s.columnText(5);
    u.stepIndex = static_cast<int>(s.columnInt(6));
    u.gtin = s.columnText(7);
    u.lot = s.columnText(8);
    u.scannedUtc = s.columnText(9);
    if (withRecall) {
        u.recallId = s.columnInt(10);
        u.recallReason = s.columnText(11);
    }
    return u;
}

std::vector<LotUse> recalledWhere(Database& db, const std::string& where, std::optional<int64_t> prepId) {
    Statement s = db.prepare(
        std::string(kUseSelect) +
        ", r.id, r.reason FROM prep_steps s JOIN preparations p ON p.id = s.prep_id"
        " JOIN orders o ON o.id = p.order_id JOIN recalls r"
        " ON substr(r.gtin, 2, 12) = substr(json_extract(s.result_json, '$.gtin'), 2, 12)"
        " AND (r.lot = '' OR r.lot = json_extract(s.result_json, '$.lot'))"
        " WHERE s.state IN ('passed', 'overridden') AND json_extract(s.result_json, '$.gtin') IS NOT NULL " +
        where + " ORDER BY p.id, s.step_index");
    if (prepId)
        s.bind(1, *prepId);
    std::vector<LotUse> out;
    while (s.step())
        out.push_back(readUse(s, true));
    return out;
}

} // namespace

int64_t SiteRepo::addRecall(const RecallRow& row) {
    Statement s =
        m_db.prepare("INSERT INTO recalls(gtin, ndc, lot, reason, source, notice_date, added_by, added_utc)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    s.bind(1, row.gtin)
        .bind(2, row.ndc)
        .bind(3, row.lot)
        .bind(4, row.reason)
        .bind(5, row.source)
        .bind(6, row.noticeDate);
    s.bind(7, row.addedBy).bind(8, row.addedUtc);
    s.run();
    return m_db.lastInsertRowId();
}

std::optional<RecallRow> SiteRepo::recall(int64_t id) {
    Statement s = m_db.prepare(std::string(kRecallColumns) + "WHERE id = ?1");
    s.bind(1, id);
    if (!s.step())
        return std::nullopt;
    return readRecall(s);
}

std::optional<RecallRow> SiteRepo::findRecall(const std::string& gtin, const std::string& lot) {
    Statement s = m_db.prepare(std::string(kRecallColumns) + "WHERE gtin = ?1 AND lot = ?2");
    s.bind(1, gtin).bind(2, lot);
    if (!s.step())
        return std::nullopt;
    return readRecall(s);
}

std::vector<RecallRow> SiteRepo::recalls() {
    Statement s = m_db.prepare(std::string(kRecallColumns) + "ORDER BY id");
    std::vector<RecallRow> out;
    while (s.step())
        out.push_back(readRecall(s));
    return out;
}

void SiteRepo::removeRecall(int64_t id) {
    Statement s = m_db.prepare("DELETE FROM recalls WHERE id = ?1");
    s.bind(1, id);
    s.run();
}

std::vector<LotUse> SiteRepo::recalledInPrep(int64_t prepId) {
    return recalledWhere(m_db, "AND p.id = ?1", prepId);
}

std::vector<LotUse> SiteRepo::recalledUses() {
    return recalledWhere(m_db, "", std::nullopt);
}

std::vector<LotUse> SiteRepo::lotUses(const std::string& lot, const std::optional<std::string>& gtin) {
    Statement s = m_db.prepare(
        std::string(kUseSelect) +
        " FROM prep_steps s JOIN preparations p ON p.id = s.prep_id JOIN orders o ON o.id = p.order_id"
        " WHERE s.state IN ('passed', 'overridden') AND json_extract(s.result_json, '$.lot') = ?1"
        " AND (?2 IS NULL OR substr(json_extract(s.result_json, '$.gtin'), 2, 12) = substr(?2, 2, 12))"
        " ORDER BY p.id, s.step_index");
    s.bind(1, lot);
    if (gtin)
        s.bind(2, *gtin);
    else
        s.bindNull(2);
    std::vector<LotUse> out;
    while (s.step())
        out.push_back(readUse(s, false));
    return out;
}

void SiteRepo::setOrderExternalId(int64_t orderId, const std::string& externalId) {
    Statement s = m_db.prepare("UPDATE orders SET external_id = ?2 WHERE id = ?1");
    s.bind(1, orderId).bind(2, externalId);
    s.run();
}

std::optional<int64_t> SiteRepo::orderByExternalId(const std::string& externalId) {
    Statement s = m_db.prepare("SELECT id FROM orders WHERE external_id = ?1");
    s.bind(1, externalId);
    if (!s.step())
        return std::nullopt;
    return s.columnInt(0);
}

std::optional<std::string> SiteRepo::orderExternalId(int64_t orderId) {
    Statement s = m_db.prepare("SELECT external_id FROM orders WHERE id = ?1");
    s.bind(1, orderId);
    if (!s.step())
        return std::nullopt;
    return s.columnOptionalText(0);
}

void SiteRepo::setOrderCancelReason(int64_t orderId, const std::string& reason) {
    Statement s = m_db.prepare("UPDATE orders SET cancel_reason = ?2 WHERE id = ?1");
    s.bind(1, orderId).bind(2, reason);
    s.run();
}

std::optional<std::string> SiteRepo::orderCancelReason(int64_t orderId) {
    Statement s = m_db.prepare("SELECT cancel_reason FROM orders WHERE id = ?1");
    s.bind(1, orderId);
    if (!s.step())
        return std::nullopt;
    return s.columnOptionalText(0);
}

std::vector<OrderRow> SiteRepo::orders(const std::string& status, int limit) {
    Statement s = m_db.prepare(
        "SELECT id, order_number FROM orders WHERE (?1 = '' OR status = ?1) ORDER BY id DESC LIMIT ?2");
    s.bind(1, status).bind(2, limit);
    std::vector<int64_t> ids;
    while (s.step())
        ids.push_back(s.columnInt(0));
    std::vector<OrderRow> out;
    PrepRepo repo(m_db);
    for (const auto id : ids)
        if (auto o = repo.order(id))
            out.push_back(std::move(*o));
    return out;
}

} // namespace admix::store
