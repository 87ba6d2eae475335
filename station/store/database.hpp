// SQLite access for the station: an owning connection, prepared statements and RAII transactions.
// Database and Statement are move-only and not thread-safe: one connection per thread. Failures of
// the storage itself (cannot open, disk full, constraint broken) throw StoreError, to be caught at a
// thread or task boundary; destructors never throw.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace admix::store {

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Statement;
class Database;

// Something that follows a connection's writes: told after each commit that made writes durable and
// before the connection closes (the audit sealer signs checkpoints there). Must not throw from
// beforeClose; afterCommit may throw StoreError.
class DatabaseObserver {
public:
    virtual ~DatabaseObserver() = default;
    virtual void afterCommit(Database& db) = 0;
    virtual void beforeClose(Database& db) noexcept = 0;
};

class Database {
public:
    enum class Mode { ReadWrite, ReadOnly };

    // Opens (and, in ReadWrite mode, creates) the file. ":memory:" gives a private in-memory database.
    // Nothing is written by opening alone.
    explicit Database(const std::string& path, Mode mode = Mode::ReadWrite);

    ~Database();
    Database(Database&&) noexcept = default;
    Database& operator=(Database&&) noexcept = default;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    [[nodiscard]] Statement prepare(std::string_view sql);
    [[nodiscard]] int64_t lastInsertRowId() const;
    [[nodiscard]] int changes() const;
    [[nodiscard]] const std::string& path() const { return m_path; }
    [[nodiscard]] sqlite3* handle() const { return m_db.get(); }

    // The value of a pragma or a one-cell query, as text; nullopt when there is no row.
    [[nodiscard]] std::optional<std::string> queryText(std::string_view sql);
    [[nodiscard]] std::optional<int64_t> queryInt(std::string_view sql);

    // One observer per connection (nullptr: none). Called on this connection's thread.
    void setObserver(std::shared_ptr<DatabaseObserver> observer) { m_observer = std::move(observer); }
    [[nodiscard]] DatabaseObserver* observer() const { return m_observer.get(); }
    // Tells the observer that a commit happened (Transaction::commit and autocommit writes call it).
    void notifyCommitted();

private:
    struct Closer {
        void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
    };
    // Declared before m_db so that the observer is told while the connection is still open.
    std::shared_ptr<DatabaseObserver> m_observer;
    std::unique_ptr<sqlite3, Closer> m_db;
    std::string m_path;
};

class Statement {
public:
    Statement(Statement&&) noexcept = default;
    Statement& operator=(Statement&&) noexcept = default;

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
    Statement& bindNull(int index);
    Statement& bindBlob(int index, const void* data, size_t size);

    // Advances to the next row; false when done. Throws StoreError on failure.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    void reset();

    [[nodiscard]] bool isNull(int column) const;
    [[nodiscard]] int64_t columnInt(int column) const;
    [[nodiscard]] double columnDouble(int column) const;
    [[nodiscard]] std::string columnText(int column) const;
    [[nodiscard]] std::optional<std::string> columnOptionalText(int column) const;
    [[nodiscard]] int columnCount() const;

private:
    friend class Database;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    void check(int rc, const char* what) const;

    struct Finalizer {
        void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
    };
    sqlite3* m_db;
    std::unique_ptr<sqlite3_stmt, Finalizer> m_stmt;
};

// BEGIN IMMEDIATE on construction; commit() makes it durable; rolled back if destroyed uncommitted.
// Opened inside another transaction it is a savepoint of it: its commit releases the savepoint and
// the outer transaction decides (so that a caller can make several engine calls and its own rows
// one atomic unit, e.g. an HL7 message stored with the order it adds).
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& m_db;
    bool m_done = false;
    bool m_nested = false;
};

} // namespace admix::store
