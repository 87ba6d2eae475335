// Site policy loading: the shipped defaults are complete; a bad file names the key and its position.
#include "usp797/policy.hpp"

#include "tests/test_support.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::usp797;

TEST_CASE("the shipped defaults file holds every key / matching the built-in copy") {
    const std::string text = test::readFile(std::string(ADMIX_ASSETS_DIR) + "/policy/usp797_defaults.toml");
    CHECK(text == defaultPolicyToml());
    const auto values = parsePolicyToml(text, "usp797_defaults.toml");
    REQUIRE_MESSAGE(values.ok(), values.error().text());
    CHECK(values->size() == policyKeys().size());
    CHECK(SitePolicy::defaults().number("em.viable_air.iso5_cfu_m3") == 1);
    CHECK(SitePolicy::defaults().whole("bud.cat3.terminal.freezer_days") == 180);
    CHECK(SitePolicy::defaults().flag("gate.override.open_excursion") == false);
}

TEST_CASE("every (check) default of DOMAIN.md is named in a comment of the defaults file") {
    const std::string text(defaultPolicyToml());
    // DOMAIN.md marks: Cat 2 nonsterile 1/4/45, certification every 6 months, single-dose vial 12 h, the
    // hand rub before gloves (procedure step), and USP <800> gown 2-3 h as a range.
    CHECK(text.find("any nonsterile component: 1/4/45 (check)") != std::string::npos);
    CHECK(text.find("every 6 months (check)") != std::string::npos);
    CHECK(text.find("12 h (check)") != std::string::npos);
    CHECK(text.find("hand rub before\n# sterile gloves is a (check) item") != std::string::npos);
    CHECK(text.find("2-3 hours; 180 minutes is the upper end (check)") != std::string::npos);
}

TEST_CASE("a missing key / an unknown key / a wrong type or a value out of range is refused with its place") {
    std::string text(defaultPolicyToml());
    SUBCASE("missing") {
        const auto pos = text.find("surface.iso7_cfu_plate = 5\n");
        REQUIRE(pos != std::string::npos);
        text.erase(pos, std::string("surface.iso7_cfu_plate = 5\n").size());
        const auto r = parsePolicyToml(text, "p.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "p.toml: em.surface.iso7_cfu_plate");
    }
    SUBCASE("unknown") {
        const auto r = parsePolicyToml("[em]\nsurfce.iso7_cfu_plate = 5\n", "p.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "p.toml:2:8: em.surfce.iso7_cfu_plate");
    }
    SUBCASE("type") {
        const auto r = parsePolicyToml("[bud]\ncat1.room_hours = 12.5\n", "p.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == "must be a whole number");
    }
    SUBCASE("range") {
        const auto r = parsePolicyToml("[em]\nroom.humidity_limit_pct = 600\n", "p.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("between 0 and 100") != std::string::npos);
    }
    SUBCASE("syntax") {
        const auto r = parsePolicyToml("[em\n", "p.toml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where.starts_with("p.toml:1:"));
    }
}

TEST_CASE("values typed for a key are checked") {
    const PolicyKey* flag = findPolicyKey("gate.override.humidity_out_of_range");
    REQUIRE(flag);
    CHECK(parsePolicyValue(*flag, "false").value() == 0.0);
    CHECK_FALSE(parsePolicyValue(*flag, "maybe").ok());
    const PolicyKey* whole = findPolicyKey("personnel.training_months");
    REQUIRE(whole);
    CHECK(parsePolicyValue(*whole, "6").value() == 6.0);
    CHECK_FALSE(parsePolicyValue(*whole, "6.5").ok());
    CHECK_FALSE(parsePolicyValue(*whole, "0").ok());
    CHECK_FALSE(parsePolicyValue(*whole, "12x").ok());
    CHECK_FALSE(SitePolicy::fromValues({{"em.viable_air.iso5_cfu_m3", 1}}).ok());
}
