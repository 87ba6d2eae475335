// Cleaning log entries and their rules: daily (PEC and equipment, work surfaces, pass-throughs, floors;
// every compounding day), monthly (walls, ceilings, storage shelving), sporicidal (monthly Cat 1/2,
// weekly Cat 3). In a hazardous-drug area the daily and sporicidal tasks include deactivation and
// decontamination before cleaning and disinfection (USP <800> sequence). Pure, thread-safe.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace admix::usp797 {

enum class CleaningTask { Daily, Monthly, Sporicidal };
[[nodiscard]] std::string_view cleaningTaskName(CleaningTask task); // "daily", "monthly", "sporicidal"
[[nodiscard]] Result<CleaningTask> parseCleaningTask(std::string_view text);

enum class CleaningAction { Deactivation, Decontamination, Cleaning, Disinfection, Sporicidal };
// "deactivation", "decontamination", "cleaning", "disinfection", "sporicidal"
[[nodiscard]] std::string_view cleaningActionName(CleaningAction action);
// "cleaning,disinfection" -> actions, in the order given.
[[nodiscard]] Result<std::vector<CleaningAction>> parseCleaningActions(std::string_view text);
[[nodiscard]] std::string cleaningActionsText(const std::vector<CleaningAction>& actions);

struct CleaningRecord {
    TimePoint at;
    std::string area; // room or PEC code
    CleaningTask task = CleaningTask::Daily;
    std::vector<CleaningAction> actions;
    std::string agent; // product used
    std::string lot;
    std::string person;
};

// The actions a task needs in an area, in order.
[[nodiscard]] std::vector<CleaningAction> requiredCleaningActions(CleaningTask task, bool hazardousArea);
// The record has what the task needs in the right order (extra actions allowed), and an agent, lot
// and person.
[[nodiscard]] Status validateCleaning(const CleaningRecord& record, bool hazardousArea);

} // namespace admix::usp797
