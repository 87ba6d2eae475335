// admix label PREP_ID [--zpl FILE] [--png FILE] [--json] [--layout FILE] [--utc]
// The label of a completed preparation from the station database: the fields as text or JSON, the ZPL
// II the printer receives, the PNG preview. Refused (exit 1) for a preparation that is not complete.
#include "station/app/cli.hpp"

#include "station/store/compliance_store.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/demo_mark.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/formulary_service.hpp"
#include "station/workflow/label_job.hpp"
#include "station/workflow/site_policy.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace admix::app {

namespace {

using nlohmann::json;

void writeFile(const std::string& path, const void* data, size_t size) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.flush();
    if (!out)
        throw CliFailure("cannot write " + path);
}

void registerLabelCommand(CLI::App& app, CliOptions& options) {
    static std::string id, zplPath, pngPath, layoutPath, formularyDir, policyFile;
    static bool utc = false;
    static bool localTime = false; // the default now; the flag is kept for scripts that pass it
    auto* cmd =
        app.add_subcommand("label", "The label of a completed preparation: fields, ZPL II, PNG preview");
    cmd->add_option("PREP_ID", id, "Preparation number (P20261121-0001) or row id")->required();
    cmd->add_option("--zpl", zplPath, "Write the ZPL II the printer receives to FILE");
    cmd->add_option("--png", pngPath, "Write the preview (printer resolution) to FILE");
    cmd->add_option("--layout", layoutPath, "Label layout TOML (default: assets/labels/iv_label.toml)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--formulary", formularyDir,
                    "Folder with products.toml and recipes.toml (default: the station's stored formulary)")
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--policy", policyFile, "Formulas policy TOML (default: the station's stored policy)")
        ->check(CLI::ExistingFile);
    // People read labels: local time with the zone, like the station prints them; UTC only when asked.
    cmd->add_flag("--utc", utc, "Print times in UTC (default: local time, the label names the zone)");
    cmd->add_flag("--local-time", localTime, "Local time (the default)");
    cmd->callback([&options] {
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        // The station's own stored formulary; the demo formulary only with --demo (a demo data
        // directory stores none); nothing else falls back.
        workflow::FormularyService stored(db, audit);
        std::optional<formulas::Formulary> formulary;
        if (!formularyDir.empty())
            formulary = need(formulas::loadFormulary(
                readWholeFile(formularyDir + "/products.toml"), formularyDir + "/products.toml",
                readWholeFile(formularyDir + "/recipes.toml"), formularyDir + "/recipes.toml"));
        else if (stored.latestFiles())
            formulary = need(stored.current());
        else if (store::demoExpected().value_or(false))
            formulary = need(formulas::loadDemoFormulary());
        else
            throw CliFailure("no formulary is stored at this station: import one with `admix formulary "
                             "import DIR --pharmacist USER` "
                             "(or give --formulary DIR)");
        const formulas::FormulasPolicy policy =
            policyFile.empty() ? workflow::SitePolicyService(db, audit).formulasPolicy()
                               : need(formulas::loadFormulasPolicy(readWholeFile(policyFile), policyFile));
        workflow::PreparationEngine engine(db, audit, "cli");
        std::optional<int64_t> prepId = engine.prepIdByNumber(id);
        if (!prepId && !id.empty() && id.size() < 18 &&
            id.find_first_not_of("0123456789") == std::string::npos)
            prepId = std::stoll(id);
        const auto view = prepId ? engine.view(*prepId) : std::nullopt;
        if (!view)
            throw CliFailure("no preparation " + id);
        const workflow::LabelLayout layout = need(
            workflow::loadLabelLayout(layoutPath.empty() ? workflow::defaultLabelLayoutPath() : layoutPath));
        // The same composition the station prints from: plan, BUD from the stored site policy, names.
        const workflow::LabelData data =
            need(workflow::labelDataFor(db, audit, view->id, *formulary, policy, layout,
                                        utc ? workflow::LabelClock::Utc : workflow::LabelClock::Local));

        const std::string zpl = need(workflow::renderZpl(data, layout));
        if (!zplPath.empty())
            writeFile(zplPath, zpl.data(), zpl.size());
        if (!pngPath.empty()) {
            const auto png = need(workflow::renderPreviewPng(data, layout));
            writeFile(pngPath, png.data(), png.size());
        }
        if (options.json) {
            json out = workflow::toJson(data);
            out["layout"] = layout.sourceName;
            out["zpl_file"] = zplPath;
            out["png_file"] = pngPath;
            printJson(out);
            return;
        }
        const auto placed = need(workflow::placeLabel(data, layout));
        if (placed.hazardBanner)
            std::cout << "*** " << placed.hazardText << " ***\n";
        for (const auto& line : placed.lines)
            std::cout << line.text << '\n';
        std::cout << "[DataMatrix: " << placed.barcodeData << "]\n";
    });
}

const CommandRegistration kLabel(45, registerLabelCommand);

} // namespace

} // namespace admix::app
