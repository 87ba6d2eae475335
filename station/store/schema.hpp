// The station database schema: numbered migrations applied in order when the database is opened,
// each recorded in schema_migrations. A file written by a newer build is refused before anything
// is written to it. Thread-safety: as Database.
#pragma once

#include "station/store/database.hpp"

#include <span>
#include <string>
#include <string_view>

namespace admix::store {

struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

// All migrations this build knows, in ascending version order without gaps.
[[nodiscard]] std::span<const Migration> migrations();
// The newest schema version this build can write.
[[nodiscard]] int latestSchemaVersion();

// The schema version recorded in an open database (0 for a new, empty file).
[[nodiscard]] int schemaVersionOf(Database& db);

// Opens the station database at `path` (":memory:" for tests): refuses a file from a newer schema
// (StoreError, file untouched), then sets WAL journaling, synchronous=FULL and foreign keys, and
// applies pending migrations, each in its own transaction.
[[nodiscard]] Database openStationDatabase(const std::string& path);

// What openStationDatabase does after opening, with `known` as the migrations of this build
// (ascending). Applies every known migration the file has not recorded, whatever its number;
// refuses (StoreError naming `path`, nothing written) a file whose newest version is above the
// newest known, or that records a migration not in `known`. Exposed for tests.
void applyMigrations(Database& db, const std::string& path, std::span<const Migration> known);

} // namespace admix::store
