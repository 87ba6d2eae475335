#include "station/store/downtime_repo.hpp"

namespace admix::store {

void DowntimeRepo::insert(const DowntimeRow& row) {
    Statement s =
        m_db.prepare("INSERT INTO downtime_preparations(prep_id, worksheet_sha256, prepared_utc, prepared_by,"
                     " entered_by, entered_utc, details_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    s.bind(1, row.prepId).bind(2, row.worksheetSha256).bind(3, row.preparedUtc).bind(4, row.preparedBy);
    s.bind(5, row.enteredBy).bind(6, row.enteredUtc).bind(7, row.detailsJson);
    s.run();
}

std::optional<DowntimeRow> DowntimeRepo::forPrep(int64_t prepId) {
    Statement s =
        m_db.prepare("SELECT prep_id, worksheet_sha256, prepared_utc, prepared_by, entered_by, entered_utc,"
                     " details_json FROM downtime_preparations WHERE prep_id = ?1");
    s.bind(1, prepId);
    if (!s.step())
        return std::nullopt;
    return DowntimeRow{s.columnInt(0),  s.columnText(1), s.columnText(2), s.columnText(3),
                       s.columnText(4), s.columnText(5), s.columnText(6)};
}

int64_t DowntimeRepo::count() {
    return m_db.queryInt("SELECT count(*) FROM downtime_preparations").value_or(0);
}

} // namespace admix::store
