// Turns a formulas::Plan into the ordered steps a technician follows, each with its gate: for every
// drug ingredient scan the vial, reconstitute where needed, weigh every draw (or, where the balance
// cannot verify the volume, photograph the syringe for the pharmacist), photograph the syringe beside
// the vial; then scan the final container, add and mix, photograph the final product, print the label.
// A plan with a blocking flag (dose over the maximum, a volume no syringe can measure, ...) gives no
// steps: the error lists every blocking flag. Pure; thread-safe.
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/plan.hpp"
#include "formulas/result.hpp"
#include "station/store/prep_repo.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/prep_spec.hpp"

namespace admix::workflow {

[[nodiscard]] Result<PrepSpec> specFromPlan(const formulas::Plan& plan, const formulas::Formulary& formulary);

// The order as the formulas layer reads it (patient, dose, final volume), from the stored order.
[[nodiscard]] Result<formulas::Order> formulasOrder(const store::OrderRow& order);
// Plans a stored order against the formulary and policy and turns the plan into steps.
[[nodiscard]] Result<PrepSpec> specForOrder(const store::OrderRow& order, const formulas::Formulary& formulary,
                                            const formulas::FormulasPolicy& policy);

// What a scanned GTIN is, from the formulary (for "wrong drug" vs "wrong strength").
[[nodiscard]] ProductLookup formularyLookup(const formulas::Formulary& formulary);

} // namespace admix::workflow
