// admix validate [--report DIR] [--iq] | admix validate sign: the operational qualification kit.
#include "station/app/cli.hpp"
#include "station/app/session_host.hpp"

#include "core/asset_paths.hpp"
#include "devices/device_config.hpp"
#include "devices/device_manager.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/demo_mark.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/site_setup.hpp"
#include "station/workflow/validation.hpp"
#include "station/workflow/validation_data.hpp"
#include "vision/test_set.hpp"

#include <pwd.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace admix::app {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string fileSha256(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return "unreadable";
    std::stringstream s;
    s << in.rdbuf();
    return store::sha256Hex(s.str());
}

std::string runBy() {
    std::string who;
    if (const passwd* pw = ::getpwuid(::getuid()))
        who = pw->pw_name;
    else
        who = "uid " + std::to_string(::getuid());
    if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo)
        who += " (via sudo by " + std::string(sudo) + ")";
    return who;
}

std::string machine() {
    utsname u{};
    if (::uname(&u) != 0)
        return "unknown";
    return std::string(u.nodename) + " (" + u.sysname + " " + u.release + ", " + u.machine + ")";
}

json executables() {
    json out = json::array();
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        return out;
    out.push_back({{"path", self.string()}, {"sha256", fileSha256(self)}});
    const fs::path station = self.parent_path() / "admix-station";
    if (fs::exists(station, ec))
        out.push_back({{"path", station.string()}, {"sha256", fileSha256(station)}});
    return out;
}

bool ownerOnly(const fs::path& p, std::string& detail) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
        detail = p.string() + ": cannot be read";
        return false;
    }
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    const bool ok = (st.st_mode & 077) == 0;
    detail = p.string() + " mode " + mode + (ok ? "" : " (group or others have access; chmod go-rwx)");
    return ok;
}

// [SECTION] Installation qualification -------------------------------------------------------------

json installationChecks(const fs::path& dataDir, const Config& config) {
    json checks = json::array();
    const auto add = [&](const std::string& check, bool pass, const std::string& detail) {
        checks.push_back({{"check", check}, {"pass", pass}, {"detail", detail}});
    };
    add("versions", true,
        std::string("admix ") + ADMIX_VERSION + ", database schema " +
            std::to_string(store::latestSchemaVersion()) + ", SQLite " + sqlite3_libversion());
    const auto assets = core::assetsDir();
    add("assets", fs::exists(assets.dir / "validation"), assets.dir.string() + " (" + assets.source + ")");
    std::string detail;
    const bool dirClosed = ownerOnly(dataDir, detail);
    add("data directory permissions", dirClosed, detail);
    const fs::path db = store::databasePath(dataDir);
    if (fs::exists(db)) {
        // The records hold patient data: the file itself, or the owner-only directory around it.
        const bool fileClosed = ownerOnly(db, detail);
        add("database file permissions", fileClosed || dirClosed,
            detail + (fileClosed || !dirClosed ? "" : "; protected by the owner-only data directory"));
        const auto problems = store::integrityProblems(db);
        add("database integrity", problems.empty(),
            problems.empty() ? "PRAGMA integrity_check: ok" : problems.front());
        // Schema and audit trail read on a throwaway copy: validation never writes the site's database.
        store::Sandbox copy(dataDir);
        store::Database database = store::openStationDatabase(store::databasePath(copy.dir()).string());
        const int schema = store::schemaVersionOf(database);
        add("database schema", schema == store::latestSchemaVersion(),
            "schema " + std::to_string(schema) + ", this build expects " +
                std::to_string(store::latestSchemaVersion()));
        store::AuditLog audit(database);
        const auto broken = audit.verify();
        add("audit trail", !broken,
            broken ? "broken at row " + std::to_string(broken->id) + ": " + broken->reason
                   : "hash chain intact, " + std::to_string(audit.count()) + " rows");
    } else {
        add("database", false, "no station database in " + dataDir.string());
    }
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dataDir, ec)) {
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && (name.find("key") != std::string::npos || e.path().extension() == ".pem"))
            add("key file permissions", ownerOnly(e.path(), detail), detail);
    }
    add("configuration", true,
        config.sourcePath.empty() ? "built-in defaults" : config.sourcePath + " parsed");
    auto devices =
        devices::parseDeviceConfigs(config.text, config.sourcePath.empty() ? "config" : config.sourcePath);
    if (!devices) {
        add("device configuration", false, devices.error().text());
    } else if (devices->empty()) {
        add("devices", true, "no devices configured");
    } else {
        devices::DeviceManager manager(*devices);
        manager.start();
        std::vector<devices::DeviceStatus> statuses;
        const auto answering = [](const devices::DeviceStatus& s) {
            return s.state == devices::ConnectionState::Connected ||
                   s.state == devices::ConnectionState::Reading;
        };
        for (int i = 0; i < 100; ++i) {
            statuses = manager.statuses();
            if (std::all_of(statuses.begin(), statuses.end(), answering))
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        for (const auto& s : statuses)
            add("device " + s.name, answering(s),
                std::string(devices::deviceKindName(s.kind)) + ": " +
                    std::string(devices::connectionStateName(s.state)) +
                    (s.detail.empty() ? "" : " - " + s.detail));
        manager.stop();
    }
    bool pass = true;
    for (const auto& c : checks)
        pass = pass && c["pass"].get<bool>();
    return {{"checks", checks}, {"pass", pass}};
}

// [SECTION] Commands ------------------------------------------------------------------------------

void writeFile(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out)
        throw CliFailure("cannot write " + file.string());
}

void registerValidateCommands(CLI::App& app, CliOptions& options) {
    static std::string reportDir;
    static bool iq = false;
    static std::string scenarioDir;
    static std::string policyFile;
    static std::string only;
    static bool demo = false;
    auto* cmd = app.add_subcommand("validate",
                                   "Operational qualification: run the validation scenarios on a sandbox, "
                                   "write the report (HTML + JSON); exit 1 on any failure");
    cmd->add_option("--report", reportDir,
                    "Directory for report.json and report.html (default: ./admix-validation)");
    cmd->add_flag("--iq", iq,
                  "First check the installation (versions, permissions, database, config, devices)");
    cmd->add_option("--scenarios", scenarioDir,
                    "Scenario directory (default: the installed assets/validation)");
    cmd->add_option("--formulas-policy", policyFile,
                    "Formulas policy file the station uses (default: built-in)");
    cmd->add_option("--only", only, "Run only the scenario with this id");
    cmd->add_flag(
        "--demo", demo,
        "Run on fresh demo data (as `admix --demo validate`) instead of a copy of this site's database");

    static std::string signReport;
    static std::string signer;
    static std::string meaning = "reviewed and approved";
    auto* sign = cmd->add_subcommand(
        "sign", "Sign a validation report as the quality role (password on stdin; audited)");
    sign->add_option("--report", signReport, "The report directory")->required();
    sign->add_option("--user", signer, "The quality user who signs")->required();
    sign->add_option("--meaning", meaning, "What the signature means");
    sign->callback([&options] {
        const fs::path reportFile = fs::path(signReport) / "report.json";
        if (!fs::exists(reportFile))
            throw CliFailure("no report.json in " + signReport);
        std::string password;
        std::getline(std::cin, password);
        const std::string sha = fileSha256(reportFile);
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        workflow::Authenticator auth(db, audit);
        const auto sig = auth.sign(signer, password, workflow::Role::Quality, "validation.sign",
                                   "validation report " + sha, meaning);
        if (!sig)
            throw CliFailure("signature refused: " + sig.error().text());
        const json signature{
            {"report_sha256", sha},    {"signer", sig->signer.username}, {"name", sig->signer.displayName},
            {"role", "quality"},       {"meaning", sig->meaning},        {"at", sig->atUtc},
            {"audit_id", sig->auditId}};
        const fs::path sigFile = fs::path(signReport) / "signature.json";
        json all = json::array();
        if (fs::exists(sigFile)) {
            std::ifstream in(sigFile);
            all = json::parse(in, nullptr, false);
            if (!all.is_array())
                all = json::array();
        }
        all.push_back(signature);
        writeFile(sigFile, all.dump(2) + "\n");
        std::ifstream in(reportFile);
        json report = json::parse(in, nullptr, false);
        report["signatures"] = all;
        writeFile(fs::path(signReport) / "report.html", workflow::reportHtml(report));
        if (options.json)
            printJson(signature);
        else
            std::cout << "signed by " << sig->signer.displayName << " at " << sig->atUtc << " (audit row "
                      << sig->auditId << "), report SHA-256 " << sha << '\n';
    });

    cmd->callback([&options, cmd, sign] {
        if (cmd->got_subcommand(sign))
            return;
        const auto config = loadConfig(
            options.configPath.empty() ? std::nullopt : std::optional<fs::path>(options.configPath));
        if (!config)
            throw CliFailure(config.error().text());
        const fs::path dataDir = resolveDataDir(options);
        const fs::path scenarios =
            scenarioDir.empty() ? core::assetPath("validation") : fs::path(scenarioDir);
        auto requirements = workflow::loadRequirements(scenarios / "requirements.json");
        if (!requirements)
            throw CliFailure(requirements.error().text());
        auto all = workflow::loadScenarios(scenarios);
        if (!all)
            throw CliFailure(all.error().text());
        if (const auto covered = workflow::checkCoverage(*requirements, *all); !covered)
            throw CliFailure(covered.error().text());

        const bool onDemo = demo || store::demoExpected().value_or(false);
        const fs::path siteDb = store::databasePath(dataDir);
        if (!onDemo && !fs::exists(siteDb))
            throw CliFailure(
                "no station database in " + dataDir.string() +
                ": set the site up first (README \"Setting up a real site\"), or validate on demo data with "
                "`admix --demo validate`");
        const std::string siteDbSha = onDemo ? std::string() : fileSha256(siteDb);

        // The fixture every scenario starts from: a sandbox copy of this site's database (deleted at
        // exit; the site's own is only read), or fresh demo data; with this installation's
        // configuration and the stored policy. Photos rendered like a camera's.
        std::unique_ptr<store::Sandbox> fixture;
        if (onDemo) {
            store::setDemoExpected(true);
            fixture = std::make_unique<store::Sandbox>();
            seedDemoData(fixture->dir());
        } else {
            fixture = std::make_unique<store::Sandbox>(dataDir);
        }
        const workflow::SessionSetup base = sessionSetup(fixture->dir(), true, *config, onDemo, policyFile);
        std::string formularyText;
        if (onDemo) {
            formularyText = "built-in demo formulary, products sha256 " +
                            store::sha256Hex(formulas::demoProductsToml()) + ", recipes sha256 " +
                            store::sha256Hex(formulas::demoRecipesToml());
        } else {
            store::Database db = store::openStationDatabase(store::databasePath(fixture->dir()).string());
            store::AuditLog audit(db);
            const auto station = workflow::loadStationFormulary(db, audit);
            formularyText = "site formulary version " + std::to_string(station ? station->version : 0) +
                            ", approved recipes:";
            for (const auto& id : base.formulary.recipeIds())
                if (const auto* r = base.formulary.recipe(id))
                    formularyText += " " + r->id + " v" + std::to_string(r->version);
            formularyText += "; " + std::to_string(base.formulary.products().size()) + " products";
        }
        const auto reference = formulas::loadFormulasPolicy(formulas::defaultFormulasPolicyToml(),
                                                            "assets/policy/formulas.toml");
        if (!reference)
            throw CliFailure("the shipped formulas policy: " + reference.error().text());
        workflow::ValidationData data = workflow::prepareValidationData(
            *fixture, base.formulary, base.policy, *reference, {base.room, base.pec}, nowUtc());

        json header{
            {"title", "Admix operational qualification"},
            {"admix_version", ADMIX_VERSION},
            {"schema", store::latestSchemaVersion()},
            {"generated_utc", formatIsoUtc(nowUtc())},
            {"run_by", runBy()},
            {"machine", machine()},
            {"data_source", onDemo ? std::string("fresh demo data (--demo)")
                                   : "this site's database, run on a sandbox copy deleted at exit"},
            {"data_dir", dataDir.string()},
            {"database", onDemo ? std::string("demo database in a sandbox")
                                : siteDb.string() + " sha256 " + siteDbSha + " (at the start of the run)"},
            {"config", config->sourcePath.empty()
                           ? std::string("built-in defaults")
                           : config->sourcePath + " sha256 " + store::sha256Hex(config->text)},
            {"formulary", formularyText},
            {"formulas_policy",
             !policyFile.empty() ? policyFile + " sha256 " + fileSha256(policyFile)
             : onDemo ? "built-in, sha256 " + store::sha256Hex(formulas::defaultFormulasPolicyToml())
                      : "the policy stored in the site's database (`admix policy show`)"},
            {"validation_data", data.report},
            {"scenario_dir", scenarios.string()},
            {"executables", executables()}};
        if (iq)
            header["iq"] = installationChecks(dataDir, *config);

        const fs::path photos = fixture->dir() / "validation-photos";
        std::vector<vision::TestCase> cases;
        for (auto& c : vision::makeTestSet(vision::TestSetOptions{1, 1, 1280, 720}))
            if (c.quality == vision::QualityExpectation::Sharp ||
                c.quality == vision::QualityExpectation::Blurred ||
                c.quality == vision::QualityExpectation::Overexposed)
                cases.push_back(std::move(c));
        auto written = vision::writeTestSet(cases, photos);
        if (!written)
            throw CliFailure("validation photos: " + written.error().text());
        std::map<std::string, json> values = data.values;
        for (const auto& e : *written) {
            const auto name = e.quality == vision::QualityExpectation::Sharp     ? "photo_good"
                              : e.quality == vision::QualityExpectation::Blurred ? "photo_blurred"
                                                                                 : "photo_overexposed";
            values[name] = (photos / e.file).string();
        }

        // What this data has not got: a scenario needing a missing essential (a qualified technician,
        // the station's room, a recipe) fails; one needing only what this site does not do is skipped.
        std::map<std::string, std::string> essentialMissing, notApplicable;
        for (const auto& [name, why] : data.unavailable)
            (workflow::notApplicableWhenMissing(name) ? notApplicable : essentialMissing)[name] = why;
        std::vector<workflow::ScenarioResult> results;
        for (const auto& scenario : *all) {
            if (!only.empty() && scenario.id != only)
                continue;
            if (const std::string why = workflow::unavailableReason(scenario, essentialMissing);
                !why.empty()) {
                workflow::ScenarioResult result;
                result.scenario = scenario;
                result.error = "cannot run on this site's data: " + why;
                std::cerr << "FAIL " << scenario.id << "  " << scenario.title << "\n     " << result.error
                          << '\n';
                results.push_back(std::move(result));
                continue;
            }
            if (const std::string why = workflow::unavailableReason(scenario, notApplicable); !why.empty()) {
                workflow::ScenarioResult result;
                result.scenario = scenario;
                result.skipped = why;
                std::cerr << "SKIP " << scenario.id << "  " << scenario.title
                          << "\n     not run on this data: " << why << '\n';
                results.push_back(std::move(result));
                continue;
            }
            store::Sandbox sandbox(fixture->dir());
            workflow::ScriptSession session(sessionSetup(sandbox.dir(), true, *config, onDemo, policyFile));
            auto result = workflow::runScenario(scenario, session, values);
            std::cerr << (result.pass && result.error.empty() ? "PASS " : "FAIL ") << scenario.id << "  "
                      << scenario.title << '\n';
            for (const auto& r : result.results)
                if (!r.pass)
                    std::cerr << "     " << scenario.file << ":" << r.line << ": " << r.mismatch << '\n';
            if (!result.error.empty())
                std::cerr << "     " << result.error << '\n';
            results.push_back(std::move(result));
        }
        const json report = workflow::validationReport(header, *requirements, results);
        const fs::path out = reportDir.empty() ? fs::path("admix-validation") : fs::path(reportDir);
        fs::create_directories(out);
        writeFile(out / "report.json", report.dump(2) + "\n");
        writeFile(out / "report.html", workflow::reportHtml(report));
        const auto& s = report["summary"];
        if (options.json)
            printJson({{"pass", report["pass"]}, {"summary", s}, {"report", (out / "report.json").string()}});
        else
            std::cout << (report["pass"].get<bool>() ? "PASSED" : "FAILED") << ": " << s["passed"] << " of "
                      << s["scenarios"] << " scenarios"
                      << (s["skipped"].get<int>() > 0 ? " (" + std::to_string(s["skipped"].get<int>()) +
                                                            " skipped: not run on this data, see the report)"
                                                      : std::string())
                      << (iq ? std::string(", installation checks ") +
                                   (header["iq"]["pass"].get<bool>() ? "passed" : "FAILED")
                             : "")
                      << "; report in " << (out / "report.html").string() << '\n';
        if (!report["pass"].get<bool>())
            throw CliFailure("validation failed: see " + (out / "report.html").string());
    });
}

const CommandRegistration kValidate(76, registerValidateCommands);

} // namespace

} // namespace admix::app
