#include "station/workflow/compliance_gate.hpp"

namespace admix::workflow {

std::vector<std::string> StoreComplianceGate::blockers(const User& person, const PrepSpec& spec, const std::string& room,
                                                       const std::string& pec, TimePoint now) {
    std::vector<std::string> out;
    const auto category = usp797::parseCategory(spec.category);
    if (!category) {
        out.push_back("the recipe's CSP category '" + spec.category + "' is not 1, 2, 3 or immediate");
        return out;
    }
    const auto pecRecord = m_store.pec(pec);
    if (!pecRecord) {
        out.push_back("PEC " + pec + " is not in the site's records");
    } else {
        if (pecRecord->room != room)
            out.push_back("PEC " + pec + " is in room " + pecRecord->room + ", not " + room);
        if (spec.hazardous) {
            const bool containment = pecRecord->type == usp797::PecType::Bsc || pecRecord->type == usp797::PecType::Caci;
            if (!containment || !pecRecord->hazardous)
                out.push_back("hazardous drug (USP <800>): needs a biological safety cabinet or containment isolator "
                              "for hazardous drugs; " + pec + " is a " + std::string(usp797::pecTypeName(pecRecord->type)));
            const auto roomRecord = m_store.room(room);
            if (roomRecord && !roomRecord->hazardous)
                out.push_back("hazardous drug (USP <800>): room " + room + " is not a hazardous-drug room");
        }
    }
    usp797::GateRequest request{person.username, *category, pec, now};
    const auto outcome = m_store.checkGate(request);
    for (const auto& reason : outcome.decision.reasons)
        out.push_back(reason.message);
    return out;
}

} // namespace admix::workflow

namespace admix::workflow {

Result<usp797::ESignature> ReauthSignatureAuthority::sign(const std::string& user, const std::string& meaning,
                                                          const std::string& reason, TimePoint at) {
    const auto sig = m_auth.sign(user, m_secret, std::nullopt, "usp797.sign", meaning, reason, at);
    if (!sig)
        return sig.error();
    return usp797::ESignature{sig->signer.username, meaning, reason, at, "re-authenticated (audit row " + std::to_string(sig->auditId) + ")"};
}

} // namespace admix::workflow
