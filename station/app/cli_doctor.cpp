// admix doctor: what a support person runs first. One line per check (ok, ACTION or unknown), exit
// status 1 when something needs action: the database and its schema, the site's set-up (what the
// station's first screen would list as missing), free disk, time
// synchronisation, the TLS certificate's expiry, each configured device, the camera, the printers,
// the age of the last backup.
#include "station/app/cli.hpp"

#include "devices/device_config.hpp"
#include "devices/device_manager.hpp"
#include "station/app/config.hpp"
#include "station/store/backup.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/formulary_service.hpp"
#include "station/workflow/site_setup.hpp"
#include "vision/frame_source.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

namespace admix::app {

namespace {

using nlohmann::json;

enum class Level { Ok, Action, Unknown };

struct Finding {
    std::string check;
    Level level = Level::Ok;
    std::string detail;
};

std::string runOutput(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>/dev/null").c_str(), "r"), ::pclose);
    if (!pipe)
        return "";
    std::string out;
    char buf[512];
    while (const size_t n = std::fread(buf, 1, sizeof buf, pipe.get()))
        out.append(buf, n);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}

Finding checkDatabase(const std::filesystem::path& dataDir) {
    const store::DatabaseHealth h = store::checkDatabase(dataDir);
    if (!h.reachable)
        return {"database", Level::Action, h.error};
    const std::string where = store::databasePath(dataDir).string();
    if (h.quickCheck != "ok")
        return {"database", Level::Action, where + ": quick check failed: " + h.quickCheck};
    if (h.schemaVersion > h.latestSchemaVersion)
        return {"database", Level::Action,
                where + ": schema " + std::to_string(h.schemaVersion) + " is newer than this Admix (" +
                    std::to_string(h.latestSchemaVersion) + ")"};
    if (h.auditBreak)
        return {"database", Level::Action,
                where + ": audit trail broken at row " + std::to_string(*h.auditBreak) + ": " +
                    h.auditReason};
    std::string detail =
        where + ": schema " + std::to_string(h.schemaVersion) +
        (h.schemaVersion < h.latestSchemaVersion
             ? " (migrated to " + std::to_string(h.latestSchemaVersion) + " when the station next opens it)"
             : " (current)") +
        ", quick check ok, audit trail intact (" + std::to_string(h.auditRows) + " rows)";
    return {"database", Level::Ok, detail};
}

// What the station's first screen would say is missing (workflow::setupGaps), read from the database
// opened read-only: users, an approved formulary, rooms and PECs, and this station's room and PEC when
// the configuration names them (a host that only serves the web check names neither).
Finding checkSite(const Config& config, const std::filesystem::path& dataDir) {
    const std::filesystem::path path = store::databasePath(dataDir);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return {"site", Level::Unknown, "not checked: no database"};
    try {
        store::Database db(path.string(), store::Database::Mode::ReadOnly);
        if (store::schemaVersionOf(db) != store::latestSchemaVersion())
            return {"site", Level::Unknown,
                    "not checked: the schema is migrated when the station next opens it"};
        store::AuditLog audit(db);
        store::ComplianceStore compliance(db, audit);
        auto gaps = workflow::setupGaps(db, audit, compliance, config.station.room, config.station.pec);
        if (config.station.room.empty() && config.station.pec.empty()) // a host without a hood
            std::erase_if(gaps, [](const workflow::SetupGap& g) { return g.thisStation; });
        if (!gaps.empty()) {
            std::string missing;
            for (const auto& g : gaps)
                missing += (missing.empty() ? "" : "; ") + g.missing.substr(0, g.missing.find(':'));
            return {"site", Level::Action,
                    "nothing can be prepared yet: " + missing +
                        " (the station's first screen gives the commands; README: Setting up a real site)"};
        }
        workflow::FormularyService formulary(db, audit);
        const auto latest = formulary.latestFiles();
        const auto approved = formulary.approved();
        std::string detail = "formulary version " + std::to_string(latest ? latest->version : 0) + ", " +
                             std::to_string(approved ? approved->recipeIds().size() : 0) +
                             " approved recipe version(s); users, rooms and PECs registered";
        if (!config.station.room.empty())
            detail += "; this station: " + config.station.room + " / " + config.station.pec;
        return {"site", Level::Ok, detail};
    } catch (const store::StoreError& e) {
        return {"site", Level::Unknown, std::string("not checked: ") + e.what()};
    }
}

Finding checkDisk(const std::filesystem::path& dataDir, double minFreeGb) {
    struct statvfs st {};
    if (::statvfs(dataDir.c_str(), &st) != 0)
        return {"disk", Level::Unknown, "cannot read the file system of " + dataDir.string()};
    const double freeGb = static_cast<double>(st.f_bavail) * static_cast<double>(st.f_frsize) / 1e9;
    const double totalGb = static_cast<double>(st.f_blocks) * static_cast<double>(st.f_frsize) / 1e9;
    char text[160];
    std::snprintf(text, sizeof text, "%.1f GB free of %.1f GB (%.0f%%) under %s", freeGb, totalGb,
                  totalGb > 0 ? 100.0 * freeGb / totalGb : 0.0, dataDir.c_str());
    return {"disk", freeGb < minFreeGb ? Level::Action : Level::Ok,
            std::string(text) + (freeGb < minFreeGb
                                     ? " - below " + std::to_string(static_cast<int>(minFreeGb)) + " GB"
                                     : "")};
}

Finding checkTime() {
    const std::string ntp = runOutput("timedatectl show -p NTPSynchronized --value");
    if (ntp == "yes")
        return {"time", Level::Ok, "synchronised (timedatectl)"};
    if (ntp == "no")
        return {"time", Level::Action,
                "the clock is not synchronised (timedatectl: NTPSynchronized=no); records carry its time"};
    const std::string chrony = runOutput("chronyc -n tracking");
    if (chrony.find("Leap status     : Normal") != std::string::npos)
        return {"time", Level::Ok, "synchronised (chrony)"};
    if (chrony.find("Not synchronised") != std::string::npos)
        return {"time", Level::Action, "the clock is not synchronised (chrony)"};
    return {"time", Level::Unknown, "unknown: neither timedatectl nor chrony answered"};
}

Finding checkCertificate(const Config& config, const std::filesystem::path& dataDir, int minDays) {
    std::filesystem::path cert = config.server.tlsCert;
    if (cert.empty())
        cert = dataDir / "remote" / "tls" / "cert.pem";
    std::error_code ec;
    if (!std::filesystem::exists(cert, ec)) {
        if (!config.server.tlsCert.empty())
            return {"certificate", Level::Action,
                    "the configured certificate " + cert.string() + " does not exist"};
        return {"certificate", Level::Ok, "none yet: admix serve makes a self-signed one on first start"};
    }
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(cert.c_str(), "r"), std::fclose);
    X509* x = file ? PEM_read_X509(file.get(), nullptr, nullptr, nullptr) : nullptr;
    if (x == nullptr)
        return {"certificate", Level::Action, cert.string() + " is not a readable PEM certificate"};
    std::unique_ptr<X509, void (*)(X509*)> owned(x, X509_free);
    int days = 0, seconds = 0;
    if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(x)) != 1)
        return {"certificate", Level::Action, cert.string() + ": cannot read its expiry"};
    if (days < 0 || (days == 0 && seconds <= 0))
        return {"certificate", Level::Action, cert.string() + " has expired"};
    const std::string detail = cert.string() + " expires in " + std::to_string(days) + " days";
    return {"certificate", days < minDays ? Level::Action : Level::Ok,
            days < minDays ? detail + " (renew it: fewer than " + std::to_string(minDays) + ")" : detail};
}

std::vector<Finding> checkDevices(const Config& config, int waitSeconds) {
    std::vector<Finding> out;
    const auto configs =
        devices::parseDeviceConfigs(config.text, config.sourcePath.empty() ? "defaults" : config.sourcePath);
    if (!configs) {
        out.push_back({"devices", Level::Action, configs.error().text()});
        return out;
    }
    // A hood station (its configuration names a room and PEC) cannot complete a preparation without a
    // balance (weigh steps) or a label printer (the label step): say so before anyone starts one.
    if (!config.station.room.empty() || !config.station.pec.empty()) {
        const auto has = [&](devices::DeviceKind kind) {
            return std::any_of(configs->begin(), configs->end(),
                               [kind](const devices::DeviceConfig& c) { return c.kind == kind; });
        };
        if (!has(devices::DeviceKind::Balance))
            out.push_back(
                {"devices", Level::Action,
                 "this hood station (station.room / station.pec set) has no balance in [[devices]]: "
                 "no weigh step can pass"});
        if (!has(devices::DeviceKind::Printer))
            out.push_back({"devices", Level::Action,
                           "this hood station (station.room / station.pec set) has no label printer in "
                           "[[devices]]: no label can be printed"});
    }
    if (configs->empty()) {
        if (out.empty())
            out.push_back({"devices", Level::Ok, "none configured"});
        return out;
    }
    devices::DeviceManager manager(*configs);
    manager.start();
    const auto answering = [](const devices::DeviceStatus& s) {
        return s.state == devices::ConnectionState::Connected || s.state == devices::ConnectionState::Reading;
    };
    for (int i = 0; i < waitSeconds * 10; ++i) {
        const auto statuses = manager.statuses();
        if (std::all_of(statuses.begin(), statuses.end(), answering))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (const auto& s : manager.statuses()) {
        const std::string what = s.name + " (" + std::string(devices::deviceKindName(s.kind)) + "): ";
        if (const devices::PrintQueue* queue =
                s.kind == devices::DeviceKind::Printer ? manager.printer(s.name) : nullptr) {
            // A print queue is "idle" until its first job: ask the printer itself (~HS over TCP).
            const auto probe = queue->probe();
            out.push_back({"printer", probe ? Level::Ok : Level::Action,
                           what + (probe ? *probe : probe.error().message)});
            continue;
        }
        const std::string check = s.kind == devices::DeviceKind::Printer ? "printer" : "device";
        out.push_back({check, answering(s) ? Level::Ok : Level::Action,
                       what + std::string(devices::connectionStateName(s.state)) +
                           (s.detail.empty() ? "" : ", " + s.detail)});
    }
    manager.stop();
    return out;
}

Finding checkCamera(const Config& config) {
    if (config.camera.source.empty())
        return {"camera", Level::Ok, "none configured"};
    vision::CameraSettings settings;
    settings.width = config.camera.width;
    settings.height = config.camera.height;
    auto source = vision::makeFrameSource(config.camera.source, settings);
    if (!source)
        return {"camera", Level::Action, source.error().text()};
    if (const Status opened = (*source)->open(); !opened)
        return {"camera", Level::Action, config.camera.source + ": " + opened.error().text()};
    std::string why = "no frame";
    for (int i = 0; i < 5; ++i) {
        auto frame = (*source)->read();
        if (frame && !frame->empty()) {
            const std::string detail = config.camera.source + ": frames of " + std::to_string(frame->cols) +
                                       "x" + std::to_string(frame->rows);
            (*source)->close();
            return {"camera", Level::Ok, detail};
        }
        if (!frame)
            why = frame.error().text();
    }
    (*source)->close();
    return {"camera", Level::Action, config.camera.source + ": " + why};
}

Finding checkBackup(const std::filesystem::path& backupDir, double maxAgeHours) {
    const auto newest = store::newestBackup(backupDir);
    if (!newest)
        return {"backup", Level::Action, "no verified backup in " + backupDir.string()};
    const auto at = parseIsoUtc(newest->createdUtc);
    if (!at)
        return {"backup", Level::Action, newest->dir.string() + ": its manifest has no time"};
    const double hours = std::chrono::duration<double, std::ratio<3600>>(nowUtc() - *at).count();
    char text[64];
    std::snprintf(text, sizeof text, "%.1f hours old", hours);
    return {"backup", hours > maxAgeHours ? Level::Action : Level::Ok,
            newest->dir.string() + ": " + text +
                (hours > maxAgeHours ? " (older than the nightly timer should make it)" : "")};
}

void registerDoctor(CLI::App& app, CliOptions& options) {
    static std::string backupDir = "/var/backups/admix";
    static double minFreeGb = 2, maxBackupHours = 26;
    static int certDays = 30, deviceWait = 5;
    auto* doctor = app.add_subcommand(
        "doctor", "Check the station: database, disk, time, certificate, devices, camera, printer, backups");
    doctor->add_option("--backup-dir", backupDir,
                       "Where the nightly backups go (default /var/backups/admix)");
    doctor->add_option("--min-free-gb", minFreeGb, "Free disk below this needs action (default 2)")
        ->check(CLI::Range(0.0, 1e6));
    doctor
        ->add_option("--max-backup-age-hours", maxBackupHours,
                     "An older last backup needs action (default 26)")
        ->check(CLI::Range(1.0, 1e6));
    doctor->add_option("--cert-days", certDays, "A certificate expiring sooner needs action (default 30)")
        ->check(CLI::Range(0, 3650));
    doctor->add_option("--device-wait", deviceWait, "Seconds to wait for devices to answer (default 5)")
        ->check(CLI::Range(1, 60));
    doctor->callback([&options] {
        const auto config =
            loadConfig(options.configPath.empty() ? std::nullopt
                                                  : std::optional<std::filesystem::path>(options.configPath));
        std::vector<Finding> findings;
        if (!config) {
            findings.push_back({"config", Level::Action, config.error().text()});
        } else {
            findings.push_back(
                {"config", Level::Ok, config->sourcePath.empty() ? "built-in defaults" : config->sourcePath});
            const std::filesystem::path dataDir =
                !options.dataDir.empty()          ? std::filesystem::path(options.dataDir)
                : config->station.dataDir.empty() ? store::defaultDataDir()
                                                  : std::filesystem::path(config->station.dataDir);
            findings.push_back(checkDatabase(dataDir));
            findings.push_back(checkSite(*config, dataDir));
            findings.push_back(
                checkDisk(std::filesystem::exists(dataDir) ? dataDir : dataDir.parent_path(), minFreeGb));
            findings.push_back(checkTime());
            findings.push_back(checkCertificate(*config, dataDir, certDays));
            for (auto& f : checkDevices(*config, deviceWait))
                findings.push_back(std::move(f));
            findings.push_back(checkCamera(*config));
            findings.push_back(checkBackup(backupDir, maxBackupHours));
        }
        bool action = false;
        json out = json::array();
        for (const auto& f : findings) {
            action = action || f.level == Level::Action;
            const char* level = f.level == Level::Ok ? "ok" : f.level == Level::Action ? "ACTION" : "unknown";
            if (options.json)
                out.push_back({{"check", f.check}, {"status", level}, {"detail", f.detail}});
            else
                std::printf("%-8s %-12s %s\n", level, f.check.c_str(), f.detail.c_str());
        }
        if (options.json)
            printJson(out);
        std::fflush(stdout);
        if (action)
            throw CliFailure("something needs action (lines marked ACTION)");
    });
}

const CommandRegistration kDoctor(97, registerDoctor);

} // namespace

} // namespace admix::app
