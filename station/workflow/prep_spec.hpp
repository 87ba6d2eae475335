// What one preparation must go through: the fixed plan turned into ordered steps, each with the gate
// it must pass. Built once when the preparation starts (from the formulas plan) and stored with it as
// JSON, so that resuming after a crash, or a later recipe edit, never changes what is being prepared.
// Plain values; thread-safe to copy.
#pragma once

#include "formulas/result.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace admix::workflow {

enum class StepKind {
    Scan,    // scan the product: right drug and strength, not expired, not recalled
    Weigh,   // weigh the draw: net mass -> volume within the tolerance band
    Photo,   // an evidence photo that passed the quality checks
    Confirm, // a manual action confirmed (reconstitute, mix, label applied)
    Label,   // the label printed (only when every earlier step passed)
};

[[nodiscard]] std::string_view stepKindName(StepKind kind);
[[nodiscard]] Result<StepKind> parseStepKind(std::string_view text);

struct ScanGate {
    std::vector<std::string> acceptedGtins; // GTIN-14s of the products that may fill this ingredient
    std::string productName;                // as the technician should see it (Tall Man where needed)
    std::string drug;                       // generic name, to tell "wrong drug" from "wrong strength"
    std::string strength;                   // e.g. "1 g vial", "2 mEq/mL, 20 mL"
    int count = 1;                          // containers to scan, one scan each (2 vials: 2 scans)
};

struct WeighGate {
    double targetMl = 0; // the volume to draw
    double lowMl = 0;    // tolerance band, inclusive
    double highMl = 0;
    double densityGPerMl = 1;
    double minNetG = 0.05; // a net mass below this is not a draw (syringe put back empty)
    std::string what;      // "cefazolin 200 mg/mL"
};

struct PhotoGate {
    std::string subject; // "the filled syringe beside the vial"
};

struct StepSpec {
    StepKind kind = StepKind::Confirm;
    std::string title;       // large, few words: "Scan ceFAZolin 1 g vial"
    std::string instruction; // one sentence for the technician
    int ingredient = -1;     // which ingredient of the plan this step serves (-1: none)
    ScanGate scan;
    WeighGate weigh;
    PhotoGate photo;
    bool flagForPharmacist = false; // e.g. a volume too small to weigh, checked by photo instead
    bool labelScan = false; // a label step: the printed label's code (the preparation number) is scanned
};

struct PrepSpec {
    std::string recipeId;
    int recipeVersion = 1;
    std::string title;    // "ceFAZolin 2 g in 100 mL NS"
    std::string doseText; // "2 g"
    std::string category; // CSP category: "1", "2", "3" or "immediate"
    bool hazardous = false;
    std::string pecRequired; // e.g. "BSC" for hazardous drugs; empty: any ISO 5 PEC
    std::string storage;     // "room", "fridge", "freezer"
    std::string finalContainer;
    std::vector<StepSpec> steps;
};

[[nodiscard]] nlohmann::json toJson(const PrepSpec& spec);
[[nodiscard]] Result<PrepSpec> prepSpecFromJson(const nlohmann::json& json);

} // namespace admix::workflow
