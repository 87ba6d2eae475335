#include "station/workflow/prep_document.hpp"

#include "station/store/order_holds.hpp"
#include "station/workflow/downtime.hpp"

namespace admix::workflow {

using nlohmann::json;

json orderDocument(const store::OrderRow& o) {
    return {{"id", o.id},
            {"order", o.orderNumber},
            {"patient", o.patientName},
            {"mrn", o.patientMrn},
            {"recipe", o.recipeId},
            {"dose", json::parse(o.doseJson, nullptr, false)},
            {"route", o.route},
            {"final_volume_ml", o.finalVolumeMl ? json(*o.finalVolumeMl) : json(nullptr)},
            {"priority", o.priority},
            {"due", o.dueUtc},
            {"prescriber", o.prescriber},
            {"status", o.status}};
}

std::optional<json> prepDocument(store::Database& db, PreparationEngine& engine, int64_t prepId) {
    const auto view = engine.view(prepId);
    if (!view)
        return std::nullopt;
    store::PrepRepo repo(db);
    json steps = json::array();
    for (const auto& s : view->steps)
        steps.push_back({{"index", s.index},
                         {"kind", stepKindName(s.spec.kind)},
                         {"title", s.spec.title},
                         {"state", std::string(stepStateName(s.state))},
                         {"attempts", s.attempts},
                         {"result", s.result}});
    json evidence = json::array();
    for (const auto& e : repo.evidence(view->id))
        evidence.push_back({{"id", e.id},
                            {"step", e.stepIndex},
                            {"kind", e.kind},
                            {"outcome", e.outcome},
                            {"message", e.message},
                            {"data", json::parse(e.dataJson, nullptr, false)},
                            {"image", e.imageSha256 ? json(*e.imageSha256) : json(nullptr)},
                            {"by", e.actor},
                            {"at", e.atUtc}});
    const auto order = repo.order(view->orderId);
    json orderDoc = order ? orderDocument(*order) : json(nullptr);
    if (order) {
        // What the technician is shown with the order: the prescriber's / pharmacy's comments (HL7
        // NTE), and a stop put on it by the pharmacy system (changed or discontinued).
        orderDoc["comments"] = repo.orderComments(order->id);
        const auto hold = store::OrderHolds(db).find(order->id);
        orderDoc["stop"] =
            hold ? json{{"kind", hold->kind}, {"reason", hold->reason}, {"at", hold->atUtc}} : json(nullptr);
    }
    const auto downtime = downtimeRecordFor(db, view->id); // prepared on paper during a downtime
    return json{{"id", view->id},
                {"downtime", downtime ? *downtime : json(nullptr)},
                {"number", view->number},
                {"status", std::string(prepStatusName(view->status))},
                {"current_step", view->currentStep},
                {"technician", view->technician},
                {"room", view->room},
                {"pec", view->pec},
                {"started", view->startedUtc},
                {"order", orderDoc},
                {"plan", toJson(view->spec)},
                {"steps", steps},
                {"overrides", view->anyOverride},
                {"evidence", evidence},
                {"checked_by", view->checkedBy ? json(*view->checkedBy) : json(nullptr)},
                {"check", view->checkOutcome ? json(*view->checkOutcome) : json(nullptr)},
                {"check_reason", view->checkReason ? json(*view->checkReason) : json(nullptr)}};
}

} // namespace admix::workflow
