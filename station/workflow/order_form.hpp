// An order typed into a form (the station's touch order form, the web order page) on its way to the
// path of `admix order add`: the fields as typed become the order JSON of order_json.hpp (numbers
// where the text reads as one, else the text itself so that the parser names the field), the age
// the plan reads comes from the date of birth, and submitOrder() runs parseOrderJson, the plan and
// enterOrder exactly as the CLI does, with the acknowledgement of the plan's warnings checked
// against the very warnings the plan gives now. Nothing is stored on any refusal. Not thread-safe:
// the caller's Database. Storage failures throw store::StoreError.
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/plan.hpp"
#include "formulas/result.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/order_entry.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace admix::workflow {

// The form's fields, as typed. Empty means not given.
struct OrderFormFields {
    std::string orderId; // the order's own id (from the prescriber's system); empty: none
    std::string recipe;
    std::string patientName;
    std::string mrn;
    std::string birthDate; // YYYY-MM-DD
    std::string sex;       // female | male | empty
    std::string weightKg;
    std::string heightCm;
    std::string scrMgDl;
    std::string doseValue;
    std::string doseUnit; // the recipe's dose unit
    std::string route;
    std::string priority = "routine";
    std::string dueLocal; // local time "YYYY-MM-DD HH:MM"
    std::string prescriber;
    std::string comment;
};

// What a form asks for a recipe: the patient facts its plan needs (weight for per-kg and per-m2
// doses, height for per-m2, serum creatinine (with age and sex) for Calvert), its first dose rule's
// unit and default, and its route.
struct RecipeNeeds {
    bool weight = false;
    bool height = false;
    bool scr = false;
    std::string doseUnit;
    std::optional<double> defaultDose;
    std::string route;
};
[[nodiscard]] RecipeNeeds recipeNeeds(const formulas::Recipe& recipe);

// The order JSON of `admix order add` from the fields; refused only for a due time that is not a
// local time "YYYY-MM-DD HH:MM" (field "due"): everything else is the parser's to judge.
[[nodiscard]] Result<nlohmann::json> orderFormJson(const OrderFormFields& fields);

// Local wall-clock "2026-12-02 14:30" (the station's time zone) as a UTC time point.
[[nodiscard]] Result<TimePoint> parseLocalMinute(const std::string& text);

// Adds patient.age_years (whole years at `now`) from patient.birth_date when the age is not given.
void addAgeFromBirthDate(nlohmann::json& order, TimePoint now);

// The answer to one submission: entered, or refused with the error naming its field.
struct OrderSubmission {
    std::optional<EnteredOrder> entered;
    Error error; // when refused; `where` is the field ("patient.name", "due", "plan")
    std::vector<formulas::PlanFlag>
        blocking; // the plan's blocking flags (empty when it could not be planned)
    std::vector<formulas::PlanFlag> warnings; // the plan's warnings
    std::string warningsToAcknowledge; // refused only for unacknowledged warnings: acknowledge exactly these
    bool parsed = false;               // the order JSON was read: the refusal is the plan's or the engine's
    std::string orderId;               // the order's own id as read (empty: none)
    [[nodiscard]] bool ok() const { return entered.has_value(); }
};

// parseOrderJson, then the plan, then enterOrder (who may enter orders, a duplicate order id): the
// path of `admix order add`. The warnings count as acknowledged only when `acknowledgedWarnings` is
// exactly flagWords() of the plan's warnings now (what the person was shown).
[[nodiscard]] OrderSubmission submitOrder(PreparationEngine& engine, store::Database& db,
                                          store::AuditLog& audit, nlohmann::json order,
                                          const formulas::Formulary& formulary,
                                          const formulas::FormulasPolicy& policy, const User& by,
                                          const std::string& acknowledgedWarnings, TimePoint now = nowUtc());

} // namespace admix::workflow
