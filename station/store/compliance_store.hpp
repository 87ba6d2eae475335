// Persistence and queries for the USP <797>/<800> compliance engine: site policy (seeded from the
// built-in defaults, edited by QA with old/new values audited), rooms and PECs, monitoring results
// and their excursions' corrective actions, the cleaning log, garbing sessions, qualification events,
// and the compliance gate (facts gathered here, rules in usp797::evaluateGate, every decision stored
// and audited). People are the station's users (users table): roles and activity come from there.
//
// Not thread-safe: one ComplianceStore per connection, on the thread that owns the Database.
// Expected refusals (unknown room, wrong role, a CSV with bad rows, a step out of order) are Result
// values naming what and where, and change nothing; storage failures throw StoreError. Every write
// is one transaction together with its audit row(s), so do not call a writing method while the
// caller holds a transaction open on the same connection (BEGIN IMMEDIATE would fail). "Today" for
// daily readings and cleaning is the station's local day (formulas/time.hpp localDate).
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "usp797/cleaning.hpp"
#include "usp797/em.hpp"
#include "usp797/em_csv.hpp"
#include "usp797/excursion.hpp"
#include "usp797/garbing.hpp"
#include "usp797/gate.hpp"
#include "usp797/personnel.hpp"
#include "usp797/policy.hpp"
#include "usp797/schedule.hpp"
#include "usp797/site.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

struct CompliancePerson {
    std::string username;
    std::string displayName;
    std::string role; // technician, pharmacist, quality, admin
    bool active = true;
};

struct PolicyRow {
    std::string key;
    double value = 0;
    std::string updatedUtc;
    std::string updatedBy;
};

struct EmRow {
    int64_t id = 0;
    usp797::EmSample sample;
    double measured = 0;
    std::string unit;
    std::string limit;
    bool excursion = false;
};

struct EmRecorded {
    int64_t sampleId = 0;
    usp797::EmEvaluation evaluation;
    std::optional<int64_t> correctiveActionId; // opened when the sample is an excursion
};

struct EmImportResult {
    std::vector<usp797::CsvProblem> problems; // non-empty: nothing was imported (line 0: the whole file)
    size_t imported = 0;
    size_t excursions = 0;
};

// Changes to a corrective action; unset fields stay as they are.
struct CorrectiveActionUpdate {
    std::optional<std::string> investigation;
    std::optional<std::string> genus;
    std::optional<std::string> remediation;
    std::optional<int64_t> resampleId;
};

struct GateOutcome {
    int64_t decisionId = 0;
    usp797::GateDecision decision;
};

struct ComplianceStatus {
    std::vector<usp797::DueItem> due; // every scheduled task, worst first
    std::vector<std::pair<std::string, usp797::QualificationState>> qualifications; // person, state
    std::vector<usp797::CorrectiveAction> openExcursions;
};

class ComplianceStore {
public:
    ComplianceStore(Database& db, AuditLog& audit) : m_db(db), m_audit(audit) {}

    // [SECTION] Policy
    // The site policy; on first use the built-in defaults are stored (audited "policy.seed"). Keys a
    // newer build added are seeded the same way. A stored value outside its range throws StoreError.
    [[nodiscard]] usp797::SitePolicy policy();
    [[nodiscard]] std::vector<PolicyRow> policyRows();
    // Quality role only; reason required; audits key, old and new value.
    Status setPolicy(const std::string& key, const std::string& valueText, const std::string& user,
                     const std::string& reason, TimePoint at = nowUtc());
    // Loads a whole site policy TOML (every key required, as in assets/policy/usp797_defaults.toml):
    // quality role, reason required; each changed key is audited like setPolicy, all in one
    // transaction. Returns how many keys changed; a bad file (named by line and column) changes nothing.
    Result<size_t> importPolicy(std::string_view tomlText, const std::string& sourceName,
                                const std::string& user, const std::string& reason, TimePoint at = nowUtc());

    // [SECTION] People (station users) and site
    [[nodiscard]] std::optional<CompliancePerson> person(const std::string& username);
    [[nodiscard]] std::vector<CompliancePerson> people();
    // Site definitions drive the gate: admin or quality role only.
    Status addRoom(const usp797::Room& room, const std::string& actor, TimePoint at = nowUtc());
    Status addPec(const usp797::Pec& pec, const std::string& actor, TimePoint at = nowUtc());
    [[nodiscard]] std::optional<usp797::Room> room(const std::string& code);
    [[nodiscard]] std::optional<usp797::Pec> pec(const std::string& code);
    [[nodiscard]] std::vector<usp797::Room> rooms();
    [[nodiscard]] std::vector<usp797::Pec> pecs();
    // Records a (re)certification date of a room or a PEC. Quality role only.
    Status recordCertification(const std::string& code, Date date, const std::string& user,
                               TimePoint at = nowUtc());

    // [SECTION] Environmental monitoring
    // The ISO class and pressure regime of a sampled location: a PEC code, or "PEC/site", is ISO 5;
    // anything else is the room's class. Errors when the room is unknown or the PEC is in another room.
    [[nodiscard]] Result<usp797::SampledArea> sampledArea(const std::string& roomCode,
                                                          const std::string& location);
    // Entered by a technician, pharmacist or QA user (`actor`); the sampler (`sample.person`) may be
    // external (a certifier). Imports: quality or admin.
    Result<EmRecorded> recordSample(const usp797::EmSample& sample, const std::string& actor,
                                    TimePoint at = nowUtc());
    // All rows or none: every bad row is reported with its line (syntax, values, unknown room, a row
    // already recorded, a duplicate within the file).
    EmImportResult importCsv(std::string_view text, const std::string& sourceName, const std::string& actor,
                             TimePoint at = nowUtc());
    // Samples with from <= at < to (UTC), optionally one room, in time order.
    [[nodiscard]] std::vector<EmRow> samples(TimePoint from, TimePoint to,
                                             const std::optional<std::string>& room = std::nullopt);

    // [SECTION] Excursions
    [[nodiscard]] std::vector<usp797::CorrectiveAction>
    correctiveActions(bool openOnly, const std::optional<std::string>& room = std::nullopt);
    [[nodiscard]] std::optional<usp797::CorrectiveAction> correctiveAction(int64_t id);
    Status updateCorrectiveAction(int64_t id, const CorrectiveActionUpdate& update, const std::string& user,
                                  TimePoint at = nowUtc());
    // The signer must hold the quality role and the record must be complete (missingForClosure empty).
    Status closeCorrectiveAction(int64_t id, const usp797::ESignature& signature);

    // [SECTION] Cleaning
    Result<int64_t> logCleaning(const usp797::CleaningRecord& record, TimePoint at = nowUtc());
    [[nodiscard]] std::optional<Date> lastCleaning(const std::string& area, usp797::CleaningTask task,
                                                   TimePoint asOf);

    // [SECTION] Garbing
    // Starts a session for an entry into a room (ending the person's previous open session). The
    // procedure (USP <797> or <800>) follows the room.
    Result<int64_t> startGarbing(const std::string& person, const std::string& roomCode,
                                 TimePoint at = nowUtc());
    Status garbingStep(int64_t sessionId, const std::string& step, int seconds, TimePoint at = nowUtc());
    Status garbingChange(int64_t sessionId, usp797::GarbingEvent::Kind kind, TimePoint at = nowUtc());
    // The person left: the session ends.
    Status endGarbing(int64_t sessionId, TimePoint at = nowUtc());
    [[nodiscard]] std::optional<usp797::GarbingSession> garbingSession(int64_t sessionId);
    [[nodiscard]] std::optional<usp797::GarbingSession> latestGarbing(const std::string& person,
                                                                      TimePoint asOf);

    // [SECTION] Personnel qualification
    // Quality role records results; fingertip pass/fail is judged from the CFU by policy.
    Result<int64_t> recordQualification(const std::string& person, usp797::QualEvent event,
                                        const std::string& user, const std::string& notes = {},
                                        TimePoint at = nowUtc());
    [[nodiscard]] std::vector<usp797::QualEvent> qualifications(const std::string& person);

    // [SECTION] Compliance gate
    // The facts usp797::evaluateGate decides from; the store decides nothing itself.
    [[nodiscard]] usp797::GateFacts gateFacts(const usp797::GateRequest& request);
    // Evaluates, stores the decision and audits it ("gate.allowed" or "gate.blocked" with every reason).
    GateOutcome checkGate(const usp797::GateRequest& request);
    // The same evaluation, neither stored nor audited: what a screen shows before anyone asks to start.
    [[nodiscard]] usp797::GateDecision previewGate(const usp797::GateRequest& request);
    // A pharmacist overrides a blocked decision when policy allows every reason (naming each one it
    // does not); reason required; audited.
    Status overrideGate(int64_t decisionId, const std::string& pharmacist, const std::string& reason,
                        TimePoint at = nowUtc());
    // An override recorded for the same question (person, PEC, room, category, hazardous) within
    // policy gate.override_valid_minutes, not used yet, that covers every reason of `current`
    // (usp797::overrideCovers): recorded as used for `usedFor` (an order number) and returned with
    // the pharmacist who made it. std::nullopt when there is none.
    struct StandingOverride {
        int64_t decisionId = 0;
        std::string pharmacist;
        std::string reason;
    };
    std::optional<StandingOverride> useStandingOverride(const usp797::GateRequest& request,
                                                        const usp797::GateDecision& current,
                                                        const std::string& usedFor, TimePoint at);
    // The "what is due" list, qualification states and open excursions (optionally one person / room).
    [[nodiscard]] ComplianceStatus status(TimePoint now,
                                          const std::optional<std::string>& person = std::nullopt,
                                          const std::optional<std::string>& room = std::nullopt);

private:
    usp797::GateRequest withRoom(usp797::GateRequest request);
    Database& m_db;
    AuditLog& m_audit;
};

} // namespace admix::store
