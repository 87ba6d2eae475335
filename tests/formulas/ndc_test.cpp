#include "formulas/ndc.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::formulas;

namespace {
bool mentions(const Error& e, std::string_view what) {
    return e.text().find(what) != std::string::npos;
}
} // namespace

TEST_CASE("NDC 0409-3977-03 in every form (the issue's reference)") {
    // DOMAIN.md: NDC 0409-3977-03 -> GTIN 00304093977035 (check digit worked in gs1_test.cpp).
    const auto r = parseNdc("0409-3977-03");
    REQUIRE(r.ok());
    CHECK(r->inputForm == "NDC-10 4-4-2");
    REQUIRE(r->candidates.size() == 1);
    const Ndc& n = r->candidates[0];
    CHECK(n.format() == NdcFormat::F442);
    CHECK(n.ndc10() == "0409-3977-03");
    CHECK(n.ndc11() == "00409-3977-03");  // labeler padded to 5
    CHECK(n.ndc12() == "000409-3977-03"); // labeler padded to 6
    CHECK(n.digits10() == "0409397703");
    CHECK(n.gtin14() == "00304093977035");
    // Indicator 5 (a case): 5 03 0409397703 + check; by hand the sum is 5*3 added to 115 -> 130 -> 0.
    CHECK(n.gtin14(5) == "50304093977030");
    CHECK(n.gtin14(9).empty());
}

TEST_CASE("5-3-2 and 5-4-1 pad the short segment") {
    const auto a = parseNdc("12345-678-90");
    REQUIRE(a.ok());
    CHECK(a->candidates[0].ndc11() == "12345-0678-90");
    CHECK(a->candidates[0].ndc12() == "012345-0678-90");
    // 0 03 1234567890 + check 6 (sum of 0031234567890 with weights 3,1,... = 84 -> 6).
    CHECK(a->candidates[0].gtin14() == "00312345678906");
    const auto b = parseNdc("12345-6789-0");
    REQUIRE(b.ok());
    CHECK(b->candidates[0].format() == NdcFormat::F541);
    CHECK(b->candidates[0].ndc11() == "12345-6789-00");
    CHECK(b->candidates[0].ndc12() == "012345-6789-00");
}

TEST_CASE("digits without hyphens are ambiguous: every candidate is listed, plausible first") {
    const auto r = parseNdc("0409397703");
    REQUIRE(r.ok());
    CHECK(r->ambiguous());
    REQUIRE(r->candidates.size() == 3);
    CHECK(r->candidates[0].ndc10() == "0409-3977-03");
    CHECK(r->candidates[1].ndc10() == "04093-977-03");
    CHECK(r->candidates[2].ndc10() == "04093-9770-3");

    // 11-digit billing form: the padded segment starts with zero. 00409-3977-03 could be 0409-3977-03
    // (labeler padded) or 00409-3977-3 (package padded); a 5-digit labeler never starts with 0, so
    // the first is listed first.
    const auto b = parseNdc("00409397703");
    REQUIRE(b.ok());
    CHECK(b->inputForm == "NDC-11 billing form");
    REQUIRE(b->candidates.size() == 2);
    CHECK(b->candidates[0].ndc10() == "0409-3977-03");
    CHECK(b->candidates[1].ndc10() == "00409-3977-3");
    const auto c = parseNdc("12345-6789-01");
    REQUIRE(c.ok());
    REQUIRE(c->candidates.size() == 1);
    CHECK(c->candidates[0].ndc10() == "12345-6789-1");
    CHECK(mentions(parseNdc("12345-6789-12").error(), "padding zero"));
}

TEST_CASE("12-digit 6-4-2") {
    const auto old = parseNdc("000409-3977-03");
    REQUIRE(old.ok());
    CHECK(old->candidates[0].ndc10() == "0409-3977-03");
    CHECK(old->candidates[0].gtin14() == "00304093977035");
    const auto native = parseNdc("123456-7890-12");
    REQUIRE(native.ok());
    REQUIRE(native->candidates.size() == 1);
    CHECK_FALSE(native->candidates[0].hasTenDigitForm());
    CHECK(native->candidates[0].ndc12() == "123456-7890-12");
    CHECK(native->candidates[0].ndc10().empty());
    CHECK(native->candidates[0].gtin14().empty());
    const auto bare = parseNdc("012345067890");
    REQUIRE(bare.ok());
    CHECK(bare->candidates[0].ndc10() == "12345-678-90");
}

TEST_CASE("GTIN-14 back to NDC") {
    const auto r = parseNdc("00304093977035");
    REQUIRE(r.ok());
    CHECK(r->inputForm == "GTIN-14");
    CHECK(r->ambiguous());
    CHECK(r->candidates[0].ndc10() == "0409-3977-03");
    CHECK(mentions(ndcFromGtin("00304093977036").error(), "should end in 5"));
    CHECK(mentions(ndcFromGtin("04006381333931").error(), "does not carry an NDC"));
    CHECK(mentions(ndcFromGtin("90304093977038").error(), "variable-measure"));
    CHECK(mentions(ndcFromGtin("0030409397703").error(), "14 digits"));
}

TEST_CASE("bad NDCs get a clear error") {
    CHECK(mentions(parseNdc("").error(), "no NDC"));
    CHECK(mentions(parseNdc("0409-3977-3").error(), "segments 4-4-1"));
    CHECK(mentions(parseNdc("0409-3977").error(), "three segments"));
    CHECK(mentions(parseNdc("0409--03").error(), "empty segment"));
    CHECK(mentions(parseNdc("0409-3977-O3").error(), "'O'"));
    CHECK(mentions(parseNdc("040939770").error(), "9 digits"));
    CHECK(mentions(parseNdc("0000-0000-00").error(), "all-zero"));
    CHECK(mentions(parseNdc(std::string(40, '1')).error(), "too long"));
}
