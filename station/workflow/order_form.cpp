#include "station/workflow/order_form.hpp"

#include "station/workflow/order_json.hpp"

#include "formulas/text.hpp"
#include "formulas/time.hpp"

#include <cctype>
#include <ctime>

namespace admix::workflow {

namespace {

using nlohmann::json;

// "12", "0.9" read as numbers (as the web page reads them); anything else stays text for the parser
// to name ("patient.weight_kg: must be a positive number").
json numberOrText(const std::string& typed) {
    const std::string t(formulas::trim(typed));
    bool digits = false, point = false, ok = !t.empty();
    for (size_t i = 0; ok && i < t.size(); ++i) {
        const char c = t[i];
        if (std::isdigit(static_cast<unsigned char>(c)))
            digits = true;
        else if (c == '.' && !point && digits && i + 1 < t.size())
            point = true;
        else
            ok = false;
    }
    if (ok && digits)
        return std::stod(t);
    return t;
}

void put(json& object, const char* key, const std::string& typed) {
    const std::string t(formulas::trim(typed));
    if (!t.empty())
        object[key] = t;
}

void putNumber(json& object, const char* key, const std::string& typed) {
    if (!formulas::trim(typed).empty())
        object[key] = numberOrText(typed);
}

std::vector<formulas::PlanFlag> flagsOf(const formulas::Plan& plan, formulas::FlagSeverity severity) {
    std::vector<formulas::PlanFlag> out;
    for (const auto& f : plan.flags)
        if (f.severity == severity)
            out.push_back(f);
    return out;
}

} // namespace

RecipeNeeds recipeNeeds(const formulas::Recipe& recipe) {
    RecipeNeeds needs;
    for (const auto& ing : recipe.ingredients) {
        needs.weight = needs.weight || ing.dose.kind != formulas::DoseRuleKind::Fixed;
        needs.height = needs.height || ing.dose.kind == formulas::DoseRuleKind::PerM2;
        needs.scr = needs.scr || ing.dose.kind == formulas::DoseRuleKind::Calvert;
    }
    if (!recipe.ingredients.empty()) {
        needs.doseUnit = recipe.ingredients.front().dose.unit.text();
        needs.defaultDose = recipe.ingredients.front().dose.defaultValue;
    }
    needs.route = recipe.route;
    return needs;
}

Result<TimePoint> parseLocalMinute(const std::string& text) {
    const std::string t(formulas::trim(text));
    int y = 0, mo = 0, d = 0, h = 0, mi = 0;
    char tail = 0;
    // Exactly "YYYY-MM-DD HH:MM" (a 'T' between date and time is taken too).
    const bool shaped = t.size() == 16 && (t[10] == ' ' || t[10] == 'T') &&
                        std::sscanf(t.c_str(), "%4d-%2d-%2d%*c%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) == 5;
    const Date date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                    std::chrono::day{static_cast<unsigned>(d)}};
    if (!shaped || !date.ok() || h < 0 || h > 23 || mi < 0 || mi > 59)
        return Result<TimePoint>::fail("must be a local time like 2026-12-02 14:30, not \"" + t + "\"",
                                       "due");
    std::tm local{};
    local.tm_year = y - 1900;
    local.tm_mon = mo - 1;
    local.tm_mday = d;
    local.tm_hour = h;
    local.tm_min = mi;
    local.tm_isdst = -1;
    const std::time_t tt = std::mktime(&local);
    if (tt == static_cast<std::time_t>(-1))
        return Result<TimePoint>::fail("is not a time this station can represent", "due");
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::from_time_t(tt));
}

Result<json> orderFormJson(const OrderFormFields& f) {
    json patient = json::object();
    patient["mrn"] = std::string(formulas::trim(f.mrn));
    patient["name"] = std::string(formulas::trim(f.patientName));
    put(patient, "birth_date", f.birthDate);
    put(patient, "sex", f.sex);
    putNumber(patient, "weight_kg", f.weightKg);
    putNumber(patient, "height_cm", f.heightCm);
    putNumber(patient, "scr_mg_dl", f.scrMgDl);
    json order = json::object();
    order["patient"] = patient;
    order["recipe"] = std::string(formulas::trim(f.recipe));
    order["route"] = std::string(formulas::trim(f.route));
    order["priority"] = std::string(formulas::trim(f.priority));
    order["prescriber"] = std::string(formulas::trim(f.prescriber));
    put(order, "id", f.orderId);
    put(order, "comment", f.comment);
    if (!formulas::trim(f.dueLocal).empty()) {
        const auto due = parseLocalMinute(f.dueLocal);
        if (!due)
            return due.error();
        order["due"] = formatIsoUtc(*due);
    }
    if (!formulas::trim(f.doseValue).empty())
        order["dose"] = json{{"value", numberOrText(f.doseValue)}, {"unit", f.doseUnit}};
    return order;
}

void addAgeFromBirthDate(json& order, TimePoint now) {
    if (!order.is_object() || !order.contains("patient") || !order["patient"].is_object())
        return;
    json& patient = order["patient"];
    if (!patient.contains("birth_date") || !patient["birth_date"].is_string() ||
        patient.contains("age_years"))
        return;
    const auto born = parseDate(patient["birth_date"].get<std::string>());
    if (!born)
        return; // the parser names the field
    const Date today{std::chrono::floor<std::chrono::days>(now)};
    int years = static_cast<int>(today.year()) - static_cast<int>(born->year());
    if (today.month() < born->month() || (today.month() == born->month() && today.day() < born->day()))
        --years;
    if (years >= 0)
        patient["age_years"] = years;
}

OrderSubmission submitOrder(PreparationEngine& engine, store::Database& db, store::AuditLog& audit,
                            json order, const formulas::Formulary& formulary,
                            const formulas::FormulasPolicy& policy, const User& by,
                            const std::string& acknowledgedWarnings, TimePoint now) {
    OrderSubmission out;
    addAgeFromBirthDate(order, now);
    const auto input = parseOrderJson(order);
    if (!input) {
        out.error = input.error();
        return out;
    }
    out.parsed = true;
    out.orderId = input->externalId;
    std::string warningText;
    if (const auto plan = planOrderInput(*input, formulary, policy)) {
        out.blocking = flagsOf(*plan, formulas::FlagSeverity::Blocking);
        out.warnings = flagsOf(*plan, formulas::FlagSeverity::Warning);
        warningText = flagWords(*plan, formulas::FlagSeverity::Warning);
    }
    const bool ack = !warningText.empty() && acknowledgedWarnings == warningText;
    auto entered = enterOrder(engine, db, audit, *input, formulary, policy, by, ack, now);
    if (!entered) {
        out.error = entered.error();
        if (out.error.where == "plan" && out.blocking.empty() && !out.warnings.empty())
            out.warningsToAcknowledge = warningText;
        return out;
    }
    out.entered = std::move(*entered);
    return out;
}

} // namespace admix::workflow
