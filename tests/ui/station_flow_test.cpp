// Headless: whole preparations through the station as it runs at the hood, with the simulated
// balance (MT-SICS on a pseudo-terminal, read by the real serial transport), the simulated scanner
// (a pty), the simulated ZPL printer (loopback) and the demo camera (rendered hood scenes with GS1
// DataMatrix labels, read by the vision pipeline). No window: the station controller is driven the
// way the screens drive it. A fixed-dose, a weight-based and a hazardous recipe; then the errors the
// devices bring: a wrong vial held up to the camera, a misdraw, an unstable balance, the balance
// unplugged mid-weighing.
#include "devices/device_manager.hpp"
#include "station/remote/demo.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/sandbox.hpp"
#include "station/store/schema.hpp"
#include "station/ui/station_controller.hpp"
#include "station/workflow/compliance_gate.hpp"
#include "station/workflow/demo_station.hpp"
#include "station/workflow/label_job.hpp"
#include "station/workflow/plan_steps.hpp"
#include "station/workflow/session.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace admix;
using namespace std::chrono_literals;

namespace {

struct Hood {
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
    std::optional<devices::DeviceManager> deviceManager;
    std::unique_ptr<vision::VisionPipeline> camera;
    ui::DemoHoodCamera* demoCamera = nullptr;
    std::optional<workflow::LabelLayout> layout;
    std::unique_ptr<ui::StationController> station;

    explicit Hood(const std::string& room = "BUF-1", const std::string& pec = "LAFW-1") {
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
                                             remote::demoPassword("qa"))
                    .ok());
        deviceManager.emplace(devices::simulatedDeviceConfigs("balance", "scanner", "printer"));
        deviceManager->start();
        auto source = std::make_unique<ui::DemoHoodCamera>(15);
        demoCamera = source.get();
        camera = std::make_unique<vision::VisionPipeline>(std::move(source));
        camera->start();
        layout = workflow::loadLabelLayout(workflow::defaultLabelLayoutPath()).value();
        auto quality = vision::loadQualityThresholds(vision::defaultQualityFile()).value();
        auto labelZpl = [this](int64_t prepId) -> Result<std::string> {
            auto data = workflow::labelDataFor(*db, *audit, prepId, formulary, policy, *layout);
            if (!data)
                return data.error();
            return workflow::renderZpl(*data, *layout);
        };
        station = std::make_unique<ui::StationController>(ui::StationDeps{*db,
                                                                          *audit,
                                                                          *auth,
                                                                          *engine,
                                                                          *compliance,
                                                                          *images,
                                                                          store::imagesDir(dir.path()),
                                                                          formulary,
                                                                          policy,
                                                                          &*deviceManager,
                                                                          "balance",
                                                                          "scanner",
                                                                          "printer",
                                                                          camera.get(),
                                                                          demoCamera,
                                                                          quality,
                                                                          room,
                                                                          pec,
                                                                          "test hood",
                                                                          true,
                                                                          labelZpl,
                                                                          {}});
    }
    ~Hood() {
        station.reset();
        camera->stop();
        deviceManager->stop();
    }

    // Runs the station's frame loop (no drawing) until `done` or the timeout.
    bool frames(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            station->update();
            if (done())
                return true;
            std::this_thread::sleep_for(16ms);
        }
        return false;
    }
    int step() const { return station->prep() ? station->prep()->currentStep : -1; }
    std::string status() const {
        return station->prep() ? std::string(workflow::prepStatusName(station->prep()->status)) : "";
    }
    devices::BalanceSimulator& balance() { return *deviceManager->balanceSimulator("balance"); }

    void signInAndGarb(const std::string& badge, const std::string& pin) {
        REQUIRE(station->signIn(badge, pin).ok());
        for (const auto& s : station->garbingProcedure())
            REQUIRE(station->garbingStep(s.id, std::max(s.minSeconds, 1)).ok());
        REQUIRE(station->garbed());
    }

    int64_t startOrderFor(const std::string& recipe) {
        for (const auto& o : station->queue()) {
            if (o.recipeId == recipe && o.status == "open") {
                const Status started = station->startOrder(o.id);
                REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().text()));
                return station->prep()->id;
            }
        }
        FAIL("no open order for " << recipe);
        return 0;
    }

    // Does what each step asks, the way a technician with the demo hood does.
    void completeStep() {
        station->update(); // the station sets up the hood for the step first (an empty hood at a scan)
        // A copy: the station reloads its preparation as the engine answers.
        const workflow::PrepView prep = *station->prep();
        const int index = prep.currentStep;
        const workflow::StepView step = prep.steps[static_cast<size_t>(index)];
        std::string resultBefore = step.result.dump();
        INFO("step " << index + 1 << ": " << step.spec.title);
        switch (step.spec.kind) {
        case workflow::StepKind::Scan:
            station->demoShowExpected(); // held up to the camera
            break;
        case workflow::StepKind::Weigh:
            station->demoLift(); // the last syringe off the pan first
            REQUIRE(frames([&] { return !station->waitingForEmptyPan(); }));
            station->demoEmptySyringe();
            REQUIRE(frames([&] {
                return station->prep()->steps[static_cast<size_t>(index)].result.contains("tare_g");
            }));
            resultBefore =
                station->prep()->steps[static_cast<size_t>(index)].result.dump(); // the draw comes next
            station->demoDraw(1.0);
            break;
        case workflow::StepKind::Photo:
            station->demoShowExpected(); // the photo is taken when the product is in view
            break;
        case workflow::StepKind::Confirm:
            station->confirmStep();
            break;
        case workflow::StepKind::Label:
            // Printed, then the applied label's own code is scanned.
            if (step.spec.labelScan && step.result.is_object() && step.result.value("printed", false))
                station->demoScanExpected();
            else
                station->printLabel();
            break;
        }
        // Progress: the next step, or this step's record grew (one vial of two, the label printed).
        const bool advanced = frames(
            [&] {
                return step.index != this->step() || status() != "in_progress" ||
                       station->prep()->steps[static_cast<size_t>(index)].result.dump() != resultBefore;
            },
            30s);
        REQUIRE_MESSAGE(advanced, "did not advance: " << (station->notice() ? station->notice()->text : ""));
    }

    void completeAll() {
        for (int guard = 0; guard < 40 && status() == "in_progress"; ++guard)
            completeStep();
        REQUIRE(status() == "awaiting_check");
    }
};

int refusals(store::Database& db, int64_t prepId, const std::string& problem) {
    int n = 0;
    for (const auto& e : store::PrepRepo(db).evidence(prepId)) {
        if (e.outcome == "fail" &&
            (e.dataJson.find("\"problem\":\"" + problem + "\"") != std::string::npos || e.kind == problem))
            ++n;
    }
    return n;
}

} // namespace

TEST_CASE("the station completes a fixed-dose preparation with simulated devices and camera") {
    Hood h;
    h.signInAndGarb("B-1001", "4821");
    const int64_t prep = h.startOrderFor("cefazolin-ns");
    h.completeAll();
    const auto view = h.engine->view(prep).value();
    // Every photo is a durable evidence file; the label was accepted by the printer.
    for (const auto& s : view.steps) {
        if (s.spec.kind == workflow::StepKind::Photo)
            CHECK(h.images->read(s.result["sha256"].get<std::string>()).has_value());
        if (s.spec.kind == workflow::StepKind::Weigh)
            CHECK(s.result["volume_ml"].get<double>() ==
                  doctest::Approx(s.spec.weigh.targetMl).epsilon(0.01));
        if (s.spec.kind == workflow::StepKind::Scan)
            CHECK(s.result["lot"].get<std::string>().rfind("DEMO", 0) ==
                  0); // read by the camera from the label
    }
    CHECK(h.station->lastLabelZpl().find(view.number) != std::string::npos);
    CHECK_FALSE(h.audit->verify().has_value());
}

TEST_CASE(
    "a decision at the station's pad: the e-signature and the decision are one, a refused one leaves none") {
    Hood h;
    h.signInAndGarb("B-1001", "4821");
    const int64_t prep = h.startOrderFor("cefazolin-ns");
    h.completeAll();
    const std::string number = h.engine->view(prep).value().number;
    const auto signatures = [&](const char* action) {
        int n = 0;
        for (const auto& e : h.audit->forSubject(number))
            n +=
                e.action == "esign" && e.details.find(std::string("\"") + action + "\"") != std::string::npos;
        return n;
    };
    // A technician's badge does not approve, and leaves no e-signature.
    CHECK_FALSE(h.station->approve(prep, "B-1001", "4821").ok());
    CHECK(signatures("prep.approve") == 0);
    // The pharmacist approves with badge + PIN: one signature, released.
    const Status approved = h.station->approve(prep, "B-2001", "7350");
    REQUIRE_MESSAGE(approved.ok(), (approved.ok() ? "" : approved.error().text()));
    CHECK(h.engine->view(prep)->status == workflow::PrepStatus::Released);
    CHECK(signatures("prep.approve") == 1);
    // A second tap, and a rejection after the release (user name + password): refused by the engine,
    // and neither leaves an e-signature without the decision it would have signed.
    CHECK_FALSE(h.station->approve(prep, "B-2001", "7350").ok());
    CHECK(signatures("prep.approve") == 1);
    const Status rejected =
        h.station->reject(prep, "rph", remote::demoPassword("rph"), "WRONG_DOSE", false, true);
    REQUIRE_FALSE(rejected.ok());
    CHECK(signatures("prep.reject") == 0);
    CHECK(h.engine->view(prep)->status == workflow::PrepStatus::Released);
    CHECK_FALSE(h.audit->verify().has_value());
}

TEST_CASE("the station completes a weight-based preparation") {
    Hood h;
    h.signInAndGarb("B-1001", "4821");
    const int64_t prep = h.startOrderFor("vancomycin-ns"); // 15 mg/kg for the demo patient's 68 kg
    h.completeAll();
    // 15 mg/kg x 68 kg = 1,020 mg, rounded to the recipe's 250 mg steps = 1,000 mg, written "1 g".
    CHECK(h.engine->view(prep)->spec.doseText == "vancomycin 1 g");
}

TEST_CASE("the station completes a hazardous preparation in the BSC of the hazardous-drug room") {
    Hood h("HD-1", "BSC-1");
    h.signInAndGarb("B-1001", "4821");
    const auto rph = h.auth->findByUsername("rph2").value();
    workflow::OrderInput o;
    o.patientName = "DEMO, JUNE";
    o.patientMrn = "MRN-D0200";
    o.patient = {
        {"weight_kg", 70}, {"height_cm", 170}, {"age_years", 60}, {"sex", "female"}, {"scr_mg_dl", 0.9}};
    o.recipeId = "cisplatin-ns";
    o.route = "IV";
    o.due = nowUtc() + 2h;
    o.prescriber = "Dr. Onc (demo)";
    REQUIRE(h.engine->addOrder(o, rph).ok());
    h.station->refresh();
    const int64_t prep = h.startOrderFor("cisplatin-ns");
    CHECK(h.engine->view(prep)->spec.hazardous);
    h.completeAll();
}

TEST_CASE("device-borne errors at the hood are blocked and recorded") {
    Hood h;
    h.signInAndGarb("B-1001", "4821");
    const int64_t prep = h.startOrderFor("cefazolin-ns");

    // A wrong vial held up to the camera: refused, the step stays.
    h.station->update();
    h.station->demoShowWrong();
    REQUIRE(h.frames(
        [&] { return refusals(*h.db, prep, "wrong drug") + refusals(*h.db, prep, "wrong strength") > 0; }));
    CHECK(h.step() == 0);
    h.completeStep(); // the right vial
    while (h.station->prep()->steps[static_cast<size_t>(h.step())].spec.kind != workflow::StepKind::Weigh)
        h.completeStep();
    const int weigh = h.step();
    const auto w = h.station->prep()
                       ->steps[static_cast<size_t>(weigh)]
                       .spec.weigh; // a copy: the station reloads its preparation

    // Unstable: nothing is weighed while the balance settles.
    h.station->demoLift();
    REQUIRE(h.frames([&] { return !h.station->waitingForEmptyPan(); }));
    h.balance().setUnstable(true);
    h.station->demoEmptySyringe();
    CHECK_FALSE(h.frames(
        [&] { return h.station->prep()->steps[static_cast<size_t>(weigh)].result.contains("tare_g"); },
        1500ms));
    h.balance().setUnstable(false);
    REQUIRE(h.frames(
        [&] { return h.station->prep()->steps[static_cast<size_t>(weigh)].result.contains("tare_g"); }));

    // Unplugged mid-weighing: reported to the engine; back: reported, and weighing goes on.
    h.balance().unplug();
    REQUIRE(h.frames([&] { return !h.station->prep()->deviceProblems.empty(); }, 15s));
    REQUIRE(h.balance().replug().ok());
    REQUIRE(h.frames([&] { return h.station->prep()->deviceProblems.empty(); }, 20s));

    // A misdraw: refused with the measured volume; then the right draw passes.
    h.station->demoDraw(0.85);
    REQUIRE(h.frames([&] { return refusals(*h.db, prep, "under") > 0; }));
    CHECK(h.step() == weigh);
    h.station->demoLift();
    REQUIRE(h.frames([&] { return h.balance().load() == 0.0; }));
    h.station->demoEmptySyringe();
    h.station->demoDraw(1.0);
    REQUIRE(h.frames([&] { return h.step() != weigh; }));
    const auto view = h.engine->view(prep).value();
    CHECK(view.steps[static_cast<size_t>(weigh)].attempts == 1);
    CHECK(view.steps[static_cast<size_t>(weigh)].result["volume_ml"].get<double>() ==
          doctest::Approx(w.targetMl).epsilon(0.01));
    CHECK(refusals(*h.db, prep, "device") >= 1);
    h.completeAll();
    CHECK_FALSE(h.audit->verify().has_value());
}

TEST_CASE("a balance overload reaches the engine: refused and recorded, then the weighing goes on") {
    Hood h;
    h.signInAndGarb("B-1001", "4821");
    const int64_t prep = h.startOrderFor("cefazolin-ns");
    while (h.station->prep()->steps[static_cast<size_t>(h.step())].spec.kind != workflow::StepKind::Weigh)
        h.completeStep();
    const int weigh = h.step();
    h.station->demoLift();
    REQUIRE(h.frames([&] { return !h.station->waitingForEmptyPan(); }));
    h.balance().setOverload(true);
    REQUIRE(h.frames([&] { return refusals(*h.db, prep, "overload") > 0; }));
    CHECK(h.step() == weigh);
    CHECK(h.station->notice()->text.find("overload") != std::string::npos);
    h.balance().setOverload(false);
    h.completeStep();
    CHECK(h.step() != weigh);
}

TEST_CASE(
    "codes reach the engine as they were read: the scanner's AIM identifier, the camera's own GS1 parse") {
    Hood h;
    h.signInAndGarb("B-1001", "4821");
    const int64_t prep = h.startOrderFor("cefazolin-ns");
    h.station->update(); // a scan step starts with an empty hood: the hand scanner reads first
    h.station->demoScanExpected();
    REQUIRE(h.frames([&] { return h.step() != 0; }));
    while (h.station->prep()->steps[static_cast<size_t>(h.step())].spec.kind != workflow::StepKind::Scan)
        h.completeStep();
    h.completeStep(); // the second scan step: the product held up to the camera
    std::vector<nlohmann::json> scans;
    for (const auto& e : store::PrepRepo(*h.db).evidence(prep)) {
        if (e.kind == "scan" && e.outcome != "fail") // passed, or the first of two vials recorded
            scans.push_back(nlohmann::json::parse(e.dataJson));
    }
    REQUIRE(scans.size() == 2);
    CHECK(scans[0].value("source", "") == "scanner");
    CHECK(scans[0].value("aim", "") == "]d2");
    CHECK(scans[0].value("lot", "").rfind("DEMO", 0) == 0);
    CHECK(scans[1].value("source", "") == "camera");
    CHECK(scans[1].value("aim", "") == "]d2");
    CHECK(scans[1].value("symbology", "") == "GS1 DataMatrix");
}

TEST_CASE("a scan while a signature is asked for is a badge, never a product scan") {
    Hood h;
    h.signInAndGarb("B-1001", "4821");
    const int64_t prep = h.startOrderFor("cefazolin-ns");
    h.station->update();
    const auto scansBefore = store::PrepRepo(*h.db).evidence(prep).size();
    // The override pad is open: the pharmacist's badge is scanned.
    h.station->expectBadge(true);
    h.station->scanText("B-2001");
    h.station->update();
    h.station->update();
    CHECK(store::PrepRepo(*h.db).evidence(prep).size() == scansBefore); // no failed product scan recorded
    const auto badges = h.station->takeBadgeScans();
    REQUIRE(badges.size() == 1);
    CHECK(badges.front() == "B-2001");
    // With the badge and the PIN, the override is signed.
    REQUIRE(h.station
                ->overrideStep(badges.front(), "7350",
                               "Label unreadable by scanner: product verified by the pharmacist")
                .ok());
    CHECK(h.engine->view(prep)->steps[0].state == workflow::StepState::Overridden);
    // The pad closed: scans are products again.
    h.station->expectBadge(false);
    h.station->scanText("B-2001");
    h.station->update();
    h.station->update();
    CHECK(store::PrepRepo(*h.db).evidence(prep).size() > scansBefore + 1);
}

// The scripted session (`admix session`) answers as the station does: the station prepares with its
// simulated devices and camera (a wrong vial first); then every event it sent the engine is replayed
// through a ScriptSession on a copy of the same station taken before, and each answer must be the
// station's: the same verdict, message and step, and in the end the same steps and results.
TEST_CASE("the scripted session gives the station's answers for the same events") {
    Hood h;
    store::Sandbox before(h.dir.path());
    h.signInAndGarb("B-1001", "4821");
    const int64_t prep = h.startOrderFor("cefazolin-ns");
    h.station->update();
    h.station->demoShowWrong();
    REQUIRE(h.frames(
        [&] { return refusals(*h.db, prep, "wrong drug") + refusals(*h.db, prep, "wrong strength") > 0; }));
    h.completeAll();
    const auto stationView = h.engine->view(prep).value();
    const auto evidence = store::PrepRepo(*h.db).evidence(prep);
    REQUIRE(evidence.size() >= stationView.steps.size());

    workflow::SessionSetup setup;
    setup.dataDir = before.dir();
    setup.sandbox = true;
    setup.stationName = "test hood";
    setup.room = "BUF-1";
    setup.pec = "LAFW-1";
    setup.printerName = "printer"; // the station's printer, named in the label message
    setup.formulary = h.formulary;
    setup.policy = h.policy;
    setup.quality = vision::loadQualityThresholds(vision::defaultQualityFile()).value();
    setup.labelLayout = *h.layout;
    workflow::ScriptSession session(std::move(setup));
    using nlohmann::json;
    REQUIRE(session.handle({{"op", "sign_in"}, {"user", "tech"}, {"pin", "4821"}})["ok"] == true);
    REQUIRE(session.handle({{"op", "garb"}, {"room", "BUF-1"}})["ok"] == true);
    const json started = session.handle({{"op", "start"}, {"order_id", stationView.orderId}});
    REQUIRE(started["ok"] == true);
    CHECK(started["prep"] == stationView.number);

    int replayed = 0;
    for (const auto& e : evidence) {
        const json data = json::parse(e.dataJson);
        json request{{"op", e.kind}, {"step", e.stepIndex}};
        if (e.kind == "scan" || e.kind == "label-scan") {
            std::string text = data["scanned"].get<std::string>();
            for (size_t at; (at = text.find("<GS>")) != std::string::npos;)
                text.replace(at, 4, "\x1d");
            request = {{"op", "scan"},
                       {"step", e.stepIndex},
                       {"text", data.value("aim", "") + text},
                       {"source", data.value("source", "scanner")}};
        } else if (e.kind == "tare" || e.kind == "weigh" || e.kind == "weigh-empty") {
            request = {{"op", "weigh"},
                       {"step", e.stepIndex},
                       {"grams", data["gross_g"]},
                       {"stable", data["stable"]}};
        } else if (e.kind == "photo") {
            REQUIRE(e.imageSha256.has_value()); // the station's photo, as a file handed to the session
            request["image"] = h.images->pathOf(*e.imageSha256).value().string();
        } else {
            REQUIRE_MESSAGE((e.kind == "confirm" || e.kind == "label"), "event kind " << e.kind);
        }
        const json answer = session.handle(request);
        INFO("evidence " << e.id << " (" << e.kind << ", step " << e.stepIndex << "): " << answer.dump());
        const std::string verdict = e.outcome == "pass"   ? "passed"
                                    : e.outcome == "fail" ? "failed"
                                                          : "recorded";
        CHECK(answer["verdict"] == verdict);
        CHECK(answer["message"] == e.message);
        CHECK(answer["ok"] == (verdict != "failed"));
        ++replayed;
    }
    CHECK(replayed == static_cast<int>(evidence.size()));
    const json shown = session.handle({{"op", "show"}})["document"];
    CHECK(shown["status"] == std::string(workflow::prepStatusName(stationView.status)));
    REQUIRE(shown["steps"].size() == stationView.steps.size());
    for (size_t i = 0; i < stationView.steps.size(); ++i) {
        const auto& s = stationView.steps[i];
        json expected = s.result;
        json actual = shown["steps"][i]["result"];
        for (json* r : {&expected, &actual}) {
            r->erase("sha256");  // the session annotates the photo again: another image
            r->erase("balance"); // which balance read it
            r->erase("device");  // which scanner read it
            r->erase("shown");   // the reading as that balance's display printed it ("33.0400 g")
        }
        INFO("step " << i << ": " << s.spec.title);
        CHECK(shown["steps"][i]["state"] == std::string(workflow::stepStateName(s.state)));
        CHECK(shown["steps"][i]["attempts"] == s.attempts);
        CHECK(actual == expected);
    }
}

TEST_CASE(
    "the order's comments (prescriber, pharmacy system NTE) are shown with the preparation at the hood") {
    Hood h;
    h.signInAndGarb("B-1001", "4821");
    int64_t orderId = 0;
    for (const auto& o : h.station->queue())
        if (o.recipeId == "cefazolin-ns" && o.status == "open")
            orderId = o.id;
    REQUIRE(orderId != 0);
    store::PrepRepo(*h.db).setOrderComments(orderId, "Patient allergic to latex: use latex-free bag");
    h.station->refresh();
    CHECK(h.station->orderComments().empty()); // nothing being prepared yet
    REQUIRE(h.station->startOrder(orderId).ok());
    CHECK(h.station->orderComments() == "Patient allergic to latex: use latex-free bag");
}
