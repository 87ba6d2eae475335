// The pharmacist's order entry on the web: the approved recipes with what each needs from the
// patient, the order list, entering an order and cancelling one. An order goes through exactly the
// path of `admix order add` (workflow::parseOrderJson, then workflow::enterOrder: planned on entry,
// a blocking flag refuses with its words, warnings must be acknowledged, a duplicate id is refused);
// a cancellation through PreparationEngine::cancelOrder. This file gathers input and shapes JSON.
#include "station/remote/routes.hpp"

#include "formulas/text.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/site_repo.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/order_entry.hpp"
#include "station/workflow/order_json.hpp"
#include "station/workflow/site_setup.hpp"

#include <array>
#include <set>

namespace admix::remote::detail {

namespace {

constexpr std::array<const char*, 5> kStatuses{"open", "in_progress", "awaiting_check", "released",
                                               "cancelled"};

json flagsJson(const formulas::Plan& plan, formulas::FlagSeverity severity) {
    json out = json::array();
    for (const auto& f : plan.flags)
        if (f.severity == severity)
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

// Whole years from a birth date to `now` (UTC calendar).
std::optional<int> ageInYears(const std::string& birth, TimePoint now) {
    const auto born = parseDate(birth);
    if (!born)
        return std::nullopt;
    const Date today{std::chrono::floor<std::chrono::days>(now)};
    int years = static_cast<int>(today.year()) - static_cast<int>(born->year());
    if (today.month() < born->month() || (today.month() == born->month() && today.day() < born->day()))
        --years;
    return years;
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
    json order = *orderIt;
    // The age the plan reads (Cockcroft-Gault) from the date of birth, unless given.
    if (order.contains("patient") && order["patient"].is_object()) {
        json& patient = order["patient"];
        if (patient.contains("birth_date") && patient["birth_date"].is_string() &&
            !patient.contains("age_years"))
            if (const auto age = ageInYears(patient["birth_date"].get<std::string>(), call.now);
                age && *age >= 0)
                patient["age_years"] = *age;
    }
    const auto acknowledged = stringField(call, *body, "acknowledged_warnings", 8000, false, true);
    if (!acknowledged)
        return;
    const auto input = workflow::parseOrderJson(order);
    if (!input) {
        reply(call.res, 400, json{{"error", input.error().text()}, {"field", input.error().where}});
        return;
    }
    const auto setup = workflow::loadStationFormulary(call.db, call.audit);
    if (!setup) {
        replyError(call.res, 409, setup.error().text());
        return;
    }
    // The warnings acknowledged must be the very ones the plan gives now (the page shows them first).
    json blocking = json::array(), warnings = json::array();
    std::string warningText;
    if (const auto plan = workflow::planOrderInput(*input, setup->formulary, setup->policy)) {
        blocking = flagsJson(*plan, formulas::FlagSeverity::Blocking);
        warnings = flagsJson(*plan, formulas::FlagSeverity::Warning);
        warningText = workflow::flagWords(*plan, formulas::FlagSeverity::Warning);
    }
    const bool ack = !warningText.empty() && *acknowledged == warningText;
    workflow::PreparationEngine engine(call.db, call.audit, call.stationName);
    const auto entered = workflow::enterOrder(engine, call.db, call.audit, *input, setup->formulary,
                                              setup->policy, call.session->user, ack, call.now);
    if (!entered) {
        const Error& e = entered.error();
        json out{{"error", e.text()}, {"field", e.where}, {"blocking", blocking}, {"warnings", warnings}};
        if (e.where == "plan" && blocking.empty() && !warnings.empty())
            out["warnings_text"] = warningText; // acknowledge exactly these, then send again
        reply(call.res, e.where == "recipe" ? 400 : 409, out);
        return;
    }
    auditRow(call, call.user(), "remote.order_add", entered->orderNumber,
             json{{"order_id", input->externalId}, {"address", call.address}});
    json acked = json::array();
    for (const auto& w : entered->warnings)
        acked.push_back(json{{"code", w.code}, {"message", w.message}});
    reply(call.res, 200,
          json{{"number", entered->orderNumber}, {"order_id", input->externalId}, {"warnings", acked}});
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
