// admix site | em | excursion | cleaning | garb | qual | compliance | bud
// The USP <797>/<800> compliance engine from the command line. Rules live in usp797/, storage in
// station/store/compliance_*; this file only parses options and prints. Signatures that close an
// excursion, override a gate or change site policy re-authenticate the signer through
// workflow::Authenticator: the PIN or password is read from standard input, never from the command line.
#include "station/app/cli.hpp"

#include "formulas/text.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/compliance_gate.hpp"
#include "usp797/bud.hpp"
#include "usp797/demo_site.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace admix::app {

namespace {

using nlohmann::json;

// [SECTION] Helpers

struct Station {
    store::Database db;
    store::AuditLog audit;
    store::ComplianceStore compliance;
    explicit Station(const CliOptions& options)
        : db(store::openStationDatabase(store::databasePath(resolveDataDir(options)).string())), audit(db),
          compliance(db, audit) {}
};

void check(const Status& status) {
    if (!status)
        throw CliFailure(status.error().text());
}

TimePoint timeOrNow(const std::string& text, const std::string& option) {
    return text.empty() ? nowUtc() : need(parseIsoUtc(text), option);
}

std::string readSecret(const std::string& who) {
    std::string line;
    if (!std::getline(std::cin, line))
        throw CliFailure("expected the PIN or password of " + who +
                         " on standard input (re-authentication for the signature)");
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

// Re-authenticates `user` in `role` for one action on one subject (audited "esign" by the workflow).
workflow::Signature esign(Station& s, const std::string& user, std::optional<workflow::Role> role,
                          const std::string& action, const std::string& subject, const std::string& meaning) {
    workflow::Authenticator auth(s.db, s.audit);
    auto sig = auth.sign(user, readSecret(user), role, action, subject, meaning);
    if (!sig)
        throw CliFailure(sig.error().text());
    return *sig;
}

// Binds usp797's signature interface to the workflow's re-authentication.
class ReauthenticatedSignatureAuthority final : public usp797::SignatureAuthority {
public:
    ReauthenticatedSignatureAuthority(Station& station, workflow::Role role, std::string action,
                                      std::string subject)
        : m_station(station), m_role(role), m_action(std::move(action)), m_subject(std::move(subject)) {}
    Result<usp797::ESignature> sign(const std::string& user, const std::string& meaning,
                                    const std::string& reason, TimePoint at) override {
        const auto sig = esign(m_station, user, m_role, m_action, m_subject, meaning + ": " + reason);
        return usp797::ESignature{sig.signer.username, meaning, reason, at,
                                  "re-authenticated (audit row " + std::to_string(sig.auditId) + ")"};
    }

private:
    Station& m_station;
    workflow::Role m_role;
    std::string m_action;
    std::string m_subject;
};

double number(const std::string& text, const std::string& option) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
        throw CLI::ValidationError(option, "'" + text + "' is not a number");
    return v;
}

std::string num(double v) {
    std::ostringstream out;
    out.precision(10);
    out << v;
    return out.str();
}

json dueJson(const usp797::DueItem& d) {
    return {{"task", usp797::scheduleTaskName(d.task)},  {"subject", d.subject},
            {"last", d.last ? formatDate(*d.last) : ""}, {"due", formatDate(d.due)},
            {"state", usp797::dueStateName(d.state)},    {"text", d.text}};
}

json excursionJson(const usp797::CorrectiveAction& a) {
    json j{{"id", a.id},
           {"sample", a.sampleId},
           {"room", a.room},
           {"kind", a.kind},
           {"summary", a.summary},
           {"opened", formatIsoUtc(a.opened)},
           {"sampled", formatIsoUtc(a.sampledAt)},
           {"open", a.open()},
           {"blocks_room", a.blocksRoom},
           {"genus_required", a.genusRequired},
           {"investigation", a.investigation.value_or("")},
           {"genus", a.genus.value_or("")},
           {"remediation", a.remediation.value_or("")},
           {"resample", a.resampleId ? json(*a.resampleId) : json(nullptr)},
           {"missing", usp797::missingForClosure(a)}};
    if (a.closure)
        j["closed"] = {{"by", a.closure->signer},
                       {"at", formatIsoUtc(a.closure->at)},
                       {"meaning", a.closure->meaning},
                       {"reason", a.closure->reason},
                       {"method", a.closure->method}};
    return j;
}

// `admix policy show|set|import` is in cli_policy.cpp (the USP limits and the formulas policy).

// [SECTION] site

void registerSite(CLI::App& app, CliOptions& options) {
    auto* site = app.add_subcommand("site", "Rooms and primary engineering controls (PECs)");
    site->require_subcommand(1);
    site->add_subcommand("show", "List rooms and PECs")->callback([&options] {
        Station s(options);
        json rooms = json::array(), pecs = json::array();
        for (const auto& r : s.compliance.rooms())
            rooms.push_back({{"code", r.code},
                             {"name", r.name},
                             {"iso", usp797::isoClassName(r.iso)},
                             {"pressure", usp797::pressureRegimeName(r.pressure)},
                             {"hazardous", r.hazardous},
                             {"certified", r.certified ? formatDate(*r.certified) : ""}});
        for (const auto& p : s.compliance.pecs())
            pecs.push_back({{"code", p.code},
                            {"room", p.room},
                            {"type", usp797::pecTypeName(p.type)},
                            {"categories", usp797::categoryListText(p.categories)},
                            {"hazardous", p.hazardous},
                            {"certified", p.certified ? formatDate(*p.certified) : ""}});
        if (options.json) {
            printJson({{"rooms", rooms}, {"pecs", pecs}});
            return;
        }
        for (const auto& r : rooms)
            std::cout << "room " << r["code"].get<std::string>() << "  " << r["iso"].get<std::string>()
                      << "  " << r["pressure"].get<std::string>()
                      << (r["hazardous"].get<bool>() ? "  HD" : "") << "  certified "
                      << r["certified"].get<std::string>() << '\n';
        for (const auto& p : pecs)
            std::cout << "pec  " << p["code"].get<std::string>() << "  in " << p["room"].get<std::string>()
                      << "  " << p["type"].get<std::string>() << "  categories "
                      << p["categories"].get<std::string>() << (p["hazardous"].get<bool>() ? "  HD" : "")
                      << "  certified " << p["certified"].get<std::string>() << '\n';
    });

    static std::string code, name, iso, pressure, certified, user, roomCode, type, categories, date;
    static bool hd = false;
    auto* room = site->add_subcommand("room-add", "Register a room");
    room->add_option("code", code)->required();
    room->add_option("--name", name, "Name shown on screens");
    room->add_option("--iso", iso, "ISO 5, 7, 8 or unclassified")->required();
    room->add_option("--pressure", pressure, "positive, negative or none")->required();
    room->add_flag("--hd", hd, "Hazardous-drug room (USP <800>)");
    room->add_option("--certified", certified, "Last certification date (YYYY-MM-DD)");
    room->add_option("--user", user, "Who registers it")->required();
    room->callback([&options] {
        usp797::Room r{code,
                       name.empty() ? code : name,
                       need(usp797::parseIsoClass(iso), "--iso"),
                       need(usp797::parsePressureRegime(pressure), "--pressure"),
                       hd,
                       std::nullopt};
        if (!certified.empty())
            r.certified = need(parseDate(certified), "--certified");
        Station s(options);
        check(s.compliance.addRoom(r, user));
        std::cout << "room " << code << " registered\n";
    });
    auto* pec = site->add_subcommand("pec-add", "Register a PEC (hood)");
    pec->add_option("code", code)->required();
    pec->add_option("--room", roomCode)->required();
    pec->add_option("--type", type, "lafw, bsc, cai or caci")->required();
    pec->add_option("--categories", categories, "Categories it may be used for, e.g. 1,2,3")->required();
    pec->add_flag("--hd", hd, "Used for hazardous drugs");
    pec->add_option("--certified", certified, "Last certification date (YYYY-MM-DD)");
    pec->add_option("--user", user, "Who registers it")->required();
    pec->callback([&options] {
        usp797::Pec p{code,
                      roomCode,
                      need(usp797::parsePecType(type), "--type"),
                      need(usp797::parseCategoryList(categories), "--categories"),
                      hd,
                      std::nullopt};
        if (!certified.empty())
            p.certified = need(parseDate(certified), "--certified");
        Station s(options);
        check(s.compliance.addPec(p, user));
        std::cout << "pec " << code << " registered\n";
    });
    auto* certify = site->add_subcommand("certify", "Record a room or PEC certification (quality role)");
    certify->add_option("code", code)->required();
    certify->add_option("--date", date, "Certification date (YYYY-MM-DD)")->required();
    certify->add_option("--user", user)->required();
    certify->callback([&options] {
        const Date day = need(parseDate(date), "--date");
        Station s(options);
        // A record in this person's name: their PIN or password on standard input, never taken on trust.
        (void)esign(s, user, std::nullopt, "site.certify", code, "certified on " + date);
        check(s.compliance.recordCertification(code, day, user));
        std::cout << code << " certified on " << date << '\n';
    });
    auto* demo = site->add_subcommand(
        "demo", "Register the demo site (3 rooms, 2 PECs); staff are added with `admix users add`");
    demo->add_option("--certified", certified, "Certification date of every room and PEC (default: today)");
    demo->add_option("--user", user, "Who registers it")->required();
    demo->callback([&options] {
        const Date when = certified.empty() ? localDate(nowUtc()) : need(parseDate(certified), "--certified");
        const auto demoSite = usp797::demoSite(when);
        Station s(options);
        for (const auto& r : demoSite.rooms)
            check(s.compliance.addRoom(r, user));
        for (const auto& p : demoSite.pecs)
            check(s.compliance.addPec(p, user));
        std::cout << "demo site registered: ";
        for (const auto& r : demoSite.rooms)
            std::cout << r.code << ' ';
        for (const auto& p : demoSite.pecs)
            std::cout << p.code << ' ';
        std::cout << "\nstaff used by the generated data (add them with `admix users add`):";
        for (const auto& p : demoSite.people)
            std::cout << ' ' << p.code << '(' << p.role << ')';
        std::cout << '\n';
    });
}

// [SECTION] em

void printReport(const std::vector<store::EmRow>& rows, const std::string& format, const std::string& from,
                 const std::string& to, const std::string& room) {
    if (format == "csv") {
        std::string out = "id,at_utc,kind,room,location,value,litres,measured,unit,limit,excursion,person,"
                          "device_or_lot,notes\n";
        for (const auto& r : rows) {
            const auto& x = r.sample;
            out += std::to_string(r.id) + ',' + formatIsoUtc(x.at) + ',' +
                   std::string(usp797::emKindName(x.kind)) + ',' + usp797::csvField(x.room) + ',' +
                   usp797::csvField(x.location) + ',' + num(x.value) + ',' +
                   (x.litres ? num(*x.litres) : "") + ',' + num(r.measured) + ',' + usp797::csvField(r.unit) +
                   ',' + usp797::csvField(r.limit) + ',' + (r.excursion ? "yes" : "no") + ',' +
                   usp797::csvField(x.person) + ',' + usp797::csvField(x.deviceOrLot) + ',' +
                   usp797::csvField(x.notes) + '\n';
        }
        std::cout << out;
        return;
    }
    struct Summary {
        size_t count = 0, excursions = 0;
        double min = 0, max = 0;
        std::string unit;
    };
    std::map<std::pair<std::string, std::string>, Summary> summary;
    size_t excursions = 0;
    // A year is thousands of rows: write the samples array directly instead of building a json tree.
    const auto str = [](std::string_view v) {
        return json(v).dump();
    };
    std::string samples = "[";
    for (const auto& r : rows) {
        const std::string kind(usp797::emKindName(r.sample.kind));
        auto& s = summary[{r.sample.room, kind}];
        s.min = s.count == 0 ? r.measured : std::min(s.min, r.measured);
        s.max = s.count == 0 ? r.measured : std::max(s.max, r.measured);
        ++s.count;
        s.excursions += r.excursion ? 1 : 0;
        s.unit = r.unit;
        excursions += r.excursion ? 1 : 0;
        if (samples.size() > 1)
            samples += ',';
        samples += "{\"id\":" + std::to_string(r.id) + ",\"at\":\"" + formatIsoUtc(r.sample.at) +
                   "\",\"kind\":\"" + kind + "\",\"room\":" + str(r.sample.room) +
                   ",\"location\":" + str(r.sample.location) + ",\"value\":" + num(r.sample.value) +
                   ",\"litres\":" + (r.sample.litres ? num(*r.sample.litres) : "null") +
                   ",\"measured\":" + num(r.measured) + ",\"unit\":" + str(r.unit) +
                   ",\"limit\":" + str(r.limit) + ",\"excursion\":" + (r.excursion ? "true" : "false") +
                   ",\"person\":" + str(r.sample.person) + ",\"device_or_lot\":" + str(r.sample.deviceOrLot) +
                   ",\"notes\":" + str(r.sample.notes) + "}";
    }
    samples += "]";
    json sum = json::array();
    for (const auto& [k, s] : summary)
        sum.push_back({{"room", k.first},
                       {"kind", k.second},
                       {"count", s.count},
                       {"excursions", s.excursions},
                       {"min", s.min},
                       {"max", s.max},
                       {"unit", s.unit}});
    json head{{"from", from},
              {"to", to},
              {"room", room.empty() ? json(nullptr) : json(room)},
              {"count", rows.size()},
              {"excursions", excursions},
              {"summary", sum}};
    std::string text = head.dump();
    text.pop_back(); // the closing brace
    std::cout << text << ",\"samples\":" << samples << "}\n";
}

void registerEm(CLI::App& app, CliOptions& options) {
    auto* em = app.add_subcommand("em", "Environmental monitoring: record, import, report, generate");
    em->require_subcommand(1);

    static std::string kind, room, location, value, litres, user, person, at, device, notes;
    auto* record = em->add_subcommand("record", "Record one result; an excursion opens a corrective action");
    record
        ->add_option("--kind", kind,
                     "viable_air, surface, particles, pressure, temperature, humidity, fridge, freezer")
        ->required();
    record->add_option("--room", room)->required();
    record->add_option("--location", location,
                       "Sampling site, PEC code (ISO 5), or PEC/site; fridge or freezer id");
    record->add_option("--value", value, "CFU, particles/m3, in. w.c. (negative rooms negative), C or %")
        ->required();
    record->add_option("--litres", litres, "Air sampled (viable air)");
    record->add_option("--user", user, "Who enters it")->required();
    record->add_option("--person", person, "Who sampled (default: --user)");
    record->add_option("--at", at, "When sampled, UTC (default: now)");
    record->add_option("--device", device, "Instrument or media lot");
    record->add_option("--notes", notes);
    record->callback([&options] {
        usp797::EmSample x;
        x.kind = need(usp797::parseEmKind(kind), "--kind");
        x.at = timeOrNow(at, "--at");
        x.room = room;
        x.location = location.empty() ? room : location;
        x.value = number(value, "--value");
        if (!litres.empty())
            x.litres = number(litres, "--litres");
        x.person = person.empty() ? user : person;
        x.deviceOrLot = device;
        x.notes = notes;
        Station s(options);
        (void)esign(s, user, std::nullopt, "em.record", x.room,
                    std::string(usp797::emKindName(x.kind)) + " result " + value);
        const auto rec = s.compliance.recordSample(x, user);
        if (!rec)
            throw CliFailure(rec.error().text());
        if (options.json)
            printJson({{"id", rec->sampleId},
                       {"measured", rec->evaluation.measured},
                       {"unit", rec->evaluation.unit},
                       {"excursion", rec->evaluation.excursion},
                       {"message", rec->evaluation.message},
                       {"corrective_action",
                        rec->correctiveActionId ? json(*rec->correctiveActionId) : json(nullptr)}});
        else
            std::cout << "recorded #" << rec->sampleId << ": " << rec->evaluation.message
                      << (rec->correctiveActionId ? "\nEXCURSION: corrective action #" +
                                                        std::to_string(*rec->correctiveActionId) + " opened"
                                                  : "")
                      << '\n';
    });

    static std::string file;
    auto* import = em->add_subcommand(
        "import", "Import a CSV file: all rows or none; every bad row reported with its line");
    import->add_option("file", file)->required();
    import->add_option("--user", user, "Who imports it")->required();
    import->callback([&options] {
        const std::string text = readWholeFile(file); // capped: an endless file is refused, not read
    Station s(options);
    const auto result = s.compliance.importCsv(text, std::filesystem::path(file).filename().string(), user);
    if (!result.problems.empty()) {
        for (const auto& p : result.problems)
            std::cerr << file << ": " << p.text() << '\n';
        throw CliFailure(file + ": " + std::to_string(result.problems.size()) +
                         " bad row(s); nothing was imported");
    }
    if (options.json)
        printJson({{"file", file}, {"imported", result.imported}, {"excursions", result.excursions}});
    else
        std::cout << "imported " << result.imported << " results, " << result.excursions
                  << " excursion(s) opened\n";
});

static std::string from, to, format = "json";
auto* report =
    em->add_subcommand("report", "Results between two dates (from inclusive, to inclusive) as CSV or JSON");
report->add_option("--from", from, "First day (YYYY-MM-DD)")->required();
report->add_option("--to", to, "Last day (YYYY-MM-DD)")->required();
report->add_option("--room", room, "Only this room");
report->add_option("--format", format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
report->callback([&options] {
    const Date f = need(parseDate(from), "--from");
    const Date t = need(parseDate(to), "--to");
    if (std::chrono::sys_days{t} < std::chrono::sys_days{f})
        throw CLI::ValidationError("--to", "is before --from");
    Station s(options);
    if (!room.empty() && !s.compliance.room(room))
        throw CliFailure("room '" + room + "' is not registered");
    // Local days, as the site keeps its records: from the first second of `from` to the
    // first second of the day after `to`.
    const auto rows = s.compliance.samples(
        localDayStart(f), localDayStart(Date{std::chrono::sys_days{t} + std::chrono::days{1}}),
        room.empty() ? std::nullopt : std::optional<std::string>(room));
    printReport(rows, format, from, to, room);
});

static std::string siteName = "demo", out, start;
static int days = 365;
static unsigned seed = 797;
auto* generate = em->add_subcommand("generate", "Write realistic monitoring data for the demo site as CSV");
generate->add_option("--site", siteName, "Only 'demo' (3 rooms, 2 PECs, 10 staff)")
    ->check(CLI::IsMember({"demo"}));
generate->add_option("--days", days, "How many days")->check(CLI::Range(1, 3660));
generate->add_option("--start", start, "First day (default: that many days before today)");
generate->add_option("--seed", seed, "Random seed (same seed, same data)");
generate->add_option("--out", out, "Output CSV file")->required();
generate->callback([&options] {
    const auto today = std::chrono::sys_days{localDate(nowUtc())};
    const Date first =
        start.empty() ? Date{today - std::chrono::days{days}} : need(parseDate(start), "--start");
    const auto data = usp797::generateDemoEm(usp797::demoSite(first), first, days, seed);
    std::ofstream csv(out, std::ios::binary | std::ios::trunc);
    if (!csv)
        throw CliFailure(out + ": cannot write");
    csv << usp797::emCsvHeader();
    for (const auto& x : data.samples)
        csv << usp797::emCsvLine(x);
    csv.close();
    if (!csv)
        throw CliFailure(out + ": write failed");
    if (options.json)
        printJson(
            {{"out", out}, {"samples", data.samples.size()}, {"planted_excursions", data.plantedExcursions}});
    else
        std::cout << "wrote " << data.samples.size() << " results (" << data.plantedExcursions
                  << " planted excursions) to " << out << '\n';
});
} // namespace

// [SECTION] excursion

void registerExcursion(CLI::App& app, CliOptions& options) {
    auto* ex = app.add_subcommand("excursion", "Excursions and their corrective actions");
    ex->require_subcommand(1);
    static bool all = false;
    static std::string room, user, investigation, genus, remediation, reason;
    static int64_t id = 0, resample = 0;
    auto* list = ex->add_subcommand("list", "Open corrective actions (or all with --all)");
    list->add_flag("--all", all);
    list->add_option("--room", room);
    list->callback([&options] {
        Station s(options);
        for (const auto& a : s.compliance.correctiveActions(
                 !all, room.empty() ? std::nullopt : std::optional<std::string>(room))) {
            if (options.json) {
                printJson(excursionJson(a));
                continue;
            }
            std::cout << '#' << a.id << "  " << a.room << "  " << a.kind << "  " << a.summary << "  sampled "
                      << formatIsoUtc(a.sampledAt)
                      << (a.open() ? "  OPEN" : "  closed by " + a.closure->signer) << '\n';
            if (a.open()) {
                const auto missing = usp797::missingForClosure(a);
                for (const auto& m : missing)
                    std::cout << "      missing: " << m << '\n';
            }
        }
    });
    auto* update = ex->add_subcommand("update", "Add investigation, genus, remediation or the re-sample");
    update->add_option("id", id)->required();
    update->add_option("--user", user)->required();
    update->add_option("--investigation", investigation);
    update->add_option("--genus", genus, "Organism identified to genus");
    update->add_option("--remediation", remediation);
    update->add_option("--resample", resample, "Id of the re-sample result (from em record)");
    update->callback([&options] {
        store::CorrectiveActionUpdate u;
        if (!investigation.empty())
            u.investigation = investigation;
        if (!genus.empty())
            u.genus = genus;
        if (!remediation.empty())
            u.remediation = remediation;
        if (resample > 0)
            u.resampleId = resample;
        Station s(options);
        check(s.compliance.updateCorrectiveAction(id, u, user));
        std::cout << "excursion #" << id << " updated\n";
    });
    auto* close =
        ex->add_subcommand("close", "Close with the QA e-signature (PIN or password on standard input)");
    close->add_option("id", id)->required();
    close->add_option("--user", user, "Quality user signing")->required();
    close->add_option("--reason", reason, "Signature statement")->required();
    close->callback([&options] {
        Station s(options);
        const auto ca = s.compliance.correctiveAction(id);
        if (!ca)
            throw CliFailure("excursion " + std::to_string(id) + ": no such corrective action");
        const auto missing = usp797::missingForClosure(*ca);
        if (!missing.empty() && ca->open()) {
            std::string text;
            for (const auto& m : missing)
                text += (text.empty() ? "" : ", ") + m;
            throw CliFailure("excursion " + std::to_string(id) + ": cannot close yet; missing: " + text);
        }
        const std::string subject = "excursion:" + std::to_string(id);
        ReauthenticatedSignatureAuthority authority(s, workflow::Role::Quality, "excursion.close", subject);
        const auto sig = authority.sign(user, "close excursion " + std::to_string(id), reason, nowUtc());
        if (!sig)
            throw CliFailure(sig.error().text());
        check(s.compliance.closeCorrectiveAction(id, *sig));
        std::cout << "excursion #" << id << " closed by " << sig->signer << '\n';
    });
}

// [SECTION] cleaning, garbing, qualification

void registerCleaningGarbingQual(CLI::App& app, CliOptions& options) {
    static std::string area, task, actions, agent, lot, user, at, room, step, kind, date, level = "cat12",
                                                                                          notes, person;
    static int64_t session = 0;
    static int seconds = 0, cfu = -1;
    static bool pass = false, fail = false, hd = false;

    auto* cleaning = app.add_subcommand("cleaning", "Cleaning log");
    cleaning->require_subcommand(1);
    auto* log = cleaning->add_subcommand("log", "Log a cleaning task");
    log->add_option("--area", area, "Room or PEC code")->required();
    log->add_option("--task", task, "daily, monthly or sporicidal")->required();
    log->add_option("--actions", actions, "In order, e.g. deactivation,decontamination,cleaning,disinfection")
        ->required();
    log->add_option("--agent", agent)->required();
    log->add_option("--lot", lot)->required();
    log->add_option("--user", user, "Who cleaned")->required();
    log->add_option("--at", at, "When, UTC (default: now)");
    log->callback([&options] {
        usp797::CleaningRecord r{timeOrNow(at, "--at"),
                                 area,
                                 need(usp797::parseCleaningTask(task), "--task"),
                                 need(usp797::parseCleaningActions(actions), "--actions"),
                                 agent,
                                 lot,
                                 user};
        Station s(options);
        (void)esign(s, user, std::nullopt, "cleaning.log", area, task + " cleaning");
        const auto id = s.compliance.logCleaning(r);
        if (!id)
            throw CliFailure(id.error().text());
        std::cout << "cleaning #" << *id << " logged\n";
    });

    auto* garb = app.add_subcommand("garb", "Garbing: procedure, sessions per person per entry");
    garb->require_subcommand(1);
    auto* procedure =
        garb->add_subcommand("procedure", "Print the garbing steps (USP <797>, or <800> with --hd)");
    procedure->add_flag("--hd", hd);
    procedure->callback([&options] {
        Station s(options);
        json steps = json::array();
        for (const auto& st : usp797::garbingProcedure(hd, s.compliance.policy()))
            steps.push_back({{"id", st.id}, {"text", st.text}, {"min_seconds", st.minSeconds}});
        if (options.json)
            printJson(steps);
        else
            for (size_t i = 0; i < steps.size(); ++i)
                std::cout << i + 1 << ". " << steps[i]["id"].get<std::string>() << ": "
                          << steps[i]["text"].get<std::string>()
                          << (steps[i]["min_seconds"].get<int>() > 0
                                  ? " (at least " + std::to_string(steps[i]["min_seconds"].get<int>()) + " s)"
                                  : "")
                          << '\n';
    });
    auto* start = garb->add_subcommand("start", "A person enters: start a garbing session for a room");
    start->add_option("--user", user)->required();
    start->add_option("--room", room)->required();
    start->callback([&options] {
        Station s(options);
        const auto id = s.compliance.startGarbing(user, room);
        if (!id)
            throw CliFailure(id.error().text());
        if (options.json)
            printJson({{"session", *id}});
        else
            std::cout << "garbing session " << *id << " started\n";
    });
    auto* stepCmd = garb->add_subcommand("step", "Record the next step (with its duration for timed steps)");
    stepCmd->add_option("--session", session)->required();
    stepCmd->add_option("--step", step)->required();
    stepCmd->add_option("--seconds", seconds, "How long it took (hand wash)");
    stepCmd->callback([&options] {
        Station s(options);
        check(s.compliance.garbingStep(session, step, seconds));
        std::cout << step << " done\n";
    });
    for (auto [name, what, k] :
         {std::tuple{"glove-change", "Outer gloves changed", usp797::GarbingEvent::Kind::GloveChange},
          std::tuple{"gown-change", "Gown changed", usp797::GarbingEvent::Kind::GownChange}}) {
        auto* change = garb->add_subcommand(name, what);
        change->add_option("--session", session)->required();
        change->callback([&options, k = k, what = what] {
            Station s(options);
            check(s.compliance.garbingChange(session, k));
            std::cout << what << '\n';
        });
    }
    auto* exit = garb->add_subcommand("exit", "The person left: the session ends");
    exit->add_option("--session", session)->required();
    exit->callback([&options] {
        Station s(options);
        check(s.compliance.endGarbing(session));
        std::cout << "garbing session " << session << " ended\n";
    });

    auto* qual = app.add_subcommand("qual", "Personnel qualification results");
    qual->require_subcommand(1);
    auto* rec = qual->add_subcommand(
        "record", "Record training, fingertip, media-fill or garbing results (quality role)");
    rec->add_option("--person", person)->required();
    rec->add_option("--kind", kind,
                    "training, initial_fingertip, media_fill, post_media_fill_fingertip, garbing")
        ->required();
    rec->add_option("--date", date, "YYYY-MM-DD")->required();
    rec->add_option("--level", level, "cat12 or cat3");
    rec->add_option("--cfu", cfu, "CFU counted (fingertip kinds)");
    rec->add_flag("--pass", pass, "Passed (training, media fill, garbing)");
    rec->add_flag("--fail", fail, "Failed");
    rec->add_option("--notes", notes);
    rec->add_option("--user", user, "Quality user recording it")->required();
    rec->callback([&options] {
        usp797::QualEvent e;
        e.kind = need(usp797::parseQualKind(kind), "--kind");
        e.date = need(parseDate(date), "--date");
        e.level = need(usp797::parseQualLevel(level), "--level");
        const bool fingertip = e.kind == usp797::QualKind::InitialFingertip ||
                               e.kind == usp797::QualKind::PostMediaFillFingertip;
        if (cfu >= 0)
            e.cfu = cfu;
        if (!fingertip && pass == fail)
            throw CLI::ValidationError("--pass/--fail", "give exactly one of --pass or --fail");
        e.passed = pass;
        Station s(options);
        (void)esign(s, user, std::nullopt, "qual.record", person, kind + " on " + date);
        const auto id = s.compliance.recordQualification(person, e, user, notes);
        if (!id)
            throw CliFailure(id.error().text());
        std::cout << "qualification #" << *id << " recorded\n";
    });
}

// [SECTION] compliance

void registerCompliance(CLI::App& app, CliOptions& options) {
    auto* compliance = app.add_subcommand("compliance", "What is due; may a person start a preparation");
    compliance->require_subcommand(1);
    static std::string person, room, category, pec, at, pharmacist, reason;
    static int64_t decision = 0;
    auto* status =
        compliance->add_subcommand("status", "Due and overdue tasks, qualification states, open excursions");
    status->add_option("--person", person);
    status->add_option("--room", room);
    status->callback([&options] {
        Station s(options);
        if (!room.empty() && !s.compliance.room(room))
            throw CliFailure("room '" + room + "' is not registered");
        if (!person.empty() && !s.compliance.person(person))
            throw CliFailure("'" + person + "' is not a station user");
        const auto st =
            s.compliance.status(nowUtc(), person.empty() ? std::nullopt : std::optional<std::string>(person),
                                room.empty() ? std::nullopt : std::optional<std::string>(room));
        json due = json::array(), quals = json::array(), open = json::array();
        for (const auto& d : st.due)
            due.push_back(dueJson(d));
        for (const auto& [who, q] : st.qualifications)
            quals.push_back({{"person", who},
                             {"category", usp797::categoryName(q.category)},
                             {"qualified", q.qualified},
                             {"lapses", q.lapses ? formatDate(*q.lapses) : ""},
                             {"reasons", q.reasons}});
        for (const auto& a : st.openExcursions)
            open.push_back(excursionJson(a));
        if (options.json) {
            printJson({{"due", due}, {"qualifications", quals}, {"open_excursions", open}});
            return;
        }
        for (const auto& d : st.due)
            std::cout << (usp797::isCompliant(d.state) ? "  " : "! ") << d.text << '\n';
        for (const auto& [who, q] : st.qualifications)
            std::cout << (q.qualified ? "  " : "! ") << who << " " << usp797::categoryLabel(q.category)
                      << ": "
                      << (q.qualified
                              ? "qualified until " + (q.lapses ? formatDate(*q.lapses) : std::string("?"))
                              : "NOT qualified")
                      << '\n';
        for (const auto& a : st.openExcursions)
            std::cout << "! open excursion #" << a.id << " in " << a.room << ": " << a.summary << '\n';
    });
    auto* gate = compliance->add_subcommand(
        "gate", "May PERSON start a preparation of CATEGORY in PEC now? (exit 1 when not)");
    gate->add_option("--person", person)->required();
    gate->add_option("--category", category, "1, 2, 3 or immediate")->required();
    gate->add_option("--pec", pec, "PEC code (may be omitted for immediate use)");
    gate->add_option("--at", at, "Ask as of this UTC time (default: now)");
    static bool hazardous = false;
    gate->add_flag("--hazardous", hazardous, "The preparation contains a hazardous drug (USP <800>)");
    gate->callback([&options] {
        // No room: the PEC's own room (the store fills it in), as the station's start in that room asks.
        const usp797::GateRequest req{person,    need(usp797::parseCategory(category), "--category"),
                                      pec,       timeOrNow(at, "--at"),
                                      hazardous, ""};
        Station s(options);
        const auto out = s.compliance.checkGate(req);
        json reasons = json::array();
        for (const auto& r : out.decision.reasons)
            reasons.push_back({{"code", r.code}, {"message", r.message}, {"overridable", r.overridable}});
        if (options.json)
            printJson({{"decision", out.decisionId},
                       {"allowed", out.decision.allowed},
                       {"overridable", out.decision.overridable()},
                       {"reasons", reasons}});
        else if (out.decision.allowed)
            std::cout << "allowed (decision " << out.decisionId << ")\n";
        else
            for (const auto& r : out.decision.reasons)
                std::cout << "- " << r.message << (r.overridable ? " [a pharmacist may override]" : "")
                          << '\n';
        if (!out.decision.allowed)
            throw CliFailure("not allowed (decision " + std::to_string(out.decisionId) + ", " +
                             std::to_string(out.decision.reasons.size()) + " reason(s))");
    });
    auto* override = compliance->add_subcommand(
        "override", "A pharmacist overrides a refused gate where policy allows (PIN/password on stdin)");
    override->add_option("decision", decision)->required();
    override->add_option("--pharmacist", pharmacist)->required();
    override->add_option("--reason", reason)->required();
    override->callback([&options] {
        Station s(options);
        const auto sig = esign(s, pharmacist, workflow::Role::Pharmacist, "gate.override",
                               "gate:" + std::to_string(decision), reason);
        // The one override path (station, CLI, web): policy-checked per reason; it lets one matching
        // preparation start within gate.override_valid_minutes.
        workflow::StoreComplianceGate storeGate(s.compliance);
        check(workflow::overrideGateDecision(storeGate, decision, sig));
        std::cout << "gate decision " << decision << " overridden by " << pharmacist
                  << "; one preparation may now start ("
                  << s.compliance.policy().whole("gate.override_valid_minutes") << " min)\n";
    });
}

// [SECTION] bud

void registerBud(CLI::App& app, CliOptions& options) {
    static std::string category, method = "aseptic", storage, preparedAt;
    static bool tested = false, nonsterile = false;
    static std::vector<std::string> expiries, sdv, mdv;
    auto* bud = app.add_subcommand("bud", "Beyond-use date (USP <797> 2023) from the site policy tables");
    bud->add_option("--category", category, "1, 2, 3 or immediate")->required();
    bud->add_option("--method", method, "aseptic or terminal");
    bud->add_flag("--sterility-tested", tested, "Sterility-tested and passed");
    bud->add_flag("--nonsterile-components", nonsterile, "One or more nonsterile starting components");
    bud->add_option("--storage", storage, "room, fridge or freezer")->required();
    bud->add_option("--prepared-at", preparedAt, "Start of preparation, UTC (default: now)");
    bud->add_option("--component-expiry", expiries,
                    "Expiry of a component or component CSP's BUD (ISO date = 00:00 UTC that day, or "
                    "date-time); repeatable");
    bud->add_option("--sdv-punctured", sdv, "Time a single-dose vial was punctured in ISO 5; repeatable");
    bud->add_option("--mdv-punctured", mdv, "Time a multiple-dose vial was first punctured; repeatable");
    bud->callback([&options] {
        usp797::BudRequest req;
        req.category = need(usp797::parseCategory(category), "--category");
        req.method = need(usp797::parsePrepMethod(method), "--method");
        req.storage = need(usp797::parseStorage(storage), "--storage");
        req.sterilityTested = tested;
        req.nonsterileComponents = nonsterile;
        req.preparedAt = timeOrNow(preparedAt, "--prepared-at");
        int n = 0;
        for (const auto& e : expiries)
            req.components.push_back({usp797::ComponentLimit::Kind::Expiry,
                                      need(parseIsoUtc(e), "--component-expiry"),
                                      "component " + std::to_string(++n) + " (" + e + ")", std::nullopt});
        for (const auto& e : sdv)
            req.components.push_back({usp797::ComponentLimit::Kind::SingleDoseVialPunctured,
                                      need(parseIsoUtc(e), "--sdv-punctured"), "(" + e + ")", std::nullopt});
        for (const auto& e : mdv)
            req.components.push_back({usp797::ComponentLimit::Kind::MultiDoseVialPunctured,
                                      need(parseIsoUtc(e), "--mdv-punctured"), "(" + e + ")", std::nullopt});
        // The site's policy when a station database is reachable, else the built-in defaults.
        usp797::SitePolicy policy = usp797::SitePolicy::defaults();
        std::string policySource = "built-in defaults";
        if (!options.dataDir.empty() ||
            std::filesystem::exists(store::databasePath(store::defaultDataDir()))) {
            Station s(options);
            policy = s.compliance.policy();
            policySource = "site policy";
        }
        const auto result = usp797::computeBud(req, policy);
        if (!result)
            throw CliFailure(result.error().text());
        const bool days = result->unit == usp797::BudResult::Unit::Days;
        if (options.json) {
            json j{{"bud", formatIsoUtc(result->bud)},
                   {"rule", result->rule},
                   {"table_rule", result->tableRule},
                   {"limited_by_component", result->limitedByComponent},
                   {"policy", policySource}};
            j[days ? "days" : "hours"] = result->amount;
            printJson(j);
        } else {
            std::cout << "BUD " << formatIsoUtc(result->bud) << " (" << result->amount
                      << (days ? " days" : " hours") << ")\n"
                      << "rule: " << result->rule << '\n';
        }
    });
}

void registerUsp797Commands(CLI::App& app, CliOptions& options) {
    registerSite(app, options);
    registerEm(app, options);
    registerExcursion(app, options);
    registerCleaningGarbingQual(app, options);
    registerCompliance(app, options);
    registerBud(app, options);
}

const CommandRegistration kUsp797(40, registerUsp797Commands);

} // namespace admix::app

} // namespace admix::app
