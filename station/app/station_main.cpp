// admix-station: the touchscreen app at the hood. Wiring only: config, data, devices, camera,
// workflow, screens, and the frame loop.
#include "devices/device_config.hpp"
#include "devices/device_manager.hpp"
#include "formulas/formulary.hpp"
#include "station/app/config.hpp"
#include "station/app/hl7_host.hpp"
#include "station/remote/demo.hpp"
#include "station/remote/server.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/audit_seal.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/demo_mark.hpp"
#include "station/store/image_store.hpp"
#include "station/store/schema.hpp"
#include "station/ui/demo_camera.hpp"
#include "station/ui/station_controller.hpp"
#include "station/ui/station_ui.hpp"
#include "station/ui/ui_map.hpp"
#include "station/ui/window.hpp"
#include "station/workflow/compliance_gate.hpp"
#include "station/workflow/demo_station.hpp"
#include "station/workflow/label_job.hpp"
#include "station/workflow/plan_steps.hpp"
#include "station/workflow/site_policy.hpp"
#include "station/workflow/site_setup.hpp"
#include "vision/vision_pipeline.hpp"

#include <CLI/CLI.hpp>
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
    std::string uiMap;
    std::string screenshotDir;
    int benchFrames = 0;
    bool benchUnpaced = false;
};

using namespace admix;

std::string firstOf(const std::vector<devices::DeviceConfig>& configs, devices::DeviceKind kind) {
    for (const auto& c : configs) {
        if (c.kind == kind)
            return c.name;
    }
    return {};
}

int run(const Args& args) {
    const auto config = app::loadConfig(
        args.configPath.empty() ? std::nullopt : std::optional<std::filesystem::path>(args.configPath));
    if (!config) {
        std::cerr << "admix-station: configuration error: " << config.error().text() << '\n';
        return 1;
    }
    spdlog::set_level(spdlog::level::from_str(config->log.level));

    // Demo data lives apart from a real station's data unless a directory is given.
    std::filesystem::path dataDir = !args.dataDir.empty() ? std::filesystem::path(args.dataDir)
                                    : !config->station.dataDir.empty()
                                        ? std::filesystem::path(config->station.dataDir)
                                        : store::defaultDataDir();
    if (args.demo && args.dataDir.empty() && config->station.dataDir.empty())
        dataDir /= "demo";
    store::prepareDataDir(dataDir);
    if (args.demo) {
        const auto seeded = remote::seedDemo(dataDir);
        if (!seeded) {
            std::cerr << "admix-station: demo data: " << seeded.error().text() << '\n';
            return 1;
        }
        if (seeded->seeded)
            spdlog::info("demo data seeded in {}", dataDir.string());
    }
    store::Database db = store::openStationDatabase(store::databasePath(dataDir).string());
    store::AuditLog audit(db);
    workflow::Authenticator auth(db, audit);
    store::ComplianceStore compliance(db, audit);
    store::ImageStore images(db, store::imagesDir(dataDir));
    // The demo formulary only with --demo; a real station prepares from its own approved formulary
    // in the database, and its first screen names whatever is still missing.
    std::optional<formulas::Formulary> formulary;
    std::optional<formulas::FormulasPolicy> policy;
    std::vector<workflow::SetupGap> setupGaps;
    workflow::StationFormularyFollower follower; // real stations: reads `formulary` again when it changes
    if (args.demo) {
        auto demoFormulary = formulas::loadDemoFormulary();
        if (!demoFormulary) {
            std::cerr << "admix-station: formulary: " << demoFormulary.error().text() << '\n';
            return 1;
        }
        formulary = std::move(*demoFormulary);
        policy =
            workflow::SitePolicyService(db, audit).formulasPolicy(); // the demo database's own policy store
    } else {
        setupGaps = workflow::setupGaps(db, audit, compliance, config->station.room, config->station.pec);
        // The follower's first read always reads.
        if (auto site = *follower.readIfChanged(db, audit)) {
            formulary = std::move(site->formulary);
            policy = std::move(site->policy);
        } else {
            formulary.emplace();
            policy = workflow::SitePolicyService(db, audit).formulasPolicy();
        }
        for (const auto& gap : setupGaps)
            spdlog::warn("setup: {}: {}", gap.missing, gap.command);
    }
    workflow::PreparationEngine engine(db, audit, config->station.name);
    engine.setProductLookup(workflow::formularyLookup(*formulary));
    workflow::StoreComplianceGate gate(compliance);
    engine.setComplianceGate(&gate);

    std::string room = config->station.room.empty() && args.demo ? "BUF-1" : config->station.room;
    std::string pec = config->station.pec.empty() && args.demo ? "LAFW-1" : config->station.pec;
    // A station without its room and PEC says so on its first screen (setupGaps) rather than exiting.
    if (args.demo) {
        const auto demo =
            workflow::prepareDemoStation(db, engine, auth, compliance, room, pec, remote::demoPassword("qa"));
        if (!demo) {
            std::cerr << "admix-station: demo station: " << demo.error().text() << '\n';
            return 1;
        }
    }
    audit.append("station", "station.start", config->station.name,
                 std::string(R"({"demo":)") + (args.demo ? "true" : "false") + "}");

    // Devices: the config's [[devices]]; the demo adds simulated ones when none are declared.
    auto deviceConfigs =
        devices::parseDeviceConfigs(config->text, config->sourcePath.empty() ? "config" : config->sourcePath);
    if (!deviceConfigs) {
        std::cerr << "admix-station: configuration error: " << deviceConfigs.error().text() << '\n';
        return 1;
    }
    if (args.demo && deviceConfigs->empty())
        *deviceConfigs =
            devices::simulatedDeviceConfigs("demo balance", "demo scanner", "demo label printer");
    devices::DeviceManager deviceManager(*deviceConfigs);
    deviceManager.start();

    // Camera: the demo hood camera, or the configured source.
    std::unique_ptr<vision::VisionPipeline> camera;
    ui::DemoHoodCamera* demoCamera = nullptr;
    vision::PipelineOptions pipelineOptions; // the preview size follows once the window exists
    pipelineOptions.workerNice = 5;
    if (args.demo && config->camera.source.empty()) {
        auto source = std::make_unique<ui::DemoHoodCamera>();
        demoCamera = source.get();
        camera = std::make_unique<vision::VisionPipeline>(std::move(source), pipelineOptions);
    } else if (!config->camera.source.empty()) {
        // The synthetic camera shows generated demo products: on a real site it would write refused
        // "UNKNOWN PRODUCT" scans into the records.
        if (!args.demo && config->camera.source.rfind("synthetic", 0) == 0) {
            std::cerr << "admix-station: configuration error: camera.source: the synthetic camera shows demo "
                         "products; "
                         "it is allowed only with --demo (use camera:DEVICE, images:PATH or video:FILE)\n";
            return 1;
        }
        vision::CameraSettings settings;
        settings.width = config->camera.width;
        settings.height = config->camera.height;
        auto source = vision::makeFrameSource(config->camera.source, settings);
        if (!source) {
            std::cerr << "admix-station: configuration error: camera.source: " << source.error().text()
                      << '\n';
            return 1;
        }
        camera = std::make_unique<vision::VisionPipeline>(std::move(*source), pipelineOptions);
    }
    if (camera)
        camera->start();
    auto quality = vision::loadQualityThresholds(vision::defaultQualityFile());
    if (!quality) {
        std::cerr << "admix-station: " << quality.error().text() << '\n';
        return 1;
    }

    const auto labelLayout = workflow::loadLabelLayout(workflow::defaultLabelLayoutPath());
    std::function<Result<std::string>(int64_t)> labelZpl;
    if (labelLayout) {
        labelZpl = [&](int64_t prepId) -> Result<std::string> {
            const auto data = workflow::labelDataFor(db, audit, prepId, *formulary, *policy, *labelLayout);
            if (!data)
                return data.error();
            return workflow::renderZpl(*data, *labelLayout);
        };
    } else {
        spdlog::error("label layout: {}", labelLayout.error().text());
    }

    ui::StationController station(ui::StationDeps{db,
                                                  audit,
                                                  auth,
                                                  engine,
                                                  compliance,
                                                  images,
                                                  store::imagesDir(dataDir),
                                                  *formulary,
                                                  *policy,
                                                  &deviceManager,
                                                  firstOf(*deviceConfigs, devices::DeviceKind::Balance),
                                                  firstOf(*deviceConfigs, devices::DeviceKind::Scanner),
                                                  firstOf(*deviceConfigs, devices::DeviceKind::Printer),
                                                  camera.get(),
                                                  demoCamera,
                                                  *quality,
                                                  room,
                                                  pec,
                                                  config->station.name,
                                                  args.demo,
                                                  labelZpl,
                                                  setupGaps});

    // The web check beside the touchscreen, on the same data (each request has its own connection).
    std::unique_ptr<remote::Server> server;
    if (config->server.enabled) {
        remote::ServerConfig sc;
        sc.listenAddress = config->server.listenAddress;
        sc.port = config->server.port;
        sc.tlsCert = config->server.tlsCert;
        sc.tlsKey = config->server.tlsKey;
        sc.behindProxy = config->server.behindProxy; // nginx in front: see admix nginx-config
        sc.dataDir = dataDir;
        sc.stationName = config->station.name + " (web)";
        server = std::make_unique<remote::Server>(sc);
        if (const auto started = server->start(); !started) {
            std::cerr << "admix-station: server: " << started.error().text() << '\n';
            return 1;
        }
        spdlog::info("web check at {}", server->url());
    }
    // [hl7] enabled: orders from the pharmacy system (and dispenses back) on threads of their own.
    auto hl7 = app::startConfiguredHl7(*config, dataDir, args.demo);
    if (!hl7) {
        std::cerr << "admix-station: " << hl7.error().text() << '\n';
        return 1;
    }
    if (*hl7)
        spdlog::info("{}", (*hl7)->describe());

    ui::WindowOptions options;
    options.title = "Admix - " + config->station.name;
    options.width = config->display.width;
    options.height = config->display.height;
    options.fullscreen = args.fullscreen || config->display.fullscreen;
    options.font = config->display.font;
    options.fontBold = config->display.fontBold;
    options.fontSize = config->display.fontSize;
    ui::Window window(options);
    if (camera) {
        // The live view takes about half the window's width: the capture thread scales each frame
        // to that, so the UI thread uploads a small texture and never converts a full camera frame.
        int width = 0;
        int height = 0;
        window.framebufferSize(width, height);
        camera->setPreviewSize(cv::Size(std::max(320, width / 2), std::max(180, height / 2)));
    }
    ui::StationUi stationUi(station, config->station.name + (args.demo ? " (demo)" : ""), args.demo);

    // The frame benchmark measures the busiest screen: a preparation with the live camera view. In
    // demo mode the demo technician signs in, garbs, starts the first order and, once the screen is
    // up, shows its vial to the camera (its code is read, outlined and taken; the flow moves on).
    bool benchShowVial = args.benchFrames > 0 && args.demo;
    if (args.benchFrames > 0 && args.demo) {
        if (station.signIn("B-1001", "4821")) {
            for (const auto& step : station.garbingProcedure())
                (void)station.garbingStep(step.id, std::max(step.minSeconds, 1));
            station.refresh();
            for (const auto& order : station.queue()) {
                if (station.startOrder(order.id))
                    break;
            }
        }
        spdlog::info("benchmark screen: {}", station.screen());
    }

    // A real station follows its site while it runs: the formulary is read again when a version is
    // imported or a recipe version approved or retired (a new one is offered, a retired one leaves the
    // lists: the engine refuses to start it in any case; the engine's product lookup and the label
    // read `formulary` in place), and what the first screen says is missing is read again until
    // nothing is. A preparation already started keeps its plan (the check warns if its recipe was
    // retired). Nothing here holds a pointer into `formulary` from one frame to the next.
    const auto followSite = [&] {
        try {
            auto read = follower.readIfChanged(db, audit);
            const bool changed = read.has_value();
            if (changed) {
                auto& site = *read;
                if (site) {
                    *formulary = std::move(site->formulary);
                    spdlog::info("formulary: version {} read again, {} approved recipe version(s)",
                                 site->version, formulary->recipeIds().size());
                } else {
                    *formulary = formulas::Formulary{}; // fail closed: nothing can be started
                    spdlog::warn("formulary: {} - no preparation can be started", site.error().text());
                }
                audit.append("station", "station.formulary", config->station.name,
                             nlohmann::json{{"formulary_version", site ? site->version : 0},
                                            {"recipes", formulary->recipeIds().size()}}
                                 .dump());
            }
            if (changed || !station.deps().setupGaps.empty())
                station.setSetupGaps(
                    workflow::setupGaps(db, audit, compliance, config->station.room, config->station.pec));
        } catch (const store::StoreError& e) {
            spdlog::error("formulary: {} (keeping the one read before)", e.what());
        }
    };

    using Clock = std::chrono::steady_clock;
    constexpr auto kFrameBudget = std::chrono::microseconds(16'667); // 60 frames a second at most
    std::vector<double> frameMs;
    Clock::time_point benchStart{};
    int shots = 0;
    Clock::time_point policyReadAt = Clock::now();
    for (int frame = 1; !window.shouldClose(); ++frame) {
        const auto start = Clock::now();
        // The formulas policy as stored now (changed with `admix policy set` while the station
        // runs): the next preparation started is planned with it.
        if (start - policyReadAt >= std::chrono::seconds(2)) {
            policyReadAt = start;
            try {
                *policy = workflow::SitePolicyService(db, audit).formulasPolicy();
            } catch (const store::StoreError& e) {
                spdlog::error("formulas policy: {} (keeping the one read before)", e.what());
            }
            if (!args.demo)
                followSite();
        }
        window.beginFrame();
        station.update();
        if (benchShowVial) {
            station.demoShowExpected();
            benchShowVial = false;
        }
        stationUi.draw(window);
        if (!args.uiMap.empty())
            ui::uiMapWrite(args.uiMap);
        std::string shot;
        const bool capture = !args.screenshot.empty() && frame >= args.frames;
        if (capture)
            shot = args.screenshot;
        if (!args.screenshotDir.empty() && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false)) {
            // Esc: a screenshot of this screen for the test output (tests send it with xdotool).
            char name[32];
            std::snprintf(name, sizeof name, "%02d-", ++shots);
            std::string title = stationUi.currentTitle();
            std::replace(title.begin(), title.end(), ' ', '-');
            shot = (std::filesystem::path(args.screenshotDir) / (name + title + ".png")).string();
        }
        window.endFrame(shot);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (args.benchFrames > 0) {
            frameMs.push_back(ms);
            if (frameMs.size() == std::min<size_t>(30, static_cast<size_t>(args.benchFrames) / 2))
                benchStart = Clock::now(); // the rate, like the percentiles, leaves the warm-up out
            if (static_cast<int>(frameMs.size()) >= args.benchFrames)
                break;
        }
        if (capture) {
            spdlog::info("screenshot written to {}", args.screenshot);
            break;
        }
        // 60 frames a second at most, as in operation (the benchmark too, unless asked not to).
        if (args.screenshot.empty() && !(args.benchFrames > 0 && args.benchUnpaced))
            std::this_thread::sleep_until(start + kFrameBudget);
    }
    if (frameMs.size() > 1) {
        // Frame time: the work the station does per frame (events, workflow, drawing, OpenGL and the
        // buffer swap). The first 30 frames (font atlas, first texture upload) are left out.
        const size_t warmUp = std::min<size_t>(30, frameMs.size() / 2);
        const double seconds = std::chrono::duration<double>(Clock::now() - benchStart).count();
        const double rate = static_cast<double>(frameMs.size() - warmUp) / std::max(1e-9, seconds);
        std::vector<double> sorted(frameMs.begin() + static_cast<std::ptrdiff_t>(warmUp), frameMs.end());
        const auto over =
            std::count_if(sorted.begin(), sorted.end(), [](double f) { return f > 1000.0 / 60.0; });
        std::sort(sorted.begin(), sorted.end());
        const auto pct = [&](double p) {
            return sorted[std::min(sorted.size() - 1,
                                   static_cast<size_t>(p * static_cast<double>(sorted.size())))];
        };
        int width = 0;
        int height = 0;
        window.framebufferSize(width, height);
        std::printf("screen %s, %dx%d, %s: frames %zu  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  "
                    "over 16.7 ms: %td  rate %.1f frames/s\n",
                    stationUi.currentTitle().c_str(), width, height,
                    args.benchUnpaced ? "unpaced" : "paced at 60 Hz", sorted.size(), pct(0.5), pct(0.9),
                    pct(0.99), sorted.back(), over, rate);
    }
    if (*hl7)
        (*hl7)->stop();
    if (server)
        server->stop();
    if (camera)
        camera->stop();
    deviceManager.stop();
    audit.append("station", "station.stop", config->station.name);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    ::umask(077); // database, WAL, images and keys are the owner's only
    admix::store::setAuditSealingEnabled(true);
    if (const char* env = std::getenv("ADMIX_AUDIT_KEY_DIR"); env && *env)
        admix::store::setAuditKeyDirOverride(std::filesystem::absolute(env));
    CLI::App cli{"Admix station: the touchscreen app at the compounding hood", "admix-station"};
    Args args;
    cli.set_version_flag("-V,--version", ADMIX_VERSION);
    cli.add_flag("--demo", args.demo, "Demo mode: demo users, formulary and orders, simulated devices");
    cli.add_option("--data-dir", args.dataDir,
                   "Data directory (default: $XDG_DATA_HOME/admix; demo: .../admix/demo)");
    cli.add_option("--config", args.configPath, "Configuration file (TOML)");
    cli.add_flag("--fullscreen", args.fullscreen, "Fill the primary monitor");
    cli.add_option("--screenshot", args.screenshot, "Render, save the window as this PNG file, and exit");
    cli.add_option("--frames", args.frames, "Frames to render before the screenshot")
        ->check(CLI::Range(1, 100000));
    cli.add_option("--ui-map", args.uiMap,
                   "Write the touch targets of the current screen to this JSON file (tests)");
    cli.add_option("--screenshot-dir", args.screenshotDir,
                   "Save a screenshot of the current screen here on Esc (tests)");
    cli.add_flag("--bench-unpaced", args.benchUnpaced,
                 "With --bench-frames: render back to back instead of at 60 Hz");
    cli.add_option("--bench-frames", args.benchFrames,
                   "Render this many frames (demo: a preparation with the live camera), print frame-time "
                   "percentiles, exit")
        ->check(CLI::Range(60, 1000000));
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }
    admix::store::setDemoExpected(args.demo);
    try {
        return run(args);
    } catch (const std::exception& e) {
        std::cerr << "admix-station: " << e.what() << '\n';
        return 1;
    }
}
