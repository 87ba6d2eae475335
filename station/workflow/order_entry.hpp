// Entering an order by hand (the CLI, the web page, the station's order form): the order is planned
// against the station's approved formulary and the site policy when it is entered. A blocking plan
// flag refuses it with the flag's own words; warnings are shown and must be acknowledged (the
// acknowledgement is audited with the order). The order itself is added by the engine (who may
// enter one, duplicate order ids). Not thread-safe: the caller's Database. Expected refusals are
// Results; storage failures throw store::StoreError.
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/plan.hpp"
#include "formulas/result.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/workflow/engine.hpp"

#include <string>
#include <vector>

namespace admix::workflow {

struct EnteredOrder {
    int64_t orderId = 0;
    std::string orderNumber;
    std::vector<formulas::PlanFlag> warnings; // acknowledged
};

// The plan an order would get (nothing stored).
[[nodiscard]] Result<formulas::Plan> planOrderInput(const OrderInput& order,
                                                    const formulas::Formulary& formulary,
                                                    const formulas::FormulasPolicy& policy);

// "DOSE_ABOVE_MAX: ...; ROUNDING_DEVIATION: ..." for the flags of `severity`.
[[nodiscard]] std::string flagWords(const formulas::Plan& plan, formulas::FlagSeverity severity);

// Plans and adds the order. Refused (nothing stored) when the recipe is not in `formulary` (pass the
// approved one), a flag blocks, or warnings exist and `warningsAcknowledged` is false.
Result<EnteredOrder> enterOrder(PreparationEngine& engine, store::Database& db, store::AuditLog& audit,
                                const OrderInput& order, const formulas::Formulary& formulary,
                                const formulas::FormulasPolicy& policy, const User& by,
                                bool warningsAcknowledged, TimePoint now = nowUtc());

} // namespace admix::workflow
