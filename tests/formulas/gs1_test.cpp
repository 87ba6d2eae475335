#include "formulas/gs1.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::formulas;

namespace {

constexpr int kRefYear = 2026; // fixed so that the century rule does not depend on the clock

Date ymd(int y, unsigned m, unsigned d) {
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

bool mentions(const Error& e, std::string_view what) {
    return e.text().find(what) != std::string::npos;
}

} // namespace

TEST_CASE("GS1 check digit") {
    // DOMAIN.md: NDC 0409-3977-03 -> GTIN 00304093977035. By hand over 0030409397703, weights
    // 3,1,3,... from the right: 9+0+21+7+27+3+27+0+12+0+9+0+0 = 115; (10 - 5) mod 10 = 5.
    CHECK(gs1CheckDigit("0030409397703") == 5);
    CHECK(gs1CheckDigitValid("00304093977035"));
    CHECK_FALSE(gs1CheckDigitValid("00304093977036"));
    // GS1 General Specifications SSCC example (00)106141411234567897.
    CHECK(gs1CheckDigitValid("106141411234567897"));
    CHECK(gs1CheckDigit("12a") == -1);
    CHECK_FALSE(gs1CheckDigitValid("5"));
}

TEST_CASE("GS1 dates: day 00 is the last day of the month, impossible dates refused") {
    CHECK(parseGs1Date("271231", kRefYear).value() == ymd(2027, 12, 31));
    CHECK(parseGs1Date("270200", kRefYear).value() == ymd(2027, 2, 28)); // 2027 is not a leap year
    CHECK(parseGs1Date("280200", kRefYear).value() == ymd(2028, 2, 29)); // 2028 is
    CHECK(parseGs1Date("260400", kRefYear).value() == ymd(2026, 4, 30));
    CHECK_FALSE(parseGs1Date("270230", kRefYear).ok());
    CHECK_FALSE(parseGs1Date("271301", kRefYear).ok());
    CHECK_FALSE(parseGs1Date("270001", kRefYear).ok());
    CHECK_FALSE(parseGs1Date("270200", kRefYear, false).ok());
    const auto feb = parseGs1Date("270229", kRefYear);
    REQUIRE_FALSE(feb.ok());
    CHECK(mentions(feb.error(), "February 2027 has no day 29"));
    // GS1 General Specifications 7.12 century rule, reference 2026: YY-26 in 51..99 -> 19YY,
    // in -99..-50 -> 21YY, else 20YY. 76 -> 2076 (diff 50), 77 -> 1977 (diff 51), 99 -> 1999.
    CHECK(parseGs1Date("761231", kRefYear).value() == ymd(2076, 12, 31));
    CHECK(parseGs1Date("771231", kRefYear).value() == ymd(1977, 12, 31));
    CHECK(parseGs1Date("991231", 2060).value() == ymd(2099, 12, 31));
    CHECK(parseGs1Date("050101", 2096).value() == ymd(2105, 1, 1)); // 05-96 = -91 -> next century
}

TEST_CASE("raw element string with GS separators") {
    const std::string raw = std::string("0100304093977035") + "17271231" + "10A1B2C3" + '\x1D' + "21SN12345";
    const auto r = parseGs1(raw, kRefYear);
    REQUIRE_MESSAGE(r.ok(), r.error().text());
    CHECK(r->gtin == "00304093977035");
    CHECK(r->expiry == ymd(2027, 12, 31));
    CHECK(r->lot == "A1B2C3");
    CHECK(r->serial == "SN12345");
    REQUIRE(r->ais.size() == 4);
    CHECK(r->ais[1].ai == "17");
    CHECK(r->ais[1].title == "USE BY OR EXPIRY");
    CHECK(r->warnings.empty());
    CHECK(r->symbology.empty());
    CHECK(toRaw(r->ais) == raw);
    CHECK(toHumanReadable(r->ais) == "(01)00304093977035(17)271231(10)A1B2C3(21)SN12345");
}

TEST_CASE("AIM prefixes, escapes and human-readable form give the same fields") {
    const std::string gs(1, '\x1D');
    const std::vector<std::pair<std::string, std::string>> inputs = {
        {"]d2010030409397703517270200"
         "10LOT7" +
             gs + "21S99",
         "GS1 DataMatrix"},
        {"]C1010030409397703517270200"
         "10LOT7" +
             gs + "21S99\r\n",
         "GS1-128"},
        {"]Q3" + gs +
             "010030409397703517270200"
             "10LOT7" +
             gs + "21S99",
         "GS1 QR"},
        {"010030409397703517270200"
         "10LOT7^]21S99",
         ""},
        {"010030409397703517270200"
         "10LOT7<GS>21S99",
         ""},
        {"010030409397703517270200"
         "10LOT7<gs>21S99",
         ""},
        {"(01)00304093977035(17)270200(10)LOT7(21)S99", ""},
        {"  (01)00304093977035 (17)270200 (10)LOT7 (21)S99 ", ""},
        {"]d2(01)00304093977035(17)270200(10)LOT7(21)S99", "GS1 DataMatrix"},
    };
    for (const auto& [text, symbology] : inputs) {
        CAPTURE(text);
        const auto r = parseGs1(text, kRefYear);
        REQUIRE_MESSAGE(r.ok(), r.error().text());
        CHECK(r->symbology == symbology);
        CHECK(r->gtin == "00304093977035");
        CHECK(r->expiry == ymd(2027, 2, 28));
        CHECK(r->lot == "LOT7");
        CHECK(r->serial == "S99");
    }
}

TEST_CASE("other AIs: production date, national code, expiry time, measures, internal") {
    const auto r = parseGs1(
        "(01)00304093977035(11)250615(17)270600(7003)2706301430(3102)000250(715)0409397703(91)ABC", kRefYear);
    REQUIRE_MESSAGE(r.ok(), r.error().text());
    CHECK(r->productionDate == ymd(2025, 6, 15));
    CHECK(r->expiry == ymd(2027, 6, 30));
    CHECK(r->nationalCode == "0409397703");
    CHECK(r->nationalCodeAi == "715");
    CHECK(r->get("7003") == "2706301430");
    CHECK(r->get("3102") == "000250");
    CHECK(r->get("91") == "ABC");
    CHECK_FALSE(r->get("21").has_value());
    // The same as raw: 3102 is predefined length (no GS), 7003 and 715 are not.
    const auto raw = parseGs1(toRaw(r->ais), kRefYear);
    REQUIRE_MESSAGE(raw.ok(), raw.error().text());
    CHECK(raw->ais == r->ais);
}

TEST_CASE("bad inputs get a clear error naming the AI") {
    SUBCASE("bad GTIN check digit") {
        const auto r = parseGs1("010030409397703617271231", kRefYear);
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "AI (01) GTIN"));
        CHECK(mentions(r.error(), "should end in 5"));
    }
    SUBCASE("impossible expiry") {
        const auto r = parseGs1("010030409397703517271301", kRefYear);
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "AI (17)"));
        CHECK(mentions(r.error(), "month 13"));
        const auto feb30 = parseGs1("(01)00304093977035(17)270230", kRefYear);
        REQUIRE_FALSE(feb30.ok());
        CHECK(mentions(feb30.error(), "no day 30"));
    }
    SUBCASE("truncated fixed-length field") {
        const auto r = parseGs1("01003040939770", kRefYear);
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "cut short"));
        CHECK(mentions(r.error(), "AI (01)"));
        const auto exp = parseGs1("01003040939770351727", kRefYear);
        REQUIRE_FALSE(exp.ok());
        CHECK(mentions(exp.error(), "AI (17)"));
        const auto gsInside = parseGs1(std::string("0100304093977035172712") + '\x1D' + "10X", kRefYear);
        REQUIRE_FALSE(gsInside.ok());
        CHECK(mentions(gsInside.error(), "found 4"));
        const auto hr = parseGs1("(01)0030409397703", kRefYear);
        REQUIRE_FALSE(hr.ok());
        CHECK(mentions(hr.error(), "exactly 14"));
    }
    SUBCASE("over-long variable field, at the limit and just above") {
        CHECK(parseGs1("10" + std::string(20, 'A'), kRefYear).ok());
        const auto r = parseGs1("10" + std::string(21, 'A'), kRefYear);
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "AI (10) BATCH/LOT"));
        CHECK(mentions(r.error(), "at most 20"));
        CHECK_FALSE(parseGs1("21" + std::string(21, '1'), kRefYear).ok());
    }
    SUBCASE("empty and unknown") {
        CHECK(mentions(parseGs1("", kRefYear).error(), "nothing was scanned"));
        CHECK(mentions(parseGs1(" \r\n", kRefYear).error(), "nothing was scanned"));
        CHECK(mentions(parseGs1("]d2", kRefYear).error(), "no data"));
        CHECK(mentions(parseGs1("8812345", kRefYear).error(),
                       "no GS1 application identifier starts with '8812'"));
        CHECK(mentions(parseGs1("(88)123", kRefYear).error(), "(88)"));
        CHECK(mentions(parseGs1("(01", kRefYear).error(), "parentheses"));
        CHECK(mentions(parseGs1("]d1hello", kRefYear).error(), "not a GS1 barcode"));
        CHECK(mentions(parseGs1("10", kRefYear).error(), "empty"));
        CHECK(mentions(parseGs1(std::string(600, '1'), kRefYear).error(), "not one barcode"));
    }
    SUBCASE("characters outside GS1's set") {
        const auto r = parseGs1("10AB\x01"
                                "C",
                                kRefYear);
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "<01>"));
        CHECK(mentions(r.error(), "position 3"));
        CHECK_FALSE(parseGs1("10AB C", kRefYear).ok());
        CHECK_FALSE(parseGs1("17ABCDEF", kRefYear).ok());
    }
    SUBCASE("same AI twice with different values") {
        const auto r = parseGs1("(10)A(10)B", kRefYear);
        REQUIRE_FALSE(r.ok());
        CHECK(mentions(r.error(), "twice"));
        CHECK(parseGs1("(10)A(10)A", kRefYear).ok());
        CHECK_FALSE(parseGs1("(710)A(715)B", kRefYear).ok());
    }
}

TEST_CASE("a lot that swallowed the expiry is flagged, not silently accepted") {
    // Scanner dropped the GS after the lot: "10A1B2" then "17271231" arrive as one lot.
    const auto r = parseGs1("010030409397703510A1B217271231", kRefYear);
    REQUIRE(r.ok());
    CHECK_FALSE(r->expiry.has_value());
    REQUIRE(r->warnings.size() == 1);
    CHECK(r->warnings[0].find("17271231") != std::string::npos);
    // A lot whose digits do not form a valid date stays quiet.
    CHECK(parseGs1("010030409397703510A1B217279999", kRefYear)->warnings.empty());
}

// Issue 14: US vials and bags often carry only a linear UPC-A / EAN-13 with the NDC inside, or GS1-128.
TEST_CASE("linear barcodes: UPC-A and EAN-13 give the GTIN (NDC inside), GS1-128 gives its fields") {
    // ]E0 + 13 digits: a UPC-A sent as EAN-13 (leading 0): 3 + NDC 99999-102-10 + check digit 0.
    const auto upc = parseGs1("]E0"
                              "0399999102100",
                              2026);
    REQUIRE_MESSAGE(upc.ok(), upc.error().text());
    CHECK(upc->symbology == "UPC-A");
    CHECK(upc->gtin == "00399999102100");
    CHECK(upc->lot.empty());
    CHECK_FALSE(upc->expiry.has_value());
    // The same UPC-A as 12 digits (scanners set to send UPC-A as such).
    const auto twelve = parseGs1("]E0"
                                 "399999102100",
                                 2026);
    REQUIRE(twelve.ok());
    CHECK(twelve->gtin == "00399999102100");
    // A bad check digit is refused and says so.
    const auto bad = parseGs1("]E0"
                              "0399999102101",
                              2026);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().text().find("check digit") != std::string::npos);
    // Not digits, or the wrong length: refused.
    CHECK_FALSE(parseGs1("]E0"
                         "03999991021",
                         2026)
                    .ok());
    CHECK_FALSE(parseGs1("]E0"
                         "03999A9102100",
                         2026)
                    .ok());
    // EAN-13 of another country: accepted as a GTIN (the formulary decides whether it is known).
    const auto ean = parseGs1("]E0"
                              "4006381333931",
                              2026);
    REQUIRE(ean.ok());
    CHECK(ean->symbology == "EAN-13");
    CHECK(ean->gtin == "04006381333931");
    // GS1-128 with GTIN, expiry and lot.
    const auto c128 = parseGs1("]C1"
                               "0100399999102100"
                               "17281231"
                               "10LOT7",
                               2026);
    REQUIRE_MESSAGE(c128.ok(), c128.error().text());
    CHECK(c128->symbology == "GS1-128");
    CHECK(c128->gtin == "00399999102100");
    CHECK(c128->lot == "LOT7");
    REQUIRE(c128->expiry.has_value());
}
