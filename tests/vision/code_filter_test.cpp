#include "vision/code_filter.hpp"

#include <doctest/doctest.h>

using namespace admix::vision;

namespace {

DecodedCode code(const std::string& text, cv::Point2f at, const std::string& format = "DataMatrix",
                 const std::string& symbology = "]d2") {
    DecodedCode c;
    c.format = format;
    c.symbology = symbology;
    c.text = text;
    c.gs1 = isGs1Symbology(symbology);
    const float h = 30;
    c.corners = {at + cv::Point2f(-h, -h), at + cv::Point2f(h, -h), at + cv::Point2f(h, h),
                 at + cv::Point2f(-h, h)};
    return c;
}

const std::string kGood = "0100304093977035172711301"
                          "0LOT-A12\x1D"
                          "21SER0001";

} // namespace

TEST_CASE("GS1 content is parsed by formulas") {
    const ReadCode r = interpretCode(code(kGood, {100, 100}));
    REQUIRE(r.usable());
    REQUIRE(r.gs1.has_value());
    CHECK(r.gs1->gtin == "00304093977035");
    CHECK(r.gs1->lot == "LOT-A12");
    CHECK(r.gs1->serial == "SER0001");
    REQUIRE(r.gs1->expiry.has_value());
    CHECK(*r.gs1->expiry ==
          admix::Date{std::chrono::year(2027), std::chrono::month(11), std::chrono::day(30)});
}

TEST_CASE("a GS1 symbol whose element string is wrong is rejected with the reason") {
    // GTIN check digit 6 instead of 5.
    const ReadCode r = interpretCode(code("0100304093977036172711301"
                                          "0LOT",
                                          {100, 100}));
    CHECK_FALSE(r.usable());
    CHECK(r.rejection.find("GS1") != std::string::npos);
    CHECK(r.rejection.find("01") != std::string::npos);
    // Not GS1 content: no parsing, usable as is.
    const ReadCode qr = interpretCode(code("ADMIX:PREP:1001", {100, 100}, "QRCode", "]Q1"));
    CHECK(qr.usable());
    CHECK_FALSE(qr.gs1.has_value());
}

TEST_CASE("a code is confirmed once after three consecutive frames") {
    StableCodeFilter filter({3, 5});
    const auto frame = interpretCodes({code(kGood, {100, 100})});
    CHECK(filter.update(frame).empty());
    CHECK(filter.update(frame).empty());
    const auto confirmed = filter.update(frame);
    REQUIRE(confirmed.size() == 1);
    CHECK(confirmed[0].code.text == kGood);
    CHECK(filter.update(frame).empty()); // not again while in view
    CHECK(filter.confirmed().size() == 1);
}

TEST_CASE("a gap restarts the count") {
    StableCodeFilter filter({3, 5});
    const auto frame = interpretCodes({code(kGood, {100, 100})});
    CHECK(filter.update(frame).empty());
    CHECK(filter.update(frame).empty());
    CHECK(filter.update({}).empty());
    CHECK(filter.update(frame).empty());
    CHECK(filter.update(frame).empty());
    CHECK(filter.update(frame).size() == 1);
}

TEST_CASE("two different readings at the same place cancel each other so a misread never gets through") {
    StableCodeFilter filter({3, 5});
    const auto good = interpretCode(code(kGood, {100, 100}));
    // A misread of the same symbol (lot differs) in the same place, in every frame.
    const auto bad = interpretCode(code("0100304093977035172711301"
                                        "0LOT-A13\x1D"
                                        "21SER0001",
                                        {104, 98}));
    for (int i = 0; i < 6; ++i)
        CHECK(filter.update({good, bad}).empty());
    // Once only the true reading remains, the misread must first be forgotten (5 frames), then the
    // true reading needs three clean frames: confirmed on the 8th.
    for (int i = 0; i < 7; ++i)
        CHECK(filter.update({good}).empty());
    CHECK(filter.update({good}).size() == 1);
}

TEST_CASE("two codes at different places are confirmed together") {
    StableCodeFilter filter({2, 5});
    const auto frame =
        interpretCodes({code(kGood, {100, 100}), code("ADMIX:PREP:7", {900, 500}, "QRCode", "]Q1")});
    CHECK(filter.update(frame).empty());
    CHECK(filter.update(frame).size() == 2);
}

TEST_CASE("a rejected GS1 reading is never confirmed") {
    StableCodeFilter filter({1, 5});
    const auto bad = interpretCodes({code("01003040939770361727113010LOT", {100, 100})});
    for (int i = 0; i < 5; ++i)
        CHECK(filter.update(bad).empty());
}

TEST_CASE("a code that left the view is confirmed again when it comes back") {
    StableCodeFilter filter({1, 2});
    const auto frame = interpretCodes({code(kGood, {100, 100})});
    CHECK(filter.update(frame).size() == 1);
    CHECK(filter.update({}).empty());
    CHECK(filter.update({}).empty()); // forgotten after two frames
    CHECK(filter.update(frame).size() == 1);
}

TEST_CASE("a reading that flips between two texts at one place is never confirmed") {
    StableCodeFilter filter({2, 3});
    const auto good = interpretCode(code(kGood, {100, 100}));
    const auto bad = interpretCode(code("0100304093977035172711301"
                                        "0LOT-A13\x1D"
                                        "21SER0001",
                                        {102, 101}));
    // good, good would confirm; a flip to the misread in between keeps both at zero.
    for (int i = 0; i < 8; ++i) {
        CHECK(filter.update({good}).empty());
        CHECK(filter.update({bad}).empty());
    }
    // The misread is forgotten after three frames without it; then two clean frames confirm.
    for (int i = 0; i < 4; ++i)
        CHECK(filter.update({good}).empty());
    CHECK(filter.update({good}).size() == 1);
}
