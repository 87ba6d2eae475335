#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

#include <array>
#include <vector>

using namespace admix;
using namespace admix::store;

TEST_CASE("a new database is migrated to the latest schema with WAL, FULL sync and foreign keys") {
    test::TempDir dir;
    const std::string path = (dir / "station.sqlite3").string();
    Database db = openStationDatabase(path);
    CHECK(schemaVersionOf(db) == latestSchemaVersion());
    CHECK(db.queryInt("PRAGMA user_version").value() == latestSchemaVersion());
    CHECK(db.queryText("PRAGMA journal_mode").value() == "wal");
    CHECK(db.queryInt("PRAGMA synchronous").value() == 2); // 2 = FULL
    CHECK(db.queryInt("PRAGMA foreign_keys").value() == 1);
    CHECK(db.queryInt("SELECT count(*) FROM schema_migrations").value() ==
          static_cast<int64_t>(migrations().size()));
}

TEST_CASE("migrations start at 1 and are strictly ascending, each named") {
    // Blocks of numbers are reserved per area (0002-0009 compliance, 0010- workflow), so the
    // sequence may skip numbers, but it must never repeat or go backwards.
    REQUIRE_FALSE(migrations().empty());
    CHECK(migrations().front().version == 1);
    int previous = 0;
    for (const Migration& m : migrations()) {
        CHECK(m.version > previous);
        CHECK_FALSE(m.name.empty());
        CHECK_FALSE(m.sql.empty());
        previous = m.version;
    }
    CHECK(latestSchemaVersion() == previous);
}

TEST_CASE("reopening applies nothing twice") {
    test::TempDir dir;
    const std::string path = (dir / "station.sqlite3").string();
    { Database db = openStationDatabase(path); }
    Database db = openStationDatabase(path);
    CHECK(db.queryInt("SELECT count(*) FROM schema_migrations").value() ==
          static_cast<int64_t>(migrations().size()));
}

TEST_CASE("a database written by a newer schema is refused and left byte-for-byte unchanged") {
    test::TempDir dir;
    const std::string path = (dir / "station.sqlite3").string();
    {
        Database db = openStationDatabase(path);
        const int future = latestSchemaVersion() + 1;
        db.exec("INSERT INTO schema_migrations(version, name, applied_utc) VALUES (" +
                std::to_string(future) + ", 'from the future', '2030-01-01T00:00:00Z')");
        db.exec("PRAGMA user_version = " + std::to_string(future));
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    const std::string before = test::readFile(path);
    REQUIRE_FALSE(before.empty());

    std::string message;
    try {
        Database db = openStationDatabase(path);
        FAIL("a newer schema must be refused");
    } catch (const StoreError& e) {
        message = e.what();
    }
    CHECK(message.find("schema version " + std::to_string(latestSchemaVersion() + 1)) != std::string::npos);
    CHECK(message.find("newer") != std::string::npos);
    CHECK(message.find(path) != std::string::npos);
    CHECK(test::readFile(path) == before);
}

namespace {

// Three small migrations numbered like the project's blocks: 1, then 2 (a block filled in later),
// then 10.
const Migration kFirst{1, "first", "CREATE TABLE a (x INTEGER)"};
const Migration kFilledIn{2, "filled_in", "CREATE TABLE b (x INTEGER)"};
const Migration kLater{10, "later", "CREATE TABLE c (x INTEGER)"};

std::vector<int64_t> recorded(Database& db) {
    std::vector<int64_t> versions;
    Statement rows = db.prepare("SELECT version FROM schema_migrations ORDER BY version");
    while (rows.step())
        versions.push_back(rows.columnInt(0));
    return versions;
}

} // namespace

TEST_CASE("a migration numbered below the file's newest is applied when the file lacks it") {
    test::TempDir dir;
    const std::string path = (dir / "station.sqlite3").string();
    Database db(path);
    const std::array<Migration, 2> shipped{kFirst, kLater};
    applyMigrations(db, path, shipped);
    CHECK(recorded(db) == std::vector<int64_t>{1, 10});
    CHECK(schemaVersionOf(db) == 10);

    // The next build fills in 2: a file at version 10 gets it (before, only versions above the
    // file's newest ran, and table b would never have been made).
    const std::array<Migration, 3> next{kFirst, kFilledIn, kLater};
    applyMigrations(db, path, next);
    CHECK(recorded(db) == std::vector<int64_t>{1, 2, 10});
    CHECK(db.queryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'b'").value() == 1);
    CHECK(db.queryInt("PRAGMA user_version").value() == 10);
    applyMigrations(db, path, next); // and nothing twice
    CHECK(recorded(db) == std::vector<int64_t>{1, 2, 10});
}

TEST_CASE("a file that records a migration this build does not know is refused and left unchanged") {
    test::TempDir dir;
    const std::string path = (dir / "station.sqlite3").string();
    {
        Database db(path);
        const std::array<Migration, 3> newer{kFirst, kFilledIn, kLater};
        applyMigrations(db, path, newer);
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    const std::string before = test::readFile(path);
    REQUIRE_FALSE(before.empty());
    Database db(path);
    const std::array<Migration, 2> older{kFirst, kLater}; // same newest number, but no 2
    std::string message;
    try {
        applyMigrations(db, path, older);
        FAIL("an unknown migration must be refused");
    } catch (const StoreError& e) {
        message = e.what();
    }
    CHECK(message.find("schema migration 2") != std::string::npos);
    CHECK(message.find(path) != std::string::npos);
    CHECK(test::readFile(path) == before);
}

TEST_CASE("a file from before migrations were recorded one by one is taken at its user_version") {
    test::TempDir dir;
    const std::string path = (dir / "station.sqlite3").string();
    Database db(path);
    db.exec("CREATE TABLE a (x INTEGER)");
    db.exec("CREATE TABLE b (x INTEGER)");
    db.exec("PRAGMA user_version = 2");
    const std::array<Migration, 3> known{kFirst, kFilledIn, kLater};
    applyMigrations(db, path, known); // 1 and 2 would fail: their tables exist
    CHECK(recorded(db) == std::vector<int64_t>{10});
    CHECK(schemaVersionOf(db) == 10);
}

TEST_CASE("a file that is not a database is refused with its path") {
    test::TempDir dir;
    const auto path = dir / "notes.sqlite3";
    test::writeFile(path, std::string(4096, 'x'));
    const std::string before = test::readFile(path);
    CHECK_THROWS_WITH_AS(openStationDatabase(path.string()), doctest::Contains("notes.sqlite3"), StoreError);
    CHECK(test::readFile(path) == before);
}

TEST_CASE("a transaction rolls back unless committed") {
    Database db = openStationDatabase(":memory:");
    db.exec("CREATE TABLE t(x INTEGER)");
    {
        Transaction tx(db);
        db.exec("INSERT INTO t VALUES (1)");
    }
    CHECK(db.queryInt("SELECT count(*) FROM t").value() == 0);
    {
        Transaction tx(db);
        db.exec("INSERT INTO t VALUES (2)");
        tx.commit();
    }
    CHECK(db.queryInt("SELECT x FROM t").value() == 2);
}

TEST_CASE("statements bind and read every column type") {
    Database db(":memory:");
    db.exec("CREATE TABLE t(i INTEGER, d REAL, s TEXT, n TEXT)");
    Statement insert = db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)");
    insert.bind(1, int64_t{1} << 40).bind(2, 0.998).bind(3, std::string("NaCl 0.9%\x1d")).bindNull(4);
    insert.run();
    Statement select = db.prepare("SELECT i, d, s, n FROM t");
    REQUIRE(select.step());
    CHECK(select.columnInt(0) == (int64_t{1} << 40));
    CHECK(select.columnDouble(1) == doctest::Approx(0.998));
    CHECK(select.columnText(2) == "NaCl 0.9%\x1d");
    CHECK(select.isNull(3));
    CHECK_FALSE(select.columnOptionalText(3).has_value());
    CHECK_FALSE(select.step());
}

TEST_CASE("SQL errors throw StoreError with SQLite's reason") {
    Database db(":memory:");
    CHECK_THROWS_WITH_AS(db.exec("SELEC 1"), doctest::Contains("syntax error"), StoreError);
}

TEST_CASE("the data directory is created with its images folder, owner-only") {
    test::TempDir dir;
    const auto data = dir / "nested" / "admix";
    prepareDataDir(data);
    CHECK(std::filesystem::is_directory(data));
    CHECK(std::filesystem::is_directory(imagesDir(data)));
    const auto perms = std::filesystem::status(data).permissions();
    CHECK((perms & std::filesystem::perms::others_all) == std::filesystem::perms::none);
    CHECK(databasePath(data).filename() == "admix.sqlite3");
}

TEST_CASE("the default data directory follows XDG_DATA_HOME") {
    const char* old = std::getenv("XDG_DATA_HOME");
    const std::string saved = old ? old : "";
    ::setenv("XDG_DATA_HOME", "/srv/pharmacy", 1);
    CHECK(defaultDataDir() == std::filesystem::path("/srv/pharmacy/admix"));
    if (old)
        ::setenv("XDG_DATA_HOME", saved.c_str(), 1);
    else
        ::unsetenv("XDG_DATA_HOME");
}
