#include "formulas/time.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace std::chrono;

TEST_CASE("UTC times round-trip through ISO 8601") {
    const auto t = parseIsoUtc("2026-11-21T22:03:43Z");
    REQUIRE(t.ok());
    CHECK(formatIsoUtc(*t) == "2026-11-21T22:03:43Z");
    // 2026-11-21 is day 20778 since 1970-01-01: `echo $(( $(date -u -d 2026-11-21 +%s) / 86400 ))`.
    CHECK(floor<days>(*t).time_since_epoch().count() == 20778);
    CHECK(parseIsoUtc("2026-11-21 22:03:43").value() == *t);
    CHECK(formatIsoUtc(parseIsoUtc("2024-02-29").value()) == "2024-02-29T00:00:00Z");
}

TEST_CASE("impossible times are refused") {
    CHECK_FALSE(parseIsoUtc("2026-02-29T00:00:00Z").ok()); // not a leap year
    CHECK_FALSE(parseIsoUtc("2026-11-21T24:00:00Z").ok());
    CHECK_FALSE(parseIsoUtc("2026-11-21T23:60:00Z").ok());
    CHECK_FALSE(parseIsoUtc("2026-13-01").ok());
    CHECK_FALSE(parseIsoUtc("21/11/2026").ok());
    CHECK_FALSE(parseIsoUtc("").ok());
    CHECK_FALSE(parseIsoUtc("2026-11-21T22:03:43+01:00").ok());
}

TEST_CASE("dates") {
    CHECK(formatDate(parseDate("2028-02-29").value()) == "2028-02-29");
    const auto bad = parseDate("2027-02-29");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("2027-02-29") != std::string::npos);
}

TEST_CASE("local days: the station's calendar day, with daylight saving") {
    const auto at = [](const char* iso) {
        return parseIsoUtc(iso).value();
    };
    const auto day = [](const char* d) {
        return parseDate(d).value();
    };
    {
        const test::ScopedTimeZone eastern(test::kUsEastern);
        // 21:00 on 21 November in New York is 02:00 UTC on the 22nd: still the 21st at the station.
        CHECK(localDate(at("2026-11-22T02:00:00Z")) == day("2026-11-21"));
        CHECK(localDate(at("2026-11-22T05:00:00Z")) == day("2026-11-22")); // local midnight (EST, UTC-5)
        CHECK(localDate(at("2026-11-22T04:59:59Z")) == day("2026-11-21"));
        CHECK(formatIsoUtc(localDayStart(day("2026-11-21"))) == "2026-11-21T05:00:00Z");
        CHECK(formatIsoUtc(localDayStart(day("2026-07-01"))) == "2026-07-01T04:00:00Z"); // EDT, UTC-4
        // 8 March 2026, the second Sunday of March: clocks go from 02:00 EST to 03:00 EDT, so the
        // day has 23 hours; 1 November 2026 (first Sunday) has 25.
        CHECK(formatIsoUtc(localDayStart(day("2026-03-08"))) == "2026-03-08T05:00:00Z");
        CHECK(localDayStart(day("2026-03-09")) - localDayStart(day("2026-03-08")) == hours(23));
        CHECK(localDayStart(day("2026-11-02")) - localDayStart(day("2026-11-01")) == hours(25));
        CHECK(localDate(localDayStart(day("2026-11-01"))) == day("2026-11-01"));
    }
    {
        const test::ScopedTimeZone utc("UTC0");
        CHECK(localDate(at("2026-11-22T02:00:00Z")) == day("2026-11-22"));
        CHECK(formatIsoUtc(localDayStart(day("2026-11-21"))) == "2026-11-21T00:00:00Z");
    }
}
