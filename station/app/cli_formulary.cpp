// admix formulary import | export | list | show | history | approve | retire
// The site's own formulary in the station database. Import validates everything and shows what
// changes before anything is stored; a new version needs a pharmacist's e-signature (the password or
// PIN on standard input, never on the command line).
#include "station/app/cli.hpp"
#include "station/app/cli_site.hpp"

#include "formulas/formulary_diff.hpp"
#include "station/store/formulary_repo.hpp"
#include "station/workflow/formulary_service.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

namespace admix::app {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

workflow::FormularyFiles readDir(const std::string& dir) {
    workflow::FormularyFiles f;
    f.productsName = (fs::path(dir) / "products.toml").string();
    f.recipesName = (fs::path(dir) / "recipes.toml").string();
    f.productsToml = readWholeFile(f.productsName);
    f.recipesToml = readWholeFile(f.recipesName);
    return f;
}

json changesToJson(const std::vector<formulas::FormularyChange>& changes) {
    json out = json::array();
    for (const auto& c : changes) {
        json fields = json::array();
        for (const auto& f : c.fields)
            fields.push_back({{"field", f.field}, {"before", f.before}, {"after", f.after}});
        out.push_back({{"change", formulas::changeKindName(c.kind)},
                       {"what", c.what},
                       {"id", c.id},
                       {"fields", fields}});
    }
    return out;
}

void printChanges(const std::vector<formulas::FormularyChange>& changes) {
    if (changes.empty()) {
        std::cout << "no changes against the stored formulary\n";
        return;
    }
    for (const auto& c : changes) {
        std::cout << formulas::changeKindName(c.kind) << " " << c.what << " " << c.id << '\n';
        if (c.kind != formulas::FormularyChange::Kind::Changed)
            continue;
        for (const auto& f : c.fields)
            std::cout << "    " << f.field << ": " << (f.before.empty() ? "(none)" : f.before) << " -> "
                      << (f.after.empty() ? "(none)" : f.after) << '\n';
    }
}

struct ImportArgs {
    std::string dir, pharmacist, note;
    bool approve = false, dryRun = false;
};

struct StateArgs {
    std::string recipe, pharmacist, reason;
    int version = 0;
};

void registerFormularyCommands(CLI::App& app, CliOptions& options) {
    // `formulary check` (files) is registered by cli_formulas.cpp, before this.
    CLI::App* formulary = nullptr;
    for (auto* sub : app.get_subcommands({}))
        if (sub->get_name() == "formulary")
            formulary = sub;
    if (!formulary) {
        formulary = app.add_subcommand("formulary", "The formulary");
        formulary->require_subcommand(1);
    }
    formulary->description(
        "The site's formulary: import, export, list, show, history, approve, retire; check files");

    static ImportArgs imp;
    auto* importCmd = formulary->add_subcommand(
        "import",
        "Validate DIR/products.toml + recipes.toml, show the changes, and store them as a new version "
        "(a pharmacist's password or PIN on standard input)");
    importCmd->add_option("DIR", imp.dir, "Folder with products.toml and recipes.toml")
        ->required()
        ->check(CLI::ExistingDirectory);
    importCmd->add_option("--pharmacist", imp.pharmacist,
                          "Pharmacist signing the new version (user name or badge)");
    importCmd->add_flag("--approve", imp.approve,
                        "The same signature approves every new or changed recipe version");
    importCmd->add_flag("--dry-run", imp.dryRun, "Only validate and show the changes; store nothing");
    importCmd->add_option("--note", imp.note, "What this version is for (recorded with the signature)");
    importCmd->callback([&options] {
        const auto files = readDir(imp.dir);
        site::Station st(options);
        workflow::FormularyService service(st.db, st.audit);
        auto preview = service.preview(files);
        if (!preview)
            throw CliFailure(preview.error().text() + "\nnothing was stored");
        if (!options.json)
            printChanges(preview->changes);
        if (imp.dryRun) {
            if (options.json)
                printJson({{"stored", false},
                           {"current_version", preview->currentVersion},
                           {"changes", changesToJson(preview->changes)},
                           {"drafts", preview->drafts}});
            return;
        }
        const std::string meaning = imp.note.empty() ? "import formulary from " + imp.dir : imp.note;
        const auto sig = site::signOrFail(st, imp.pharmacist, workflow::Role::Pharmacist,
                                          workflow::kFormularyImportAction, "formulary", meaning);
        const auto version = service.import(files, sig, imp.approve);
        if (!version)
            throw CliFailure(version.error().text() + "\nnothing was stored");
        const auto drafts = imp.approve ? std::vector<std::string>{} : preview->drafts;
        if (options.json) {
            printJson({{"stored", true},
                       {"version", *version},
                       {"changes", changesToJson(preview->changes)},
                       {"drafts", drafts}});
            return;
        }
        std::cout << "stored formulary version " << *version << " (signed by " << sig.signer.displayName
                  << ")\n";
        for (const auto& d : drafts)
            std::cout << "draft: " << d << " (approve with `admix formulary approve`)\n";
    });

    static std::string exportDir;
    auto* exportCmd =
        formulary->add_subcommand("export", "Write the current version as DIR/products.toml + recipes.toml");
    exportCmd->add_option("DIR", exportDir, "Folder to write (created if missing)")->required();
    exportCmd->callback([&options] {
        site::Station st(options);
        const auto latest = workflow::FormularyService(st.db, st.audit).latestFiles();
        if (!latest)
            throw CliFailure(
                "no formulary is stored on this station: import one with `admix formulary import DIR`");
        fs::create_directories(exportDir);
        for (const auto& [name, text] : {std::pair{"products.toml", &latest->productsToml},
                                         std::pair{"recipes.toml", &latest->recipesToml}}) {
            std::ofstream out(fs::path(exportDir) / name, std::ios::binary | std::ios::trunc);
            out << *text;
            if (!out)
                throw CliFailure("cannot write " + (fs::path(exportDir) / name).string());
        }
        if (options.json)
            printJson({{"version", latest->version}, {"dir", exportDir}});
        else
            std::cout << "wrote formulary version " << latest->version << " to " << exportDir << '\n';
    });

    static bool listProducts = false;
    static std::string listDir;
    auto* list = formulary->add_subcommand(
        "list", "The station's recipe versions and their state (or --products; or files with --formulary)");
    list->add_flag("--products", listProducts, "List the products instead");
    list->add_option("--formulary", listDir, "List the recipes and products of these files instead")
        ->check(CLI::ExistingDirectory);
    list->callback([&options] {
        if (!listDir.empty()) {
            const auto files = readDir(listDir);
            const auto f = formulas::loadFormulary(files.productsToml, files.productsName, files.recipesToml,
                                                   files.recipesName);
            if (!f)
                throw CliFailure(f.error().text());
            json recipes = json::array();
            for (const auto& id : f->recipeIds()) {
                const formulas::Recipe* r = f->recipe(id);
                recipes.push_back({{"id", r->id},
                                   {"version", r->version},
                                   {"name", r->name},
                                   {"hazardous", r->hazardous()}});
            }
            json products = json::array();
            for (const auto& p : f->products())
                products.push_back({{"id", p.id},
                                    {"name", p.displayName},
                                    {"ndc", p.ndc},
                                    {"gtin", p.gtin},
                                    {"strength", p.strengthText()}});
            if (options.json) {
                printJson({{"recipes", recipes}, {"products", products}, {"disclaimer", f->disclaimer}});
                return;
            }
            std::cout << f->disclaimer << "\nRecipes:\n";
            for (const auto& r : recipes)
                std::cout << "  " << r["id"].get<std::string>() << " v" << r["version"].get<int>() << "  "
                          << r["name"].get<std::string>()
                          << (r["hazardous"].get<bool>() ? "  [HAZARDOUS]" : "") << '\n';
            std::cout << "Products:\n";
            for (const auto& p : products)
                std::cout << "  " << p["id"].get<std::string>() << "  " << p["name"].get<std::string>()
                          << "  NDC " << p["ndc"].get<std::string>() << '\n';
            return;
        }
        site::Station st(options);
        workflow::FormularyService service(st.db, st.audit);
        const auto f = service.current();
        if (!f)
            throw CliFailure(f.error().text());
        if (listProducts) {
            json out = json::array();
            for (const auto& p : f->products()) {
                if (options.json)
                    printJson({{"id", p.id},
                               {"name", p.displayName},
                               {"ndc", p.ndc},
                               {"gtin", p.gtin},
                               {"strength", p.strengthText()}});
                else
                    std::cout << p.id << "\t" << p.displayName << "\t" << p.ndc << "\t" << p.gtin << '\n';
            }
            return;
        }
        for (const auto& r : f->allRecipes()) {
            const std::string state = service.recipeState(r.id, r.version).value_or("unknown");
            if (options.json)
                printJson({{"id", r.id}, {"version", r.version}, {"name", r.name}, {"state", state}});
            else
                std::cout << r.id << "\tv" << r.version << "\t" << state << "\t" << r.name << '\n';
        }
    });

    static std::string showId;
    static int showVersion = 0;
    auto* show = formulary->add_subcommand("show", "One product or recipe, field by field");
    show->add_option("ID", showId, "Product or recipe id")->required();
    show->add_option("--version", showVersion, "Recipe version (default: the latest)");
    show->callback([&options] {
        site::Station st(options);
        workflow::FormularyService service(st.db, st.audit);
        const auto f = service.current();
        if (!f)
            throw CliFailure(f.error().text());
        std::vector<std::pair<std::string, std::string>> fields;
        json out;
        if (const auto* p = f->product(showId)) {
            fields = formulas::productFields(*p);
            out = {{"product", p->id}};
        } else if (const auto* r = showVersion ? f->recipe(showId, showVersion) : f->recipe(showId)) {
            fields = formulas::recipeFields(*r);
            out = {{"recipe", r->id},
                   {"version", r->version},
                   {"state", service.recipeState(r->id, r->version).value_or("unknown")}};
        } else {
            throw CliFailure("the stored formulary has no product or recipe '" + showId + "'");
        }
        if (options.json) {
            json fj = json::object();
            for (const auto& [k, v] : fields)
                fj[k] = v;
            out["fields"] = fj;
            printJson(out);
            return;
        }
        if (out.contains("recipe"))
            std::cout << "recipe " << showId << " v" << out["version"].get<int>() << " ("
                      << out["state"].get<std::string>() << ")\n";
        else
            std::cout << "product " << showId << '\n';
        for (const auto& [k, v] : fields)
            if (!v.empty())
                std::cout << "  " << k << ": " << v << '\n';
    });

    static std::string historyRecipe;
    auto* history = formulary->add_subcommand(
        "history", "Formulary versions (who, when, what changed), or one recipe's states");
    history->add_option("--recipe", historyRecipe, "Show the state changes of this recipe");
    history->callback([&options] {
        site::Station st(options);
        store::FormularyRepo repo(st.db);
        if (!historyRecipe.empty()) {
            for (const auto& s : repo.recipeHistory(historyRecipe)) {
                if (options.json)
                    printJson({{"recipe", s.recipeId},
                               {"version", s.recipeVersion},
                               {"state", s.state},
                               {"by", s.changedBy},
                               {"at", s.changedUtc},
                               {"formulary_version", s.formularyVersion}});
                else
                    std::cout << s.changedUtc << "  v" << s.recipeVersion << "  " << s.state << "  by "
                              << s.changedBy << "  (formulary v" << s.formularyVersion << ")\n";
            }
            return;
        }
        for (const auto& v : repo.versions()) {
            const json changes = json::parse(v.changesJson, nullptr, false);
            if (options.json) {
                printJson({{"version", v.version},
                           {"signed_by", v.signedBy},
                           {"at", v.signedUtc},
                           {"note", v.note},
                           {"sha256", v.sha256},
                           {"changes", changes}});
                continue;
            }
            std::cout << "v" << v.version << "  " << v.signedUtc << "  signed by " << v.signedBy << "  "
                      << v.note << '\n';
            if (changes.is_array())
                for (const auto& c : changes)
                    std::cout << "    " << c.value("change", "") << " " << c.value("what", "") << " "
                              << c.value("id", "") << " (" << c["fields"].size() << " fields)\n";
        }
    });

    static StateArgs st8;
    for (const bool approve : {true, false}) {
        auto* cmd =
            formulary->add_subcommand(approve ? "approve" : "retire",
                                      approve ? "Approve a draft recipe version (a pharmacist's e-signature)"
                                              : "Retire a recipe version (a pharmacist's e-signature)");
        cmd->add_option("RECIPE", st8.recipe, "Recipe id")->required();
        cmd->add_option("--version", st8.version, "Recipe version (default: the latest)");
        cmd->add_option("--pharmacist", st8.pharmacist, "Pharmacist signing (user name or badge)")
            ->required();
        cmd->add_option("--reason", st8.reason, "What the signature means (default: approve / retire)");
        cmd->callback([&options, approve] {
            site::Station st(options);
            workflow::FormularyService service(st.db, st.audit);
            const auto f = service.current();
            if (!f)
                throw CliFailure(f.error().text());
            const auto* r = st8.version ? f->recipe(st8.recipe, st8.version) : f->recipe(st8.recipe);
            if (!r)
                throw CliFailure("the stored formulary has no recipe '" + st8.recipe + "'" +
                                 (st8.version ? " version " + std::to_string(st8.version) : std::string()));
            const std::string subject = workflow::recipeSubject(r->id, r->version);
            const auto sig =
                site::signOrFail(st, st8.pharmacist, workflow::Role::Pharmacist,
                                 approve ? workflow::kRecipeApproveAction : workflow::kRecipeRetireAction,
                                 subject, st8.reason.empty() ? (approve ? "approve" : "retire") : st8.reason);
            const auto done = approve ? service.approveRecipe(r->id, r->version, sig)
                                      : service.retireRecipe(r->id, r->version, sig);
            if (!done)
                throw CliFailure(done.error().text());
            if (options.json)
                printJson({{"recipe", r->id},
                           {"version", r->version},
                           {"state", approve ? "approved" : "retired"}});
            else
                std::cout << r->id << " v" << r->version << " " << (approve ? "approved" : "retired")
                          << " by " << sig.signer.displayName << '\n';
        });
    }
}

const CommandRegistration kFormulary(45, registerFormularyCommands);

} // namespace

} // namespace admix::app
