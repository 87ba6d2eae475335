// The preparation plan: from an order (patient, dose, route, final volume) and a recipe, per
// ingredient the dose, the product and vials, the volume to draw, the syringe and its graduation,
// the expected mass and its gravimetric tolerance band; the final container and concentration; and
// flags for what must stop the preparation (dose or concentration outside limits, a volume no
// syringe can measure, a product or route that does not fit) or deserves a second look.
// Every number comes with a line of arithmetic (`workings`) so that a pharmacist can re-check it by
// hand from the printed inputs. makePlan is pure and thread-safe; input errors (unknown recipe, a
// weight missing for a per-kg dose) are Errors, limits are flags on a plan.
//
// [SECTION] index: Order | Plan | makePlan | JSON
#pragma once

#include "formulas/calculators.hpp"
#include "formulas/formulary.hpp"
#include "formulas/result.hpp"
#include "formulas/units.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace admix::formulas {

// [SECTION] Order ---------------------------------------------------------------------------------

struct Patient {
    std::optional<double> weightKg;
    std::optional<double> heightCm;
    std::optional<double> ageYears;
    std::optional<Sex> sex;
    std::optional<double> scrMgDl;
    std::optional<double> bsaM2;    // when the prescriber states it
    std::optional<double> gfrMlMin; // measured or estimated GFR (Calvert); else Cockcroft-Gault
};

struct Order {
    std::string id;
    std::string recipeId;
    std::optional<int> recipeVersion; // the latest when absent
    Patient patient;
    std::optional<DoseRate> dose;    // as ordered ("15 mg/kg", "2 g", "75 mg/m2"); recipe default when absent
    std::optional<double> targetAuc; // Calvert
    std::optional<Volume> finalVolume;     // picks the bag size, or the q.s. volume of a syringe
    std::string route;                     // checked against the recipe's
    std::vector<std::string> productIds;   // products the pharmacist picked (or scanned)
    std::optional<DoseRate> rate;          // administration rate, gives mL/h
    std::optional<double> infusionMinutes; // gives mL/h from the final volume
    std::optional<double> dropFactor;      // gives drops/min with infusionMinutes
};

// Parses ORDER.json (see assets/formulary/README.md); errors name the field ("patient.weight_kg") or
// the line and column of a syntax error.
[[nodiscard]] Result<Order> parseOrderJson(std::string_view text, std::string_view sourceName = "order");

// [SECTION] Plan ----------------------------------------------------------------------------------

enum class FlagSeverity { Info, Warning, Blocking };
[[nodiscard]] std::string_view severityName(FlagSeverity severity);

struct PlanFlag {
    std::string code; // VOLUME_NOT_MEASURABLE, BALANCE_CANNOT_VERIFY, BALANCE_CAPACITY_EXCEEDED,
                      // DOSE_ABOVE_MAX, DOSE_BELOW_MIN, CONCENTRATION_ABOVE_MAX, CONCENTRATION_BELOW_MIN,
                      // PRODUCT_MISMATCH, ROUTE_MISMATCH, ROUNDING_DEVIATION, MULTIPLE_DRAWS, GFR_CAPPED,
                      // QS_VOLUME_TOO_SMALL, LIMIT_NOT_COMPARABLE
    FlagSeverity severity = FlagSeverity::Warning;
    std::string message;
    std::string subject;          // the ingredient or "final container"
    bool acknowledgeable = false; // site policy lets a pharmacist acknowledge this blocking flag
    std::string acknowledgedBy{}; // the pharmacist who did (then it no longer blocks)
};

// One syringe draw (or several equal ones) with its gravimetric target.
struct Draw {
    std::string syringe; // "10 mL syringe"
    Volume syringeCapacity;
    Volume graduation;
    int count = 1;        // equal draws of volumePerDraw
    Volume exactPerDraw;  // before rounding to the graduation
    Volume volumePerDraw; // rounded to the graduation
    Density density;
    Mass massPerDraw; // expected net mass of one draw
    double tolerancePercent = 0.0;
    Mass massLow;
    Mass massHigh;
    bool measurable = true;  // the syringe can measure it (not below its usable range)
    bool gravimetric = true; // the balance can verify it within tolerance
    [[nodiscard]] Volume total() const { return volumePerDraw * count; }
};

struct IngredientPlan {
    std::string role; // "drug", "diluent" (the q.s. of a syringe) or "withdraw" (taken out of the bag first)
    std::string drug;
    std::string productId;
    std::string productName;
    std::string ndc;
    std::string gtin;
    DoseRule rule;
    Amount calculatedDose; // from the rule, before rounding
    Amount dose;           // after the recipe's rounding: what the plan prepares
    Amount deliveredDose;  // what the rounded syringe volume holds
    Concentration concentration;
    std::optional<ReconstitutionSpec> reconstitution;
    std::optional<Draw> reconstitutionDraw; // the diluent added to each vial
    int vials = 0;
    bool multipleDose = false;
    Amount waste; // single-dose vials: what is left and discarded
    Draw draw;
    double roundingDeviationPercent = 0.0;
    std::vector<std::string> workings;
};

struct Plan {
    std::string orderId;
    std::string recipeId;
    int recipeVersion = 0;
    std::string recipeName;
    std::string route;
    int cspCategory = 1;
    Storage storage = Storage::Room;
    std::string pec;
    std::string hazardousHandling;
    std::vector<std::string> steps;

    Patient patient;
    std::optional<double> bsaM2; // used for a per-m2 dose
    std::string bsaMethod;
    std::optional<double> crclMlMin;    // Cockcroft-Gault, when computed
    std::optional<double> gfrUsedMlMin; // Calvert after the cap
    std::vector<std::string> inputWorkings;

    std::vector<IngredientPlan> ingredients; // drugs, then the q.s. diluent or the bag withdrawal if any
    std::string baseKind;
    std::string baseProductId;
    std::string baseProductName;
    Volume baseVolume; // labelled bag volume
    Volume baseOverfill;
    Volume finalVolume;
    std::optional<Concentration> finalConcentration; // of the first ingredient
    std::optional<double> rateMlPerHour;
    std::optional<double> dropsPerMinute;
    std::vector<std::string> finalWorkings;

    std::vector<PlanFlag> flags;
    std::string disclaimer;

    // True when no flag blocks the preparation (an acknowledged flag no longer blocks).
    [[nodiscard]] bool ok() const;
    // A pharmacist acknowledges every acknowledgeable flag `code`; false when there is none.
    bool acknowledge(std::string_view code, const std::string& pharmacist);
    [[nodiscard]] bool hasFlag(std::string_view code) const;
};

// [SECTION] makePlan ------------------------------------------------------------------------------

[[nodiscard]] Result<Plan> makePlan(const Order& order, const Formulary& formulary,
                                    const FormulasPolicy& policy);

// [SECTION] JSON ----------------------------------------------------------------------------------

// The plan as `admix plan --json` prints it (documented in assets/formulary/README.md).
[[nodiscard]] nlohmann::json planToJson(const Plan& plan);
// The plan for people: inputs, then per ingredient the arithmetic, then the final container and flags.
[[nodiscard]] std::string planToText(const Plan& plan);

} // namespace admix::formulas
