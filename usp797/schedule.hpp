// Due dates: sampling, cleaning, certification and personnel requalification, from the date a task
// was last done and an interval from site policy (Cat 1/2 or Cat 3 frequencies). A task is Ok before
// its due date, DueToday on it (still compliant), Overdue from the day after; NeverDone when there
// is no record at all (treated as overdue). Pure functions, thread-safe.
#pragma once

#include "formulas/time.hpp"
#include "usp797/policy.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace admix::usp797 {

struct Interval {
    enum class Unit { Days, Months };
    int count = 1;
    Unit unit = Unit::Days;
};
// Adds days, or calendar months (clamped to the month's last day: Aug 31 + 6 months = Feb 28/29).
[[nodiscard]] Date addInterval(Date from, Interval interval);
[[nodiscard]] std::string intervalText(Interval interval); // "6 months", "7 days", "1 day"

enum class ScheduleTask {
    ViableAir,
    Surface,
    Certification,
    DailyCleaning,
    MonthlyCleaning,
    Sporicidal,
    Training,
    Competency,         // garbing, gloved fingertip and media-fill requalification
    Particles,          // total particle counts, at each certification
    PressureReading,    // pressure differential, each compounding day
    TemperatureReading, // room temperature (and humidity), each compounding day
    StorageTemperature, // each refrigerator and freezer, each day
};
[[nodiscard]] std::string_view scheduleTaskName(ScheduleTask task); // "viable_air", "surface", ...

// The interval for a task at a site (or room, or person) that does (cat3 = true) or does not compound
// Category 3. Reads schedule.* and personnel.* keys.
[[nodiscard]] Interval scheduleInterval(ScheduleTask task, bool cat3, const SitePolicy& policy);

enum class DueState { Ok, DueToday, Overdue, NeverDone };
[[nodiscard]] std::string_view dueStateName(DueState state); // "ok", "due_today", "overdue", "never_done"
[[nodiscard]] constexpr bool isCompliant(DueState s) {
    return s == DueState::Ok || s == DueState::DueToday;
}

// One line of the "what is due" list a screen shows.
struct DueItem {
    ScheduleTask task;
    std::string subject;      // room, PEC or person code
    std::optional<Date> last; // last time done
    Date due;                 // last + interval, or today when never done
    DueState state = DueState::NeverDone;
    std::string text; // "surface sampling for BUF-1: overdue since 2026-11-20 (every 7 days)"
};

[[nodiscard]] DueItem dueItem(ScheduleTask task, std::string subject, std::optional<Date> last,
                              Interval interval, Date today);

} // namespace admix::usp797
