// Every demo recipe, planned for a standard adult, becomes steps the engine can drive to the end;
// the weigh gates carry the plan's own tolerance band converted to mL.
#include "formulas/formulary.hpp"
#include "formulas/plan.hpp"
#include "station/workflow/plan_steps.hpp"
#include "tests/workflow/engine_fixture.hpp"

#include <algorithm>

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::workflow;
using namespace std::chrono_literals;

namespace {

formulas::Order adultOrder(const std::string& recipeId) {
    formulas::Order o;
    o.id = "T-" + recipeId;
    o.recipeId = recipeId;
    o.patient.weightKg = 70;
    o.patient.heightCm = 170;
    o.patient.ageYears = 60;
    o.patient.sex = formulas::Sex::Male;
    o.patient.scrMgDl = 1.0;
    return o;
}

} // namespace

TEST_CASE("every demo recipe becomes a drivable sequence of gated steps") {
    const auto formulary = formulas::loadDemoFormulary();
    REQUIRE(formulary.ok());
    const auto policy = formulas::loadDefaultFormulasPolicy();
    REQUIRE(policy.ok());
    int planned = 0;
    for (const std::string& id : formulary->recipeIds()) {
        INFO("recipe " << id);
        const auto plan = formulas::makePlan(adultOrder(id), *formulary, *policy);
        REQUIRE_MESSAGE(plan.ok(), (plan.ok() ? "" : plan.error().text()));
        const auto spec = specFromPlan(*plan, *formulary);
        if (!plan->ok()) {
            CHECK_FALSE(spec.ok());
            continue;
        }
        REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().text()));
        ++planned;
        REQUIRE(spec->steps.size() >= 3);
        CHECK(spec->steps.front().kind == StepKind::Scan);
        CHECK(spec->steps.back().kind == StepKind::Label);
        CHECK(spec->hazardous == !plan->hazardousHandling.empty());
        for (const StepSpec& s : spec->steps) {
            if (s.kind == StepKind::Scan) {
                REQUIRE(s.scan.acceptedGtins.size() >= 1);
                CHECK(s.scan.acceptedGtins[0].size() == 14);
                CHECK(s.scan.count >= 1);
            }
            if (s.kind == StepKind::Weigh) {
                CHECK(s.weigh.lowMl < s.weigh.targetMl);
                CHECK(s.weigh.targetMl < s.weigh.highMl);
                CHECK(s.weigh.densityGPerMl > 0.9);
                CHECK(s.weigh.densityGPerMl < 1.5);
            }
        }

        // Drive it through the engine with the right inputs.
        test::EngineFixture f;
        f.engine.setProductLookup(formularyLookup(*formulary));
        workflow::OrderInput order;
        order.patientName = "DEMO, PATIENT";
        order.patientMrn = "MRN-1";
        order.recipeId = spec->recipeId;
        order.route = plan->route;
        order.prescriber = "Dr. Demo";
        order.due = f.t0 + 2h;
        const int64_t orderId = f.engine.addOrder(order, f.rph, f.t0).value();
        const std::string pec = spec->hazardous ? "BSC-1" : "LAFW-1";
        const auto prep = f.engine.start(orderId, *spec, f.tech, "Buffer room A", pec, std::nullopt, f.t0);
        REQUIRE_MESSAGE(prep.ok(), (prep.ok() ? "" : prep.error().text()));
        TimePoint t = f.t0;
        for (size_t i = 0; i < spec->steps.size(); ++i) {
            const StepSpec& s = spec->steps[i];
            const int step = static_cast<int>(i);
            const std::string key = "k" + std::to_string(i);
            t += 10s;
            Outcome o;
            switch (s.kind) {
            case StepKind::Scan:
                // One scan per vial, each vial with its own serial.
                for (int v = 1; v <= s.scan.count; ++v) {
                    o = f.engine
                            .submitScan(*prep, step, key + "v" + std::to_string(v),
                                        test::gs1Scan(s.scan.acceptedGtins[0], "281231",
                                                      "L" + std::to_string(i), "S" + std::to_string(v)),
                                        f.tech, t)
                            .value();
                    if (v < s.scan.count)
                        REQUIRE(o.verdict == Verdict::Recorded);
                }
                break;
            case StepKind::Weigh:
                REQUIRE(f.engine.submitReading(*prep, step, key + "t", test::grams(8.0), f.tech, t).ok());
                o = f.engine
                        .submitReading(*prep, step, key,
                                       test::grams(8.0 + s.weigh.targetMl * s.weigh.densityGPerMl), f.tech, t)
                        .value();
                break;
            case StepKind::Photo:
                o = f.engine
                        .submitPhoto(*prep, step, key, PhotoInput{f.storePhoto(step), true, "", ""}, f.tech,
                                     t)
                        .value();
                break;
            case StepKind::Confirm:
                o = f.engine.confirm(*prep, step, key, f.tech, t).value();
                break;
            case StepKind::Label:
                o = f.engine.labelPrinted(*prep, step, key, true, "zebra", f.tech, t).value();
                if (s.labelScan) {
                    REQUIRE(o.verdict == Verdict::Recorded);
                    o = f.engine
                            .submitScan(*prep, step, key + "scan",
                                        test::scanned("]d1" + f.engine.view(*prep)->number), f.tech, t)
                            .value();
                }
                break;
            }
            INFO("step " << i << " " << s.title << ": " << o.message);
            REQUIRE(o.verdict == Verdict::Passed);
        }
        CHECK(f.engine.view(*prep)->status == PrepStatus::AwaitingCheck);
    }
    CHECK(planned >= 30);
}

TEST_CASE("a plan with a blocking flag gives no steps, and says why") {
    const auto formulary = formulas::loadDemoFormulary();
    const auto policy = formulas::loadDefaultFormulasPolicy();
    REQUIRE(formulary.ok());
    formulas::Order o = adultOrder("vancomycin-ns");
    o.dose = formulas::DoseRate(100, formulas::parseDoseUnit("mg/kg").value()); // 7,000 mg: above any maximum
    const auto plan = formulas::makePlan(o, *formulary, *policy);
    REQUIRE(plan.ok());
    REQUIRE_FALSE(plan->ok());
    const auto spec = specFromPlan(*plan, *formulary);
    REQUIRE_FALSE(spec.ok());
    CHECK(spec.error().message.find("cannot be prepared") != std::string::npos);
}

TEST_CASE("a bag made up to its labelled concentration: scan it and withdraw first, before any drug") {
    const auto formulary = formulas::loadDemoFormulary();
    const auto policy = formulas::loadDefaultFormulasPolicy();
    REQUIRE(formulary.ok());
    int withdrawRecipes = 0;
    for (const std::string& id : formulary->recipeIds()) {
        const auto plan = formulas::makePlan(adultOrder(id), *formulary, *policy);
        REQUIRE(plan.ok());
        const bool withdraws = std::any_of(plan->ingredients.begin(), plan->ingredients.end(),
                                           [](const auto& i) { return i.role == "withdraw"; });
        if (!withdraws || !plan->ok())
            continue;
        INFO("recipe " << id);
        ++withdrawRecipes;
        const auto spec = specFromPlan(*plan, *formulary);
        REQUIRE(spec.ok());
        REQUIRE(spec->steps.size() > 3);
        CHECK(spec->steps[0].kind == StepKind::Scan);
        CHECK(spec->steps[0].scan.acceptedGtins[0] == formulary->product(plan->baseProductId)->gtin);
        CHECK(spec->steps[1].title.rfind("Withdraw ", 0) == 0);
        // The bag is scanned once, and no step calls it a diluent to add.
        int bagScans = 0;
        for (const auto& s : spec->steps) {
            bagScans +=
                s.kind == StepKind::Scan && s.scan.acceptedGtins[0] == spec->steps[0].scan.acceptedGtins[0];
            CHECK(s.title.find("(diluent)") == std::string::npos);
        }
        CHECK(bagScans == 1);
    }
    CHECK(withdrawRecipes >= 1); // heparin, insulin and other drips in the demo formulary
}
