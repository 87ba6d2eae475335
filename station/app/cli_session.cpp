// admix session: the station driven by JSON lines on stdin (see README "Scripted preparations").
#include "station/app/cli.hpp"
#include "station/app/session_host.hpp"

#include "station/remote/demo.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/demo_mark.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/compliance_gate.hpp"
#include "station/workflow/demo_station.hpp"
#include "station/workflow/plan_steps.hpp"
#include "station/workflow/site_policy.hpp"
#include "station/workflow/site_setup.hpp"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace admix::app {

namespace fs = std::filesystem;

void seedDemoData(const fs::path& dataDir) {
    const auto seeded = remote::seedDemo(dataDir);
    if (!seeded)
        throw CliFailure("demo data: " + seeded.error().text());
    store::Database db = store::openStationDatabase(store::databasePath(dataDir).string());
    store::AuditLog audit(db);
    workflow::Authenticator auth(db, audit);
    store::ComplianceStore compliance(db, audit);
    const auto formulary = formulas::loadDemoFormulary();
    if (!formulary)
        throw CliFailure("formulary: " + formulary.error().text());
    workflow::PreparationEngine engine(db, audit, "admix session (demo)");
    engine.setProductLookup(workflow::formularyLookup(*formulary));
    for (const auto& [room, pec] : {std::pair{"BUF-1", "LAFW-1"}, std::pair{"HD-1", "BSC-1"}}) {
        const auto demo =
            workflow::prepareDemoStation(db, engine, auth, compliance, room, pec, remote::demoPassword("qa"));
        if (!demo)
            throw CliFailure("demo station " + std::string(room) + ": " + demo.error().text());
    }
}

SessionPlace sessionPlace(const fs::path& dataDir, bool sandbox, bool demo) {
    SessionPlace place;
    if (demo)
        store::setDemoExpected(true); // `session --demo` works on demo data, as `admix --demo` does
    if (!sandbox) {
        place.dataDir = dataDir;
        if (demo)
            seedDemoData(dataDir); // changes nothing on a station that has users already
        return place;
    }
    if (demo) {
        place.sandbox = std::make_unique<store::Sandbox>();
        seedDemoData(place.sandbox->dir());
    } else {
        place.sandbox = std::make_unique<store::Sandbox>(dataDir);
    }
    place.dataDir = place.sandbox->dir();
    return place;
}

workflow::SessionSetup sessionSetup(const fs::path& dataDir, bool sandbox, const Config& config, bool demo,
                                    const std::string& formulasPolicyFile) {
    workflow::SessionSetup setup;
    setup.dataDir = dataDir;
    setup.sandbox = sandbox;
    setup.stationName = config.station.name + " (session)";
    setup.room = config.station.room.empty() && demo ? "BUF-1" : config.station.room;
    setup.pec = config.station.pec.empty() && demo ? "LAFW-1" : config.station.pec;
    store::Database db = store::openStationDatabase(store::databasePath(dataDir).string());
    store::AuditLog audit(db);
    if (demo) {
        auto formulary = formulas::loadDemoFormulary();
        if (!formulary)
            throw CliFailure("formulary: " + formulary.error().text());
        setup.formulary = std::move(*formulary);
        setup.policy = workflow::SitePolicyService(db, audit).formulasPolicy();
    } else {
        // A real station prepares only from its own approved formulary, with its stored policy.
        auto station = workflow::loadStationFormulary(db, audit);
        if (!station)
            throw CliFailure("formulary: " + station.error().text() +
                             " (store one with `admix formulary import DIR --pharmacist USER`, then `admix "
                             "formulary approve RECIPE "
                             "--pharmacist USER`)");
        setup.formulary = std::move(station->formulary);
        setup.policy = std::move(station->policy);
    }
    if (!formulasPolicyFile.empty()) {
        // A policy file replaces the stored one only on a throwaway copy (validation, what-if runs).
        if (!sandbox)
            throw CliFailure("--formulas-policy: only with --sandbox; the station's own formulas policy is "
                             "in its database "
                             "(`admix policy show`, `admix policy set`)");
        std::ifstream in(formulasPolicyFile, std::ios::binary);
        if (!in)
            throw CliFailure("cannot read the formulas policy " + formulasPolicyFile);
        std::stringstream text;
        text << in.rdbuf();
        auto policy = formulas::loadFormulasPolicy(text.str(), formulasPolicyFile);
        if (!policy)
            throw CliFailure("formulas policy: " + policy.error().text());
        setup.policy = std::move(*policy);
    }
    auto quality = vision::loadQualityThresholds(vision::defaultQualityFile());
    if (!quality)
        throw CliFailure(quality.error().text());
    setup.quality = *quality;
    auto layout = workflow::loadLabelLayout(workflow::defaultLabelLayoutPath());
    if (layout)
        setup.labelLayout = std::move(*layout);
    return setup;
}

namespace {

volatile std::sig_atomic_t gSessionStop = 0;
int gEndOfInput = -1; // /dev/null, opened before the handler is installed

// A stop signal must end the session however it falls: during a read of stdin (interrupted: no
// SA_RESTART), or between two reads (the answer being written, the next request being handled),
// where a flag alone would be checked too late and the next read would block for ever. The handler
// puts /dev/null in stdin's place (dup2 is async-signal-safe), so every later read sees end of
// input; the loop then ends as at end of input and the sandbox is still deleted.
extern "C" void onSessionStop(int) {
    gSessionStop = 1;
    if (gEndOfInput >= 0)
        ::dup2(gEndOfInput, STDIN_FILENO);
}

void interruptReadsOnStop() {
    gEndOfInput = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    struct sigaction sa {};
    sa.sa_handler = onSessionStop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
        sigaction(sig, &sa, nullptr);
}

void registerSessionCommand(CLI::App& app, CliOptions& options) {
    static bool sandbox = false;
    static bool demo = false;
    static std::string policyFile;
    auto* cmd = app.add_subcommand(
        "session", "Drive the station with JSON lines on stdin, one answer per line on stdout");
    cmd->add_flag("--sandbox", sandbox,
                  "Work on a throwaway copy of the data (deleted at exit); only a sandbox takes \"now\"");
    cmd->add_flag("--demo", demo, "Demo data (with --sandbox: fresh demo data in the sandbox)");
    cmd->add_option("--formulas-policy", policyFile,
                    "Formulas policy file instead of the stored one (only with --sandbox)");
    cmd->callback([&options] {
        const auto config = loadConfig(
            options.configPath.empty() ? std::nullopt : std::optional<fs::path>(options.configPath));
        if (!config)
            throw CliFailure(config.error().text());
        fs::path dataDir;
        if (!(sandbox && demo))
            dataDir = resolveDataDir(options);
        interruptReadsOnStop(); // before the sandbox exists, so a stop while it is set up still deletes it
        SessionPlace place = sessionPlace(dataDir, sandbox, demo);
        workflow::ScriptSession session(sessionSetup(place.dataDir, sandbox, *config, demo, policyFile));
        std::string line;
        while (gSessionStop == 0 && std::getline(std::cin, line)) {
            if (line.find_first_not_of(" \t\r") == std::string::npos)
                continue; // blank lines are not requests
            const auto answer = session.handleLine(line);
            std::cout << answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n'
                      << std::flush;
        }
    });
}

const CommandRegistration kSession(75, registerSessionCommand);

} // namespace

} // namespace admix::app
