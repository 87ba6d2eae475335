// The demo mark: a database seeded with demo data (published passwords, fictitious patients) says
// so in its settings (station.demo = 1, audited). A process states whether it runs as a demo; a
// demo database is then refused by a real station and a real station's database by a demo, so
// demo accounts never reach a real install and demo seeding never touches real data.
// The expectation is process-wide (set once by the entry point); checks run on the caller's thread.
#pragma once

#include "station/store/database.hpp"

#include <optional>
#include <string>

namespace admix::store {

// nullopt (the default, library users and unit tests): no check.
void setDemoExpected(std::optional<bool> demo);
[[nodiscard]] std::optional<bool> demoExpected();

[[nodiscard]] bool isDemoDatabase(Database& db);
// Marks the database as demo (settings + audit row), in one transaction.
void markDemoDatabase(Database& db);
// Throws StoreError naming the file when the database does not fit the process's expectation.
void checkDemoMark(Database& db, const std::string& path);

} // namespace admix::store
