// Issue 14, "steps that pass too easily": every vial used is scanned (two vials, two scans, each
// lot and expiry kept; the same vial twice counts once), the diluent and the base bag are scanned
// where the recipe names a product, and the label step verifies the printed label's code.
#include "formulas/formulary.hpp"
#include "formulas/plan.hpp"
#include "station/workflow/plan_steps.hpp"
#include "tests/workflow/engine_fixture.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::workflow;
using namespace std::chrono_literals;

namespace {

PrepSpec twoVialSpec() {
    PrepSpec spec = test::cefazolinSpec();
    spec.steps.front().scan.count = 2;
    spec.steps.front().title = "Scan ceFAZolin 2 g vial (2 vials)";
    spec.steps.back().labelScan = true;
    return spec;
}

int64_t startPrep(test::EngineFixture& f, const PrepSpec& spec) {
    const int64_t order = f.order();
    return f.engine.start(order, spec, f.tech, "Buffer room A", "LAFW-1", std::nullopt, f.t0).value();
}

} // namespace

TEST_CASE("two vials need two scans, each vial's lot and expiry recorded; the same vial twice counts once") {
    test::EngineFixture f;
    const int64_t prep = startPrep(f, twoVialSpec());
    const auto first =
        f.engine
            .submitScan(prep, 0, "s1", test::gs1Scan(test::kCefazolin2g, "281231", "LOTA", "SER1"), f.tech,
                        f.t0)
            .value();
    CHECK(first.verdict == Verdict::Recorded);
    CHECK(first.currentStep == 0);
    CHECK(first.message.find("1 of 2") != std::string::npos);

    // The same vial again (same serial, a new event): refused, not counted.
    const auto again =
        f.engine
            .submitScan(prep, 0, "s2", test::gs1Scan(test::kCefazolin2g, "281231", "LOTA", "SER1"), f.tech,
                        f.t0)
            .value();
    CHECK(again.verdict == Verdict::Failed);
    CHECK(again.currentStep == 0);
    CHECK(again.message.find("already") != std::string::npos);
    // The same scan event delivered twice: answered once.
    CHECK(f.engine
              .submitScan(prep, 0, "s1", test::gs1Scan(test::kCefazolin2g, "281231", "LOTA", "SER1"), f.tech,
                          f.t0)
              ->verdict == Verdict::Duplicate);
    CHECK(f.engine.view(prep)->currentStep == 0);

    // A wrong product in between does not count either.
    CHECK(f.engine
              .submitScan(prep, 0, "s3", test::gs1Scan(test::kVancomycin1g, "281231", "V1", "SV1"), f.tech,
                          f.t0)
              ->verdict == Verdict::Failed);

    const auto second =
        f.engine
            .submitScan(prep, 0, "s4", test::gs1Scan(test::kCefazolin2g, "271130", "LOTB", "SER2"), f.tech,
                        f.t0)
            .value();
    CHECK(second.verdict == Verdict::Passed);
    CHECK(second.currentStep == 1);
    const auto view = f.engine.view(prep).value();
    const auto& vials = view.steps[0].result.at("vials");
    REQUIRE(vials.size() == 2);
    CHECK(vials[0]["lot"] == "LOTA");
    CHECK(vials[0]["expiry"] == "2028-12-31");
    CHECK(vials[1]["lot"] == "LOTB");
    CHECK(vials[1]["expiry"] == "2027-11-30");
    // The step's expiry is the earliest of its vials (the BUD may not pass it).
    CHECK(view.steps[0].result["expiry"] == "2027-11-30");
}

TEST_CASE("the label step that asks for a scan passes only on the printed label's code") {
    test::EngineFixture f;
    PrepSpec spec = twoVialSpec();
    spec.steps = {spec.steps.back()}; // the label step alone
    const int64_t prep = startPrep(f, spec);
    const std::string number = f.engine.view(prep)->number;
    // Scanning before printing: there is no label yet.
    CHECK(f.engine.submitScan(prep, 0, "early", test::scanned("]d1" + number), f.tech, f.t0)->verdict ==
          Verdict::Failed);
    const auto printed = f.engine.labelPrinted(prep, 0, "p1", true, "zebra", f.tech, f.t0).value();
    CHECK(printed.verdict == Verdict::Recorded);
    CHECK(f.engine.view(prep)->status == PrepStatus::InProgress);
    // Another preparation's label, or a product code: refused.
    CHECK(f.engine.submitScan(prep, 0, "w1", test::scanned("]d1P20260101-0001"), f.tech, f.t0)->verdict ==
          Verdict::Failed);
    CHECK(
        f.engine.submitScan(prep, 0, "w2", test::gs1Scan(test::kCefazolin2g, "281231", "LOTA"), f.tech, f.t0)
            ->verdict == Verdict::Failed);
    CHECK(f.engine.view(prep)->status == PrepStatus::InProgress);
    const auto ok = f.engine.submitScan(prep, 0, "good", test::scanned("]d1" + number), f.tech, f.t0).value();
    CHECK(ok.verdict == Verdict::Passed);
    CHECK(f.engine.view(prep)->status == PrepStatus::AwaitingCheck);
}

TEST_CASE("a label step without a scan passes when printed, as before") {
    test::EngineFixture f;
    PrepSpec spec = test::cefazolinSpec();
    spec.steps = {spec.steps.back()};
    const int64_t prep = startPrep(f, spec);
    CHECK(f.engine.labelPrinted(prep, 0, "p1", true, "zebra", f.tech, f.t0)->verdict == Verdict::Passed);
}

TEST_CASE("the plan's steps: one scan per vial, the reconstitution diluent and the bag scanned, the label "
          "scanned") {
    const auto formulary = formulas::loadDemoFormulary().value();
    const auto policy = formulas::loadDefaultFormulasPolicy().value();
    const auto order =
        formulas::parseOrderJson(R"({"id":"T","recipe":"cefazolin-ns","dose":{"value":2,"unit":"g"}})")
            .value();
    const auto plan = formulas::makePlan(order, formulary, policy).value();
    REQUIRE(plan.ok());
    REQUIRE(plan.ingredients.front().vials == 2);
    const auto spec = specFromPlan(plan, formulary).value();
    int vialScans = 0, waterScans = 0, bagScans = 0;
    const formulas::Product* cef = formulary.product("cefazolin-1g");
    const formulas::Product* bag = formulary.product(plan.baseProductId);
    REQUIRE(cef);
    REQUIRE(bag);
    for (const auto& s : spec.steps) {
        if (s.kind != StepKind::Scan)
            continue;
        const auto& g = s.scan.acceptedGtins;
        if (std::find(g.begin(), g.end(), cef->gtin) != g.end()) {
            ++vialScans;
            CHECK(s.scan.count == 2);
        } else if (std::find(g.begin(), g.end(), bag->gtin) != g.end()) {
            ++bagScans;
        } else {
            for (const auto& gtin : g) {
                const auto products = formulary.productsForGtin(gtin);
                REQUIRE(products.size() == 1);
                CHECK(products.front()->drug == "sterile water for injection");
            }
            ++waterScans;
        }
    }
    CHECK(vialScans == 1);
    CHECK(waterScans == 1);
    CHECK(bagScans == 1);
    CHECK(spec.steps.back().kind == StepKind::Label);
    CHECK(spec.steps.back().labelScan);
}

TEST_CASE(
    "a UPC-A identifies the product; lot and expiry are then asked for, named, and read from a second code") {
    test::EngineFixture f;
    PrepSpec spec = test::cefazolinSpec();
    // The UPC-A of the 2 g vial: its GTIN-14 is 00 + the 12-digit UPC-A.
    const std::string upc = test::kCefazolin2g.substr(2);
    const int64_t prep = startPrep(f, spec);
    const auto first = f.engine.submitScan(prep, 0, "u1", test::scanned("]E0" + upc), f.tech, f.t0).value();
    CHECK(first.verdict == Verdict::Recorded);
    CHECK(first.currentStep == 0);
    CHECK(first.message.find("UPC-A") != std::string::npos);
    CHECK(first.message.find("Missing: lot and expiry") != std::string::npos);
    // A GS1-128 with only the expiry: the lot is still missing, and said so.
    const auto partial = f.engine
                             .submitScan(prep, 0, "u2",
                                         test::scanned("]C1"
                                                       "17281231"),
                                         f.tech, f.t0)
                             .value();
    CHECK(partial.verdict == Verdict::Recorded);
    CHECK(partial.message.find("Missing: lot.") != std::string::npos);
    // Lot and expiry (as a second code, or typed on the keypad in human-readable form): passes.
    const auto done =
        f.engine.submitScan(prep, 0, "u3", test::scanned("(17)281231(10)LOTU"), f.tech, f.t0).value();
    CHECK(done.verdict == Verdict::Passed);
    const auto view = f.engine.view(prep).value();
    CHECK(view.steps[0].result["gtin"] == test::kCefazolin2g);
    CHECK(view.steps[0].result["lot"] == "LOTU");
    CHECK(view.steps[0].result["expiry"] == "2028-12-31");
    CHECK_FALSE(view.steps[0].result.contains("pending_gtin"));
}

TEST_CASE(
    "a UPC-A of the wrong product is refused like any other code; GS1-128 with all fields passes at once") {
    test::EngineFixture f;
    const int64_t prep = startPrep(f, test::cefazolinSpec());
    const auto wrong =
        f.engine.submitScan(prep, 0, "w", test::scanned("]E0" + test::kVancomycin1g.substr(2)), f.tech, f.t0)
            .value();
    CHECK(wrong.verdict == Verdict::Failed);
    CHECK(wrong.message.find("WRONG DRUG") != std::string::npos);
    // Lot and expiry alone, with no product identified before: refused.
    CHECK(f.engine.submitScan(prep, 0, "le", test::scanned("(17)281231(10)LOTU"), f.tech, f.t0)->verdict ==
          Verdict::Failed);
    const auto c128 = f.engine
                          .submitScan(prep, 0, "c",
                                      test::scanned("]C1"
                                                    "01" +
                                                    test::kCefazolin2g +
                                                    "17281231"
                                                    "10LOT7"),
                                      f.tech, f.t0)
                          .value();
    CHECK(c128.verdict == Verdict::Passed);
}
