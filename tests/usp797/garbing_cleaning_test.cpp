// Garbing procedures and cleaning rules. Source: ../shared/DOMAIN.md: "Garbing order (dirtiest to
// cleanest)", hand wash >= 30 s; USP <800>: two pairs of chemotherapy gloves, outer changed every
// 30 min, HD gown every 2-3 h, second shoe covers; cleaning: daily / monthly / sporicidal and the HD
// sequence deactivation, decontamination, cleaning, disinfection.
#include "tests/test_support.hpp"
#include "usp797/cleaning.hpp"
#include "usp797/garbing.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::usp797;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

const TimePoint kT0 = parseIsoUtc("2026-04-01T07:00:00Z").value();

GarbingSession garbed(bool hd) {
    GarbingSession s;
    s.person = "tech01";
    s.room = hd ? "HD-1" : "BUF-1";
    s.hazardous = hd;
    s.started = kT0;
    TimePoint t = kT0;
    for (const auto& step : garbingProcedure(hd, SitePolicy::defaults())) {
        t += seconds{40};
        s.events.push_back({GarbingEvent::Kind::Step, step.id, t, step.minSeconds});
    }
    return s;
}

} // namespace

TEST_CASE("USP <797> garbing order / dirtiest to cleanest / with the hand-wash timer") {
    const auto steps = garbingProcedure(false, SitePolicy::defaults());
    std::vector<std::string> ids;
    for (const auto& s : steps)
        ids.push_back(s.id);
    CHECK(ids == std::vector<std::string>{"shoe_covers", "head_cover", "mask", "hand_wash", "gown",
                                          "hand_rub", "sterile_gloves"});
    CHECK(steps[3].minSeconds == 30);
}

TEST_CASE("USP <800> adds the HD gown / second shoe covers and two pairs of gloves") {
    const auto steps = garbingProcedure(true, SitePolicy::defaults());
    REQUIRE(steps.size() == 9);
    CHECK(steps[4].id == "hd_gown");
    CHECK(steps[6].id == "second_shoe_covers");
    CHECK(steps[7].id == "inner_gloves");
    CHECK(steps[8].id == "outer_sterile_gloves");
}

TEST_CASE("steps must come in order and the hand wash must last 30 s: 29 s refused / 30 s accepted") {
    const auto procedure = garbingProcedure(false, SitePolicy::defaults());
    GarbingSession s;
    s.started = kT0;
    CHECK_FALSE(checkNextStep(s, procedure, "mask", 0).ok());
    for (const char* id : {"shoe_covers", "head_cover", "mask"}) {
        REQUIRE(checkNextStep(s, procedure, id, 0).ok());
        s.events.push_back({GarbingEvent::Kind::Step, id, kT0, 0});
    }
    const auto tooShort = checkNextStep(s, procedure, "hand_wash", 29);
    REQUIRE_FALSE(tooShort.ok());
    CHECK(tooShort.error().message == "took 29 s; at least 30 s needed");
    CHECK(checkNextStep(s, procedure, "hand_wash", 30).ok());
}

TEST_CASE("HD outer gloves due after 30 min / gown after 180 min / a glove change resets the glove timer") {
    GarbingSession s = garbed(true);
    const TimePoint gloved = s.events.back().at;
    CHECK(garbingProblems(s, gloved + minutes{30}, SitePolicy::defaults()).empty());
    auto problems = garbingProblems(s, gloved + minutes{31}, SitePolicy::defaults());
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].code == "gloves_due");
    s.events.push_back({GarbingEvent::Kind::GloveChange, "", gloved + minutes{31}, 0});
    CHECK(garbingProblems(s, gloved + minutes{60}, SitePolicy::defaults()).empty());
    const TimePoint gowned = s.events[4].at;
    s.events.push_back({GarbingEvent::Kind::GloveChange, "", gowned + minutes{175}, 0});
    CHECK(garbingProblems(s, gowned + minutes{180}, SitePolicy::defaults()).empty());
    problems = garbingProblems(s, gowned + minutes{181}, SitePolicy::defaults());
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].code == "gown_due");
}

TEST_CASE("a session that ended (the person left) no longer counts as garbed") {
    GarbingSession s = garbed(false);
    CHECK(garbingProblems(s, kT0 + minutes{90}, SitePolicy::defaults()).empty()); // no glove timer outside HD
    CHECK(garbingProblems(s, kT0 + std::chrono::hours{12}, SitePolicy::defaults()).empty());
    CHECK(garbingProblems(s, kT0 + std::chrono::hours{12} + seconds{1}, SitePolicy::defaults()).at(0).code ==
          "not_garbed");
    s.ended = kT0 + minutes{100};
    const auto problems = garbingProblems(s, kT0 + minutes{101}, SitePolicy::defaults());
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].code == "not_garbed");
    CHECK_FALSE(checkNextStep(s, garbingProcedure(false, SitePolicy::defaults()), "shoe_covers", 0).ok());
}

TEST_CASE("cleaning: HD daily needs deactivation / decontamination / cleaning / disinfection in that order") {
    CleaningRecord r{
        kT0,  "HD-1",  CleaningTask::Daily, parseCleaningActions("cleaning,disinfection").value(), "Agent",
        "L1", "tech01"};
    CHECK(validateCleaning(r, false).ok());
    const auto hd = validateCleaning(r, true);
    REQUIRE_FALSE(hd.ok());
    CHECK(hd.error().message.find("deactivation,decontamination,cleaning,disinfection") != std::string::npos);
    r.actions = parseCleaningActions("deactivation,decontamination,cleaning,disinfection").value();
    CHECK(validateCleaning(r, true).ok());
    r.actions = parseCleaningActions("decontamination,deactivation,cleaning,disinfection").value();
    CHECK_FALSE(validateCleaning(r, true).ok());
    r.task = CleaningTask::Sporicidal;
    r.actions = parseCleaningActions("cleaning,disinfection").value();
    CHECK_FALSE(validateCleaning(r, false).ok());
    r.actions = parseCleaningActions("cleaning,sporicidal").value();
    CHECK(validateCleaning(r, false).ok());
    r.lot = "";
    CHECK(validateCleaning(r, false).error().where == "lot");
    CHECK_FALSE(parseCleaningActions("mopping").ok());
}

TEST_CASE(
    "garbing problems name times as people read them: local time with the date, not ISO UTC (issue 14)") {
    // 2026-04-01T07:00:00Z is 03:00 in US Eastern daylight time (UTC-4 from 2026-03-08).
    const test::ScopedTimeZone eastern("EST5EDT,M3.2.0,M11.1.0");
    GarbingSession s = garbed(false);
    s.ended = kT0;
    const auto problems = garbingProblems(s, kT0 + minutes{5}, SitePolicy::defaults());
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].message == "tech01 left the clean area at 2026-04-01 03:00; garbing must be repeated");
    GarbingSession old = garbed(false);
    const auto stale = garbingProblems(old, kT0 + std::chrono::hours{13}, SitePolicy::defaults());
    REQUIRE(stale.size() == 1);
    CHECK(stale[0].message.find("started 2026-04-01 03:00,") != std::string::npos);
}
