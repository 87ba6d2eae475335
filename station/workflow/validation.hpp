// The operational-qualification kit behind `admix validate`: scenario files written in the session
// protocol (assets/validation/*.jsonl), each request with the answer it expects, run against a
// ScriptSession on a sandbox; the results, with the requirement catalogue, make the traceability
// matrix of the validation report (JSON for machines, HTML for people).
//
// A scenario file: the first line names it, {"scenario":"OQ-07","title":"...","requirements":["URS-.."],
// "setup":{"recalls":[{"gtin":"...","lot":"...","reason":"..."}]}}; every further line is a session
// request with an optional "expect" object (absent: {"ok":true}). An expected key matches the answer's
// value exactly (objects: key by key, recursively); a key ending in "~" matches a text that contains
// the expected words (case-insensitive). Requests may name values the run knows ("$name", or
// "${name}" inside a text), in requests, expectations and setup: the data of the run
// (validation_data.hpp: "$technician", "$order", "$vial_gtin", ...), "$prep" and
// "$order_id" (from the latest answers that gave them), "$gtin" (the open step's first accepted
// product), "$photo_good", "$photo_blurred", "$photo_overexposed" (rendered photos), "$expiry_past"
// and "$expiry_future" (YYMMDD on the session's clock).
// Pure apart from the session it is given; errors in a scenario file are Results naming file:line.
#pragma once

#include "formulas/result.hpp"
#include "station/workflow/session.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace admix::workflow {

struct Requirement {
    std::string id;     // "URS-SCAN-02"
    std::string text;   // what the system must do
    std::string source; // "USP <797> 12" or "site"
};

struct ScenarioRequest {
    int line = 0;
    nlohmann::json request;
    nlohmann::json expect;
};

struct Scenario {
    std::string id;
    std::string title;
    std::string file;
    std::vector<std::string> requirements;
    nlohmann::json setup = nlohmann::json::object();
    std::vector<ScenarioRequest> requests;
};

struct RequestResult {
    int line = 0;
    nlohmann::json request; // after substitution
    nlohmann::json expected;
    nlohmann::json actual;
    bool pass = false;
    std::string mismatch; // what differs, for people
};

struct ScenarioResult {
    Scenario scenario;
    std::vector<RequestResult> results;
    bool pass = false;
    std::string error;   // the scenario could not run at all (setup failed)
    std::string skipped; // not run: the data it needs is not there (why); never a pass
};

[[nodiscard]] Result<Scenario> parseScenario(std::string_view text, const std::string& file);
// Every *.jsonl in `dir`, in file-name order.
[[nodiscard]] Result<std::vector<Scenario>> loadScenarios(const std::filesystem::path& dir);
// requirements.json: [{"id","text","source"}]. Refuses a scenario naming an unknown requirement.
[[nodiscard]] Result<std::vector<Requirement>> loadRequirements(const std::filesystem::path& file);
[[nodiscard]] Status checkCoverage(const std::vector<Requirement>& requirements,
                                   const std::vector<Scenario>& scenarios);

// The expected answer against the actual one: empty when it matches, else what differs.
[[nodiscard]] std::string mismatch(const nlohmann::json& expected, const nlohmann::json& actual,
                                   const std::string& path = "");

// Every "$name" / "${name}" the scenario's setup, requests and expectations use.
[[nodiscard]] std::set<std::string> referencedNames(const Scenario& scenario);
// Why the scenario cannot run on this data: the reasons of the names it uses that `unavailable`
// lists ("wrong_strength_gtin: no other strength of famotidine in this formulary"); empty: it can.
[[nodiscard]] std::string unavailableReason(const Scenario& scenario,
                                            const std::map<std::string, std::string>& unavailable);

// Runs a scenario's setup and requests on `session` (a sandbox). `values` holds the run's named
// values ("photo_good" -> path, "technician" -> "tech"); the scenario's own ("prep", "order_id")
// are added as it goes. The values fill the setup, the requests and the expected answers.
[[nodiscard]] ScenarioResult runScenario(const Scenario& scenario, ScriptSession& session,
                                         std::map<std::string, nlohmann::json> values);

// The report: `header` (version, machine, hashes, who, when, IQ results) plus the scenarios, the
// traceability matrix and the totals; and its HTML rendering.
[[nodiscard]] nlohmann::json validationReport(const nlohmann::json& header,
                                              const std::vector<Requirement>& requirements,
                                              const std::vector<ScenarioResult>& results);
[[nodiscard]] std::string reportHtml(const nlohmann::json& report);

} // namespace admix::workflow
