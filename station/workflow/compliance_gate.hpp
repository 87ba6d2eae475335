// The engine's compliance gate backed by the station's USP <797>/<800> records: the store gathers
// the facts (store::ComplianceStore::gateFacts), usp797::evaluateGate decides, and the store keeps
// and audits every decision and every pharmacist override. Nothing here decides anything itself:
// this class only turns a preparation (its category and hazardous-drug flag) and a place into the
// one gate question. Not thread-safe: the engine's thread and Database.
#pragma once

#include "station/store/compliance_store.hpp"
#include "station/workflow/engine.hpp"

namespace admix::workflow {

class StoreComplianceGate final : public ComplianceGate {
public:
    explicit StoreComplianceGate(store::ComplianceStore& store) : m_store(store) {}
    [[nodiscard]] GateCheck check(const usp797::GateRequest& request, bool record) override;
    Status override(int64_t decisionId, const std::string& pharmacist, const std::string& reason,
                    TimePoint now) override;
    std::optional<int64_t> useStandingOverride(const usp797::GateRequest& request,
                                               const usp797::GateDecision& current,
                                               const std::string& usedFor, TimePoint now) override;

private:
    store::ComplianceStore& m_store;
};

} // namespace admix::workflow

namespace admix::workflow {

// USP <797> e-signatures (closing an excursion, signing off a record) made by re-authentication
// through the station's Authenticator: the signer's password or badge PIN is checked (failures count
// toward lockout) and the signature is recorded in the audit trail. `secret` is what the person just
// entered; the object is meant to live for one signature.
class ReauthSignatureAuthority final : public usp797::SignatureAuthority {
public:
    ReauthSignatureAuthority(Authenticator& auth, std::string secret)
        : m_auth(auth), m_secret(std::move(secret)) {}
    [[nodiscard]] Result<usp797::ESignature> sign(const std::string& user, const std::string& meaning,
                                                  const std::string& reason, TimePoint at) override;

private:
    Authenticator& m_auth;
    std::string m_secret;
};

// The one way a pharmacist overrides a refused gate decision, used by the station (start with a
// signature), the CLI (`admix compliance override`) and the web: the signature must be a fresh
// pharmacist's e-signature for "gate.override" on "gate:<decision>" with a reason; site policy must
// allow overriding every reason of the decision (each one it does not is named). The override then
// lets one matching preparation start (PreparationEngine::start) within gate.override_valid_minutes.
Status overrideGateDecision(ComplianceGate& gate, int64_t decisionId, const Signature& signature,
                            TimePoint now = nowUtc());

} // namespace admix::workflow
