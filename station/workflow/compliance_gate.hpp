// The engine's compliance gate backed by the station's USP <797>/<800> records: the person's
// qualification and garbing, the room's cleaning, readings and open excursions, the PEC's
// certification (usp797::evaluateGate through store::ComplianceStore, which stores and audits every
// decision), plus the USP <800> rule that a hazardous drug is compounded only in a containment PEC
// (BSC or CACI) of a hazardous-drug room. Not thread-safe: the engine's thread and Database.
#pragma once

#include "station/store/compliance_store.hpp"
#include "station/workflow/engine.hpp"

namespace admix::workflow {

class StoreComplianceGate final : public ComplianceGate {
public:
    explicit StoreComplianceGate(store::ComplianceStore& store) : m_store(store) {}
    [[nodiscard]] std::vector<std::string> blockers(const User& person, const PrepSpec& spec, const std::string& room,
                                                    const std::string& pec, TimePoint now) override;

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
    ReauthSignatureAuthority(Authenticator& auth, std::string secret) : m_auth(auth), m_secret(std::move(secret)) {}
    [[nodiscard]] Result<usp797::ESignature> sign(const std::string& user, const std::string& meaning,
                                                  const std::string& reason, TimePoint at) override;

private:
    Authenticator& m_auth;
    std::string m_secret;
};

} // namespace admix::workflow
