// admix: the headless command line and server. No display needed.
#include "station/app/cli.hpp"
#include "station/app/config.hpp"
#include "station/store/audit_seal.hpp"
#include "station/store/database.hpp"
#include "station/store/demo_mark.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
    // Every file the station writes (database, WAL, images, keys, exports) is the owner's only.
    ::umask(077);
    admix::store::setAuditSealingEnabled(true);
    admix::store::setDemoExpected(false); // `--demo` (here or on serve) says otherwise
    std::string auditKeyDir;
    if (const char* env = std::getenv("ADMIX_AUDIT_KEY_DIR"); env && *env)
        admix::store::setAuditKeyDirOverride(std::filesystem::absolute(env));
    CLI::App app{"Admix: sterile compounding and IV admixture workflow station (headless commands)", "admix"};
    app.set_version_flag("-V,--version", ADMIX_VERSION);
    app.fallthrough();

    admix::app::CliOptions options;
    app.add_flag("--json", options.json, "Machine-readable output (JSON)");
    app.add_option("--data-dir", options.dataDir, "Data directory (default: $XDG_DATA_HOME/admix)");
    app.add_option("--config", options.configPath, "Configuration file (TOML)");
    // Whatever the command, a --config that is missing or does not parse stops it (exit 1) before it
    // runs; `doctor` alone reads it itself and reports it as its first line (with the checks after it).
    app.parse_complete_callback([&app, &options] {
        if (options.configPath.empty() || app.got_subcommand("doctor"))
            return;
        const auto config = admix::app::loadConfig(std::filesystem::path(options.configPath));
        if (!config)
            throw admix::app::CliFailure(config.error().text());
    });
    app.add_flag_callback(
        "--demo", [] { admix::store::setDemoExpected(true); },
        "Work on a demo database (one seeded by `serve --demo`); refused on a real one");
    app.add_option(
           "--audit-key-dir", auditKeyDir,
           "Audit signing key, trusted keys, signed head and PIN pepper (default: <data dir>-keys beside "
           "the data directory; also $ADMIX_AUDIT_KEY_DIR)")
        ->each([](const std::string& dir) {
            admix::store::setAuditKeyDirOverride(std::filesystem::absolute(dir));
        });

    admix::app::registerAllCommands(app, options);
    // Extras are collected (not rejected by CLI11) so that an unknown command gets one plain line.
    app.allow_extras();

    try {
        app.parse(argc, argv);
        if (!app.remaining().empty()) {
            std::cerr << "admix: unknown command or argument '" << app.remaining().front()
                      << "' (see admix --help)\n";
            return 2;
        }
        if (app.get_subcommands().empty()) {
            std::cerr << "admix: no command given (see admix --help)\n";
            return 2;
        }
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ExtrasError& e) {
        std::cerr << "admix: unknown command or argument: " << e.what() << " (see admix --help)\n";
        return 2;
    } catch (const CLI::ParseError& e) {
        std::cerr << "admix: " << e.what() << " (see admix --help)\n";
        return 2;
    } catch (const admix::app::CliFailure& e) {
        std::cerr << "admix: " << e.what() << '\n';
        return 1;
    } catch (const admix::store::StoreError& e) {
        std::cerr << "admix: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "admix: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
