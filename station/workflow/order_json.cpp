#include "station/workflow/order_json.hpp"

#include "formulas/plan.hpp"
#include "formulas/text.hpp"
#include "formulas/time.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/site_repo.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

namespace admix::workflow {

namespace {

using nlohmann::json;

// Fields of the order JSON the station reads itself; the rest is the clinical order of `admix plan`.
constexpr std::array<std::string_view, 10> kTopFields = {
    "id",       "recipe", "route",      "patient", "dose", "final_volume_ml",
    "priority", "due",    "prescriber", "comment"};
// Clinical order fields the station's stored order has no place for: refused, never dropped.
constexpr std::array<std::string_view, 6> kNotKept = {"recipe_version",   "target_auc",  "rate",
                                                      "infusion_minutes", "drop_factor", "products"};
constexpr std::array<std::string_view, 11> kPatientFields = {
    "mrn",       "name",      "birth_date", "sex",        "weight_kg", "height_cm",
    "age_years", "scr_mg_dl", "bsa_m2",     "gfr_ml_min", "location"};
constexpr std::array<std::string_view, 6> kPositive = {"weight_kg", "height_cm",  "scr_mg_dl",
                                                       "bsa_m2",    "gfr_ml_min", "final_volume_ml"};

template <size_t N> bool among(const std::array<std::string_view, N>& list, std::string_view key) {
    return std::find(list.begin(), list.end(), key) != list.end();
}

// A required or optional text field; an error names `where`.
Result<std::string> textField(const json& object, const char* key, const std::string& where, bool required) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        if (required)
            return Result<std::string>::fail("is missing", where);
        return std::string{};
    }
    if (!it->is_string())
        return Result<std::string>::fail("must be a text in quotes", where);
    std::string value(formulas::trim(it->get<std::string>()));
    if (required && value.empty())
        return Result<std::string>::fail("must not be empty", where);
    return value;
}

// "order.patient.weight_kg" (the plan parser's path) -> "patient.weight_kg".
Error relocate(Error e) {
    constexpr std::string_view prefix = "order.";
    if (e.where.rfind(prefix, 0) == 0)
        e.where = e.where.substr(prefix.size());
    else if (e.where == "order")
        e.where.clear();
    return e;
}

} // namespace

Result<OrderInput> parseOrderJson(const json& order) {
    if (!order.is_object())
        return Result<OrderInput>::fail("must be a JSON object", "order");
    for (const auto& [key, value] : order.items()) {
        if (among(kNotKept, key) && !value.is_null())
            return Result<OrderInput>::fail("is not kept by the station's order; enter this order without it",
                                            key);
        if (!among(kTopFields, key) && !among(kNotKept, key))
            return Result<OrderInput>::fail("is not a known order field (misspelt?)", key);
    }
    const auto patientIt = order.find("patient");
    if (patientIt == order.end() || patientIt->is_null())
        return Result<OrderInput>::fail("is missing", "patient");
    if (!patientIt->is_object())
        return Result<OrderInput>::fail("must be an object", "patient");
    const json& patient = *patientIt;
    for (const auto& [key, value] : patient.items())
        if (!among(kPatientFields, key))
            return Result<OrderInput>::fail("is not a known patient field (misspelt?)", "patient." + key);
    for (const std::string_view key : kPositive) {
        const json& holder = key == "final_volume_ml" ? order : patient;
        const std::string where = key == "final_volume_ml" ? std::string(key) : "patient." + std::string(key);
        const auto it = holder.find(key);
        if (it == holder.end() || it->is_null())
            continue;
        if (!it->is_number() || !(it->get<double>() > 0))
            return Result<OrderInput>::fail("must be a positive number", where);
    }

    OrderInput in;
    const auto mrn = textField(patient, "mrn", "patient.mrn", true);
    if (!mrn)
        return mrn.error();
    const auto name = textField(patient, "name", "patient.name", true);
    if (!name)
        return name.error();
    const auto birth = textField(patient, "birth_date", "patient.birth_date", false);
    if (!birth)
        return birth.error();
    if (!birth->empty() && !parseDate(*birth))
        return Result<OrderInput>::fail("must be a date like 1961-04-23, not \"" + *birth + "\"",
                                        "patient.birth_date");
    const auto recipe = textField(order, "recipe", "recipe", true);
    if (!recipe)
        return recipe.error();
    const auto route = textField(order, "route", "route", true);
    if (!route)
        return route.error();
    const auto priority = textField(order, "priority", "priority", false);
    if (!priority)
        return priority.error();
    if (!priority->empty() && *priority != "stat" && *priority != "urgent" && *priority != "routine")
        return Result<OrderInput>::fail("must be stat, urgent or routine, not \"" + *priority + "\"",
                                        "priority");
    const auto due = textField(order, "due", "due", true);
    if (!due)
        return due.error();
    const auto dueTime = parseIsoUtc(*due);
    if (!dueTime)
        return Result<OrderInput>::fail(
            "must be an ISO 8601 UTC time like 2026-12-01T14:30:00Z, not \"" + *due + "\"", "due");
    const auto prescriber = textField(order, "prescriber", "prescriber", true);
    if (!prescriber)
        return prescriber.error();
    const auto comment = textField(order, "comment", "comment", false);
    if (!comment)
        return comment.error();
    const auto id = textField(order, "id", "id", false);
    if (!id)
        return id.error();

    // The clinical order, checked by the plan parser exactly as `admix plan` would read it.
    json clinical = json::object();
    clinical["id"] = id->empty() ? std::string("order") : *id;
    for (const char* key : {"recipe", "route", "dose", "final_volume_ml"})
        if (const auto it = order.find(key); it != order.end())
            clinical[key] = *it;
    json clinicalPatient = json::object();
    for (const auto& [key, value] : patient.items())
        if (key != "mrn" && key != "name" && key != "birth_date" && key != "location")
            clinicalPatient[key] = value;
    clinical["patient"] = clinicalPatient;
    const auto parsed = formulas::parseOrderJson(clinical.dump(), "order");
    if (!parsed)
        return relocate(parsed.error());

    in.patientMrn = *mrn;
    in.patientName = *name;
    in.patient = json::object();
    for (const auto& [key, value] : patient.items())
        if (key != "mrn" && key != "name" && !value.is_null())
            in.patient[key] = key == "birth_date" ? json(*birth) : value;
    in.recipeId = *recipe;
    if (const auto it = order.find("dose"); it != order.end() && !it->is_null())
        in.dose = *it;
    in.route = *route;
    if (parsed->finalVolume)
        in.finalVolumeMl = parsed->finalVolume->inMl();
    in.priority = priority->empty() ? std::string("routine") : *priority;
    in.due = *dueTime;
    in.prescriber = *prescriber;
    in.externalId = *id;
    in.comment = *comment;
    return in;
}

nlohmann::json orderDocument(store::Database& db, const store::OrderRow& o) {
    using nlohmann::json;
    store::SiteRepo site(db);
    store::PrepRepo preps(db);
    const auto active = preps.activePrepForOrder(o.id);
    const auto reason = site.orderCancelReason(o.id);
    return json{{"order", o.orderNumber},
                {"number", o.orderNumber},
                {"order_id", site.orderExternalId(o.id).value_or("")},
                {"mrn", o.patientMrn},
                {"patient", o.patientName},
                {"recipe", o.recipeId},
                {"dose", json::parse(o.doseJson, nullptr, false)},
                {"route", o.route},
                {"priority", o.priority},
                {"due", o.dueUtc},
                {"prescriber", o.prescriber},
                {"entered_by", o.enteredBy},
                {"created", o.createdUtc},
                {"status", o.status},
                {"cancel_reason", reason ? json(*reason) : json(nullptr)},
                {"preparation", active ? json(active->prepNumber) : json(nullptr)},
                {"comments", preps.orderComments(o.id)}};
}

} // namespace admix::workflow
