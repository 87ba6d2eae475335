// The site policy as one audited store: the formulas policy (tolerance bands, balance, syringes,
// BSA, GFR cap, rounding) next to the USP limits, seeded from the shipped TOML, changed only by the
// role each key names, every change and every refusal in the audit trail, nothing written on any
// error, and the weigh gate of the next preparation following a changed band.
#include "tests/workflow/engine_fixture.hpp"

#include "formulas/policy_keys.hpp"
#include "station/store/formulas_policy_repo.hpp"
#include "station/workflow/formulary_service.hpp"
#include "station/workflow/order_entry.hpp"
#include "station/workflow/plan_steps.hpp"
#include "station/workflow/site_policy.hpp"
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

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

struct PolicyFixture : EngineFixture {
    SitePolicyService service{db, audit};
    User qa;

    PolicyFixture() {
        qa = auth.addUser({"qalvarez", "Q. Alvarez", Role::Quality, std::nullopt, std::nullopt,
                           "quality password 1"},
                          admin, t0)
                 .value();
    }

    std::string value(const std::string& key) {
        for (const auto& e : service.entries()) {
            if (e.key == key)
                return e.value;
        }
        FAIL("no policy key " << key);
        return {};
    }

    int64_t auditRows(const std::string& action) {
        int64_t n = 0;
        for (const auto& row : audit.latest(100000))
            n += row.action == action;
        return n;
    }

    // `pin`: `secret` is the user's PIN (else their password).
    Signature signAs(const std::string& who, const std::string& secret, Role role, const std::string& action,
                     const std::string& subject, TimePoint at, bool pin = true) {
        const auto sig = auth.sign(who, secret, role, action, subject, "policy change", at, pin);
        REQUIRE_MESSAGE(sig.ok(), (sig.ok() ? "" : sig.error().text()));
        return *sig;
    }
    Signature qaSigns(const std::string& action, const std::string& subject) {
        return signAs("qalvarez", "quality password 1", Role::Quality, action, subject, t0 + 1min, false);
    }
    Signature rphSigns(const std::string& action, const std::string& subject) {
        return signAs("rpatel", "7350", Role::Pharmacist, action, subject, t0 + 1min);
    }
};

} // namespace

TEST_CASE("a new database holds the shipped formulas policy, set by 'defaults', beside the USP limits") {
    PolicyFixture f;
    const auto shipped = formulas::formulasPolicyValues(formulas::loadDefaultFormulasPolicy().value());
    int formulasKeys = 0, uspKeys = 0;
    for (const auto& e : f.service.entries()) {
        CHECK(e.updatedBy == "defaults");
        if (e.formulas) {
            ++formulasKeys;
            CHECK(shipped.at(e.key) == e.value);
        } else {
            ++uspKeys;
        }
    }
    CHECK(formulasKeys == static_cast<int>(formulas::formulasPolicyKeys().size()));
    CHECK(uspKeys == static_cast<int>(usp797::policyKeys().size()));
    CHECK(f.value("tolerance") == "2:10, *:5");
    CHECK(f.value("syringe") == "1:0.01:0.1, 3:0.1:0.5, 5:0.2:1, 10:0.2:2, 20:1:4, 30:1:6, 60:1:12");
    CHECK(f.value("check.override_signer_may_release") == "false");
    CHECK(f.auditRows("policy.seed") == 2); // USP limits and formulas policy, once each
    (void)f.service.entries();
    CHECK(f.auditRows("policy.seed") == 2);
    const auto policy = f.service.formulasPolicy();
    REQUIRE(policy.tolerances.size() == 2);
    CHECK(policy.tolerances[0].percent == doctest::Approx(10));
    CHECK(policy.balanceReadabilityG == doctest::Approx(0.01));
    CHECK(SitePolicyService::roleFor("tolerance") == Role::Quality);
    CHECK(SitePolicyService::roleFor("bsa.method") == Role::Pharmacist);
    CHECK(SitePolicyService::roleFor("em.fridge.max_c") == Role::Quality);
    CHECK_FALSE(SitePolicyService::roleFor("tolerance.percent").has_value());
}

TEST_CASE("a policy change by a technician is refused, recorded, and changes nothing") {
    PolicyFixture f;
    (void)f.service.entries(); // seeded before counting
    // Through the signature: the authenticator refuses the technician for a quality key.
    const auto refused = f.auth.sign("tnguyen", "4821", Role::Quality, kPolicySetAction,
                                     policySubject("tolerance"), "tighten", f.t0 + 1min, true);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("quality") != std::string::npos);
    CHECK(f.auditRows("esign.refused") == 1);
    // A technician's signature handed to the service (a caller that skipped the role) is refused too.
    const Signature techSig = f.signAs("tnguyen", "4821", Role::Technician, kPolicySetAction,
                                       policySubject("tolerance"), f.t0 + 2min);
    const auto set = f.service.set("tolerance", "2:5, *:3", techSig, "SOP-12", f.t0 + 2min);
    REQUIRE_FALSE(set.ok());
    CHECK(set.error().where == "tolerance");
    CHECK(set.error().message.find("needs the e-signature of a quality") != std::string::npos);
    CHECK(f.value("tolerance") == "2:10, *:5");
    CHECK(f.auditRows("policy.refused") == 1);
    CHECK(f.auditRows("policy.set") == 0);
    const auto rows = f.audit.forSubject(policySubject("tolerance"));
    REQUIRE_FALSE(rows.empty());
    CHECK(rows.back().action == "policy.refused");
    CHECK(rows.back().actor == "tnguyen");
    CHECK(rows.back().details.find("\"new\":\"2:5, *:3\"") != std::string::npos);
    CHECK(rows.back().details.find("\"old\":\"2:10, *:5\"") != std::string::npos);

    SUBCASE("quality signing a pharmacist's key is refused the same way") {
        const Signature qaSig = f.qaSigns(kPolicySetAction, policySubject("bsa.method"));
        CHECK_FALSE(f.service.set("bsa.method", "dubois", qaSig, "SOP-3", f.t0 + 3min).ok());
        CHECK(f.value("bsa.method") == "mosteller");
        CHECK(f.auditRows("policy.refused") == 2);
    }
    SUBCASE("a signature for another key does not change this one") {
        const Signature other = f.qaSigns(kPolicySetAction, policySubject("syringe"));
        const auto wrong = f.service.set("tolerance", "2:5, *:3", other, "SOP-12", f.t0 + 3min);
        REQUIRE_FALSE(wrong.ok());
        CHECK(wrong.error().message.find("policy:syringe") != std::string::npos);
        CHECK(f.value("tolerance") == "2:10, *:5");
    }
}

TEST_CASE("quality and pharmacist changes are stored and audited old -> new, who, why") {
    PolicyFixture f;
    REQUIRE(f.service
                .set("tolerance", " 2 : 5 ,* : 3 ", f.qaSigns(kPolicySetAction, policySubject("tolerance")),
                     "SOP-12 rev 4", f.t0 + 1min)
                .ok());
    CHECK(f.value("tolerance") == "2:5, *:3");
    REQUIRE(f.service
                .set("bsa.method", "DuBois", f.rphSigns(kPolicySetAction, policySubject("bsa.method")),
                     "P&T minutes", f.t0 + 2min)
                .ok());
    CHECK(f.value("bsa.method") == "dubois");
    REQUIRE(f.service
                .set("em.fridge.max_c", "7", f.qaSigns(kPolicySetAction, policySubject("em.fridge.max_c")),
                     "SOP-2", f.t0 + 3min)
                .ok());
    CHECK(f.value("em.fridge.max_c") == "7");

    const auto policy = f.service.formulasPolicy();
    CHECK(policy.bsaMethod == formulas::BsaMethod::DuBois);
    REQUIRE(policy.tolerances.size() == 2);
    CHECK(policy.tolerances[0].percent == doctest::Approx(5));
    CHECK(policy.tolerances[1].percent == doctest::Approx(3));
    CHECK_FALSE(policy.tolerances[1].upTo.has_value());

    const auto rows = f.audit.forSubject(policySubject("tolerance"));
    REQUIRE_FALSE(rows.empty());
    CHECK(rows.back().action == "policy.set");
    CHECK(rows.back().actor == "qalvarez");
    CHECK(rows.back().details.find("\"old\":\"2:10, *:5\"") != std::string::npos);
    CHECK(rows.back().details.find("\"new\":\"2:5, *:3\"") != std::string::npos);
    CHECK(rows.back().details.find("SOP-12 rev 4") != std::string::npos);
    bool whoAndWhen = false;
    for (const auto& e : f.service.entries())
        whoAndWhen |=
            e.key == "bsa.method" && e.updatedBy == "rpatel" && e.updatedUtc == "2026-11-21T08:02:00Z";
    CHECK(whoAndWhen);
    CHECK(f.audit.verify() == std::nullopt);
}

TEST_CASE("a bad value names the key and changes nothing") {
    PolicyFixture f;
    (void)f.service.entries();
    const int64_t before = f.audit.count();
    struct Bad {
        const char* key;
        const char* value;
        const char* says;
    };
    for (const Bad& b :
         {Bad{"tolerance", "2:80, *:5", "band 1 percent: must be between 0.1 and 50, not 80"},
          Bad{"tolerance", "2:10, 5:5", "the last [[tolerance]] band must leave up_to_ml out"},
          Bad{"tolerance", "*:5, 2:10", "band 2 up_to_ml: bands must go from the smallest volume up"},
          Bad{"tolerance", "2-10, *:5", "band 1: '2-10' must be UP_TO_ML:PERCENT"},
          Bad{"syringe", "3:0.1:0.5, 1:0.01:0.1",
              "syringe 2 capacity_ml: syringes must be listed from the smallest"},
          Bad{"syringe", "1:0.01", "syringe 1: '1:0.01' must be CAPACITY:GRADUATION:MIN_USABLE"},
          Bad{"balance.readability_g", "fine", "must be a number, not 'fine'"},
          Bad{"balance.readability_g", "0", "must be between"},
          Bad{"bsa.decimals", "2.5", "must be a whole number"},
          Bad{"carboplatin.gfr_cap_ml_min", "1000", "must be between 50 and 250, not 1000"},
          Bad{"rounding.above_limit", "warn", "must be one of block,pharmacist_acknowledges"},
          Bad{"em.fridge.max_c", "warm", "must be a number"},
          Bad{"tolerance.percent", "5", "unknown policy key"}}) {
        INFO(b.key << " = " << b.value);
        const auto checked = f.service.checkSet(b.key, b.value);
        REQUIRE_FALSE(checked.ok());
        CHECK(checked.error().where == b.key);
        CHECK_MESSAGE(checked.error().message.find(b.says) != std::string::npos, checked.error().message);
        // The service refuses it even with the right signature.
        if (SitePolicyService::roleFor(b.key) == Role::Quality) {
            const auto set = f.service.set(b.key, b.value, f.qaSigns(kPolicySetAction, policySubject(b.key)),
                                           "SOP", f.t0 + 1min);
            CHECK_FALSE(set.ok());
        }
    }
    CHECK(f.value("tolerance") == "2:10, *:5");
    CHECK(f.value("balance.readability_g") == "0.01");
    // Only the signatures were added; no value changed.
    CHECK(f.auditRows("policy.set") == 0);
    CHECK(f.audit.count() - before == f.auditRows("esign"));
}

TEST_CASE("an import with one bad key changes nothing; a good one changes only what differs") {
    PolicyFixture f;
    const std::string formulasToml = readText(std::string(ADMIX_ASSETS_DIR) + "/policy/formulas.toml");
    const std::string uspToml = readText(std::string(ADMIX_ASSETS_DIR) + "/policy/usp797_defaults.toml");
    const auto before = f.service.entries();
    const auto same = [&] {
        const auto now = f.service.entries();
        REQUIRE(now.size() == before.size());
        for (size_t i = 0; i < now.size(); ++i) {
            INFO(now[i].key);
            CHECK(now[i].value == before[i].value);
            CHECK(now[i].updatedBy == before[i].updatedBy);
        }
    };

    SUBCASE("formulas file: one band out of range, another value changed as well") {
        const std::string bad = replaced(replaced(formulasToml, "percent = 10", "percent = 70"),
                                         "min_divisions_in_half_band = 5", "min_divisions_in_half_band = 6");
        const auto plan = f.service.checkImport(bad, "site/formulas.toml");
        REQUIRE_FALSE(plan.ok());
        CHECK(plan.error().where.starts_with("site/formulas.toml:"));
        CHECK(plan.error().where.ends_with(": tolerance[1].percent"));
        CHECK(plan.error().message == "must be between 0.1 and 50, not 70");
        CHECK_FALSE(f.service
                        .import(bad, "site/formulas.toml", f.qaSigns(kPolicyImportAction, "policy"), "SOP",
                                f.t0 + 1min)
                        .ok());
        same();
    }
    SUBCASE("USP file: one key of the wrong type") {
        const std::string bad =
            replaced(uspToml, "override.open_excursion = false", "override.open_excursion = 0");
        const auto changed =
            f.service.import(bad, "usp.toml", f.qaSigns(kPolicyImportAction, "policy"), "SOP", f.t0 + 1min);
        REQUIRE_FALSE(changed.ok());
        CHECK(changed.error().text().find("usp.toml:") == 0);
        CHECK(changed.error().text().find("gate.override.open_excursion: must be true or false") !=
              std::string::npos);
        same();
    }
    SUBCASE("a file mixing USP limits and formulas keys is refused, naming where") {
        const auto plan = f.service.checkImport(formulasToml + "\n" + uspToml, "mixed.toml");
        REQUIRE_FALSE(plan.ok());
        CHECK(plan.error().where.starts_with("mixed.toml:"));
        CHECK(plan.error().message.find("not both") != std::string::npos);
        same();
    }
    SUBCASE("changes needing two roles cannot be signed by one") {
        const std::string both = replaced(replaced(formulasToml, "percent = 10", "percent = 8"),
                                          "method = \"mosteller\"", "method = \"dubois\"");
        const auto plan = f.service.checkImport(both, "both.toml");
        REQUIRE(plan.ok());
        CHECK(plan->changes.size() == 2);
        REQUIRE(plan->roleConflict.has_value());
        CHECK_FALSE(
            f.service.import(both, "both.toml", f.qaSigns(kPolicyImportAction, "policy"), "SOP", f.t0 + 1min)
                .ok());
        same();
    }
    SUBCASE("a good file by the right role") {
        const std::string tighter = replaced(formulasToml, "percent = 10", "percent = 8");
        const auto plan = f.service.checkImport(tighter, "t.toml");
        REQUIRE(plan.ok());
        REQUIRE(plan->changes.size() == 1);
        CHECK(plan->changes[0].key == "tolerance");
        CHECK(plan->changes[0].oldValue == "2:10, *:5");
        CHECK(plan->changes[0].newValue == "2:8, *:5");
        // A pharmacist may not sign a quality key's change.
        CHECK_FALSE(
            f.service.import(tighter, "t.toml", f.rphSigns(kPolicyImportAction, "policy"), "SOP", f.t0 + 1min)
                .ok());
        CHECK(f.value("tolerance") == "2:10, *:5");
        const auto changed =
            f.service.import(tighter, "t.toml", f.qaSigns(kPolicyImportAction, "policy"), "SOP", f.t0 + 2min);
        REQUIRE(changed.ok());
        CHECK(*changed == 1);
        CHECK(f.value("tolerance") == "2:8, *:5");
        CHECK(f.value("bsa.method") == "mosteller");
    }
}

TEST_CASE(
    "the weigh gate follows a changed tolerance band: inside the default, outside the tightened, refused") {
    PolicyFixture f;
    const std::string dir = std::string(ADMIX_TEST_DATA_DIR) + "/data/site_formulary/";
    FormularyService formulary(f.db, f.audit);
    const FormularyFiles files{readText(dir + "products.toml"), "products.toml",
                               readText(dir + "recipes.toml"), "recipes.toml"};
    REQUIRE(
        formulary
            .import(files, f.sign(kFormularyImportAction, "formulary", "site formulary", f.t0), true, f.t0)
            .ok());
    f.engine.setProductLookup(formularyLookup(formulary.current().value()));

    int orders = 0;
    // Famotidine 20 mg at 10 mg/mL: a 2 mL draw (density 1.006), drawn at 2.15 mL.
    const auto drawTooMuch = [&](double& lowMl, double& highMl) {
        const auto station =
            loadStationFormulary(f.db, f.audit); // what the station and the session plan with
        REQUIRE_MESSAGE(station.ok(), (station.ok() ? "" : station.error().text()));
        OrderInput o;
        o.patientName = "TEST, PATIENT";
        o.patientMrn = "TEST-1";
        o.patient = {{"weight_kg", 70}};
        o.recipeId = "famotidine-ns-50";
        o.dose = {{"value", 20}, {"unit", "mg"}};
        o.route = "IV";
        o.due = f.t0 + 2h;
        o.prescriber = "Dr. Test";
        o.externalId = "SITE-" + std::to_string(++orders);
        const auto entered =
            enterOrder(f.engine, f.db, f.audit, o, station->formulary, station->policy, f.rph, true, f.t0);
        REQUIRE_MESSAGE(entered.ok(), (entered.ok() ? "" : entered.error().text()));
        const auto spec = specForOrder(store::PrepRepo(f.db).order(entered->orderId).value(),
                                       station->formulary, station->policy);
        REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().text()));
        const int64_t prep =
            f.engine.start(entered->orderId, *spec, f.tech, "BUF-1", "LAFW-1", std::nullopt, f.t0 + 1min)
                .value();
        int weighStep = -1;
        for (size_t i = 0; i < spec->steps.size(); ++i) {
            const StepSpec& s = spec->steps[i];
            const int step = static_cast<int>(i);
            if (s.kind == StepKind::Scan) {
                REQUIRE(f.engine
                            .submitScan(prep, step, "scan" + std::to_string(i),
                                        gs1Scan(s.scan.acceptedGtins.front(), "301231", "LOT-A"), f.tech,
                                        f.t0 + 2min)
                            ->verdict == Verdict::Passed);
                continue;
            }
            if (s.kind == StepKind::Weigh) {
                weighStep = step;
                lowMl = s.weigh.lowMl;
                highMl = s.weigh.highMl;
                CHECK(s.weigh.targetMl == doctest::Approx(2.0));
                break;
            }
            REQUIRE(s.kind == StepKind::Confirm);
            REQUIRE(f.engine.confirm(prep, step, "c" + std::to_string(i), f.tech, f.t0 + 2min)->verdict ==
                    Verdict::Passed);
        }
        REQUIRE(weighStep >= 0);
        const double density = spec->steps[static_cast<size_t>(weighStep)].weigh.densityGPerMl;
        REQUIRE(f.engine.submitReading(prep, weighStep, "tare", grams(11.0), f.tech, f.t0 + 3min)->verdict ==
                Verdict::Recorded);
        return f.engine
            .submitReading(prep, weighStep, "filled", grams(11.0 + 2.15 * density), f.tech, f.t0 + 4min)
            .value();
    };

    double low = 0, high = 0;
    const Outcome withDefault = drawTooMuch(low, high);
    CHECK(low == doctest::Approx(1.8));
    CHECK(high == doctest::Approx(2.2));
    CHECK_MESSAGE(withDefault.verdict == Verdict::Passed, withDefault.message);

    REQUIRE(f.service
                .set("tolerance", "2:5, *:5", f.qaSigns(kPolicySetAction, policySubject("tolerance")),
                     "SOP-12 tightened", f.t0 + 5min)
                .ok());
    const Outcome tightened = drawTooMuch(low, high);
    CHECK(low == doctest::Approx(1.9));
    CHECK(high == doctest::Approx(2.1));
    CHECK(tightened.verdict == Verdict::Failed);
    CHECK_MESSAGE(tightened.message.find("TOO MUCH") != std::string::npos, tightened.message);
}
