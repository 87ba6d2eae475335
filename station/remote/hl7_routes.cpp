// The pharmacist's "orders not matched" routes: HL7 orders held because no recipe is mapped to their
// give code or additive + base codes, and the map that lets them into the queue. The map and the
// re-reading of held orders are the HL7 interface's (station/hl7), on the request's own connection.
#include "station/remote/routes.hpp"

#include "station/hl7/interface.hpp"
#include "station/hl7/order_message.hpp"
#include "station/hl7/service.hpp"
#include "station/store/hl7_repo.hpp"

namespace admix::remote::detail {

namespace {

// The formulary maps point at, read for each request (the station's approved one may change): the
// demo formulary on a demo database, else the station's own (see hl7::mappingFormulary).
std::optional<hl7::MappingFormulary> formulary(Call& call) {
    auto f = hl7::mappingFormulary(call.db, call.audit, false);
    if (!f)
        return std::nullopt;
    return std::move(*f);
}

// One item per order not matched: a held message with several orders lists each order whose codes
// no recipe is mapped to yet (the message enters the queue, all its orders at once, when the last is).
void unmatched(Call& call) {
    const auto f = formulary(call);
    if (!f)
        return replyError(call.res, 500, "the formulary cannot be loaded");
    hl7::Hl7Interface interface(call.db, call.audit, f->formulary, f->policy);
    json items = json::array();
    for (const auto& row : store::Hl7Repo(call.db).inbox("held", 1000)) {
        const json base{
            {"id", row.id},         {"received", row.receivedUtc}, {"control_id", row.controlId.value_or("")},
            {"sender", row.sender}, {"reason", row.reason},        {"placer", row.placer}};
        bool listed = false;
        if (const auto m = hl7::parseMessage(row.raw)) {
            const auto read = hl7::readPharmacyOrders(*m);
            if (const auto* groups = std::get_if<std::vector<hl7::OrderGroup>>(&read)) {
                for (const auto& g : *groups) {
                    const hl7::PharmacyOrder& o = g.order;
                    if (o.control != "NW" && o.control != "XO")
                        continue;
                    if (!interface.mappedRecipe(o).empty())
                        continue;
                    json item = base;
                    item["placer"] = o.placer;
                    item["orders_in_message"] = groups->size();
                    item["patient"] = o.patientName;
                    item["mrn"] = o.mrn;
                    item["give_code"] = o.giveCode;
                    item["give_text"] = o.giveText;
                    if (const auto* a = o.firstAdditive())
                        item["additive"] = {{"code", a->code}, {"text", a->text}};
                    if (const auto* b = o.baseComponent())
                        item["base"] = {{"code", b->code}, {"text", b->text}};
                    items.push_back(std::move(item));
                    listed = true;
                }
            }
        }
        if (!listed)
            items.push_back(base);
    }
    json recipes = json::array();
    for (const auto& id : f->formulary.recipeIds())
        recipes.push_back({{"id", id}, {"name", f->formulary.recipe(id)->name}});
    reply(call.res, 200, json{{"items", items}, {"recipes", recipes}});
}

void addMap(Call& call) {
    const auto body = jsonBody(call);
    if (!body)
        return;
    const auto kind = stringField(call, *body, "kind", 16, true);
    const auto code = kind ? stringField(call, *body, "code", 80, true) : std::nullopt;
    const auto base = code ? stringField(call, *body, "base_code", 80, false) : std::nullopt;
    const auto recipe = base ? stringField(call, *body, "recipe", 80, true) : std::nullopt;
    if (!recipe)
        return;
    const auto f = formulary(call);
    if (!f)
        return replyError(call.res, 500, "the formulary cannot be loaded");
    hl7::Hl7Interface interface(call.db, call.audit, f->formulary, f->policy);
    if (const Status s = interface.addMap(*kind, *code, *base, *recipe, call.session->user, call.now); !s)
        return replyError(call.res, 400, s.error().text());
    const int queued = interface.retryHeld(call.now);
    reply(call.res, 200, json{{"mapped", *recipe}, {"queued", queued}});
}

} // namespace

void registerHl7Routes(const RouteSink& sink) {
    sink.get("/api/v1/hl7/unmatched", Access::Pharmacist, unmatched);
    sink.post("/api/v1/hl7/maps", Access::Pharmacist, addMap);
}

} // namespace admix::remote::detail
