// admix version | db info | audit verify | audit tail
#include "station/app/cli.hpp"

#include "formulas/time.hpp"
#include "station/app/config.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/audit_seal.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

namespace admix::app {

std::filesystem::path resolveDataDir(const CliOptions& options) {
    std::filesystem::path dir;
    if (!options.dataDir.empty()) {
        dir = options.dataDir;
    } else {
        const auto config =
            loadConfig(options.configPath.empty() ? std::nullopt
                                                  : std::optional<std::filesystem::path>(options.configPath));
        if (!config)
            throw CliFailure(config.error().text());
        dir = config->station.dataDir.empty() ? store::defaultDataDir()
                                              : std::filesystem::path(config->station.dataDir);
    }
    store::prepareDataDir(dir);
    return dir;
}

void printJson(const nlohmann::json& value) {
    std::cout << value.dump() << '\n';
}

std::string readWholeFile(const std::string& path, size_t maxBytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw CliFailure("cannot read " + path);
    std::string text;
    std::array<char, 64 * 1024> chunk{};
    while (in) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        const auto got = static_cast<size_t>(in.gcount());
        if (text.size() + got > maxBytes)
            throw CliFailure(path + ": larger than " + std::to_string(maxBytes >> 20) +
                             " MiB; nothing was read from it (is it the right file?)");
        text.append(chunk.data(), got);
    }
    if (in.bad())
        throw CliFailure("cannot read " + path + ": read error");
    return text;
}

namespace {

std::vector<std::pair<int, CommandRegistrar>>& registry() {
    static std::vector<std::pair<int, CommandRegistrar>> entries;
    return entries;
}

} // namespace

CommandRegistration::CommandRegistration(int order, CommandRegistrar registrar) {
    registry().emplace_back(order, registrar);
}

void registerAllCommands(CLI::App& app, CliOptions& options) {
    auto entries = registry();
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [order, registrar] : entries)
        registrar(app, options);
}

namespace {

void registerCoreCommands(CLI::App& app, CliOptions& options) {
    auto* versionCmd = app.add_subcommand("version", "Print the version of Admix and of its schema");
    versionCmd->callback([&options] {
        if (options.json) {
            printJson({{"admix", ADMIX_VERSION},
                       {"schema", store::latestSchemaVersion()},
                       {"sqlite", sqlite3_libversion()}});
        } else {
            std::cout << "admix " << ADMIX_VERSION << " (database schema " << store::latestSchemaVersion()
                      << ", SQLite " << sqlite3_libversion() << ")\n";
        }
    });

    auto* db = app.add_subcommand("db", "The station database");
    db->require_subcommand(1);
    auto* info =
        db->add_subcommand("info", "Open (and migrate) the database and show where it is and its schema");
    info->callback([&options] {
        const auto dir = resolveDataDir(options);
        const auto path = store::databasePath(dir);
        store::Database database = store::openStationDatabase(path.string());
        const int version = store::schemaVersionOf(database);
        const std::string journal = database.queryText("PRAGMA journal_mode").value_or("?");
        if (options.json) {
            printJson({{"path", path.string()}, {"schema", version}, {"journal_mode", journal}});
        } else {
            std::cout << "database  " << path.string() << "\nschema    " << version << "\njournal   "
                      << journal << '\n';
        }
    });

    auto* audit = app.add_subcommand("audit", "The hash-chained audit trail");
    audit->require_subcommand(1);
    static std::string dbPath, keyDir;
    auto* verify = audit->add_subcommand(
        "verify",
        "Check the chain, the signed checkpoints and head (kept outside the database), the audit keys, and "
        "that every preparation's state fits its decision and e-signature rows; names what does not fit");
    verify->add_option("--db", dbPath, "Database file to verify (default: the station's)");
    verify->add_option("--key-dir", keyDir,
                       "Trusted public keys and signed head (default: the station's audit key directory)");
    verify->callback([&options] {
        if (!dbPath.empty() && !std::filesystem::exists(dbPath))
            throw CliFailure("no such database: " + dbPath);
        const std::string path =
            dbPath.empty() ? store::databasePath(resolveDataDir(options)).string() : dbPath;
        store::Database database = store::openStationDatabase(path);
        database.setObserver(nullptr); // verifying signs nothing
        const auto keys = keyDir.empty() ? store::auditKeyDirFor(path) : std::filesystem::path(keyDir);
        const store::AuditReport report = store::verifyAuditTrail(database, keys);
        if (options.json) {
            nlohmann::json findings = nlohmann::json::array();
            for (const auto& f : report.findings)
                findings.push_back(
                    {{"what", f.what}, {"row", f.rowId}, {"subject", f.subject}, {"message", f.message}});
            printJson({{"rows", report.rows},
                       {"ok", report.ok()},
                       {"first_bad_id",
                        report.ok() ? nlohmann::json(nullptr) : nlohmann::json(report.firstBadId())},
                       {"reason", report.ok() ? "" : report.findings.front().message},
                       {"checkpoints", report.checkpoints},
                       {"signed_up_to", report.signedUpTo},
                       {"preparations_checked", report.preparationsChecked},
                       {"key_dir", keys.string()},
                       {"findings", findings}});
        } else if (report.ok()) {
            std::cout << "audit trail intact: " << report.rows << " rows, head "
                      << (report.rows ? report.headHash : "-") << "\nsigned up to row " << report.signedUpTo
                      << " (" << report.checkpoints << " checkpoints, keys in " << keys.string() << "); "
                      << report.preparationsChecked
                      << " preparations fit their decision and e-signature rows\n";
            if (report.signedUpTo < report.rows)
                std::cout << "note: rows after " << report.signedUpTo
                          << " are not signed yet (sealed at the next checkpoint)\n";
        }
        if (!report.ok()) {
            for (const auto& f : report.findings)
                std::cerr << "admix: " << f.what << ": " << f.message << '\n';
            throw CliFailure("audit trail does not verify (" + std::to_string(report.findings.size()) +
                             " findings); first row concerned: row " + std::to_string(report.firstBadId()));
        }
    });
    auto* seal = audit->add_subcommand(
        "seal", "Sign a checkpoint of the newest row now (the station does this by itself)");
    seal->callback([&options] {
        const auto path = store::databasePath(resolveDataDir(options)).string();
        store::Database database = store::openStationDatabase(path);
        auto sealer = store::attachSealer(database, store::auditKeyDirFor(path));
        if (!sealer->sealNow(database))
            throw CliFailure(sealer->sealError());
        std::cout << "sealed: keys in " << sealer->keys().path().string() << '\n';
    });
    auto* rotate = audit->add_subcommand(
        "rotate-key",
        "Make a new audit signing key (the old public key stays trusted; recorded in the trail)");
    rotate->callback([&options] {
        const auto path = store::databasePath(resolveDataDir(options)).string();
        store::Database database = store::openStationDatabase(path);
        auto sealer = store::attachSealer(database, store::auditKeyDirFor(path));
        sealer->rotateKey(database, "admin-shell");
        const auto key = sealer->keys().signingPublicKey();
        std::cout << "new audit key " << (key ? key->keyId : "?") << " in " << sealer->keys().path().string()
                  << '\n';
    });
    auto* tail = audit->add_subcommand("tail", "Show the latest audit rows");
    static int limit = 20;
    tail->add_option("-n,--rows", limit, "How many rows")->check(CLI::Range(1, 100000));
    tail->callback([&options] {
        const auto dir = resolveDataDir(options);
        store::Database database = store::openStationDatabase(store::databasePath(dir).string());
        for (const auto& e : store::AuditLog(database).latest(limit)) {
            if (options.json)
                printJson({{"id", e.id},
                           {"at", e.atUtc},
                           {"actor", e.actor},
                           {"action", e.action},
                           {"subject", e.subject},
                           {"details", nlohmann::json::parse(e.details, nullptr, false)}});
            else
                std::cout << e.id << "  " << e.atUtc << "  " << e.actor << "  " << e.action << "  "
                          << e.subject << "  " << e.details << '\n';
        }
    });
    static std::string exportFrom, exportTo, exportSubject;
    auto* exportCmd = audit->add_subcommand(
        "export", "Export the audit trail as CSV for inspectors (with each row's hashes)");
    exportCmd->add_option("--from", exportFrom, "First day (YYYY-MM-DD, the station's local day)");
    exportCmd->add_option("--to", exportTo, "Last day (YYYY-MM-DD, the station's local day, inclusive)");
    exportCmd->add_option("--subject", exportSubject,
                          "Only rows about this preparation, order, user or room");
    exportCmd->callback([&options] {
        // Local days, as the EM report and the rest of the site's records: from the first second of
        // --from to the first second of the day after --to.
        std::optional<TimePoint> from;
        std::optional<TimePoint> until;
        for (const auto& [day, option] : {std::pair{&exportFrom, "--from"}, std::pair{&exportTo, "--to"}}) {
            if (day->empty())
                continue;
            const auto date = parseDate(*day);
            if (!date)
                throw CLI::ValidationError(option, "'" + *day + "' is not a date of the form YYYY-MM-DD");
            if (day == &exportFrom)
                from = localDayStart(*date);
            else
                until = localDayStart(Date{std::chrono::sys_days{*date} + std::chrono::days{1}});
        }
        const auto dir = resolveDataDir(options);
        store::Database database = store::openStationDatabase(store::databasePath(dir).string());
        store::AuditLog log(database);
        if (const auto broken = log.verify())
            std::cerr << "admix: warning: the audit trail is broken at row " << broken->id << ": "
                      << broken->reason << '\n';
        const auto csv = [](const std::string& field) {
            std::string out = "\"";
            for (char c : field)
                out += c == '"' ? std::string("\"\"") : std::string(1, c);
            return out + "\"";
        };
        if (!options.json)
            std::cout << "id,at_utc,actor,action,subject,details,prev_hash,hash\n";
        for (const auto& e : log.range(from, until, exportSubject)) {
            if (options.json)
                printJson({{"id", e.id},
                           {"at", e.atUtc},
                           {"actor", e.actor},
                           {"action", e.action},
                           {"subject", e.subject},
                           {"details", nlohmann::json::parse(e.details, nullptr, false)},
                           {"prev_hash", e.prevHash},
                           {"hash", e.hash}});
            else
                std::cout << e.id << ',' << e.atUtc << ',' << csv(e.actor) << ',' << csv(e.action) << ','
                          << csv(e.subject) << ',' << csv(e.details) << ',' << e.prevHash << ',' << e.hash
                          << '\n';
        }
    });
}

const CommandRegistration kCore(0, registerCoreCommands);

} // namespace

} // namespace admix::app
