// Product recalls kept by the site: added one by one or from a CSV notice file (all rows or none,
// every bad row named with its line), listed and removed, each change audited; only a pharmacist or
// quality staff may change the list. A recall covers a product (by NDC or GTIN-14, any packaging
// level) and one lot, or every lot when the lot is empty. What it means for preparations is decided
// where they are: the engine blocks the next step of one in progress and refuses the approval of one
// awaiting check (site_checks.hpp); affected() lists the released ones for retrieval.
// Not thread-safe: the caller's Database. Expected refusals are Results; storage failures throw.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/store/site_repo.hpp"
#include "station/workflow/auth.hpp"

#include <string>
#include <vector>

namespace admix::workflow {

struct RecallInput {
    std::string ndc;  // either this ...
    std::string gtin; // ... or this
    std::string lot;  // empty: every lot
    std::string reason;
    std::string source;
    std::string date; // YYYY-MM-DD of the notice, may be empty
};

// Header row with the columns ndc or gtin (or both), lot, reason, source, date (any order; reason
// required). Every bad row is reported ("recalls.csv:4: ndc: ...") in one error; no row is returned then.
[[nodiscard]] Result<std::vector<RecallInput>> parseRecallCsv(std::string_view text, const std::string& name);

class RecallService {
public:
    RecallService(store::Database& db, store::AuditLog& audit) : m_db(db), m_audit(audit) {}

    Result<int64_t> add(const RecallInput& recall, const User& by, TimePoint now = nowUtc());
    // All rows in one transaction; any bad or duplicate row refuses the file.
    Result<int> importCsv(std::string_view text, const std::string& name, const User& by,
                          TimePoint now = nowUtc());
    Status remove(int64_t id, const User& by, const std::string& reason, TimePoint now = nowUtc());
    [[nodiscard]] std::vector<store::RecallRow> list();
    // Every preparation that used a recalled lot, with its state.
    [[nodiscard]] std::vector<store::LotUse> affected();
    [[nodiscard]] std::vector<store::LotUse> trace(const std::string& lot,
                                                   const std::optional<std::string>& gtinOrNdc);

private:
    Result<store::RecallRow> check(const RecallInput& recall, const User& by, TimePoint now);
    Status mayChange(const User& by, const char* what, TimePoint now);

    store::Database& m_db;
    store::AuditLog& m_audit;
};

// The GTIN-14 of an NDC (any form) or a GTIN-14 as given; an error naming what is wrong.
[[nodiscard]] Result<std::string> productGtin(const std::string& ndc, const std::string& gtin);

} // namespace admix::workflow
