#include "station/store/settings_repo.hpp"

namespace admix::store {

std::optional<std::string> SettingsRepo::get(const std::string& key) {
    Statement s = m_db.prepare("SELECT value FROM station_settings WHERE key = ?1");
    s.bind(1, key);
    if (!s.step())
        return std::nullopt;
    return s.columnText(0);
}

void SettingsRepo::set(const std::string& key, const std::string& value, const std::string& by,
                       const std::string& atUtc) {
    Statement s = m_db.prepare(
        "INSERT INTO station_settings(key, value, updated_utc, updated_by) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_utc = excluded.updated_utc,"
        " updated_by = excluded.updated_by");
    s.bind(1, key).bind(2, value).bind(3, atUtc).bind(4, by);
    s.run();
}

} // namespace admix::store
