// The preparation engine: an order and a fixed PrepSpec become a preparation whose steps must each
// pass their gate, with evidence, before the next one opens; then the pharmacist check releases or
// rejects it. Every event (a scan, a balance reading, a photo, a confirmation, an override) is
// committed with its evidence and its audit row in one transaction before the engine answers, so a
// step is never reported done before its evidence is durable, and the state after a crash is the
// state on disk. The engine keeps no state in memory: any call reloads what it needs.
//
// Events carry an event key: submitting the same key twice records it once and answers as the first
// time (double taps, retries after a crash). Events aimed at a step other than the current one are
// refused and recorded (no skipping ahead).
//
// Not thread-safe: run it on the UI thread (or one server thread) with that thread's Database.
// Expected refusals are Results / Outcomes with a message for the person; storage failures throw.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "formulas/units.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/store/prep_repo.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/prep_spec.hpp"
#include "station/workflow/values.hpp"
#include "usp797/gate.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace admix::workflow {

// What a product code is, as the formulary knows it (to say "wrong strength" rather than "wrong").
struct ProductInfo {
    std::string drug;
    std::string name;
    std::string strength;
};
using ProductLookup = std::function<std::optional<ProductInfo>(const std::string& gtin14)>;

// The USP <797>/<800> compliance gate seen from the engine. The decision is usp797::evaluateGate's
// (the one place that decides), asked once per start; the same question unrecorded is what screens
// show. An override is a pharmacist's, recorded against a stored refused decision, and allowed only
// where site policy allows it for every reason; it lets one matching start through.
struct GateCheck {
    int64_t decisionId = 0; // the stored decision; 0 when not recorded (a preview)
    usp797::GateDecision decision;
};

class ComplianceGate {
public:
    virtual ~ComplianceGate() = default;
    // The decision for `request`; `record`: stored and audited (a start), else a preview (a screen).
    [[nodiscard]] virtual GateCheck check(const usp797::GateRequest& request, bool record) = 0;
    // Records a pharmacist's override of the stored refused decision `decisionId`; refused, naming
    // each reason, where site policy does not allow overriding it.
    virtual Status override(int64_t decisionId, const std::string& pharmacist, const std::string& reason,
                            TimePoint now) = 0;
    // A recorded override of the same question, still valid and unused, covering every reason of
    // `current`: marked used for `usedFor` (an order number); its decision id.
    virtual std::optional<int64_t> useStandingOverride(const usp797::GateRequest& request,
                                                       const usp797::GateDecision& current,
                                                       const std::string& usedFor, TimePoint now) = 0;
};

// The gate question for `person` starting `spec` in `room` / `pec` now: the plan's CSP category and
// its hazardous-drug flag (USP <800>). Refused when the plan's category is not 1, 2, 3 or immediate.
[[nodiscard]] Result<usp797::GateRequest> gateRequestFor(const User& person, const PrepSpec& spec,
                                                         const std::string& room, const std::string& pec,
                                                         TimePoint now);

struct OrderInput {
    std::string patientName;
    std::string patientMrn;
    nlohmann::json patient = nlohmann::json::object(); // weight_kg, height_cm, age, sex, scr_mg_dl
    std::string recipeId;
    nlohmann::json dose = nlohmann::json::object(); // {"value": 2, "unit": "g"}
    std::string route;
    std::optional<double> finalVolumeMl;
    std::string priority = "routine"; // stat, urgent, routine
    TimePoint due{};
    std::string prescriber;
    std::string externalId; // the prescribing system's order id ("id" of the order JSON), may be empty
    std::string comment;    // the prescriber's or pharmacist's free text, may be empty (shown with the order)
};

enum class Verdict { Passed, Failed, Recorded, Duplicate };

struct Outcome {
    Verdict verdict = Verdict::Recorded;
    std::string message; // what the technician sees
    int currentStep = 0; // after the event
    PrepStatus prepStatus = PrepStatus::InProgress;
};

struct PhotoInput {
    std::string sha256; // already durable in the image store
    bool qualityOk = false;
    std::string qualityProblem; // "blurred: hold the syringe still"
    std::string codesSeen;      // decoded codes in the photo, if any
};

struct StepView {
    int index = 0;
    StepSpec spec;
    StepState state = StepState::Pending;
    int attempts = 0;
    nlohmann::json result; // lot, expiry, measured volume, photo hash, ...
};

struct PrepView {
    int64_t id = 0;
    std::string number;
    PrepStatus status = PrepStatus::InProgress;
    int currentStep = 0;
    std::string technician;
    std::string room;
    std::string pec;
    std::string startedUtc;
    std::optional<std::string> checkedBy;
    std::optional<std::string> checkOutcome;
    std::optional<std::string> checkReason;
    int64_t orderId = 0;
    PrepSpec spec;
    std::vector<StepView> steps;
    bool anyOverride = false;
    std::vector<std::string> deviceProblems; // open device faults recorded against the current step
};

class PreparationEngine {
public:
    PreparationEngine(store::Database& db, store::AuditLog& audit, std::string stationName);

    void setProductLookup(ProductLookup lookup) { m_lookup = std::move(lookup); }
    void setComplianceGate(ComplianceGate* gate) { m_gate = gate; }

    // Orders (typed by a pharmacist or seeded in demo mode).
    Result<int64_t> addOrder(const OrderInput& order, const User& by, TimePoint now = nowUtc());
    Status cancelOrder(int64_t orderId, const User& by, const std::string& reason, TimePoint now = nowUtc());

    // Starts a preparation of `orderId` with a fixed spec. Refused with every reason when the
    // compliance gate blocks, unless a pharmacist overrode it: either now (`complianceOverride`, a
    // signature for "prep.start.override" on the order number, recorded as an override of this
    // decision) or before (`admix compliance override`, the web), and site policy allows overriding
    // every reason. A reason policy does not let a pharmacist override is never overridden.
    Result<int64_t> start(int64_t orderId, const PrepSpec& spec, const User& technician,
                          const std::string& room, const std::string& pec,
                          const std::optional<Signature>& complianceOverride = std::nullopt,
                          TimePoint now = nowUtc());

    // A code read by the scanner, the camera or typed: its GS1 parse is used as made where it was read.
    Result<Outcome> submitScan(int64_t prepId, int stepIndex, const std::string& eventKey,
                               const ScannedCode& scanned, const User& by, TimePoint now = nowUtc());
    // A balance reading: unstable, overload and underload readings are each refused and recorded.
    Result<Outcome> submitReading(int64_t prepId, int stepIndex, const std::string& eventKey,
                                  const WeighReading& reading, const User& by, TimePoint now = nowUtc());
    Result<Outcome> submitPhoto(int64_t prepId, int stepIndex, const std::string& eventKey,
                                const PhotoInput& photo, const User& by, TimePoint now = nowUtc());
    Result<Outcome> confirm(int64_t prepId, int stepIndex, const std::string& eventKey, const User& by,
                            TimePoint now = nowUtc());
    Result<Outcome> labelPrinted(int64_t prepId, int stepIndex, const std::string& eventKey,
                                 bool printerAccepted, const std::string& printer, const User& by,
                                 TimePoint now = nowUtc());
    // A device fault (balance unplugged, printer offline) seen during a step: recorded; while it is
    // open, the step can only pass by a pharmacist override. `up` clears it.
    Result<Outcome> deviceStatus(int64_t prepId, int stepIndex, const std::string& eventKey,
                                 const std::string& device, bool up, const std::string& detail,
                                 const User& by, TimePoint now = nowUtc());
    // The only way past a gate: a pharmacist's e-signature for action "prep.override" on this
    // preparation's number, with a reason.
    Result<Outcome> overrideStep(int64_t prepId, int stepIndex, const Signature& signature,
                                 TimePoint now = nowUtc());

    // Pharmacist check: approve releases; reject needs a reason and sends the order back (remake) or
    // closes it (waste). The signature must be a pharmacist's for "prep.approve" / "prep.reject".
    Status approve(int64_t prepId, const Signature& signature, TimePoint now = nowUtc());
    Status reject(int64_t prepId, const Signature& signature, const std::string& reasonCode, bool remake,
                  TimePoint now = nowUtc());
    Status cancel(int64_t prepId, const User& by, const std::string& reason, TimePoint now = nowUtc());

    // The gate's decision for `technician` starting `spec` here now, not recorded: what the Home
    // banner and the start button show (the same function decides the start).
    [[nodiscard]] Result<usp797::GateDecision> gateDecision(const PrepSpec& spec, const User& technician,
                                                            const std::string& room, const std::string& pec,
                                                            TimePoint now = nowUtc());

    [[nodiscard]] std::optional<PrepView> view(int64_t prepId);
    [[nodiscard]] std::optional<int64_t> prepIdByNumber(const std::string& number);

private:
    struct Loaded;
    // Every event goes through here: one transaction around loading the preparation and `body`;
    // whatever answer results (a duplicate key's first answer, a refused skip, the step's verdict) is
    // committed with its evidence and audit rows before it is returned. An error (a refusal that
    // records nothing, e.g. an invalid signature) commits nothing.
    Result<Outcome> event(int64_t prepId, int stepIndex, const std::string& eventKey, const User& by,
                          const char* kind, TimePoint now,
                          const std::function<Result<Outcome>(Loaded&)>& body);
    Result<Loaded> load(int64_t prepId, int stepIndex, const std::string& eventKey, const User& by,
                        const char* kind, TimePoint now, std::optional<Outcome>& early);
    Outcome pass(Loaded& l, const std::string& eventKey, const char* kind, const std::string& message,
                 const nlohmann::json& data, const std::optional<std::string>& image, const User& by,
                 TimePoint now, StepState state = StepState::Passed);
    Outcome fail(Loaded& l, const std::string& eventKey, const char* kind, const std::string& message,
                 const nlohmann::json& data, const std::optional<std::string>& image, const User& by,
                 TimePoint now, bool countsAsAttempt = true);
    Outcome record(Loaded& l, const std::string& eventKey, const char* kind, const std::string& message,
                   const nlohmann::json& data, const User& by, TimePoint now);
    bool verifySignature(const Signature& sig, const std::string& action, const std::string& subject,
                         std::string& why);
    // The preparation of a pharmacist's check: it exists, awaits the check, and the signature is a
    // pharmacist's for `action` on it. `what` names the decision in the refusal ("approval").
    Result<store::PrepRow> awaitingCheck(int64_t prepId, const Signature& signature, const char* action,
                                         const char* what);

    store::Database& m_db;
    store::AuditLog& m_audit;
    std::string m_station;
    ProductLookup m_lookup;
    ComplianceGate* m_gate = nullptr;
};

} // namespace admix::workflow
