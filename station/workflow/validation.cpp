#include "station/workflow/validation.hpp"

#include "formulas/text.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/prep_repo.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace admix::workflow {

using nlohmann::json;
namespace fs = std::filesystem;

// [SECTION] Files ---------------------------------------------------------------------------------

namespace {

Result<std::string> readText(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Result<std::string>::fail("cannot be read", file.string());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string yymmdd(Date d) {
    const std::string iso = formatDate(d); // 2026-12-01
    return iso.substr(2, 2) + iso.substr(5, 2) + iso.substr(8, 2);
}

} // namespace

Result<Scenario> parseScenario(std::string_view text, const std::string& file) {
    Scenario s;
    s.file = file;
    std::istringstream in{std::string(text)};
    std::string line;
    int number = 0;
    bool header = false;
    while (std::getline(in, line)) {
        ++number;
        const std::string where = file + ":" + std::to_string(number);
        if (formulas::trim(line).empty() || formulas::trim(line).front() == '#')
            continue;
        json j = json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            return Result<Scenario>::fail("is not a JSON object on one line", where);
        if (!header) {
            if (!j.contains("scenario") || !j["scenario"].is_string() || !j.contains("title") ||
                !j["title"].is_string())
                return Result<Scenario>::fail("the first line must name the scenario: "
                                              "{\"scenario\":..,\"title\":..,\"requirements\":[..]}",
                                              where);
            s.id = j["scenario"];
            s.title = j["title"];
            if (!j.contains("requirements") || !j["requirements"].is_array() || j["requirements"].empty())
                return Result<Scenario>::fail("requirements: must list the requirements this scenario covers",
                                              where);
            for (const auto& r : j["requirements"]) {
                if (!r.is_string())
                    return Result<Scenario>::fail("requirements: must be requirement ids in quotes", where);
                s.requirements.push_back(r);
            }
            if (j.contains("setup"))
                s.setup = j["setup"];
            header = true;
            continue;
        }
        if (!j.contains("op"))
            return Result<Scenario>::fail("op: is missing", where);
        ScenarioRequest r;
        r.line = number;
        r.expect = j.contains("expect") ? j["expect"] : json{{"ok", true}};
        if (!r.expect.is_object())
            return Result<Scenario>::fail("expect: must be an object", where);
        j.erase("expect");
        r.request = std::move(j);
        s.requests.push_back(std::move(r));
    }
    if (!header)
        return Result<Scenario>::fail("is empty", file);
    if (s.requests.empty())
        return Result<Scenario>::fail("has no requests", file);
    return s;
}

Result<std::vector<Scenario>> loadScenarios(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".jsonl")
            files.push_back(e.path());
    if (ec)
        return Result<std::vector<Scenario>>::fail("cannot list the scenarios: " + ec.message(),
                                                   dir.string());
    std::sort(files.begin(), files.end());
    std::vector<Scenario> out;
    std::set<std::string> ids;
    for (const auto& f : files) {
        const auto text = readText(f);
        if (!text)
            return text.error();
        auto s = parseScenario(*text, f.filename().string());
        if (!s)
            return s.error();
        if (!ids.insert(s->id).second)
            return Result<std::vector<Scenario>>::fail("scenario " + s->id + " is named twice",
                                                       f.filename().string());
        out.push_back(std::move(*s));
    }
    if (out.empty())
        return Result<std::vector<Scenario>>::fail("holds no scenario (*.jsonl)", dir.string());
    return out;
}

Result<std::vector<Requirement>> loadRequirements(const fs::path& file) {
    const auto text = readText(file);
    if (!text)
        return text.error();
    const json j = json::parse(*text, nullptr, false);
    if (!j.is_array())
        return Result<std::vector<Requirement>>::fail("must be a JSON list of {\"id\",\"text\",\"source\"}",
                                                      file.string());
    std::vector<Requirement> out;
    for (const auto& r : j) {
        if (!r.is_object() || !r.contains("id") || !r["id"].is_string() || !r.contains("text") ||
            !r["text"].is_string())
            return Result<std::vector<Requirement>>::fail("every requirement needs an id and a text",
                                                          file.string());
        out.push_back({r["id"], r["text"], r.value("source", "")});
    }
    return out;
}

Status checkCoverage(const std::vector<Requirement>& requirements, const std::vector<Scenario>& scenarios) {
    std::set<std::string> known;
    for (const auto& r : requirements)
        known.insert(r.id);
    std::set<std::string> covered;
    for (const auto& s : scenarios)
        for (const auto& id : s.requirements) {
            if (!known.count(id))
                return Status::fail("names requirement " + id + ", which is not in requirements.json",
                                    s.file);
            covered.insert(id);
        }
    for (const auto& r : requirements)
        if (!covered.count(r.id))
            return Status::fail("requirement " + r.id + " is covered by no scenario", "requirements.json");
    return Status::success();
}

// [SECTION] Matching ------------------------------------------------------------------------------

std::string mismatch(const json& expected, const json& actual, const std::string& path) {
    if (expected.is_object()) {
        if (!actual.is_object())
            return (path.empty() ? "answer" : path) + ": expected an object, got " + actual.dump();
        for (const auto& [key, value] : expected.items()) {
            const bool contains = key.size() > 1 && key.back() == '~';
            const std::string name = contains ? key.substr(0, key.size() - 1) : key;
            const std::string where = path.empty() ? name : path + "." + name;
            if (!actual.contains(name))
                return where + ": missing (expected " + value.dump() + ")";
            const json& got = actual.at(name);
            if (contains) {
                const std::string words = value.is_string() ? value.get<std::string>() : value.dump();
                const std::string haystack = got.is_string() ? got.get<std::string>() : got.dump();
                if (lower(haystack).find(lower(words)) == std::string::npos)
                    return where + ": expected a text containing \"" + words + "\", got " + got.dump();
                continue;
            }
            if (const std::string m = mismatch(value, got, where); !m.empty())
                return m;
        }
        return {};
    }
    if (expected.is_number() && actual.is_number()) {
        const double e = expected.get<double>();
        const double a = actual.get<double>();
        return std::abs(e - a) <= 1e-9 * std::max(1.0, std::abs(e))
                   ? std::string()
                   : (path + ": expected " + expected.dump() + ", got " + actual.dump());
    }
    if (expected != actual)
        return (path.empty() ? "answer" : path) + ": expected " + expected.dump() + ", got " + actual.dump();
    return {};
}

// [SECTION] Running -------------------------------------------------------------------------------

namespace {

json substitute(const json& value, const std::map<std::string, json>& values, std::string& unknown) {
    if (value.is_object()) {
        json out = json::object();
        for (const auto& [k, v] : value.items())
            out[k] = substitute(v, values, unknown);
        return out;
    }
    if (value.is_array()) {
        json out = json::array();
        for (const auto& v : value)
            out.push_back(substitute(v, values, unknown));
        return out;
    }
    if (!value.is_string())
        return value;
    std::string text = value.get<std::string>();
    if (text.size() > 1 && text.front() == '$') {
        const auto it = values.find(text.substr(1));
        if (it != values.end())
            return it->second; // the whole value: keeps its type (a number stays a number)
    }
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$') {
            out += text[i];
            continue;
        }
        // "$name" or "${name}" (when letters follow: "${gtin}17...")
        const bool braced = i + 1 < text.size() && text[i + 1] == '{';
        size_t j = i + (braced ? 2 : 1);
        while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_'))
            ++j;
        const std::string name = text.substr(i + (braced ? 2 : 1), j - i - (braced ? 2 : 1));
        if (braced && (j >= text.size() || text[j] != '}')) {
            if (unknown.empty())
                unknown = "{" + name;
            out += text.substr(i, j - i);
            i = j - 1;
            continue;
        }
        if (braced)
            ++j;
        const auto it = values.find(name);
        if (name.empty() || it == values.end()) {
            if (!name.empty() && unknown.empty())
                unknown = name;
            out += text.substr(i, j - i);
        } else {
            out += it->second.is_string() ? it->second.get<std::string>() : it->second.dump();
        }
        i = j - 1;
    }
    return out;
}

void collectNames(const json& value, std::set<std::string>& names) {
    if (value.is_object() || value.is_array()) {
        for (const auto& v : value)
            collectNames(v, names);
        return;
    }
    if (!value.is_string())
        return;
    const std::string text = value.get<std::string>();
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$')
            continue;
        const bool braced = i + 1 < text.size() && text[i + 1] == '{';
        size_t j = i + (braced ? 2 : 1);
        const size_t from = j;
        while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_'))
            ++j;
        if (j > from)
            names.insert(text.substr(from, j - from));
        i = j - 1;
    }
}

} // namespace

std::set<std::string> referencedNames(const Scenario& scenario) {
    std::set<std::string> names;
    collectNames(scenario.setup, names);
    for (const auto& r : scenario.requests) {
        collectNames(r.request, names);
        collectNames(r.expect, names);
    }
    return names;
}

std::string unavailableReason(const Scenario& scenario,
                              const std::map<std::string, std::string>& unavailable) {
    std::set<std::string> reasons; // one line per reason, even when several names share it
    std::string out;
    for (const auto& name : referencedNames(scenario)) {
        const auto it = unavailable.find(name);
        if (it == unavailable.end() || !reasons.insert(it->second).second)
            continue;
        out += (out.empty() ? "" : "; ") + it->second;
    }
    return out;
}

ScenarioResult runScenario(const Scenario& scenario, ScriptSession& session,
                           std::map<std::string, json> values) {
    ScenarioResult result;
    result.scenario = scenario;
    std::string unknownInSetup;
    const json setup = substitute(scenario.setup, values, unknownInSetup);
    if (!unknownInSetup.empty()) {
        result.error = "setup failed: the run knows no value $" + unknownInSetup;
        return result;
    }
    try {
        if (setup.contains("recalls")) {
            // The recall list through the store API (a sandbox only: the session has no recall request).
            for (const auto& r : setup["recalls"])
                store::PrepRepo(session.database())
                    .addRecall(r.at("gtin").get<std::string>(), r.value("lot", ""),
                               r.value("reason", "validation recall"), "validation",
                               formatIsoUtc(session.now()));
        }
        if (setup.contains("em_samples")) {
            // Monitoring results as the EM log records them (an excursion opens a corrective action).
            store::AuditLog audit(session.database());
            store::ComplianceStore compliance(session.database(), audit);
            for (const auto& j : setup["em_samples"]) {
                usp797::EmSample sample;
                const auto kind = usp797::parseEmKind(j.at("kind").get<std::string>());
                if (!kind)
                    throw std::runtime_error("em_samples.kind: " + kind.error().text());
                sample.kind = *kind;
                sample.at = session.now() - std::chrono::minutes(30);
                sample.room = j.at("room").get<std::string>();
                sample.location = j.value("location", sample.room);
                sample.value = j.at("value").get<double>();
                if (j.contains("litres"))
                    sample.litres = j["litres"].get<double>();
                sample.person = j.value("person", "");
                sample.deviceOrLot = "VALIDATION";
                const auto recorded =
                    compliance.recordSample(sample, j.at("by").get<std::string>(), session.now());
                if (!recorded)
                    throw std::runtime_error("em_samples: " + recorded.error().text());
            }
        }
    } catch (const std::exception& e) {
        result.error = std::string("setup failed: ") + e.what();
        return result;
    }
    json steps = json::array();
    int step = 0;
    bool pass = true;
    for (const auto& r : scenario.requests) {
        const TimePoint now = session.now();
        values["expiry_past"] =
            yymmdd(Date{std::chrono::floor<std::chrono::days>(now) - std::chrono::days{1}});
        values["expiry_future"] =
            yymmdd(Date{std::chrono::floor<std::chrono::days>(now) + std::chrono::days{730}});
        if (step >= 0 && step < static_cast<int>(steps.size()) &&
            steps[static_cast<size_t>(step)].contains("accepted_gtins") &&
            !steps[static_cast<size_t>(step)]["accepted_gtins"].empty())
            values["gtin"] = steps[static_cast<size_t>(step)]["accepted_gtins"][0];
        RequestResult rr;
        rr.line = r.line;
        std::string unknown;
        rr.request = substitute(r.request, values, unknown);
        rr.expected = substitute(r.expect, values, unknown);
        if (!unknown.empty()) {
            rr.actual = json{{"ok", false}, {"error", "not sent: the run knows no value $" + unknown}};
            rr.mismatch = "$" + unknown + " is not known at this point of the scenario";
        } else {
            rr.actual = session.handle(rr.request);
            rr.mismatch = mismatch(rr.expected, rr.actual);
            if (rr.actual.contains("prep") && rr.actual["prep"].is_string())
                values["prep"] = rr.actual["prep"];
            if (rr.actual.contains("order_id"))
                values["order_id"] = rr.actual["order_id"];
            if (rr.actual.contains("steps") && rr.actual["steps"].is_array() && !rr.actual["steps"].empty() &&
                rr.actual["steps"][0].is_object())
                steps = rr.actual["steps"];
            if (rr.actual.contains("step") && rr.actual["step"].is_number_integer())
                step = rr.actual["step"];
        }
        rr.pass = rr.mismatch.empty();
        pass = pass && rr.pass;
        result.results.push_back(std::move(rr));
    }
    result.pass = pass;
    return result;
}

// [SECTION] Report --------------------------------------------------------------------------------

namespace {

// The sandbox passwords the run gave its people are no one's real secret, but a report is no place
// for any secret.
json masked(const json& value) {
    if (value.is_array()) {
        json out = json::array();
        for (const auto& v : value)
            out.push_back(masked(v));
        return out;
    }
    if (!value.is_object())
        return value;
    json out = json::object();
    for (const auto& [k, v] : value.items())
        out[k] = (k == "password" || k == "pin") && v.is_string() ? json("(sandbox secret)") : masked(v);
    return out;
}

} // namespace

json validationReport(const json& header, const std::vector<Requirement>& requirements,
                      const std::vector<ScenarioResult>& results) {
    json report = header;
    json scenarios = json::array();
    int passed = 0;
    int skipped = 0;
    const auto ok = [](const ScenarioResult& r) {
        return r.skipped.empty() && r.pass && r.error.empty();
    };
    for (const auto& r : results) {
        json requests = json::array();
        for (const auto& q : r.results)
            requests.push_back({{"line", q.line},
                                {"request", masked(q.request)},
                                {"expected", masked(q.expected)},
                                {"actual", q.actual},
                                {"pass", q.pass},
                                {"mismatch", q.mismatch}});
        passed += ok(r) ? 1 : 0;
        skipped += r.skipped.empty() ? 0 : 1;
        const std::string result = !r.skipped.empty() ? "skipped" : ok(r) ? "pass" : "fail";
        scenarios.push_back({{"id", r.scenario.id},
                             {"title", r.scenario.title},
                             {"file", r.scenario.file},
                             {"requirements", r.scenario.requirements},
                             {"pass", ok(r)},
                             {"result", result},
                             {"skipped", r.skipped},
                             {"error", r.error},
                             {"requests", requests}});
    }
    json matrix = json::array();
    bool noRequirementFailed = true;
    for (const auto& req : requirements) {
        json covering = json::array();
        bool failed = false;
        int ran = 0;
        for (const auto& r : results)
            if (std::find(r.scenario.requirements.begin(), r.scenario.requirements.end(), req.id) !=
                r.scenario.requirements.end()) {
                const std::string result = !r.skipped.empty() ? "skipped" : ok(r) ? "pass" : "fail";
                covering.push_back({{"scenario", r.scenario.id}, {"pass", ok(r)}, {"result", result}});
                ran += r.skipped.empty() ? 1 : 0;
                failed = failed || (r.skipped.empty() && !ok(r));
            }
        // A requirement whose scenarios were all skipped is not verified (and not passed); one
        // with no scenario in this run at all (--only) is neither.
        const bool pass = !failed && ran > 0;
        const std::string result = failed             ? "fail"
                                   : ran > 0          ? "pass"
                                   : covering.empty() ? "not run"
                                                      : "not verified";
        noRequirementFailed = noRequirementFailed && !failed && !covering.empty();
        matrix.push_back({{"id", req.id},
                          {"text", req.text},
                          {"source", req.source},
                          {"scenarios", covering},
                          {"pass", pass},
                          {"result", result}});
    }
    const bool iqOk = !header.contains("iq") || header["iq"].value("pass", true);
    const int failed = static_cast<int>(results.size()) - passed - skipped;
    report["scenarios"] = scenarios;
    report["traceability"] = matrix;
    report["summary"] = {{"scenarios", results.size()},
                         {"passed", passed},
                         {"failed", failed},
                         {"skipped", skipped},
                         {"requirements", requirements.size()}};
    // Skipped scenarios are listed with their reason and counted apart: they make no failure, and
    // the requirements only they cover are reported as not verified on this data.
    report["pass"] = failed == 0 && passed > 0 && noRequirementFailed && iqOk;
    return report;
}

namespace {

std::string str(const json& j) {
    return j.is_string() ? j.get<std::string>() : j.dump();
}

std::string verdict(bool pass) {
    return pass ? "<td class=pass>PASS</td>" : "<td class=fail>FAIL</td>";
}

std::string verdictOf(const json& item) {
    const std::string result = item.value("result", item.value("pass", false) ? "pass" : "fail");
    if (result == "pass" || result == "fail")
        return verdict(result == "pass");
    return "<td class=skip>" +
           formulas::escapeHtml(result == "skipped"        ? "SKIPPED"
                                : result == "not verified" ? "NOT VERIFIED"
                                                           : "NOT RUN") +
           "</td>";
}

} // namespace

std::string reportHtml(const json& report) {
    std::ostringstream h;
    h << "<!doctype html><html lang=en><meta charset=utf-8><title>Admix validation report</title>"
         "<style>body{font-family:sans-serif;margin:2em;max-width:75em}table{border-collapse:collapse;margin:"
         "1em 0}"
         "td,th{border:1px solid #999;padding:.3em .5em;vertical-align:top;text-align:left}"
         ".pass{background:#d8f0d8;font-weight:bold}.fail{background:#f6d0d0;font-weight:bold}"
         ".skip{background:#f3e8c0;font-weight:bold}"
         "code{font-size:.85em;word-break:break-all}</style>";
    const bool pass = report.value("pass", false);
    h << "<h1>Admix operational qualification: " << (pass ? "PASSED" : "FAILED") << "</h1><table>";
    for (const char* key : {"admix_version", "schema", "generated_utc", "run_by", "machine", "data_source",
                            "data_dir", "database", "config", "formulary", "formulas_policy"})
        if (report.contains(key))
            h << "<tr><th>" << formulas::escapeHtml(key) << "</th><td><code>"
              << formulas::escapeHtml(str(report[key])) << "</code></td></tr>";
    h << "</table>";
    if (report.contains("executables")) {
        h << "<h2>Executables</h2><table><tr><th>file</th><th>SHA-256</th></tr>";
        for (const auto& e : report["executables"])
            h << "<tr><td>" << formulas::escapeHtml(str(e["path"])) << "</td><td><code>"
              << formulas::escapeHtml(str(e["sha256"])) << "</code></td></tr>";
        h << "</table>";
    }
    if (report.contains("validation_data")) {
        // The people, recipes and products the scenarios used, and what this data could not give.
        const json& d = report["validation_data"];
        h << "<h2>Data the scenarios ran on</h2><table><tr><th>used as</th><th>what</th><th>why</th></tr>";
        for (const auto& p : d.value("people", json::array()))
            h << "<tr><td>" << formulas::escapeHtml(str(p["as"])) << "</td><td>"
              << formulas::escapeHtml(str(p["user"])) << " (" << formulas::escapeHtml(str(p["role"])) << ", "
              << formulas::escapeHtml(str(p["from"])) << ")</td><td>" << formulas::escapeHtml(str(p["why"]))
              << "</td></tr>";
        for (const auto& r : d.value("recipes", json::array()))
            h << "<tr><td>" << formulas::escapeHtml(str(r["as"])) << "</td><td>"
              << formulas::escapeHtml(str(r["recipe"])) << " v" << formulas::escapeHtml(str(r["version"]))
              << ": " << formulas::escapeHtml(str(r["title"])) << "</td><td>"
              << formulas::escapeHtml(str(r["dose"])) << "</td></tr>";
        for (const auto& p : d.value("products", json::array()))
            h << "<tr><td>" << formulas::escapeHtml(str(p["as"])) << "</td><td>"
              << formulas::escapeHtml(str(p["product"])) << "</td><td>GTIN "
              << formulas::escapeHtml(str(p["gtin"])) << "</td></tr>";
        const json unavailable = d.value("unavailable", json::object()); // items() must not outlive it
        for (const auto& [name, why] : unavailable.items())
            h << "<tr><td>" << formulas::escapeHtml(name) << "</td><td class=skip>not in this data</td><td>"
              << formulas::escapeHtml(str(why)) << "</td></tr>";
        h << "</table>";
    }
    if (report.contains("iq")) {
        h << "<h2>Installation "
             "qualification</h2><table><tr><th>check</th><th>result</th><th>detail</th></tr>";
        for (const auto& c : report["iq"]["checks"])
            h << "<tr><td>" << formulas::escapeHtml(str(c["check"])) << "</td>"
              << verdict(c.value("pass", false)) << "<td>" << formulas::escapeHtml(str(c["detail"]))
              << "</td></tr>";
        h << "</table>";
    }
    const auto& s = report["summary"];
    h << "<h2>Traceability matrix</h2><p>" << s["passed"] << " of " << s["scenarios"] << " scenarios passed, "
      << s.value("skipped", 0) << " skipped (not run on this data; not passed); " << s["requirements"]
      << " requirements.</p><table><tr><th>requirement</th><th>text</th><th>source</th>"
         "<th>scenarios</th><th>result</th></tr>";
    for (const auto& r : report["traceability"]) {
        h << "<tr><td>" << formulas::escapeHtml(str(r["id"])) << "</td><td>"
          << formulas::escapeHtml(str(r["text"])) << "</td><td>" << formulas::escapeHtml(str(r["source"]))
          << "</td><td>";
        for (const auto& c : r["scenarios"])
            h << "<a href=\"#" << formulas::escapeHtml(str(c["scenario"])) << "\">"
              << formulas::escapeHtml(str(c["scenario"])) << "</a> ";
        h << "</td>" << verdictOf(r) << "</tr>";
    }
    h << "</table><h2>Scenarios</h2>";
    for (const auto& sc : report["scenarios"]) {
        h << "<h3 id=\"" << formulas::escapeHtml(str(sc["id"])) << "\">"
          << formulas::escapeHtml(str(sc["id"])) << ": " << formulas::escapeHtml(str(sc["title"])) << " - "
          << (sc.value("result", "") == "skipped" ? "SKIPPED"
              : sc.value("pass", false)           ? "PASS"
                                                  : "FAIL")
          << "</h3><p>" << formulas::escapeHtml(str(sc["file"])) << "; covers ";
        for (const auto& r : sc["requirements"])
            h << formulas::escapeHtml(str(r)) << " ";
        h << "</p>";
        if (!str(sc["error"]).empty())
            h << "<p class=fail>" << formulas::escapeHtml(str(sc["error"])) << "</p>";
        if (sc.contains("skipped") && !str(sc["skipped"]).empty())
            h << "<p class=skip>Not run on this data: " << formulas::escapeHtml(str(sc["skipped"])) << "</p>";
        h << "<table><tr><th>line</th><th>request</th><th>expected</th><th>actual</th><th>result</th></tr>";
        for (const auto& q : sc["requests"]) {
            h << "<tr><td>" << q["line"] << "</td><td><code>" << formulas::escapeHtml(q["request"].dump())
              << "</code></td><td><code>" << formulas::escapeHtml(q["expected"].dump())
              << "</code></td><td><code>" << formulas::escapeHtml(q["actual"].dump()) << "</code>";
            if (!str(q["mismatch"]).empty())
                h << "<br><b>" << formulas::escapeHtml(str(q["mismatch"])) << "</b>";
            h << "</td>" << verdict(q.value("pass", false)) << "</tr>";
        }
        h << "</table>";
    }
    if (report.contains("signatures"))
        h << "<h2>Signatures</h2><pre>" << formulas::escapeHtml(report["signatures"].dump(2)) << "</pre>";
    h << "</html>\n";
    return h.str();
}

} // namespace admix::workflow
