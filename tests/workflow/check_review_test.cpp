// The station's username + password signature (Authenticator::signWithPassword) and the check
// review's small formatters.
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/check_review.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::workflow;

namespace {

struct Fixture {
    store::Database db = store::openStationDatabase(":memory:");
    store::AuditLog audit{db};
    Authenticator auth{db, audit};
    TimePoint t0 = parseIsoUtc("2026-11-21T08:00:00Z").value();
    User admin;

    Fixture() {
        admin = auth.addUser({"admin", "Ada Admin", Role::Admin, std::nullopt, std::nullopt,
                              "correct horse battery"},
                             std::nullopt, t0)
                    .value();
        (void)auth
            .addUser({"tnguyen", "T. Nguyen", Role::Technician, "BADGE-1001", "4821", "technician-pass"},
                     admin, t0)
            .value();
        (void)auth
            .addUser(
                {"rpatel", "R. Patel, PharmD", Role::Pharmacist, "BADGE-2001", "7350", "pharmacist-pass"},
                admin, t0)
            .value();
    }
};

} // namespace

TEST_CASE("signing with user name and password: the pharmacist's password signs, recorded as a password "
          "signature") {
    Fixture f;
    const auto sig = f.auth.signWithPassword("rpatel", "pharmacist-pass", Role::Pharmacist, "prep.approve",
                                             "P-1", "approve", f.t0);
    REQUIRE(sig.ok());
    CHECK(sig->signer.username == "rpatel");
    const auto rows = f.audit.forSubject("P-1");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].action == "esign");
    CHECK(rows[0].details.find("\"method\":\"password\"") != std::string::npos);
}

TEST_CASE("signing with user name and password refuses what is not that user's password") {
    Fixture f;
    SUBCASE("a wrong password, with the same words as an unknown user") {
        const auto wrong = f.auth.signWithPassword("rpatel", "nope", Role::Pharmacist, "prep.approve", "P-1",
                                                   "approve", f.t0);
        const auto unknown = f.auth.signWithPassword("nobody", "nope", Role::Pharmacist, "prep.approve",
                                                     "P-1", "approve", f.t0);
        REQUIRE_FALSE(wrong.ok());
        REQUIRE_FALSE(unknown.ok());
        CHECK(wrong.error().message == "user name or password not recognised");
        CHECK(wrong.error().message == unknown.error().message);
    }
    SUBCASE("the PIN is not a password") {
        CHECK_FALSE(
            f.auth
                .signWithPassword("rpatel", "7350", Role::Pharmacist, "prep.approve", "P-1", "approve", f.t0)
                .ok());
    }
    SUBCASE("a badge typed as the user name is not taken for a badge") {
        CHECK_FALSE(f.auth
                        .signWithPassword("BADGE-2001", "7350", Role::Pharmacist, "prep.approve", "P-1",
                                          "approve", f.t0)
                        .ok());
    }
    SUBCASE("a technician's right password does not sign for a pharmacist") {
        const auto sig = f.auth.signWithPassword("tnguyen", "technician-pass", Role::Pharmacist,
                                                 "prep.override", "P-1", "balance", f.t0);
        REQUIRE_FALSE(sig.ok());
        CHECK(sig.error().message.find("pharmacist") != std::string::npos);
    }
    SUBCASE("no user name or no meaning") {
        CHECK_FALSE(f.auth
                        .signWithPassword(" ", "pharmacist-pass", Role::Pharmacist, "prep.approve", "P-1",
                                          "approve", f.t0)
                        .ok());
        CHECK_FALSE(f.auth
                        .signWithPassword("rpatel", "pharmacist-pass", Role::Pharmacist, "prep.approve",
                                          "P-1", "", f.t0)
                        .ok());
    }
    for (const auto& row : f.audit.forSubject("P-1"))
        CHECK(row.action != "esign");
}

TEST_CASE("wrong passwords on the signature pad count toward the same lockout") {
    Fixture f;
    const int limit = f.auth.policy().maxFailures;
    for (int i = 0; i < limit; ++i)
        CHECK_FALSE(
            f.auth
                .signWithPassword("rpatel", "wrong", Role::Pharmacist, "prep.approve", "P-1", "approve", f.t0)
                .ok());
    const auto locked = f.auth.signWithPassword("rpatel", "pharmacist-pass", Role::Pharmacist, "prep.approve",
                                                "P-1", "approve", f.t0);
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.error().message.find("locked") != std::string::npos);
    // The badge and PIN are the same account: locked too.
    CHECK_FALSE(
        f.auth.sign("BADGE-2001", "7350", Role::Pharmacist, "prep.approve", "P-1", "approve", f.t0).ok());
}

TEST_CASE("the check's ordered dose and waiting time as people read them") {
    CHECK(orderedDoseText(R"({"value":20,"unit":"mg"})") == "20 mg");
    CHECK(orderedDoseText(R"({"value":1000,"unit":"mg"})") == "1,000 mg");
    CHECK(orderedDoseText(R"({"value":0.5,"unit":"g"})") == "0.5 g");
    CHECK(orderedDoseText(R"({"value":"1","unit":"g"})").empty());
    CHECK(orderedDoseText("not json").empty());
    CHECK(orderedDoseText("{}").empty());
    CHECK(waitingText(0) == "0 min");
    CHECK(waitingText(59) == "59 min");
    CHECK(waitingText(60) == "1 h 00 min");
    CHECK(waitingText(125) == "2 h 05 min");
    CHECK(waitingText(-3) == "0 min");
}

TEST_CASE("a signature and the act it signs are one unit: a refused act leaves no e-signature row (issue 19: "
          "double click)") {
    Fixture f;
    int calls = 0;
    SUBCASE("the act refuses: nothing of the signature is stored, the act's refusal is returned") {
        const auto sig = f.auth.signWithPasswordAnd(
            "rpatel", "pharmacist-pass", Role::Pharmacist, "prep.approve", "P-2", "approve",
            [&](const Signature& s) -> Status {
                ++calls;
                CHECK(s.auditId > 0); // the act sees the row it will be stored with
                return Status::fail("preparation P-2 is released, not awaiting check");
            },
            f.t0);
        REQUIRE_FALSE(sig.ok());
        CHECK(sig.error().message == "preparation P-2 is released, not awaiting check");
        CHECK(calls == 1);
        CHECK(f.audit.forSubject("P-2").empty());
        CHECK_FALSE(f.audit.verify());
    }
    SUBCASE("the act's own rows are stored with the signature") {
        const auto sig = f.auth.signWithPasswordAnd(
            "rpatel", "pharmacist-pass", Role::Pharmacist, "prep.approve", "P-2", "approve",
            [&](const Signature& s) -> Status {
                ++calls;
                f.audit.append("rpatel", "prep.release", "P-2",
                               "{\"esign\":" + std::to_string(s.auditId) + "}", f.t0);
                return Status::success();
            },
            f.t0);
        REQUIRE(sig.ok());
        const auto rows = f.audit.forSubject("P-2");
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].action == "esign");
        CHECK(rows[1].action == "prep.release");
        CHECK(sig->auditId == rows[0].id);
    }
    SUBCASE("a wrong password never reaches the act, and its failure is recorded") {
        const auto sig = f.auth.signWithPasswordAnd(
            "rpatel", "wrong", Role::Pharmacist, "prep.approve", "P-2", "approve",
            [&](const Signature&) -> Status {
                ++calls;
                return Status::success();
            },
            f.t0);
        REQUIRE_FALSE(sig.ok());
        CHECK(calls == 0);
        bool failRecorded = false;
        for (const auto& e : f.audit.forSubject("rpatel"))
            failRecorded |= e.action == "esign.fail";
        CHECK(failRecorded);
    }
}
