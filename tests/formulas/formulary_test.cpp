#include "formulas/formulary.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace admix;
using namespace admix::formulas;

namespace {

bool mentions(const Error& e, std::string_view what) {
    return e.text().find(what) != std::string::npos;
}

std::string readAsset(const std::string& rel) {
    std::ifstream in(std::string(ADMIX_ASSETS_DIR) + "/" + rel);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A minimal formulary for error tests; each test breaks one thing.
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
id = "ns-100"
drug = "sodium chloride 0.9%"
display_name = "NS 100 mL"
form = "diluent"
volume_ml = 100
overfill_ml = 5
ndc = "99999-900-01"
density_g_ml = 1.0046
storage = "room"
)";

const std::string kRecipes = R"(
[[recipe]]
id = "test"
version = 1
name = "Test"
route = "IV"
csp_category = 1
storage = "room"
pec = "ISO 5 LAFW"
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
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const size_t pos = text.find(from);
    REQUIRE(pos != std::string::npos);
    return text.replace(pos, from.size(), to);
}

} // namespace

TEST_CASE("the demo formulary loads, says it is demo data, and has at least 30 recipes") {
    const auto f = loadFormulary(readAsset("formulary/products.toml"), "products.toml",
                                 readAsset("formulary/recipes.toml"), "recipes.toml");
    REQUIRE_MESSAGE(f.ok(), f.error().text());
    CHECK(f->disclaimer.find("DEMO") != std::string::npos);
    CHECK(f->recipeIds().size() >= 30);
    // The built-in copy is the same text.
    CHECK(demoProductsToml() == readAsset("formulary/products.toml"));
    CHECK(demoRecipesToml() == readAsset("formulary/recipes.toml"));
    REQUIRE(loadDemoFormulary().ok());
    // Every product: fictitious labeler 99999 and a GTIN derived from its NDC.
    for (const auto& p : f->products()) {
        CAPTURE(p.id);
        CHECK(p.ndc.rfind("99999-", 0) == 0);
        CHECK(p.gtin.size() == 14);
    }
    // Hazardous recipes name their handling; the issue's examples are present.
    for (const char* id : {"vancomycin-ns", "cefazolin-ns", "piperacillin-tazobactam-ns", "meropenem-ns",
                           "acyclovir-ns", "potassium-chloride-ns-1000", "magnesium-sulfate-d5w",
                           "heparin-d5w", "insulin-regular-ns", "norepinephrine-d5w", "morphine-pca",
                           "hydromorphone-pca", "cisplatin-ns", "carboplatin-d5w", "oxaliplatin-d5w",
                           "paclitaxel-ns", "doxorubicin-push", "cyclophosphamide-ns", "fluorouracil-push"}) {
        CAPTURE(id);
        CHECK(f->recipe(id) != nullptr);
    }
    CHECK(f->recipe("carboplatin-d5w")->hazardous());
    CHECK_FALSE(f->recipe("heparin-d5w")->hazardous());
}

TEST_CASE("products: reconstituted concentration, GTIN and Tall Man") {
    const auto f = loadDemoFormulary();
    REQUIRE(f.ok());
    // Ceftriaxone 1 g + 9.6 mL + 0.4 mL displacement = 10 mL -> 100 mg/mL (label).
    const Product* cef = f->product("ceftriaxone-1g");
    REQUIRE(cef);
    CHECK(cef->containerVolume.inMl() == doctest::Approx(10.0));
    CHECK(cef->concentration.inMgPerMl() == doctest::Approx(100.0));
    // Gemcitabine 1 g + 25 mL + 1.3 mL = 26.3 mL -> 38.02 mg/mL (label: 38 mg/mL).
    CHECK(f->product("gemcitabine-1g")->concentration.inMgPerMl() == doctest::Approx(38.02).epsilon(1e-3));
    // Magnesium sulfate 50% = 500 mg/mL; 10 mL hold 5 g.
    CHECK(f->product("magnesium-sulfate-50pct-10ml")->amount.mass()->inG() == doctest::Approx(5.0));
    // KCl 2 mEq/mL x 10 mL = 20 mEq.
    CHECK(f->product("kcl-20meq-10ml")->amount.base() == doctest::Approx(20.0));
    CHECK(f->product("kcl-20meq-10ml")->amount.dimension() == Dimension::Equivalents);
    // NDC 99999-401-50 (5-3-2) -> GTIN 0 03 9999940150 + check: weights 3,1,.. from the right over
    // 0039999940150 sum to 110 -> check 0. At indicator 5 the sum is 125 -> check 5.
    const Product* cis = f->product("cisplatin-50mg-50ml");
    CHECK(cis->gtin == "00399999401500");
    CHECK(f->productsForGtin("00399999401500").front() == cis);
    CHECK(f->productsForGtin("50399999401505").front() == cis); // case level, indicator 5
    const auto lookup = parseNdc("9999940150"); // hyphens lost: the formulary resolves the candidates
    REQUIRE(lookup.ok());
    CHECK(lookup->ambiguous());
    const auto resolved = f->resolve(*lookup);
    REQUIRE(resolved.size() == 1);
    CHECK(resolved.front() == cis);
    // Tall Man from the [tall_man] list, whole words only, whatever the case in the source.
    CHECK(f->product("hydromorphone-2mg-ml")->displayName == "HYDROmorphone 2 mg/mL vial");
    CHECK(f->product("doxorubicin-50mg-25ml")->displayName == "DOXOrubicin 50 mg/25 mL vial");
    CHECK(f->tallMan("morphine 10 mg") == "morphine 10 mg");
    CHECK(f->tallMan("HYDROXYZINE and hydralazine") == "hydrOXYzine and hydrALAZINE");
    CHECK(f->tallMan("carboplatins") == "carboplatins"); // not a whole word
    // Recipe names and steps too.
    CHECK(f->recipe("hydromorphone-pca")->name == "HYDROmorphone PCA 6 mg/30 mL syringe (0.2 mg/mL)");
    CHECK(f->recipe("cisplatin-ns")->steps.back().find("CISplatin") ==
          std::string::npos); // the step does not name it
    CHECK(f->recipe("cisplatin-ns")->steps[2].find("CISplatin vial") != std::string::npos);
}

TEST_CASE("recipes are versioned: an edit is a new version, the old one stays") {
    auto f = loadFormulary(kProducts, "p.toml", kRecipes, "r.toml");
    REQUIRE_MESSAGE(f.ok(), f.error().text());
    Recipe edit = *f->recipe("test");
    edit.ingredients.front().dose.defaultValue = 6;
    const auto v = f->addRecipeVersion(edit);
    REQUIRE(v.ok());
    CHECK(*v == 2);
    CHECK(f->recipe("test")->version == 2);
    CHECK(*f->recipe("test")->ingredients.front().dose.defaultValue == 6);
    CHECK(*f->recipe("test", 1)->ingredients.front().dose.defaultValue == 5);
    CHECK(f->versions("test").size() == 2);
    Recipe bad = edit;
    bad.ingredients.front().productIds = {"nope"};
    CHECK(mentions(f->addRecipeVersion(bad).error(), "nope"));
    CHECK(f->versions("test").size() == 2);
    // Two tables with the same id and version are refused.
    const auto dup = loadFormulary(kProducts, "p.toml", kRecipes + kRecipes, "r.toml");
    REQUIRE_FALSE(dup.ok());
    CHECK(mentions(dup.error(), "appears twice"));
}

TEST_CASE("load errors name file, line, column and key") {
    SUBCASE("syntax error") {
        const auto r = loadFormulary("[[product]\nid = 1", "p.toml", kRecipes, "r.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "p.toml:1:"));
    }
    SUBCASE("wrong type") {
        const auto r =
            loadFormulary(replaced(kProducts, "density_g_ml = 1.0\n", "density_g_ml = \"heavy\"\n"), "p.toml",
                          kRecipes, "r.toml");
        REQUIRE_FALSE(r.ok());
        // density_g_ml is on line 11 of kProducts (line 1 is the empty line after R"().
        CHECK(mentions(r.error(), "p.toml:11:"));
        CHECK(mentions(r.error(), "product[1].density_g_ml"));
        CHECK(mentions(r.error(), "must be a number"));
    }
    SUBCASE("out of range, just above the limit") {
        CHECK(loadFormulary(replaced(kProducts, "density_g_ml = 1.0\n", "density_g_ml = 2.5\n"), "p.toml",
                            kRecipes, "r.toml")
                  .ok());
        const auto r = loadFormulary(replaced(kProducts, "density_g_ml = 1.0\n", "density_g_ml = 2.51\n"),
                                     "p.toml", kRecipes, "r.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "between 0.5 and 2.5"));
    }
    SUBCASE("misspelt key") {
        const auto r = loadFormulary(replaced(kProducts, "storage = \"room\"\n", "storgae = \"room\"\n"),
                                     "p.toml", kRecipes, "r.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "storgae"));
        CHECK(mentions(r.error(), "misspelt"));
    }
    SUBCASE("error-prone unit") {
        const auto r =
            loadFormulary(replaced(kProducts, "\"mg/mL\"", "\"mg/cc\""), "p.toml", kRecipes, "r.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "concentration_unit"));
        CHECK(mentions(r.error(), "write mL"));
    }
    SUBCASE("NDC without hyphens is ambiguous") {
        const auto r =
            loadFormulary(replaced(kProducts, "99999-001-01", "9999900101"), "p.toml", kRecipes, "r.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "product[1].ndc"));
    }
    SUBCASE("recipe names an unknown product") {
        const auto r = loadFormulary(kProducts, "p.toml",
                                     replaced(kRecipes, "[\"drug-1mg-ml\"]", "[\"drug-2mg-ml\"]"), "r.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "r.toml:2:1"));
        CHECK(mentions(r.error(), "drug-2mg-ml"));
    }
    SUBCASE("dose unit does not fit the rule") {
        const auto r =
            loadFormulary(kProducts, "p.toml",
                          replaced(kRecipes, "dose_rule = \"fixed\"", "dose_rule = \"per_kg\""), "r.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "recipe[1].ingredient[1].dose_unit"));
    }
    SUBCASE("base that is not a diluent") {
        const auto r = loadFormulary(
            kProducts, "p.toml",
            replaced(kRecipes, "products = [\"ns-100\"]", "products = [\"drug-1mg-ml\"]"), "r.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "not a diluent"));
    }
}

TEST_CASE("site policy loads and its errors point at the line") {
    const auto p = loadFormulasPolicy(readAsset("policy/formulas.toml"), "formulas.toml");
    REQUIRE_MESSAGE(p.ok(), p.error().text());
    CHECK(p->gfrCapMlMin == doctest::Approx(125.0));
    REQUIRE(p->syringes.size() == 7);
    CHECK(p->syringes.front().capacity.inMl() == doctest::Approx(1.0));
    CHECK(p->syringes.back().capacity.inMl() == doctest::Approx(60.0));
    // DOMAIN.md: +/-10% at or below 2 mL, +/-5% above.
    CHECK(p->tolerancePercentFor(Volume::mL(2.0)) == doctest::Approx(10.0));
    CHECK(p->tolerancePercentFor(Volume::mL(2.01)) == doctest::Approx(5.0));
    CHECK(p->tolerancePercentFor(Volume::mL(0.1)) == doctest::Approx(10.0));
    CHECK(defaultFormulasPolicyToml() == readAsset("policy/formulas.toml"));

    const std::string text(defaultFormulasPolicyToml());
    const auto unsorted =
        loadFormulasPolicy(replaced(text, "capacity_ml = 60", "capacity_ml = 25"), "f.toml");
    REQUIRE_FALSE(unsorted.ok());
    CHECK(mentions(unsorted.error(), "smallest to the largest"));
    const auto noOpenBand = loadFormulasPolicy(
        replaced(text, "[[tolerance]]\npercent = 5", "[[tolerance]]\nup_to_ml = 50\npercent = 5"), "f.toml");
    REQUIRE_FALSE(noOpenBand.ok());
    CHECK(mentions(noOpenBand.error(), "every volume has a band"));
    const auto cap =
        loadFormulasPolicy(replaced(text, "gfr_cap_ml_min = 125", "gfr_cap_ml_min = 1250"), "f.toml");
    REQUIRE_FALSE(cap.ok());
    CHECK(mentions(cap.error(), "carboplatin.gfr_cap_ml_min"));
    CHECK(mentions(cap.error(), "f.toml:"));
}
