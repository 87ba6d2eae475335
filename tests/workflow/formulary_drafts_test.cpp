// Formulary drafts (the web's formulary page): one product or recipe edited as a draft, checked by
// the import's validator, signed in as a new version by a pharmacist. On the test site formulary
// (tests/data/site_formulary). Edges: a bad field names the field and stores nothing; a technician
// can neither edit nor sign; a stale draft is refused; a recipe edit is the next version.
#include "tests/workflow/engine_fixture.hpp"

#include "station/store/formulary_repo.hpp"
#include "station/workflow/formulary_drafts.hpp"
#include "station/workflow/formulary_service.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace admix;
using namespace admix::workflow;
using namespace admix::test;

namespace {

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

FormularyFiles siteFiles() {
    const std::string dir = std::string(ADMIX_TEST_DATA_DIR) + "/data/site_formulary/";
    return {readText(dir + "products.toml"), "products.toml", readText(dir + "recipes.toml"), "recipes.toml"};
}

struct DraftFixture : EngineFixture {
    FormularyService formulary{db, audit};
    FormularyDrafts drafts{db, audit};

    DraftFixture() {
        const auto v =
            formulary.import(siteFiles(), sign(kFormularyImportAction, "formulary", "site", t0), true, t0);
        REQUIRE(v.ok());
    }
    Signature importSig() { return sign(kFormularyImportAction, "formulary", "approve formulary draft", t0); }
    int versions() { return static_cast<int>(store::FormularyRepo(db).versions().size()); }
};

} // namespace

TEST_CASE("editTomlItem changes only the edited lines of one product") {
    const std::string products = siteFiles().productsToml;
    const auto edited =
        editTomlItem(products, "products.toml", DraftKind::Product, "famotidine-10mg-ml",
                     {{"density_g_ml", "1.01"}, {"schedule", "CIV"}, {"unit_cost", ""}, {"gtin", ""}});
    REQUIRE(edited.ok());
    CHECK(edited->find("density_g_ml = 1.01\n") != std::string::npos);
    CHECK(edited->find("schedule = \"CIV\"") != std::string::npos);
    CHECK(edited->find("unit_cost = 3.75") == std::string::npos);
    CHECK(edited->find("# A site formulary written for the site-setup tests") == 0); // comments stay
    // The other product is untouched.
    CHECK(edited->find("density_g_ml = 1.0046") != std::string::npos);
    // A number that does not read as one is written as text for the validator to refuse by name.
    const auto heavy =
        editTomlItem(products, "products.toml", DraftKind::Product, "ns-50", {{"density_g_ml", "heavy"}});
    REQUIRE(heavy.ok());
    CHECK(heavy->find("density_g_ml = \"heavy\"") != std::string::npos);
    // Quotes and backslashes in text are escaped, not let out of the string.
    const auto quoted = editTomlItem(products, "products.toml", DraftKind::Product, "ns-50",
                                     {{"display_name", "bag \"50\" \\ mL\nx = 1"}});
    REQUIRE(quoted.ok());
    CHECK(quoted->find(R"(display_name = "bag \"50\" \\ mL\nx = 1")") != std::string::npos);
    CHECK_FALSE(editTomlItem(products, "products.toml", DraftKind::Product, "ns-50", {{"id", "other"}}).ok());
    CHECK(editTomlItem(products, "products.toml", DraftKind::Product, "nope", {{"ndc", "1"}}).error().where ==
          "id");
}

TEST_CASE("editTomlItem appends a recipe edit as the next version and keeps the old one") {
    const std::string recipes = siteFiles().recipesToml;
    int version = 0;
    const auto edited =
        editTomlItem(recipes, "recipes.toml", DraftKind::Recipe, "famotidine-ns-50",
                     {{"name", "Famotidine 20 mg in NS 50 mL"}, {"steps", "Draw\n\nInject\n"}}, &version);
    REQUIRE(edited.ok());
    CHECK(version == 2);
    CHECK(edited->find("version = 1\nname = \"Famotidine in sodium chloride 0.9% 50 mL\"") !=
          std::string::npos);
    CHECK(edited->find("version = 2\nname = \"Famotidine 20 mg in NS 50 mL\"") != std::string::npos);
    CHECK(edited->find("steps = [\n  \"Draw\",\n  \"Inject\",\n]") != std::string::npos);
    const auto parsed =
        formulas::loadFormulary(siteFiles().productsToml, "products.toml", *edited, "recipes.toml");
    REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().text()));
    CHECK(parsed->recipe("famotidine-ns-50")->version == 2);
    CHECK(parsed->recipe("famotidine-ns-50", 1)->name == "Famotidine in sodium chloride 0.9% 50 mL");
    CHECK(parsed->recipe("famotidine-ns-50")->ingredients.size() == 1); // sub-tables copied
}

TEST_CASE("a draft is validated like an import: a bad field names the field and stores nothing") {
    DraftFixture f;
    const auto bad =
        f.drafts.save(DraftKind::Product, "famotidine-10mg-ml", {{"density_g_ml", "heavy"}}, f.rph, f.t0);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().where == "density_g_ml");
    CHECK(bad.error().message.find("must be a number") != std::string::npos);
    const auto badNdc =
        f.drafts.save(DraftKind::Product, "famotidine-10mg-ml", {{"ndc", "88888-101-2X"}}, f.rph, f.t0);
    REQUIRE_FALSE(badNdc.ok());
    CHECK(badNdc.error().where == "ndc");
    CHECK(f.drafts.list("").empty());
    CHECK(f.versions() == 1);
    // Nothing changed, an unknown field, a technician: refused too.
    CHECK_FALSE(
        f.drafts.save(DraftKind::Product, "famotidine-10mg-ml", {{"ndc", "88888-101-20"}}, f.rph, f.t0).ok());
    CHECK(f.drafts.save(DraftKind::Product, "famotidine-10mg-ml", {{"valence2", "1"}}, f.rph, f.t0)
              .error()
              .where == "valence2");
    const auto byTech =
        f.drafts.save(DraftKind::Product, "famotidine-10mg-ml", {{"unit_cost", "1"}}, f.tech, f.t0);
    REQUIRE_FALSE(byTech.ok());
    CHECK(byTech.error().message.find("only a pharmacist") != std::string::npos);
    CHECK(f.drafts.list("").empty());
}

TEST_CASE("a product draft signed by a pharmacist is the next version; its recipes go back to draft") {
    DraftFixture f;
    const auto draft =
        f.drafts.save(DraftKind::Product, "famotidine-10mg-ml", {{"density_g_ml", "1.01"}}, f.rph, f.t0);
    REQUIRE_MESSAGE(draft.ok(), (draft.ok() ? "" : draft.error().text()));
    CHECK(f.versions() == 1); // a draft changes nothing stored
    CHECK(f.formulary.current()->product("famotidine-10mg-ml")->density.inGPerMl() == doctest::Approx(1.006));

    // A technician's signature, or one for another action, is refused; the draft stays open.
    const auto techSig =
        f.auth.sign("B-1001", "4821", std::nullopt, kFormularyImportAction, "formulary", "x", f.t0).value();
    CHECK_FALSE(f.drafts.approve(draft->id, techSig, std::nullopt, f.t0).ok());
    CHECK_FALSE(
        f.drafts.approve(draft->id, f.sign(kRecipeApproveAction, "formulary", "x", f.t0), std::nullopt, f.t0)
            .ok());
    CHECK(f.drafts.find(draft->id)->state == "open");
    CHECK(f.versions() == 1);

    const auto version = f.drafts.approve(draft->id, f.importSig(), std::nullopt, f.t0);
    REQUIRE_MESSAGE(version.ok(), (version.ok() ? "" : version.error().text()));
    CHECK(*version == 2);
    CHECK(f.formulary.current()->product("famotidine-10mg-ml")->density.inGPerMl() == doctest::Approx(1.01));
    CHECK(f.formulary.recipeState("famotidine-ns-50", 1) == "draft");
    const auto decided = f.drafts.find(draft->id);
    CHECK(decided->state == "approved");
    CHECK(decided->resultVersion == 2);
    CHECK(decided->decidedBy == "rpatel");
    // Decided once.
    CHECK_FALSE(f.drafts.approve(draft->id, f.importSig(), std::nullopt, f.t0).ok());
    CHECK_FALSE(f.drafts.discard(draft->id, f.rph, "late", f.t0).ok());
}

TEST_CASE("a stale draft is refused; a discard needs a pharmacist and a reason") {
    DraftFixture f;
    const auto first =
        f.drafts.save(DraftKind::Product, "ns-50", {{"package_size", "12"}}, f.rph, f.t0).value();
    const auto second =
        f.drafts.save(DraftKind::Product, "ns-50", {{"package_size", "48"}}, f.rph, f.t0).value();
    REQUIRE(f.drafts.approve(first.id, f.importSig(), std::nullopt, f.t0).value() == 2);
    const auto stale = f.drafts.approve(second.id, f.importSig(), std::nullopt, f.t0);
    REQUIRE_FALSE(stale.ok());
    CHECK(stale.error().message.find("changed since this draft was made") != std::string::npos);
    CHECK(f.versions() == 2);
    CHECK_FALSE(f.drafts.discard(second.id, f.tech, "no", f.t0).ok());
    CHECK_FALSE(f.drafts.discard(second.id, f.rph, "  ", f.t0).ok());
    CHECK(f.drafts.discard(second.id, f.rph, "superseded", f.t0).ok());
    CHECK(f.drafts.find(second.id)->state == "discarded");
}

TEST_CASE("a recipe draft is the next recipe version, approved by the same pharmacist's signature") {
    DraftFixture f;
    const auto draft = f.drafts.save(DraftKind::Recipe, "famotidine-ns-50",
                                     {{"name", "Famotidine 20 mg in NS 50 mL"}}, f.rph, f.t0);
    REQUIRE_MESSAGE(draft.ok(), (draft.ok() ? "" : draft.error().text()));
    CHECK(draft->itemVersion == 2);
    // Without the recipe approval signature: refused, nothing stored.
    CHECK_FALSE(f.drafts.approve(draft->id, f.importSig(), std::nullopt, f.t0).ok());
    CHECK(f.versions() == 1);
    const auto recipeSig =
        f.sign(kRecipeApproveAction, recipeSubject("famotidine-ns-50", 2), "approve", f.t0);
    REQUIRE(f.drafts.approve(draft->id, f.importSig(), recipeSig, f.t0).value() == 2);
    CHECK(f.formulary.recipeState("famotidine-ns-50", 2) == "approved");
    CHECK(f.formulary.recipeState("famotidine-ns-50", 1) == "approved"); // the old version stays
    CHECK(f.formulary.approved()->recipe("famotidine-ns-50")->name == "Famotidine 20 mg in NS 50 mL");
    // An ingredient's dose limits are fields too, named as the validator names them.
    const auto fields = currentFields(f.db, DraftKind::Recipe, "famotidine-ns-50").value();
    const auto maxDose = std::find_if(fields.begin(), fields.end(),
                                      [](const DraftField& x) { return x.key == "ingredient[1].max_dose"; });
    REQUIRE(maxDose != fields.end());
    CHECK(maxDose->value == "40");
    const auto inverted =
        f.drafts.save(DraftKind::Recipe, "famotidine-ns-50", {{"ingredient[1].min_dose", "50"}}, f.rph, f.t0);
    REQUIRE_FALSE(inverted.ok());
    CHECK(inverted.error().where == "ingredient[1].min_dose");
    CHECK_FALSE(
        f.drafts.save(DraftKind::Recipe, "famotidine-ns-50", {{"ingredient[2].min_dose", "5"}}, f.rph, f.t0)
            .ok());
    CHECK_FALSE(
        f.drafts.save(DraftKind::Recipe, "famotidine-ns-50", {{"ingredient[1].drug", "x"}}, f.rph, f.t0)
            .ok());
    const auto lower =
        f.drafts.save(DraftKind::Recipe, "famotidine-ns-50", {{"ingredient[1].max_dose", "30"}}, f.rph, f.t0);
    REQUIRE_MESSAGE(lower.ok(), (lower.ok() ? "" : lower.error().text()));
    CHECK(lower->itemVersion == 3);
    const auto sig3 = f.sign(kRecipeApproveAction, recipeSubject("famotidine-ns-50", 3), "approve", f.t0);
    REQUIRE(f.drafts.approve(lower->id, f.importSig(), sig3, f.t0).value() == 3);
    CHECK(f.formulary.approved()->recipe("famotidine-ns-50")->ingredients.at(0).dose.maxDose ==
          doctest::Approx(30));
    CHECK(f.formulary.current()->recipe("famotidine-ns-50", 2)->ingredients.at(0).dose.maxDose ==
          doctest::Approx(40));
    // A bad recipe field is named too.
    const auto bad =
        f.drafts.save(DraftKind::Recipe, "famotidine-ns-50", {{"csp_category", "seven"}}, f.rph, f.t0);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().where == "csp_category");
}
