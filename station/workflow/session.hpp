// The scripted station (`admix session`): one JSON request in, one JSON answer out, acting on the
// station's records through the same PreparationEngine, compliance gate, authenticator, image store,
// evidence-photo quality check and label builder as the touchscreen station. It holds no rule of its
// own: it reads a request, calls the station's code, and says what that code answered. The protocol
// (ops, fields, answers) is documented in README.md ("Scripted preparations").
//
// Every answer has "ok" and echoes the request's "id"; a refusal has "error" (words for a person)
// and, when the engine refused a step, "verdict":"failed" and "message". A malformed request, an
// unknown op or a missing field is answered with an error naming it; nothing changes.
// Only a sandbox session (a throwaway copy of the data) accepts "now" to move its clock forward.
// Not thread-safe: one session, one thread, its own Database connection. Storage failures are caught
// per request and answered as errors (the session goes on).
#pragma once

#include "formulas/formulary.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/database.hpp"
#include "station/store/image_store.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/compliance_gate.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/label.hpp"
#include "vision/quality.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace admix::workflow {

struct SessionSetup {
    std::filesystem::path dataDir; // an existing station data directory (database + images)
    bool sandbox = false;          // a throwaway copy: "now" may move the clock
    std::string stationName = "admix session";
    std::string room; // defaults for "start" (the station's config); may be empty
    std::string pec;
    std::string printerName = "simulated label printer";
    std::string balanceName = "simulated balance (admix session)";
    formulas::Formulary formulary;
    formulas::FormulasPolicy policy;
    vision::QualityThresholds quality;
    std::optional<LabelLayout> labelLayout; // nullopt: the label request is refused
};

class ScriptSession {
public:
    explicit ScriptSession(SessionSetup setup);
    ScriptSession(const ScriptSession&) = delete;
    ScriptSession& operator=(const ScriptSession&) = delete;

    // One line of the protocol: parses it and answers (never throws for bad input).
    [[nodiscard]] nlohmann::json handleLine(std::string_view line);
    // One request already parsed.
    [[nodiscard]] nlohmann::json handle(const nlohmann::json& request);

    [[nodiscard]] TimePoint now() const;
    [[nodiscard]] store::Database& database() { return m_db; }
    [[nodiscard]] PreparationEngine& engine() { return m_engine; }

    struct Refusal; // thrown inside a request to answer with an error; never escapes handle()

private:
    nlohmann::json dispatch(const std::string& op, const nlohmann::json& r);
    nlohmann::json signIn(const nlohmann::json& r);
    nlohmann::json garb(const nlohmann::json& r);
    nlohmann::json orderAdd(const nlohmann::json& r);
    nlohmann::json queue(const nlohmann::json& r);
    nlohmann::json start(const nlohmann::json& r);
    nlohmann::json stepEvent(const std::string& op, const nlohmann::json& r);
    nlohmann::json overrideStep(const nlohmann::json& r);
    nlohmann::json check(const std::string& op, const nlohmann::json& r);
    nlohmann::json show(const nlohmann::json& r);

    // Who signs and with what, from a request's (or its "override" object's) "user" and "pin" or
    // "password"; refused, naming `prefix` + "pin", when no secret is given.
    struct SignerSecret {
        std::string signer;
        std::string secret;
        bool withPin = false;
    };
    SignerSecret signerSecret(const nlohmann::json& r, const std::string& prefix);
    // A pharmacist's fresh e-signature for `action` on `subject`; refused as "<what>: <why>".
    Signature pharmacistSignature(const SignerSecret& s, const std::string& action,
                                  const std::string& subject, const std::string& meaning,
                                  const std::string& what);
    const User& actor(const nlohmann::json& r);
    Result<User> authenticate(const std::string& who, const nlohmann::json& r, const char* where);
    int64_t prepOf(const nlohmann::json& r);
    nlohmann::json outcomeAnswer(const Result<Outcome>& outcome);
    std::string eventKey(const nlohmann::json& r, const std::string& op, int step);

    SessionSetup m_setup;
    store::Database m_db;
    store::AuditLog m_audit;
    Authenticator m_auth;
    store::ComplianceStore m_compliance;
    store::ImageStore m_images;
    PreparationEngine m_engine;
    StoreComplianceGate m_gate;
    std::optional<User> m_user;
    std::optional<User> m_requestUser; // this request's own user + pin
    std::chrono::seconds m_clockOffset{0};
    std::string m_token; // makes generated event keys unique to this session
    int64_t m_sequence = 0;
    std::optional<int64_t> m_lastPrep;
};

} // namespace admix::workflow
