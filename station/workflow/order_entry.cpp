#include "station/workflow/order_entry.hpp"

#include "station/store/prep_repo.hpp"
#include "station/workflow/plan_steps.hpp"

#include <nlohmann/json.hpp>

namespace admix::workflow {

using nlohmann::json;

Result<formulas::Plan> planOrderInput(const OrderInput& order, const formulas::Formulary& formulary,
                                      const formulas::FormulasPolicy& policy) {
    if (!formulary.recipe(order.recipeId))
        return Result<formulas::Plan>::fail(
            "'" + order.recipeId +
                "' is not an approved recipe of this station's formulary (see `admix formulary list`)",
            "recipe");
    store::OrderRow row;
    row.orderNumber = order.externalId;
    row.recipeId = order.recipeId;
    row.route = order.route;
    row.finalVolumeMl = order.finalVolumeMl;
    row.doseJson = order.dose.dump();
    // The plan reads only the clinical facts of the patient.
    json clinical = json::object();
    for (const auto& [k, v] : order.patient.items())
        if (k != "birth_date" && k != "location")
            clinical[k] = v;
    row.patientJson = clinical.dump();
    return planForOrder(row, formulary, policy);
}

std::string flagWords(const formulas::Plan& plan, formulas::FlagSeverity severity) {
    std::string out;
    for (const auto& f : plan.flags)
        if (f.severity == severity)
            out += (out.empty() ? "" : "; ") + f.code + ": " + f.message;
    return out;
}

Result<EnteredOrder> enterOrder(PreparationEngine& engine, store::Database& db, store::AuditLog& audit,
                                const OrderInput& order, const formulas::Formulary& formulary,
                                const formulas::FormulasPolicy& policy, const User& by,
                                bool warningsAcknowledged, TimePoint now) {
    const auto plan = planOrderInput(order, formulary, policy);
    if (!plan)
        return plan.error();
    if (const auto blocking = flagWords(*plan, formulas::FlagSeverity::Blocking); !blocking.empty()) {
        audit.append(by.username, "order.refused", order.externalId,
                     json{{"recipe", order.recipeId}, {"blocking", blocking}}.dump(), now);
        return Result<EnteredOrder>::fail("refused by the plan: " + blocking, "plan");
    }
    const auto warnings = flagWords(*plan, formulas::FlagSeverity::Warning);
    if (!warnings.empty() && !warningsAcknowledged)
        return Result<EnteredOrder>::fail(
            "warnings must be acknowledged before the order is entered: " + warnings, "plan");
    const auto id = engine.addOrder(order, by, now);
    if (!id)
        return id.error();
    EnteredOrder out{*id, store::PrepRepo(db).order(*id)->orderNumber, {}};
    for (const auto& f : plan->flags)
        if (f.severity == formulas::FlagSeverity::Warning)
            out.warnings.push_back(f);
    if (!warnings.empty())
        audit.append(by.username, "order.warnings.acknowledged", out.orderNumber,
                     json{{"warnings", warnings}}.dump(), now);
    return out;
}

} // namespace admix::workflow
