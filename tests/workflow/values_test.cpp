// The typed values at the workflow boundary: the weigh-step rule the screen and the engine share
// (in the balance's own unit), scanned codes (AIM kept apart, GS1 parsed once), the enums' spellings.
#include "station/workflow/prep_spec.hpp"
#include "station/workflow/values.hpp"
#include "tests/workflow/engine_fixture.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::workflow;
using devices::MassUnit;

namespace {

WeighGate cefazolinDraw() {
    return WeighGate{11.0, 10.45, 11.55, 1.08, 0.05, "ceFAZolin 181.8 mg/mL"};
}

} // namespace

TEST_CASE("WeighStep: a balance set to mg or kg gives the same volume as one set to g") {
    const WeighGate gate = cefazolinDraw();
    const double tareG = 11.2;
    const double grossG = tareG + 11.0 * 1.08; // exactly the target
    for (const auto& [value, unit] :
         {std::pair{grossG, MassUnit::Gram}, std::pair{grossG * 1000.0, MassUnit::Milligram},
          std::pair{grossG / 1000.0, MassUnit::Kilogram}}) {
        CAPTURE(devices::massUnitSymbol(unit));
        const WeighStep w = WeighStep::assess(gate, tareG, test::grams(value, true, unit));
        CHECK(w.kind == WeighStep::Kind::InBand);
        REQUIRE(w.volumeMl);
        CHECK(*w.volumeMl == doctest::Approx(11.0));
        CHECK(*w.netG == doctest::Approx(11.88));
    }
    // The reading keeps the balance's own unit for the screen.
    CHECK(test::grams(22083.0, true, MassUnit::Milligram).shown() == "22083.0000 mg");
}

TEST_CASE("WeighStep: unstable, overload and underload are refused; the band is inclusive") {
    const WeighGate gate = cefazolinDraw();
    CHECK(WeighStep::assess(gate, std::nullopt, test::grams(11.2)).kind == WeighStep::Kind::Tare);
    CHECK(WeighStep::assess(gate, 11.2, test::grams(11.21)).kind == WeighStep::Kind::Empty);
    auto over = test::grams(0);
    over.range = WeighRange::Overload;
    CHECK(WeighStep::assess(gate, 11.2, over).kind == WeighStep::Kind::Overload);
    CHECK(WeighStep::assess(gate, 11.2, over).refused());
    auto under = test::grams(0);
    under.range = WeighRange::Underload;
    CHECK(WeighStep::assess(gate, 11.2, under).kind == WeighStep::Kind::Underload);
    const WeighStep settling = WeighStep::assess(gate, 11.2, test::grams(11.2 + 11.0 * 1.08, false));
    CHECK(settling.kind == WeighStep::Kind::Unstable);
    CHECK(settling.refused());
    REQUIRE(settling.volumeMl); // the screen still shows the draw while it settles
    CHECK(settling.band == WeighStep::Kind::InBand);
    CHECK(WeighStep::assess(gate, 11.2, test::grams(11.2 + 10.45 * 1.08)).kind == WeighStep::Kind::InBand);
    CHECK(WeighStep::assess(gate, 11.2, test::grams(11.2 + 11.55 * 1.08)).kind == WeighStep::Kind::InBand);
    CHECK(WeighStep::assess(gate, 11.2, test::grams(11.2 + 10.40 * 1.08)).kind == WeighStep::Kind::Under);
    CHECK(WeighStep::assess(gate, 11.2, test::grams(11.2 + 11.60 * 1.08)).kind == WeighStep::Kind::Over);
}

TEST_CASE("scanned codes: the AIM identifier is kept apart from the content, the GS1 parse made once") {
    const ScannedCode code = scannedText("]d201" + test::kCefazolin2g + "17280630" + "10L1\x1d" + "21S1",
                                         ScanSource::Scanner, "s1");
    CHECK(code.aim == "]d2");
    CHECK(code.text.rfind("01", 0) == 0);
    CHECK(code.raw() == "]d201" + test::kCefazolin2g + "17280630" + "10L1\x1d" + "21S1");
    REQUIRE(code.gs1);
    CHECK(code.gs1->gtin == test::kCefazolin2g);
    CHECK(code.gs1->lot == "L1");
    CHECK(code.gs1->symbology == "GS1 DataMatrix");
    const ScannedCode typed = scannedText("hello", ScanSource::Keyboard);
    CHECK(typed.aim.empty());
    CHECK_FALSE(typed.gs1);
    CHECK_FALSE(typed.gs1Problem.empty());
}

TEST_CASE("preparation status and step state: spelled only at the edges, and back") {
    for (const auto s : {PrepStatus::InProgress, PrepStatus::AwaitingCheck, PrepStatus::Released,
                         PrepStatus::Rejected, PrepStatus::Cancelled})
        CHECK(parsePrepStatus(prepStatusName(s)) == s);
    for (const auto s : {StepState::Pending, StepState::Active, StepState::Passed, StepState::Overridden})
        CHECK(parseStepState(stepStateName(s)) == s);
    CHECK(prepStatusName(PrepStatus::InProgress) == "in_progress");
    CHECK_FALSE(parsePrepStatus("in progress"));
    CHECK_FALSE(parseStepState("done"));
    CHECK(describe(PrepStatus::AwaitingCheck) == "awaiting check");
}
