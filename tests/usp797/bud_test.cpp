// Every BUD row of ../shared/DOMAIN.md "USP <797> (2023) defaults" (categories, Cat 2 and Cat 3 tables,
// component expiry, vials), through the defaults in assets/policy/usp797_defaults.toml.
#include "usp797/bud.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::usp797;
using namespace std::chrono;

namespace {

const TimePoint kStart = parseIsoUtc("2026-01-10T08:30:00Z").value();

BudResult bud(Category c, PrepMethod m, bool tested, bool nonsterile, Storage s,
              std::vector<ComponentLimit> comps = {}) {
    BudRequest r{c, m, tested, nonsterile, s, kStart, std::move(comps)};
    const auto out = computeBud(r, SitePolicy::defaults());
    REQUIRE_MESSAGE(out.ok(), out.error().text());
    return *out;
}

void checkDays(BudResult r, int days) {
    CHECK(r.unit == BudResult::Unit::Days);
    CHECK(r.amount == days);
    CHECK(r.bud == kStart + hours{24 * days});
    CHECK_FALSE(r.limitedByComponent);
}

} // namespace

TEST_CASE("immediate use: administration within 4 h of the start of preparation (DOMAIN.md)") {
    const auto r = bud(Category::Immediate, PrepMethod::Aseptic, false, false, Storage::Room);
    CHECK(r.unit == BudResult::Unit::Hours);
    CHECK(r.amount == 4);
    CHECK(r.bud == kStart + hours{4});
    CHECK(r.rule.find("immediate use") != std::string::npos);
}

TEST_CASE("Category 1: 12 h room / 24 h refrigerated / never frozen (DOMAIN.md)") {
    auto room = bud(Category::Cat1, PrepMethod::Aseptic, false, false, Storage::Room);
    CHECK(room.amount == 12);
    CHECK(room.bud == kStart + hours{12});
    auto fridge = bud(Category::Cat1, PrepMethod::Aseptic, false, false, Storage::Fridge);
    CHECK(fridge.amount == 24);
    CHECK(fridge.bud == kStart + hours{24});
    const auto frozen =
        computeBud({Category::Cat1, PrepMethod::Aseptic, false, false, Storage::Freezer, kStart, {}},
                   SitePolicy::defaults());
    REQUIRE_FALSE(frozen.ok());
    CHECK(frozen.error().where == "storage");
}

TEST_CASE("Category 2 table / days room/fridge/freezer (DOMAIN.md)") {
    SUBCASE("aseptic, not sterility-tested, only sterile starting components: 4/10/45") {
        checkDays(bud(Category::Cat2, PrepMethod::Aseptic, false, false, Storage::Room), 4);
        checkDays(bud(Category::Cat2, PrepMethod::Aseptic, false, false, Storage::Fridge), 10);
        checkDays(bud(Category::Cat2, PrepMethod::Aseptic, false, false, Storage::Freezer), 45);
    }
    SUBCASE("aseptic, not sterility-tested, any nonsterile component: 1/4/45 (check)") {
        checkDays(bud(Category::Cat2, PrepMethod::Aseptic, false, true, Storage::Room), 1);
        checkDays(bud(Category::Cat2, PrepMethod::Aseptic, false, true, Storage::Fridge), 4);
        checkDays(bud(Category::Cat2, PrepMethod::Aseptic, false, true, Storage::Freezer), 45);
    }
    SUBCASE("aseptic, sterility-tested and passed: 30/45/60") {
        checkDays(bud(Category::Cat2, PrepMethod::Aseptic, true, false, Storage::Room), 30);
        checkDays(bud(Category::Cat2, PrepMethod::Aseptic, true, true, Storage::Fridge), 45);
        checkDays(bud(Category::Cat2, PrepMethod::Aseptic, true, false, Storage::Freezer), 60);
    }
    SUBCASE("terminally sterilized, not tested: 14/28/45") {
        checkDays(bud(Category::Cat2, PrepMethod::TerminalSterilization, false, false, Storage::Room), 14);
        checkDays(bud(Category::Cat2, PrepMethod::TerminalSterilization, false, true, Storage::Fridge), 28);
        checkDays(bud(Category::Cat2, PrepMethod::TerminalSterilization, false, false, Storage::Freezer), 45);
    }
    SUBCASE("terminally sterilized, tested: 45/60/90") {
        checkDays(bud(Category::Cat2, PrepMethod::TerminalSterilization, true, false, Storage::Room), 45);
        checkDays(bud(Category::Cat2, PrepMethod::TerminalSterilization, true, false, Storage::Fridge), 60);
        checkDays(bud(Category::Cat2, PrepMethod::TerminalSterilization, true, false, Storage::Freezer), 90);
    }
}

TEST_CASE("Category 3 (sterility-tested): aseptic 60/90/120 / terminally sterilized 90/120/180 (DOMAIN.md)") {
    checkDays(bud(Category::Cat3, PrepMethod::Aseptic, true, false, Storage::Room), 60);
    checkDays(bud(Category::Cat3, PrepMethod::Aseptic, true, true, Storage::Fridge), 90);
    checkDays(bud(Category::Cat3, PrepMethod::Aseptic, true, false, Storage::Freezer), 120);
    checkDays(bud(Category::Cat3, PrepMethod::TerminalSterilization, true, false, Storage::Room), 90);
    checkDays(bud(Category::Cat3, PrepMethod::TerminalSterilization, true, false, Storage::Fridge), 120);
    checkDays(bud(Category::Cat3, PrepMethod::TerminalSterilization, true, false, Storage::Freezer), 180);
    const auto untested =
        computeBud({Category::Cat3, PrepMethod::Aseptic, false, false, Storage::Room, kStart, {}},
                   SitePolicy::defaults());
    CHECK_FALSE(untested.ok());
}

TEST_CASE("a BUD never exceeds the earliest component expiry (DOMAIN.md)") {
    const TimePoint early = kStart + hours{24 * 3};
    const TimePoint later = kStart + hours{24 * 20};
    const auto r = bud(Category::Cat2, PrepMethod::Aseptic, false, false, Storage::Fridge,
                       {{ComponentLimit::Kind::Expiry, later, "diluent", {}},
                        {ComponentLimit::Kind::Expiry, early, "drug", {}}});
    CHECK(r.bud == early);
    CHECK(r.limitedByComponent);
    CHECK(r.unit == BudResult::Unit::Hours);
    CHECK(r.amount == 72);
    CHECK(r.rule.find("drug expires") != std::string::npos);
    CHECK(r.tableRule.find("10 days") != std::string::npos);
    // an expiry after the table's BUD changes nothing
    checkDays(bud(Category::Cat2, PrepMethod::Aseptic, false, false, Storage::Room,
                  {{ComponentLimit::Kind::Expiry, later, "x", {}}}),
              4);
    // an already-expired component is refused
    const auto expired = computeBud({Category::Cat1,
                                     PrepMethod::Aseptic,
                                     false,
                                     false,
                                     Storage::Room,
                                     kStart,
                                     {{ComponentLimit::Kind::Expiry, kStart - hours{1}, "old", {}}}},
                                    SitePolicy::defaults());
    CHECK_FALSE(expired.ok());
}

TEST_CASE("punctured vials: single-dose in ISO 5 12 h (check) / multiple-dose 28 days unless labelled "
          "(DOMAIN.md)") {
    const TimePoint punctured = kStart - hours{10};
    const auto sdv = bud(Category::Cat1, PrepMethod::Aseptic, false, false, Storage::Fridge,
                         {{ComponentLimit::Kind::SingleDoseVialPunctured, punctured, "SDV", {}}});
    CHECK(sdv.bud == punctured + hours{12});
    CHECK(sdv.amount == 2);
    const TimePoint mdvPunctured = kStart - hours{24 * 25};
    const auto mdv = bud(Category::Cat2, PrepMethod::Aseptic, false, false, Storage::Fridge,
                         {{ComponentLimit::Kind::MultiDoseVialPunctured, mdvPunctured, "MDV", {}}});
    CHECK(mdv.bud == mdvPunctured + hours{24 * 28});
    CHECK(mdv.amount == 72);
    const auto labelled = bud(Category::Cat2, PrepMethod::Aseptic, false, false, Storage::Fridge,
                              {{ComponentLimit::Kind::MultiDoseVialPunctured, mdvPunctured, "MDV", 27}});
    CHECK(labelled.bud == mdvPunctured + hours{24 * 27});
    CHECK(labelled.rule.find("per its label") != std::string::npos);
}
