// admix hl7 listen | parse | inbox | unmatched | outbox | map add|list|remove: the HL7 v2 interface
// with the pharmacy system (orders in over MLLP, dispense messages out).
#include "station/app/cli.hpp"

#include "station/app/config.hpp"
#include "station/app/hl7_host.hpp"
#include "station/hl7/interface.hpp"
#include "station/hl7/listener.hpp"
#include "station/hl7/message.hpp"
#include "station/hl7/mllp.hpp"
#include "station/hl7/order_message.hpp"
#include "station/hl7/outbox.hpp"
#include "station/hl7/service.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/demo_mark.hpp"
#include "station/store/hl7_repo.hpp"
#include "station/store/schema.hpp"

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace admix::app {

namespace {

using nlohmann::json;

volatile std::sig_atomic_t g_hl7Stop = 0;
extern "C" void onHl7Stop(int) {
    g_hl7Stop = 1;
}

Config loadCliConfig(const CliOptions& options) {
    auto config = loadConfig(
        options.configPath.empty() ? std::nullopt : std::optional<std::filesystem::path>(options.configPath));
    if (!config)
        throw CliFailure(config.error().text());
    return *config;
}

// The formulary maps point at: the demo one with --demo (or on a demo database), else the station's.
hl7::MappingFormulary loadFormulary(store::Database& db, store::AuditLog& audit) {
    auto f = hl7::mappingFormulary(db, audit, store::demoExpected().value_or(false));
    if (!f)
        throw CliFailure(f.error().text());
    return std::move(*f);
}

workflow::User cliUser(const std::string& name) {
    workflow::User u;
    u.username = name.empty() ? "cli" : name;
    u.displayName = u.username;
    u.role = workflow::Role::Pharmacist;
    return u;
}

json inboxJson(const store::Hl7InboxRow& r) {
    return {{"id", r.id},
            {"received", r.receivedUtc},
            {"sender", r.sender},
            {"control_id", r.controlId ? json(*r.controlId) : json(nullptr)},
            {"type", r.messageType},
            {"state", r.state},
            {"reason", r.reason},
            {"placer", r.placer},
            {"order_id", r.orderId ? json(*r.orderId) : json(nullptr)},
            {"resolved", r.resolvedUtc ? json(*r.resolvedUtc) : json(nullptr)}};
}

void printInbox(const std::vector<store::Hl7InboxRow>& rows, bool asJson) {
    if (asJson) {
        json out = json::array();
        for (const auto& r : rows)
            out.push_back(inboxJson(r));
        printJson(out);
        return;
    }
    for (const auto& r : rows)
        std::cout << r.id << "  " << r.receivedUtc << "  " << r.controlId.value_or("-") << "  "
                  << r.messageType << "  " << r.state << "  " << r.reason << '\n';
}

// "ADDR:PORT" (IPv6 in brackets) into its parts.
std::pair<std::string, int> splitListen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon + 1 >= listen.size())
        throw CLI::ValidationError("--listen", "expected ADDRESS:PORT, e.g. 127.0.0.1:2575");
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    const std::string port = listen.substr(colon + 1);
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) > 65535)
        throw CLI::ValidationError("--listen", "the port must be a number from 0 to 65535");
    return {host, std::stoi(port)};
}

struct ListenArgs {
    std::string listen;
    std::string tlsCert;
    std::string tlsKey;
    std::string outbound;
    bool demo = false;
};

struct MapArgs {
    std::string recipe;
    std::string give;
    std::string additive;
    std::string base;
    std::string by;
};

void registerHl7(CLI::App& app, CliOptions& options) {
    auto* hl7 =
        app.add_subcommand("hl7", "HL7 v2 interface with the pharmacy system (orders in, dispenses out)");
    hl7->require_subcommand(1);

    // [SECTION] listen
    static ListenArgs listenArgs;
    auto* listen = hl7->add_subcommand(
        "listen", "Receive orders over MLLP and send dispense messages (until SIGINT/SIGTERM)");
    listen->add_option("--listen", listenArgs.listen,
                       "Address and port (default from [hl7], else 127.0.0.1:2575)");
    listen->add_option("--tls-cert", listenArgs.tlsCert, "TLS certificate (PEM): MLLP over TLS")
        ->check(CLI::ExistingFile);
    listen->add_option("--tls-key", listenArgs.tlsKey, "TLS private key (PEM) of --tls-cert")
        ->check(CLI::ExistingFile);
    listen->add_option(
        "--outbound", listenArgs.outbound,
        "Where dispense messages go, HOST:PORT (default from [hl7] outbound_host/outbound_port)");
    listen->add_flag(
        "--demo", listenArgs.demo,
        "Demo: orders map to the demo formulary (its maps added: give code = recipe id, additive NDCs); "
        "without it, to the station's approved formulary");
    listen->callback([&options] {
        const Config config = loadCliConfig(options);
        // --demo here is the global --demo too: a real station's database is refused.
        if (listenArgs.demo)
            store::setDemoExpected(true);
        const bool demo = listenArgs.demo || store::demoExpected().value_or(false);
        auto settings = hl7ServiceConfig(config, resolveDataDir(options), demo);
        if (!settings)
            throw CliFailure(settings.error().text());
        hl7::ServiceConfig sc = std::move(*settings);
        if (!listenArgs.listen.empty())
            std::tie(sc.listener.address, sc.listener.port) = splitListen(listenArgs.listen);
        if (!listenArgs.tlsCert.empty() || !listenArgs.tlsKey.empty()) {
            sc.listener.tlsCert = listenArgs.tlsCert;
            sc.listener.tlsKey = listenArgs.tlsKey;
        }
        if (sc.listener.tlsCert.empty() != sc.listener.tlsKey.empty())
            throw CLI::ValidationError("--tls-cert", "give both --tls-cert and --tls-key, or neither");
        if (!listenArgs.outbound.empty())
            std::tie(sc.outbox.host, sc.outbox.port) = splitListen(listenArgs.outbound);

        hl7::Hl7Service service(sc);
        if (const Status s = service.start(); !s)
            throw CliFailure(s.error().text());
        if (service.demoMapsAdded() > 0)
            std::cout << "demo maps: " << service.demoMapsAdded() << " added\n";
        std::cout << service.describe() << std::endl;
        std::signal(SIGINT, onHl7Stop);
        std::signal(SIGTERM, onHl7Stop);
        while (!g_hl7Stop)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        service.stop();
        std::cout << "stopped" << std::endl;
    });

    // [SECTION] parse
    static std::string parseFile;
    auto* parse =
        hl7->add_subcommand("parse", "Read one HL7 v2 message file and show its segments, fields and order");
    parse
        ->add_option("FILE", parseFile,
                     "The message (segments ended by CR, LF or CRLF; an MLLP frame is unwrapped)")
        ->required()
        ->check(CLI::ExistingFile);
    parse->callback([&options] {
        std::string bytes = readWholeFile(parseFile);
        if (!bytes.empty() && bytes.front() == hl7::kMllpStart) {
            const auto end = bytes.find(hl7::kMllpEnd);
            bytes = bytes.substr(1, end == std::string::npos ? std::string::npos : end - 1);
        }
        const auto m = hl7::parseMessage(bytes);
        if (!m) {
            if (options.json)
                printJson({{"ok", false},
                           {"error",
                            {{"location", m.problem().location()},
                             {"code", m.problem().code},
                             {"reason", m.problem().reason}}}});
            throw CliFailure(parseFile + ": " + m.problem().text());
        }
        json segments = json::array();
        for (const auto& s : m->segments()) {
            json fields = json::object();
            for (int f = 1; f < static_cast<int>(s.fields.size()); ++f) {
                if (m->raw(s, f).empty())
                    continue;
                json reps = json::array();
                for (int r = 0; r < std::max(1, m->repetitions(s, f)); ++r) {
                    json comps = json::array();
                    for (int c = 1; c <= 12; ++c)
                        comps.push_back(m->value(s, f, c, 1, r));
                    while (!comps.empty() && comps.back() == "")
                        comps.erase(comps.end() - 1);
                    reps.push_back(comps.size() == 1 ? comps[0] : comps);
                }
                fields[s.id + "-" + std::to_string(f)] = reps.size() == 1 ? reps[0] : reps;
            }
            segments.push_back({{"segment", s.id}, {"sequence", s.sequence}, {"fields", fields}});
        }
        const hl7::Header& h = m->header();
        json out{{"ok", true},
                 {"type", h.messageType},
                 {"event", h.triggerEvent},
                 {"control_id", h.controlId},
                 {"version", h.version},
                 {"charset", h.charsetName},
                 {"sender", h.sender()},
                 {"segments", segments}};
        // Every ORC group is an order: "orders" lists them all, "order" is the first.
        const auto read = hl7::readPharmacyOrders(*m);
        if (const auto* groups = std::get_if<std::vector<hl7::OrderGroup>>(&read)) {
            out["orders"] = json::array();
            for (const auto& group : *groups) {
                const hl7::PharmacyOrder* o = &group.order;
                json components = json::array();
                for (const auto& c : o->components)
                    components.push_back({{"type", c.base ? "base" : "additive"},
                                          {"code", c.code},
                                          {"text", c.text},
                                          {"amount", c.amount ? json(*c.amount) : json(nullptr)},
                                          {"units", c.units}});
                auto opt = [](const std::optional<double>& v) {
                    return v ? json(*v) : json(nullptr);
                };
                out["order"] = {
                    {"control", o->control},
                    {"placer", o->placer},
                    {"filler", o->filler},
                    {"mrn", o->mrn},
                    {"patient", o->patientName},
                    {"birth_date", o->birthDate ? json(formatDate(*o->birthDate)) : json(nullptr)},
                    {"sex", o->sex},
                    {"location", o->location},
                    {"prescriber", o->prescriber},
                    {"priority", o->priority},
                    {"start", o->start ? json(formatIsoUtc(*o->start)) : json(nullptr)},
                    {"give_code", o->giveCode},
                    {"give_text", o->giveText},
                    {"give_amount", opt(o->giveAmount)},
                    {"give_units", o->giveUnits},
                    {"rate", opt(o->rate)},
                    {"rate_units", o->rateUnits},
                    {"route", o->route},
                    {"components", components},
                    {"weight_kg", opt(o->weightKg)},
                    {"height_cm", opt(o->heightCm)},
                    {"scr_mg_dl", opt(o->scrMgDl)},
                    {"notes", o->notes}};
                out["orders"].push_back(out["order"]);
            }
            out["order"] = out["orders"].front();
        } else {
            const auto& p = std::get<hl7::OrderProblem>(read);
            out["order_error"] = {{"ack", hl7::ackCodeName(p.code)},
                                  {"location", p.problem.location()},
                                  {"code", p.problem.code},
                                  {"reason", p.problem.reason}};
        }
        if (options.json) {
            printJson(out);
            return;
        }
        std::cout << h.messageType << "^" << h.triggerEvent << "  " << h.controlId << "  v" << h.version
                  << "  from " << h.sender() << '\n';
        for (const auto& s : segments)
            std::cout << "  " << s["segment"].get<std::string>() << " " << s["fields"].dump() << '\n';
        if (out.contains("order_error"))
            std::cout << "order: " << out["order_error"]["ack"].get<std::string>() << " "
                      << out["order_error"]["location"].get<std::string>() << ": "
                      << out["order_error"]["reason"].get<std::string>() << '\n';
    });

    // [SECTION] inbox, unmatched, outbox
    static std::string inboxState;
    auto* inbox =
        hl7->add_subcommand("inbox", "Every received message: when, control id, type, state, reason");
    inbox->add_option("--state", inboxState, "Only accepted, refused or held")
        ->check(CLI::IsMember({"accepted", "refused", "held"}));
    inbox->callback([&options] {
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        printInbox(store::Hl7Repo(db).inbox(inboxState, 100000), options.json);
    });
    auto* unmatched =
        hl7->add_subcommand("unmatched", "Orders not matched: held messages waiting for a recipe map");
    unmatched->callback([&options] {
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        printInbox(store::Hl7Repo(db).inbox("held", 100000), options.json);
    });
    auto* outbox = hl7->add_subcommand("outbox", "Dispense messages (RDS^O13) queued, sent and retried");
    outbox->callback([&options] {
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        const auto rows = store::Hl7Repo(db).outbox(100000);
        if (options.json) {
            json out = json::array();
            for (const auto& r : rows)
                out.push_back({{"id", r.id},
                               {"prep_id", r.prepId},
                               {"kind", r.kind},
                               {"queued", r.queuedUtc},
                               {"control_id", r.controlId ? json(*r.controlId) : json(nullptr)},
                               {"state", r.state},
                               {"attempts", r.attempts},
                               {"next_try", r.nextTryUtc ? json(*r.nextTryUtc) : json(nullptr)},
                               {"last_error", r.lastError},
                               {"sent", r.sentUtc ? json(*r.sentUtc) : json(nullptr)}});
            printJson(out);
            return;
        }
        for (const auto& r : rows)
            std::cout << r.id << "  " << r.kind << "  prep " << r.prepId << "  " << r.state << "  attempts "
                      << r.attempts << "  " << r.controlId.value_or("-") << "  " << r.lastError << '\n';
    });

    // [SECTION] waste-notice
    static std::string wasteState, wasteBy;
    auto* waste = hl7->add_subcommand("waste-notice",
                                      "Whether a rejection with waste that closes an HL7 order tells the "
                                      "pharmacy system (ORC-1 OC); without on|off, shows it");
    waste->add_option("STATE", wasteState, "on or off")->check(CLI::IsMember({"on", "off"}));
    waste->add_option("--by", wasteBy, "Who changes it (recorded in the audit trail)");
    waste->callback([&options] {
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        const hl7::MappingFormulary f = loadFormulary(db, audit);
        hl7::Hl7Interface interface(db, audit, f.formulary, f.policy);
        if (!wasteState.empty())
            if (const Status s = interface.setWasteNotice(wasteState == "on", cliUser(wasteBy)); !s)
                throw CliFailure(s.error().text());
        const bool on = interface.wasteNoticeEnabled();
        if (options.json)
            printJson({{"waste_notice", on}});
        else
            std::cout << "waste notice " << (on ? "on" : "off") << '\n';
    });

    // [SECTION] map
    auto* map = hl7->add_subcommand("map", "Which recipe an order's give code or additive + base codes mean");
    map->require_subcommand(1);
    static MapArgs mapArgs;
    auto* add = map->add_subcommand(
        "add", "Map a give code (RXE-2) or an additive code (RXC A) with an optional base code to a recipe");
    add->add_option("RECIPE", mapArgs.recipe, "Recipe id")->required();
    auto* give = add->add_option("--give", mapArgs.give, "RXE-2 give code");
    auto* additive = add->add_option("--additive", mapArgs.additive,
                                     "RXC additive code (an NDC: 10 or 11 digits, dashes optional)");
    add->add_option("--base", mapArgs.base, "RXC base code (optional; with --additive)")->needs(additive);
    add->add_option("--by", mapArgs.by, "Who maps it (recorded in the audit trail)");
    give->excludes(additive);
    add->callback([&options] {
        if (mapArgs.give.empty() == mapArgs.additive.empty())
            throw CLI::ValidationError("--give", "give exactly one of --give or --additive");
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        const hl7::MappingFormulary f = loadFormulary(db, audit);
        hl7::Hl7Interface interface(db, audit, f.formulary, f.policy);
        const bool isGive = !mapArgs.give.empty();
        if (const Status s =
                interface.addMap(isGive ? "give" : "additive", isGive ? mapArgs.give : mapArgs.additive,
                                 mapArgs.base, mapArgs.recipe, cliUser(mapArgs.by));
            !s)
            throw CliFailure(s.error().text());
        const int entered = interface.retryHeld();
        if (options.json)
            printJson({{"mapped", mapArgs.recipe}, {"held_orders_queued", entered}});
        else
            std::cout << "mapped to " << mapArgs.recipe << "; " << entered
                      << " held order(s) entered the queue\n";
    });
    auto* list = map->add_subcommand("list", "Every map");
    list->callback([&options] {
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        const auto rows = store::Hl7Repo(db).maps();
        if (options.json) {
            json out = json::array();
            for (const auto& r : rows)
                out.push_back({{"kind", r.kind},
                               {"code", r.code},
                               {"base_code", r.baseCode},
                               {"recipe", r.recipeId},
                               {"by", r.addedBy},
                               {"at", r.addedUtc}});
            printJson(out);
            return;
        }
        for (const auto& r : rows)
            std::cout << r.kind << "  " << r.code << (r.baseCode.empty() ? "" : " + " + r.baseCode) << "  -> "
                      << r.recipeId << '\n';
    });
    static MapArgs removeArgs;
    auto* remove = map->add_subcommand("remove", "Remove a map");
    auto* rgive = remove->add_option("--give", removeArgs.give, "RXE-2 give code");
    auto* radditive = remove->add_option("--additive", removeArgs.additive, "RXC additive code");
    remove->add_option("--base", removeArgs.base, "RXC base code")->needs(radditive);
    remove->add_option("--by", removeArgs.by, "Who removes it");
    rgive->excludes(radditive);
    remove->callback([&options] {
        if (removeArgs.give.empty() == removeArgs.additive.empty())
            throw CLI::ValidationError("--give", "give exactly one of --give or --additive");
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        const hl7::MappingFormulary f = loadFormulary(db, audit);
        hl7::Hl7Interface interface(db, audit, f.formulary, f.policy);
        const bool isGive = !removeArgs.give.empty();
        if (const Status s = interface.removeMap(isGive ? "give" : "additive",
                                                 isGive ? removeArgs.give : removeArgs.additive,
                                                 removeArgs.base, cliUser(removeArgs.by));
            !s)
            throw CliFailure(s.error().text());
        if (!options.json)
            std::cout << "removed\n";
        else
            printJson({{"removed", true}});
    });
}

const CommandRegistration kHl7(92, registerHl7);

} // namespace

} // namespace admix::app
