// The compliance gate at the start of a preparation, through the real store (the demo site, its
// users and records) and the engine, as the station, the CLI and the Home screen use it: site policy
// decides which refusals a pharmacist may override, an override recorded the CLI's way unlocks one
// start, the hazardous-drug rule is usp797's with the recipe's flag, and the Home banner shows the
// decision for the order at the top of the queue. No devices, no camera, no window.
#include "station/remote/demo.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "station/ui/station_controller.hpp"
#include "station/workflow/compliance_gate.hpp"
#include "station/workflow/demo_station.hpp"
#include "station/workflow/plan_steps.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace admix;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Site {
    test::TempDir dir;
    std::optional<store::Database> db;
    std::optional<store::AuditLog> audit;
    std::optional<workflow::Authenticator> auth;
    std::optional<store::ComplianceStore> compliance;
    std::optional<store::ImageStore> images;
    formulas::Formulary formulary = formulas::loadDemoFormulary().value();
    formulas::FormulasPolicy policy = formulas::loadDefaultFormulasPolicy().value();
    std::optional<workflow::PreparationEngine> engine;
    std::optional<workflow::StoreComplianceGate> gate;
    std::string room;
    std::string pec;
    TimePoint t0 = nowUtc();

    explicit Site(std::string roomCode = "BUF-1", std::string pecCode = "LAFW-1")
        : room(std::move(roomCode)), pec(std::move(pecCode)) {
        REQUIRE(remote::seedDemo(dir.path()).ok());
        db.emplace(store::openStationDatabase(store::databasePath(dir.path()).string()));
        audit.emplace(*db);
        auth.emplace(*db, *audit);
        compliance.emplace(*db, *audit);
        images.emplace(*db, store::imagesDir(dir.path()));
        engine.emplace(*db, *audit, "test hood");
        engine->setProductLookup(workflow::formularyLookup(formulary));
        gate.emplace(*compliance);
        engine->setComplianceGate(&*gate);
        REQUIRE(workflow::prepareDemoStation(*db, *engine, *auth, *compliance, room, pec,
                                             remote::demoPassword("qa"), t0)
                    .ok());
    }

    workflow::User user(const std::string& name) { return auth->findByUsername(name).value(); }

    // The whole garbing procedure of this room, done a few minutes before t0.
    void garb(const std::string& who) {
        const TimePoint at = t0 - 5min;
        const int64_t session = compliance->startGarbing(who, room, at).value();
        const auto r = compliance->room(room).value();
        for (const auto& step : usp797::garbingProcedure(r.hazardous, compliance->policy()))
            REQUIRE(compliance->garbingStep(session, step.id, std::max(step.minSeconds, 1), at).ok());
    }

    store::OrderRow openOrder(const std::string& recipe) {
        for (const auto& o : store::PrepRepo(*db).queue()) {
            if (o.recipeId == recipe && o.status == "open")
                return o;
        }
        FAIL("no open order for " << recipe);
        return {};
    }

    int64_t addHazardousOrder(const std::string& priority = "routine", std::chrono::minutes due = 30min) {
        workflow::OrderInput o;
        o.patientName = "DEMO, JUNE";
        o.patientMrn = "MRN-D0200";
        o.patient = {
            {"weight_kg", 70}, {"height_cm", 170}, {"age_years", 60}, {"sex", "female"}, {"scr_mg_dl", 0.9}};
        o.recipeId = "cisplatin-ns";
        o.route = "IV";
        o.priority = priority;
        o.due = t0 + due;
        o.prescriber = "Dr. Onc (demo)";
        return engine->addOrder(o, user("rph2"), t0).value();
    }

    workflow::PrepSpec spec(const store::OrderRow& order) {
        return workflow::specForOrder(order, formulary, policy).value();
    }

    workflow::Signature sign(const std::string& action, const std::string& subject,
                             const std::string& meaning, TimePoint at) {
        return auth
            ->sign("rph2", remote::demoPassword("rph2"), workflow::Role::Pharmacist, action, subject, meaning,
                   at)
            .value();
    }

    // The details of the latest audit row `action` on `subject`.
    json lastAudit(const std::string& subject, const std::string& action) {
        json found;
        for (const auto& row : audit->forSubject(subject)) {
            if (row.action == action)
                found = json::parse(row.details, nullptr, false);
        }
        return found;
    }
};

std::vector<std::string> codesOf(const json& reasons) {
    std::vector<std::string> out;
    for (const auto& r : reasons)
        out.push_back(r.is_object() ? r.value("code", "") : "");
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

TEST_CASE("gate: a pharmacist's signature does not override a refusal site policy does not allow") {
    Site s;
    // The technician has not garbed: site policy (gate.override.not_garbed = false) forbids an override.
    const auto order = s.openOrder("cefazolin-ns");
    const auto sig = s.sign("prep.start.override", order.orderNumber, "STAT dose", s.t0);
    const auto started =
        s.engine->start(order.id, s.spec(order), s.user("tech"), s.room, s.pec, sig, s.t0 + 1s);
    REQUIRE_FALSE(started.ok());
    CHECK(started.error().message.find("not_garbed") != std::string::npos);
    CHECK(store::PrepRepo(*s.db).order(order.id)->status == "open");
}

TEST_CASE("gate: an override recorded the CLI's way (compliance gate, then compliance override) unlocks one "
          "start") {
    Site s;
    s.garb("tech");
    // A warm room: the one refusal, which site policy lets a pharmacist override.
    usp797::EmSample warm{s.t0 - 1min, usp797::EmKind::Temperature, s.room, s.room, 21.0, {}, "tech", "DEV",
                          ""};
    REQUIRE(s.compliance->recordSample(warm, "tech", s.t0 - 1min).ok());
    const auto order = s.openOrder("cefazolin-ns");
    const auto spec = s.spec(order);
    const auto blocked = s.engine->start(order.id, spec, s.user("tech"), s.room, s.pec, std::nullopt, s.t0);
    REQUIRE_FALSE(blocked.ok());
    CHECK(blocked.error().message.find("temperature") != std::string::npos);

    // `admix compliance gate --person tech --category <the recipe's> --pec LAFW-1`, then
    // `admix compliance override <decision> --pharmacist rph2 --reason ...`.
    const usp797::GateRequest asked{
        "tech", usp797::parseCategory(spec.category).value(), s.pec, s.t0 + 1s, false, ""};
    const auto decision = s.compliance->checkGate(asked);
    REQUIRE_FALSE(decision.decision.allowed);
    (void)s.sign("gate.override", "gate:" + std::to_string(decision.decisionId),
                 "HVAC fault logged; dose needed now", s.t0 + 2s);
    REQUIRE(s.compliance
                ->overrideGate(decision.decisionId, "rph2", "HVAC fault logged; dose needed now", s.t0 + 2s)
                .ok());

    const auto started =
        s.engine->start(order.id, spec, s.user("tech"), s.room, s.pec, std::nullopt, s.t0 + 3s);
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().text()));
    const auto view = s.engine->view(*started);
    REQUIRE(view.has_value());
    CHECK(s.audit->forSubject(view->number).back().action ==
          "prep.start"); // audited under the preparation's number
    CHECK(s.lastAudit(order.orderNumber, "prep.start.override").value("override_decision", int64_t{0}) ==
          decision.decisionId);

    // One override, one start: the next order in the same warm room is refused again.
    const auto next = s.openOrder("vancomycin-ns");
    CHECK_FALSE(
        s.engine->start(next.id, s.spec(next), s.user("tech"), s.room, s.pec, std::nullopt, s.t0 + 4s).ok());
}

TEST_CASE("gate: a hazardous drug is judged by usp797's USP <800> rule with the recipe's hazardous flag") {
    Site s; // BUF-1 / LAFW-1: neither a hazardous-drug room nor a containment PEC
    s.garb("tech");
    const int64_t orderId = s.addHazardousOrder();
    const auto order = store::PrepRepo(*s.db).order(orderId).value();
    const auto spec = s.spec(order);
    REQUIRE(spec.hazardous);
    const auto refused = s.engine->start(orderId, spec, s.user("tech"), s.room, s.pec, std::nullopt, s.t0);
    REQUIRE_FALSE(refused.ok());
    // The stored, audited decision is usp797's, asked about a hazardous drug.
    const json decided = s.lastAudit("pec:" + s.pec, "gate.blocked");
    REQUIRE(decided.is_object());
    CHECK(decided.value("hazardous", false));
    const auto codes = codesOf(decided["reasons"]);
    CHECK(has(codes, "pec_not_for_hazardous"));
    CHECK(has(codes, "room_not_for_hazardous"));
    CHECK(has(codes, "not_garbed")); // garbed with the USP <797> procedure, not USP <800>
}

TEST_CASE("gate: the Home banner shows the decision for the order at the top of the queue, not a Category 2 "
          "guess") {
    Site s;
    s.garb("tech");
    s.addHazardousOrder("stat", -3h); // STAT and overdue: first in the queue
    ui::StationController station(ui::StationDeps{*s.db,
                                                  *s.audit,
                                                  *s.auth,
                                                  *s.engine,
                                                  *s.compliance,
                                                  *s.images,
                                                  store::imagesDir(s.dir.path()),
                                                  s.formulary,
                                                  s.policy,
                                                  nullptr,
                                                  "",
                                                  "",
                                                  "",
                                                  nullptr,
                                                  nullptr,
                                                  {},
                                                  s.room,
                                                  s.pec,
                                                  "test hood",
                                                  false,
                                                  {},
                                                  {}});
    REQUIRE(station.signIn("B-1001", "4821").ok());
    REQUIRE(station.queue().front().recipeId == "cisplatin-ns");
    const auto& banner = station.blockers();
    REQUIRE_FALSE(banner.empty());
    const bool namesContainment = std::any_of(banner.begin(), banner.end(), [](const std::string& b) {
        return b.find("USP <800>") != std::string::npos;
    });
    CHECK(namesContainment);
}

// Issue 14: two preparations could be started at once on one hood with no warning. One preparation
// in progress per PEC, unless the site's policy (hood.parking_allowed, quality role) allows parking.
TEST_CASE("hood: one preparation in progress per PEC unless site policy allows parking") {
    Site s;
    s.garb("tech");
    const auto first = s.openOrder("cefazolin-ns");
    const auto started =
        s.engine->start(first.id, s.spec(first), s.user("tech"), s.room, s.pec, std::nullopt, s.t0);
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().text()));
    const std::string busy = s.engine->view(*started)->number;

    const auto second = s.openOrder("vancomycin-ns");
    const auto refused =
        s.engine->start(second.id, s.spec(second), s.user("tech"), s.room, s.pec, std::nullopt, s.t0 + 1s);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().text().find(s.pec + " already has preparation " + busy + " in progress") !=
          std::string::npos);
    CHECK(refused.error().text().find("hood.parking_allowed") != std::string::npos);
    const json reasons = s.lastAudit(second.orderNumber, "prep.start.blocked")["reasons"];
    REQUIRE(reasons.size() == 1);
    CHECK(reasons[0]["code"] == "pec_busy");
    CHECK(reasons[0]["overridable"] == false);
    // The same decision answers the Home banner and the CLI's `compliance gate`.
    const auto asked = s.compliance->checkGate(usp797::GateRequest{
        "tech", usp797::parseCategory(s.spec(second).category).value(), s.pec, s.t0 + 1s, false, ""});
    CHECK_FALSE(asked.decision.allowed);
    CHECK(store::PrepRepo(*s.db).order(second.id)->status == "open");

    // Parking allowed by quality: the second one starts; the first stays in progress.
    REQUIRE(
        s.compliance->setPolicy("hood.parking_allowed", "1", "qa", "two-syringe batch SOP", s.t0 + 2s).ok());
    const auto parked =
        s.engine->start(second.id, s.spec(second), s.user("tech"), s.room, s.pec, std::nullopt, s.t0 + 3s);
    REQUIRE_MESSAGE(parked.ok(), (parked.ok() ? "" : parked.error().text()));
    CHECK(s.engine->view(*started)->status == workflow::PrepStatus::InProgress);
    CHECK(store::PrepRepo(*s.db).inProgressAtPec(s.pec).size() == 2);
}

TEST_CASE("hood: a cancelled preparation stays on Home with who cancelled it and why") {
    Site s;
    s.garb("tech");
    const auto order = s.openOrder("cefazolin-ns");
    const auto started =
        s.engine->start(order.id, s.spec(order), s.user("tech"), s.room, s.pec, std::nullopt, s.t0);
    REQUIRE(started.ok());
    const std::string number = s.engine->view(*started)->number;
    CHECK_FALSE(s.engine->cancel(*started, s.user("tech"), "  ", s.t0 + 1min).ok()); // a reason is required
    REQUIRE(
        s.engine->cancel(*started, s.user("tech"), "vial cracked while reconstituting", s.t0 + 1min).ok());
    workflow::StationService service(*s.db, *s.audit, *s.compliance, *s.images, *s.engine);
    const auto cancelled = service.recentCancellations("test hood", s.t0 + 2min);
    REQUIRE(cancelled.size() == 1);
    CHECK(cancelled[0].prepNumber == number);
    CHECK(cancelled[0].by == "tech");
    CHECK(cancelled[0].reason == "vial cracked while reconstituting");
    // Another station's cancellations are not shown here; a day later they are gone from Home.
    CHECK(service.recentCancellations("another hood", s.t0 + 2min).empty());
    CHECK(service.recentCancellations("test hood", s.t0 + 25h).empty());
}

TEST_CASE(
    "hood: History lists the station's preparations in every state, newest first, through the service") {
    Site s;
    s.garb("tech");
    const auto first = s.openOrder("cefazolin-ns");
    const auto a =
        s.engine->start(first.id, s.spec(first), s.user("tech"), s.room, s.pec, std::nullopt, s.t0);
    REQUIRE(a.ok());
    REQUIRE(s.engine->cancel(*a, s.user("tech"), "wrong bag size", s.t0 + 1min).ok());
    const auto second = s.openOrder("cefazolin-ns");
    const auto b =
        s.engine->start(second.id, s.spec(second), s.user("tech"), s.room, s.pec, std::nullopt, s.t0 + 2min);
    REQUIRE(b.ok());
    workflow::StationService service(*s.db, *s.audit, *s.compliance, *s.images, *s.engine);
    const auto rows = service.recentPreparations(60);
    // (the site's fixture holds preparations of its own, older or newer: the list is ordered as a whole)
    REQUIRE(rows.size() >= 2);
    for (size_t i = 1; i < rows.size(); ++i)
        CHECK(rows[i - 1].startedUtc >= rows[i].startedUtc);
    const auto find = [&](int64_t id) {
        return std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.id == id; });
    };
    REQUIRE(find(*a) != rows.end());
    REQUIRE(find(*b) != rows.end());
    CHECK(find(*a)->status == "cancelled");
    CHECK(find(*b)->status == "in_progress");
    CHECK(find(*b) < find(*a)); // the newer first
    CHECK(service.recentPreparations(1).size() == 1);
    CHECK(service.recentPreparations(0).empty());
}
