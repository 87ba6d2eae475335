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

TEST_CASE("escapeHtml: the five characters HTML gives meaning, as entities, nothing else touched") {
    // Names on pages (remote pages, the downtime worksheet, the validation report) come from the
    // site's users and orders: escaped, never markup.
    CHECK(escapeHtml("<b a='1'>&\"") == "&lt;b a=&#39;1&#39;&gt;&amp;&quot;");
    CHECK(escapeHtml("") == "");
    CHECK(escapeHtml("Cefazolin 2 g / 100 mL (0.9% NaCl)") == "Cefazolin 2 g / 100 mL (0.9% NaCl)");
    CHECK(escapeHtml("&amp;") == "&amp;amp;"); // not double-guessed: escaped again
    CHECK(escapeHtml("O'Brien") == "O&#39;Brien");
    CHECK(escapeHtml("\xC3\xA9t\xC3\xA9") == "\xC3\xA9t\xC3\xA9"); // UTF-8 bytes pass through
}
