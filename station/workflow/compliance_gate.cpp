#include "station/workflow/compliance_gate.hpp"

#include "formulas/text.hpp"

namespace admix::workflow {

GateCheck StoreComplianceGate::check(const usp797::GateRequest& request, bool record) {
    if (!record)
        return GateCheck{0, m_store.previewGate(request)};
    const auto outcome = m_store.checkGate(request);
    return GateCheck{outcome.decisionId, outcome.decision};
}

Status StoreComplianceGate::override(int64_t decisionId, const std::string& pharmacist,
                                     const std::string& reason, TimePoint now) {
    return m_store.overrideGate(decisionId, pharmacist, reason, now);
}

std::optional<int64_t> StoreComplianceGate::useStandingOverride(const usp797::GateRequest& request,
                                                                const usp797::GateDecision& current,
                                                                const std::string& usedFor, TimePoint now) {
    const auto used = m_store.useStandingOverride(request, current, usedFor, now);
    if (!used)
        return std::nullopt;
    return used->decisionId;
}

Status overrideGateDecision(ComplianceGate& gate, int64_t decisionId, const Signature& signature,
                            TimePoint now) {
    const std::string subject = "gate:" + std::to_string(decisionId);
    if (signature.signer.role != Role::Pharmacist)
        return Status::fail("a gate override needs a pharmacist's signature");
    if (signature.action != "gate.override" || signature.subject != subject)
        return Status::fail("the signature was given for " + signature.action + " on " + signature.subject +
                            ", not gate.override on " + subject);
    if (formulas::trim(signature.meaning).empty())
        return Status::fail("a gate override needs a reason");
    return gate.override(decisionId, signature.signer.username, signature.meaning, now);
}

} // namespace admix::workflow

namespace admix::workflow {

Result<usp797::ESignature> ReauthSignatureAuthority::sign(const std::string& user, const std::string& meaning,
                                                          const std::string& reason, TimePoint at) {
    const auto sig = m_auth.sign(user, m_secret, std::nullopt, "usp797.sign", meaning, reason, at);
    if (!sig)
        return sig.error();
    return usp797::ESignature{sig->signer.username, meaning, reason, at,
                              "re-authenticated (audit row " + std::to_string(sig->auditId) + ")"};
}

} // namespace admix::workflow
