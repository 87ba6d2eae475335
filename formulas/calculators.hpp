// The calculators a pharmacist re-checks by hand: body surface area (Mosteller, DuBois), creatinine
// clearance (Cockcroft-Gault), carboplatin (Calvert), reconstitution with powder displacement,
// dilution (C1V1 = C2V2), percent w/v, infusion rate (mL/h from any dose rate) and drip rate.
// Inputs are checked: a value outside what a patient or product can have gives an Error naming it.
// Results are not rounded here (rounding is the plan's and the display's job). Pure, thread-safe.
#pragma once

#include "formulas/result.hpp"
#include "formulas/units.hpp"

#include <optional>
#include <string_view>

namespace admix::formulas {

enum class BsaMethod { Mosteller, DuBois };
enum class Sex { Male, Female };

[[nodiscard]] Result<BsaMethod> parseBsaMethod(std::string_view text);
[[nodiscard]] Result<Sex> parseSex(std::string_view text);
[[nodiscard]] std::string_view bsaMethodName(BsaMethod method);

// Body surface area in m2. Mosteller: sqrt(cm * kg / 3600); DuBois: 0.007184 * kg^0.425 * cm^0.725.
[[nodiscard]] Result<double> bodySurfaceArea(double heightCm, double weightKg, BsaMethod method);

// Cockcroft-Gault creatinine clearance in mL/min: (140 - age) * kg / (72 * SCr mg/dL), x 0.85 female.
[[nodiscard]] Result<double> creatinineClearance(double ageYears, double weightKg, double scrMgDl, Sex sex);

// Carboplatin by Calvert: dose (mg) = AUC * (GFR + 25), GFR capped at `gfrCap` when given.
struct CalvertDose {
    Mass dose;
    double gfrUsed = 0.0; // mL/min after the cap
    bool capped = false;
};
[[nodiscard]] Result<CalvertDose> calvertCarboplatin(double auc, double gfrMlMin,
                                                     std::optional<double> gfrCapMlMin);

// Reconstitution: final volume = diluent + displacement; concentration = amount / final volume.
struct Reconstitution {
    Volume diluent;
    Volume finalVolume;
    Concentration concentration;
};
// The diluent that gives `target` from a vial of `amount` whose powder displaces `displacement`.
[[nodiscard]] Result<Reconstitution> reconstituteTo(Mass amount, Volume displacement, Concentration target);
// The concentration after adding `diluent`.
[[nodiscard]] Result<Reconstitution> reconstituteWith(Mass amount, Volume displacement, Volume diluent);

// C1 V1 = C2 V2: the stock volume V1 and the diluent V2 - V1. C1 and C2 in the same unit.
struct Dilution {
    Volume stock;
    Volume diluent;
};
[[nodiscard]] Result<Dilution> dilute(double c1, double c2, Volume v2);

// Percent w/v: grams per 100 mL. The mass of solute in `volume` at `percent`.
[[nodiscard]] Result<Mass> massAtPercent(double percent, Volume volume);

// Infusion rate in mL/h for a dose rate (per min/h/day, per kg or m2 if needed) from a bag holding
// `amount` in `volume`.
[[nodiscard]] Result<double> infusionRateMlPerHour(const DoseRate& rate, std::optional<double> weightKg,
                                                   std::optional<double> bsaM2,
                                                   const Concentration& concentration);

// Drip rate in drops/min: mL * drop factor (drops/mL) / minutes.
[[nodiscard]] Result<double> dripRate(Volume volume, double minutes, double dropFactor);

} // namespace admix::formulas
