#include "vision/barcode_reader.hpp"
#include "vision/datamatrix_encoder.hpp"
#include "vision/image_file.hpp"
#include "vision/synthetic_scene.hpp"

#include "tests/test_support.hpp"

#include <ZXing/ReadBarcode.h>
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

using namespace admix::vision;

namespace {

struct Read {
    bool ok = false;
    std::string text;
    std::string symbology;
};

// Reads a symbol drawn with 4-pixel modules and a 2-module quiet zone, as a pure image.
Read readSymbol(const DataMatrixSymbol& s) {
    const int m = 4;
    const int q = 2 * m;
    cv::Mat img(s.size * m + 2 * q, s.size * m + 2 * q, CV_8UC1, cv::Scalar(255));
    for (int y = 0; y < s.size; ++y)
        for (int x = 0; x < s.size; ++x)
            if (s.dark(x, y))
                img(cv::Rect(q + x * m, q + y * m, m, m)).setTo(0);
    const auto r = ZXing::ReadBarcode({img.data, img.cols, img.rows, ZXing::ImageFormat::Lum},
                                      ZXing::DecodeHints().setFormats(ZXing::BarcodeFormat::DataMatrix));
    return {r.isValid(), r.text(), r.symbologyIdentifier()};
}

} // namespace

TEST_CASE("the encoder writes GS1 DataMatrix with FNC1 first that ZXing reads as GS1") {
    const std::string element = gs1ElementString("00304093977035", "271130", "LOT-A12", "SER0001");
    CHECK(element == "0100304093977035172711301"
                     "0LOT-A12\x1D"
                     "21SER0001");
    const auto symbol = encodeDataMatrix(element, true);
    REQUIRE(symbol.ok());
    const Read r = readSymbol(*symbol);
    CHECK(r.ok);
    CHECK(r.symbology == "]d2");
    CHECK(r.text == element);
}

TEST_CASE("without GS1 the same text is a plain DataMatrix symbol") {
    const auto symbol = encodeDataMatrix("ADMIX PREP 42", false);
    REQUIRE(symbol.ok());
    const Read r = readSymbol(*symbol);
    CHECK(r.ok);
    CHECK(r.symbology == "]d1");
    CHECK(r.text == "ADMIX PREP 42");
}

TEST_CASE("every supported symbol size round-trips with its finder pattern") {
    // Data capacities (codewords) of the square sizes 10..48; digits pack two to a codeword.
    const std::vector<std::pair<int, int>> sizes{{10, 3},  {12, 5},   {14, 8},   {16, 12}, {18, 18},
                                                 {20, 22}, {22, 30},  {24, 36},  {26, 44}, {32, 62},
                                                 {36, 86}, {40, 114}, {44, 144}, {48, 174}};
    for (const auto& [size, capacity] : sizes) {
        CAPTURE(size);
        // Exactly `capacity` codewords: the symbol must be this size, not the next one.
        std::string text(static_cast<size_t>(capacity), 'x');
        const auto symbol = encodeDataMatrix(text, false);
        REQUIRE(symbol.ok());
        CHECK(symbol->size == size);
        // Solid left column and bottom row; alternating top row.
        for (int i = 0; i < size; ++i) {
            CHECK(symbol->dark(0, i));
            CHECK(symbol->dark(i, size - 1));
            CHECK(symbol->dark(i, 0) == (i % 2 == 0));
        }
        const Read r = readSymbol(*symbol);
        CHECK(r.ok);
        CHECK(r.text == text);
        // One codeword more moves to the next size (or fails past 48x48).
        const auto bigger = encodeDataMatrix(text + "x", false);
        if (size < 48) {
            REQUIRE(bigger.ok());
            CHECK(bigger->size > size);
        } else {
            REQUIRE_FALSE(bigger.ok());
            CHECK(bigger.error().message.find("too long") != std::string::npos);
        }
    }
}

TEST_CASE("digits pack in pairs so FNC1 and 16 digits are 9 codewords which is one more than a 14x14 holds") {
    const auto symbol = encodeDataMatrix("0100304093977035", true);
    REQUIRE(symbol.ok());
    CHECK(symbol->size == 16);
    const auto shorter = encodeDataMatrix("01003040939770", true); // FNC1 + 7 pairs = 8 codewords
    REQUIRE(shorter.ok());
    CHECK(shorter->size == 14);
}

TEST_CASE("non-ASCII text is refused with its position") {
    const auto symbol = encodeDataMatrix("ab\xC3\xA9", false);
    REQUIRE_FALSE(symbol.ok());
    CHECK(symbol.error().where == "character 3");
}

TEST_CASE("GS1 check digits follow the 3-1-3 weights") {
    CHECK(gs1CheckDigit("0030409397703") == '5'); // NDC 0409-3977-03 -> GTIN 00304093977035 (DOMAIN.md)
    CHECK(gs1CheckDigit("590123412345") == '7');
    for (int n = 0; n < 12; ++n) {
        const std::string e = demoGs1(n);
        CAPTURE(e);
        REQUIRE(e.size() >= 33);
        CHECK(e.substr(0, 2) == "01");
        CHECK(gs1CheckDigit(e.substr(2, 13)) == e[15]); // a valid GTIN-14
        CHECK(e.substr(16, 2) == "17");
        CHECK(e.substr(24, 2) == "10");
        CHECK((e.find('\x1D') != std::string::npos) == (n % 2 == 0)); // serial after a GS on even n
    }
}

TEST_CASE("zint as an independent encoder and ours agree on GS1 content") {
    if (std::system("command -v zint >/dev/null 2>&1") != 0) {
        MESSAGE("zint not installed (scripts/setup.sh installs it): cross-check skipped");
        return;
    }
    admix::test::TempDir dir;
    const auto png = dir / "zint.png";
    const std::string command = "zint -b 71 --gs1 --scale=3 --whitesp=3 --vwhitesp=3 -d "
                                "'[01]00304093977035[17]271130[10]LOT-A12[21]SER0001' -o '" +
                                png.string() + "' >/dev/null 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
    const auto image = loadImage(png.string());
    REQUIRE(image.ok());
    const auto codes = BarcodeReader().decode(*image);
    REQUIRE(codes.size() == 1);
    CHECK(codes[0].symbology == "]d2");
    CHECK(codes[0].gs1);
    CHECK(codes[0].text == gs1ElementString("00304093977035", "271130", "LOT-A12", "SER0001"));
}
