// admix backup DIR [--keep N] | admix restore BACKUP --data-dir DIR
#include "station/app/cli.hpp"

#include "station/app/config.hpp"
#include "station/store/backup.hpp"
#include "station/store/data_dir.hpp"

#include <iostream>

namespace admix::app {

namespace {

using nlohmann::json;

json reportJson(const store::BackupReport& r) {
    return {{"dir", r.dir.string()},     {"created_utc", r.createdUtc}, {"verified", r.verified()},
            {"schema", r.schemaVersion}, {"integrity", r.integrity},    {"audit_rows", r.auditRows},
            {"audit_head", r.auditHead}, {"orders", r.orders},          {"preparations", r.preparations},
            {"evidence", r.evidence},    {"images", r.images},          {"image_bytes", r.imageBytes},
            {"problems", r.problems}};
}

void printVerified(const store::BackupReport& r, const char* what) {
    std::cout << what << ' ' << r.dir.string() << "\n  verified: database integrity ok, audit trail intact ("
              << r.auditRows << " rows, head " << (r.auditHead.empty() ? "-" : r.auditHead.substr(0, 16))
              << "), " << r.images << " images match their SHA-256 (" << r.imageBytes << " bytes)\n  "
              << r.orders << " orders, " << r.preparations << " preparations, " << r.evidence
              << " evidence rows, schema " << r.schemaVersion << '\n';
}

// The data directory named by --data-dir or the configuration, without creating it.
std::filesystem::path dataDirWithoutCreating(const CliOptions& options) {
    if (!options.dataDir.empty())
        return options.dataDir;
    const auto config = loadConfig(
        options.configPath.empty() ? std::nullopt : std::optional<std::filesystem::path>(options.configPath));
    if (!config)
        throw CliFailure(config.error().text());
    return config->station.dataDir.empty() ? store::defaultDataDir()
                                           : std::filesystem::path(config->station.dataDir);
}

void registerBackupCommands(CLI::App& app, CliOptions& options) {
    static std::string dest;
    static int keep = 0;
    auto* backup =
        app.add_subcommand("backup", "Copy the database and the evidence images into DIR/admix-backup-<time> "
                                     "while the station runs, and verify the copy");
    backup->add_option("DIR", dest, "Folder that holds the backups (created owner-only if missing)")
        ->required();
    backup->add_option("--keep", keep, "Then remove all but the N newest verified backups in DIR")
        ->check(CLI::Range(1, 100000));
    backup->callback([&options] {
        const auto dataDir = resolveDataDir(options);
        const store::BackupReport r = store::backupDataDir(dataDir, dest);
        std::vector<std::filesystem::path> removed;
        if (r.verified() && keep > 0)
            removed = store::pruneBackups(dest, keep);
        if (options.json) {
            json out = reportJson(r);
            out["removed"] = json::array();
            for (const auto& p : removed)
                out["removed"].push_back(p.string());
            printJson(out);
        } else if (r.verified()) {
            printVerified(r, "backup");
            for (const auto& p : removed)
                std::cout << "  removed old backup " << p.string() << '\n';
        }
        if (!r.verified()) {
            std::string text = "the backup of " + dataDir.string() + " did not verify and was discarded:";
            for (const auto& p : r.problems)
                text += "\n  " + p;
            throw CliFailure(text);
        }
    });

    static std::string from;
    static bool verifyOnly = false;
    auto* restore = app.add_subcommand(
        "restore",
        "Restore a backup into an empty data directory (--data-dir DIR); a non-empty one is refused");
    restore->add_option("BACKUP", from, "A backup folder (DIR/admix-backup-<time>)")
        ->required()
        ->check(CLI::ExistingDirectory);
    restore->add_flag("--verify-only", verifyOnly, "Only verify the backup; restore nothing");
    restore->callback([&options] {
        if (verifyOnly) {
            const auto r = store::verifyBackup(from);
            if (options.json)
                printJson(reportJson(r));
            else if (r.verified())
                printVerified(r, "backup");
            if (!r.verified()) {
                std::string text = "backup " + from + " does not verify:";
                for (const auto& p : r.problems)
                    text += "\n  " + p;
                throw CliFailure(text);
            }
            return;
        }
        const auto target = dataDirWithoutCreating(options);
        const auto r = store::restoreBackup(from, target);
        if (options.json)
            printJson(reportJson(r));
        else
            printVerified(r, "restored into");
    });
}

const CommandRegistration kBackup(95, registerBackupCommands);

} // namespace

} // namespace admix::app
