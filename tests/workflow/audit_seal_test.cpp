// The signed audit trail against a holder of the database file: a rejection rewritten into a release
// with the triggers dropped and the whole chain recomputed, and the newest rows cut off, are both
// found and named by verifyAuditTrail; an untouched trail verifies.
#include "station/store/audit_seal.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/settings_repo.hpp"
#include "tests/workflow/engine_fixture.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

using namespace admix;
using namespace admix::workflow;
using namespace admix::test;
using namespace std::chrono_literals;

namespace {

// A preparation of the fixture's cefazolin spec driven to awaiting_check with correct inputs.
// With `overrideFirst`, the pharmacist R. Patel overrides the first step instead.
int64_t preparedAwaitingCheck(EngineFixture& f, const PrepSpec& spec, bool overrideFirst = false) {
    const int64_t prep =
        f.engine.start(f.order(), spec, f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0).value();
    TimePoint t = f.t0;
    for (size_t i = 0; i < spec.steps.size(); ++i) {
        const StepSpec& s = spec.steps[i];
        const int step = static_cast<int>(i);
        const std::string key = "seal-" + std::to_string(i);
        t += 20s;
        Outcome o;
        if (i == 0 && overrideFirst) {
            const auto sig =
                f.sign("prep.override", f.engine.view(prep)->number, "scanner down, lot read by eye", t);
            o = f.engine.overrideStep(prep, step, sig, t).value();
            REQUIRE(o.verdict == Verdict::Passed);
            continue;
        }
        switch (s.kind) {
        case StepKind::Scan:
            o = f.engine
                    .submitScan(prep, step, key, gs1Scan(s.scan.acceptedGtins.front(), "280630", "LOT1"),
                                f.tech, t)
                    .value();
            break;
        case StepKind::Weigh:
            REQUIRE(f.engine.submitReading(prep, step, key + "-tare", grams(11.203), f.tech, t).ok());
            o = f.engine
                    .submitReading(prep, step, key, grams(11.203 + s.weigh.targetMl * s.weigh.densityGPerMl),
                                   f.tech, t + 5s)
                    .value();
            break;
        case StepKind::Photo:
            o = f.engine.submitPhoto(prep, step, key, PhotoInput{f.storePhoto(step), true, "", ""}, f.tech, t)
                    .value();
            break;
        case StepKind::Confirm:
            o = f.engine.confirm(prep, step, key, f.tech, t).value();
            break;
        case StepKind::Label:
            o = f.engine.labelPrinted(prep, step, key, true, "Zebra ZD621 hood-1", f.tech, t).value();
            break;
        }
        REQUIRE(o.verdict == Verdict::Passed);
    }
    return prep;
}

// What a tamperer with the file does after editing rows: every hash from the first row recomputed.
void recomputeChain(store::Database& db) {
    std::vector<store::AuditEntry> rows;
    store::Statement s =
        db.prepare("SELECT id, at_utc, actor, action, subject, details FROM audit_log ORDER BY id");
    while (s.step())
        rows.push_back({s.columnInt(0), s.columnText(1), s.columnText(2), s.columnText(3), s.columnText(4),
                        s.columnText(5), "", ""});
    std::string prev = store::AuditLog::kGenesisHash;
    db.exec("UPDATE audit_log SET hash = 'tmp-' || id");
    for (auto& e : rows) {
        e.prevHash = prev;
        e.hash = store::auditEntryHash(e);
        store::Statement u = db.prepare("UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE id = ?1");
        u.bind(1, e.id).bind(2, e.prevHash).bind(3, e.hash);
        u.run();
        prev = e.hash;
    }
}

bool anyFinding(const store::AuditReport& r, const std::string& what, const std::string& text) {
    for (const auto& f : r.findings)
        if (f.what == what && f.message.find(text) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("a rejection rewritten into a release, chain recomputed, is detected and named") {
    EngineFixture f;
    const auto keyDir = f.dir / "keys";
    auto sealer = store::attachSealer(f.db, keyDir, store::SealPolicy{5, std::chrono::minutes(10)});
    const PrepSpec spec = cefazolinSpec();
    const int64_t prep = preparedAwaitingCheck(f, spec);
    const std::string number = f.engine.view(prep)->number;
    REQUIRE(f.engine
                .reject(prep, f.sign("prep.reject", number, "particulates in bag", f.t0 + 6min), "VISUAL",
                        false, f.t0 + 6min)
                .ok());
    REQUIRE(sealer->sealNow(f.db));

    // The key and the head are outside the database, owner-only.
    struct stat st {};
    REQUIRE(::stat(keyDir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    REQUIRE(::stat((keyDir / "audit-signing.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(std::filesystem::exists(keyDir / "audit-head.json"));

    const auto clean = store::verifyAuditTrail(f.db, keyDir);
    INFO((clean.findings.empty() ? std::string() : clean.findings.front().message));
    REQUIRE(clean.ok());
    CHECK(clean.signedUpTo == clean.rows);
    CHECK(clean.preparationsChecked == 1);
    // Key creation is in the trail.
    CHECK(f.db.queryInt("SELECT count(*) FROM audit_log WHERE action = 'audit.key.create'").value_or(0) == 1);

    f.db.setObserver(nullptr); // from here on the file is in the tamperer's hands
    const int64_t rejectRow =
        f.db.queryInt("SELECT id FROM audit_log WHERE action = 'prep.reject' AND subject = '" + number + "'")
            .value();
    f.db.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
    f.db.exec("UPDATE audit_log SET action = 'prep.release' WHERE id = " + std::to_string(rejectRow));
    f.db.exec("UPDATE preparations SET status = 'released', check_outcome = 'approved' WHERE id = " +
              std::to_string(prep));
    recomputeChain(f.db);
    REQUIRE_FALSE(f.audit.verify().has_value()); // the bare chain is fooled

    const auto forged = store::verifyAuditTrail(f.db, keyDir);
    REQUIRE_FALSE(forged.ok());
    CHECK(anyFinding(forged, "checkpoint", "were rewritten"));
    CHECK(anyFinding(forged, "head", "the trail was rewritten"));
    // The preparation is named, with the decision row and what its e-signature really signed.
    CHECK(anyFinding(forged, "preparation",
                     number + ": row " + std::to_string(rejectRow) + " records prep.release"));
    CHECK(anyFinding(forged, "preparation", "signature of prep.reject"));

    // And the station refuses to sign the forged trail.
    auto again = store::attachSealer(f.db, keyDir);
    f.audit.append("station", "station.start", "Hood 1", "{}");
    CHECK_FALSE(again->sealNow(f.db));
    CHECK(again->sealError().find("not the row that was signed") != std::string::npos);
    f.db.setObserver(nullptr);
}

TEST_CASE("the newest rows cut off are detected from the head kept outside the database") {
    EngineFixture f;
    const auto keyDir = f.dir / "keys";
    auto sealer = store::attachSealer(f.db, keyDir);
    for (int i = 0; i < 3; ++i)
        f.audit.append("admin", "note", "n" + std::to_string(i), "{}");
    REQUIRE(sealer->sealNow(f.db));
    f.db.setObserver(nullptr);
    const int64_t newest = f.db.queryInt("SELECT max(id) FROM audit_log").value();
    f.db.exec("DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_checkpoints_no_delete;");
    f.db.exec("DELETE FROM audit_log WHERE id > " + std::to_string(newest - 2));
    f.db.exec("DELETE FROM audit_checkpoints");
    const auto report = store::verifyAuditTrail(f.db, keyDir);
    REQUIRE_FALSE(report.ok());
    CHECK(report.firstBadId() == newest - 1);
    CHECK(
        anyFinding(report, "head",
                   "rows " + std::to_string(newest - 1) + " to " + std::to_string(newest) + " were removed"));
}

TEST_CASE("a key the trail names but the key directory does not trust is named; rotation keeps old "
          "checkpoints valid") {
    EngineFixture f;
    const auto keyDir = f.dir / "keys";
    auto sealer = store::attachSealer(f.db, keyDir);
    f.audit.append("admin", "note", "before", "{}");
    REQUIRE(sealer->sealNow(f.db));
    sealer->rotateKey(f.db, "admin");
    f.audit.append("admin", "note", "after", "{}");
    REQUIRE(sealer->sealNow(f.db));
    CHECK(sealer->keys().trustedKeys().size() == 2);
    const auto rotated = store::verifyAuditTrail(f.db, keyDir);
    INFO((rotated.findings.empty() ? std::string() : rotated.findings.front().message));
    CHECK(rotated.ok());
    CHECK(f.db.queryInt("SELECT count(DISTINCT key_id) FROM audit_checkpoints").value_or(0) == 2);

    // Verified against another station's key directory: nothing it signed is trusted.
    TempDir other;
    store::AuditKeyDir otherKeys(other / "keys");
    otherKeys.createSigningKey("2026-11-21T08:00:00Z");
    f.db.setObserver(nullptr);
    const auto foreign = store::verifyAuditTrail(f.db, other / "keys");
    CHECK_FALSE(foreign.ok());
    CHECK(anyFinding(foreign, "checkpoint", "not a trusted key"));
    CHECK(anyFinding(foreign, "key", "not among the trusted keys"));
}

TEST_CASE(
    "segregation of duties: the pharmacist who overrode a step does not release it unless policy allows") {
    EngineFixture f;
    const PrepSpec spec = cefazolinSpec();
    const int64_t prep = preparedAwaitingCheck(f, spec, true);
    const std::string number = f.engine.view(prep)->number;
    REQUIRE(f.engine.view(prep)->status == PrepStatus::AwaitingCheck);
    const auto own =
        f.engine.approve(prep, f.sign("prep.approve", number, "approve", f.t0 + 10min), f.t0 + 10min);
    REQUIRE_FALSE(own.ok());
    CHECK(own.error().message.find("independent pharmacist") != std::string::npos);
    CHECK(f.engine.view(prep)->status == PrepStatus::AwaitingCheck);

    SUBCASE("an independent pharmacist releases it") {
        REQUIRE(f.auth
                    .addUser({"mokafor", "M. Okafor", Role::Pharmacist, "B-2002", "8162", std::nullopt},
                             f.admin, f.t0)
                    .ok());
        const auto sig =
            f.auth.sign("B-2002", "8162", Role::Pharmacist, "prep.approve", number, "approve", f.t0 + 11min)
                .value();
        REQUIRE(f.engine.approve(prep, sig, f.t0 + 11min).ok());
        CHECK(f.engine.view(prep)->status == PrepStatus::Released);
    }
    SUBCASE("the site's policy allows the override signer to release") {
        // Site policy (audited, quality role), no longer a station setting.
        REQUIRE(f.auth
                    .addUser({"qalvarez", "Q. Alvarez", Role::Quality, std::nullopt, std::nullopt,
                              "quality password 1"},
                             f.admin, f.t0)
                    .ok());
        REQUIRE(store::ComplianceStore(f.db, f.audit)
                    .setPolicy("check.override_signer_may_release", "true", "qalvarez", "SOP-7", f.t0)
                    .ok());
        REQUIRE(f.engine.approve(prep, f.sign("prep.approve", number, "approve", f.t0 + 12min), f.t0 + 12min)
                    .ok());
        CHECK(f.engine.view(prep)->status == PrepStatus::Released);
    }
}
