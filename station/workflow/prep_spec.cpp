#include "station/workflow/prep_spec.hpp"

#include <algorithm>

namespace admix::workflow {

std::string_view stepKindName(StepKind kind) {
    switch (kind) {
    case StepKind::Scan:
        return "scan";
    case StepKind::Weigh:
        return "weigh";
    case StepKind::Photo:
        return "photo";
    case StepKind::Confirm:
        return "confirm";
    case StepKind::Label:
        return "label";
    }
    return "unknown";
}

Result<StepKind> parseStepKind(std::string_view text) {
    for (StepKind k :
         {StepKind::Scan, StepKind::Weigh, StepKind::Photo, StepKind::Confirm, StepKind::Label}) {
        if (text == stepKindName(k))
            return k;
    }
    return Result<StepKind>::fail("unknown step kind '" + std::string(text) + "'");
}

nlohmann::json toJson(const PrepSpec& spec) {
    nlohmann::json steps = nlohmann::json::array();
    for (const StepSpec& s : spec.steps) {
        nlohmann::json j{{"kind", stepKindName(s.kind)},
                         {"title", s.title},
                         {"instruction", s.instruction},
                         {"ingredient", s.ingredient},
                         {"flag_for_pharmacist", s.flagForPharmacist}};
        if (s.kind == StepKind::Scan)
            j["scan"] = {{"gtins", s.scan.acceptedGtins},
                         {"product", s.scan.productName},
                         {"drug", s.scan.drug},
                         {"strength", s.scan.strength},
                         {"count", s.scan.count}};
        if (s.kind == StepKind::Label)
            j["label_scan"] = s.labelScan;
        if (s.kind == StepKind::Weigh)
            j["weigh"] = {{"target_ml", s.weigh.targetMl}, {"low_ml", s.weigh.lowMl},
                          {"high_ml", s.weigh.highMl},     {"density_g_per_ml", s.weigh.densityGPerMl},
                          {"min_net_g", s.weigh.minNetG},  {"what", s.weigh.what}};
        if (s.kind == StepKind::Photo)
            j["photo"] = {{"subject", s.photo.subject}};
        steps.push_back(std::move(j));
    }
    return {{"recipe_id", spec.recipeId},
            {"recipe_version", spec.recipeVersion},
            {"title", spec.title},
            {"dose", spec.doseText},
            {"category", spec.category},
            {"hazardous", spec.hazardous},
            {"pec_required", spec.pecRequired},
            {"storage", spec.storage},
            {"final_container", spec.finalContainer},
            {"steps", steps}};
}

Result<PrepSpec> prepSpecFromJson(const nlohmann::json& json) {
    try {
        PrepSpec spec;
        spec.recipeId = json.at("recipe_id").get<std::string>();
        spec.recipeVersion = json.at("recipe_version").get<int>();
        spec.title = json.at("title").get<std::string>();
        spec.doseText = json.value("dose", "");
        spec.category = json.at("category").get<std::string>();
        spec.hazardous = json.value("hazardous", false);
        spec.pecRequired = json.value("pec_required", "");
        spec.storage = json.value("storage", "");
        spec.finalContainer = json.value("final_container", "");
        for (const auto& j : json.at("steps")) {
            StepSpec s;
            const auto kind = parseStepKind(j.at("kind").get<std::string>());
            if (!kind)
                return kind.error();
            s.kind = *kind;
            s.title = j.at("title").get<std::string>();
            s.instruction = j.value("instruction", "");
            s.ingredient = j.value("ingredient", -1);
            s.flagForPharmacist = j.value("flag_for_pharmacist", false);
            s.labelScan = j.value("label_scan", false);
            if (j.contains("scan")) {
                const auto& g = j["scan"];
                s.scan = {g.at("gtins").get<std::vector<std::string>>(), g.value("product", ""),
                          g.value("drug", ""), g.value("strength", ""), std::max(1, g.value("count", 1))};
            }
            if (j.contains("weigh")) {
                const auto& g = j["weigh"];
                s.weigh = {g.at("target_ml").get<double>(), g.at("low_ml").get<double>(),
                           g.at("high_ml").get<double>(),   g.at("density_g_per_ml").get<double>(),
                           g.value("min_net_g", 0.05),      g.value("what", "")};
            }
            if (j.contains("photo"))
                s.photo.subject = j["photo"].value("subject", "");
            spec.steps.push_back(std::move(s));
        }
        return spec;
    } catch (const nlohmann::json::exception& e) {
        return Result<PrepSpec>::fail(std::string("stored preparation plan is malformed: ") + e.what());
    }
}

} // namespace admix::workflow
