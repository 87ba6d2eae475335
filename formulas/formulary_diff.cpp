#include "formulas/formulary_diff.hpp"

#include <map>

namespace admix::formulas {

namespace {

std::string yesNo(bool v) {
    return v ? "yes" : "no";
}

std::string joined(const std::vector<std::string>& items, const char* sep = ", ") {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : sep) + i;
    return out;
}

std::string optionalNumber(const std::optional<double>& v) {
    return v ? formatPlain(*v, 6) : std::string();
}

using Fields = std::vector<std::pair<std::string, std::string>>;

void compare(const Fields& before, const Fields& after, std::vector<FieldChange>& out) {
    std::map<std::string, std::string> old(before.begin(), before.end());
    for (const auto& [k, v] : after) {
        const auto it = old.find(k);
        const std::string was = it == old.end() ? std::string() : it->second;
        if (was != v)
            out.push_back({k, was, v});
    }
}

std::vector<FieldChange> all(const Fields& fields, bool added) {
    std::vector<FieldChange> out;
    for (const auto& [k, v] : fields) {
        if (!v.empty())
            out.push_back(added ? FieldChange{k, "", v} : FieldChange{k, v, ""});
    }
    return out;
}

} // namespace

std::string_view changeKindName(FormularyChange::Kind kind) {
    switch (kind) {
    case FormularyChange::Kind::Added:
        return "added";
    case FormularyChange::Kind::Changed:
        return "changed";
    case FormularyChange::Kind::Retired:
        return "retired";
    }
    return "?";
}

std::vector<std::pair<std::string, std::string>> productFields(const Product& p) {
    return {{"drug", p.drug},
            {"display_name", p.displayName},
            {"form", std::string(productFormName(p.form))},
            {"strength", p.strengthText()},
            {"overfill_ml", p.overfill.inMl() > 0 ? formatPlain(p.overfill.inMl(), 3) : std::string()},
            {"ndc", p.ndc},
            {"gtin", p.gtin},
            {"package_size", std::to_string(p.packageSize)},
            {"multiple_dose", yesNo(p.multipleDose)},
            {"in_use_hours", p.inUseHours ? std::to_string(*p.inUseHours) : std::string()},
            {"density_g_ml", formatPlain(p.density.inGPerMl(), 6)},
            {"density_source", p.densitySource},
            {"hazard", p.hazard},
            {"schedule", p.schedule},
            {"storage", std::string(storageName(p.storage))},
            {"unit_cost", optionalNumber(p.unitCost)},
            {"molecular_weight", optionalNumber(p.molecularWeight)},
            {"valence", p.valence ? std::to_string(p.valence) : std::string()}};
}

std::vector<std::pair<std::string, std::string>> recipeFields(const Recipe& r) {
    Fields f{{"name", r.name},
             {"route", r.route},
             {"csp_category", std::to_string(r.cspCategory)},
             {"storage", std::string(storageName(r.storage))},
             {"pec", r.pec},
             {"hazardous_handling", r.hazardousHandling},
             {"final_concentration_min",
              r.minFinalConcentration ? format(*r.minFinalConcentration) : std::string()},
             {"final_concentration_max",
              r.maxFinalConcentration ? format(*r.maxFinalConcentration) : std::string()},
             {"base.kind", std::string(baseKindName(r.base.kind))},
             {"base.products", joined(r.base.productIds)},
             {"base.final_volume_ml",
              r.base.finalVolume ? formatPlain(r.base.finalVolume->inMl(), 3) : std::string()},
             {"base.withdraw_to_nominal", yesNo(r.base.withdrawToNominal)}};
    for (size_t i = 0; i < r.ingredients.size(); ++i) {
        const Ingredient& ing = r.ingredients[i];
        const std::string k = "ingredient[" + std::to_string(i + 1) + "].";
        f.emplace_back(k + "drug", ing.drug);
        f.emplace_back(k + "products", joined(ing.productIds));
        f.emplace_back(k + "dose_rule", std::string(doseRuleName(ing.dose.kind)));
        f.emplace_back(k + "dose_unit", ing.dose.unit.text());
        f.emplace_back(k + "default_dose", optionalNumber(ing.dose.defaultValue));
        f.emplace_back(k + "round_to",
                       ing.dose.roundTo > 0 ? formatPlain(ing.dose.roundTo, 6) : std::string());
        f.emplace_back(k + "min_dose", optionalNumber(ing.dose.minDose));
        f.emplace_back(k + "max_dose", optionalNumber(ing.dose.maxDose));
        f.emplace_back(k + "gfr_cap_ml_min", optionalNumber(ing.dose.gfrCapMlMin));
    }
    for (size_t i = 0; i < r.steps.size(); ++i)
        f.emplace_back("steps[" + std::to_string(i + 1) + "]", r.steps[i]);
    return f;
}

std::vector<FormularyChange> diffFormularies(const Formulary* before, const Formulary& after) {
    std::vector<FormularyChange> out;
    using Kind = FormularyChange::Kind;
    for (const auto& p : after.products()) {
        const Product* old = before ? before->product(p.id) : nullptr;
        if (!old) {
            out.push_back({Kind::Added, "product", p.id, all(productFields(p), true)});
            continue;
        }
        FormularyChange c{Kind::Changed, "product", p.id, {}};
        compare(productFields(*old), productFields(p), c.fields);
        if (!c.fields.empty())
            out.push_back(std::move(c));
    }
    if (before) {
        for (const auto& p : before->products()) {
            if (!after.product(p.id))
                out.push_back({Kind::Retired, "product", p.id, all(productFields(p), false)});
        }
    }
    for (const auto& r : after.allRecipes()) {
        const Recipe* old = before ? before->recipe(r.id, r.version) : nullptr;
        const std::string id = r.id + " v" + std::to_string(r.version);
        if (!old) {
            out.push_back({Kind::Added, "recipe", id, all(recipeFields(r), true)});
            continue;
        }
        FormularyChange c{Kind::Changed, "recipe", id, {}};
        compare(recipeFields(*old), recipeFields(r), c.fields);
        if (!c.fields.empty())
            out.push_back(std::move(c));
    }
    if (before) {
        for (const auto& r : before->allRecipes()) {
            if (!after.recipe(r.id, r.version))
                out.push_back({Kind::Retired, "recipe", r.id + " v" + std::to_string(r.version),
                               all(recipeFields(r), false)});
        }
    }
    return out;
}

} // namespace admix::formulas
