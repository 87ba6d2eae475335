// What the pharmacist's check shows of one preparation, assembled once for the station's Check
// screen and the web check alike: the order (patient, MRN, ordered dose, comments, a stop), each
// weighed ingredient's target beside what was measured with the scanned lot and expiry, every
// refused attempt with its reason, every override (who, why), the evidence photos, and the queue of
// preparations awaiting check with drug, priority and waiting time. Reads only; not thread-safe
// (the caller's Database).
#pragma once

#include "formulas/time.hpp"
#include "station/store/image_store.hpp"
#include "station/store/prep_repo.hpp"
#include "station/workflow/engine.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::workflow {

// One weighed draw, with the scan of the same ingredient that precedes it.
struct CheckIngredient {
    int step = 0;
    std::string title;   // the weigh step's title
    std::string what;    // what was drawn ("ceFAZolin 100 mg/mL")
    std::string product; // the product scanned for this ingredient
    std::string gtin;
    std::string lot;
    std::string expiry;
    double targetMl = 0;
    double lowMl = 0;
    double highMl = 0;
    double densityGPerMl = 0;
    std::optional<double> measuredMl; // nullopt: no reading was judged
    double netG = 0;
    bool pass = false; // the measured volume lies within [low, high]
    StepState state = StepState::Pending;
    int attempts = 0;
};

// A refused attempt at a step (wrong product, volume out of range, unclear photo, ...), in words.
struct CheckRefusal {
    int step = 0;
    std::string stepTitle;
    std::string kind; // the event ("scan", "weigh", "photo", ...)
    std::string reason;
    std::string by;
    std::string atUtc;
};

// A pharmacist's override of a gate.
struct CheckOverride {
    int step = 0;
    std::string stepTitle;
    std::string pharmacist; // user name
    std::string reason;
    std::string message; // the engine's sentence ("Step 4 (...) overridden by ...: ...")
    std::string atUtc;
};

struct CheckPhoto {
    int step = 0;
    std::string stepTitle;
    std::string sha256;
    std::string outcome; // pass / fail
    std::string atUtc;
    int width = 0;
    int height = 0;
};

struct CheckReview {
    PrepView view;
    std::optional<store::OrderRow> order;
    std::string orderedDose; // from the order, as the label prints it ("1 g"); empty when unreadable
    std::string comments;    // the order's comments (HL7 NTE); empty when none
    std::string stop;        // a stop put on the order by the pharmacy system; empty when none
    std::optional<std::string> completedUtc;
    std::optional<std::string> recalled;      // lots recalled since they were scanned
    std::optional<std::string> recipeRetired; // the recipe version was retired since (recipeRetiredSince)
    std::vector<CheckIngredient> ingredients;
    std::vector<CheckRefusal> refusals;
    std::vector<CheckOverride> overrides;
    std::vector<CheckPhoto> photos;
};

// One preparation awaiting check, as the queue lists it.
struct CheckQueueItem {
    int64_t prepId = 0;
    std::string number;
    std::string title; // the recipe's title
    std::string recipeId;
    std::string technician;
    std::string priority;        // stat, urgent, routine
    std::string waitingSinceUtc; // when it reached the check
    long waitingMinutes = 0;
    bool hazardous = false;
};

[[nodiscard]] std::vector<CheckIngredient> checkIngredients(const PrepView& view,
                                                            const std::vector<store::EvidenceRow>& evidence);
// nullopt: no such preparation.
[[nodiscard]] std::optional<CheckReview> checkReview(store::Database& db, PreparationEngine& engine,
                                                     store::ImageStore& images, int64_t prepId);
// STAT first, then urgent, then routine; earliest due; longest waiting.
[[nodiscard]] std::vector<CheckQueueItem> checkQueue(store::Database& db, TimePoint now, int limit = 500);
// The ordered dose of an order's dose JSON ({"value": 1, "unit": "g"}) as the label prints it;
// empty when it is not of that form.
[[nodiscard]] std::string orderedDoseText(const std::string& doseJson);
// "4 min", "2 h 05 min".
[[nodiscard]] std::string waitingText(long minutes);

} // namespace admix::workflow
