#include "station/workflow/plan_steps.hpp"

#include "formulas/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace admix::workflow {

namespace {

std::string ml(formulas::Volume v) {
    return formulas::format(v);
}

std::string categoryText(int category) {
    return std::to_string(category);
}

std::string storageText(formulas::Storage s) {
    switch (s) {
    case formulas::Storage::Room:
        return "room";
    case formulas::Storage::Refrigerated:
        return "fridge";
    case formulas::Storage::Frozen:
        return "freezer";
    }
    return "room";
}

StepSpec scanStep(const formulas::Product& product, int ingredient, const std::string& title, int count = 1) {
    StepSpec s;
    s.kind = StepKind::Scan;
    s.title = title;
    s.instruction = count > 1 ? "Scan the code on each of the " + std::to_string(count) + " " +
                                    product.displayName + " (one scan per vial)."
                              : "Scan the 2D code on the label of " + product.displayName + ".";
    s.ingredient = ingredient;
    s.scan = {{product.gtin}, product.displayName, product.drug, product.strengthText(), std::max(1, count)};
    return s;
}

// The formulary's products of a reconstitution diluent ("sterile water for injection"), if it has any.
std::vector<const formulas::Product*> diluentProducts(const formulas::Formulary& formulary,
                                                      const std::string& diluent) {
    std::vector<const formulas::Product*> out;
    for (const auto& p : formulary.products()) {
        if (p.form == formulas::ProductForm::Diluent && formulas::iequals(p.drug, diluent))
            out.push_back(&p);
    }
    return out;
}

} // namespace

Result<PrepSpec> specFromPlan(const formulas::Plan& plan, const formulas::Formulary& formulary) {
    if (!plan.ok()) {
        std::string message = "the plan cannot be prepared:";
        for (const auto& flag : plan.flags) {
            if (flag.severity == formulas::FlagSeverity::Blocking)
                message += "\n- " + flag.message;
        }
        return Result<PrepSpec>::fail(message);
    }
    PrepSpec spec;
    spec.recipeId = plan.recipeId;
    spec.recipeVersion = plan.recipeVersion;
    spec.category = categoryText(plan.cspCategory);
    spec.storage = storageText(plan.storage);
    spec.hazardous = !plan.hazardousHandling.empty();
    spec.pecRequired = plan.pec;
    spec.finalContainer = plan.baseProductName;
    spec.title = formulary.tallMan(plan.recipeName);

    // A bag made up to its labelled concentration: scan it and take the overfill plus the volume to
    // be added out of it first (weighed), before any drug goes in.
    const formulas::Product* base = formulary.product(plan.baseProductId);
    bool baseScanned = false;
    for (const auto& ing : plan.ingredients) {
        if (ing.role != "withdraw")
            continue;
        if (!base)
            return Result<PrepSpec>::fail("the plan withdraws from bag " + plan.baseProductId +
                                          ", which the formulary lacks");
        spec.steps.push_back(scanStep(*base, -1, "Scan " + base->displayName));
        baseScanned = true;
        const formulas::Draw& d = ing.draw;
        for (int n = 1; n <= d.count; ++n) {
            const std::string which =
                d.count > 1 ? " (" + std::to_string(n) + " of " + std::to_string(d.count) + ")" : "";
            StepSpec out;
            out.ingredient = -1;
            out.title = "Withdraw " + ml(d.volumePerDraw) + " from the bag" + which;
            if (d.gravimetric) {
                out.kind = StepKind::Weigh;
                out.instruction = "Weigh the empty " + d.syringe + ", withdraw " + ml(d.volumePerDraw) +
                                  " from the bag, weigh the filled syringe, then discard its contents.";
                out.weigh.targetMl = d.volumePerDraw.inMl();
                out.weigh.densityGPerMl = d.density.inGPerMl();
                out.weigh.lowMl = d.density.volumeOf(d.massLow).inMl();
                out.weigh.highMl = d.density.volumeOf(d.massHigh).inMl();
                out.weigh.what = base->displayName + " withdrawn";
            } else {
                out.kind = StepKind::Photo;
                out.instruction = "Too small to weigh: photograph the " + d.syringe + " at " +
                                  ml(d.volumePerDraw) + ", then discard.";
                out.photo.subject = "the " + d.syringe + " at " + ml(d.volumePerDraw);
                out.flagForPharmacist = true;
            }
            spec.steps.push_back(out);
        }
    }

    std::string doses;
    for (size_t i = 0; i < plan.ingredients.size(); ++i) {
        const auto& ing = plan.ingredients[i];
        if (ing.role == "withdraw")
            continue;
        const int index = static_cast<int>(i);
        const formulas::Product* product = formulary.product(ing.productId);
        if (!product)
            return Result<PrepSpec>::fail("the plan names product " + ing.productId +
                                          ", which the formulary lacks");
        const std::string name = formulary.tallMan(ing.drug);
        if (ing.role == "drug") {
            if (!doses.empty())
                doses += " + ";
            doses += name + " " + formulas::format(ing.dose);
            const std::string vials = ing.vials > 1 ? " (" + std::to_string(ing.vials) + " vials)" : "";
            if (ing.reconstitution && ing.reconstitutionDraw) {
                // The diluent is scanned too where the formulary names a product for it; before the
                // drug's vials, so that the drug's photo expects the drug's vial in view.
                const auto water = diluentProducts(formulary, ing.reconstitution->diluent);
                if (!water.empty()) {
                    StepSpec ws = scanStep(*water.front(), index,
                                           "Scan the " + ing.reconstitution->diluent + " (to reconstitute)");
                    ws.scan.acceptedGtins.clear();
                    for (const auto* w : water)
                        ws.scan.acceptedGtins.push_back(w->gtin);
                    ws.scan.productName = ing.reconstitution->diluent;
                    ws.instruction = "Scan the " + ing.reconstitution->diluent + " used to reconstitute.";
                    spec.steps.push_back(ws);
                }
            }
            spec.steps.push_back(
                scanStep(*product, index, "Scan " + product->displayName + vials, ing.vials));
            if (ing.reconstitution && ing.reconstitutionDraw) {
                StepSpec recon;
                recon.kind = StepKind::Confirm;
                recon.ingredient = index;
                recon.title =
                    "Reconstitute: add " + ml(ing.reconstitution->volume) + " " + ing.reconstitution->diluent;
                recon.instruction = "Add " + ml(ing.reconstitution->volume) + " of " +
                                    ing.reconstitution->diluent + " to each vial and swirl until dissolved.";
                spec.steps.push_back(recon);
            }
        } else {
            spec.steps.push_back(scanStep(*product, index, "Scan " + product->displayName + " (diluent)"));
        }
        const formulas::Draw& d = ing.draw;
        for (int n = 1; n <= d.count; ++n) {
            const std::string which =
                d.count > 1 ? " (draw " + std::to_string(n) + " of " + std::to_string(d.count) + ")" : "";
            if (d.gravimetric) {
                StepSpec weigh;
                weigh.kind = StepKind::Weigh;
                weigh.ingredient = index;
                weigh.title = "Draw " + ml(d.volumePerDraw) + " " + name + which;
                weigh.instruction = "Weigh the empty " + d.syringe + ", draw " + ml(d.volumePerDraw) +
                                    ", then weigh the filled syringe.";
                weigh.weigh.targetMl = d.volumePerDraw.inMl();
                weigh.weigh.densityGPerMl = d.density.inGPerMl();
                weigh.weigh.lowMl = d.density.volumeOf(d.massLow).inMl();
                weigh.weigh.highMl = d.density.volumeOf(d.massHigh).inMl();
                weigh.weigh.what = name + " " + formulas::format(ing.concentration);
                spec.steps.push_back(weigh);
            } else {
                // The balance cannot verify this volume within tolerance: the recipe's alternate
                // verification is a photo of the syringe at its graduation, flagged for the pharmacist.
                StepSpec photo;
                photo.kind = StepKind::Photo;
                photo.ingredient = index;
                photo.title =
                    "Draw " + ml(d.volumePerDraw) + " " + name + which + " - photograph the syringe";
                photo.instruction = "Too small to weigh: hold the " + d.syringe +
                                    " at eye level with the plunger at " + ml(d.volumePerDraw) +
                                    " and let the camera take the photo.";
                photo.photo.subject = "the " + d.syringe + " at " + ml(d.volumePerDraw);
                photo.flagForPharmacist = true;
                spec.steps.push_back(photo);
            }
        }
        StepSpec photo;
        photo.kind = StepKind::Photo;
        photo.ingredient = index;
        photo.title = "Photograph the syringe beside the vial";
        photo.instruction = "Hold the filled syringe beside the " + product->displayName + " label.";
        photo.photo.subject = "the " + name + " syringe beside its vial";
        spec.steps.push_back(photo);
    }
    spec.doseText = doses;

    if (base && plan.baseKind == "bag") {
        if (!baseScanned)
            spec.steps.push_back(scanStep(*base, -1, "Scan " + base->displayName));
        StepSpec add;
        add.kind = StepKind::Confirm;
        add.title = "Add to " + base->displayName + " and mix";
        add.instruction = "Inject through the port, then invert the bag gently 5 times.";
        spec.steps.push_back(add);
    }
    StepSpec final;
    final.kind = StepKind::Photo;
    final.title = "Photograph the final product";
    final.instruction = "Show the " +
                        (plan.baseProductName.empty() ? std::string("syringe") : plan.baseProductName) +
                        " to the camera, label side up.";
    final.photo.subject = "the final product";
    spec.steps.push_back(final);
    StepSpec label;
    label.kind = StepKind::Label;
    label.title = "Print and apply the label";
    label.instruction = "The label prints now; apply it and scan it.";
    label.labelScan = true;
    spec.steps.push_back(label);
    return spec;
}

Result<formulas::Plan> planForOrder(const store::OrderRow& order, const formulas::Formulary& formulary,
                                    const formulas::FormulasPolicy& policy, std::optional<int> recipeVersion,
                                    const std::vector<std::string>& productIds) {
    nlohmann::json o{{"id", order.orderNumber.empty() ? std::string("order") : order.orderNumber},
                     {"recipe", order.recipeId}};
    if (recipeVersion)
        o["recipe_version"] = *recipeVersion;
    if (!order.route.empty())
        o["route"] = order.route;
    const nlohmann::json patient = nlohmann::json::parse(order.patientJson, nullptr, false);
    if (patient.is_object() && !patient.empty())
        o["patient"] = patient;
    const nlohmann::json dose = nlohmann::json::parse(order.doseJson, nullptr, false);
    if (dose.is_object() && !dose.empty())
        o["dose"] = dose;
    if (order.finalVolumeMl)
        o["final_volume_ml"] = *order.finalVolumeMl;
    if (!productIds.empty())
        o["products"] = productIds;
    auto parsed = formulas::parseOrderJson(o.dump(), "order " + order.orderNumber);
    if (!parsed)
        return parsed.error();
    return formulas::makePlan(*parsed, formulary, policy);
}

Result<PrepSpec> specForOrder(const store::OrderRow& order, const formulas::Formulary& formulary,
                              const formulas::FormulasPolicy& policy) {
    const auto plan = planForOrder(order, formulary, policy);
    if (!plan)
        return plan.error();
    return specFromPlan(*plan, formulary);
}

ProductLookup formularyLookup(const formulas::Formulary& formulary) {
    return [&formulary](const std::string& gtin) -> std::optional<ProductInfo> {
        const auto products = formulary.productsForGtin(gtin);
        if (products.empty())
            return std::nullopt;
        const formulas::Product* p = products.front();
        return ProductInfo{p->drug, p->displayName, p->strengthText()};
    };
}

} // namespace admix::workflow
