#include "usp797/cleaning.hpp"

#include "formulas/text.hpp"

#include <algorithm>

namespace admix::usp797 {

std::string_view cleaningTaskName(CleaningTask task) {
    switch (task) {
    case CleaningTask::Daily:
        return "daily";
    case CleaningTask::Monthly:
        return "monthly";
    case CleaningTask::Sporicidal:
        return "sporicidal";
    }
    return "?";
}

Result<CleaningTask> parseCleaningTask(std::string_view text) {
    const std::string key = formulas::toLower(formulas::trim(text));
    for (auto t : {CleaningTask::Daily, CleaningTask::Monthly, CleaningTask::Sporicidal}) {
        if (key == cleaningTaskName(t))
            return t;
    }
    return Result<CleaningTask>::fail("'" + std::string(text) +
                                      "' is not a cleaning task; use daily, monthly or sporicidal");
}

std::string_view cleaningActionName(CleaningAction action) {
    switch (action) {
    case CleaningAction::Deactivation:
        return "deactivation";
    case CleaningAction::Decontamination:
        return "decontamination";
    case CleaningAction::Cleaning:
        return "cleaning";
    case CleaningAction::Disinfection:
        return "disinfection";
    case CleaningAction::Sporicidal:
        return "sporicidal";
    }
    return "?";
}

Result<std::vector<CleaningAction>> parseCleaningActions(std::string_view text) {
    std::vector<CleaningAction> out;
    for (std::string_view part : formulas::split(text, ',')) {
        const std::string key = formulas::toLower(formulas::trim(part));
        if (key.empty())
            continue;
        bool found = false;
        for (auto a : {CleaningAction::Deactivation, CleaningAction::Decontamination,
                       CleaningAction::Cleaning, CleaningAction::Disinfection, CleaningAction::Sporicidal}) {
            if (key == cleaningActionName(a)) {
                out.push_back(a);
                found = true;
            }
        }
        if (!found)
            return Result<std::vector<CleaningAction>>::fail(
                "'" + std::string(part) +
                    "' is not a cleaning action; use deactivation, decontamination, cleaning, disinfection "
                    "or sporicidal",
                "actions");
    }
    if (out.empty())
        return Result<std::vector<CleaningAction>>::fail("no action given", "actions");
    return out;
}

std::string cleaningActionsText(const std::vector<CleaningAction>& actions) {
    std::string out;
    for (auto a : actions) {
        if (!out.empty())
            out += ',';
        out += cleaningActionName(a);
    }
    return out;
}

std::vector<CleaningAction> requiredCleaningActions(CleaningTask task, bool hazardousArea) {
    using enum CleaningAction;
    std::vector<CleaningAction> out;
    if (hazardousArea && task != CleaningTask::Monthly)
        out = {Deactivation, Decontamination};
    out.push_back(Cleaning);
    out.push_back(task == CleaningTask::Sporicidal ? Sporicidal : Disinfection);
    return out;
}

Status validateCleaning(const CleaningRecord& record, bool hazardousArea) {
    if (formulas::trim(record.area).empty())
        return Status::fail("missing", "area");
    if (formulas::trim(record.person).empty())
        return Status::fail("missing (who cleaned)", "person");
    if (formulas::trim(record.agent).empty())
        return Status::fail("missing (the cleaning or disinfecting agent)", "agent");
    if (formulas::trim(record.lot).empty())
        return Status::fail("missing (the agent's lot)", "lot");
    // required actions must appear as a subsequence, in order
    const auto required = requiredCleaningActions(record.task, hazardousArea);
    size_t next = 0;
    for (auto a : record.actions) {
        if (next < required.size() && a == required[next])
            ++next;
    }
    if (next < required.size())
        return Status::fail(
            std::string(cleaningTaskName(record.task)) + " cleaning of " +
                (hazardousArea ? std::string("a hazardous-drug area") : std::string("this area")) +
                " needs, in this order: " + cleaningActionsText(required),
            "actions");
    return Status::success();
}

} // namespace admix::usp797
