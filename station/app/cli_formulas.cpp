// admix gs1 parse | ndc | calc ... | plan | formulary list/check
// The formulas layer from the command line: identification codes, the calculators and the
// preparation plan. The arithmetic lives in formulas/; this file reads files, parses options and prints.
// JSON output is documented in assets/formulary/README.md.
#include "station/app/cli.hpp"

#include "formulas/calculators.hpp"
#include "formulas/formulary.hpp"
#include "formulas/gs1.hpp"
#include "formulas/ndc.hpp"
#include "formulas/plan.hpp"
#include "formulas/text.hpp"
#include "formulas/time.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/demo_mark.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/formulary_service.hpp"
#include "station/workflow/site_policy.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace admix::app {

namespace {

using nlohmann::json;
namespace fm = admix::formulas;

// [SECTION] Helpers

// Options shared by the commands that need the formulary or the policy.
struct Sources {
    std::string
        formularyDir; // products.toml + recipes.toml; empty: the station's (the demo's only with --demo)
    std::string policyFile; // empty: the station's stored formulas policy
};

// What a command reads when no file is given: the station database of --data-dir.
struct StoredStation {
    store::Database db;
    store::AuditLog audit;
    explicit StoredStation(const CliOptions& options)
        : db(store::openStationDatabase(store::databasePath(resolveDataDir(options)).string())), audit(db) {}
};

bool demoRun() {
    return store::demoExpected().value_or(false);
}

// --formulary files; else the demo formulary with --demo; else the station's approved formulary
// (the latest stored version with `approvedOnly` false), or a failure naming the command that adds it.
fm::Formulary loadFormulary(const Sources& s, const CliOptions& options, bool approvedOnly = true) {
    if (!s.formularyDir.empty()) {
        const std::string products = s.formularyDir + "/products.toml";
        const std::string recipes = s.formularyDir + "/recipes.toml";
        return need(fm::loadFormulary(readWholeFile(products), products, readWholeFile(recipes), recipes));
    }
    if (demoRun())
        return need(fm::loadDemoFormulary());
    StoredStation st(options);
    workflow::FormularyService service(st.db, st.audit);
    if (!service.latestFiles())
        throw CliFailure("no formulary is stored at this station: import one with `admix formulary import "
                         "DIR --pharmacist USER` "
                         "(or give --formulary DIR; the demo formulary only with --demo)");
    auto f = approvedOnly ? service.approved() : service.current();
    if (!f)
        throw CliFailure("formulary: " + f.error().text() +
                         " (approve a recipe with `admix formulary approve RECIPE --pharmacist USER`)");
    return std::move(*f);
}

// --policy file; else the formulas policy stored at the station (`admix policy show`). A data
// directory without a database yet has the shipped defaults, which its database would be seeded with
// (`--demo plan` and the calculators do not create a database to read them).
fm::FormulasPolicy loadPolicy(const Sources& s, const CliOptions& options) {
    if (!s.policyFile.empty())
        return need(fm::loadFormulasPolicy(readWholeFile(s.policyFile), s.policyFile));
    if (!std::filesystem::exists(store::databasePath(resolveDataDir(options))))
        return need(fm::loadDefaultFormulasPolicy());
    StoredStation st(options);
    return workflow::SitePolicyService(st.db, st.audit).formulasPolicy();
}

void addSources(CLI::App* cmd, Sources& s, bool formulary, bool policy) {
    if (formulary)
        cmd->add_option("--formulary", s.formularyDir,
                        "Folder with products.toml and recipes.toml (default: the station's approved "
                        "formulary; the demo's with --demo)")
            ->check(CLI::ExistingDirectory);
    if (policy)
        cmd->add_option("--policy", s.policyFile,
                        "Formulas policy TOML (default: the station's stored policy, `admix policy show`)")
            ->check(CLI::ExistingFile);
}

// Prints one calculator result: JSON {"value", "unit", parts...} or "value unit" plus parts.
void printResult(const CliOptions& options, double value, const std::string& unit,
                 const json& parts = json::object(), int decimals = 2) {
    if (options.json) {
        json out = {{"value", value}, {"unit", unit}};
        for (const auto& [k, v] : parts.items())
            out[k] = v;
        printJson(out);
        return;
    }
    std::cout << fm::formatNumber(value, decimals) << ' ' << unit << '\n';
    for (const auto& [k, v] : parts.items())
        std::cout << "  " << k << ": "
                  << (v.is_number()   ? fm::formatNumber(v.get<double>(), 4)
                      : v.is_string() ? v.get<std::string>()
                                      : v.dump())
                  << '\n';
}

// [SECTION] gs1 and ndc

json gs1Json(const fm::Gs1Data& d) {
    json ais = json::array();
    for (const auto& e : d.ais)
        ais.push_back({{"ai", e.ai}, {"title", e.title}, {"value", e.value}});
    return {{"valid", true},
            {"error", nullptr},
            {"symbology", d.symbology},
            {"gtin", d.gtin.empty() ? json(nullptr) : json(d.gtin)},
            {"expiry", d.expiry ? json(formatDate(*d.expiry)) : json(nullptr)},
            {"lot", d.lot.empty() ? json(nullptr) : json(d.lot)},
            {"serial", d.serial.empty() ? json(nullptr) : json(d.serial)},
            {"production_date", d.productionDate ? json(formatDate(*d.productionDate)) : json(nullptr)},
            {"national_code", d.nationalCode.empty() ? json(nullptr) : json(d.nationalCode)},
            {"ais", ais},
            {"warnings", d.warnings}};
}

json ndcJson(const fm::Ndc& n) {
    return {{"ndc10", n.hasTenDigitForm() ? json(n.ndc10()) : json(nullptr)},
            {"ndc11", n.hasTenDigitForm() ? json(n.ndc11()) : json(nullptr)},
            {"ndc12", n.ndc12()},
            {"format", std::string(fm::ndcFormatName(n.format()))},
            {"gtin14", n.hasTenDigitForm() ? json(n.gtin14()) : json(nullptr)}};
}

void registerIdentification(CLI::App& app, CliOptions& options) {
    auto* gs1 =
        app.add_subcommand("gs1", "GS1 element strings (DataMatrix, GS1-128, QR) as scanned or typed");
    gs1->require_subcommand(1);
    auto* parse = gs1->add_subcommand(
        "parse",
        "Parse a GS1 element string: raw with GS, ]d2/]C1/]Q3, (01)..(17)..., ^] or <GS>; - reads stdin");
    static std::string text;
    parse->add_option("TEXT", text, "The scanned text")->required();
    parse->callback([&options] {
        std::string input = text;
        if (input == "-")
            std::getline(std::cin, input);
        const auto r = fm::parseGs1(input);
        if (!r) {
            if (options.json)
                printJson({{"valid", false}, {"error", r.error().text()}});
            throw CliFailure(r.error().text());
        }
        if (options.json) {
            printJson(gs1Json(*r));
            return;
        }
        std::cout << "valid" << (r->symbology.empty() ? "" : " (" + r->symbology + ")") << '\n';
        if (!r->gtin.empty())
            std::cout << "gtin     " << r->gtin << '\n';
        if (r->expiry)
            std::cout << "expiry   " << formatDate(*r->expiry) << '\n';
        if (!r->lot.empty())
            std::cout << "lot      " << r->lot << '\n';
        if (!r->serial.empty())
            std::cout << "serial   " << r->serial << '\n';
        for (const auto& e : r->ais)
            std::cout << "  (" << e.ai << ") " << e.title << ": " << fm::printable(e.value) << '\n';
        for (const auto& w : r->warnings)
            std::cout << "warning: " << w << '\n';
    });

    auto* ndc = app.add_subcommand(
        "ndc", "Convert an NDC (10, 11 or 12 digits) or a GTIN-14; lists candidates when ambiguous");
    static std::string code;
    static Sources sources;
    ndc->add_option("CODE", code, "NDC with or without hyphens, or GTIN-14")->required();
    addSources(ndc, sources, true, false);
    ndc->callback([&options] {
        const auto r = need(fm::parseNdc(code));
        std::optional<fm::Formulary> formulary;
        if (!sources.formularyDir.empty() || demoRun()) {
            formulary = loadFormulary(sources, options);
        } else {
            // The station's stored products, when it has any: conversion needs no formulary.
            StoredStation st(options);
            if (auto f = workflow::FormularyService(st.db, st.audit).current())
                formulary = std::move(*f);
        }
        json products = json::array();
        for (const auto* p : formulary ? formulary->resolve(r) : std::vector<const fm::Product*>{})
            products.push_back({{"id", p->id}, {"name", p->displayName}, {"ndc", p->ndc}});
        if (options.json) {
            json out = {
                {"input", r.inputForm}, {"ambiguous", r.ambiguous()}, {"formulary_products", products}};
            if (!r.ambiguous()) {
                const json one = ndcJson(r.candidates.front()); // items() needs a live object
                for (const auto& [k, v] : one.items())
                    out[k] = v;
            } else {
                json candidates = json::array();
                for (const auto& c : r.candidates)
                    candidates.push_back(ndcJson(c));
                out["candidates"] = candidates;
            }
            printJson(out);
            return;
        }
        std::cout << "input: " << r.inputForm << '\n';
        if (r.ambiguous())
            std::cout << "ambiguous: " << r.candidates.size()
                      << " candidates (most plausible first); the formulary resolves them\n";
        for (const auto& c : r.candidates) {
            std::cout << (r.ambiguous() ? "candidate " : "") << fm::ndcFormatName(c.format()) << ": NDC-10 "
                      << (c.hasTenDigitForm() ? c.ndc10() : "-") << "  NDC-11 "
                      << (c.hasTenDigitForm() ? c.ndc11() : "-") << "  NDC-12 " << c.ndc12() << "  GTIN-14 "
                      << (c.hasTenDigitForm() ? c.gtin14() : "-") << '\n';
        }
        for (const auto& p : products)
            std::cout << "formulary: " << p["id"].get<std::string>() << " - " << p["name"].get<std::string>()
                      << '\n';
    });
}

// [SECTION] calc

void registerCalc(CLI::App& app, CliOptions& options) {
    auto* calc =
        app.add_subcommand("calc", "Dose calculators (each prints value and unit; --json for machines)");
    calc->require_subcommand(1);

    static double heightCm = 0, weightKg = 0, age = 0, scr = 0, auc = 0, gfr = 0, amountMg = 0,
                  displacementMl = 0, targetMgPerMl = 0, c1 = 0, c2 = 0, v2 = 0, mg = 0, mw = 0, dose = 0,
                  volumeMl = 0, minutes = 0, dropFactor = 0, percent = 0;
    static std::optional<double> gfrCap, rateWeight, bsaM2, amountMcg, amountUnits, amountMeq, amountMmol;
    static int valence = 0;
    static std::string method = "mosteller", sex, doseUnit;
    static Sources sources;

    auto* bsa = calc->add_subcommand("bsa", "Body surface area (m2)");
    bsa->add_option("--height-cm", heightCm)->required();
    bsa->add_option("--weight-kg", weightKg)->required();
    bsa->add_option("--method", method, "mosteller or dubois")->capture_default_str();
    bsa->callback([&options] {
        const auto m = need(fm::parseBsaMethod(method));
        const double v = need(fm::bodySurfaceArea(heightCm, weightKg, m));
        printResult(options, v, "m2", {{"method", std::string(fm::bsaMethodName(m))}});
    });

    auto* crcl = calc->add_subcommand("crcl", "Creatinine clearance by Cockcroft-Gault (mL/min)");
    crcl->add_option("--age", age)->required();
    crcl->add_option("--weight-kg", weightKg)->required();
    crcl->add_option("--scr-mg-dl", scr)->required();
    crcl->add_option("--sex", sex, "male or female")->required();
    crcl->callback([&options] {
        const double v = need(fm::creatinineClearance(age, weightKg, scr, need(fm::parseSex(sex))));
        printResult(options, v, "mL/min", json::object(), 1);
    });

    auto* carbo =
        calc->add_subcommand("carboplatin", "Carboplatin dose by Calvert: AUC x (GFR + 25), GFR capped (mg)");
    carbo->add_option("--auc", auc)->required();
    carbo->add_option("--gfr", gfr, "GFR or CrCl in mL/min")->required();
    carbo->add_option("--gfr-cap", gfrCap, "GFR cap in mL/min (default: site policy)");
    addSources(carbo, sources, false, true);
    carbo->callback([&options] {
        const double cap = gfrCap.value_or(loadPolicy(sources, options).gfrCapMlMin);
        const auto r = need(fm::calvertCarboplatin(auc, gfr, cap));
        printResult(options, r.dose.inMg(), "mg",
                    {{"gfr_used_ml_min", r.gfrUsed}, {"gfr_capped", r.capped}, {"gfr_cap_ml_min", cap}}, 1);
    });

    auto* recon = calc->add_subcommand(
        "reconstitute", "Diluent volume for a target concentration, with powder displacement (mL)");
    recon->add_option("--amount-mg", amountMg)->required();
    recon->add_option("--displacement-ml", displacementMl)->required();
    recon->add_option("--target-mg-per-ml", targetMgPerMl)->required();
    recon->callback([&options] {
        const auto r = need(fm::reconstituteTo(fm::Mass::mg(amountMg), fm::Volume::mL(displacementMl),
                                               fm::Concentration::mgPerMl(targetMgPerMl)));
        printResult(options, r.diluent.inMl(), "mL",
                    {{"diluent_ml", r.diluent.inMl()},
                     {"final_volume_ml", r.finalVolume.inMl()},
                     {"concentration_mg_per_ml", targetMgPerMl}});
    });

    auto* dil = calc->add_subcommand("dilution", "C1 V1 = C2 V2: stock volume V1 (mL) and diluent");
    dil->add_option("--c1", c1, "Stock concentration")->required();
    dil->add_option("--c2", c2, "Wanted concentration (same unit)")->required();
    dil->add_option("--v2", v2, "Final volume in mL")->required();
    dil->callback([&options] {
        const auto r = need(fm::dilute(c1, c2, fm::Volume::mL(v2)));
        printResult(options, r.stock.inMl(), "mL",
                    {{"stock_ml", r.stock.inMl()}, {"diluent_ml", r.diluent.inMl()}});
    });

    auto* meq =
        calc->add_subcommand("meq", "Milliequivalents from mass: mg x valence / molecular weight (mEq)");
    meq->add_option("--mg", mg)->required();
    meq->add_option("--mw", mw, "Molecular weight in g/mol")->required();
    meq->add_option("--valence", valence)->required();
    meq->callback([&options] {
        const auto r = need(fm::massToMilliEquivalents(fm::Mass::mg(mg), mw, valence));
        printResult(options, r.base(), "mEq", {{"mmol", mg / mw}}, 3);
    });

    auto* pct = calc->add_subcommand("percent", "Percent w/v: grams of solute in a volume (g)");
    pct->add_option("--percent", percent)->required();
    pct->add_option("--volume-ml", volumeMl)->required();
    pct->callback([&options] {
        const auto r = need(fm::massAtPercent(percent, fm::Volume::mL(volumeMl)));
        printResult(options, r.inG(), "g", {{"mg_per_ml", percent * 10.0}}, 4);
    });

    auto* rate = calc->add_subcommand("rate", "Infusion rate (mL/h) from a dose rate and the bag's contents");
    rate->add_option("--dose", dose)->required();
    rate->add_option("--dose-unit", doseUnit, "e.g. mcg/kg/min, mg/h, units/h, units/kg/h, mEq/h")
        ->required();
    rate->add_option("--weight-kg", rateWeight);
    rate->add_option("--bsa-m2", bsaM2);
    auto* amounts = rate->add_option_group("amount", "What the bag holds (one of)");
    amounts->add_option("--amount-mg", amountMg);
    amounts->add_option("--amount-mcg", amountMcg);
    amounts->add_option("--amount-units", amountUnits);
    amounts->add_option("--amount-meq", amountMeq);
    amounts->add_option("--amount-mmol", amountMmol);
    amounts->require_option(1);
    rate->add_option("--volume-ml", volumeMl)->required();
    rate->callback([&options] {
        const fm::DoseRate r(dose, need(fm::parseDoseUnit(doseUnit)));
        const fm::Amount amount = amountMcg     ? fm::Amount(fm::Mass::mcg(*amountMcg))
                                  : amountUnits ? fm::Amount::units(*amountUnits)
                                  : amountMeq   ? fm::Amount::mEq(*amountMeq)
                                  : amountMmol  ? fm::Amount::mmol(*amountMmol)
                                                : fm::Amount(fm::Mass::mg(amountMg));
        if (!(volumeMl > 0))
            throw CliFailure("--volume-ml must be greater than zero");
        const auto c = fm::Concentration::of(amount, fm::Volume::mL(volumeMl));
        const double v = need(fm::infusionRateMlPerHour(r, rateWeight, bsaM2, c));
        printResult(options, v, "mL/h", {{"concentration", fm::format(c, 4)}});
    });

    auto* drip = calc->add_subcommand("drip", "Gravity drip rate (drops/min)");
    drip->add_option("--volume-ml", volumeMl)->required();
    drip->add_option("--minutes", minutes)->required();
    drip->add_option("--drop-factor", dropFactor, "drops/mL of the set (10, 15, 20, 60)")->required();
    drip->callback([&options] {
        printResult(options, need(fm::dripRate(fm::Volume::mL(volumeMl), minutes, dropFactor)), "drops/min",
                    json::object(), 1);
    });
}

// [SECTION] plan and formulary

void registerPlan(CLI::App& app, CliOptions& options) {
    auto* plan = app.add_subcommand(
        "plan", "Preparation plan for an order: doses, volumes, syringes, expected masses, flags");
    static std::string orderPath;
    static Sources sources;
    plan->add_option("ORDER", orderPath, "Order JSON (see assets/formulary/orders/)")
        ->required()
        ->check(CLI::ExistingFile);
    addSources(plan, sources, true, true);
    plan->callback([&options] {
        const fm::Order order =
            need(fm::parseOrderJson(readWholeFile(orderPath), orderPath)); // the input first
        const fm::Formulary formulary = loadFormulary(sources, options);
        const fm::FormulasPolicy policy = loadPolicy(sources, options);
        const fm::Plan p = need(fm::makePlan(order, formulary, policy));
        if (options.json)
            printJson(fm::planToJson(p));
        else
            std::cout << fm::planToText(p);
        if (!p.ok()) {
            std::string codes;
            for (const auto& f : p.flags) {
                if (f.severity == fm::FlagSeverity::Blocking)
                    codes += (codes.empty() ? "" : ", ") + f.code;
            }
            throw CliFailure("plan blocked: " + codes);
        }
    });

    auto* formulary =
        app.add_subcommand("formulary", "The formulary: list recipes and products, check files");
    formulary->require_subcommand(1);
    // `formulary list` (the station's formulary, or files with --formulary) is in cli_formulary.cpp.
    static Sources fsources;
    auto* check = formulary->add_subcommand(
        "check", "Load the formulary and policy files and report the first error with its line and column");
    addSources(check, fsources, true, true);
    check->callback([&options] {
        // Without --formulary: the formulary stored at this station (every recipe version of the
        // latest import), never the demo's unless --demo.
        const fm::Formulary f = loadFormulary(fsources, options, false);
        const fm::FormulasPolicy p = loadPolicy(fsources, options);
        if (options.json)
            printJson({{"ok", true},
                       {"recipes", f.recipeIds().size()},
                       {"products", f.products().size()},
                       {"syringes", p.syringes.size()}});
        else
            std::cout << "ok: " << f.recipeIds().size() << " recipes, " << f.products().size()
                      << " products, " << p.syringes.size() << " syringe sizes\n";
    });
}

void registerFormulasCommands(CLI::App& app, CliOptions& options) {
    registerIdentification(app, options);
    registerCalc(app, options);
    registerPlan(app, options);
}

const CommandRegistration kFormulas(10, registerFormulasCommands);

} // namespace

} // namespace admix::app
