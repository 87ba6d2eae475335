// The hood's automation: scans and stable readings advance the flow by themselves, each offered
// once; a photo is asked for when the step's product is in view and the balance has settled.
#include "station/workflow/hood_assistant.hpp"
#include "tests/workflow/engine_fixture.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::workflow;
using namespace admix::test;
using namespace std::chrono_literals;

namespace {

struct Hood {
    EngineFixture f;
    HoodAssistant assistant;
    int64_t prep = 0;
    std::chrono::steady_clock::time_point clock{std::chrono::seconds(1000)};

    Hood() {
        prep =
            f.engine.start(f.order(), cefazolinSpec(), f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0)
                .value();
    }

    // One frame: decide, then carry the actions out against the engine as the station does.
    std::vector<HoodAction> frame(HoodInputs in) {
        clock += 100ms;
        in.now = clock;
        const PrepView view = f.engine.view(prep).value();
        const auto actions = assistant.decide(view, in);
        for (const auto& a : actions) {
            switch (a.kind) {
            case HoodAction::Kind::Scan:
                REQUIRE(f.engine.submitScan(prep, view.currentStep, a.eventKey, a.scan, f.tech, f.t0).ok());
                break;
            case HoodAction::Kind::Reading:
                REQUIRE(
                    f.engine.submitReading(prep, view.currentStep, a.eventKey, a.reading, f.tech, f.t0).ok());
                break;
            case HoodAction::Kind::DeviceDown:
            case HoodAction::Kind::DeviceUp:
                REQUIRE(f.engine
                            .deviceStatus(prep, view.currentStep, a.eventKey, "balance",
                                          a.kind == HoodAction::Kind::DeviceUp, a.text, f.tech, f.t0)
                            .ok());
                break;
            case HoodAction::Kind::TakePhoto:
                break;
            }
        }
        return actions;
    }
    int step() { return f.engine.view(prep)->currentStep; }
};

HoodInputs balance(double grams, bool settled = true) {
    HoodInputs in;
    in.balancePresent = true;
    in.balanceConnected = true;
    in.balanceSettled = settled;
    if (settled)
        in.latestStable = test::grams(grams);
    return in;
}

} // namespace

TEST_CASE("a camera read passes the scan gate by itself, and a lingering wrong vial is offered once") {
    Hood h;
    HoodInputs wrong;
    wrong.cameraConfirmed = {gs1Scan(kCefazolin1g, "280630", "W1")};
    CHECK(h.frame(wrong).size() == 1);
    CHECK(h.frame(wrong).empty()); // still in view: not offered again
    CHECK(h.step() == 0);
    HoodInputs right;
    right.scannerScans = {gs1Scan(kCefazolin2g, "280630", "R1")};
    CHECK(h.frame(right).size() == 1);
    CHECK(h.step() == 1);
    CHECK(store::PrepRepo(h.f.db).evidence(h.prep).size() == 2);
}

TEST_CASE("stable readings drive the weigh step: tare, a misdraw, then the right draw; each reading once") {
    Hood h;
    REQUIRE(
        h.f.engine.submitScan(h.prep, 0, "s", gs1Scan(kCefazolin2g, "280630", "L1"), h.f.tech, h.f.t0).ok());
    REQUIRE(h.f.engine.confirm(h.prep, 1, "c", h.f.tech, h.f.t0).ok());
    REQUIRE(h.step() == 2);
    const double tare = 11.203, density = 1.08;
    CHECK(h.frame(balance(tare, false)).empty());              // unsettled: nothing
    CHECK(h.frame(balance(tare)).empty());                     // the pan was not seen cleared in this step
    CHECK(h.frame(balance(0.0)).empty());                      // cleared
    CHECK(h.frame(balance(tare)).size() == 1);                 // the empty syringe: tare
    CHECK(h.frame(balance(tare)).empty());                     // the same reading: not again
    CHECK(h.frame(balance(tare + 9.0 * density)).size() == 1); // a misdraw: 9 mL -> refused
    CHECK(h.step() == 2);
    CHECK(h.f.engine.view(h.prep)->steps[2].attempts == 1);
    CHECK(h.frame(balance(0.0)).empty());                       // syringe lifted off
    CHECK(h.frame(balance(tare + 11.0 * density)).size() == 1); // corrected: passes
    CHECK(h.step() == 3);
}

TEST_CASE("the same weight placed again after lifting the syringe is offered again") {
    Hood h;
    REQUIRE(
        h.f.engine.submitScan(h.prep, 0, "s", gs1Scan(kCefazolin2g, "280630", "L1"), h.f.tech, h.f.t0).ok());
    REQUIRE(h.f.engine.confirm(h.prep, 1, "c", h.f.tech, h.f.t0).ok());
    const double tare = 11.203, density = 1.08;
    CHECK(h.frame(balance(0.0)).empty());
    CHECK(h.frame(balance(tare)).size() == 1);
    CHECK(h.frame(balance(tare + 9.0 * density)).size() == 1);
    CHECK(h.frame(balance(0.001)).empty());
    CHECK(h.frame(balance(tare + 9.0 * density)).size() == 1); // a second (recorded) attempt
    CHECK(h.f.engine.view(h.prep)->steps[2].attempts == 2);
}

TEST_CASE("a balance that drops out during a weigh step is reported once, and its return too") {
    Hood h;
    REQUIRE(
        h.f.engine.submitScan(h.prep, 0, "s", gs1Scan(kCefazolin2g, "280630", "L1"), h.f.tech, h.f.t0).ok());
    REQUIRE(h.f.engine.confirm(h.prep, 1, "c", h.f.tech, h.f.t0).ok());
    HoodInputs down;
    down.balancePresent = true;
    down.balanceConnected = false;
    CHECK(h.frame(down).size() == 1);
    CHECK(h.frame(down).empty());
    CHECK(h.f.engine.view(h.prep)->deviceProblems.size() == 1);
    const auto back = h.frame(balance(0.0));
    REQUIRE(back.size() == 1);
    CHECK(back[0].kind == HoodAction::Kind::DeviceUp);
    const auto reading = h.frame(balance(11.2));
    REQUIRE(reading.size() == 1);
    CHECK(reading[0].kind == HoodAction::Kind::Reading);
    CHECK(h.f.engine.view(h.prep)->deviceProblems.empty());
}

TEST_CASE("a photo is asked for only with the step's product in view and the balance settled") {
    Hood h;
    REQUIRE(
        h.f.engine.submitScan(h.prep, 0, "s", gs1Scan(kCefazolin2g, "280630", "L1"), h.f.tech, h.f.t0).ok());
    REQUIRE(h.f.engine.confirm(h.prep, 1, "c", h.f.tech, h.f.t0).ok());
    REQUIRE(h.f.engine.submitReading(h.prep, 2, "t", grams(11.2), h.f.tech, h.f.t0).ok());
    REQUIRE(h.f.engine.submitReading(h.prep, 2, "w", grams(11.2 + 11.88), h.f.tech, h.f.t0).ok());
    REQUIRE(h.step() == 3);
    CHECK(HoodAssistant::expectedInView(*h.f.engine.view(h.prep)) == kCefazolin2g);
    HoodInputs in = balance(23.08);
    in.codesInView = {kNaCl100};
    CHECK(h.frame(in).empty()); // the wrong product in view
    in.codesInView = {kCefazolin2g};
    in.balanceSettled = false;
    CHECK(h.frame(in).empty()); // not settled
    in.balanceSettled = true;
    const auto asked = h.frame(in);
    REQUIRE(asked.size() == 1);
    CHECK(asked[0].kind == HoodAction::Kind::TakePhoto);
    CHECK(h.frame(in).empty()); // waits before asking again
    in.photoInFlight = true;
    h.clock += 5s;
    CHECK(h.frame(in).empty()); // a capture is already on its way
}

TEST_CASE("the filled syringe of the step before is never taken as the next step's empty syringe") {
    Hood h;
    REQUIRE(
        h.f.engine.submitScan(h.prep, 0, "s", gs1Scan(kCefazolin2g, "280630", "L1"), h.f.tech, h.f.t0).ok());
    REQUIRE(h.f.engine.confirm(h.prep, 1, "c", h.f.tech, h.f.t0).ok());
    const double tare = 11.203, density = 1.08, filled = tare + 11.0 * density;
    CHECK(h.frame(balance(0.0)).empty());
    CHECK(h.frame(balance(tare)).size() == 1);
    CHECK(h.frame(balance(filled)).size() == 1);
    REQUIRE(h.step() == 3); // passed; the filled syringe is still on the pan
    // Were the next step a weighing, the same reading must wait for the pan to be cleared.
    HoodAssistant fresh;
    PrepView view = h.f.engine.view(h.prep).value();
    view.steps[3].spec.kind = StepKind::Weigh; // as if the next step weighed a second draw
    view.steps[3].spec.weigh = view.steps[2].spec.weigh;
    HoodInputs in = balance(filled);
    CHECK(fresh.decide(view, in).empty());
    CHECK(fresh.waitingForEmptyPan());
    CHECK(fresh.decide(view, balance(0.0)).empty());
    CHECK_FALSE(fresh.waitingForEmptyPan());
    CHECK(fresh.decide(view, balance(tare)).size() == 1);
}

TEST_CASE("an overload or underload on the pan reaches the engine once per episode, refused and recorded") {
    Hood h;
    REQUIRE(
        h.f.engine.submitScan(h.prep, 0, "s", gs1Scan(kCefazolin2g, "280630", "L1"), h.f.tech, h.f.t0).ok());
    REQUIRE(h.f.engine.confirm(h.prep, 1, "c", h.f.tech, h.f.t0).ok());
    HoodInputs in = balance(0.0, false);
    in.outOfRange = grams(0.0, false);
    in.outOfRange->range = WeighRange::Overload;
    const auto first = h.frame(in);
    REQUIRE(first.size() == 1);
    CHECK(first[0].kind == HoodAction::Kind::Reading);
    CHECK(h.frame(in).empty());           // the same episode: once
    CHECK(h.frame(balance(0.0)).empty()); // back in range, pan empty
    in.outOfRange->range = WeighRange::Underload;
    CHECK(h.frame(in).size() == 1); // a new episode
    size_t refused = 0;
    for (const auto& e : store::PrepRepo(h.f.db).evidence(h.prep))
        refused += e.outcome == "fail" && e.kind == "weigh";
    CHECK(refused == 2);
    CHECK(h.step() == 2);
}
