#include "station/store/remote_queries.hpp"

namespace admix::store {

namespace {

constexpr const char* kQueueColumns =
    "SELECT p.id, p.prep_number, coalesce(json_extract(p.spec_json, '$.title'), ''), p.recipe_id, "
    "p.recipe_version,"
    " p.technician, p.room, p.pec, p.started_utc, p.completed_utc, o.order_number, o.priority, o.due_utc,"
    " coalesce(json_extract(p.spec_json, '$.hazardous'), 0)"
    " FROM preparations p JOIN orders o ON o.id = p.order_id ";

CheckQueueRow readRow(const Statement& s) {
    CheckQueueRow r;
    r.prepId = s.columnInt(0);
    r.prepNumber = s.columnText(1);
    r.title = s.columnText(2);
    r.recipeId = s.columnText(3);
    r.recipeVersion = static_cast<int>(s.columnInt(4));
    r.technician = s.columnText(5);
    r.room = s.columnText(6);
    r.pec = s.columnText(7);
    r.startedUtc = s.columnText(8);
    r.completedUtc = s.columnOptionalText(9);
    r.orderNumber = s.columnText(10);
    r.priority = s.columnText(11);
    r.dueUtc = s.columnText(12);
    r.hazardous = s.columnInt(13) != 0;
    return r;
}

} // namespace

std::vector<CheckQueueRow> RemoteQueries::checkQueue(int limit) {
    Statement s = m_db.prepare(std::string(kQueueColumns) +
                               "WHERE p.status = 'awaiting_check'"
                               " ORDER BY CASE o.priority WHEN 'stat' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END,"
                               " o.due_utc, coalesce(p.completed_utc, p.started_utc), p.id LIMIT ?1");
    s.bind(1, limit);
    std::vector<CheckQueueRow> rows;
    while (s.step())
        rows.push_back(readRow(s));
    return rows;
}

std::vector<CheckQueueRow> RemoteQueries::recentlyChecked(const std::string& sinceUtc, int limit) {
    Statement s = m_db.prepare(std::string(kQueueColumns) +
                               "WHERE p.status IN ('released', 'rejected') AND p.checked_utc >= ?1"
                               " ORDER BY p.checked_utc DESC, p.id DESC LIMIT ?2");
    s.bind(1, sinceUtc).bind(2, limit);
    std::vector<CheckQueueRow> rows;
    while (s.step())
        rows.push_back(readRow(s));
    return rows;
}

bool RemoteQueries::isEvidenceImage(int64_t prepId, const std::string& sha256) {
    Statement s = m_db.prepare("SELECT 1 FROM evidence WHERE prep_id = ?1 AND image_sha256 = ?2 LIMIT 1");
    s.bind(1, prepId).bind(2, sha256);
    return s.step();
}

std::optional<int64_t> RemoteQueries::prepOfImage(const std::string& sha256) {
    Statement s = m_db.prepare("SELECT prep_id FROM evidence WHERE image_sha256 = ?1 ORDER BY id LIMIT 1");
    s.bind(1, sha256);
    if (!s.step())
        return std::nullopt;
    return s.columnInt(0);
}

} // namespace admix::store
