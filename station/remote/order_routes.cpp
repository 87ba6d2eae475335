// The pharmacist's order entry on the web: the approved recipes with what each needs from the
// patient, the order list, entering an order and cancelling one. An order goes through exactly the
// path of `admix order add` and the station's order form (workflow::submitOrder: parseOrderJson, then
// enterOrder: planned on entry, a blocking flag refuses with its words, warnings must be acknowledged,
// a duplicate id is refused);
// a cancellation through PreparationEngine::cancelOrder. This file gathers input and shapes JSON.
#include "station/remote/routes.hpp"

#include "formulas/text.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/site_repo.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/order_entry.hpp"
#include "station/workflow/order_form.hpp"
#include "station/workflow/order_json.hpp"
#include "station/workflow/site_setup.hpp"

#include <array>
#include <set>

namespace admix::remote::detail {

namespace {

constexpr std::array<const char*, 5> kStatuses{"open", "in_progress", "awaiting_check", "released",
                                               "cancelled"};

json flagsJson(const std::vector<formulas::PlanFlag>& flags) {
    json out = json::array();
    for (const auto& f : flags)
        out.push_back(json{{"code", f.code}, {"message", f.message}, {"subject", f.subject}});
    return out;
}

// What the order form asks for a recipe: its dose rule (unit, default, limits) and which patient
// facts the plan needs (weight for per-kg and per-m2 doses, height for per-m2, serum creatinine,
// age and sex for Calvert's GFR).
json recipeJson(const formulas::Recipe& r) {
    json ingredients = json::array();
    bool weight = false, height = false, scr = false;
    for (const auto& ing : r.ingredients) {
        const auto& d = ing.dose;
        ingredients.push_back(json{{"drug", ing.drug},
                                   {"rule", formulas::doseRuleName(d.kind)},
                                   {"unit", d.unit.text()},
                                   {"default", d.defaultValue ? json(*d.defaultValue) : json(nullptr)},
                                   {"min", d.minDose ? json(*d.minDose) : json(nullptr)},
                                   {"max", d.maxDose ? json(*d.maxDose) : json(nullptr)}});
        weight = weight || d.kind != formulas::DoseRuleKind::Fixed;
        height = height || d.kind == formulas::DoseRuleKind::PerM2;
        scr = scr || d.kind == formulas::DoseRuleKind::Calvert;
    }
    const auto& first = r.ingredients.empty() ? nullptr : &r.ingredients.front();
    return json{
        {"id", r.id},
        {"version", r.version},
        {"name", r.name},
        {"route", r.route},
        {"dose_unit", first ? json(first->dose.unit.text()) : json("")},
        {"default_dose", first && first->dose.defaultValue ? json(*first->dose.defaultValue) : json(nullptr)},
        {"ingredients", ingredients},
        {"needs", json{{"weight", weight}, {"height", height}, {"scr", scr}}}};
}

void listOrders(Call& call) {
    const std::string status = call.req.has_param("status") ? call.req.get_param_value("status") : "";
    if (!status.empty() &&
        std::none_of(kStatuses.begin(), kStatuses.end(), [&](const char* s) { return status == s; })) {
        replyError(call.res, 400,
                   "parameter 'status' must be open, in_progress, awaiting_check, released or cancelled");
        return;
    }
    json items = json::array();
    for (const auto& o : store::SiteRepo(call.db).orders(status, 300))
        items.push_back(workflow::orderDocument(call.db, o));
    json recipes = json::array();
    std::string problem;
    if (const auto setup = workflow::loadStationFormulary(call.db, call.audit)) {
        for (const auto& id : setup->formulary.recipeIds())
            if (const auto* r = setup->formulary.recipe(id))
                recipes.push_back(recipeJson(*r));
    } else {
        problem = setup.error().text();
    }
    auditRow(call, call.user(), "remote.view", "orders",
             json{{"what", "order list"}, {"status", status}, {"address", call.address}});
    reply(call.res, 200, json{{"items", items}, {"recipes", recipes}, {"formulary_problem", problem}});
}

void enter(Call& call) {
    auto body = jsonBody(call);
    if (!body)
        return;
    const auto orderIt = body->find("order");
    if (orderIt == body->end() || !orderIt->is_object()) {
        replyError(call.res, 400, "missing field 'order' (the order as an object)");
        return;
    }
    const auto acknowledged = stringField(call, *body, "acknowledged_warnings", 8000, false, true);
    if (!acknowledged)
        return;
    const auto setup = workflow::loadStationFormulary(call.db, call.audit);
    if (!setup) {
        // The order's own errors first, as `admix order add` gives them.
        json order = *orderIt;
        workflow::addAgeFromBirthDate(order, call.now);
        if (const auto input = workflow::parseOrderJson(order); !input) {
            reply(call.res, 400, json{{"error", input.error().text()}, {"field", input.error().where}});
            return;
        }
        replyError(call.res, 409, setup.error().text());
        return;
    }
    // The path of `admix order add` and the station's order form (workflow::submitOrder): the age
    // from the date of birth, the order JSON parsed, planned, entered; warnings count as acknowledged
    // only when they are the very ones the plan gives now (the page shows them first).
    workflow::PreparationEngine engine(call.db, call.audit, call.stationName);
    const auto answer = workflow::submitOrder(engine, call.db, call.audit, *orderIt, setup->formulary,
                                              setup->policy, call.session->user, *acknowledged, call.now);
    if (!answer.ok()) {
        const Error& e = answer.error;
        if (!answer.parsed) {
            reply(call.res, 400, json{{"error", e.text()}, {"field", e.where}});
            return;
        }
        json out{{"error", e.text()},
                 {"field", e.where},
                 {"blocking", flagsJson(answer.blocking)},
                 {"warnings", flagsJson(answer.warnings)}};
        if (!answer.warningsToAcknowledge.empty())
            out["warnings_text"] = answer.warningsToAcknowledge; // acknowledge exactly these, then send again
        reply(call.res, e.where == "recipe" ? 400 : 409, out);
        return;
    }
    const std::string& orderId = answer.orderId;
    auditRow(call, call.user(), "remote.order_add", answer.entered->orderNumber,
             json{{"order_id", orderId}, {"address", call.address}});
    json acked = json::array();
    for (const auto& w : answer.entered->warnings)
        acked.push_back(json{{"code", w.code}, {"message", w.message}});
    reply(call.res, 200,
          json{{"number", answer.entered->orderNumber}, {"order_id", orderId}, {"warnings", acked}});
}

void cancel(Call& call) {
    const std::string number = call.req.matches[1];
    if (!validPrepNumber(number)) {
        replyError(call.res, 400, "not an order number");
        return;
    }
    auto body = jsonBody(call);
    if (!body)
        return;
    const auto reason = stringField(call, *body, "reason", 500, true, true);
    if (!reason)
        return;
    const auto order = store::PrepRepo(call.db).orderByNumber(number);
    if (!order) {
        replyError(call.res, 404, "no order " + number);
        return;
    }
    workflow::PreparationEngine engine(call.db, call.audit, call.stationName);
    if (const Status done =
            engine.cancelOrder(order->id, call.session->user, std::string(formulas::trim(*reason)), call.now);
        !done) {
        replyError(call.res, 409, done.error().text());
        return;
    }
    auditRow(call, call.user(), "remote.order_cancel", number,
             json{{"was", order->status}, {"address", call.address}});
    reply(call.res, 200,
          json{{"number", number},
               {"status", "cancelled"},
               {"was", order->status},
               {"preparation_stops", order->status == "in_progress"}});
}

} // namespace

void registerOrderRoutes(const RouteSink& sink) {
    sink.get("/api/v1/orders", Access::Pharmacist, listOrders);
    sink.post("/api/v1/orders", Access::Pharmacist, enter);
    sink.post(R"(/api/v1/orders/([^/]{1,80})/cancel)", Access::Pharmacist, cancel);
}

} // namespace admix::remote::detail
