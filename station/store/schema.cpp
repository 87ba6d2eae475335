#include "station/store/schema.hpp"

#include "formulas/time.hpp"
#include "station/store/audit_seal.hpp"
#include "station/store/demo_mark.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <set>

namespace admix::store {

namespace {

// The migrations come from station/store/migrations/NNNN_name.sql, embedded at build time
// (see CMakeLists.txt). Append only: a released migration is never edited; a change is a new file.
#include "station/store/migrations.inc"

bool tableExists(Database& db, std::string_view name) {
    Statement stmt = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    stmt.bind(1, name);
    return stmt.step();
}

} // namespace

std::span<const Migration> migrations() {
    return kMigrations;
}

int latestSchemaVersion() {
    return kMigrations.back().version;
}

int schemaVersionOf(Database& db) {
    int version = static_cast<int>(db.queryInt("PRAGMA user_version").value_or(0));
    if (tableExists(db, "schema_migrations")) {
        version = std::max(
            version, static_cast<int>(db.queryInt("SELECT max(version) FROM schema_migrations").value_or(0)));
    }
    return version;
}

Database openStationDatabase(const std::string& path) {
    // A station that cannot write would fail at the first gate, with a technician at the hood.
    if (path != ":memory:" && ::access(path.c_str(), F_OK) == 0 && ::access(path.c_str(), W_OK) != 0)
        throw StoreError("database " + path +
                         " is read-only for this user: the station needs to write to it "
                         "(check the file's owner and permissions)");
    Database db(path);
    if (sqlite3_db_readonly(db.handle(), "main") == 1)
        throw StoreError("database " + path + " opened read-only: the station needs to write to it");
    applyMigrations(db, path, kMigrations);
    if (path != ":memory:" && path.rfind("file:", 0) != 0) {
        // The database and its WAL and shared-memory files are the owner's only, whatever the umask.
        for (const char* suffix : {"", "-wal", "-shm"})
            ::chmod((path + suffix).c_str(), 0600);
    }
    checkDemoMark(db, path);
    if (auditSealingEnabled() && path != ":memory:" && path.rfind("file:", 0) != 0)
        attachSealer(db, auditKeyDirFor(path));
    return db;
}

void applyMigrations(Database& db, const std::string& path, std::span<const Migration> known) {
    const int latest = known.empty() ? 0 : known.back().version;
    int fileVersion = 0;
    std::set<int> applied;
    try {
        fileVersion = schemaVersionOf(db);
        if (tableExists(db, "schema_migrations")) {
            Statement rows = db.prepare("SELECT version FROM schema_migrations ORDER BY version");
            while (rows.step())
                applied.insert(static_cast<int>(rows.columnInt(0)));
        }
    } catch (const StoreError& e) {
        throw StoreError("cannot read database " + path + " (" + e.what() + ")");
    }
    if (fileVersion > latest) {
        throw StoreError("database " + path + " has schema version " + std::to_string(fileVersion) +
                         ", newer than this build of Admix understands (" + std::to_string(latest) +
                         "). It was left unchanged; open it with the newer Admix that wrote it.");
    }
    // A migration recorded in the file but unknown here was written by another build (numbers are
    // reserved in blocks per area, so a newer build can add one below this build's latest).
    for (const int version : applied) {
        const bool knownHere =
            std::any_of(known.begin(), known.end(), [&](const Migration& m) { return m.version == version; });
        if (!knownHere)
            throw StoreError(
                "database " + path + " has schema migration " + std::to_string(version) +
                ", which this build of Admix does not know. It was left unchanged; open it with the newer "
                "Admix that wrote it.");
    }
    if (applied.empty()) {
        // Written before migrations were recorded one by one: user_version says how far it got.
        for (const Migration& m : known)
            if (m.version <= fileVersion)
                applied.insert(m.version);
    }

    if (path != ":memory:") {
        const auto mode = db.queryText("PRAGMA journal_mode = WAL");
        if (!mode || *mode != "wal")
            throw StoreError("database " + path + " cannot use write-ahead logging (journal_mode is " +
                             mode.value_or("unknown") + ")");
    }
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");

    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_utc TEXT NOT NULL)");
    // Every migration the file has not had, in ascending order - also one numbered below the
    // file's newest (a block reserved for one area filled in after a later block shipped).
    for (const Migration& migration : known) {
        if (applied.count(migration.version) != 0)
            continue;
        Transaction tx(db);
        db.exec(migration.sql);
        Statement record =
            db.prepare("INSERT INTO schema_migrations(version, name, applied_utc) VALUES (?1, ?2, ?3)");
        record.bind(1, migration.version).bind(2, migration.name).bind(3, formatIsoUtc(nowUtc()));
        record.run();
        db.exec("PRAGMA user_version = " + std::to_string(std::max(fileVersion, migration.version)));
        tx.commit();
    }
}

} // namespace admix::store
