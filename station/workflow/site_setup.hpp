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

#include <string>
#include <vector>

namespace admix::workflow {

struct SetupGap {
    std::string missing; // "No users"
    std::string command; // "admix users add --username USER --name \"NAME\" --role admin --password"
};

// `room` and `pec` are this station's codes from its configuration (may be empty).
[[nodiscard]] std::vector<SetupGap> setupGaps(store::Database& db, store::AuditLog& audit,
                                              store::ComplianceStore& compliance, const std::string& room,
                                              const std::string& pec);

struct StationFormulary {
    formulas::Formulary formulary; // approved recipe versions only
    formulas::FormulasPolicy policy;
    int version = 0;
};

// The approved formulary stored on this station and its stored formulas policy (seeded from the
// shipped assets/policy/formulas.toml, changed with `admix policy set|import`).
[[nodiscard]] Result<StationFormulary> loadStationFormulary(store::Database& db, store::AuditLog& audit);

} // namespace admix::workflow
