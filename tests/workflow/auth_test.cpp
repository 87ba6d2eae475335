#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::workflow;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    store::Database db = store::openStationDatabase(":memory:");
    store::AuditLog audit{db};
    Authenticator auth{db, audit};
    TimePoint t0 = parseIsoUtc("2026-11-21T08:00:00Z").value();
    User admin;
    User tech;
    User rph;

    Fixture() {
        admin = auth.addUser({"admin", "Ada Admin", Role::Admin, std::nullopt, std::nullopt,
                              "correct horse battery"},
                             std::nullopt, t0)
                    .value();
        tech = auth.addUser({"tnguyen", "T. Nguyen", Role::Technician, "BADGE-1001", "4821", std::nullopt},
                            admin, t0)
                   .value();
        rph = auth.addUser({"rpatel", "R. Patel, PharmD", Role::Pharmacist, "BADGE-2001", "7350",
                            "pharmacist-pass"},
                           admin, t0)
                  .value();
    }
};

} // namespace

TEST_CASE("Argon2id hashes verify only the right secret and never contain it") {
    const std::string hash = hashSecret("4821");
    CHECK(hash.rfind("$argon2id$", 0) == 0);
    CHECK(hash.find("4821") == std::string::npos);
    CHECK(verifySecret(hash, "4821"));
    CHECK_FALSE(verifySecret(hash, "4822"));
    CHECK_FALSE(verifySecret(hash, ""));
    CHECK(hashSecret("4821") != hash); // salted
}

TEST_CASE("sign in by badge and PIN, or by user name and password") {
    Fixture f;
    const auto byBadge = f.auth.signInWithBadge("BADGE-1001", "4821", f.t0);
    REQUIRE(byBadge.ok());
    CHECK(byBadge->username == "tnguyen");
    CHECK(byBadge->role == Role::Technician);
    const auto byPassword =
        f.auth.signInWithPassword("RPATEL", "pharmacist-pass", f.t0); // user names ignore case
    REQUIRE(byPassword.ok());
    CHECK(byPassword->role == Role::Pharmacist);
    CHECK_FALSE(f.auth.signInWithBadge("BADGE-1001", "0000", f.t0).ok());
    CHECK_FALSE(f.auth.signInWithBadge("BADGE-9999", "4821", f.t0).ok());
    CHECK_FALSE(f.auth.signInWithPassword("tnguyen", "4821", f.t0).ok()); // no password set
}

TEST_CASE("an unknown badge and a wrong PIN give the same answer") {
    Fixture f;
    const auto unknown = f.auth.signInWithBadge("BADGE-9999", "4821", f.t0);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("badge or PIN not recognised") == 0);
}

TEST_CASE("the account locks at the policy's failure count, not before, and unlocks after the lockout") {
    Fixture f;
    const AuthPolicy p = f.auth.policy();
    REQUIRE(p.maxFailures == 5);
    for (int i = 1; i < p.maxFailures; ++i) {
        const auto r = f.auth.signInWithBadge("BADGE-1001", "1111", f.t0);
        REQUIRE_FALSE(r.ok());
        // No count of attempts left: it would tell a guesser the account exists.
        CHECK(r.error().message == "badge or PIN not recognised");
        CHECK(r.error().message == f.auth.signInWithBadge("NO-SUCH-BADGE", "1111", f.t0).error().message);
    }
    // Just below the limit the right PIN still works and resets the count.
    CHECK(f.auth.signInWithBadge("BADGE-1001", "4821", f.t0).ok());
    for (int i = 0; i < p.maxFailures; ++i)
        (void)f.auth.signInWithBadge("BADGE-1001", "1111", f.t0);
    const auto locked = f.auth.signInWithBadge("BADGE-1001", "4821", f.t0 + 1min);
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.error().message.find("locked") != std::string::npos);
    CHECK_FALSE(f.auth.signInWithBadge("BADGE-1001", "4821", f.t0 + p.lockout - 1s).ok());
    CHECK(f.auth.signInWithBadge("BADGE-1001", "4821", f.t0 + p.lockout).ok());
}

TEST_CASE("a disabled account cannot sign in; only an admin disables") {
    Fixture f;
    CHECK_FALSE(f.auth.disableUser("tnguyen", f.rph, f.t0).ok());
    REQUIRE(f.auth.disableUser("tnguyen", f.admin, f.t0).ok());
    const auto r = f.auth.signInWithBadge("BADGE-1001", "4821", f.t0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("disabled") != std::string::npos);
    CHECK_FALSE(f.auth.disableUser("admin", f.admin, f.t0).ok());
}

TEST_CASE("adding users: the first is an admin, then only admins add, inputs are checked") {
    store::Database db = store::openStationDatabase(":memory:");
    store::AuditLog audit(db);
    Authenticator auth(db, audit);
    const auto t0 = parseIsoUtc("2026-11-21T08:00:00Z").value();
    CHECK_FALSE(
        auth.addUser({"t1", "Tech", Role::Technician, "B1", "1234", std::nullopt}, std::nullopt, t0).ok());
    const auto admin = auth.addUser(
        {"admin", "Admin", Role::Admin, std::nullopt, std::nullopt, "long enough pw"}, std::nullopt, t0);
    REQUIRE(admin.ok());
    CHECK_FALSE(
        auth.addUser({"t1", "Tech", Role::Technician, "B1", "1234", std::nullopt}, std::nullopt, t0).ok());

    SUBCASE("PIN too short, just at the minimum, not digits") {
        auto r = auth.addUser({"t1", "Tech", Role::Technician, "B1", "123", std::nullopt}, *admin, t0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "PIN");
        CHECK(auth.addUser({"t1", "Tech", Role::Technician, "B1", "1243", std::nullopt}, *admin, t0).ok());
        CHECK_FALSE(
            auth.addUser({"t2", "Tech", Role::Technician, "B2", "12a4", std::nullopt}, *admin, t0).ok());
    }
    SUBCASE("duplicate user name or badge") {
        REQUIRE(auth.addUser({"t1", "Tech", Role::Technician, "B1", "1243", std::nullopt}, *admin, t0).ok());
        auto r = auth.addUser({"T1", "Other", Role::Technician, "B9", "1243", std::nullopt}, *admin, t0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "username");
        r = auth.addUser({"t9", "Other", Role::Technician, "B1", "1243", std::nullopt}, *admin, t0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "badge");
    }
    SUBCASE("password shorter than policy") {
        const auto r =
            auth.addUser({"q1", "QA", Role::Quality, std::nullopt, std::nullopt, "short"}, *admin, t0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "password");
    }
}

TEST_CASE("an e-signature re-authenticates, checks the role and is bound to its action in the audit trail") {
    Fixture f;
    SUBCASE("a pharmacist signs") {
        const auto sig =
            f.auth.sign("BADGE-2001", "7350", Role::Pharmacist, "prep.approve", "PREP-42", "approve", f.t0);
        REQUIRE(sig.ok());
        CHECK(sig->signer.username == "rpatel");
        const auto rows = f.audit.forSubject("PREP-42");
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].id == sig->auditId);
        CHECK(rows[0].action == "esign");
        CHECK(rows[0].details.find("\"action\":\"prep.approve\"") != std::string::npos);
        CHECK(rows[0].details.find("\"meaning\":\"approve\"") != std::string::npos);
    }
    SUBCASE("a technician cannot sign for a pharmacist") {
        const auto sig = f.auth.sign("BADGE-1001", "4821", Role::Pharmacist, "prep.override", "PREP-42",
                                     "balance down", f.t0);
        REQUIRE_FALSE(sig.ok());
        CHECK(sig.error().message.find("pharmacist") != std::string::npos);
        CHECK(f.audit.forSubject("PREP-42").back().action == "esign.refused");
    }
    SUBCASE("a wrong PIN signs nothing") {
        CHECK_FALSE(
            f.auth.sign("BADGE-2001", "0000", Role::Pharmacist, "prep.approve", "PREP-42", "approve", f.t0)
                .ok());
        for (const auto& row : f.audit.forSubject("PREP-42"))
            CHECK(row.action != "esign");
    }
    SUBCASE("a signature needs a meaning") {
        CHECK_FALSE(
            f.auth.sign("BADGE-2001", "7350", Role::Pharmacist, "prep.approve", "PREP-42", "  ", f.t0).ok());
    }
    CHECK_FALSE(f.audit.verify().has_value());
}

TEST_CASE("idle lock after the policy's idle time, not before") {
    Session session;
    const auto t0 = parseIsoUtc("2026-11-21T08:00:00Z").value();
    CHECK_FALSE(session.idleLocked(t0, 5min)); // nobody signed in
    session.start(User{1, "tnguyen", "T. Nguyen", Role::Technician, true}, t0);
    CHECK_FALSE(session.idleLocked(t0 + 5min - 1s, 5min));
    CHECK(session.idleLocked(t0 + 5min, 5min));
    session.touch(t0 + 4min);
    CHECK_FALSE(session.idleLocked(t0 + 8min, 5min));
}

TEST_CASE("sign-in policy changes are limited to quality/admin, range-checked and audited") {
    Fixture f;
    AuthPolicy p = f.auth.policy();
    p.maxFailures = 3;
    CHECK_FALSE(f.auth.setAuthPolicy(f.tech, p, f.t0).ok());
    REQUIRE(f.auth.setAuthPolicy(f.admin, p, f.t0).ok());
    CHECK(f.auth.policy().maxFailures == 3);
    const auto row = f.audit.latest(1).front();
    CHECK(row.action == "policy.auth.change");
    CHECK(row.details.find("\"old\":{") != std::string::npos);
    p.pinMinDigits = 3;
    CHECK_FALSE(f.auth.setAuthPolicy(f.admin, p, f.t0).ok());
}
