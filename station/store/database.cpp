#include "station/store/database.hpp"

namespace admix::store {

namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw StoreError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

} // namespace

Database::Database(const std::string& path, Mode mode) : m_path(path) {
    sqlite3* raw = nullptr;
    const int flags =
        (mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
        SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    m_db.reset(raw);
    if (rc != SQLITE_OK)
        fail(raw, "cannot open database " + path);
    sqlite3_extended_result_codes(raw, 1);
    // Another station process (admix serve beside the touchscreen) may hold the write lock briefly.
    sqlite3_busy_timeout(raw, 5000);
}

Database::~Database() {
    if (m_observer && m_db) {
        auto observer = std::move(m_observer);
        observer->beforeClose(*this);
    }
}

void Database::notifyCommitted() {
    if (m_observer && m_db && sqlite3_get_autocommit(m_db.get()))
        m_observer->afterCommit(*this);
}

void Database::exec(std::string_view sql) {
    char* message = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string what = message ? message : sqlite3_errmsg(m_db.get());
        sqlite3_free(message);
        throw StoreError("SQL failed: " + what);
    }
}

Statement Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK)
        fail(m_db.get(), "cannot prepare '" + std::string(sql.substr(0, 60)) + "'");
    return Statement(m_db.get(), stmt);
}

int64_t Database::lastInsertRowId() const {
    return sqlite3_last_insert_rowid(m_db.get());
}
int Database::changes() const {
    return sqlite3_changes(m_db.get());
}

std::optional<std::string> Database::queryText(std::string_view sql) {
    Statement stmt = prepare(sql);
    if (!stmt.step())
        return std::nullopt;
    return stmt.columnOptionalText(0);
}

std::optional<int64_t> Database::queryInt(std::string_view sql) {
    Statement stmt = prepare(sql);
    if (!stmt.step() || stmt.isNull(0))
        return std::nullopt;
    return stmt.columnInt(0);
}

void Statement::check(int rc, const char* what) const {
    if (rc != SQLITE_OK)
        fail(m_db, what);
}

Statement& Statement::bind(int index, int64_t value) {
    check(sqlite3_bind_int64(m_stmt.get(), index, value), "bind");
    return *this;
}
Statement& Statement::bind(int index, double value) {
    check(sqlite3_bind_double(m_stmt.get(), index, value), "bind");
    return *this;
}
Statement& Statement::bind(int index, std::string_view value) {
    check(sqlite3_bind_text(m_stmt.get(), index, value.data(), static_cast<int>(value.size()),
                            SQLITE_TRANSIENT),
          "bind");
    return *this;
}
Statement& Statement::bindNull(int index) {
    check(sqlite3_bind_null(m_stmt.get(), index), "bind");
    return *this;
}
Statement& Statement::bindBlob(int index, const void* data, size_t size) {
    check(sqlite3_bind_blob(m_stmt.get(), index, data, static_cast<int>(size), SQLITE_TRANSIENT), "bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(m_stmt.get());
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail(m_db, "SQL step failed");
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(m_stmt.get());
    sqlite3_clear_bindings(m_stmt.get());
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL;
}
int64_t Statement::columnInt(int column) const {
    return sqlite3_column_int64(m_stmt.get(), column);
}
double Statement::columnDouble(int column) const {
    return sqlite3_column_double(m_stmt.get(), column);
}
std::string Statement::columnText(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt.get(), column));
    return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(m_stmt.get(), column)))
                : std::string();
}
std::optional<std::string> Statement::columnOptionalText(int column) const {
    if (isNull(column))
        return std::nullopt;
    return columnText(column);
}
int Statement::columnCount() const {
    return sqlite3_column_count(m_stmt.get());
}

Transaction::Transaction(Database& db) : m_db(db), m_nested(sqlite3_get_autocommit(db.handle()) == 0) {
    m_db.exec(m_nested ? "SAVEPOINT admix_nested" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (!m_done)
        sqlite3_exec(m_db.handle(), m_nested ? "ROLLBACK TO admix_nested; RELEASE admix_nested" : "ROLLBACK",
                     nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    m_db.exec(m_nested ? "RELEASE admix_nested" : "COMMIT");
    m_done = true;
    m_db.notifyCommitted();
}

} // namespace admix::store
