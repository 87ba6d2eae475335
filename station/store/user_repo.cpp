#include "station/store/user_repo.hpp"

namespace admix::store {

namespace {

constexpr const char* kSelect =
    "SELECT id, username, display_name, role, badge, pin_hash, password_hash, active,"
    " failed_attempts, locked_until_utc, created_utc FROM users ";

UserRow readRow(const Statement& s) {
    UserRow row;
    row.id = s.columnInt(0);
    row.username = s.columnText(1);
    row.displayName = s.columnText(2);
    row.role = s.columnText(3);
    row.badge = s.columnOptionalText(4);
    row.pinHash = s.columnOptionalText(5);
    row.passwordHash = s.columnOptionalText(6);
    row.active = s.columnInt(7) != 0;
    row.failedAttempts = static_cast<int>(s.columnInt(8));
    row.lockedUntilUtc = s.columnOptionalText(9);
    row.createdUtc = s.columnText(10);
    return row;
}

void bindOptional(Statement& s, int index, const std::optional<std::string>& value) {
    if (value)
        s.bind(index, *value);
    else
        s.bindNull(index);
}

std::optional<UserRow> one(Statement& s) {
    if (!s.step())
        return std::nullopt;
    return readRow(s);
}

} // namespace

int64_t UserRepo::insert(const UserRow& row) {
    Statement s =
        m_db.prepare("INSERT INTO users(username, display_name, role, badge, pin_hash, password_hash, active,"
                     " created_utc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    s.bind(1, row.username).bind(2, row.displayName).bind(3, row.role);
    bindOptional(s, 4, row.badge);
    bindOptional(s, 5, row.pinHash);
    bindOptional(s, 6, row.passwordHash);
    s.bind(7, row.active ? 1 : 0).bind(8, row.createdUtc);
    s.run();
    return m_db.lastInsertRowId();
}

std::optional<UserRow> UserRepo::byUsername(const std::string& username) {
    Statement s = m_db.prepare(std::string(kSelect) + "WHERE username = ?1");
    s.bind(1, username);
    return one(s);
}

std::optional<UserRow> UserRepo::byBadge(const std::string& badge) {
    Statement s = m_db.prepare(std::string(kSelect) + "WHERE badge = ?1");
    s.bind(1, badge);
    return one(s);
}

std::optional<UserRow> UserRepo::byId(int64_t id) {
    Statement s = m_db.prepare(std::string(kSelect) + "WHERE id = ?1");
    s.bind(1, id);
    return one(s);
}

std::vector<UserRow> UserRepo::all() {
    Statement s = m_db.prepare(std::string(kSelect) + "ORDER BY username");
    std::vector<UserRow> rows;
    while (s.step())
        rows.push_back(readRow(s));
    return rows;
}

void UserRepo::recordFailure(int64_t id, int failedAttempts,
                             const std::optional<std::string>& lockedUntilUtc) {
    Statement s = m_db.prepare("UPDATE users SET failed_attempts = ?2, locked_until_utc = ?3 WHERE id = ?1");
    s.bind(1, id).bind(2, failedAttempts);
    bindOptional(s, 3, lockedUntilUtc);
    s.run();
}

void UserRepo::recordSuccess(int64_t id) {
    Statement s = m_db.prepare("UPDATE users SET failed_attempts = 0, locked_until_utc = NULL WHERE id = ?1");
    s.bind(1, id);
    s.run();
}

std::optional<WebFailureRow> UserRepo::webFailure(const std::string& username, const std::string& address) {
    Statement s =
        m_db.prepare("SELECT failures, first_utc, last_utc, locked_until_utc FROM web_auth_failures "
                     "WHERE username = ?1 AND address = ?2");
    s.bind(1, username).bind(2, address);
    if (!s.step())
        return std::nullopt;
    return WebFailureRow{static_cast<int>(s.columnInt(0)), s.columnText(1), s.columnText(2),
                         s.columnOptionalText(3)};
}

void UserRepo::recordWebFailure(const std::string& username, const std::string& address,
                                const WebFailureRow& row) {
    Statement s = m_db.prepare(
        "INSERT INTO web_auth_failures (username, address, failures, first_utc, last_utc, locked_until_utc) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (username, address) DO UPDATE SET "
        "failures = excluded.failures, first_utc = excluded.first_utc, last_utc = excluded.last_utc, "
        "locked_until_utc = excluded.locked_until_utc");
    s.bind(1, username).bind(2, address).bind(3, row.failures).bind(4, row.firstUtc).bind(5, row.lastUtc);
    bindOptional(s, 6, row.lockedUntilUtc);
    s.run();
}

void UserRepo::clearWebFailures(const std::string& username, const std::string& address) {
    Statement s = m_db.prepare("DELETE FROM web_auth_failures WHERE username = ?1 AND address = ?2");
    s.bind(1, username).bind(2, address);
    s.run();
}

int UserRepo::webFailureAddressesSince(const std::string& username, const std::string& sinceUtc) {
    Statement s =
        m_db.prepare("SELECT count(*) FROM web_auth_failures WHERE username = ?1 AND last_utc >= ?2");
    s.bind(1, username).bind(2, sinceUtc);
    s.step();
    return static_cast<int>(s.columnInt(0));
}

void UserRepo::setActive(int64_t id, bool active) {
    Statement s = m_db.prepare("UPDATE users SET active = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, active ? 1 : 0);
    s.run();
}

void UserRepo::setPinHash(int64_t id, const std::string& hash) {
    Statement s = m_db.prepare("UPDATE users SET pin_hash = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, hash);
    s.run();
}

void UserRepo::setPasswordHash(int64_t id, const std::string& hash) {
    Statement s = m_db.prepare("UPDATE users SET password_hash = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, hash);
    s.run();
}

void UserRepo::setBadge(int64_t id, const std::optional<std::string>& badge) {
    Statement s = m_db.prepare("UPDATE users SET badge = ?2 WHERE id = ?1");
    s.bind(1, id);
    bindOptional(s, 2, badge);
    s.run();
}

void UserRepo::setRole(int64_t id, const std::string& role) {
    Statement s = m_db.prepare("UPDATE users SET role = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, role);
    s.run();
}

int64_t UserRepo::count() {
    return m_db.queryInt("SELECT count(*) FROM users").value_or(0);
}

} // namespace admix::store
