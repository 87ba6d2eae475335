// Every schedule boundary: the day before, the day of and the day after due, for each task and
// category frequency. Source: ../shared/DOMAIN.md "USP <797> (2023) defaults" (Frequencies, Cleaning,
// Personnel), through assets/policy/usp797_defaults.toml.
#include "usp797/schedule.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::usp797;
using std::chrono::days;
using std::chrono::sys_days;

namespace {

Date d(const char* text) {
    return parseDate(text).value();
}
Date plus(Date x, int n) {
    return Date{sys_days{x} + days{n}};
}

// Checks the three boundary days around `due` for a task done on `last`.
void boundaries(ScheduleTask task, bool cat3, Date last, Date due) {
    const Interval interval = scheduleInterval(task, cat3, SitePolicy::defaults());
    CAPTURE(scheduleTaskName(task));
    CAPTURE(cat3);
    CHECK(sys_days{addInterval(last, interval)} == sys_days{due});
    CHECK(dueItem(task, "X", last, interval, plus(due, -1)).state == DueState::Ok);
    CHECK(dueItem(task, "X", last, interval, due).state == DueState::DueToday);
    CHECK(dueItem(task, "X", last, interval, plus(due, 1)).state == DueState::Overdue);
}

} // namespace

TEST_CASE("viable air: every 6 months Cat 1/2 / monthly Cat 3 (DOMAIN.md Frequencies)") {
    boundaries(ScheduleTask::ViableAir, false, d("2026-01-15"), d("2026-07-15"));
    boundaries(ScheduleTask::ViableAir, true, d("2026-01-15"), d("2026-02-15"));
}

TEST_CASE("surface sampling: monthly Cat 1/2 / weekly Cat 3 (DOMAIN.md Frequencies)") {
    boundaries(ScheduleTask::Surface, false, d("2026-01-31"), d("2026-02-28")); // month end clamps
    boundaries(ScheduleTask::Surface, true, d("2026-01-15"), d("2026-01-22"));
}

TEST_CASE("certification every 6 months (check) (DOMAIN.md Frequencies)") {
    boundaries(ScheduleTask::Certification, false, d("2025-08-31"), d("2026-02-28"));
    boundaries(ScheduleTask::Certification, true, d("2026-03-01"), d("2026-09-01"));
}

TEST_CASE("cleaning: daily on compounding days / monthly / sporicidal monthly Cat 1/2 / weekly Cat 3 "
          "(DOMAIN.md Cleaning)") {
    boundaries(ScheduleTask::DailyCleaning, false, d("2026-02-28"), d("2026-03-01"));
    boundaries(ScheduleTask::DailyCleaning, true, d("2026-12-31"), d("2027-01-01"));
    boundaries(ScheduleTask::MonthlyCleaning, false, d("2026-03-10"), d("2026-04-10"));
    boundaries(ScheduleTask::Sporicidal, false, d("2026-03-10"), d("2026-04-10"));
    boundaries(ScheduleTask::Sporicidal, true, d("2026-03-10"), d("2026-03-17"));
}

TEST_CASE("personnel: training every 12 months / competency 6 months Cat 1/2 / 3 months Cat 3 (DOMAIN.md "
          "Personnel)") {
    boundaries(ScheduleTask::Training, false, d("2024-02-29"), d("2025-02-28")); // leap day clamps
    boundaries(ScheduleTask::Competency, false, d("2026-01-20"), d("2026-07-20"));
    boundaries(ScheduleTask::Competency, true, d("2026-01-20"), d("2026-04-20"));
}

TEST_CASE(
    "particles at each certification / pressure / temperature and storage readings each day (DOMAIN.md)") {
    boundaries(ScheduleTask::Particles, false, d("2026-01-15"), d("2026-07-15"));
    for (auto task : {ScheduleTask::PressureReading, ScheduleTask::TemperatureReading,
                      ScheduleTask::StorageTemperature}) {
        boundaries(task, false, d("2026-03-31"), d("2026-04-01"));
        boundaries(task, true, d("2026-03-31"), d("2026-04-01"));
    }
}

TEST_CASE("a task never done is reported as such / due today") {
    const auto item =
        dueItem(ScheduleTask::Surface, "BUF-1", std::nullopt, {7, Interval::Unit::Days}, d("2026-05-05"));
    CHECK(item.state == DueState::NeverDone);
    CHECK_FALSE(isCompliant(item.state));
    CHECK(item.text.find("no record") != std::string::npos);
}

TEST_CASE("the due text names the subject and the day it became overdue") {
    const auto item =
        dueItem(ScheduleTask::Surface, "BUF-1", d("2026-05-01"), {7, Interval::Unit::Days}, d("2026-05-09"));
    CHECK(item.state == DueState::Overdue);
    CHECK(item.text == "surface sampling for BUF-1: overdue since 2026-05-09 (every 7 days)");
}
