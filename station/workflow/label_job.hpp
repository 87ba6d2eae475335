// The label of one preparation from the station's records: its view and order, the plan re-derived
// for the recipe version it was made from, the BUD from the site's USP <797> tables, and the names
// of who prepared and who checked it, laid out with the given layout. What the station prints and
// previews. Not thread-safe (uses the caller's Database). Errors: Result (e.g. not complete yet).
#pragma once

#include "station/store/audit_log.hpp"
#include "station/workflow/label.hpp"

namespace admix::workflow {

[[nodiscard]] Result<LabelData> labelDataFor(store::Database& db, store::AuditLog& audit, int64_t prepId,
                                             const formulas::Formulary& formulary,
                                             const formulas::FormulasPolicy& policy,
                                             const LabelLayout& layout, LabelClock clock = LabelClock::Local);

} // namespace admix::workflow
