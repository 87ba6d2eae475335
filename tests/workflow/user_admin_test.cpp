// What an administrator needs for accounts (re-enable, new PIN or password, role change; each
// audited), the site's PIN policy, and secrets that a copy of the database alone does not give up:
// PIN hashes keyed with the pepper kept outside the database, badge codes stored as keyed digests.
#include "station/store/audit_seal.hpp"
#include "station/store/schema.hpp"
#include "station/store/user_repo.hpp"
#include "station/workflow/auth.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace admix;
using namespace admix::workflow;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    store::Database db = store::openStationDatabase(":memory:");
    store::AuditLog audit{db};
    Authenticator auth{db, audit};
    TimePoint t0 = parseIsoUtc("2026-11-21T08:00:00Z").value();
    User admin, admin2, tech;

    Fixture() {
        admin = auth.addUser({"admin", "Ada Admin", Role::Admin, std::nullopt, std::nullopt,
                              "correct horse battery"},
                             std::nullopt, t0)
                    .value();
        admin2 =
            auth.addUser({"admin2", "Bo Admin", Role::Admin, std::nullopt, std::nullopt, "second admin pass"},
                         admin, t0)
                .value();
        tech = auth.addUser({"tnguyen", "T. Nguyen", Role::Technician, "BADGE-1001", "4821", std::nullopt},
                            admin, t0)
                   .value();
    }
    int64_t auditRows(const std::string& action) {
        return db.queryInt("SELECT count(*) FROM audit_log WHERE action = '" + action + "'").value_or(0);
    }
};

} // namespace

TEST_CASE(
    "PIN policy: too short, one digit repeated and consecutive runs are refused; the site may relax it") {
    Fixture f;
    const auto add = [&f](const std::string& name, const std::string& pin) {
        return f.auth.addUser({name, name, Role::Technician, "B-" + name, pin, std::nullopt}, f.admin, f.t0);
    };
    for (const char* weak : {"1111", "000000", "1234", "9876", "3456789", "123"}) {
        const auto r = add(std::string("w") + weak, weak);
        INFO(weak);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "PIN");
    }
    CHECK(add("r1", "1111").error().message.find("one digit repeated") != std::string::npos);
    CHECK(add("r2", "1234").error().message.find("consecutive") != std::string::npos);
    CHECK(add("ok1", "4821").ok());
    CHECK(add("ok2", "1231").ok()); // a run broken at the end is not a run
    AuthPolicy relaxed = f.auth.policy();
    relaxed.pinRefuseRepeated = false;
    REQUIRE(f.auth.setAuthPolicy(f.admin, relaxed, f.t0).ok());
    CHECK_FALSE(f.auth.policy().pinRefuseRepeated);
    CHECK(f.auth.policy().pinRefuseSequential);
    CHECK(add("ok3", "1111").ok());
    CHECK_FALSE(add("no3", "2345").ok());
}

TEST_CASE("an administrator re-enables, resets and changes roles; each is audited; others may not") {
    Fixture f;
    REQUIRE(f.auth.disableUser("tnguyen", f.admin, f.t0).ok());
    CHECK_FALSE(f.auth.signInWithBadge("BADGE-1001", "4821", f.t0).ok());
    CHECK_FALSE(f.auth.enableUser("tnguyen", f.tech, f.t0).ok());
    REQUIRE(f.auth.enableUser("tnguyen", f.admin, f.t0).ok());
    CHECK(f.auditRows("user.enable") == 1);
    CHECK(f.auth.signInWithBadge("BADGE-1001", "4821", f.t0).ok());

    // Locked out, then a new PIN from the administrator: the old one stops working, the lock is gone.
    for (int i = 0; i < 5; ++i)
        (void)f.auth.signInWithBadge("BADGE-1001", "0000", f.t0);
    CHECK(f.auth.signInWithBadge("BADGE-1001", "4821", f.t0).error().message.find("locked") !=
          std::string::npos);
    CHECK_FALSE(
        f.auth.resetSecrets("tnguyen", std::string("5555"), std::nullopt, f.admin, f.t0).ok()); // policy
    CHECK_FALSE(
        f.auth.resetSecrets("tnguyen", std::string("7305"), std::nullopt, f.tech, f.t0).ok()); // not admin
    REQUIRE(f.auth.resetSecrets("tnguyen", std::string("7305"), std::nullopt, f.admin, f.t0).ok());
    CHECK(f.auth.signInWithBadge("BADGE-1001", "7305", f.t0).ok());
    CHECK_FALSE(f.auth.signInWithBadge("BADGE-1001", "4821", f.t0).ok());
    CHECK(f.auditRows("user.secret.reset") == 1);
    // A password for a user who had none; too short is refused.
    CHECK_FALSE(f.auth.resetSecrets("tnguyen", std::nullopt, std::string("short"), f.admin, f.t0).ok());
    REQUIRE(f.auth.resetSecrets("tnguyen", std::nullopt, std::string("a long enough password"), f.admin, f.t0)
                .ok());
    CHECK(f.auth.signInWithPassword("tnguyen", "a long enough password", f.t0).ok());

    REQUIRE(f.auth.changeRole("tnguyen", Role::Pharmacist, f.admin, f.t0).ok());
    CHECK(f.auth.findByUsername("tnguyen")->role == Role::Pharmacist);
    CHECK_FALSE(f.auth.changeRole("tnguyen", Role::Pharmacist, f.admin, f.t0).ok()); // already
    CHECK_FALSE(f.auth.changeRole("admin", Role::Technician, f.admin, f.t0).ok());   // own role
    REQUIRE(f.auth.changeRole("admin", Role::Quality, f.admin2, f.t0).ok());
    CHECK_FALSE(f.auth.changeRole("nobody", Role::Quality, f.admin2, f.t0).ok());
    const auto rows = f.audit.forSubject("tnguyen");
    CHECK(std::any_of(rows.begin(), rows.end(), [](const store::AuditEntry& e) {
        return e.action == "user.role.change" && e.actor == "admin" &&
               e.details.find("\"new\":\"pharmacist\"") != std::string::npos;
    }));
}

TEST_CASE("with the station's pepper, PIN hashes need it and badges are not stored in clear") {
    test::TempDir dir;
    const auto dbPath = (dir / "data" / "admix.sqlite3");
    std::filesystem::create_directories(dbPath.parent_path());
    {
        store::Database db = store::openStationDatabase(dbPath.string());
        store::attachSealer(db, dir / "keys");
        store::AuditLog audit(db);
        Authenticator auth(db, audit);
        const TimePoint t0 = parseIsoUtc("2026-11-21T08:00:00Z").value();
        const User admin =
            auth.addUser({"admin", "Ada", Role::Admin, std::nullopt, std::nullopt, "correct horse battery"},
                         std::nullopt, t0)
                .value();
        REQUIRE(auth.addUser({"tnguyen", "T. Nguyen", Role::Technician, "BADGE-1001", "4821", std::nullopt},
                             admin, t0)
                    .ok());
        const auto row = store::UserRepo(db).byUsername("tnguyen").value();
        CHECK(row.pinHash->rfind("$admix-peppered$", 0) == 0);
        CHECK(row.badge != std::optional<std::string>("BADGE-1001"));
        CHECK(row.badge->find("1001") == std::string::npos);
        CHECK(auth.signInWithBadge("BADGE-1001", "4821", t0).ok());
        CHECK_FALSE(auth.signInWithBadge("BADGE-1001", "4822", t0).ok());
        // The hash alone (as a copied file gives it) does not verify the PIN without the pepper.
        CHECK_FALSE(verifySecret(*row.pinHash, "4821", std::nullopt));
        CHECK_FALSE(verifySecret(*row.pinHash, "4821"));
    }
    // A database from before the pepper: its clear badge is replaced by the digest on opening, and
    // its plain PIN hash is re-keyed at the next good sign-in.
    {
        store::Database db = store::openStationDatabase(dbPath.string());
        db.exec("UPDATE users SET badge = 'OLD-7', pin_hash = '" + hashSecret("4821") +
                "' WHERE username = 'tnguyen'");
        store::attachSealer(db, dir / "keys");
        store::AuditLog audit(db);
        Authenticator auth(db, audit);
        CHECK(db.queryInt("SELECT count(*) FROM users WHERE badge = 'OLD-7'").value_or(-1) == 0);
        REQUIRE(auth.signInWithBadge("OLD-7", "4821").ok());
        CHECK(store::UserRepo(db).byUsername("tnguyen")->pinHash->rfind("$admix-peppered$", 0) == 0);
        CHECK(auth.signInWithBadge("OLD-7", "4821").ok());
    }
}
