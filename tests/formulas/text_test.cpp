#include "formulas/text.hpp"

#include <doctest/doctest.h>

using namespace admix::formulas;

TEST_CASE("trim, split, iequals, digits") {
    CHECK(trim("  0409-3977-03\r\n") == "0409-3977-03");
    CHECK(trim("") == "");
    CHECK(trim(" \t ") == "");
    const auto parts = split("0409-3977-03", '-');
    REQUIRE(parts.size() == 3);
    CHECK(parts[0] == "0409");
    CHECK(parts[2] == "03");
    CHECK(split("", ',').size() == 1);
    CHECK(split("a,,b", ',').size() == 3);
    CHECK(iequals("ISO 5", "iso 5"));
    CHECK_FALSE(iequals("ISO 5", "ISO 7"));
    CHECK_FALSE(iequals("ISO", "ISO 5"));
    CHECK(isAllDigits("0123456789"));
    CHECK_FALSE(isAllDigits(""));
    CHECK_FALSE(isAllDigits("12a"));
}

TEST_CASE("printable shows control characters by name") {
    CHECK(printable("0100304093977035\x1d"
                    "10A1") == "0100304093977035<GS>10A1");
    CHECK(printable("S S 12.3 g\r\n") == "S S 12.3 g<CR><LF>");
    CHECK(printable(std::string("\x02x", 2)) == "<02>x");
}
