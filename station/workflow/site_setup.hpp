// What a real (not demo) station needs before anyone can prepare, and the formulary it prepares
// from. setupGaps() lists every missing piece with the command that adds it, for the station's first
// screen; loadStationFormulary() gives the approved formulary from the database and the site's
// formulas policy. Nothing demo is ever loaded here. Not thread-safe: the caller's Database.
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/result.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/database.hpp"
#include "station/store/formulary_repo.hpp"

#include <optional>
#include <string>
#include <vector>

namespace admix::workflow {

struct SetupGap {
    std::string missing;      // "No users"
    std::string command;      // "admix users add --username USER --name \"NAME\" --role admin --password"
    bool thisStation = false; // about this station's own room and PEC, not the site's data
};

// `room` and `pec` are this station's codes from its configuration (may be empty).
[[nodiscard]] std::vector<SetupGap> setupGaps(store::Database& db, store::AuditLog& audit,
                                              store::ComplianceStore& compliance, const std::string& room,
                                              const std::string& pec);

struct StationFormulary {
    formulas::Formulary formulary; // approved recipe versions only
    formulas::FormulasPolicy policy;
    int version = 0;
    store::FormularyGeneration generation; // read before the formulary: a change in between shows next time
};

// The approved formulary stored on this station and its stored formulas policy (seeded from the
// shipped assets/policy/formulas.toml, changed with `admix policy set|import`).
[[nodiscard]] Result<StationFormulary> loadStationFormulary(store::Database& db, store::AuditLog& audit);
// What loadStationFormulary would see now, cheaply: a running station asks every few seconds and
// reads its formulary again when this differs from StationFormulary::generation (a recipe approved or
// retired on the web or with `admix formulary`, a new version imported): a newly approved recipe is
// offered, and an HL7 order for it accepted, without a restart; a retired one leaves the lists and an
// HL7 order for it is refused on arrival (the engine refuses to start it in any case).
[[nodiscard]] store::FormularyGeneration stationFormularyGeneration(store::Database& db);

// One reader of the station formulary that follows it (the station's frame loop, the HL7 listener):
// readIfChanged() gives what loadStationFormulary gives now, on its first call and whenever the
// generation changed since, and nullopt otherwise. A failed read keeps the generation it saw, so it
// is not repeated until something changes. Not thread-safe: one per reader.
class StationFormularyFollower {
public:
    [[nodiscard]] std::optional<Result<StationFormulary>> readIfChanged(store::Database& db,
                                                                        store::AuditLog& audit);

private:
    std::optional<store::FormularyGeneration> m_seen;
};

} // namespace admix::workflow
