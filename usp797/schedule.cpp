#include "usp797/schedule.hpp"

namespace admix::usp797 {

Date addInterval(Date from, Interval interval) {
    using namespace std::chrono;
    if (interval.unit == Interval::Unit::Days)
        return Date{sys_days{from} + days{interval.count}};
    year_month_day shifted = from + months{interval.count};
    if (!shifted.ok())
        shifted = year_month_day_last{shifted.year(), month_day_last{shifted.month()}};
    return shifted;
}

std::string intervalText(Interval interval) {
    const bool days = interval.unit == Interval::Unit::Days;
    return std::to_string(interval.count) + (days ? " day" : " month") + (interval.count == 1 ? "" : "s");
}

std::string_view scheduleTaskName(ScheduleTask task) {
    switch (task) {
    case ScheduleTask::ViableAir:
        return "viable_air";
    case ScheduleTask::Surface:
        return "surface";
    case ScheduleTask::Certification:
        return "certification";
    case ScheduleTask::DailyCleaning:
        return "daily_cleaning";
    case ScheduleTask::MonthlyCleaning:
        return "monthly_cleaning";
    case ScheduleTask::Sporicidal:
        return "sporicidal";
    case ScheduleTask::Training:
        return "training";
    case ScheduleTask::Competency:
        return "competency";
    case ScheduleTask::Particles:
        return "particles";
    case ScheduleTask::PressureReading:
        return "pressure_reading";
    case ScheduleTask::TemperatureReading:
        return "temperature_reading";
    case ScheduleTask::StorageTemperature:
        return "storage_temperature";
    }
    return "?";
}

namespace {

std::string_view taskLabel(ScheduleTask task) {
    switch (task) {
    case ScheduleTask::ViableAir:
        return "viable air sampling";
    case ScheduleTask::Surface:
        return "surface sampling";
    case ScheduleTask::Certification:
        return "certification";
    case ScheduleTask::DailyCleaning:
        return "daily cleaning";
    case ScheduleTask::MonthlyCleaning:
        return "monthly cleaning";
    case ScheduleTask::Sporicidal:
        return "sporicidal disinfection";
    case ScheduleTask::Training:
        return "training";
    case ScheduleTask::Competency:
        return "garbing, gloved fingertip and media-fill competency";
    case ScheduleTask::Particles:
        return "total particle count";
    case ScheduleTask::PressureReading:
        return "pressure reading";
    case ScheduleTask::TemperatureReading:
        return "temperature and humidity reading";
    case ScheduleTask::StorageTemperature:
        return "storage temperature reading";
    }
    return "?";
}

} // namespace

Interval scheduleInterval(ScheduleTask task, bool cat3, const SitePolicy& p) {
    using U = Interval::Unit;
    switch (task) {
    case ScheduleTask::ViableAir:
        return cat3 ? Interval{p.whole("schedule.viable_air.cat3_months"), U::Months}
                    : Interval{p.whole("schedule.viable_air.cat12_months"), U::Months};
    case ScheduleTask::Surface:
        return cat3 ? Interval{p.whole("schedule.surface.cat3_days"), U::Days}
                    : Interval{p.whole("schedule.surface.cat12_months"), U::Months};
    case ScheduleTask::Certification:
        return {p.whole("schedule.certification_months"), U::Months};
    case ScheduleTask::DailyCleaning:
        return {1, U::Days}; // every compounding day (USP <797>), not a setting
    case ScheduleTask::MonthlyCleaning:
        return {p.whole("schedule.cleaning.monthly_months"), U::Months};
    case ScheduleTask::Sporicidal:
        return cat3 ? Interval{p.whole("schedule.cleaning.sporicidal_cat3_days"), U::Days}
                    : Interval{p.whole("schedule.cleaning.sporicidal_cat12_months"), U::Months};
    case ScheduleTask::Training:
        return {p.whole("personnel.training_months"), U::Months};
    case ScheduleTask::Particles:
        return {p.whole("schedule.certification_months"), U::Months}; // counted at certification
    case ScheduleTask::PressureReading:
    case ScheduleTask::TemperatureReading:
    case ScheduleTask::StorageTemperature:
        return {1, U::Days}; // each compounding day (USP <797>), not a setting
    case ScheduleTask::Competency:
        return cat3 ? Interval{p.whole("personnel.competency_cat3_months"), U::Months}
                    : Interval{p.whole("personnel.competency_cat12_months"), U::Months};
    }
    return {1, U::Days};
}

std::string_view dueStateName(DueState state) {
    switch (state) {
    case DueState::Ok:
        return "ok";
    case DueState::DueToday:
        return "due_today";
    case DueState::Overdue:
        return "overdue";
    case DueState::NeverDone:
        return "never_done";
    }
    return "?";
}

DueItem dueItem(ScheduleTask task, std::string subject, std::optional<Date> last, Interval interval,
                Date today) {
    DueItem item{task, std::move(subject), last, today, DueState::NeverDone, {}};
    const std::string what = std::string(taskLabel(task)) + " for " + item.subject + ": ";
    const std::string every = " (every " + intervalText(interval) + ")";
    if (!last) {
        item.text = what + "no record" + every;
        return item;
    }
    item.due = addInterval(*last, interval);
    using std::chrono::sys_days;
    if (sys_days{today} < sys_days{item.due}) {
        item.state = DueState::Ok;
        item.text = what + "next due " + formatDate(item.due) + every;
    } else if (sys_days{today} == sys_days{item.due}) {
        item.state = DueState::DueToday;
        item.text = what + "due today" + every;
    } else {
        item.state = DueState::Overdue;
        item.text =
            what + "overdue since " + formatDate(Date{sys_days{item.due} + std::chrono::days{1}}) + every;
    }
    return item;
}

} // namespace admix::usp797
