#include "formulas/plan.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace admix;
using namespace admix::formulas;

namespace {

bool mentions(const Error& e, std::string_view what) {
    return e.text().find(what) != std::string::npos;
}

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// testdrug 1 mg/mL, so the dose in mg is the volume in mL; density 1.0, so the volume in mL is the
// mass in g. That keeps every expected value below checkable at a glance.
const std::string kProducts = R"(
[[product]]
id = "drug-1mg-ml"
drug = "testdrug"
display_name = "testdrug 10 mg/10 mL"
form = "solution"
concentration = 1
concentration_unit = "mg/mL"
volume_ml = 10
ndc = "99999-001-01"
density_g_ml = 1.0
storage = "room"

[[product]]
id = "other-1mg-ml"
drug = "otherdrug"
display_name = "otherdrug 10 mg/10 mL"
form = "solution"
concentration = 1
concentration_unit = "mg/mL"
volume_ml = 10
ndc = "99999-002-01"
density_g_ml = 1.0
storage = "room"

[[product]]
id = "ns-100"
drug = "sodium chloride 0.9%"
display_name = "NS 100 mL"
form = "diluent"
volume_ml = 100
overfill_ml = 5
ndc = "99999-900-01"
density_g_ml = 1.0
storage = "room"
)";

const std::string kRecipes = R"(
[[recipe]]
id = "undiluted"
version = 1
name = "testdrug undiluted"
route = "IV"
csp_category = 1
storage = "room"
pec = "ISO 5 LAFW"
steps = ["draw"]
[recipe.base]
kind = "none"
[[recipe.ingredient]]
drug = "testdrug"
products = ["drug-1mg-ml"]
dose_rule = "fixed"
dose_unit = "mg"
min_dose = 0.01
max_dose = 100

[[recipe]]
id = "limits"
version = 1
name = "testdrug with dose limits in a bag"
route = "IV"
csp_category = 1
storage = "room"
pec = "ISO 5 LAFW"
final_concentration_max = 0.1
final_concentration_unit = "mg/mL"
steps = ["draw", "inject"]
[recipe.base]
kind = "bag"
products = ["ns-100"]
[[recipe.ingredient]]
drug = "testdrug"
products = ["drug-1mg-ml"]
dose_rule = "fixed"
dose_unit = "mg"
default_dose = 5
min_dose = 2
max_dose = 50
)";

struct Fixture {
    Formulary formulary = loadFormulary(kProducts, "p.toml", kRecipes, "r.toml").value();
    FormulasPolicy policy = loadDefaultFormulasPolicy().value();

    Plan plan(const std::string& recipe, double doseMg) const {
        Order o;
        o.id = "T";
        o.recipeId = recipe;
        o.dose = DoseRate(doseMg, parseDoseUnit("mg").value());
        auto p = makePlan(o, formulary, policy);
        REQUIRE_MESSAGE(p.ok(), p.error().text());
        return std::move(p).value();
    }
};

} // namespace

TEST_CASE("syringe choice: smallest that holds the volume, at and around each capacity") {
    const Fixture f;
    // Policy (assets/policy/formulas.toml): 1 mL (0.01 mL marks, from 0.1 mL), 3 mL (0.1, from 0.5),
    // 5 mL (0.2), 10 mL (0.2), 20 mL (1), 30 mL (1), 60 mL (1).
    struct Case {
        double ml;
        const char* syringe;
        double drawn;
    };
    for (const Case c :
         {Case{1.0, "1 mL syringe", 1.0}, Case{1.01, "3 mL syringe", 1.0}, Case{0.1, "1 mL syringe", 0.1},
          Case{0.556, "1 mL syringe", 0.56}, Case{3.0, "3 mL syringe", 3.0}, Case{3.05, "5 mL syringe", 3.0},
          Case{9.85, "10 mL syringe", 9.8}, Case{10.1, "20 mL syringe", 10.0},
          Case{20.4, "30 mL syringe", 20.0}, Case{60.0, "60 mL syringe", 60.0}}) {
        CAPTURE(c.ml);
        const Plan p = f.plan("undiluted", c.ml);
        const Draw& d = p.ingredients.front().draw;
        CHECK(d.syringe == c.syringe);
        CHECK(d.count == 1);
        CHECK(d.volumePerDraw.inMl() == doctest::Approx(c.drawn));
        CHECK(d.measurable);
    }
    // By hand: 0.556 / 0.01 = 55.6 marks -> 56 -> 0.56 mL; 3.05 mL needs the 5 mL syringe (0.2 mL
    // marks): 15.25 -> 15 -> 3.0 mL; 9.85 / 0.2 = 49.25 -> 49 -> 9.8 mL; 20.4 in a 30 mL (1 mL) -> 20 mL.
}

TEST_CASE("volumes below the smallest syringe and above the largest") {
    const Fixture f;
    const Plan tiny = f.plan("undiluted", 0.09);
    CHECK_FALSE(tiny.ingredients.front().draw.measurable);
    CHECK(tiny.hasFlag("VOLUME_NOT_MEASURABLE"));
    CHECK_FALSE(tiny.ok());
    // 61 mL: 2 draws of 30.5 mL with a 60 mL syringe (a 30 mL one cannot hold 30.5), each rounded to
    // 1 mL: round(30.5) = 31 -> 62 mL, 62 mg delivered = +1.64% (within the 2% rounding limit).
    const Plan big = f.plan("undiluted", 61);
    const Draw& d = big.ingredients.front().draw;
    CHECK(d.count == 2);
    CHECK(d.syringe == "60 mL syringe");
    CHECK(d.volumePerDraw.inMl() == doctest::Approx(31.0));
    CHECK(big.ingredients.front().vials == 7); // ceil(61 mg / 10 mg)
    CHECK(big.hasFlag("MULTIPLE_DRAWS"));
    CHECK_FALSE(big.hasFlag("ROUNDING_DEVIATION"));
    CHECK(big.ok());
}

TEST_CASE("rounding to the graduation, expected mass and tolerance band") {
    const Fixture f;
    // 1.05 mL in a 3 mL syringe (0.1 mL marks): round(10.5) = 11 -> 1.1 mL = 1.1 mg, +4.76% > 2%:
    // two draws of 0.525 mL with the 1 mL syringe (0.01 mL marks) give 2 x 0.53 = 1.06 mL, +0.95%.
    const Plan p = f.plan("undiluted", 1.05);
    CHECK(p.ingredients.front().draw.count == 2);
    CHECK(p.ingredients.front().draw.syringe == "1 mL syringe");
    CHECK(p.ingredients.front().draw.volumePerDraw.inMl() == doctest::Approx(0.53));
    CHECK(p.ingredients.front().roundingDeviationPercent == doctest::Approx(0.952).epsilon(1e-3));
    CHECK_FALSE(p.hasFlag("ROUNDING_DEVIATION"));
    CHECK(p.ok());

    // 2.0 mL: +/-10% band (at the 2 mL edge): 2.0 g -> 1.8 to 2.2 g.
    const Draw two = f.plan("undiluted", 2.0).ingredients.front().draw;
    CHECK(two.tolerancePercent == doctest::Approx(10.0));
    CHECK(two.massPerDraw.inG() == doctest::Approx(2.0));
    CHECK(two.massLow.inG() == doctest::Approx(1.8));
    CHECK(two.massHigh.inG() == doctest::Approx(2.2));
    // 2.1 mL: +/-5% -> 1.995 to 2.205 g.
    const Draw above = f.plan("undiluted", 2.1).ingredients.front().draw;
    CHECK(above.tolerancePercent == doctest::Approx(5.0));
    CHECK(above.massLow.inG() == doctest::Approx(1.995));

    // The balance reads 0.01 g and a half band must span 5 steps (0.05 g): 0.5 mL +/-10% = 0.05 g
    // passes, 0.49 mL (0.049 g) does not.
    const Plan half = f.plan("undiluted", 0.5);
    CHECK(half.ingredients.front().draw.gravimetric);
    CHECK_FALSE(half.hasFlag("BALANCE_CANNOT_VERIFY"));
    const Plan below = f.plan("undiluted", 0.49);
    CHECK_FALSE(below.ingredients.front().draw.gravimetric);
    CHECK(below.hasFlag("BALANCE_CANNOT_VERIFY"));
}

TEST_CASE("dose and final concentration limits, at and beyond") {
    const Fixture f;
    CHECK_FALSE(f.plan("limits", 50).hasFlag("DOSE_ABOVE_MAX"));
    CHECK(f.plan("limits", 50.5).hasFlag("DOSE_ABOVE_MAX"));
    CHECK_FALSE(f.plan("limits", 2).hasFlag("DOSE_BELOW_MIN"));
    CHECK(f.plan("limits", 1.9).hasFlag("DOSE_BELOW_MIN"));
    // Bag 100 mL + 5 mL overfill. 10 mg in 10 mL: 10 / 115 = 0.087 mg/mL (max 0.1).
    const Plan ok = f.plan("limits", 10);
    CHECK(ok.finalVolume.inMl() == doctest::Approx(115.0));
    CHECK(ok.finalConcentration->inMgPerMl() == doctest::Approx(0.08696).epsilon(1e-3));
    CHECK(ok.ok());
    // 12 mg: 12 / 117 = 0.1026 mg/mL > 0.1.
    const Plan high = f.plan("limits", 12);
    CHECK(high.hasFlag("CONCENTRATION_ABOVE_MAX"));
    CHECK_FALSE(high.ok());
}

TEST_CASE("order problems: product, route, missing inputs") {
    const Fixture f;
    Order o;
    o.id = "T";
    o.recipeId = "limits";
    o.productIds = {"other-1mg-ml"};
    o.route = "IT";
    const auto p = makePlan(o, f.formulary, f.policy);
    REQUIRE(p.ok());
    CHECK(p->hasFlag("PRODUCT_MISMATCH"));
    CHECK(p->hasFlag("ROUTE_MISMATCH"));
    CHECK_FALSE(p->ok());
    CHECK(p->ingredients.front().productId == "drug-1mg-ml"); // the wrong product is not used

    o.recipeId = "nope";
    CHECK(mentions(makePlan(o, f.formulary, f.policy).error(), "no recipe 'nope'"));
    o.recipeId = "limits";
    o.recipeVersion = 9;
    CHECK(mentions(makePlan(o, f.formulary, f.policy).error(), "version 9"));
    o.recipeVersion.reset();
    o.dose = DoseRate(1, parseDoseUnit("mg/kg").value());
    CHECK(mentions(makePlan(o, f.formulary, f.policy).error(), "mg/kg"));
    o.dose = DoseRate(1, parseDoseUnit("mg/h").value());
    CHECK(mentions(makePlan(o, f.formulary, f.policy).error(), "rate"));
    o.dose = DoseRate(100, parseDoseUnit("units").value());
    CHECK(mentions(makePlan(o, f.formulary, f.policy).error(), "units"));
}

TEST_CASE("demo: vancomycin 15 mg/kg for 70 kg, worked by hand") {
    const auto formulary = loadDemoFormulary().value();
    const auto policy = loadDefaultFormulasPolicy().value();
    const auto order =
        parseOrderJson(readFile(std::string(ADMIX_ASSETS_DIR) + "/formulary/orders/vancomycin-ns.json"));
    REQUIRE_MESSAGE(order.ok(), order.error().text());
    const Plan p = makePlan(*order, formulary, policy).value();
    const IngredientPlan& v = p.ingredients.front();
    // 15 mg/kg x 70 kg = 1,050 mg -> nearest 250 mg = 1,000 mg.
    CHECK(v.calculatedDose.base() == doctest::Approx(1050.0));
    CHECK(v.dose.base() == doctest::Approx(1000.0));
    // 1 g vial (no waste, 1 vial) beats 2 x 500 mg. 1 g + 20 mL + 0.6 mL = 20.6 mL -> 48.544 mg/mL.
    CHECK(v.productId == "vancomycin-1g");
    CHECK(v.concentration.inMgPerMl() == doctest::Approx(48.5437).epsilon(1e-5));
    // 1,000 / 48.544 = 20.6 mL: a 20 mL syringe cannot hold it -> 30 mL (1 mL marks) -> 21 mL, which
    // is more than the 20.6 mL one vial holds: a second vial (20 mL would be -2.9%, over the 2% limit).
    CHECK(v.vials == 2);
    CHECK(v.waste.base() == doctest::Approx(1000.0));
    CHECK(v.draw.exactPerDraw.inMl() == doctest::Approx(20.6));
    CHECK(v.draw.syringe == "30 mL syringe");
    CHECK(v.draw.volumePerDraw.inMl() == doctest::Approx(21.0));
    // 21 mL x 48.544 = 1,019.4 mg (+1.94%); 21 mL x 1.02 g/mL = 21.42 g, +/-5% = 20.349 to 22.491 g.
    CHECK(v.deliveredDose.base() == doctest::Approx(1019.417).epsilon(1e-5));
    CHECK(v.draw.massPerDraw.inG() == doctest::Approx(21.42));
    CHECK(v.draw.massLow.inG() == doctest::Approx(20.349));
    CHECK(v.draw.massHigh.inG() == doctest::Approx(22.491));
    // 250 mL bag + 20 mL overfill + 21 mL = 291 mL; 1,019.4 / 291 = 3.503 mg/mL (max 5): the 250 mL bag fits.
    CHECK(p.baseProductId == "nacl09-250");
    CHECK(p.finalVolume.inMl() == doctest::Approx(291.0));
    CHECK(p.finalConcentration->inMgPerMl() == doctest::Approx(3.5031).epsilon(1e-4));
    // Over 90 minutes: 291 / 90 x 60 = 194 mL/h.
    CHECK(*p.rateMlPerHour == doctest::Approx(194.0));
    CHECK(p.ok());
}

TEST_CASE("demo: carboplatin AUC 5, CrCl 131.9 capped at 125 -> 750 mg") {
    const auto formulary = loadDemoFormulary().value();
    const auto policy = loadDefaultFormulasPolicy().value();
    const auto order =
        parseOrderJson(readFile(std::string(ADMIX_ASSETS_DIR) + "/formulary/orders/carboplatin-d5w.json"))
            .value();
    const Plan p = makePlan(order, formulary, policy).value();
    // CrCl = (140 - 45) x 70 / (72 x 0.7) = 131.94 mL/min -> capped at 125; 5 x (125 + 25) = 750 mg.
    CHECK(*p.crclMlMin == doctest::Approx(131.944).epsilon(1e-5));
    CHECK(*p.gfrUsedMlMin == doctest::Approx(125.0));
    CHECK(p.hasFlag("GFR_CAPPED"));
    const IngredientPlan& c = p.ingredients.front();
    CHECK(c.dose.base() == doctest::Approx(750.0));
    // 450 mg multiple-dose vials: no waste, 2 vials (five 150 mg vials would also waste nothing).
    CHECK(c.productId == "carboplatin-450mg-45ml");
    CHECK(c.vials == 2);
    // 750 / 10 = 75 mL > 60 mL: 2 draws of 37.5 -> 38 mL each, 76 mL, 760 mg (+1.33%).
    CHECK(c.draw.count == 2);
    CHECK(c.draw.volumePerDraw.inMl() == doctest::Approx(38.0));
    CHECK(c.deliveredDose.base() == doctest::Approx(760.0));
    // 250 + 20 + 76 = 346 mL; 760 / 346 = 2.197 mg/mL within 0.5 to 4.
    CHECK(p.baseProductId == "d5w-250");
    CHECK(p.finalVolume.inMl() == doctest::Approx(346.0));
    CHECK(p.hazardousHandling.find("NIOSH") != std::string::npos);
    CHECK(p.ok());
}

TEST_CASE("demo: morphine PCA, drug plus q.s. diluent in a syringe") {
    const auto formulary = loadDemoFormulary().value();
    const auto policy = loadDefaultFormulasPolicy().value();
    const auto order =
        parseOrderJson(readFile(std::string(ADMIX_ASSETS_DIR) + "/formulary/orders/morphine-pca.json"))
            .value();
    const Plan p = makePlan(order, formulary, policy).value();
    REQUIRE(p.ingredients.size() == 2);
    // 30 mg / 10 mg/mL = 3 mL (3 vials, 3 mL syringe); q.s. 30 - 3 = 27 mL (30 mL syringe).
    CHECK(p.ingredients[0].draw.volumePerDraw.inMl() == doctest::Approx(3.0));
    CHECK(p.ingredients[0].vials == 3);
    CHECK(p.ingredients[1].role == "diluent");
    CHECK(p.ingredients[1].draw.volumePerDraw.inMl() == doctest::Approx(27.0));
    CHECK(p.ingredients[1].draw.syringe == "30 mL syringe");
    // NaCl 0.9% 1.0046 g/mL x 27 mL = 27.1242 g.
    CHECK(p.ingredients[1].draw.massPerDraw.inG() == doctest::Approx(27.1242));
    CHECK(p.finalVolume.inMl() == doctest::Approx(30.0));
    CHECK(p.finalConcentration->inMgPerMl() == doctest::Approx(1.0));
    CHECK(p.ok());
}

TEST_CASE("demo: heparin drip withdraws overfill and additive volume to keep 100 units/mL") {
    const auto formulary = loadDemoFormulary().value();
    const auto policy = loadDefaultFormulasPolicy().value();
    const auto order =
        parseOrderJson(readFile(std::string(ADMIX_ASSETS_DIR) + "/formulary/orders/heparin-d5w.json"))
            .value();
    const Plan p = makePlan(order, formulary, policy).value();
    REQUIRE(p.ingredients.size() == 2);
    // 25,000 units / 5,000 units/mL = 5 mL (10 mL multiple-dose vial: no waste).
    CHECK(p.ingredients[0].draw.volumePerDraw.inMl() == doctest::Approx(5.0));
    CHECK(p.ingredients[0].waste.base() == doctest::Approx(0.0));
    // Withdraw 20 mL overfill + 5 mL = 25 mL (30 mL syringe); 250 + 20 - 25 + 5 = 250 mL -> 100 units/mL.
    CHECK(p.ingredients[1].role == "withdraw");
    CHECK(p.ingredients[1].draw.volumePerDraw.inMl() == doctest::Approx(25.0));
    CHECK(p.finalVolume.inMl() == doctest::Approx(250.0));
    CHECK(p.finalConcentration->basePerMl() == doctest::Approx(100.0));
    // 18 units/kg/h x 70 kg = 1,260 units/h / 100 units/mL = 12.6 mL/h.
    CHECK(*p.rateMlPerHour == doctest::Approx(12.6));
    CHECK(p.ok());
}

TEST_CASE("demo: a per-m2 dose shows the BSA working") {
    const auto formulary = loadDemoFormulary().value();
    const auto policy = loadDefaultFormulasPolicy().value();
    const auto order =
        parseOrderJson(readFile(std::string(ADMIX_ASSETS_DIR) + "/formulary/orders/paclitaxel-ns.json"))
            .value();
    const Plan p = makePlan(order, formulary, policy).value();
    // Mosteller 175 cm / 70 kg = 1.8447 -> 1.84 m2; 175 mg/m2 x 1.84 = 322 mg -> nearest 1 mg = 322 mg.
    CHECK(*p.bsaM2 == doctest::Approx(1.84));
    CHECK(p.ingredients.front().dose.base() == doctest::Approx(322.0));
    REQUIRE_FALSE(p.inputWorkings.empty());
    CHECK(p.inputWorkings.front().find("sqrt(175 cm x 70 kg / 3600)") != std::string::npos);
    // 322 / 6 = 53.667 mL -> 60 mL syringe -> 54 mL = 324 mg; 250 + 20 + 54 = 324 mL -> 1 mg/mL (0.3 to 1.2).
    CHECK(p.ingredients.front().draw.volumePerDraw.inMl() == doctest::Approx(54.0));
    CHECK(p.finalVolume.inMl() == doctest::Approx(324.0));
    CHECK(p.ok());
}

TEST_CASE("order JSON errors name the field or the line and column") {
    CHECK(mentions(parseOrderJson("{\n  \"id\": \"A\",\n  \"recipe\": \n}").error(), "order:4:1"));
    CHECK(mentions(parseOrderJson("[]").error(), "JSON object"));
    CHECK(
        mentions(parseOrderJson(R"({"id":"A","recipe":"r","target_auc":1e999})").error(), "number overflow"));
    CHECK(mentions(parseOrderJson(R"({"id":"A"})").error(), "order.recipe"));
    CHECK(mentions(parseOrderJson(R"({"id":"A","recipe":"r","patient":{"weight_kg":"70"}})").error(),
                   "order.patient.weight_kg"));
    CHECK(mentions(parseOrderJson(R"({"id":"A","recipe":"r","patient":{"weight_kg":700}})").error(),
                   "between 0.3 and 400"));
    CHECK(mentions(parseOrderJson(R"({"id":"A","recipe":"r","dose":{"value":1,"unit":"ug"}})").error(),
                   "order.dose.unit"));
    CHECK(mentions(parseOrderJson(R"({"id":"A","recipe":"r","dose":{"unit":"mg"}})").error(),
                   "order.dose.value"));
    CHECK(mentions(parseOrderJson(R"({"id":"A","recipe":"r","wieght_kg":70})").error(), "wieght_kg"));
    CHECK(mentions(parseOrderJson(R"({"id":"A","recipe":"r","patient":{"sex":"x"}})").error(),
                   "order.patient.sex"));
    const auto ok = parseOrderJson(
        R"({"id":"A","recipe":"r","dose":{"value":0.1,"unit":"mcg/kg/min"},"products":["p"]})");
    REQUIRE_MESSAGE(ok.ok(), ok.error().text());
    CHECK(ok->dose->unit().per == DosePer::Minute);
    CHECK(ok->productIds == std::vector<std::string>{"p"});
}

// Every demo recipe has a demo order, every order plans without a blocking flag, and each plan's
// printed JSON is re-checked here from its own inputs by the arithmetic a pharmacist would do.
TEST_CASE("admix plan on every demo recipe gives a plan a pharmacist can re-check by hand") {
    const auto formulary = loadDemoFormulary().value();
    const auto policy = loadDefaultFormulasPolicy().value();
    const std::filesystem::path dir = std::string(ADMIX_ASSETS_DIR) + "/formulary/orders";
    std::set<std::string> planned;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".json")
            continue;
        CAPTURE(entry.path().filename().string());
        const auto order = parseOrderJson(readFile(entry.path()), entry.path().filename().string());
        REQUIRE_MESSAGE(order.ok(), order.error().text());
        const auto plan = makePlan(*order, formulary, policy);
        REQUIRE_MESSAGE(plan.ok(), plan.error().text());
        for (const auto& fl : plan->flags)
            CHECK_MESSAGE(fl.severity != FlagSeverity::Blocking, std::string(fl.code + ": " + fl.message));
        planned.insert(plan->recipeId);

        const nlohmann::json j = planToJson(*plan);
        double drawnTotal = 0.0;
        for (const auto& ing : j["ingredients"]) {
            const auto& d = ing["draw"];
            const double grad = d["graduation_ml"];
            const double perDraw = d["exact_ml_per_draw"];
            const int count = d["count"];
            if (ing["role"] == "drug" &&
                ing["dose"]["unit"].get<std::string>() + "/mL" == ing["concentration"]["unit"]) {
                // volume = dose / concentration
                CHECK(perDraw * count == doctest::Approx(ing["dose"]["value"].get<double>() /
                                                         ing["concentration"]["value"].get<double>()));
                // delivered = drawn volume x concentration
                CHECK(ing["delivered_dose"]["value"].get<double>() ==
                      doctest::Approx(d["total_ml"].get<double>() *
                                      ing["concentration"]["value"].get<double>()));
            }
            // rounded to the syringe's graduation, within its capacity
            CHECK(d["ml_per_draw"].get<double>() == doctest::Approx(std::round(perDraw / grad) * grad));
            CHECK(d["ml_per_draw"].get<double>() <= d["syringe_ml"].get<double>() + 1e-9);
            // expected mass = volume x density, band = mass x (1 -/+ tolerance)
            const double mass = d["ml_per_draw"].get<double>() * d["density_g_ml"].get<double>();
            CHECK(d["mass_g_per_draw"].get<double>() == doctest::Approx(mass));
            CHECK(d["mass_low_g"].get<double>() ==
                  doctest::Approx(mass * (1 - d["tolerance_percent"].get<double>() / 100)));
            CHECK(d["mass_high_g"].get<double>() ==
                  doctest::Approx(mass * (1 + d["tolerance_percent"].get<double>() / 100)));
            CHECK_FALSE(ing["workings"].empty());
            drawnTotal += (ing["role"] == "withdraw" ? -1.0 : 1.0) * d["total_ml"].get<double>();
        }
        const auto& fin = j["final"];
        CHECK(fin["volume_ml"].get<double>() ==
              doctest::Approx(fin["base_volume_ml"].get<double>() + fin["overfill_ml"].get<double>() +
                              drawnTotal));
        const auto& first = j["ingredients"][0];
        CHECK(
            fin["concentration"]["value"].get<double>() ==
            doctest::Approx(first["delivered_dose"]["value"].get<double>() / fin["volume_ml"].get<double>()));
        CHECK_FALSE(planToText(*plan).empty());
    }
    const auto ids = formulary.recipeIds();
    CHECK(planned == std::set<std::string>(ids.begin(), ids.end()));
    CHECK(planned.size() >= 30);
}

TEST_CASE("a dose in mEq from a product labelled by mass goes through molecular weight and valence") {
    const std::string products = R"(
[[product]]
id = "mgso4-50"
drug = "magnesium sulfate"
display_name = "magnesium sulfate 50% 10 mL"
form = "solution"
concentration = 50
concentration_unit = "%"
volume_ml = 10
ndc = "99999-202-10"
density_g_ml = 1.29
storage = "room"
molecular_weight = 246.47
valence = 2
)";
    const std::string recipes = R"(
[[recipe]]
id = "mg-meq"
version = 1
name = "magnesium in mEq, undiluted"
route = "IV"
csp_category = 1
storage = "room"
pec = "ISO 5 LAFW"
steps = ["draw"]
[recipe.base]
kind = "none"
[[recipe.ingredient]]
drug = "magnesium sulfate"
products = ["mgso4-50"]
dose_rule = "fixed"
dose_unit = "mEq"
default_dose = 8
)";
    const auto formulary = loadFormulary(products, "p.toml", recipes, "r.toml");
    REQUIRE_MESSAGE(formulary.ok(), formulary.error().text());
    Order o;
    o.id = "M";
    o.recipeId = "mg-meq";
    const Plan p = makePlan(o, *formulary, loadDefaultFormulasPolicy().value()).value();
    // 8 mEq x 246.47 / 2 = 985.88 mg; / 500 mg/mL = 1.9718 mL -> 3 mL syringe (0.1 mL) -> 2.0 mL.
    const IngredientPlan& i = p.ingredients.front();
    CHECK(i.draw.exactPerDraw.inMl() == doctest::Approx(1.97176).epsilon(1e-5));
    CHECK(i.draw.volumePerDraw.inMl() == doctest::Approx(2.0));
    CHECK(i.deliveredDose.mass()->inMg() == doctest::Approx(1000.0));
    // 2.0 mL x 1.29 g/mL = 2.58 g, +/-10% (2 mL band).
    CHECK(i.draw.massPerDraw.inG() == doctest::Approx(2.58));
    CHECK(i.draw.tolerancePercent == doctest::Approx(10.0));
    CHECK(i.workings.front().find("8 mEq") != std::string::npos);
}

// Issue 14: the plan asked for the impossible (11 mL from a vial holding 10.5 mL, 1,047.6 mg from a
// 1 g vial) and called a 4.76% deviation against a 2% limit "Plan OK".
TEST_CASE("cefazolin 1 g: the draw fits the vial, the delivered dose fits the drug, the deviation is within "
          "the limit") {
    const auto formulary = loadDemoFormulary().value();
    const auto policy = loadDefaultFormulasPolicy().value();
    const auto order = parseOrderJson(R"({"id":"T","recipe":"cefazolin-ns","dose":{"value":1,"unit":"g"}})");
    REQUIRE_MESSAGE(order.ok(), order.error().text());
    const Plan p = makePlan(*order, formulary, policy).value();
    const IngredientPlan& c = p.ingredients.front();
    // 1 g + 10 mL + 0.5 mL = 10.5 mL at 95.238 mg/mL; one vial holds 10.5 mL and 1,000 mg.
    const double available = c.vials * 10.5;
    CHECK(c.draw.total().inMl() <= available + 1e-9);
    CHECK(c.deliveredDose.base() <= c.vials * 1000.0 + 1e-6);
    CHECK(std::fabs(c.roundingDeviationPercent) <= policy.maxRoundingDeviationPercent + 1e-9);
    CHECK_FALSE(p.hasFlag("ROUNDING_DEVIATION"));
    // By hand: one 20 mL syringe (1 mL marks) would need 11 mL (too much) or 10 mL (-4.76%); two
    // draws of 5.25 mL with a 10 mL syringe (0.2 mL marks) round to 2 x 5.2 = 10.4 mL = 990.48 mg, -0.95%.
    CHECK(c.draw.count == 2);
    CHECK(c.draw.syringe == "10 mL syringe");
    CHECK(c.draw.volumePerDraw.inMl() == doctest::Approx(5.2));
    CHECK(c.deliveredDose.base() == doctest::Approx(990.476).epsilon(1e-5));
    CHECK(p.ok());
}

TEST_CASE("a draw rounded up past what the vials hold is rounded down instead") {
    Fixture f;
    // 10 mg = the whole 10 mL vial. With only a 20 mL syringe of 3 mL marks, round(10/3)=3 -> 9 mL
    // (nearest) is fine; make the marks 4 mL: round(2.5) = 3 -> 12 mL > 10 mL: must be 8 mL instead.
    f.policy.syringes = {SyringeSize{Volume::mL(20), Volume::mL(4), Volume::mL(1)}};
    f.policy.maxRoundingDeviationPercent = 50;
    const Plan p = f.plan("undiluted", 10);
    const IngredientPlan& i = p.ingredients.front();
    CHECK(i.vials == 1);
    CHECK(i.draw.total().inMl() == doctest::Approx(8.0));
    CHECK(i.deliveredDose.base() == doctest::Approx(8.0));
    CHECK(i.deliveredDose.base() <= 10.0);
}

TEST_CASE(
    "a rounding deviation above the site limit blocks, or waits for a pharmacist where policy says so") {
    Fixture f;
    // 0.105 mL: only the 1 mL syringe (0.01 mL marks, from 0.1 mL) can take it: 0.11 or 0.10 mL,
    // 4.76% either way; two draws of 0.0525 mL are below any syringe's usable range.
    const Plan p = f.plan("undiluted", 0.105);
    REQUIRE(p.hasFlag("ROUNDING_DEVIATION"));
    CHECK_FALSE(p.ok());
    CHECK(planToText(p).find("Plan BLOCKED") != std::string::npos);
    CHECK(planToJson(p)["ok"] == false);

    f.policy.roundingAboveLimit = RoundingAboveLimit::PharmacistAcknowledges;
    Plan q = f.plan("undiluted", 0.105);
    REQUIRE(q.hasFlag("ROUNDING_DEVIATION"));
    CHECK_FALSE(q.ok()); // not until acknowledged
    CHECK(planToText(q).find("pharmacist") != std::string::npos);
    CHECK(q.acknowledge("ROUNDING_DEVIATION", "rph1"));
    CHECK(q.ok());
    CHECK_FALSE(q.acknowledge("VOLUME_NOT_MEASURABLE", "rph1")); // nothing to acknowledge

    // A flag policy does not let a pharmacist acknowledge stays blocking.
    Plan tiny = f.plan("undiluted", 0.09);
    CHECK_FALSE(tiny.acknowledge("VOLUME_NOT_MEASURABLE", "rph1"));
    CHECK_FALSE(tiny.ok());

    // The switch is policy data.
    const std::string base = readFile(std::string(ADMIX_ASSETS_DIR) + "/policy/formulas.toml");
    std::string text = base;
    const std::string key = "above_limit = \"block\"";
    REQUIRE(text.find(key) != std::string::npos);
    text.replace(text.find(key), key.size(), "above_limit = \"pharmacist_acknowledges\"");
    const auto loaded = loadFormulasPolicy(text, "formulas.toml");
    REQUIRE_MESSAGE(loaded.ok(), loaded.error().text());
    CHECK(loaded->roundingAboveLimit == RoundingAboveLimit::PharmacistAcknowledges);
    CHECK(loadDefaultFormulasPolicy()->roundingAboveLimit == RoundingAboveLimit::Block);
    text = base;
    text.replace(text.find(key), key.size(), "above_limit = \"warn\"");
    CHECK_FALSE(loadFormulasPolicy(text, "formulas.toml").ok());
}
