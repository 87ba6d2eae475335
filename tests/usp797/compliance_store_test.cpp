// Integration over the store: an excursion left open blocks preparations in its room until QA closes
// it, and the block and the closing are in the audit trail; imports are all-or-nothing; policy edits
// are QA-only and audited; overrides follow policy. Source: issue 4 "Done when" and "Compliance gate".
#include "station/store/compliance_store.hpp"
#include "station/store/schema.hpp"
#include "station/store/user_repo.hpp"
#include "tests/test_support.hpp"
#include "usp797/demo_site.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

using namespace admix;
using namespace admix::store;
using namespace admix::usp797;
using std::chrono::hours;
using std::chrono::minutes;

namespace {

TimePoint t(const char* text) {
    return parseIsoUtc(text).value();
}

void addUser(Database& db, const std::string& name, const std::string& role) {
    UserRow row;
    row.username = name;
    row.displayName = name;
    row.role = role;
    row.pinHash = "not-a-real-hash"; // the users table needs a credential; sign-in is not under test here
    row.createdUtc = "2026-01-01T00:00:00Z";
    UserRepo(db).insert(row);
}

// A site with BUF-1 (ISO 7, LAFW-1 for Cat 1/2) and a technician fully qualified, garbed, with today's
// cleaning and readings in range, so that only what a test changes can block.
struct Fixture {
    Database db = openStationDatabase(":memory:");
    AuditLog audit{db};
    ComplianceStore store{db, audit};
    const TimePoint day = t("2026-06-10T06:00:00Z");

    Fixture() {
        addUser(db, "tech01", "technician");
        addUser(db, "qa01", "quality");
        addUser(db, "pharm01", "pharmacist");
        const Date certified = parseDate("2026-03-01").value();
        REQUIRE(store
                    .addRoom({"BUF-1", "Buffer", IsoClass::Iso7, PressureRegime::Positive, false, certified},
                             "qa01", day)
                    .ok());
        REQUIRE(
            store
                .addPec(
                    {"LAFW-1", "BUF-1", PecType::Lafw, {Category::Cat1, Category::Cat2}, false, certified},
                    "qa01", day)
                .ok());
        for (auto [kind, date, cfu, passed] :
             {std::tuple{QualKind::Training, "2026-01-05", -1, true},
              std::tuple{QualKind::InitialFingertip, "2026-01-06", 0, true},
              std::tuple{QualKind::InitialFingertip, "2026-01-07", 0, true},
              std::tuple{QualKind::InitialFingertip, "2026-01-08", 0, true},
              std::tuple{QualKind::MediaFill, "2026-04-01", -1, true},
              std::tuple{QualKind::PostMediaFillFingertip, "2026-04-01", 1, true},
              std::tuple{QualKind::GarbingCompetency, "2026-04-01", -1, true}}) {
            QualEvent e{kind, parseDate(date).value(), QualLevel::Cat12,
                        cfu < 0 ? std::nullopt : std::optional<int>(cfu), passed};
            REQUIRE(store.recordQualification("tech01", e, "qa01", "", day).ok());
        }
        for (const char* area : {"BUF-1", "LAFW-1"}) {
            CleaningRecord c{day,
                             area,
                             CleaningTask::Daily,
                             {CleaningAction::Cleaning, CleaningAction::Disinfection},
                             "Agent",
                             "L1",
                             "tech01"};
            REQUIRE(store.logCleaning(c, day).ok());
        }
        for (auto [kind, value] : {std::pair{EmKind::Pressure, 0.04}, std::pair{EmKind::Temperature, 19.0},
                                   std::pair{EmKind::Humidity, 40.0}})
            REQUIRE(store
                        .recordSample({day, kind, "BUF-1", "BUF-1", value, {}, "tech01", "DEV", ""}, "tech01",
                                      day)
                        .ok());
        const auto session = store.startGarbing("tech01", "BUF-1", day + minutes{10});
        REQUIRE(session.ok());
        for (const auto& step : garbingProcedure(false, store.policy()))
            REQUIRE(store.garbingStep(*session, step.id, step.minSeconds, day + minutes{15}).ok());
    }

    GateOutcome gate(TimePoint at) {
        return store.checkGate({"tech01", Category::Cat2, "LAFW-1", at, false, ""});
    }

    bool audited(const std::string& action, const std::string& subjectPrefix) {
        for (const auto& e : audit.latest(100000)) {
            if (e.action == action && e.subject.starts_with(subjectPrefix))
                return true;
        }
        return false;
    }
};

} // namespace

TEST_CASE("site definitions and imports need the right role") {
    Fixture f;
    const auto byTech =
        f.store.addRoom({"X-1", "X", IsoClass::Iso7, PressureRegime::Positive, false, {}}, "tech01", f.day);
    REQUIRE_FALSE(byTech.ok());
    CHECK(byTech.error().message == "tech01 is technician; only admin or quality may register rooms");
    CHECK_FALSE(
        f.store.addRoom({"X-1", "X", IsoClass::Iso7, PressureRegime::Positive, false, {}}, "nobody", f.day)
            .ok());
    CHECK_FALSE(f.store.room("X-1").has_value());
    const auto r = f.store.importCsv(emCsvHeader(), "empty.csv", "tech01", f.day);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 0);
}

TEST_CASE("the fixture site is compliant: the gate allows and audits it") {
    Fixture f;
    const auto out = f.gate(f.day + hours{1});
    INFO((out.decision.reasons.empty() ? std::string() : out.decision.reasons.front().message));
    CHECK(out.decision.allowed);
    CHECK(f.audited("gate.allowed", "pec:LAFW-1"));
}

TEST_CASE(
    "'today' is the station's local day: an evening in New York is still the day of the morning's records") {
    const test::ScopedTimeZone eastern(test::kUsEastern);
    Fixture f; // cleaning and readings at 06:00 UTC on 10 June = 02:00 EDT on 10 June
    const auto codes = [&](TimePoint at) {
        std::vector<std::string> out;
        for (const auto& r : f.gate(at).decision.reasons)
            out.push_back(r.code);
        return out;
    };
    const auto has = [](const std::vector<std::string>& v, const char* code) {
        return std::find(v.begin(), v.end(), code) != v.end();
    };
    // 22:00 EDT on 10 June (02:00 UTC on the 11th): the same local day, nothing is missing for today.
    const auto evening = codes(t("2026-06-11T02:00:00Z"));
    CHECK_FALSE(has(evening, "daily_cleaning_missing"));
    CHECK_FALSE(has(evening, "temperature_not_logged"));
    CHECK_FALSE(has(evening, "pressure_not_logged"));
    // 01:00 EDT on 11 June: a new day, its cleaning and readings are not logged yet.
    const auto nextDay = codes(t("2026-06-11T05:00:00Z"));
    CHECK(has(nextDay, "daily_cleaning_missing"));
    CHECK(has(nextDay, "temperature_not_logged"));
    CHECK(has(nextDay, "pressure_not_logged"));
}

TEST_CASE("an open excursion blocks the room until QA closes it / block and closing are audited") {
    Fixture f;
    const TimePoint sampled = f.day + hours{2};
    // ISO 7 surface action level 5 CFU/plate (DOMAIN.md): 6 is an excursion
    const auto rec = f.store.recordSample(
        {sampled, EmKind::Surface, "BUF-1", "BUF-1/pass-through", 6, {}, "qa01", "TSA-1", ""}, "qa01",
        sampled);
    REQUIRE(rec.ok());
    REQUIRE(rec->correctiveActionId);
    const int64_t ca = *rec->correctiveActionId;
    CHECK(f.audited("excursion.open", "excursion:" + std::to_string(ca)));

    auto blocked = f.gate(sampled + minutes{5});
    CHECK_FALSE(blocked.decision.allowed);
    REQUIRE(blocked.decision.reasons.size() == 1);
    CHECK(blocked.decision.reasons[0].code == "open_excursion");
    CHECK_FALSE(blocked.decision.overridable());
    CHECK(f.audited("gate.blocked", "pec:LAFW-1"));
    const auto blockRows = f.audit.forSubject("pec:LAFW-1");
    REQUIRE_FALSE(blockRows.empty());
    CHECK(blockRows.back().action == "gate.blocked");
    CHECK(blockRows.back().details.find("\"code\":\"open_excursion\"") != std::string::npos);
    CHECK(blockRows.back().details.find("\"room\":\"BUF-1\"") != std::string::npos);
    // Not overridable by policy: a pharmacist cannot override it
    CHECK_FALSE(
        f.store.overrideGate(blocked.decisionId, "pharm01", "urgent dose", sampled + minutes{6}).ok());

    // QA may not close an incomplete record; a technician may not close at all
    AttestedSignatureAuthority signer;
    auto sig = signer
                   .sign("qa01", "close excursion " + std::to_string(ca), "investigated and re-sampled",
                         sampled + minutes{7})
                   .value();
    auto early = f.store.closeCorrectiveAction(ca, sig);
    REQUIRE_FALSE(early.ok());
    CHECK(early.error().message ==
          "cannot close yet; missing: investigation, genus identification, remediation, re-sample");

    const auto resample = f.store.recordSample({sampled + hours{20},
                                                EmKind::Surface,
                                                "BUF-1",
                                                "BUF-1/pass-through",
                                                1,
                                                {},
                                                "qa01",
                                                "TSA-2",
                                                "re-sample"},
                                               "qa01", sampled + hours{20});
    REQUIRE(resample.ok());
    CorrectiveActionUpdate u;
    u.investigation = "pass-through wiped with expired wipes";
    u.genus = "Bacillus";
    u.remediation = "sporicidal clean, retrained";
    u.resampleId = resample->sampleId;
    REQUIRE(f.store.updateCorrectiveAction(ca, u, "qa01", sampled + hours{21}).ok());

    auto techSig = signer.sign("tech01", "close", "done", sampled + hours{22}).value();
    const auto byTech = f.store.closeCorrectiveAction(ca, techSig);
    REQUIRE_FALSE(byTech.ok());
    CHECK(byTech.error().message.find("only quality") != std::string::npos);
    CHECK_FALSE(f.gate(sampled + hours{22}).decision.allowed); // still blocked (same day, still open)

    sig.at = sampled + hours{22};
    REQUIRE(f.store.closeCorrectiveAction(ca, sig).ok());
    CHECK(f.audited("excursion.close", "excursion:" + std::to_string(ca)));
    const auto closed = f.store.correctiveAction(ca).value();
    CHECK(closed.closure->signer == "qa01");
    CHECK(closed.closure->method == "attested (no re-authentication)");
    // A closed record is frozen, even to the SQL level
    CHECK_THROWS_AS(f.db.exec("UPDATE corrective_actions SET genus = 'x' WHERE id = " + std::to_string(ca)),
                    StoreError);

    // Next day with that day's cleaning and readings: allowed again
    const TimePoint next = f.day + hours{24};
    for (const char* area : {"BUF-1", "LAFW-1"})
        REQUIRE(f.store
                    .logCleaning({next,
                                  area,
                                  CleaningTask::Daily,
                                  {CleaningAction::Cleaning, CleaningAction::Disinfection},
                                  "A",
                                  "L",
                                  "tech01"},
                                 next)
                    .ok());
    for (auto [kind, value] : {std::pair{EmKind::Pressure, 0.04}, std::pair{EmKind::Temperature, 19.0}})
        REQUIRE(
            f.store
                .recordSample({next, kind, "BUF-1", "BUF-1", value, {}, "tech01", "DEV", ""}, "tech01", next)
                .ok());
    const auto session = f.store.startGarbing("tech01", "BUF-1", next);
    REQUIRE(session.ok());
    for (const auto& step : garbingProcedure(false, f.store.policy()))
        REQUIRE(f.store.garbingStep(*session, step.id, step.minSeconds, next + minutes{3}).ok());
    const auto after = f.gate(next + minutes{5});
    INFO((after.decision.reasons.empty() ? std::string() : after.decision.reasons.front().message));
    CHECK(after.decision.allowed);
    CHECK_FALSE(f.audit.verify().has_value());
}

TEST_CASE("the person leaving ends garbing / the gate then refuses") {
    Fixture f;
    const auto session = f.store.latestGarbing("tech01", f.day + hours{1}).value();
    REQUIRE(f.store.endGarbing(session.id, f.day + hours{1}).ok());
    const auto out = f.gate(f.day + hours{1} + minutes{1});
    REQUIRE(out.decision.reasons.size() == 1);
    CHECK(out.decision.reasons[0].code == "not_garbed");
}

TEST_CASE(
    "an override needs a pharmacist / a reason / and policy allowing every reason / it is audited once") {
    Fixture f;
    const TimePoint warm = f.day + hours{3};
    REQUIRE(f.store
                .recordSample({warm, EmKind::Temperature, "BUF-1", "BUF-1", 21.0, {}, "tech01", "DEV", ""},
                              "tech01", warm)
                .ok());
    const auto out = f.gate(warm + minutes{1});
    REQUIRE(out.decision.reasons.size() == 1);
    CHECK(out.decision.reasons[0].code == "temperature_out_of_range");
    CHECK(out.decision.overridable());
    CHECK_FALSE(f.store.overrideGate(out.decisionId, "tech01", "hot day", warm).ok());
    CHECK_FALSE(f.store.overrideGate(out.decisionId, "pharm01", " ", warm).ok());
    REQUIRE(
        f.store
            .overrideGate(out.decisionId, "pharm01", "HVAC fault logged; dose needed now", warm + minutes{2})
            .ok());
    CHECK(f.audited("gate.override", "pec:LAFW-1"));
    CHECK_FALSE(f.store.overrideGate(out.decisionId, "pharm01", "again", warm + minutes{3}).ok());
}

TEST_CASE(
    "policy: only QA may change it / with a reason / old and new values are audited / the change applies") {
    Fixture f;
    CHECK_FALSE(f.store.setPolicy("em.surface.iso7_cfu_plate", "3", "tech01", "stricter SOP").ok());
    CHECK_FALSE(f.store.setPolicy("em.surface.iso7_cfu_plate", "3", "qa01", "").ok());
    const auto bad = f.store.setPolicy("em.surface.iso7_cfu_plate", "-3", "qa01", "typo");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().where == "em.surface.iso7_cfu_plate");
    REQUIRE(f.store.setPolicy("em.surface.iso7_cfu_plate", "3", "qa01", "stricter SOP 12.4").ok());
    const auto entries = f.audit.forSubject("policy:em.surface.iso7_cfu_plate");
    REQUIRE(entries.size() == 1);
    const auto details = nlohmann::json::parse(entries[0].details);
    CHECK(details["old"] == "5");
    CHECK(details["new"] == "3");
    CHECK(details["reason"] == "stricter SOP 12.4");
    const auto rec = f.store.recordSample(
        {f.day + hours{1}, EmKind::Surface, "BUF-1", "BUF-1/floor", 4, {}, "qa01", "TSA", ""}, "qa01",
        f.day + hours{1});
    REQUIRE(rec.ok());
    CHECK(rec->evaluation.excursion);
}

TEST_CASE("a whole policy file: only changed keys are written and audited / a bad file changes nothing") {
    Fixture f;
    std::string text(defaultPolicyToml());
    const std::string from = "viable_air.iso7_cfu_m3 = 10\n";
    text.replace(text.find(from), from.size(), "viable_air.iso7_cfu_m3 = 5\n");
    CHECK_FALSE(f.store.importPolicy(text, "site.toml", "tech01", "SOP").ok());
    const auto changed = f.store.importPolicy(text, "site.toml", "qa01", "SOP 2026-07");
    REQUIRE(changed.ok());
    CHECK(*changed == 1);
    CHECK(f.store.policy().number("em.viable_air.iso7_cfu_m3") == 5);
    CHECK(f.audit.forSubject("policy:em.viable_air.iso7_cfu_m3").size() == 1);
    const auto bad =
        f.store.importPolicy("[em]\nviable_air.iso7_cfu_m3 = 3\n", "partial.toml", "qa01", "SOP");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().where.starts_with("partial.toml"));
    CHECK(f.store.policy().number("em.viable_air.iso7_cfu_m3") == 5);
}

TEST_CASE("CSV import: a file with one bad row imports nothing / a good file imports everything and opens "
          "excursions") {
    Fixture f;
    const auto before = f.store.samples(t("2000-01-01"), t("2100-01-01")).size();
    const std::string header = emCsvHeader();
    const std::string bad = header + "2026-06-01T10:00:00Z,surface,BUF-1,BUF-1/floor,1,,qa01,TSA,\n"
                                     "2026-06-01T10:00:00Z,surface,NOPE-9,NOPE-9/floor,1,,qa01,TSA,\n"
                                     "2026-06-01T11:00:00Z,surface,BUF-1,HD-9/floor,7,,qa01,TSA,\n";
    auto r = f.store.importCsv(bad, "bad.csv", "qa01", f.day);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 3);
    CHECK(r.problems[0].column == "room");
    CHECK(r.imported == 0);
    CHECK(f.store.samples(t("2000-01-01"), t("2100-01-01")).size() == before);

    const std::string good =
        header + "2026-06-01T10:00:00Z,surface,BUF-1,BUF-1/floor,1,,qa01,TSA,\n"
                 "2026-06-01T10:05:00Z,surface,BUF-1,LAFW-1/work surface,4,,qa01,TSA,\n"; // ISO 5 > 3
    r = f.store.importCsv(good, "good.csv", "qa01", f.day);
    REQUIRE(r.problems.empty());
    CHECK(r.imported == 2);
    CHECK(r.excursions == 1);
    CHECK(f.audited("em.import", "em-import:good.csv"));
    // importing the same file again reports each row, imports nothing
    r = f.store.importCsv(good, "good.csv", "qa01", f.day);
    CHECK(r.problems.size() == 2);
    CHECK(r.imported == 0);
    CHECK(f.store.correctiveActions(true, std::string("BUF-1")).size() == 1);
}

TEST_CASE("status lists what is due: never-done sampling first / then by due date") {
    Fixture f;
    const auto st = f.store.status(f.day + hours{1});
    REQUIRE_FALSE(st.due.empty());
    CHECK(st.due.front().state == DueState::NeverDone);
    const auto daily = std::find_if(st.due.begin(), st.due.end(), [](const DueItem& d) {
        return d.task == ScheduleTask::DailyCleaning && d.subject == "BUF-1";
    });
    REQUIRE(daily != st.due.end());
    CHECK(daily->state == DueState::Ok);
    const auto q = std::find_if(st.qualifications.begin(), st.qualifications.end(), [](const auto& p) {
        return p.first == "tech01" && p.second.category == Category::Cat2;
    });
    REQUIRE(q != st.qualifications.end());
    CHECK(q->second.qualified);
    CHECK(formatDate(*q->second.lapses) == "2026-10-01");
}
