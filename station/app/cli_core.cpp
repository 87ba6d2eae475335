// admix version | db info | audit verify | audit tail
#include "station/app/cli.hpp"

#include "station/app/config.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "formulas/time.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <iostream>
#include <utility>
#include <vector>

namespace admix::app {

std::filesystem::path resolveDataDir(const CliOptions& options) {
    std::filesystem::path dir;
    if (!options.dataDir.empty()) {
        dir = options.dataDir;
    } else {
        const auto config = loadConfig(options.configPath.empty() ? std::nullopt
                                                                  : std::optional<std::filesystem::path>(options.configPath));
        if (!config)
            throw CliFailure(config.error().text());
        dir = config->station.dataDir.empty() ? store::defaultDataDir() : std::filesystem::path(config->station.dataDir);
    }
    store::prepareDataDir(dir);
    return dir;
}

void printJson(const nlohmann::json& value) { std::cout << value.dump() << '\n'; }

namespace {

std::vector<std::pair<int, CommandRegistrar>>& registry() {
    static std::vector<std::pair<int, CommandRegistrar>> entries;
    return entries;
}

} // namespace

CommandRegistration::CommandRegistration(int order, CommandRegistrar registrar) { registry().emplace_back(order, registrar); }

void registerAllCommands(CLI::App& app, CliOptions& options) {
    auto entries = registry();
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [order, registrar] : entries)
        registrar(app, options);
}

namespace {

void registerCoreCommands(CLI::App& app, CliOptions& options) {
    auto* versionCmd = app.add_subcommand("version", "Print the version of Admix and of its schema");
    versionCmd->callback([&options] {
        if (options.json) {
            printJson({{"admix", ADMIX_VERSION}, {"schema", store::latestSchemaVersion()}, {"sqlite", sqlite3_libversion()}});
        } else {
            std::cout << "admix " << ADMIX_VERSION << " (database schema " << store::latestSchemaVersion() << ", SQLite "
                      << sqlite3_libversion() << ")\n";
        }
    });

    auto* db = app.add_subcommand("db", "The station database");
    db->require_subcommand(1);
    auto* info = db->add_subcommand("info", "Open (and migrate) the database and show where it is and its schema");
    info->callback([&options] {
        const auto dir = resolveDataDir(options);
        const auto path = store::databasePath(dir);
        store::Database database = store::openStationDatabase(path.string());
        const int version = store::schemaVersionOf(database);
        const std::string journal = database.queryText("PRAGMA journal_mode").value_or("?");
        if (options.json) {
            printJson({{"path", path.string()}, {"schema", version}, {"journal_mode", journal}});
        } else {
            std::cout << "database  " << path.string() << "\nschema    " << version << "\njournal   " << journal << '\n';
        }
    });

    auto* audit = app.add_subcommand("audit", "The hash-chained audit trail");
    audit->require_subcommand(1);
    static std::string dbPath;
    auto* verify = audit->add_subcommand("verify", "Walk the audit chain and report the first row that does not fit");
    verify->add_option("--db", dbPath, "Database file to verify (default: the station's)");
    verify->callback([&options] {
        const std::string path =
            dbPath.empty() ? store::databasePath(resolveDataDir(options)).string() : dbPath;
        if (!dbPath.empty() && !std::filesystem::exists(dbPath))
            throw CliFailure("no such database: " + dbPath);
        store::Database database = store::openStationDatabase(path);
        store::AuditLog log(database);
        const auto broken = log.verify();
        const int64_t rows = log.count();
        if (options.json)
            printJson({{"rows", rows}, {"ok", !broken}, {"first_bad_id", broken ? nlohmann::json(broken->id) : nullptr},
                       {"reason", broken ? broken->reason : ""}});
        else if (!broken)
            std::cout << "audit trail intact: " << rows << " rows, head " << (rows ? log.latest(1).front().hash : "-")
                      << '\n';
        if (broken)
            throw CliFailure("audit trail broken at row " + std::to_string(broken->id) + ": " + broken->reason);
    });
    auto* tail = audit->add_subcommand("tail", "Show the latest audit rows");
    static int limit = 20;
    tail->add_option("-n,--rows", limit, "How many rows")->check(CLI::Range(1, 100000));
    tail->callback([&options] {
        const auto dir = resolveDataDir(options);
        store::Database database = store::openStationDatabase(store::databasePath(dir).string());
        for (const auto& e : store::AuditLog(database).latest(limit)) {
            if (options.json)
                printJson({{"id", e.id}, {"at", e.atUtc}, {"actor", e.actor}, {"action", e.action}, {"subject", e.subject},
                           {"details", nlohmann::json::parse(e.details, nullptr, false)}});
            else
                std::cout << e.id << "  " << e.atUtc << "  " << e.actor << "  " << e.action << "  " << e.subject << "  "
                          << e.details << '\n';
        }
    });
    static std::string exportFrom, exportTo, exportSubject;
    auto* exportCmd = audit->add_subcommand("export", "Export the audit trail as CSV for inspectors (with each row's hashes)");
    exportCmd->add_option("--from", exportFrom, "First day (YYYY-MM-DD, the station's local day)");
    exportCmd->add_option("--to", exportTo, "Last day (YYYY-MM-DD, the station's local day, inclusive)");
    exportCmd->add_option("--subject", exportSubject, "Only rows about this preparation, order, user or room");
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
            std::cerr << "admix: warning: the audit trail is broken at row " << broken->id << ": " << broken->reason << '\n';
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
                printJson({{"id", e.id}, {"at", e.atUtc}, {"actor", e.actor}, {"action", e.action}, {"subject", e.subject},
                           {"details", nlohmann::json::parse(e.details, nullptr, false)}, {"prev_hash", e.prevHash},
                           {"hash", e.hash}});
            else
                std::cout << e.id << ',' << e.atUtc << ',' << csv(e.actor) << ',' << csv(e.action) << ',' << csv(e.subject)
                          << ',' << csv(e.details) << ',' << e.prevHash << ',' << e.hash << '\n';
        }
    });
}

const CommandRegistration kCore(0, registerCoreCommands);

} // namespace

} // namespace admix::app
