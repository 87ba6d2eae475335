// Whole preparations driven through the engine, and one test per error the gates must catch.
// Scans are GS1 DataMatrix payloads as a scanner sends them; balance readings are what a balance
// reports (gross on a zeroed pan); photos are stored in the image store first, as the camera does.
#include "tests/workflow/engine_fixture.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::workflow;
using namespace admix::test;
using namespace std::chrono_literals;

namespace {

// Drives every step of a started preparation with correct inputs. Returns the last outcome.
Outcome runHappyPath(EngineFixture& f, int64_t prepId, const PrepSpec& spec, TimePoint t) {
    Outcome last;
    for (size_t i = 0; i < spec.steps.size(); ++i) {
        const StepSpec& s = spec.steps[i];
        const int step = static_cast<int>(i);
        const std::string key = "happy-" + std::to_string(i);
        t += 20s;
        switch (s.kind) {
        case StepKind::Scan:
            last = f.engine
                       .submitScan(prepId, step, key,
                                   gs1Scan(s.scan.acceptedGtins.front(), "280630", "LOT" + std::to_string(i)),
                                   f.tech, t)
                       .value();
            break;
        case StepKind::Weigh: {
            REQUIRE(f.engine.submitReading(prepId, step, key + "-tare", grams(11.203), f.tech, t)
                        .value()
                        .verdict == Verdict::Recorded);
            const double net = s.weigh.targetMl * s.weigh.densityGPerMl;
            last = f.engine.submitReading(prepId, step, key, grams(11.203 + net), f.tech, t + 5s).value();
            break;
        }
        case StepKind::Photo:
            last =
                f.engine
                    .submitPhoto(prepId, step, key, PhotoInput{f.storePhoto(step), true, "", ""}, f.tech, t)
                    .value();
            break;
        case StepKind::Confirm:
            last = f.engine.confirm(prepId, step, key, f.tech, t).value();
            break;
        case StepKind::Label:
            last = f.engine.labelPrinted(prepId, step, key, true, "Zebra ZD621 hood-1", f.tech, t).value();
            break;
        }
        INFO("step " << i << ": " << last.message);
        REQUIRE(last.verdict == Verdict::Passed);
    }
    return last;
}

PrepSpec cisplatinSpec() {
    PrepSpec spec = cefazolinSpec();
    spec.recipeId = "cisplatin-75mg-m2";
    spec.title = "CISplatin 130 mg in NS 500 mL";
    spec.hazardous = true;
    spec.pecRequired = "BSC";
    spec.steps[0].title = "Scan CISplatin 1 mg/mL, 100 mL vial";
    spec.steps[0].scan = {{kCisplatin}, "CISplatin 1 mg/mL 100 mL", "cisplatin", "1 mg/mL, 100 mL"};
    spec.steps.erase(spec.steps.begin() + 1); // solution: nothing to reconstitute
    spec.steps[1].weigh = {130.0, 126.1, 133.9, 1.006, 0.05, "CISplatin 1 mg/mL"};
    return spec;
}

PrepSpec vancomycinWeightBasedSpec() {
    // Vancomycin 15 mg/kg for 82 kg = 1,230 mg, rounded to 1,250 mg by the recipe: 25 mL of 50 mg/mL.
    PrepSpec spec = cefazolinSpec();
    spec.recipeId = "vancomycin-15mg-kg";
    spec.title = "vancomycin 1,250 mg in NS 250 mL";
    spec.doseText = "1,250 mg (15 mg/kg x 82 kg = 1,230 mg, rounded)";
    spec.steps[0].scan = {{kVancomycin1g}, "vancomycin 1 g vial", "vancomycin", "1 g vial"};
    spec.steps[2].weigh = {25.0, 23.75, 26.25, 1.03, 0.05, "vancomycin 50 mg/mL"};
    return spec;
}

} // namespace

TEST_CASE("happy path: a fixed-dose preparation passes every gate, then the pharmacist releases it") {
    EngineFixture f;
    const int64_t orderId = f.order();
    const PrepSpec spec = cefazolinSpec();
    const int64_t prep =
        f.engine.start(orderId, spec, f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0).value();
    const Outcome last = runHappyPath(f, prep, spec, f.t0);
    CHECK(last.prepStatus == PrepStatus::AwaitingCheck);
    const auto view = f.engine.view(prep).value();
    CHECK(view.status == PrepStatus::AwaitingCheck);
    CHECK_FALSE(view.anyOverride);
    for (const auto& step : view.steps)
        CHECK(step.state == StepState::Passed);
    // The measured volume is kept with the weigh step: 11.88 g net / 1.08 g/mL = 11 mL.
    CHECK(view.steps[2].result["volume_ml"].get<double>() == doctest::Approx(11.0));
    CHECK(view.steps[0].result["lot"] == "LOT0");
    CHECK(view.steps[0].result["expiry"] == "2028-06-30");

    const auto prepNumber = view.number;
    const Signature sig = f.sign("prep.approve", prepNumber, "approve", f.t0 + 10min);
    REQUIRE(f.engine.approve(prep, sig, f.t0 + 10min).ok());
    CHECK(f.engine.view(prep)->status == PrepStatus::Released);
    CHECK(store::PrepRepo(f.db).order(orderId)->status == "released");
    CHECK_FALSE(f.audit.verify().has_value());
}

TEST_CASE("happy path: a weight-based preparation") {
    EngineFixture f;
    const PrepSpec spec = vancomycinWeightBasedSpec();
    const int64_t prep =
        f.engine.start(f.order(spec.recipeId), spec, f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0)
            .value();
    CHECK(runHappyPath(f, prep, spec, f.t0).prepStatus == PrepStatus::AwaitingCheck);
    CHECK(f.engine.view(prep)->steps[2].result["volume_ml"].get<double>() == doctest::Approx(25.0));
}

TEST_CASE("happy path: a hazardous preparation in a BSC; refused in a laminar-flow hood") {
    EngineFixture f;
    const PrepSpec spec = cisplatinSpec();
    const int64_t orderId = f.order(spec.recipeId);
    const auto refused =
        f.engine.start(orderId, spec, f.tech, "HD buffer room", "LAFW-1", std::nullopt, f.t0);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("biological safety cabinet") != std::string::npos);
    const int64_t prep =
        f.engine.start(orderId, spec, f.tech, "HD buffer room", "BSC-1", std::nullopt, f.t0).value();
    CHECK(runHappyPath(f, prep, spec, f.t0).prepStatus == PrepStatus::AwaitingCheck);
    CHECK(f.engine.view(prep)->spec.hazardous);
}

TEST_CASE("scan gate errors are caught, recorded, and the step stays open") {
    EngineFixture f;
    const int64_t prep =
        f.engine.start(f.order(), cefazolinSpec(), f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0)
            .value();
    auto scan = [&](const std::string& key, const ScannedCode& code) {
        return f.engine.submitScan(prep, 0, key, code, f.tech, f.t0 + 1min).value();
    };
    SUBCASE("wrong drug") {
        const Outcome o = scan("k1", gs1Scan(kVancomycin1g, "280630", "V1"));
        CHECK(o.verdict == Verdict::Failed);
        CHECK(o.message.find("WRONG DRUG") == 0);
    }
    SUBCASE("wrong strength") {
        const Outcome o = scan("k1", gs1Scan(kCefazolin1g, "280630", "C1"));
        CHECK(o.verdict == Verdict::Failed);
        CHECK(o.message.find("WRONG STRENGTH") == 0);
        CHECK(o.message.find("1 g vial") != std::string::npos);
    }
    SUBCASE("expired lot: the day before today fails, today passes") {
        // t0 is 2026-11-21: expiry 2026-11-20 has passed; expiry 2026-11-21 is still usable today.
        const Outcome expired = scan("k1", gs1Scan(kCefazolin2g, "261120", "OLD1"));
        CHECK(expired.verdict == Verdict::Failed);
        CHECK(expired.message.find("EXPIRED on 2026-11-20") == 0);
        CHECK(scan("k2", gs1Scan(kCefazolin2g, "261121", "NEW1")).verdict == Verdict::Passed);
    }
    SUBCASE("expiry day 00 means the end of the month") {
        CHECK(scan("k1", gs1Scan(kCefazolin2g, "261100", "EOM1")).verdict == Verdict::Passed);
        CHECK(f.engine.view(prep)->steps[0].result["expiry"] == "2026-11-30");
    }
    SUBCASE("recalled lot, and a recall of every lot") {
        store::PrepRepo(f.db).addRecall(kCefazolin2g, "R-13", "FDA class II: particulates", "qa",
                                        "2026-11-20T00:00:00Z");
        const Outcome o = scan("k1", gs1Scan(kCefazolin2g, "280630", "R-13"));
        CHECK(o.verdict == Verdict::Failed);
        CHECK(o.message.find("RECALLED") == 0);
        CHECK(scan("k2", gs1Scan(kCefazolin2g, "280630", "R-14")).verdict == Verdict::Passed);
    }
    SUBCASE("unreadable code and a code with no lot") {
        CHECK(scan("k1", scanned("not a barcode")).verdict == Verdict::Failed);
        // The right product without a lot: not passed; the missing field is named and asked for.
        const Outcome noLot = scan("k2", scanned("]d201" + kCefazolin2g + "17280630"));
        CHECK(noLot.verdict == Verdict::Recorded);
        CHECK(noLot.message.find("Missing: lot.") != std::string::npos);
        CHECK(f.engine.view(prep)->currentStep == 0);
    }
    const auto view = f.engine.view(prep).value();
    if (view.steps[0].state != StepState::Passed) {
        CHECK(view.currentStep == 0);
        CHECK(view.steps[0].attempts >= 1);
        CHECK(f.evidenceCount(prep, "fail") >= 1);
    }
    CHECK_FALSE(f.audit.verify().has_value());
}

TEST_CASE("weigh gate: over, under, unstable, at the band edges, and a balance unplugged") {
    EngineFixture f;
    const PrepSpec spec = cefazolinSpec();
    const int64_t prep =
        f.engine.start(f.order(), spec, f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0).value();
    REQUIRE(f.engine.submitScan(prep, 0, "s", gs1Scan(kCefazolin2g, "280630", "L1"), f.tech, f.t0)
                .value()
                .verdict == Verdict::Passed);
    REQUIRE(f.engine.confirm(prep, 1, "c", f.tech, f.t0).value().verdict == Verdict::Passed);
    const double tare = 11.203, density = 1.08;
    REQUIRE(f.engine.submitReading(prep, 2, "tare", grams(tare), f.tech, f.t0).value().verdict ==
            Verdict::Recorded);
    auto weigh = [&](const std::string& key, double ml, bool stable = true) {
        return f.engine.submitReading(prep, 2, key, grams(tare + ml * density, stable), f.tech, f.t0 + 1min)
            .value();
    };

    SUBCASE("over: just above the high edge fails") {
        const Outcome o = weigh("w1", 11.56);
        CHECK(o.verdict == Verdict::Failed);
        CHECK(o.message.find("TOO MUCH") == 0);
        CHECK(weigh("w2", 11.55).verdict == Verdict::Passed); // at the edge passes
    }
    SUBCASE("under: just below the low edge fails") {
        const Outcome o = weigh("w1", 10.44);
        CHECK(o.verdict == Verdict::Failed);
        CHECK(o.message.find("TOO LITTLE") == 0);
        CHECK(weigh("w2", 10.45).verdict == Verdict::Passed);
    }
    SUBCASE("unstable readings never pass and do not count as attempts") {
        const Outcome o = weigh("w1", 11.0, false);
        CHECK(o.verdict == Verdict::Failed);
        CHECK(o.message.find("not stable") != std::string::npos);
        CHECK(f.engine.view(prep)->steps[2].attempts == 0);
    }
    SUBCASE("unstable, overload and underload readings are each refused and recorded, never attempts") {
        auto over = grams(0);
        over.range = WeighRange::Overload;
        auto under = grams(0);
        under.range = WeighRange::Underload;
        const Outcome o1 = weigh("w1", 11.0, false);
        const Outcome o2 = f.engine.submitReading(prep, 2, "w2", over, f.tech, f.t0 + 1min).value();
        const Outcome o3 = f.engine.submitReading(prep, 2, "w3", under, f.tech, f.t0 + 1min).value();
        CHECK(o1.verdict == Verdict::Failed);
        CHECK(o2.verdict == Verdict::Failed);
        CHECK(o2.message.find("overload") != std::string::npos);
        CHECK(o3.verdict == Verdict::Failed);
        CHECK(o3.message.find("underload") != std::string::npos);
        std::vector<std::string> problems;
        for (const auto& e : store::PrepRepo(f.db).evidence(prep)) {
            const auto d = nlohmann::json::parse(e.dataJson);
            if (e.outcome == "fail" && e.kind == "weigh")
                problems.push_back(d.value("problem", ""));
        }
        CHECK(problems == std::vector<std::string>{"unstable", "overload", "underload"});
        CHECK(f.engine.view(prep)->steps[2].attempts == 0);
        CHECK(f.engine.view(prep)->currentStep == 2);
    }
    SUBCASE("balance unplugged: recorded, blocks until it is back or a pharmacist overrides") {
        const Outcome down =
            f.engine.deviceStatus(prep, 2, "d1", "balance", false, "USB disconnected", f.tech, f.t0).value();
        CHECK(down.verdict == Verdict::Failed);
        CHECK(f.engine.view(prep)->deviceProblems.size() == 1);
        CHECK(f.engine.confirm(prep, 2, "c2", f.tech, f.t0).value().verdict == Verdict::Failed);
        const Signature sig = f.sign("prep.override", f.engine.view(prep)->number,
                                     "balance down; volume verified by syringe photo", f.t0 + 2min);
        const Outcome o = f.engine.overrideStep(prep, 2, sig, f.t0 + 2min).value();
        CHECK(o.verdict == Verdict::Passed);
        const auto view = f.engine.view(prep).value();
        CHECK(view.steps[2].state == StepState::Overridden);
        CHECK(view.anyOverride);
        CHECK(view.steps[2].result["reason"] == "balance down; volume verified by syringe photo");
    }
    const auto view = f.engine.view(prep).value();
    if (view.steps[2].state == StepState::Pending || view.steps[2].state == StepState::Active)
        CHECK(view.currentStep == 2);
}

TEST_CASE("an override needs a pharmacist's fresh signature for this preparation") {
    EngineFixture f;
    const int64_t prep =
        f.engine.start(f.order(), cefazolinSpec(), f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0)
            .value();
    const std::string number = f.engine.view(prep)->number;
    SUBCASE("a technician's signature") {
        const auto techSig =
            f.auth.sign("B-1001", "4821", std::nullopt, "prep.override", number, "skip", f.t0);
        REQUIRE(techSig.ok());
        CHECK_FALSE(f.engine.overrideStep(prep, 0, *techSig, f.t0).ok());
    }
    SUBCASE("a signature for another preparation") {
        const Signature other = f.sign("prep.override", "P20261121-9999", "skip", f.t0);
        CHECK_FALSE(f.engine.overrideStep(prep, 0, other, f.t0).ok());
    }
    SUBCASE("a forged signature with no audit row") {
        Signature forged{f.rph, "prep.override", number, "skip", formatIsoUtc(f.t0), 424242};
        CHECK_FALSE(f.engine.overrideStep(prep, 0, forged, f.t0).ok());
    }
    SUBCASE("a stale signature") {
        const Signature old = f.sign("prep.override", number, "skip", f.t0);
        CHECK_FALSE(f.engine.overrideStep(prep, 0, old, f.t0 + 30min).ok());
    }
    CHECK(f.engine.view(prep)->steps[0].state == StepState::Active);
}

TEST_CASE("a blurred photo is refused and recorded; a photo not yet stored is refused") {
    EngineFixture f;
    const PrepSpec spec = cefazolinSpec();
    const int64_t prep =
        f.engine.start(f.order(), spec, f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0).value();
    REQUIRE(f.engine.submitScan(prep, 0, "s", gs1Scan(kCefazolin2g, "280630", "L1"), f.tech, f.t0).ok());
    REQUIRE(f.engine.confirm(prep, 1, "c", f.tech, f.t0).ok());
    REQUIRE(f.engine.submitReading(prep, 2, "t", grams(11.2), f.tech, f.t0).ok());
    REQUIRE(f.engine.submitReading(prep, 2, "w", grams(11.2 + 11.88), f.tech, f.t0).value().verdict ==
            Verdict::Passed);
    const Outcome blurred =
        f.engine
            .submitPhoto(prep, 3, "p1",
                         PhotoInput{f.storePhoto(1), false, "blurred: hold the syringe still", ""}, f.tech,
                         f.t0)
            .value();
    CHECK(blurred.verdict == Verdict::Failed);
    CHECK(blurred.message.find("blurred") != std::string::npos);
    const Outcome notStored =
        f.engine.submitPhoto(prep, 3, "p2", PhotoInput{std::string(64, 'a'), true, "", ""}, f.tech, f.t0)
            .value();
    CHECK(notStored.verdict == Verdict::Failed);
    CHECK(f.engine.view(prep)->steps[3].attempts == 2);
    CHECK(f.engine.submitPhoto(prep, 3, "p3", PhotoInput{f.storePhoto(2), true, "", ""}, f.tech, f.t0)
              .value()
              .verdict == Verdict::Passed);
}

TEST_CASE("compliance: an unqualified technician and an open excursion block the start, with every reason") {
    EngineFixture f;
    f.gate.blockedPeople["tnguyen"] = "T. Nguyen: gloved fingertip sampling lapsed on 2026-10-01";
    f.gate.blockedRooms["Buffer room A"] = "Buffer room A: open excursion EXC-7 (surface 6 CFU at ISO 7)";
    const int64_t orderId = f.order();
    const auto r =
        f.engine.start(orderId, cefazolinSpec(), f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("fingertip") != std::string::npos);
    CHECK(r.error().message.find("EXC-7") != std::string::npos);
    const auto order = store::PrepRepo(f.db).order(orderId).value();
    CHECK(order.status == "open");
    const auto rows = f.audit.forSubject(order.orderNumber);
    CHECK(rows.back().action == "prep.start.blocked");

    SUBCASE("another technician in another room may start") {
        CHECK(f.engine.start(orderId, cefazolinSpec(), f.tech2, "Buffer room B", "LAFW-2", std::nullopt, f.t0)
                  .ok());
    }
    SUBCASE("a pharmacist override with a reason lets it start where policy allows every reason, recorded") {
        f.gate.overridable = {"person_blocked", "room_blocked"};
        const Signature sig =
            f.sign("prep.start.override", order.orderNumber, "STAT; room B down; QA informed", f.t0);
        CHECK(f.engine.start(orderId, cefazolinSpec(), f.tech, "Buffer room A", "LAFW-1", sig, f.t0).ok());
        CHECK(f.audit.forSubject(order.orderNumber).back().action == "prep.start.override");
    }
    SUBCASE("a pharmacist's signature does not override a reason site policy does not allow") {
        f.gate.overridable = {"room_blocked"}; // the person's lapse may not be overridden
        const Signature sig =
            f.sign("prep.start.override", order.orderNumber, "STAT; room B down; QA informed", f.t0);
        const auto refused =
            f.engine.start(orderId, cefazolinSpec(), f.tech, "Buffer room A", "LAFW-1", sig, f.t0);
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().message.find("person_blocked") != std::string::npos);
        CHECK(store::PrepRepo(f.db).order(orderId)->status == "open");
        CHECK(f.gate.used.empty());
    }
}

TEST_CASE("a skipped step attempt is refused and recorded") {
    EngineFixture f;
    const int64_t prep =
        f.engine.start(f.order(), cefazolinSpec(), f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0)
            .value();
    const Outcome o = f.engine.labelPrinted(prep, 7, "label-early", true, "Zebra", f.tech, f.t0).value();
    CHECK(o.verdict == Verdict::Failed);
    CHECK(o.message.find("finish step 1") != std::string::npos);
    const auto view = f.engine.view(prep).value();
    CHECK(view.currentStep == 0);
    CHECK(view.steps[7].state == StepState::Pending);
    const auto evidence = store::PrepRepo(f.db).evidence(prep);
    REQUIRE(evidence.size() == 1);
    CHECK(evidence[0].kind == "skip");
}

TEST_CASE("a double submission is recorded once") {
    EngineFixture f;
    const int64_t prep =
        f.engine.start(f.order(), cefazolinSpec(), f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0)
            .value();
    const ScannedCode scan = gs1Scan(kCefazolin2g, "280630", "L1");
    const Outcome first = f.engine.submitScan(prep, 0, "scan-1", scan, f.tech, f.t0).value();
    const auto auditRows = f.audit.count();
    const Outcome second = f.engine.submitScan(prep, 0, "scan-1", scan, f.tech, f.t0 + 1s).value();
    CHECK(first.verdict == Verdict::Passed);
    CHECK(second.verdict == Verdict::Duplicate);
    CHECK(second.message == first.message);
    CHECK(store::PrepRepo(f.db).evidence(prep).size() == 1);
    CHECK(f.audit.count() == auditRows);
    CHECK(f.engine.view(prep)->currentStep == 1);
}

TEST_CASE("the pharmacist check: rejection sends the order back; the preparer cannot check their own") {
    EngineFixture f;
    const PrepSpec spec = cefazolinSpec();
    const int64_t orderId = f.order();
    const int64_t prep =
        f.engine.start(orderId, spec, f.rph, "Buffer room A", "LAFW-1", std::nullopt, f.t0).value();
    runHappyPath(f, prep, spec, f.t0);
    const std::string number = f.engine.view(prep)->number;
    const Signature approveSig = f.sign("prep.approve", number, "approve", f.t0 + 5min);
    const auto own = f.engine.approve(prep, approveSig, f.t0 + 5min);
    REQUIRE_FALSE(own.ok());
    CHECK(own.error().message.find("cannot check it") != std::string::npos);
    // Nor reject it: an independent pharmacist does.
    const auto ownReject = f.engine.reject(
        prep, f.sign("prep.reject", number, "particulates in bag", f.t0 + 6min), "VISUAL", true, f.t0 + 6min);
    REQUIRE_FALSE(ownReject.ok());
    CHECK(ownReject.error().message.find("nor reject it") != std::string::npos);
    REQUIRE(f.auth
                .addUser({"mokafor", "M. Okafor", Role::Pharmacist, "B-2002", "8162", std::nullopt}, f.admin,
                         f.t0)
                .ok());
    const auto other = [&](const std::string& meaning) {
        return f.auth.sign("B-2002", "8162", Role::Pharmacist, "prep.reject", number, meaning, f.t0 + 6min)
            .value();
    };
    CHECK_FALSE(f.engine.reject(prep, other("particulates in bag"), "", true, f.t0 + 6min).ok());
    REQUIRE(f.engine.reject(prep, other("particulates in bag"), "VISUAL", true, f.t0 + 6min).ok());
    CHECK(f.engine.view(prep)->status == PrepStatus::Rejected);
    CHECK(store::PrepRepo(f.db).order(orderId)->status == "open");
    // A remake is a new preparation of the same order.
    CHECK(f.engine.start(orderId, spec, f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0 + 7min).ok());
}

TEST_CASE("cancel needs a reason; the queue sorts by priority then due time") {
    EngineFixture f;
    const int64_t routine = f.order("cefazolin-2g-100ml", "routine", 1);
    const int64_t stat = f.order("cefazolin-2g-100ml", "stat", 5);
    const int64_t urgentLate = f.order("cefazolin-2g-100ml", "urgent", 4);
    const int64_t urgentEarly = f.order("cefazolin-2g-100ml", "urgent", 3);
    const auto queue = store::PrepRepo(f.db).queue();
    REQUIRE(queue.size() == 4);
    CHECK(queue[0].id == stat);
    CHECK(queue[1].id == urgentEarly);
    CHECK(queue[2].id == urgentLate);
    CHECK(queue[3].id == routine);
    const int64_t prep =
        f.engine.start(routine, cefazolinSpec(), f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0)
            .value();
    CHECK_FALSE(f.engine.cancel(prep, f.tech, " ", f.t0).ok());
    REQUIRE(f.engine.cancel(prep, f.tech, "vial dropped", f.t0).ok());
    CHECK(f.engine.view(prep)->status == PrepStatus::Cancelled);
    CHECK(store::PrepRepo(f.db).order(routine)->status == "open");
}

TEST_CASE("orders are checked field by field") {
    EngineFixture f;
    OrderInput o;
    o.patientName = "DOE, JANE";
    o.patientMrn = "MRN-1";
    o.recipeId = "cefazolin-2g-100ml";
    o.route = "IV";
    o.prescriber = "Dr. Lee";
    o.due = f.t0;
    CHECK_FALSE(f.engine.addOrder(o, f.tech, f.t0).ok()); // technicians do not enter orders
    o.priority = "whenever";
    CHECK(f.engine.addOrder(o, f.rph, f.t0).error().where == "priority");
    o.priority = "stat";
    o.finalVolumeMl = 0;
    CHECK(f.engine.addOrder(o, f.rph, f.t0).error().where == "final volume");
    o.finalVolumeMl = 50;
    o.patientMrn = " ";
    CHECK(f.engine.addOrder(o, f.rph, f.t0).error().where == "medical record number");
}
