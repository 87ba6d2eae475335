#include "station/store/demo_mark.hpp"

#include "formulas/time.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/settings_repo.hpp"

#include <atomic>

namespace admix::store {

namespace {

std::atomic<int> g_expected{-1}; // -1 unset, 0 real, 1 demo

} // namespace

void setDemoExpected(std::optional<bool> demo) {
    g_expected = demo ? (*demo ? 1 : 0) : -1;
}

std::optional<bool> demoExpected() {
    const int v = g_expected;
    if (v < 0)
        return std::nullopt;
    return v == 1;
}

bool isDemoDatabase(Database& db) {
    return SettingsRepo(db).get("station.demo").value_or("0") == "1";
}

void markDemoDatabase(Database& db) {
    Transaction tx(db);
    SettingsRepo(db).set("station.demo", "1", "demo", formatIsoUtc(nowUtc()));
    AuditLog(db).append("demo", "station.demo.mark", "station", R"({"demo":true})");
    tx.commit();
}

void checkDemoMark(Database& db, const std::string& path) {
    const auto expected = demoExpected();
    if (!expected)
        return;
    const bool demo = isDemoDatabase(db);
    if (demo && !*expected)
        throw StoreError(
            "database " + path +
            " holds demo data (demo users with published passwords); it is refused "
            "without --demo. Use it with --demo, or point --data-dir at the station's real data.");
    if (!demo && *expected && db.queryInt("SELECT count(*) FROM users").value_or(0) > 0)
        throw StoreError("database " + path +
                         " is a real station's database; --demo refuses it (demo data only goes "
                         "into a demo directory: leave out --data-dir, or give an empty directory)");
}

} // namespace admix::store
