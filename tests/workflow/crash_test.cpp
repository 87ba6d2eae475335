// kill -9 at random points of scripted preparations (at least 50 kills), restart each time, and
// check that every preparation finishes with every event recorded exactly once, every photo on disk,
// and an audit trail that `admix audit verify` accepts.
#include "station/store/audit_log.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/image_store.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

using namespace admix;

namespace {

constexpr int kPreps = 10;
constexpr int kMinKills = 50;

// Runs the driver; kills it after `killAfter` unless it exits first. Returns true if it was killed.
bool runDriver(const std::filesystem::path& dir, std::optional<std::chrono::milliseconds> killAfter,
               int& exitStatus, int preps = kPreps) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const std::string dirArg = dir.string();
        const std::string prepsArg = std::to_string(preps);
        ::execl(ADMIX_CRASH_DRIVER, ADMIX_CRASH_DRIVER, dirArg.c_str(), prepsArg.c_str(), "8",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    if (killAfter) {
        const auto deadline = std::chrono::steady_clock::now() + *killAfter;
        while (std::chrono::steady_clock::now() < deadline) {
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        ::kill(pid, SIGKILL);
    }
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        return true;
    exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return false;
}

// The event keys the driver's script gives each step of the cefazolin plan.
std::set<std::string> expectedKeys() {
    return {"s0-wrong", "s0-ok", "s1-ok", "s2-tare",    "s2-under", "s2-ok", "s3-blurred",
            "s3-ok",    "s4-ok", "s5-ok", "s6-blurred", "s6-ok",    "s7-ok"};
}

} // namespace

TEST_CASE("killed at random points, the station resumes with nothing lost or doubled") {
    test::TempDir dir;
    std::mt19937 rng(20261121); // fixed seed: the same kill points on every run
    int kills = 0, midPreparationKills = 0, runs = 0, exitStatus = -1;
    // Evidence rows so far: a kill counts as "mid-preparation" when work had started and not ended.
    const auto evidenceSoFar = [&dir]() -> int64_t {
        const auto path = store::databasePath(dir.path());
        if (!std::filesystem::exists(path))
            return 0;
        store::Database db(path.string(), store::Database::Mode::ReadOnly);
        return db.queryInt("SELECT count(*) FROM sqlite_master WHERE name = 'evidence'").value_or(0)
                   ? db.queryInt("SELECT count(*) FROM evidence").value_or(0)
                   : 0;
    };
    const int64_t totalEvidence = static_cast<int64_t>(kPreps) * 13;
    // Set-up first (users; Argon2id hashing takes a few hundred ms), not part of what is killed.
    REQUIRE_FALSE(runDriver(dir.path(), std::nullopt, exitStatus, 0));
    REQUIRE(exitStatus == 0);
    bool finished = false;
    std::uniform_int_distribution<int> delayMs(1, 40); // the driver paces events 8 ms apart
    while (!finished && runs < 400) {
        ++runs;
        const bool killing = midPreparationKills < kMinKills;
        const auto delay = std::chrono::milliseconds(delayMs(rng));
        const int64_t before = evidenceSoFar();
        if (runDriver(dir.path(), killing ? std::optional(delay) : std::nullopt, exitStatus)) {
            ++kills;
            if (before > 0 && before < totalEvidence)
                ++midPreparationKills;
            continue;
        }
        REQUIRE_MESSAGE(exitStatus == 0, "driver failed on run " << runs);
        finished = true;
    }
    MESSAGE("runs " << runs << ", kills " << kills << ", of which mid-preparation " << midPreparationKills);
    REQUIRE(finished);
    CHECK(kills >= kMinKills);
    CHECK(midPreparationKills >= kMinKills - 5);

    store::Database db = store::openStationDatabase(store::databasePath(dir.path()).string());
    store::PrepRepo repo(db);
    store::AuditLog audit(db);
    store::ImageStore images(db, store::imagesDir(dir.path()));
    CHECK(db.queryInt("SELECT count(*) FROM orders").value() == kPreps);
    CHECK(db.queryInt("SELECT count(*) FROM preparations").value() == kPreps);
    CHECK(db.queryInt("SELECT count(*) FROM users").value() == 3);

    for (const auto& prep : repo.prepsWithStatus("awaiting_check")) {
        INFO(prep.prepNumber);
        std::multiset<std::string> keys;
        for (const auto& e : repo.evidence(prep.id)) {
            keys.insert(e.eventKey);
            if (e.imageSha256)
                CHECK(images.read(*e.imageSha256).has_value());
        }
        CHECK(std::set<std::string>(keys.begin(), keys.end()) == expectedKeys());
        CHECK(keys.size() == expectedKeys().size());
        for (const auto& step : repo.steps(prep.id))
            CHECK(step.state == "passed");
        // One audit row per evidence row, plus prep.start and prep.complete.
        CHECK(audit.forSubject(prep.prepNumber).size() == expectedKeys().size() + 2);
    }
    CHECK(repo.prepsWithStatus("awaiting_check").size() == kPreps);
    CHECK_FALSE(audit.verify().has_value());

    // The command a person would run.
    const std::string command = std::string(ADMIX_CLI) + " audit verify --db " +
                                store::databasePath(dir.path()).string() + " >/dev/null";
    CHECK(std::system(command.c_str()) == 0);
}
