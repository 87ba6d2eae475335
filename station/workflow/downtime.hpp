// Downtime procedure: when the station cannot be used, the pharmacy prepares on paper from a printed
// worksheet; afterwards a pharmacist enters each paper preparation so the record is complete.
//
// downtimeWorksheetHtml(): a printable HTML page (one page per order) of the queued orders with their
// plans: every step in order, with blank fields for lot, expiry, measured volume and initials, the
// label's content with blanks for what only the preparation knows (BUD, lots, prepared/checked by).
// An order the station cannot plan is printed with the reason and "do not prepare": the paper never
// carries a plan the station would refuse.
//
// recordDowntimePreparation(): enters a paper preparation of a queued order as "prepared during
// downtime": a released preparation whose steps are marked overridden (the station verified none of
// them), one evidence row carrying what the paper says and the photo of the worksheet, the
// pharmacist's e-signature ("prep.downtime_record" on the order number), all in one transaction with
// their audit rows. downtimeRecordFor() is what every report shows for such a preparation.
// Not thread-safe: one call per connection. Expected refusals are Results; storage failures throw.
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/workflow/auth.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::workflow {

// The queued orders (or the ones named, in that order; an unknown number is refused) as a worksheet.
[[nodiscard]] Result<std::string>
downtimeWorksheetHtml(store::Database& db, const formulas::Formulary& formulary,
                      const formulas::FormulasPolicy& policy, const std::vector<std::string>& orderNumbers,
                      const std::string& stationName, TimePoint now = nowUtc());

struct DowntimeEntry {
    std::string orderNumber;
    std::string preparedBy;      // username of the person who prepared it on paper (a station user)
    TimePoint preparedAt{};      // as written on the worksheet
    std::string worksheetSha256; // the photo of the filled-in worksheet, already in the image store
    nlohmann::json details = nlohmann::json::object(); // what the paper says: lots, expiry, volumes, notes
};

// Refuses: an unknown order or one that is not open; an unknown preparer or one who may not
// compound; a worksheet photo that is not in the image store; a preparation time in the future;
// a signature that is not a pharmacist's for "prep.downtime_record" on this order. Returns the new
// preparation's number.
[[nodiscard]] Result<std::string>
recordDowntimePreparation(store::Database& db, store::AuditLog& audit, const std::string& stationName,
                          const formulas::Formulary& formulary, const formulas::FormulasPolicy& policy,
                          const DowntimeEntry& entry, const Signature& signature, TimePoint now = nowUtc());

// The downtime record of a preparation as JSON for reports ({"prepared_during_downtime": true, ...}),
// or nullopt for a preparation made at the station.
[[nodiscard]] std::optional<nlohmann::json> downtimeRecordFor(store::Database& db, int64_t prepId);

} // namespace admix::workflow
