// The compliance gate as a pure function: every reason listed at once; overridability from policy.
// Source: issue 4 ("Compliance gate") and ../shared/DOMAIN.md (a lapsed person cannot start; daily
// cleaning; pressure/temperature logged each compounding day; excursions stay open until QA closes).
#include "usp797/gate.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace admix;
using namespace admix::usp797;
using std::chrono::minutes;

namespace {

const TimePoint kNow = parseIsoUtc("2026-05-04T09:00:00Z").value();
const Date kToday = parseDate("2026-05-04").value();

GateFacts goodFacts() {
    GateFacts f;
    f.personRole = "technician";
    const auto& p = SitePolicy::defaults();
    for (const char* date : {"2026-01-02", "2026-01-03", "2026-01-04"})
        f.qualifications.push_back(
            judgeQualEvent({QualKind::InitialFingertip, parseDate(date).value(), QualLevel::Cat12, 0}, p)
                .value());
    f.qualifications.push_back(
        {QualKind::Training, parseDate("2026-01-01").value(), QualLevel::Cat12, {}, true});
    for (auto k : {QualKind::MediaFill, QualKind::GarbingCompetency})
        f.qualifications.push_back({k, parseDate("2026-03-01").value(), QualLevel::Cat12, {}, true});
    f.qualifications.push_back(
        judgeQualEvent(
            {QualKind::PostMediaFillFingertip, parseDate("2026-03-01").value(), QualLevel::Cat12, 1}, p)
            .value());
    f.room = Room{
        "BUF-1", "Buffer", IsoClass::Iso7, PressureRegime::Positive, false, parseDate("2026-02-01").value()};
    f.pec = Pec{"LAFW-1",      "BUF-1",
                PecType::Lafw, {Category::Cat1, Category::Cat2},
                false,         parseDate("2026-02-01").value()};
    GarbingSession g;
    g.person = "tech01";
    g.room = "BUF-1";
    g.started = kNow - minutes{20};
    for (const auto& step : garbingProcedure(false, p))
        g.events.push_back({GarbingEvent::Kind::Step, step.id, kNow - minutes{10}, step.minSeconds});
    f.garbing = g;
    f.lastDailyCleaningRoom = kToday;
    f.lastDailyCleaningPec = kToday;
    f.pressureToday = 0.035;
    f.temperatureToday = 19.0;
    f.humidityToday = 45;
    return f;
}

GateRequest request(Category c = Category::Cat2) {
    return {"tech01", c, "LAFW-1", kNow, false, ""};
}

std::vector<std::string> codes(const GateDecision& d) {
    std::vector<std::string> out;
    for (const auto& r : d.reasons)
        out.push_back(r.code);
    return out;
}

} // namespace

TEST_CASE("all in order: allowed with no reasons") {
    const auto d = evaluateGate(request(), goodFacts(), SitePolicy::defaults());
    CHECK(d.allowed);
    CHECK(d.reasons.empty());
}

TEST_CASE("every reason at once / none hidden behind the first") {
    GateFacts f = goodFacts();
    f.qualifications.erase(f.qualifications.begin() + 4, f.qualifications.end()); // no competency at all
    f.garbing.reset();
    f.lastDailyCleaningPec = parseDate("2026-05-03").value();
    f.pressureToday = 0.015;
    f.temperatureToday.reset();
    f.pec->certified = parseDate("2025-11-03").value(); // due 2026-05-03: overdue today
    CorrectiveAction ca;
    ca.id = 7;
    ca.room = "BUF-1";
    ca.kind = "surface";
    ca.summary = "6 CFU/plate";
    ca.opened = kNow - minutes{600};
    f.openExcursions.push_back(ca);
    const auto d = evaluateGate(request(), f, SitePolicy::defaults());
    CHECK_FALSE(d.allowed);
    CHECK(codes(d) == std::vector<std::string>{"not_qualified", "pec_certification_overdue", "not_garbed",
                                               "daily_cleaning_missing", "pressure_out_of_range",
                                               "temperature_not_logged", "open_excursion"});
    CHECK_FALSE(d.overridable());
}

TEST_CASE("lapsed vs never qualified / PEC not approved for the category") {
    GateFacts f = goodFacts();
    // competency 2026-03-01 + 6 months = 2026-09-01: lapsed the day after
    auto d = evaluateGate(
        {"tech01", Category::Cat2, "LAFW-1", parseIsoUtc("2026-09-02T09:00:00Z").value(), false, ""}, f,
        SitePolicy::defaults());
    CHECK(codes(d).at(0) == "qualification_lapsed");
    d = evaluateGate(request(Category::Cat3), f, SitePolicy::defaults());
    const auto c = codes(d);
    CHECK(std::find(c.begin(), c.end(), "pec_not_for_category") != c.end());
    CHECK(std::find(c.begin(), c.end(), "not_qualified") != c.end());
}

TEST_CASE("only reasons policy marks overridable make a decision overridable") {
    GateFacts f = goodFacts();
    f.temperatureToday = 21.0;
    f.humidityToday = 62;
    auto d = evaluateGate(request(), f, SitePolicy::defaults());
    CHECK(codes(d) == std::vector<std::string>{"temperature_out_of_range", "humidity_out_of_range"});
    CHECK(d.overridable());
    const auto strict = SitePolicy::defaults().with("gate.override.humidity_out_of_range", 0).value();
    d = evaluateGate(request(), f, strict);
    CHECK_FALSE(d.overridable());
}

TEST_CASE("unknown person / a non-compounding role / and garbing for another room") {
    GateFacts f = goodFacts();
    f.personRole.reset();
    CHECK(codes(evaluateGate(request(), f, SitePolicy::defaults())).at(0) == "unknown_person");
    f = goodFacts();
    f.personRole = "quality";
    CHECK(codes(evaluateGate(request(), f, SitePolicy::defaults())).at(0) == "role_may_not_compound");
    f = goodFacts();
    f.garbing->room = "HD-1";
    CHECK(codes(evaluateGate(request(), f, SitePolicy::defaults())) ==
          std::vector<std::string>{"not_garbed"});
}

TEST_CASE("a hazardous drug needs a containment PEC in a hazardous-drug room, garbed for USP <800>") {
    GateRequest r = request();
    r.hazardousDrug = true;
    const auto d = evaluateGate(r, goodFacts(), SitePolicy::defaults());
    CHECK(codes(d) ==
          std::vector<std::string>{"pec_not_for_hazardous", "room_not_for_hazardous", "not_garbed"});
    for (const auto& reason : d.reasons)
        CHECK_FALSE(reason.overridable);
}

namespace {

// The hazardous-drug room and its BSC, the person garbed with the USP <800> procedure 10 min ago.
GateFacts hdFacts() {
    GateFacts f = goodFacts();
    f.room = Room{
        "HD-1", "HD buffer", IsoClass::Iso7, PressureRegime::Negative, true, parseDate("2026-02-01").value()};
    f.pec = Pec{"BSC-1",      "HD-1",
                PecType::Bsc, {Category::Cat1, Category::Cat2},
                true,         parseDate("2026-02-01").value()};
    f.pressureToday = -0.02;
    GarbingSession g;
    g.person = "tech01";
    g.room = "HD-1";
    g.hazardous = true;
    g.started = kNow - minutes{20};
    for (const auto& step : garbingProcedure(true, SitePolicy::defaults()))
        g.events.push_back({GarbingEvent::Kind::Step, step.id, kNow - minutes{10}, step.minSeconds});
    f.garbing = g;
    return f;
}

GateRequest hdRequest() {
    GateRequest r{"tech01", Category::Cat2, "BSC-1", kNow, true, "HD-1"};
    return r;
}

} // namespace

TEST_CASE("a hazardous drug in the BSC of the hazardous-drug room, garbed for USP <800>: allowed; gloves "
          "due: refused") {
    CHECK(evaluateGate(hdRequest(), hdFacts(), SitePolicy::defaults()).allowed);
    GateFacts f = hdFacts();
    const int gloves = SitePolicy::defaults().whole("garbing.hd.outer_glove_change_minutes");
    for (auto& e : f.garbing->events)
        e.at = kNow - minutes{gloves + 5};
    f.garbing->started = kNow - minutes{gloves + 10};
    const auto found = codes(evaluateGate(hdRequest(), f, SitePolicy::defaults()));
    CHECK(std::find(found.begin(), found.end(), "gloves_due") != found.end());
}

TEST_CASE("the PEC must stand in the room the person is in") {
    GateRequest r = request();
    r.room = "ANTE-1";
    const auto d = evaluateGate(r, goodFacts(), SitePolicy::defaults());
    CHECK(codes(d) == std::vector<std::string>{"pec_not_in_room"});
    CHECK_FALSE(d.overridable());
    r.room = "BUF-1";
    CHECK(evaluateGate(r, goodFacts(), SitePolicy::defaults()).allowed);
}

TEST_CASE("an override covers a decision only for reasons it overrode that policy still lets be overridden") {
    GateFacts f = goodFacts();
    f.temperatureToday = 21.5;
    const auto& defaults = SitePolicy::defaults();
    const auto d = evaluateGate(request(), f, defaults);
    REQUIRE(codes(d) == std::vector<std::string>{"temperature_out_of_range"});
    CHECK(overrideCovers({"temperature_out_of_range"}, d, defaults));
    CHECK_FALSE(overrideCovers({"humidity_out_of_range"}, d, defaults));
    const auto strict = defaults.with("gate.override.temperature_out_of_range", 0).value();
    CHECK_FALSE(overrideCovers({"temperature_out_of_range"}, d, strict));
    CHECK(notOverridable({"temperature_out_of_range", "not_garbed", "unknown_person", "not_garbed"},
                         defaults) == std::vector<std::string>{"not_garbed", "unknown_person"});
    CHECK_FALSE(
        overrideCovers({}, evaluateGate(request(), goodFacts(), defaults), defaults)); // nothing to lift
}

TEST_CASE("an open excursion that policy says does not block the room (fridge) does not block") {
    GateFacts f = goodFacts();
    CorrectiveAction ca;
    ca.id = 3;
    ca.kind = "fridge";
    ca.blocksRoom = false;
    f.openExcursions.push_back(ca);
    CHECK(evaluateGate(request(), f, SitePolicy::defaults()).allowed);
}
