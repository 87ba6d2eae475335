// admix-station: the touchscreen app at the hood. Wiring only: config, data, window, screens.
#include "station/app/config.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "station/ui/login_screen.hpp"
#include "station/ui/station_ui.hpp"
#include "station/ui/window.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <iostream>
#include <thread>

namespace {

struct Args {
    bool demo = false;
    std::string dataDir;
    std::string configPath;
    bool fullscreen = false;
    std::string screenshot;
    int frames = 30;
};

int run(const Args& args) {
    using namespace admix;
    const auto config = app::loadConfig(args.configPath.empty() ? std::nullopt
                                                                : std::optional<std::filesystem::path>(args.configPath));
    if (!config) {
        std::cerr << "admix-station: configuration error: " << config.error().text() << '\n';
        return 1;
    }
    spdlog::set_level(spdlog::level::from_str(config->log.level));

    std::filesystem::path dataDir = !args.dataDir.empty()             ? std::filesystem::path(args.dataDir)
                                    : !config->station.dataDir.empty() ? std::filesystem::path(config->station.dataDir)
                                                                       : store::defaultDataDir();
    store::prepareDataDir(dataDir);
    store::Database db = store::openStationDatabase(store::databasePath(dataDir).string());
    spdlog::info("data directory {}", dataDir.string());
    store::AuditLog audit(db);
    audit.append("station", "station.start", config->station.name,
                 std::string(R"({"demo":)") + (args.demo ? "true" : "false") + "}");

    ui::WindowOptions options;
    options.title = "Admix - " + config->station.name;
    options.width = config->display.width;
    options.height = config->display.height;
    options.fullscreen = args.fullscreen || config->display.fullscreen;
    options.font = config->display.font;
    options.fontBold = config->display.fontBold;
    options.fontSize = config->display.fontSize;
    ui::Window window(options);

    ui::StationUi stationUi(config->station.name, args.demo);
    // Until user accounts exist in the database, no badge can sign in; the message says so plainly.
    stationUi.addScreen(std::make_unique<ui::LoginScreen>([](const std::string&, const std::string&) {
        return Status::fail("No user accounts are set up on this station yet. Ask an administrator.");
    }));

    using Clock = std::chrono::steady_clock;
    constexpr auto kFrameBudget = std::chrono::microseconds(16'667); // 60 frames a second at most
    for (int frame = 1; !window.shouldClose(); ++frame) {
        const auto start = Clock::now();
        window.beginFrame();
        stationUi.draw(window);
        const bool capture = !args.screenshot.empty() && frame >= args.frames;
        window.endFrame(capture ? args.screenshot : std::string());
        if (capture) {
            spdlog::info("screenshot written to {}", args.screenshot);
            break;
        }
        if (args.screenshot.empty())
            std::this_thread::sleep_until(start + kFrameBudget);
    }
    audit.append("station", "station.stop", config->station.name);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"Admix station: the touchscreen app at the compounding hood", "admix-station"};
    Args args;
    cli.set_version_flag("-V,--version", ADMIX_VERSION);
    cli.add_flag("--demo", args.demo, "Demo mode: demo users, formulary and orders, simulated devices");
    cli.add_option("--data-dir", args.dataDir, "Data directory (default: $XDG_DATA_HOME/admix)");
    cli.add_option("--config", args.configPath, "Configuration file (TOML)");
    cli.add_flag("--fullscreen", args.fullscreen, "Fill the primary monitor");
    cli.add_option("--screenshot", args.screenshot, "Render, save the window as this PNG file, and exit");
    cli.add_option("--frames", args.frames, "Frames to render before the screenshot")->check(CLI::Range(1, 100000));
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }
    try {
        return run(args);
    } catch (const std::exception& e) {
        std::cerr << "admix-station: " << e.what() << '\n';
        return 1;
    }
}
