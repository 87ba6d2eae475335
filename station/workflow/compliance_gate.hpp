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
