// A real site's own data through the workflow: the formulary stored as signed versions with recipe
// states, orders entered by hand and planned on entry, recalls found after a scan, and cancelled
// orders. The formulary is tests/data/site_formulary (two products, one recipe, not the demo's).
#include "tests/workflow/engine_fixture.hpp"

#include "station/store/formulary_repo.hpp"
#include "station/store/site_repo.hpp"
#include "station/workflow/check_review.hpp"
#include "station/workflow/formulary_service.hpp"
#include "station/workflow/order_entry.hpp"
#include "station/workflow/plan_steps.hpp"
#include "station/workflow/recall_service.hpp"
#include "station/workflow/site_checks.hpp"
#include "station/workflow/site_setup.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace admix;
using namespace admix::workflow;
using namespace admix::test;
using namespace std::chrono_literals;

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

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

const std::string kFamotidine = gtinFor("8888810120");
const std::string kNs50 = gtinFor("8888820150");

struct SiteFixture : EngineFixture {
    FormularyService formulary{db, audit};
    RecallService recalls{db, audit};
    formulas::FormulasPolicy policy = formulas::loadDefaultFormulasPolicy().value();

    Signature importSignature(TimePoint at) {
        return sign(kFormularyImportAction, "formulary", "site formulary", at);
    }

    int importSite(bool approve, const FormularyFiles& files = siteFiles()) {
        const auto v = formulary.import(files, importSignature(t0), approve, t0);
        REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().text()));
        return *v;
    }

    OrderInput famotidineOrder(const std::string& id, double mg = 20) {
        OrderInput o;
        o.patientName = "TEST, PATIENT";
        o.patientMrn = "TEST-1";
        o.patient = {{"weight_kg", 70}};
        o.recipeId = "famotidine-ns-50";
        o.dose = {{"value", mg}, {"unit", "mg"}};
        o.route = "IV";
        o.due = t0 + 2h;
        o.prescriber = "Dr. Test";
        o.externalId = id;
        return o;
    }

    // Enters an order against the approved formulary and starts it; returns the preparation id.
    Result<int64_t> startFamotidine(const std::string& id) {
        const auto approved = formulary.current().value();
        const auto entered =
            enterOrder(engine, db, audit, famotidineOrder(id), approved, policy, rph, true, t0);
        REQUIRE_MESSAGE(entered.ok(), (entered.ok() ? "" : entered.error().text()));
        const auto row = store::PrepRepo(db).order(entered->orderId).value();
        const auto spec = specForOrder(row, approved, policy);
        REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().text()));
        m_spec = *spec;
        return engine.start(entered->orderId, *spec, tech, "BUF-1", "LAFW-1", std::nullopt, t0 + 1min);
    }

    // Passes step `i` of the started preparation with correct inputs (lot LOT-A for every scan).
    Outcome passStep(int64_t prepId, int i, TimePoint t) {
        const StepSpec& s = m_spec.steps.at(static_cast<size_t>(i));
        const std::string key = "step-" + std::to_string(i);
        switch (s.kind) {
        case StepKind::Scan:
            return engine
                .submitScan(prepId, i, key, gs1Scan(s.scan.acceptedGtins.front(), "301231", "LOT-A"), tech, t)
                .value();
        case StepKind::Weigh: {
            const Outcome tare = engine.submitReading(prepId, i, key + "-tare", grams(11.0), tech, t).value();
            if (tare.verdict != Verdict::Recorded)
                return tare;
            return engine
                .submitReading(prepId, i, key, grams(11.0 + s.weigh.targetMl * s.weigh.densityGPerMl), tech,
                               t + 5s)
                .value();
        }
        case StepKind::Photo:
            return engine.submitPhoto(prepId, i, key, PhotoInput{storePhoto(i), true, "", ""}, tech, t)
                .value();
        case StepKind::Confirm:
            return engine.confirm(prepId, i, key, tech, t).value();
        case StepKind::Label: {
            const Outcome printed = engine.labelPrinted(prepId, i, key, true, "printer", tech, t).value();
            if (!s.labelScan || printed.verdict != Verdict::Recorded)
                return printed;
            // Applied, then its code scanned: the preparation number.
            return engine
                .submitScan(prepId, i, key + "-scan", scanned("]d1" + engine.view(prepId)->number), tech,
                            t + 5s)
                .value();
        }
        }
        return {};
    }

    void runAll(int64_t prepId, int from = 0) {
        for (int i = from; i < static_cast<int>(m_spec.steps.size()); ++i) {
            const Outcome o = passStep(prepId, i, t0 + std::chrono::minutes(2 + i));
            INFO("step " << i << ": " << o.message);
            REQUIRE(o.verdict == Verdict::Passed);
        }
    }

    PrepSpec m_spec;
};

} // namespace

TEST_CASE("formulary import: a bad field stores nothing, a good one is a signed version with draft recipes") {
    SiteFixture f;
    SUBCASE("one bad field on the first import") {
        FormularyFiles bad = siteFiles();
        bad.productsToml = replaced(bad.productsToml, "density_g_ml = 1.006", "density_g_ml = \"heavy\"");
        const auto preview = f.formulary.preview(bad);
        REQUIRE_FALSE(preview.ok());
        CHECK(preview.error().text().find("products.toml:") == 0);
        CHECK(preview.error().text().find("product[1].density_g_ml: must be a number") != std::string::npos);
        CHECK_FALSE(f.formulary.import(bad, f.importSignature(f.t0), true, f.t0).ok());
        CHECK_FALSE(store::FormularyRepo(f.db).latest().has_value());
        CHECK(store::FormularyRepo(f.db).recipeStates().empty());
    }
    SUBCASE("one bad field after a good import leaves the stored version as it was") {
        REQUIRE(f.importSite(true) == 1);
        FormularyFiles bad = siteFiles();
        bad.recipesToml = replaced(bad.recipesToml, "max_dose = 40", "max_dose = \"forty\"");
        bad.productsToml = replaced(bad.productsToml, "unit_cost = 3.75", "unit_cost = 4.10");
        const auto r = f.formulary.import(bad, f.importSignature(f.t0), true, f.t0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().text().find("recipes.toml:") == 0);
        CHECK(r.error().text().find("recipe[1].ingredient[1].max_dose") != std::string::npos);
        CHECK(store::FormularyRepo(f.db).latest()->version == 1);
        CHECK(f.formulary.current()->product("famotidine-10mg-ml")->unitCost == doctest::Approx(3.75));
    }
    SUBCASE("the diff names each field; unchanged files change nothing") {
        REQUIRE(f.importSite(false) == 1);
        CHECK(f.formulary.recipeState("famotidine-ns-50", 1) == "draft");
        FormularyFiles next = siteFiles();
        next.productsToml = replaced(next.productsToml, "unit_cost = 3.75", "unit_cost = 4.1");
        const auto preview = f.formulary.preview(next).value();
        REQUIRE(preview.changes.size() == 1);
        CHECK(preview.changes[0].id == "famotidine-10mg-ml");
        REQUIRE(preview.changes[0].fields.size() == 1);
        CHECK(preview.changes[0].fields[0].field == "unit_cost");
        CHECK(preview.changes[0].fields[0].before == "3.75");
        CHECK(preview.changes[0].fields[0].after == "4.1");
        CHECK(f.formulary.preview(siteFiles()).value().changes.empty());
    }
    SUBCASE("an edited recipe must be a new version; the old one stays approved") {
        f.importSite(true);
        FormularyFiles edit = siteFiles();
        edit.recipesToml = replaced(edit.recipesToml, "max_dose = 40", "max_dose = 30");
        const auto same = f.formulary.preview(edit);
        REQUIRE_FALSE(same.ok());
        INFO(same.error().text());
        CHECK(same.error().text().find("recipes.toml:5:1: recipe[1].version") == 0);
        CHECK(same.error().text().find("write version = 2") != std::string::npos);
        edit.recipesToml = replaced(edit.recipesToml, "version = 1", "version = 2");
        const std::string original = siteFiles().recipesToml;
        edit.recipesToml += "\n" + original.substr(original.find("[[recipe]]"));
        REQUIRE(f.formulary.import(edit, f.importSignature(f.t0), false, f.t0).value() == 2);
        CHECK(f.formulary.recipeState("famotidine-ns-50", 1) == "approved");
        CHECK(f.formulary.recipeState("famotidine-ns-50", 2) == "draft");
        const auto approved = f.formulary.approved().value();
        REQUIRE(approved.recipe("famotidine-ns-50") != nullptr);
        CHECK(approved.recipe("famotidine-ns-50")->version == 1);
    }
    SUBCASE("a product change sends the recipes that use it back to draft") {
        f.importSite(true);
        FormularyFiles next = siteFiles();
        next.productsToml = replaced(next.productsToml, "density_g_ml = 1.006", "density_g_ml = 1.012");
        REQUIRE(f.formulary.import(next, f.importSignature(f.t0), false, f.t0).value() == 2);
        CHECK(f.formulary.recipeState("famotidine-ns-50", 1) == "draft");
        CHECK_FALSE(f.formulary.approved().ok());
    }
    SUBCASE("an import signed for something else is refused") {
        const auto wrong = f.sign("recipe.approve", "formulary", "x", f.t0);
        CHECK_FALSE(f.formulary.import(siteFiles(), wrong, true, f.t0).ok());
        CHECK_FALSE(store::FormularyRepo(f.db).latest().has_value());
    }
}

TEST_CASE("recipe approval: only a pharmacist; only an approved recipe version can be started") {
    SiteFixture f;
    f.importSite(false);
    const std::string subject = recipeSubject("famotidine-ns-50", 1);
    // What a running station and the HL7 listener compare to know when to read the formulary again.
    const store::FormularyGeneration imported = stationFormularyGeneration(f.db);
    CHECK(imported.latestVersion == 1);
    CHECK(imported.stateChanges >= 1); // the import's drafts
    StationFormularyFollower follower;
    const auto first = follower.readIfChanged(f.db, f.audit);
    REQUIRE(first.has_value());                                     // the first call always reads ...
    CHECK_FALSE(first->ok());                                       // ... here only drafts: nothing approved
    CHECK_FALSE(follower.readIfChanged(f.db, f.audit).has_value()); // a failure is not read again

    // A technician cannot sign as a pharmacist ...
    const auto techSig =
        f.auth.sign("B-1001", "4821", Role::Pharmacist, kRecipeApproveAction, subject, "approve", f.t0);
    REQUIRE_FALSE(techSig.ok());
    CHECK(techSig.error().text().find("pharmacist") != std::string::npos);
    // ... and a technician's own signature does not approve.
    const auto own =
        f.auth.sign("B-1001", "4821", std::nullopt, kRecipeApproveAction, subject, "approve", f.t0).value();
    const auto refused = f.formulary.approveRecipe("famotidine-ns-50", 1, own, f.t0);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("needs a pharmacist's e-signature") != std::string::npos);
    CHECK(f.formulary.recipeState("famotidine-ns-50", 1) == "draft");
    CHECK(f.audit.forSubject(subject).back().action == "recipe.approve.refused");

    // The draft cannot be started.
    const auto blocked = f.startFamotidine("SITE-1");
    REQUIRE_FALSE(blocked.ok());
    CHECK(blocked.error().message.find("is a draft") != std::string::npos);

    // The pharmacist approves; now it starts and keeps its version.
    REQUIRE(f.formulary
                .approveRecipe("famotidine-ns-50", 1, f.sign(kRecipeApproveAction, subject, "approve", f.t0),
                               f.t0)
                .ok());
    const store::FormularyGeneration approved = stationFormularyGeneration(f.db);
    CHECK_FALSE(approved == imported);
    CHECK(approved.latestVersion == 1);
    CHECK(approved.stateChanges == imported.stateChanges + 1);
    CHECK(stationFormularyGeneration(f.db) == approved); // reading changes nothing
    const auto afterApproval = follower.readIfChanged(f.db, f.audit);
    REQUIRE(afterApproval.has_value());
    REQUIRE(afterApproval->ok());
    CHECK((*afterApproval)->formulary.recipe("famotidine-ns-50") != nullptr);
    CHECK_FALSE(follower.readIfChanged(f.db, f.audit).has_value());
    const auto loaded = loadStationFormulary(f.db, f.audit);
    REQUIRE(loaded.ok());
    CHECK(loaded->generation == approved);
    CHECK(loaded->formulary.recipe("famotidine-ns-50") != nullptr);
    const auto order = store::SiteRepo(f.db).orderByExternalId("SITE-1").value();
    const auto row = store::PrepRepo(f.db).order(order).value();
    const auto prep = f.engine.start(order, f.m_spec, f.tech, "BUF-1", "LAFW-1", std::nullopt, f.t0 + 1min);
    REQUIRE(prep.ok());
    CHECK(store::PrepRepo(f.db).prep(*prep)->recipeVersion == 1);
    CHECK_FALSE(recipeRetiredSince(f.db, "famotidine-ns-50", 1).has_value());
    CHECK_FALSE(checkReview(f.db, f.engine, f.images, *prep)->recipeRetired.has_value());

    // Retired: no new start.
    REQUIRE(
        f.formulary
            .retireRecipe("famotidine-ns-50", 1, f.sign(kRecipeRetireAction, subject, "retire", f.t0), f.t0)
            .ok());
    CHECK(recipeNotStartable(f.db, "famotidine-ns-50", 1).value().find("retired") != std::string::npos);
    // The preparation started before keeps its plan; its check is warned, naming when and by whom.
    const auto retired = checkReview(f.db, f.engine, f.images, *prep)->recipeRetired;
    REQUIRE(retired.has_value());
    CHECK(*retired ==
          "recipe famotidine-ns-50 version 1 was retired on " + formatIsoUtc(f.t0) + " by " + f.rph.username);
    CHECK(stationFormularyGeneration(f.db).stateChanges == approved.stateChanges + 1);
    CHECK_FALSE(loadStationFormulary(f.db, f.audit).ok()); // no approved recipe left: nothing to prepare
    const auto afterRetire = follower.readIfChanged(f.db, f.audit);
    REQUIRE(afterRetire.has_value());
    CHECK_FALSE(afterRetire->ok());
    (void)row;
}

TEST_CASE("orders entered by hand are planned on entry; a duplicate order id is refused") {
    SiteFixture f;
    f.importSite(true);
    const auto approved = f.formulary.approved().value();
    const auto first = enterOrder(f.engine, f.db, f.audit, f.famotidineOrder("SITE-7"), approved, f.policy,
                                  f.rph, false, f.t0);
    REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : first.error().text()));
    const auto again = enterOrder(f.engine, f.db, f.audit, f.famotidineOrder("SITE-7"), approved, f.policy,
                                  f.rph, true, f.t0);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().text() == "order id: order SITE-7 was entered already (as " + first->orderNumber +
                                      "); a duplicate is refused");
    CHECK(store::SiteRepo(f.db).orders("").size() == 1);

    const auto tooMuch = enterOrder(f.engine, f.db, f.audit, f.famotidineOrder("SITE-8", 400), approved,
                                    f.policy, f.rph, true, f.t0);
    REQUIRE_FALSE(tooMuch.ok());
    CHECK(tooMuch.error().text().find("DOSE_ABOVE_MAX") != std::string::npos);
    CHECK(store::SiteRepo(f.db).orders("").size() == 1);

    OrderInput unknown = f.famotidineOrder("SITE-9");
    unknown.recipeId = "cefazolin-ns"; // a demo recipe: not in this site's formulary
    const auto notHere = enterOrder(f.engine, f.db, f.audit, unknown, approved, f.policy, f.rph, true, f.t0);
    REQUIRE_FALSE(notHere.ok());
    CHECK(notHere.error().where == "recipe");

    const auto byTech = enterOrder(f.engine, f.db, f.audit, f.famotidineOrder("SITE-10"), approved, f.policy,
                                   f.tech, true, f.t0);
    CHECK_FALSE(byTech.ok());
}

TEST_CASE("a cancelled order stops its preparation at the next step, with the reason") {
    SiteFixture f;
    f.importSite(true);
    const auto prep = f.startFamotidine("SITE-20").value();
    REQUIRE(f.passStep(prep, 0, f.t0 + 2min).verdict == Verdict::Passed);
    const auto orderId = store::PrepRepo(f.db).prep(prep)->orderId;
    REQUIRE(f.engine.cancelOrder(orderId, f.rph, "patient discharged", f.t0 + 3min).ok());
    const Outcome o = f.passStep(prep, 1, f.t0 + 4min);
    CHECK(o.verdict == Verdict::Failed);
    CHECK(o.message.find("STOPPED") == 0);
    CHECK(o.message.find("patient discharged") != std::string::npos);
    CHECK(o.prepStatus == PrepStatus::Cancelled);
    CHECK(store::PrepRepo(f.db).prep(prep)->status == "cancelled");
    CHECK(store::PrepRepo(f.db).order(orderId)->status == "cancelled");
}

TEST_CASE(
    "recalls: mid-preparation blocks the next step, awaiting check refuses approval, released is affected") {
    SiteFixture f;
    f.importSite(true);
    const RecallInput lotA{"", kFamotidine, "LOT-A", "particulates", "FDA", "2026-11-20"};

    SUBCASE("a technician may not change the recall list (refused and audited)") {
        const auto r = f.recalls.add(lotA, f.tech, f.t0);
        REQUIRE_FALSE(r.ok());
        CHECK(f.recalls.list().empty());
        CHECK(f.audit.latest(1).front().action == "recall.add.refused");
    }
    SUBCASE("added mid-preparation: the next step is blocked") {
        const auto prep = f.startFamotidine("SITE-30").value();
        REQUIRE(f.m_spec.steps[0].kind == StepKind::Scan);
        REQUIRE(f.passStep(prep, 0, f.t0 + 2min).verdict == Verdict::Passed);
        REQUIRE(f.recalls.add(lotA, f.rph, f.t0 + 3min).ok());
        const Outcome o = f.passStep(prep, 1, f.t0 + 4min);
        CHECK(o.verdict == Verdict::Failed);
        CHECK(o.message.find("RECALLED") != std::string::npos);
        CHECK(o.message.find("LOT-A") != std::string::npos);
        CHECK(store::PrepRepo(f.db).prep(prep)->currentStep == 1);
        const auto affected = f.recalls.affected();
        REQUIRE(affected.size() == 1);
        CHECK(affected[0].prepStatus == "in_progress");
    }
    SUBCASE("another lot of the same product does not block") {
        const auto prep = f.startFamotidine("SITE-31").value();
        REQUIRE(f.passStep(prep, 0, f.t0 + 2min).verdict == Verdict::Passed);
        REQUIRE(f.recalls.add({"", kFamotidine, "LOT-B", "particulates", "", ""}, f.rph, f.t0 + 3min).ok());
        CHECK(f.passStep(prep, 1, f.t0 + 4min).verdict == Verdict::Passed);
    }
    SUBCASE("awaiting check: approval refused") {
        const auto prep = f.startFamotidine("SITE-32").value();
        f.runAll(prep);
        const std::string number = store::PrepRepo(f.db).prep(prep)->prepNumber;
        REQUIRE(f.recalls
                    .add({"88888-101-20", "", "", "every lot: sterility", "manufacturer", ""}, f.rph,
                         f.t0 + 30min)
                    .ok());
        const auto approve =
            f.engine.approve(prep, f.sign("prep.approve", number, "approve", f.t0 + 31min), f.t0 + 31min);
        REQUIRE_FALSE(approve.ok());
        CHECK(approve.error().message.find("RECALLED") != std::string::npos);
        CHECK(store::PrepRepo(f.db).prep(prep)->status == "awaiting_check");
    }
    SUBCASE("after release: listed as affected and traced") {
        const auto prep = f.startFamotidine("SITE-33").value();
        f.runAll(prep);
        const std::string number = store::PrepRepo(f.db).prep(prep)->prepNumber;
        REQUIRE(f.engine.approve(prep, f.sign("prep.approve", number, "approve", f.t0 + 31min), f.t0 + 31min)
                    .ok());
        CHECK(f.recalls.affected().empty());
        REQUIRE(f.recalls.add(lotA, f.rph, f.t0 + 40min).ok());
        const auto affected = f.recalls.affected();
        REQUIRE(affected.size() == 1);
        CHECK(affected[0].prepNumber == number);
        CHECK(affected[0].prepStatus == "released");
        CHECK(affected[0].recallReason == "particulates");
        // The bag was scanned with LOT-A too: trace by lot finds both scans, by product only the vial.
        CHECK(f.recalls.trace("LOT-A", std::nullopt).size() == 2);
        const auto vial = f.recalls.trace("LOT-A", std::string("88888-101-20"));
        REQUIRE(vial.size() == 1);
        CHECK(vial[0].gtin == kFamotidine);
        CHECK(f.recalls.trace("LOT-Z", std::nullopt).empty());
    }
    SUBCASE("a duplicate recall is refused") {
        REQUIRE(f.recalls.add(lotA, f.rph, f.t0).ok());
        CHECK_FALSE(f.recalls.add(lotA, f.rph, f.t0).ok());
        CHECK(f.recalls.list().size() == 1);
    }
}

TEST_CASE("recall CSV: all rows or none, every bad row named with its line") {
    SiteFixture f;
    const std::string good = "ndc,lot,reason,source,date\n88888-101-20,LOT-A,particulates,FDA,2026-11-20\n"
                             "88888-201-50,,leaking seams,manufacturer,2026-11-21\n";
    REQUIRE(f.recalls.importCsv(good, "recalls.csv", f.rph, f.t0).value() == 2);
    CHECK(f.recalls.list().size() == 2);
    CHECK(f.recalls.list()[1].lot.empty());

    const std::string bad = "gtin,lot,reason,date\n00388888101202,L1,bad check digit,\n" + kNs50 + ",L2,,\n" +
                            kNs50 + ",L3,ok row,2026-13-01\n" + kNs50 + ",L4,fine,2026-11-01\n";
    const auto r = f.recalls.importCsv(bad, "recalls.csv", f.rph, f.t0);
    REQUIRE_FALSE(r.ok());
    const std::string text = r.error().text();
    CHECK(text.find("recalls.csv:2: gtin:") != std::string::npos);
    CHECK(text.find("recalls.csv:3: reason:") != std::string::npos);
    CHECK(text.find("recalls.csv:4: date:") != std::string::npos);
    CHECK(text.find("recalls.csv:5") == std::string::npos);
    CHECK(f.recalls.list().size() == 2);

    // A duplicate of a stored recall refuses the whole file too.
    const auto dup = f.recalls.importCsv("ndc,lot,reason\n88888-101-20,LOT-C,new\n88888-101-20,LOT-A,again\n",
                                         "r.csv", f.rph, f.t0);
    REQUIRE_FALSE(dup.ok());
    CHECK(f.recalls.list().size() == 2);
}

TEST_CASE("setup gaps name what is missing and the command that adds it") {
    TempDir dir;
    store::Database db = store::openStationDatabase((dir / "s.sqlite3").string());
    store::AuditLog audit(db);
    store::ComplianceStore compliance(db, audit);
    auto gaps = setupGaps(db, audit, compliance, "", "");
    std::string all;
    for (const auto& g : gaps)
        all += g.missing + " | " + g.command + "\n";
    CHECK(all.find("No users") != std::string::npos);
    CHECK(all.find("admix users add") != std::string::npos);
    CHECK(all.find("No formulary") != std::string::npos);
    CHECK(all.find("admix formulary import") != std::string::npos);
    CHECK(all.find("No room") != std::string::npos);
    CHECK(all.find("admix site pec-add") != std::string::npos);
    CHECK(all.find("station.room") != std::string::npos);
    CHECK_FALSE(loadStationFormulary(db, audit).ok());
}
