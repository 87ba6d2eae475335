// Backups while a station works: a scripted station (the crash driver) prepares preparations in a
// child process while backups are taken; each backup restores into a new data directory where the
// audit trail verifies and every preparation, evidence row and image of the snapshot is present.
// A backup after the run holds everything. Restore refuses a non-empty directory and an altered backup.
#include "station/store/audit_log.hpp"
#include "station/store/backup.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/image_store.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <thread>

using namespace admix;
namespace fs = std::filesystem;

namespace {

constexpr size_t kPreps = 4;

pid_t startDriver(const fs::path& dir, size_t preps, int paceMs) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const std::string d = dir.string(), p = std::to_string(preps), pace = std::to_string(paceMs);
        ::execl(ADMIX_CRASH_DRIVER, ADMIX_CRASH_DRIVER, d.c_str(), p.c_str(), pace.c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}

int run(const std::string& command) {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string cli(const std::string& args) {
    return std::string(ADMIX_CLI) + " " + args;
}

int64_t evidenceCount(const fs::path& dataDir) {
    store::Database db(store::databasePath(dataDir).string(), store::Database::Mode::ReadOnly);
    if (!db.queryInt("SELECT count(*) FROM sqlite_master WHERE name = 'evidence'").value_or(0))
        return 0;
    return db.queryInt("SELECT count(*) FROM evidence").value_or(0);
}

struct Snapshot {
    std::map<std::string, std::string> preps; // number -> status
    std::map<int64_t, std::string> evidence;  // id -> prep id, key and image
    std::set<std::string> images;             // every image that reads back verified
    int64_t auditRows = 0;
    std::string auditHead;
    std::vector<std::string> auditHashes; // oldest first
};

Snapshot snapshotOf(const fs::path& dataDir) {
    store::Database db = store::openStationDatabase(store::databasePath(dataDir).string());
    store::PrepRepo repo(db);
    store::ImageStore images(db, store::imagesDir(dataDir));
    store::AuditLog audit(db);
    Snapshot s;
    for (const char* status : {"in_progress", "awaiting_check"})
        for (const auto& p : repo.prepsWithStatus(status)) {
            s.preps[p.prepNumber] = p.status;
            for (const auto& e : repo.evidence(p.id)) {
                s.evidence[e.id] =
                    std::to_string(e.prepId) + "/" + e.eventKey + "/" + e.imageSha256.value_or("");
                if (e.imageSha256 && images.read(*e.imageSha256))
                    s.images.insert(*e.imageSha256);
            }
        }
    s.auditRows = audit.count();
    s.auditHead = s.auditRows ? audit.latest(1).front().hash : "";
    for (const auto& row : audit.latest(static_cast<int>(s.auditRows)))
        s.auditHashes.insert(s.auditHashes.begin(), row.hash);
    CHECK_FALSE(audit.verify().has_value());
    return s;
}

} // namespace

TEST_CASE("backups taken while preparations run restore complete and verified") {
    test::TempDir tmp;
    const fs::path data = tmp / "data", backups = tmp / "backups";
    int status = 0;
    // Users first (Argon2id), then the preparations in a child process.
    REQUIRE(::waitpid(startDriver(data, 0, 0), &status, 0) > 0);
    REQUIRE(WEXITSTATUS(status) == 0);
    const pid_t driver = startDriver(data, kPreps, 15);
    while (evidenceCount(data) == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));

    std::vector<store::BackupReport> duringRun;
    bool exited = false;
    while (!exited) {
        store::BackupReport r = store::backupDataDir(data, backups);
        exited = ::waitpid(driver, &status, WNOHANG) == driver;
        const std::string firstProblem = r.problems.empty() ? std::string() : r.problems.front();
        INFO(firstProblem);
        REQUIRE(r.verified());
        if (!exited)
            duringRun.push_back(r); // the driver was still writing after this backup finished
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
    }
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    MESSAGE(duringRun.size() << " backups taken while the driver prepared");
    REQUIRE(duringRun.size() >= 1);
    const Snapshot original = snapshotOf(data);
    REQUIRE(original.preps.size() == kPreps);
    REQUIRE(original.images.size() == 2 * kPreps); // two photo steps each

    SUBCASE("a backup from the middle of the run restores what it had, consistent") {
        const store::BackupReport& mid = duringRun.front();
        const fs::path restored = tmp / "restored-mid";
        REQUIRE(run(cli("restore " + mid.dir.string() + " --data-dir " + restored.string() +
                        " >/dev/null")) == 0);
        CHECK(run(cli("audit verify --db " + store::databasePath(restored).string() + " >/dev/null")) == 0);
        const Snapshot s = snapshotOf(restored);
        CHECK(static_cast<int64_t>(s.preps.size()) == mid.preparations);
        // The backup's trail is there row for row; opening the restored copy may append its own rows
        // after it (the audit key's creation on first open), never change one.
        REQUIRE(s.auditRows >= mid.auditRows);
        REQUIRE(mid.auditRows >= 1);
        CHECK(s.auditHashes[static_cast<size_t>(mid.auditRows - 1)] == mid.auditHead);
        CHECK(s.auditRows <= original.auditRows);
        // Every row of the snapshot is the original's row (nothing half-written, nothing invented).
        for (const auto& [id, what] : s.evidence) {
            INFO("evidence " << id);
            REQUIRE(original.evidence.count(id) == 1);
            CHECK(original.evidence.at(id) == what);
        }
        for (const auto& [number, st] : s.preps)
            CHECK(original.preps.count(number) == 1);
        // Every photo named by the snapshot's evidence is there and reads back verified.
        std::set<std::string> named;
        for (const auto& [id, what] : s.evidence)
            if (const auto slash = what.rfind('/'); slash + 1 < what.size())
                named.insert(what.substr(slash + 1));
        CHECK(named == s.images);
    }

    SUBCASE("a backup after the run holds every preparation and image; --keep prunes") {
        const fs::path restored = tmp / "restored-final";
        REQUIRE(run(cli("--data-dir " + data.string() + " backup " + backups.string() +
                        " --keep 2 >/dev/null")) == 0);
        const auto kept = store::listBackups(backups);
        REQUIRE(kept.size() == 2);
        REQUIRE(run(cli("restore " + kept.back().string() + " --data-dir " + restored.string() +
                        " >/dev/null")) == 0);
        CHECK(run(cli("audit verify --db " + store::databasePath(restored).string() + " >/dev/null")) == 0);
        const Snapshot s = snapshotOf(restored);
        CHECK(s.preps == original.preps);
        CHECK(s.evidence == original.evidence);
        CHECK(s.images == original.images);
        // The original trail row for row; the backup command's own opening of the station (the audit
        // key's first use) may have appended after it.
        REQUIRE(s.auditRows >= original.auditRows);
        CHECK(s.auditHashes[static_cast<size_t>(original.auditRows - 1)] == original.auditHead);
        CHECK(store::newestBackup(backups)->dir == kept.back());

        // Restoring over data refuses and changes nothing.
        const auto before = fs::file_size(store::databasePath(restored));
        CHECK(run(cli("restore " + kept.back().string() + " --data-dir " + restored.string() +
                      " 2>/dev/null")) == 1);
        CHECK(fs::file_size(store::databasePath(restored)) == before);
        CHECK_THROWS_WITH_AS(store::restoreBackup(kept.back(), restored), doctest::Contains("is not empty"),
                             store::StoreError);

        // An altered image in a backup: verification names it and restore refuses.
        const auto anImage = *original.images.begin();
        const fs::path file = store::imageFilePath(store::imagesDir(kept.back()), anImage, "image/jpeg");
        REQUIRE(fs::exists(file));
        std::ofstream(file, std::ios::binary | std::ios::app) << 'x';
        const auto report = store::verifyBackup(kept.back());
        REQUIRE_FALSE(report.verified());
        CHECK(report.problems.front().find(anImage) != std::string::npos);
        CHECK(run(cli("restore " + kept.back().string() + " --data-dir " + (tmp / "r3").string() +
                      " 2>/dev/null")) == 1);
        CHECK_FALSE(fs::exists(store::databasePath(tmp / "r3")));
    }
}
