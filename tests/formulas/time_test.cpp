#include "formulas/time.hpp"

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
