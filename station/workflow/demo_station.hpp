// The touchscreen's own demo additions on top of the shared demo data (users, site, monitoring,
// qualifications, checked preparations): orders waiting in the queue for the demo technician, and
// today's room readings and daily cleaning so that the demo room is in spec. Only for a station in
// demo mode; idempotent (adds orders only to an empty queue, records today's entries only if
// missing). Everything is clearly fictitious and goes through the engine and the compliance store
// like real entries, so it is audited. Errors: Result.
#pragma once

#include "formulas/formulary.hpp"
#include "station/store/compliance_store.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/engine.hpp"

namespace admix::workflow {

struct DemoStationSummary {
    int ordersAdded = 0;
    int entriesAdded = 0;
    int excursionsClosed = 0;
};

// `qaPassword` is the demo quality user's password: the demo room's open excursions are investigated,
// re-sampled and closed by that user with a re-authenticated e-signature, so the demo room is in spec
// (the other rooms keep theirs for the quality review).
Result<DemoStationSummary> prepareDemoStation(store::Database& db, PreparationEngine& engine,
                                              Authenticator& auth, store::ComplianceStore& compliance,
                                              const std::string& room, const std::string& pec,
                                              const std::string& qaPassword, TimePoint now = nowUtc());

} // namespace admix::workflow
