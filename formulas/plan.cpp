#include "formulas/plan.hpp"

#include "formulas/input_limits.hpp"
#include "formulas/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

// [SECTION] index: helpers | syringe draws | dose | products | makePlan | order JSON | plan JSON | text

namespace admix::formulas {

// [SECTION] helpers -------------------------------------------------------------------------------

std::string_view severityName(FlagSeverity severity) {
    switch (severity) {
    case FlagSeverity::Info:
        return "info";
    case FlagSeverity::Warning:
        return "warning";
    case FlagSeverity::Blocking:
        return "blocking";
    }
    return "?";
}

bool Plan::ok() const {
    return std::none_of(flags.begin(), flags.end(), [](const PlanFlag& f) {
        return f.severity == FlagSeverity::Blocking && f.acknowledgedBy.empty();
    });
}

bool Plan::acknowledge(std::string_view code, const std::string& pharmacist) {
    bool any = false;
    for (auto& f : flags) {
        if (f.code == code && f.acknowledgeable && !pharmacist.empty()) {
            f.acknowledgedBy = pharmacist;
            any = true;
        }
    }
    return any;
}

bool Plan::hasFlag(std::string_view code) const {
    return std::any_of(flags.begin(), flags.end(), [&](const PlanFlag& f) { return f.code == code; });
}

namespace {

// Volumes and masses are compared after float arithmetic; a thousandth of a microlitre is noise.
constexpr double kEps = 1e-9;

double roundToStep(double value, double step) {
    return step > 0.0 ? std::round(value / step) * step : value;
}

std::string num(double v, int decimals = 4) {
    return formatNumber(v, decimals);
}
std::string ml(Volume v, int decimals = 2) {
    return format(v, decimals);
}
std::string grams(Mass m, int decimals) {
    return formatNumber(m.inG(), decimals) + " g";
}
// An amount in the unit a dose rule was written in (mg for "mg/kg", mcg for "mcg", ...).
std::string inUnit(const Amount& a, Unit unit, int decimals = 4) {
    const auto v = a.in(unit);
    return v ? formatQuantity(*v, unit, decimals) : format(a, decimals);
}

int massDecimals(const FormulasPolicy& policy) {
    const double d = -std::log10(policy.balanceReadabilityG);
    return std::clamp(static_cast<int>(std::ceil(d - 1e-9)), 0, 6);
}

void flag(Plan& plan, std::string code, FlagSeverity severity, std::string subject, std::string message) {
    plan.flags.push_back({std::move(code), severity, std::move(message), std::move(subject)});
}

// [SECTION] syringe draws -------------------------------------------------------------------------

// The smallest standard syringe that holds `exact` in its usable range; volumes above the largest
// syringe are split into equal draws of the largest. The volume is rounded to the graduation, and the
// expected mass and tolerance band follow from the rounded volume. `density` absent: no mass (a
// reconstitution diluent is not weighed).
// `available` (the vials' content): the rounded draws never take more than that; a draw rounded up
// past it is rounded down to the graduation instead. `maxDeviationPercent`: when the first choice
// rounds further from `exact` than that, up to three more equal draws with a finer syringe are tried,
// and the first that stays within the limit is taken (else the first choice stands and is flagged).
struct DrawChoice {
    const SyringeSize* syringe = nullptr;
    int count = 1;
    double perDrawMl = 0.0;
    bool roundedDown = false;
    int vials = 0; // the vials the draw takes from (one more than planned when rounding up needs it)
};

// Where the draw comes from: `vials` containers of `perVial` each (absent: no limit, e.g. a bag).
struct DrawSource {
    std::optional<Volume> perVial;
    int vials = 0;
};

std::optional<DrawChoice> choose(Volume exact, int count, const SyringeSize& s,
                                 std::optional<Volume> available) {
    const double per = exact.inMl() / count;
    if (per > s.capacity.inMl() + kEps || per < s.minUsable.inMl() - kEps)
        return std::nullopt;
    DrawChoice c{&s, count, std::min(roundToStep(per, s.graduation.inMl()), s.capacity.inMl()), false, 0};
    if (available && c.perDrawMl * count > available->inMl() + kEps) {
        const double step = s.graduation.inMl();
        c.perDrawMl = std::floor(available->inMl() / count / step + 1e-6) * step;
        c.roundedDown = true;
    }
    if (!(c.perDrawMl > kEps))
        return std::nullopt;
    return c;
}

Draw planDraw(Volume exact, std::optional<Density> density, const FormulasPolicy& policy,
              std::vector<std::string>& workings, const std::string& what, DrawSource source = {},
              std::optional<double> maxDeviationPercent = std::nullopt, int* vialsUsed = nullptr) {
    Draw d;
    const SyringeSize& largest = policy.syringes.back();
    const int minCount =
        exact > largest.capacity ? static_cast<int>(std::ceil(exact / largest.capacity - kEps)) : 1;
    std::optional<DrawChoice> picked;
    std::optional<DrawChoice> first;
    const auto deviation = [&](const DrawChoice& c) {
        return exact.inMl() > 0 ? std::fabs(c.perDrawMl * c.count / exact.inMl() - 1.0) * 100.0 : 0.0;
    };
    // Fewest draws first; for each, the planned vials, then one more (a rounded-up draw that needs a
    // little more than the planned vials hold); the smallest syringe first.
    const bool limited = source.perVial && source.perVial->inMl() > kEps;
    for (int count = minCount; count <= minCount + (maxDeviationPercent ? 3 : 0) && !picked; ++count) {
        for (int extra = 0; extra <= (limited && maxDeviationPercent ? 1 : 0) && !picked; ++extra) {
            const int vials = source.vials + extra;
            const std::optional<Volume> available =
                limited ? std::optional<Volume>(*source.perVial * vials) : std::nullopt;
            for (const auto& s : policy.syringes) {
                auto c = choose(exact, count, s, available);
                if (!c)
                    continue;
                c->vials = vials;
                if (!first)
                    first = c;
                if (!maxDeviationPercent || deviation(*c) <= *maxDeviationPercent + kEps) {
                    picked = c;
                    break;
                }
            }
        }
    }
    if (!picked)
        picked = first;
    if (picked && first &&
        (picked->count != first->count || picked->syringe != first->syringe || picked->vials != first->vials))
        workings.push_back(
            what + ": " + std::to_string(first->count) + " x " + first->syringe->name() + " from " +
            std::to_string(first->vials) + (first->vials == 1 ? " vial" : " vials") + " would give " +
            ml(Volume::mL(first->perDrawMl * first->count)) + " (" + num(deviation(*first), 2) + "% from " +
            ml(exact, 4) + "), more than the site's " + num(*maxDeviationPercent) +
            "%: " + (picked->vials != first->vials ? "one more vial" : "equal draws with a finer syringe"));
    if (vialsUsed && picked)
        *vialsUsed = picked->vials;

    const SyringeSize* chosen = nullptr;
    if (picked) {
        chosen = picked->syringe;
        d.count = picked->count;
        d.exactPerDraw = exact / d.count;
    } else {
        // No syringe measures it: say which one comes closest, and mark the draw not measurable.
        d.count = minCount;
        d.exactPerDraw = exact / d.count;
        d.measurable = false;
        for (const auto& s : policy.syringes) {
            if (d.exactPerDraw.inMl() <= s.capacity.inMl() + kEps) {
                chosen = &s;
                break;
            }
        }
        if (!chosen)
            chosen = &largest;
    }
    d.syringe = chosen->name();
    d.syringeCapacity = chosen->capacity;
    d.graduation = chosen->graduation;
    const double rounded = picked ? picked->perDrawMl
                                  : std::min(roundToStep(d.exactPerDraw.inMl(), chosen->graduation.inMl()),
                                             chosen->capacity.inMl());
    d.volumePerDraw = Volume::mL(rounded);
    if (!(rounded > kEps))
        d.measurable = false;
    if (picked && picked->roundedDown)
        workings.push_back(what + ": rounding " + ml(d.exactPerDraw, 4) + " up would take more than the " +
                           ml(*source.perVial * picked->vials, 4) + " the vials hold: rounded down to " +
                           ml(d.volumePerDraw));

    std::string line =
        what + ": " + (d.count > 1 ? ml(exact, 4) + " / " + std::to_string(d.count) + " draws = " : "") +
        ml(d.exactPerDraw, 4) + " -> " + d.syringe + " (usable " + ml(chosen->minUsable) + " to " +
        ml(chosen->capacity) + ", graduation " + ml(chosen->graduation) + ") -> draw " + ml(d.volumePerDraw);
    if (d.count > 1)
        line += " x " + std::to_string(d.count);
    workings.push_back(line);

    if (!density) {
        d.gravimetric = false;
        return d;
    }
    d.density = *density;
    d.massPerDraw = density->massOf(d.volumePerDraw);
    d.tolerancePercent = policy.tolerancePercentFor(d.volumePerDraw);
    d.massLow = d.massPerDraw * (1.0 - d.tolerancePercent / 100.0);
    d.massHigh = d.massPerDraw * (1.0 + d.tolerancePercent / 100.0);
    const double halfBand = d.massPerDraw.inG() * d.tolerancePercent / 100.0;
    const double needed = policy.balanceReadabilityG * policy.minDivisionsInHalfBand;
    d.gravimetric = d.measurable && halfBand + kEps >= needed && d.massHigh.inG() <= policy.balanceCapacityG;
    const int md = massDecimals(policy);
    workings.push_back("expected mass = " + ml(d.volumePerDraw) + " x " + num(density->inGPerMl()) +
                       " g/mL = " + grams(d.massPerDraw, md + 1) + "; tolerance +/-" +
                       num(d.tolerancePercent) + "% -> " + grams(d.massLow, md) + " to " +
                       grams(d.massHigh, md) + " (half band " + num(halfBand, md + 1) +
                       " g, balance needs >= " + num(needed, md + 1) + " g)");
    return d;
}

void flagDraw(Plan& plan, const Draw& d, const std::string& subject, const FormulasPolicy& policy) {
    if (!d.measurable)
        flag(plan, "VOLUME_NOT_MEASURABLE", FlagSeverity::Blocking, subject,
             ml(d.exactPerDraw, 4) + " cannot be measured with the site's syringes (" + d.syringe +
                 " starts at " + ml(policy.syringes.front().minUsable) +
                 "); use a more dilute product or a larger dose volume");
    if (d.count > 1)
        flag(plan, "MULTIPLE_DRAWS", FlagSeverity::Info, subject,
             std::to_string(d.count) + " draws of " + ml(d.volumePerDraw) + " with a " + d.syringe);
    if (d.density.inGPerMl() > 0.0 && d.measurable && !d.gravimetric) {
        if (d.massHigh.inG() > policy.balanceCapacityG)
            flag(plan, "BALANCE_CAPACITY_EXCEEDED", FlagSeverity::Warning, subject,
                 "the expected mass " + grams(d.massPerDraw, 2) + " exceeds the balance capacity of " +
                     num(policy.balanceCapacityG) + " g: verify this draw another way");
        else
            flag(plan, "BALANCE_CANNOT_VERIFY", FlagSeverity::Warning, subject,
                 "the balance (readability " + num(policy.balanceReadabilityG) + " g) cannot resolve +/-" +
                     num(d.tolerancePercent) + "% of " + grams(d.massPerDraw, 3) +
                     ": not accepted for gravimetric verification, verify this draw another way");
    }
}

// [SECTION] dose ----------------------------------------------------------------------------------

struct DoseContext {
    const Order& order;
    const FormulasPolicy& policy;
    Plan& plan;
    bool primary; // the first ingredient takes the order's dose
};

Result<double> requireBsa(DoseContext& ctx) {
    if (ctx.plan.bsaM2)
        return *ctx.plan.bsaM2;
    const Patient& p = ctx.order.patient;
    if (p.bsaM2) {
        ctx.plan.bsaM2 = *p.bsaM2;
        ctx.plan.bsaMethod = "as ordered";
        ctx.plan.inputWorkings.push_back("BSA = " + num(*p.bsaM2) + " m2 (as ordered)");
        return *p.bsaM2;
    }
    if (!p.heightCm || !p.weightKg)
        return Result<double>::fail("a dose per m2 needs the patient's height and weight (or bsa_m2)",
                                    "order.patient");
    const auto bsa = bodySurfaceArea(*p.heightCm, *p.weightKg, ctx.policy.bsaMethod);
    if (!bsa)
        return Error{bsa.error().message, "order.patient"};
    const double rounded = roundToStep(*bsa, std::pow(10.0, -ctx.policy.bsaDecimals));
    ctx.plan.bsaM2 = rounded;
    ctx.plan.bsaMethod = std::string(bsaMethodName(ctx.policy.bsaMethod));
    const std::string formula =
        ctx.policy.bsaMethod == BsaMethod::Mosteller
            ? "sqrt(" + num(*p.heightCm) + " cm x " + num(*p.weightKg) + " kg / 3600)"
            : "0.007184 x " + num(*p.weightKg) + "^0.425 x " + num(*p.heightCm) + "^0.725";
    ctx.plan.inputWorkings.push_back("BSA (" + ctx.plan.bsaMethod + ") = " + formula + " = " + num(*bsa) +
                                     " -> " + num(rounded) + " m2 (rounded to " +
                                     std::to_string(ctx.policy.bsaDecimals) + " decimals)");
    return rounded;
}

Result<double> requireGfr(DoseContext& ctx) {
    const Patient& p = ctx.order.patient;
    if (p.gfrMlMin) {
        ctx.plan.inputWorkings.push_back("GFR = " + num(*p.gfrMlMin) + " mL/min (as ordered)");
        return *p.gfrMlMin;
    }
    if (!p.ageYears || !p.weightKg || !p.scrMgDl || !p.sex)
        return Result<double>::fail(
            "Calvert needs gfr_ml_min, or age, weight, serum creatinine and sex for Cockcroft-Gault",
            "order.patient");
    const auto crcl = creatinineClearance(*p.ageYears, *p.weightKg, *p.scrMgDl, *p.sex);
    if (!crcl)
        return Error{crcl.error().message, "order.patient"};
    ctx.plan.crclMlMin = *crcl;
    ctx.plan.inputWorkings.push_back("CrCl (Cockcroft-Gault) = (140 - " + num(*p.ageYears) + ") x " +
                                     num(*p.weightKg) + " kg / (72 x " + num(*p.scrMgDl) + " mg/dL)" +
                                     (*p.sex == Sex::Female ? " x 0.85" : "") + " = " + num(*crcl, 2) +
                                     " mL/min, used as GFR");
    return *crcl;
}

Result<Amount> computeDose(const Ingredient& ing, DoseContext& ctx, IngredientPlan& out) {
    const DoseRule& rule = ing.dose;
    const Unit ruleUnit = rule.unit.amountUnit;
    Amount dose;
    if (rule.kind == DoseRuleKind::Calvert) {
        const std::optional<double> auc =
            ctx.primary && ctx.order.targetAuc ? ctx.order.targetAuc : rule.defaultValue;
        if (!auc)
            return Result<Amount>::fail("carboplatin by Calvert needs the target AUC", "order.target_auc");
        const auto gfr = requireGfr(ctx);
        if (!gfr)
            return gfr.error();
        const double cap = rule.gfrCapMlMin.value_or(ctx.policy.gfrCapMlMin);
        const auto calvert = calvertCarboplatin(*auc, *gfr, cap);
        if (!calvert)
            return Error{calvert.error().message, "order"};
        ctx.plan.gfrUsedMlMin = calvert->gfrUsed;
        if (calvert->capped)
            flag(ctx.plan, "GFR_CAPPED", FlagSeverity::Info, ing.drug,
                 "GFR " + num(*gfr, 2) + " mL/min capped at " + num(cap) + " mL/min for Calvert");
        out.workings.push_back("dose (Calvert) = AUC " + num(*auc) + " x (GFR " + num(calvert->gfrUsed, 2) +
                               (calvert->capped ? " (capped at " + num(cap) + ")" : std::string()) +
                               " + 25) = " + formatQuantity(calvert->dose.inMg(), Unit::Milligram, 4));
        dose = calvert->dose;
    } else {
        std::optional<DoseRate> ordered;
        if (ctx.primary && ctx.order.dose)
            ordered = ctx.order.dose;
        else if (rule.defaultValue)
            ordered = DoseRate(*rule.defaultValue, rule.unit);
        if (!ordered)
            return Result<Amount>::fail(
                "the order gives no dose for " + ing.drug + " and the recipe has no default", "order.dose");
        if (ordered->isRate())
            return Result<Amount>::fail(
                "'" + ordered->text() +
                    "' is a rate: give the dose to prepare in 'dose' and the rate in 'rate'",
                "order.dose");
        if (dimensionOf(ordered->unit().amountUnit) != dimensionOf(ruleUnit))
            return Result<Amount>::fail("the order doses " + ing.drug + " in " + ordered->unit().text() +
                                            " but recipe " + ctx.plan.recipeId + " doses it in " +
                                            rule.unit.text(),
                                        "order.dose");
        const DoseBasis basis = ordered->unit().basis;
        if (basis != DoseBasis::None && basis != rule.unit.basis)
            return Result<Amount>::fail("the order doses " + ing.drug + " in " + ordered->unit().text() +
                                            " but recipe " + ctx.plan.recipeId + " doses it in " +
                                            rule.unit.text(),
                                        "order.dose");
        std::optional<double> weight = ctx.order.patient.weightKg;
        std::optional<double> bsa;
        if (basis == DoseBasis::PerM2) {
            const auto b = requireBsa(ctx);
            if (!b)
                return b.error();
            bsa = *b;
        }
        if (basis == DoseBasis::PerKg && !weight)
            return Result<Amount>::fail("a dose in " + ordered->unit().text() + " needs the patient's weight",
                                        "order.patient.weight_kg");
        const auto resolved = ordered->resolve(weight, bsa);
        if (!resolved)
            return Error{resolved.error().message, "order.dose"};
        dose = *resolved;
        if (basis == DoseBasis::PerKg)
            out.workings.push_back("dose = " + ordered->text() + " x " + num(*weight) +
                                   " kg = " + inUnit(dose, ruleUnit));
        else if (basis == DoseBasis::PerM2)
            out.workings.push_back("dose = " + ordered->text() + " x " + num(*bsa) +
                                   " m2 = " + inUnit(dose, ruleUnit));
        else
            out.workings.push_back("dose = " + inUnit(dose, ruleUnit) +
                                   (ctx.primary && ctx.order.dose ? " (as ordered)" : " (recipe)"));
    }
    out.calculatedDose = dose;
    if (rule.roundTo > 0.0) {
        const double step = rule.roundTo * baseFactor(ruleUnit);
        const double rounded = roundToStep(dose.base(), step);
        dose = Amount::of(rounded / baseFactor(ruleUnit), ruleUnit);
        if (dose.dimension() != out.calculatedDose.dimension())
            dose = out.calculatedDose;
        out.workings.push_back("rounded to the nearest " + formatQuantity(rule.roundTo, ruleUnit) + ": " +
                               inUnit(dose, ruleUnit));
    }
    const double inRule = dose.in(ruleUnit).value();
    if (rule.maxDose && inRule > *rule.maxDose + kEps)
        flag(ctx.plan, "DOSE_ABOVE_MAX", FlagSeverity::Blocking, ing.drug,
             inUnit(dose, ruleUnit) + " is above the recipe's maximum of " +
                 formatQuantity(*rule.maxDose, ruleUnit));
    if (rule.minDose && inRule < *rule.minDose - kEps)
        flag(ctx.plan, "DOSE_BELOW_MIN", FlagSeverity::Blocking, ing.drug,
             inUnit(dose, ruleUnit) + " is below the recipe's minimum of " +
                 formatQuantity(*rule.minDose, ruleUnit));
    return dose;
}

// [SECTION] products ------------------------------------------------------------------------------

// The dose in the product's own dimension: mEq or mmol become mg through the product's molecular
// weight when the product is labelled by mass.
std::optional<Amount> inProductDimension(const Amount& dose, const Product& p) {
    if (dose.dimension() == p.amount.dimension())
        return dose;
    if (!p.molecularWeight || p.amount.dimension() != Dimension::Mass)
        return std::nullopt;
    if (dose.dimension() == Dimension::Equivalents)
        return Amount(milliEquivalentsToMass(dose.base(), *p.molecularWeight, p.valence).value());
    if (dose.dimension() == Dimension::Moles)
        return Amount(Mass::mg(dose.base() * *p.molecularWeight));
    return std::nullopt;
}

struct ProductChoice {
    const Product* product = nullptr;
    Amount dose; // in the product's dimension
    int vials = 0;
    double waste = 0.0; // base units
};

std::optional<ProductChoice> evaluate(const Product& p, const Amount& dose) {
    const auto d = inProductDimension(dose, p);
    if (!d || !(p.amount.base() > 0.0))
        return std::nullopt;
    ProductChoice c;
    c.product = &p;
    c.dose = *d;
    c.vials = std::max(1, static_cast<int>(std::ceil(d->base() / p.amount.base() - kEps)));
    c.waste = p.multipleDose ? 0.0 : c.vials * p.amount.base() - d->base();
    return c;
}

} // namespace

// [SECTION] makePlan ------------------------------------------------------------------------------

Result<Plan> makePlan(const Order& order, const Formulary& formulary, const FormulasPolicy& policy) {
    if (policy.syringes.empty() || policy.tolerances.empty())
        return Result<Plan>::fail("the site policy lists no syringes or no tolerance bands",
                                  policy.sourceName);
    const Recipe* recipe = order.recipeVersion ? formulary.recipe(order.recipeId, *order.recipeVersion)
                                               : formulary.recipe(order.recipeId);
    if (!recipe)
        return Result<Plan>::fail(
            "no recipe '" + order.recipeId + "'" +
                (order.recipeVersion ? " version " + std::to_string(*order.recipeVersion) : std::string()) +
                " in the formulary",
            "order.recipe");
    Plan plan;
    plan.orderId = order.id;
    plan.recipeId = recipe->id;
    plan.recipeVersion = recipe->version;
    plan.recipeName = recipe->name;
    plan.route = recipe->route;
    plan.cspCategory = recipe->cspCategory;
    plan.storage = recipe->storage;
    plan.pec = recipe->pec;
    plan.hazardousHandling = recipe->hazardousHandling;
    plan.steps = recipe->steps;
    plan.patient = order.patient;
    plan.baseKind = std::string(baseKindName(recipe->base.kind));
    plan.disclaimer = formulary.disclaimer;

    if (!order.route.empty() && !iequals(order.route, recipe->route))
        flag(plan, "ROUTE_MISMATCH", FlagSeverity::Blocking, "order",
             "the order's route " + order.route + " is not the recipe's route " + recipe->route);

    // Products the order names must fit the recipe.
    for (const auto& pid : order.productIds) {
        const Product* p = formulary.product(pid);
        bool allowed = std::find(recipe->base.productIds.begin(), recipe->base.productIds.end(), pid) !=
                       recipe->base.productIds.end();
        for (const auto& ing : recipe->ingredients)
            allowed = allowed ||
                      std::find(ing.productIds.begin(), ing.productIds.end(), pid) != ing.productIds.end();
        if (!p)
            flag(plan, "PRODUCT_MISMATCH", FlagSeverity::Blocking, pid,
                 "product '" + pid + "' is not in the formulary");
        else if (!allowed)
            flag(plan, "PRODUCT_MISMATCH", FlagSeverity::Blocking, p->drug,
                 p->displayName + " (" + p->ndc + ") is not a product recipe " + recipe->id + " v" +
                     std::to_string(recipe->version) + " allows");
    }

    bool first = true;
    for (const auto& ing : recipe->ingredients) {
        IngredientPlan ip;
        ip.role = "drug";
        ip.drug = ing.drug;
        ip.rule = ing.dose;
        DoseContext ctx{order, policy, plan, first};
        first = false;
        const auto dose = computeDose(ing, ctx, ip);
        if (!dose)
            return dose.error();
        ip.dose = *dose;

        // Candidates: what the pharmacist picked for this drug, else every product the recipe allows.
        std::vector<std::string> ids;
        for (const auto& pid : order.productIds) {
            if (std::find(ing.productIds.begin(), ing.productIds.end(), pid) != ing.productIds.end())
                ids.push_back(pid);
        }
        if (ids.empty())
            ids = ing.productIds;
        std::optional<ProductChoice> best;
        for (const auto& pid : ids) {
            const auto c = evaluate(*formulary.product(pid), *dose);
            if (!c)
                continue;
            // Least waste, then fewest vials, then the recipe's order of preference.
            if (!best || c->waste < best->waste - kEps ||
                (std::fabs(c->waste - best->waste) <= kEps && c->vials < best->vials))
                best = c;
        }
        if (!best)
            return Result<Plan>::fail("no product of recipe " + recipe->id + " can supply " + format(*dose) +
                                          " of " + ing.drug,
                                      "recipe " + recipe->id);
        const Product& p = *best->product;
        ip.productId = p.id;
        ip.productName = p.displayName;
        ip.ndc = p.ndc;
        ip.gtin = p.gtin;
        ip.concentration = p.concentration;
        ip.reconstitution = p.reconstitution;
        ip.vials = best->vials;
        ip.multipleDose = p.multipleDose;
        ip.waste = Amount::of(best->waste / baseFactor(p.amount.baseUnit()), p.amount.baseUnit());
        const Unit pu = p.amount.baseUnit();
        if (best->dose.dimension() != dose->dimension())
            ip.workings.push_back(format(*dose) + " x " + num(*p.molecularWeight) + " / " +
                                  std::to_string(p.valence) + " = " + inUnit(best->dose, pu) +
                                  " (molecular weight / valence)");
        if (p.reconstitution) {
            ip.workings.push_back(
                p.displayName + ": " + format(p.amount) + " + " + ml(p.reconstitution->volume) + " " +
                p.reconstitution->diluent + " + " + ml(p.reconstitution->displacement) +
                " displacement = " + ml(p.containerVolume, 4) + " -> " + format(p.concentration, 4));
            ip.reconstitutionDraw = planDraw(p.reconstitution->volume, std::nullopt, policy, ip.workings,
                                             "reconstitute each vial with " + ml(p.reconstitution->volume));
        } else {
            ip.workings.push_back(p.displayName + ": " + p.strengthText());
        }
        const Volume exact = p.concentration.volumeFor(best->dose).value();
        ip.workings.push_back("volume = " + inUnit(best->dose, pu) + " / " + format(p.concentration, 4) +
                              " = " + ml(exact, 4));
        ip.workings.push_back("vials = ceil(" + inUnit(best->dose, pu) + " / " + format(p.amount, 4) +
                              ") = " + std::to_string(ip.vials) +
                              (p.multipleDose
                                   ? "; multiple-dose vial, the rest stays in it"
                                   : "; waste = " + std::to_string(ip.vials) + " x " + format(p.amount, 4) +
                                         " - " + inUnit(best->dose, pu) + " = " + format(ip.waste, 4)));
        // The vials hold vials x their fill (or reconstituted volume): no draw takes more than that.
        int vialsUsed = ip.vials;
        ip.draw =
            planDraw(exact, p.density, policy, ip.workings, "syringe",
                     DrawSource{p.containerVolume, ip.vials}, policy.maxRoundingDeviationPercent, &vialsUsed);
        if (vialsUsed != ip.vials) {
            ip.workings.push_back("vials = " + std::to_string(vialsUsed) + ": " + ml(ip.draw.total()) +
                                  " is more than the " + ml(p.containerVolume * ip.vials, 4) + " in " +
                                  std::to_string(ip.vials) + (ip.vials == 1 ? " vial" : " vials"));
            ip.vials = vialsUsed;
            if (!p.multipleDose)
                ip.waste = Amount::of((ip.vials * p.amount.base() - best->dose.base()) /
                                          baseFactor(p.amount.baseUnit()),
                                      p.amount.baseUnit());
        }
        const Volume drawn = ip.draw.total();
        ip.deliveredDose = p.concentration.amountIn(drawn);
        ip.roundingDeviationPercent =
            best->dose.base() > 0 ? (ip.deliveredDose.base() / best->dose.base() - 1.0) * 100.0 : 0.0;
        ip.workings.push_back("delivered = " + ml(drawn) + " x " + format(p.concentration, 4) + " = " +
                              inUnit(ip.deliveredDose, pu) + " (" +
                              (ip.roundingDeviationPercent >= 0 ? "+" : "") +
                              num(ip.roundingDeviationPercent, 2) + "% from the dose)");
        if (std::fabs(ip.roundingDeviationPercent) > policy.maxRoundingDeviationPercent + kEps) {
            const bool ack = policy.roundingAboveLimit == RoundingAboveLimit::PharmacistAcknowledges;
            flag(plan, "ROUNDING_DEVIATION", FlagSeverity::Blocking, ing.drug,
                 "rounding to the syringe's graduation changes the dose by " +
                     num(ip.roundingDeviationPercent, 2) + "% (site limit " +
                     num(policy.maxRoundingDeviationPercent) + "%)" +
                     (ack ? ": a pharmacist must acknowledge it before preparation"
                          : ": not prepared as planned"));
            plan.flags.back().acknowledgeable = ack;
        }
        flagDraw(plan, ip.draw, ing.drug, policy);
        plan.ingredients.push_back(std::move(ip));
    }

    // Final container.
    Volume drugVolume;
    for (const auto& ip : plan.ingredients)
        drugVolume = drugVolume + ip.draw.total();
    // Copies, not references: the q.s. diluent or the withdrawal is appended to plan.ingredients below.
    const Amount primaryDose = plan.ingredients.front().deliveredDose;
    const std::string primaryDrug = plan.ingredients.front().drug;
    const auto concentrationFor = [&](Volume finalVolume) {
        return Concentration::of(primaryDose, finalVolume);
    };
    const auto within = [&](const Concentration& c) {
        if (recipe->maxFinalConcentration && recipe->maxFinalConcentration->dimension() == c.dimension() &&
            c.basePerMl() > recipe->maxFinalConcentration->basePerMl() + kEps)
            return false;
        if (recipe->minFinalConcentration && recipe->minFinalConcentration->dimension() == c.dimension() &&
            c.basePerMl() < recipe->minFinalConcentration->basePerMl() - kEps)
            return false;
        return true;
    };

    switch (recipe->base.kind) {
    case BaseKind::Bag: {
        std::vector<const Product*> bags;
        for (const auto& pid : recipe->base.productIds)
            bags.push_back(formulary.product(pid));
        std::stable_sort(bags.begin(), bags.end(), [](const Product* a, const Product* b) {
            return a->containerVolume < b->containerVolume;
        });
        const Product* bag = nullptr;
        for (const auto& pid : order.productIds) {
            for (const Product* b : bags) {
                if (b->id == pid)
                    bag = b;
            }
        }
        if (!bag && order.finalVolume) {
            for (const Product* b : bags) {
                if (std::fabs(b->containerVolume.inMl() - order.finalVolume->inMl()) < 0.5)
                    bag = b;
            }
            if (!bag)
                flag(plan, "PRODUCT_MISMATCH", FlagSeverity::Blocking, "final container",
                     "recipe " + recipe->id + " has no " + ml(*order.finalVolume) + " bag");
        }
        if (!bag) {
            for (const Product* b : bags) {
                const Volume final = recipe->base.withdrawToNominal
                                         ? b->containerVolume
                                         : b->containerVolume + b->overfill + drugVolume;
                if (within(concentrationFor(final))) {
                    bag = b;
                    break;
                }
            }
        }
        if (!bag)
            bag = bags.back();
        plan.baseProductId = bag->id;
        plan.baseProductName = bag->displayName;
        plan.baseVolume = bag->containerVolume;
        plan.baseOverfill = bag->overfill;
        plan.finalVolume = bag->containerVolume + bag->overfill + drugVolume;
        if (recipe->base.withdrawToNominal) {
            const Volume out = bag->overfill + drugVolume;
            IngredientPlan wd;
            wd.role = "withdraw";
            wd.drug = bag->drug;
            wd.productId = bag->id;
            wd.productName = bag->displayName;
            wd.ndc = bag->ndc;
            wd.gtin = bag->gtin;
            wd.workings.push_back("withdraw first = " + ml(bag->overfill) +
                                  " overfill (as listed for this bag; bags vary) + " + ml(drugVolume) +
                                  " to be added = " + ml(out, 4));
            wd.draw = planDraw(out, bag->density, policy, wd.workings, "syringe");
            flagDraw(plan, wd.draw, bag->drug + " (withdrawn)", policy);
            plan.finalVolume = plan.finalVolume - wd.draw.total();
            plan.finalWorkings.push_back("final volume = " + ml(bag->containerVolume) + " (" +
                                         bag->displayName + ") + " + ml(bag->overfill) + " overfill - " +
                                         ml(wd.draw.total()) + " withdrawn + " + ml(drugVolume) +
                                         " added = " + ml(plan.finalVolume));
            plan.ingredients.push_back(std::move(wd));
        } else {
            plan.finalWorkings.push_back("final volume = " + ml(bag->containerVolume) + " (" +
                                         bag->displayName + ") + " + ml(bag->overfill) + " overfill + " +
                                         ml(drugVolume) + " added = " + ml(plan.finalVolume));
        }
        break;
    }
    case BaseKind::Syringe: {
        const Product* diluent = formulary.product(recipe->base.productIds.front());
        for (const auto& pid : order.productIds) {
            if (std::find(recipe->base.productIds.begin(), recipe->base.productIds.end(), pid) !=
                recipe->base.productIds.end())
                diluent = formulary.product(pid);
        }
        plan.finalVolume = order.finalVolume.value_or(*recipe->base.finalVolume);
        const Volume qs = plan.finalVolume - drugVolume;
        plan.finalWorkings.push_back("q.s. diluent = " + ml(plan.finalVolume) + " final - " + ml(drugVolume) +
                                     " drug = " + ml(qs, 4));
        plan.baseProductId = diluent->id;
        plan.baseProductName = diluent->displayName;
        if (!(qs.inMl() > kEps)) {
            flag(plan, "QS_VOLUME_TOO_SMALL", FlagSeverity::Blocking, "final container",
                 "the drug volume " + ml(drugVolume) + " already fills the final volume " +
                     ml(plan.finalVolume));
            break;
        }
        IngredientPlan dil;
        dil.role = "diluent";
        dil.drug = diluent->drug;
        dil.productId = diluent->id;
        dil.productName = diluent->displayName;
        dil.ndc = diluent->ndc;
        dil.gtin = diluent->gtin;
        dil.vials = 1;
        dil.draw = planDraw(qs, diluent->density, policy, dil.workings, "syringe");
        flagDraw(plan, dil.draw, diluent->drug, policy);
        // The q.s. draw is rounded too: the final volume is what is actually in the syringe.
        plan.finalVolume = drugVolume + dil.draw.total();
        plan.finalWorkings.push_back("final volume = " + ml(drugVolume) + " + " + ml(dil.draw.total()) +
                                     " = " + ml(plan.finalVolume));
        plan.ingredients.push_back(std::move(dil));
        break;
    }
    case BaseKind::None: {
        plan.finalVolume = drugVolume;
        plan.finalWorkings.push_back("final volume = " + ml(drugVolume) + " drawn, undiluted");
        break;
    }
    }

    if (plan.finalVolume.inMl() > kEps) {
        const auto c = concentrationFor(plan.finalVolume);
        plan.finalConcentration = c;
        std::string line = "final concentration = " + format(primaryDose, 4) + " / " + ml(plan.finalVolume) +
                           " = " + format(c, 4);
        if (recipe->minFinalConcentration || recipe->maxFinalConcentration)
            line +=
                " (limits " +
                (recipe->minFinalConcentration ? format(*recipe->minFinalConcentration) : std::string("-")) +
                " to " +
                (recipe->maxFinalConcentration ? format(*recipe->maxFinalConcentration) : std::string("-")) +
                ")";
        plan.finalWorkings.push_back(line);
        for (const auto* limit : {&recipe->minFinalConcentration, &recipe->maxFinalConcentration}) {
            if (*limit && (*limit)->dimension() != c.dimension())
                flag(plan, "LIMIT_NOT_COMPARABLE", FlagSeverity::Warning, primaryDrug,
                     "the recipe's concentration limit " + format(**limit) + " is not in the unit of " +
                         format(c, 4) + ": check it by hand");
        }
        if (recipe->maxFinalConcentration && recipe->maxFinalConcentration->dimension() == c.dimension() &&
            c.basePerMl() > recipe->maxFinalConcentration->basePerMl() + kEps)
            flag(plan, "CONCENTRATION_ABOVE_MAX", FlagSeverity::Blocking, primaryDrug,
                 format(c, 4) + " is above the recipe's maximum of " +
                     format(*recipe->maxFinalConcentration));
        if (recipe->minFinalConcentration && recipe->minFinalConcentration->dimension() == c.dimension() &&
            c.basePerMl() < recipe->minFinalConcentration->basePerMl() - kEps)
            flag(plan, "CONCENTRATION_BELOW_MIN", FlagSeverity::Blocking, primaryDrug,
                 format(c, 4) + " is below the recipe's minimum of " +
                     format(*recipe->minFinalConcentration));

        if (order.rate) {
            const auto rate = infusionRateMlPerHour(*order.rate, order.patient.weightKg, plan.bsaM2, c);
            if (!rate)
                return Error{rate.error().message, "order.rate"};
            plan.rateMlPerHour = *rate;
            plan.finalWorkings.push_back("rate = " + order.rate->text() +
                                         (order.rate->unit().basis == DoseBasis::PerKg
                                              ? " x " + num(*order.patient.weightKg) + " kg"
                                              : "") +
                                         " / " + format(c, 4) + " = " + num(*rate, 2) + " mL/h");
        }
        if (order.infusionMinutes) {
            if (!(*order.infusionMinutes > 0))
                return Result<Plan>::fail("must be greater than zero", "order.infusion_minutes");
            if (!plan.rateMlPerHour) {
                plan.rateMlPerHour = plan.finalVolume.inMl() / *order.infusionMinutes * 60.0;
                plan.finalWorkings.push_back("rate = " + ml(plan.finalVolume) + " / " +
                                             num(*order.infusionMinutes) +
                                             " min x 60 = " + num(*plan.rateMlPerHour, 2) + " mL/h");
            }
            if (order.dropFactor) {
                const auto drip = dripRate(plan.finalVolume, *order.infusionMinutes, *order.dropFactor);
                if (!drip)
                    return Error{drip.error().message, "order.drop_factor"};
                plan.dropsPerMinute = *drip;
                plan.finalWorkings.push_back(
                    "drip = " + ml(plan.finalVolume) + " x " + num(*order.dropFactor) + " drops/mL / " +
                    num(*order.infusionMinutes) + " min = " + num(*drip, 1) + " drops/min");
            }
        }
    }
    return plan;
}

// [SECTION] order JSON ----------------------------------------------------------------------------

namespace {

using nlohmann::json;

std::string lineColumn(std::string_view text, size_t byte) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return std::to_string(line) + ":" + std::to_string(col);
}

struct JsonReader {
    const json& object;
    std::string path;
    std::optional<Error>& error;

    void fail(std::string_view key, std::string message) {
        if (!error)
            error = Error{std::move(message), path + "." + std::string(key)};
    }
    std::optional<double> number(std::string_view key, double lo, double hi) {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null())
            return std::nullopt;
        if (!it->is_number()) {
            fail(key, "must be a number");
            return std::nullopt;
        }
        const double v = it->get<double>();
        if (!std::isfinite(v) || v < lo || v > hi) {
            fail(key, "must be between " + formatPlain(lo, 4) + " and " + formatPlain(hi, 4) + ", not " +
                          formatPlain(v, 4));
            return std::nullopt;
        }
        return v;
    }
    std::string text(std::string_view key, bool required) {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null()) {
            if (required)
                fail(key, "is missing");
            return {};
        }
        if (!it->is_string()) {
            fail(key, "must be a text in quotes");
            return {};
        }
        return it->get<std::string>();
    }
    std::optional<DoseRate> doseRate(std::string_view key) {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null())
            return std::nullopt;
        if (!it->is_object()) {
            fail(key, "must be an object like {\"value\": 15, \"unit\": \"mg/kg\"}");
            return std::nullopt;
        }
        JsonReader inner{*it, path + "." + std::string(key), error};
        const auto v = inner.number("value", 0, 1e9);
        const std::string unit = inner.text("unit", true);
        if (!v) {
            if (!error)
                inner.fail("value", "is missing");
            return std::nullopt;
        }
        if (unit.empty())
            return std::nullopt;
        const auto u = parseDoseUnit(unit);
        if (!u) {
            inner.fail("unit", u.error().message);
            return std::nullopt;
        }
        return DoseRate(*v, *u);
    }
};

} // namespace

Result<Order> parseOrderJson(std::string_view text, std::string_view sourceName) {
    // Size, depth and duplicate keys first ("dose" given twice must not mean the last one).
    if (const auto problem = jsonShapeProblem(text, InputLimits{1u << 20, 32}))
        return Error{*problem, std::string(sourceName)};
    if (auto strict = parseJsonStrict(text, std::string(sourceName));
        !strict && strict.error().message.find("given twice") != std::string::npos)
        return strict.error();
    json doc;
    try {
        doc = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        return Error{"is not valid JSON (" +
                         std::string(e.what()).substr(std::string(e.what()).find(']') + 2) + ")",
                     std::string(sourceName) + ":" + lineColumn(text, e.byte > 0 ? e.byte - 1 : 0)};
    } catch (const json::exception& e) {
        // e.g. a number too large for a double ("1e999"): out_of_range, with no position.
        const std::string what = e.what();
        const size_t close = what.find(']');
        return Error{"is not a usable JSON document (" +
                         (close == std::string::npos ? what : what.substr(close + 2)) + ")",
                     std::string(sourceName)};
    }
    if (!doc.is_object())
        return Result<Order>::fail("must be a JSON object", std::string(sourceName));
    std::optional<Error> err;
    JsonReader r{doc, "order", err};
    Order o;
    o.id = r.text("id", true);
    o.recipeId = r.text("recipe", true);
    if (const auto v = r.number("recipe_version", 1, 100000)) {
        if (std::floor(*v) != *v)
            r.fail("recipe_version", "must be a whole number");
        o.recipeVersion = static_cast<int>(*v);
    }
    o.route = r.text("route", false);
    o.dose = r.doseRate("dose");
    o.rate = r.doseRate("rate");
    o.targetAuc = r.number("target_auc", 0.5, 10);
    if (const auto v = r.number("final_volume_ml", 0.1, 5000))
        o.finalVolume = Volume::mL(*v);
    o.infusionMinutes = r.number("infusion_minutes", 0.1, 100000);
    o.dropFactor = r.number("drop_factor", 1, 100);
    if (const auto it = doc.find("products"); it != doc.end() && !it->is_null()) {
        if (!it->is_array())
            r.fail("products", "must be a list of product ids");
        else
            for (const auto& p : *it) {
                if (!p.is_string()) {
                    r.fail("products", "must be a list of product ids in quotes");
                    break;
                }
                o.productIds.push_back(p.get<std::string>());
            }
    }
    if (const auto it = doc.find("patient"); it != doc.end() && !it->is_null()) {
        if (!it->is_object()) {
            r.fail("patient", "must be an object");
        } else {
            JsonReader p{*it, "order.patient", err};
            o.patient.weightKg = p.number("weight_kg", 0.3, 400);
            o.patient.heightCm = p.number("height_cm", 20, 250);
            o.patient.ageYears = p.number("age_years", 0, 120);
            o.patient.scrMgDl = p.number("scr_mg_dl", 0.1, 20);
            o.patient.bsaM2 = p.number("bsa_m2", 0.05, 4);
            o.patient.gfrMlMin = p.number("gfr_ml_min", 1, 250);
            const std::string sex = p.text("sex", false);
            if (!sex.empty()) {
                const auto s = parseSex(sex);
                if (!s)
                    p.fail("sex", s.error().message);
                else
                    o.patient.sex = *s;
            }
        }
    }
    for (const auto& [key, value] : doc.items()) {
        static const std::vector<std::string> known = {
            "id",         "recipe",          "recipe_version",   "route",       "dose",     "rate",
            "target_auc", "final_volume_ml", "infusion_minutes", "drop_factor", "products", "patient",
            "comment"};
        if (std::find(known.begin(), known.end(), key) == known.end())
            r.fail(key, "is not a known order field (misspelt?)");
    }
    if (err)
        return *err;
    return o;
}

// [SECTION] plan JSON -----------------------------------------------------------------------------

namespace {

json amountJson(const Amount& a) {
    return {{"value", a.base()}, {"unit", std::string(symbol(a.baseUnit()))}, {"text", format(a, 4)}};
}

json concentrationJson(const Concentration& c) {
    const Unit u = c.amountIn(Volume::mL(1)).baseUnit();
    return {{"value", c.basePerMl()}, {"unit", std::string(symbol(u)) + "/mL"}, {"text", format(c, 4)}};
}

json drawJson(const Draw& d, bool withMass) {
    json j = {{"syringe", d.syringe},
              {"syringe_ml", d.syringeCapacity.inMl()},
              {"graduation_ml", d.graduation.inMl()},
              {"count", d.count},
              {"exact_ml_per_draw", d.exactPerDraw.inMl()},
              {"ml_per_draw", d.volumePerDraw.inMl()},
              {"total_ml", d.total().inMl()},
              {"measurable", d.measurable}};
    if (withMass) {
        j["density_g_ml"] = d.density.inGPerMl();
        j["mass_g_per_draw"] = d.massPerDraw.inG();
        j["tolerance_percent"] = d.tolerancePercent;
        j["mass_low_g"] = d.massLow.inG();
        j["mass_high_g"] = d.massHigh.inG();
        j["gravimetric"] = d.gravimetric;
    }
    return j;
}

template <typename T> json optional(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

} // namespace

nlohmann::json planToJson(const Plan& plan) {
    json ingredients = json::array();
    for (const auto& ip : plan.ingredients) {
        json j = {{"role", ip.role},
                  {"drug", ip.drug},
                  {"product", ip.productId},
                  {"product_name", ip.productName},
                  {"ndc", ip.ndc},
                  {"gtin", ip.gtin},
                  {"vials", ip.vials},
                  {"multiple_dose", ip.multipleDose},
                  {"draw", drawJson(ip.draw, true)},
                  {"workings", ip.workings}};
        if (ip.role == "drug") {
            j["dose_rule"] = std::string(doseRuleName(ip.rule.kind));
            j["dose_unit"] = ip.rule.unit.text();
            j["calculated_dose"] = amountJson(ip.calculatedDose);
            j["dose"] = amountJson(ip.dose);
            j["delivered_dose"] = amountJson(ip.deliveredDose);
            j["rounding_deviation_percent"] = ip.roundingDeviationPercent;
            j["concentration"] = concentrationJson(ip.concentration);
            j["waste"] = amountJson(ip.waste);
        }
        if (ip.reconstitution) {
            j["reconstitution"] = {{"diluent", ip.reconstitution->diluent},
                                   {"volume_ml", ip.reconstitution->volume.inMl()},
                                   {"displacement_ml", ip.reconstitution->displacement.inMl()},
                                   {"draw", drawJson(*ip.reconstitutionDraw, false)}};
        }
        ingredients.push_back(std::move(j));
    }
    json flags = json::array();
    for (const auto& f : plan.flags)
        flags.push_back(
            {{"code", f.code},
             {"severity", std::string(severityName(f.severity))},
             {"subject", f.subject},
             {"message", f.message},
             {"needs_acknowledgement", f.acknowledgeable && f.acknowledgedBy.empty()},
             {"acknowledged_by", f.acknowledgedBy.empty() ? json(nullptr) : json(f.acknowledgedBy)}});
    const Patient& p = plan.patient;
    return {
        {"ok", plan.ok()},
        {"order", plan.orderId},
        {"recipe", {{"id", plan.recipeId}, {"version", plan.recipeVersion}, {"name", plan.recipeName}}},
        {"route", plan.route},
        {"csp_category", plan.cspCategory},
        {"storage", std::string(storageName(plan.storage))},
        {"pec", plan.pec},
        {"hazardous", !plan.hazardousHandling.empty()},
        {"hazardous_handling", plan.hazardousHandling},
        {"inputs",
         {{"weight_kg", optional(p.weightKg)},
          {"height_cm", optional(p.heightCm)},
          {"age_years", optional(p.ageYears)},
          {"sex", p.sex ? json(*p.sex == Sex::Male ? "male" : "female") : json(nullptr)},
          {"scr_mg_dl", optional(p.scrMgDl)},
          {"bsa_m2", optional(plan.bsaM2)},
          {"bsa_method", plan.bsaMethod},
          {"crcl_ml_min", optional(plan.crclMlMin)},
          {"gfr_used_ml_min", optional(plan.gfrUsedMlMin)},
          {"workings", plan.inputWorkings}}},
        {"ingredients", ingredients},
        {"final",
         {{"container", plan.baseKind},
          {"base_product", plan.baseProductId},
          {"base_product_name", plan.baseProductName},
          {"base_volume_ml", plan.baseVolume.inMl()},
          {"overfill_ml", plan.baseOverfill.inMl()},
          {"volume_ml", plan.finalVolume.inMl()},
          {"concentration",
           plan.finalConcentration ? concentrationJson(*plan.finalConcentration) : json(nullptr)},
          {"rate_ml_per_h", optional(plan.rateMlPerHour)},
          {"drops_per_min", optional(plan.dropsPerMinute)},
          {"workings", plan.finalWorkings}}},
        {"steps", plan.steps},
        {"flags", flags},
        {"disclaimer", plan.disclaimer},
    };
}

// [SECTION] text ----------------------------------------------------------------------------------

std::string planToText(const Plan& plan) {
    std::ostringstream out;
    out << "Plan for order " << plan.orderId << ": " << plan.recipeName << " (recipe " << plan.recipeId
        << " v" << plan.recipeVersion << ")\n";
    out << "  route " << plan.route << ", CSP category " << plan.cspCategory << ", store "
        << storageName(plan.storage) << ", PEC " << plan.pec << '\n';
    if (!plan.hazardousHandling.empty())
        out << "  HAZARDOUS DRUG: " << plan.hazardousHandling << '\n';
    const Patient& p = plan.patient;
    out << "Inputs:";
    if (p.weightKg)
        out << " weight " << formatNumber(*p.weightKg) << " kg;";
    if (p.heightCm)
        out << " height " << formatNumber(*p.heightCm) << " cm;";
    if (p.ageYears)
        out << " age " << formatNumber(*p.ageYears) << " y;";
    if (p.sex)
        out << (*p.sex == Sex::Male ? " male;" : " female;");
    if (p.scrMgDl)
        out << " SCr " << formatNumber(*p.scrMgDl) << " mg/dL;";
    out << '\n';
    for (const auto& w : plan.inputWorkings)
        out << "  " << w << '\n';
    for (const auto& ip : plan.ingredients) {
        out << (ip.role == "drug"       ? "Drug: "
                : ip.role == "withdraw" ? "Withdraw from the bag first: "
                                        : "Diluent (q.s.): ")
            << ip.drug << " - " << ip.productName << " (NDC " << ip.ndc << ")\n";
        for (const auto& w : ip.workings)
            out << "  " << w << '\n';
    }
    out << "Final container (" << plan.baseKind
        << (plan.baseProductName.empty() ? "" : ", " + plan.baseProductName) << "):\n";
    for (const auto& w : plan.finalWorkings)
        out << "  " << w << '\n';
    out << "Steps:\n";
    int n = 0;
    for (const auto& s : plan.steps)
        out << "  " << ++n << ". " << s << '\n';
    if (plan.flags.empty()) {
        out << "Flags: none\n";
    } else {
        out << "Flags:\n";
        for (const auto& f : plan.flags)
            out << "  [" << severityName(f.severity) << "] " << f.code << " (" << f.subject
                << "): " << f.message
                << (f.acknowledgedBy.empty() ? "" : " - acknowledged by " + f.acknowledgedBy) << '\n';
    }
    const bool onlyAcknowledgeable = std::all_of(plan.flags.begin(), plan.flags.end(), [](const PlanFlag& f) {
        return f.severity != FlagSeverity::Blocking || !f.acknowledgedBy.empty() || f.acknowledgeable;
    });
    if (plan.ok())
        out << "Plan OK: may be prepared.\n";
    else if (onlyAcknowledgeable)
        out << "Plan BLOCKED until a pharmacist acknowledges the flags above.\n";
    else
        out << "Plan BLOCKED: do not prepare until the blocking flags are resolved.\n";
    if (!plan.disclaimer.empty())
        out << plan.disclaimer << '\n';
    return out.str();
}

} // namespace admix::formulas
