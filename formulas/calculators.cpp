#include "formulas/calculators.hpp"

#include "formulas/text.hpp"

#include <cmath>

namespace admix::formulas {

namespace {

// Plausibility ranges: they catch a unit slip (pounds for kg, mm for cm, umol/L for mg/dL), not
// clinical judgement, so they are wide and not site policy.
Status inRange(double v, double lo, double hi, std::string_view what, std::string_view unit) {
    if (!std::isfinite(v) || v < lo || v > hi)
        return Status::fail(std::string(what) + " must be between " + formatNumber(lo) + " and " +
                            formatNumber(hi) + " " + std::string(unit) + ", not " +
                            (std::isfinite(v) ? formatNumber(v) : std::string("a non-number")));
    return Status::success();
}

Status positive(double v, std::string_view what) {
    if (!std::isfinite(v) || !(v > 0.0))
        return Status::fail(std::string(what) + " must be a number greater than zero");
    return Status::success();
}

} // namespace

Result<BsaMethod> parseBsaMethod(std::string_view text) {
    if (iequals(trim(text), "mosteller"))
        return BsaMethod::Mosteller;
    if (iequals(trim(text), "dubois") || iequals(trim(text), "du bois"))
        return BsaMethod::DuBois;
    return Result<BsaMethod>::fail("'" + printable(text) + "' is not a BSA method (mosteller or dubois)");
}

std::string_view bsaMethodName(BsaMethod method) {
    return method == BsaMethod::Mosteller ? "mosteller" : "dubois";
}

Result<Sex> parseSex(std::string_view text) {
    const std::string t = toLower(trim(text));
    if (t == "male" || t == "m")
        return Sex::Male;
    if (t == "female" || t == "f")
        return Sex::Female;
    return Result<Sex>::fail("'" + printable(text) + "' is not a sex for Cockcroft-Gault (male or female)");
}

Result<double> bodySurfaceArea(double heightCm, double weightKg, BsaMethod method) {
    if (auto s = inRange(heightCm, 20, 250, "height", "cm"); !s)
        return s.error();
    if (auto s = inRange(weightKg, 0.3, 400, "weight", "kg"); !s)
        return s.error();
    if (method == BsaMethod::Mosteller)
        return std::sqrt(heightCm * weightKg / 3600.0);
    return 0.007184 * std::pow(weightKg, 0.425) * std::pow(heightCm, 0.725);
}

Result<double> creatinineClearance(double ageYears, double weightKg, double scrMgDl, Sex sex) {
    // Cockcroft-Gault is an adult formula; at 140 years and over it gives zero or less.
    if (auto s = inRange(ageYears, 18, 120, "age", "years"); !s)
        return s.error();
    if (auto s = inRange(weightKg, 20, 400, "weight", "kg"); !s)
        return s.error();
    if (auto s = inRange(scrMgDl, 0.1, 20, "serum creatinine", "mg/dL"); !s)
        return s.error();
    const double crcl = (140.0 - ageYears) * weightKg / (72.0 * scrMgDl);
    return sex == Sex::Female ? crcl * 0.85 : crcl;
}

Result<CalvertDose> calvertCarboplatin(double auc, double gfrMlMin, std::optional<double> gfrCapMlMin) {
    if (auto s = inRange(auc, 0.5, 10, "target AUC", "mg/mL x min"); !s)
        return s.error();
    if (auto s = inRange(gfrMlMin, 1, 250, "GFR", "mL/min"); !s)
        return s.error();
    if (gfrCapMlMin) {
        if (auto s = positive(*gfrCapMlMin, "the GFR cap"); !s)
            return s.error();
    }
    CalvertDose out;
    out.capped = gfrCapMlMin && gfrMlMin > *gfrCapMlMin;
    out.gfrUsed = out.capped ? *gfrCapMlMin : gfrMlMin;
    out.dose = Mass::mg(auc * (out.gfrUsed + 25.0));
    return out;
}

Result<Reconstitution> reconstituteTo(Mass amount, Volume displacement, Concentration target) {
    if (auto s = positive(amount.inMg(), "the amount in the vial"); !s)
        return s.error();
    if (!(displacement.inMl() >= 0.0))
        return Result<Reconstitution>::fail("the powder displacement cannot be negative");
    if (target.dimension() != Dimension::Mass)
        return Result<Reconstitution>::fail("the target concentration must be a mass per mL (e.g. mg/mL)");
    if (auto s = positive(target.inMgPerMl(), "the target concentration"); !s)
        return s.error();
    const Volume finalVolume = Volume::mL(amount.inMg() / target.inMgPerMl());
    const Volume diluent = finalVolume - displacement;
    if (!(diluent.inMl() > 0.0))
        return Result<Reconstitution>::fail("a target of " + format(target) +
                                            " is not reachable: the powder alone takes " +
                                            format(displacement) + ", which already gives " +
                                            format(Concentration::of(amount, displacement)));
    return Reconstitution{diluent, finalVolume, target};
}

Result<Reconstitution> reconstituteWith(Mass amount, Volume displacement, Volume diluent) {
    if (auto s = positive(amount.inMg(), "the amount in the vial"); !s)
        return s.error();
    if (!(displacement.inMl() >= 0.0))
        return Result<Reconstitution>::fail("the powder displacement cannot be negative");
    if (auto s = positive(diluent.inMl(), "the diluent volume"); !s)
        return s.error();
    const Volume finalVolume = diluent + displacement;
    return Reconstitution{diluent, finalVolume, Concentration::of(amount, finalVolume)};
}

Result<Dilution> dilute(double c1, double c2, Volume v2) {
    if (auto s = positive(c1, "the stock concentration C1"); !s)
        return s.error();
    if (auto s = positive(c2, "the wanted concentration C2"); !s)
        return s.error();
    if (auto s = positive(v2.inMl(), "the final volume V2"); !s)
        return s.error();
    if (c2 > c1)
        return Result<Dilution>::fail("the wanted concentration C2 (" + formatNumber(c2) +
                                      ") is stronger than the stock C1 (" + formatNumber(c1) +
                                      "): dilution cannot concentrate");
    const Volume stock = Volume::mL(c2 * v2.inMl() / c1);
    return Dilution{stock, v2 - stock};
}

Result<Mass> massAtPercent(double percent, Volume volume) {
    if (auto s = inRange(percent, 0.0, 100.0, "percent w/v", "%"); !s)
        return s.error();
    if (!(volume.inMl() >= 0.0))
        return Result<Mass>::fail("the volume cannot be negative");
    return Concentration::percentWv(percent).amountIn(volume).mass().value();
}

Result<double> infusionRateMlPerHour(const DoseRate& rate, std::optional<double> weightKg,
                                     std::optional<double> bsaM2, const Concentration& concentration) {
    if (rate.value() < 0.0 || !std::isfinite(rate.value()))
        return Result<double>::fail("the dose rate cannot be negative");
    const auto perHour = rate.amountPerHour(weightKg, bsaM2);
    if (!perHour)
        return perHour.error();
    const auto volume = concentration.volumeFor(*perHour);
    if (!volume)
        return volume.error();
    return volume->inMl();
}

Result<double> dripRate(Volume volume, double minutes, double dropFactor) {
    if (auto s = positive(volume.inMl(), "the volume"); !s)
        return s.error();
    if (auto s = positive(minutes, "the time in minutes"); !s)
        return s.error();
    if (auto s = inRange(dropFactor, 10, 60, "the drop factor", "drops/mL"); !s)
        return s.error();
    return volume.inMl() * dropFactor / minutes;
}

} // namespace admix::formulas
