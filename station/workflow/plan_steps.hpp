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

// The plan for an order row as stored (patient, dose, route, final volume), for a given recipe version
// (nullopt: the latest) and, optionally, the products picked. What the station starts a preparation from.
[[nodiscard]] Result<formulas::Plan> planForOrder(const store::OrderRow& order,
                                                  const formulas::Formulary& formulary,
                                                  const formulas::FormulasPolicy& policy,
                                                  std::optional<int> recipeVersion = std::nullopt,
                                                  const std::vector<std::string>& productIds = {});
// Plans a stored order against the formulary and policy and turns the plan into steps.
[[nodiscard]] Result<PrepSpec> specForOrder(const store::OrderRow& order,
                                            const formulas::Formulary& formulary,
                                            const formulas::FormulasPolicy& policy);

// What a scanned GTIN is, from the formulary (for "wrong drug" vs "wrong strength").
[[nodiscard]] ProductLookup formularyLookup(const formulas::Formulary& formulary);

} // namespace admix::workflow
