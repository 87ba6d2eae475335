// Audit rows written at once from many connections (40 web sign-ins, each refused attempt and
// e-signature an audit append of its own) all land, in one unbroken chain: an append outside a
// transaction takes the write lock up front and waits its turn instead of failing with "database
// is locked" (which the web answered with 500).
#include "station/store/audit_log.hpp"
#include "station/store/schema.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace admix;
using namespace admix::store;

TEST_CASE("40 connections appending at once: no 'database is locked', every row chained") {
    test::TempDir dir;
    const std::string path = (dir / "station.sqlite3").string();
    { Database setup = openStationDatabase(path); }
    constexpr int kThreads = 40;
    constexpr int kRowsEach = 3;
    std::atomic<int> failures{0};
    std::string firstError;
    std::mutex errorMutex;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                Database db = openStationDatabase(path);
                AuditLog log(db);
                for (int i = 0; i < kRowsEach; ++i)
                    log.append("unknown", "signin.fail", "",
                               R"({"reason":"unknown identity","n":)" + std::to_string(t * 100 + i) + "}");
            } catch (const std::exception& e) {
                ++failures;
                std::lock_guard lock(errorMutex);
                if (firstError.empty())
                    firstError = e.what();
            }
        });
    }
    for (auto& th : threads)
        th.join();
    INFO(firstError);
    CHECK(failures.load() == 0);
    Database db = openStationDatabase(path);
    AuditLog log(db);
    CHECK(log.count() == kThreads * kRowsEach);
    CHECK_FALSE(log.verify().has_value());
}
