#include "tests/vision/vision_test_support.hpp"

#include "vision/barcode_reader.hpp"

#include <doctest/doctest.h>
#include <opencv2/imgproc.hpp>

#include <map>

using namespace admix::vision;
using admix::vision::test::matches;
using admix::vision::test::readableWhereItIs;
using admix::vision::test::renderedTestSet;

TEST_CASE("the test set covers what the reader must handle") {
    std::map<std::string, int> categories;
    int codes = 0;
    for (const auto& rc : renderedTestSet()) {
        const std::string c = rc.testCase.category;
        ++categories[c.rfind("quality-", 0) == 0 ? "quality" : c];
        CHECK(rc.scene.image.cols == 1920);
        CHECK(rc.scene.image.rows == 1080);
        codes += static_cast<int>(rc.scene.codes.size());
        if (c == "nocode")
            CHECK(rc.scene.codes.empty());
        else
            CHECK_FALSE(rc.scene.codes.empty());
        if (c == "smallmodule")
            CHECK(rc.scene.codes[0].modulePx <= 2);
        if (c == "multi")
            CHECK(rc.scene.codes.size() == 3);
    }
    for (const char* c : {"anywhere", "rotation", "perspective", "curved", "blur", "noise", "lowcontrast",
                          "smallmodule", "multi", "linear", "nocode", "quality"})
        CHECK_MESSAGE(categories[c] > 0, c);
    CHECK(categories["rotation"] == 12);
    CHECK(codes >= 40);
}

TEST_CASE("every readable code in the test set is read where it is and nothing else is reported") {
    const BarcodeReader reader;
    int expected = 0;
    int read = 0;
    for (const auto& rc : renderedTestSet()) {
        CAPTURE(rc.testCase.name);
        const auto decoded = reader.decode(rc.scene.image);
        // No false positive, no misread: each reported code is one the scene holds, at its place.
        for (const auto& d : decoded) {
            bool known = false;
            for (const auto& e : rc.scene.codes)
                known = known || matches(d, e);
            CHECK_MESSAGE(known,
                          "reported " << d.format << " '" << d.text << "' which is not in the scene there");
        }
        if (!rc.testCase.readable)
            continue;
        for (const auto& e : rc.scene.codes) {
            // The generator must make readable codes: ZXing reads each one when shown where it is.
            CHECK_MESSAGE(readableWhereItIs(rc.scene.image, e),
                          "generator made an unreadable code: " << e.text);
            ++expected;
            bool found = false;
            for (const auto& d : decoded)
                found = found || matches(d, e);
            CHECK_MESSAGE(found, "missed " << e.format << " '" << e.text << "'");
            read += found ? 1 : 0;
        }
    }
    CHECK(expected >= 36);
    CHECK(read == expected);
}

TEST_CASE("GS1 codes say so and carry the element string while other codes do not") {
    const BarcodeReader reader;
    bool sawGs1Matrix = false;
    bool sawGs1Linear = false;
    bool sawQr = false;
    for (const auto& rc : renderedTestSet()) {
        if (rc.testCase.category != "multi")
            continue;
        for (const auto& d : reader.decode(rc.scene.image)) {
            if (d.format == "DataMatrix") {
                CHECK(d.symbology == "]d2");
                CHECK(d.gs1);
                CHECK(d.text.substr(0, 2) == "01");
                sawGs1Matrix = true;
            } else if (d.format == "Code128") {
                CHECK(d.symbology == "]C1");
                CHECK(d.gs1);
                sawGs1Linear = true;
            } else if (d.format == "QRCode") {
                CHECK_FALSE(d.gs1);
                CHECK(d.text.rfind("ADMIX:PREP:", 0) == 0);
                sawQr = true;
            }
        }
    }
    CHECK(sawGs1Matrix);
    CHECK(sawGs1Linear);
    CHECK(sawQr);
}

TEST_CASE("plain ZXing on the full frame misses codes away from the centre that the pipeline reads") {
    const BarcodeReader reader;
    int fullFrame = 0;
    int pipeline = 0;
    for (const auto& rc : renderedTestSet()) {
        if (rc.testCase.category != "anywhere")
            continue;
        for (const auto& e : rc.scene.codes) {
            for (const auto& d : reader.decodeFullFrame(rc.scene.image))
                fullFrame += matches(d, e) ? 1 : 0;
            for (const auto& d : reader.decode(rc.scene.image))
                pipeline += matches(d, e) ? 1 : 0;
        }
    }
    CHECK(pipeline == 2);
    CHECK(fullFrame < pipeline);
}

TEST_CASE("degenerate images give no codes and no crash") {
    const BarcodeReader reader;
    CHECK(reader.decode(cv::Mat()).empty());
    CHECK(reader.decode(cv::Mat(1, 1, CV_8UC1, cv::Scalar(0))).empty());
    CHECK(reader.decode(cv::Mat(1080, 1920, CV_8UC3, cv::Scalar(255, 255, 255))).empty());
    CHECK(reader.decode(cv::Mat(4, 4000, CV_8UC1, cv::Scalar(0))).empty());
    CHECK(reader.decode(cv::Mat(100, 100, CV_16UC1, cv::Scalar(0))).empty());
    cv::Mat noise(540, 960, CV_8UC1);
    cv::RNG(7).fill(noise, cv::RNG::UNIFORM, 0, 256);
    CHECK(reader.decode(noise).empty());
}

TEST_CASE("the locator reports rotated boxes around the code") {
    const BarcodeReader reader;
    const auto& rc = renderedTestSet().front();
    REQUIRE_FALSE(rc.scene.codes.empty());
    const auto& e = rc.scene.codes.front();
    const cv::Point2f centre = (e.corners[0] + e.corners[2]) * 0.5f;
    bool near = false;
    for (const auto& c : reader.locate(rc.scene.image))
        near = near || cv::norm(c.box.center - centre) < cv::norm(e.corners[0] - e.corners[2]);
    CHECK(near);
}

TEST_CASE("the locator tells bars from modules by the coherence of their edges, at any rotation") {
    // Every Data Matrix / QR in the test set lies in a candidate whose edges run every way (below
    // matrixCoherence), every linear code in one whose edges run one way (at or above
    // linearCoherence): the crops between, label text, are not decoded at all.
    const BarcodeReader reader;
    const ReaderOptions& o = reader.options();
    int matrix = 0;
    int linear = 0;
    for (const auto& rc : renderedTestSet()) {
        if (!rc.testCase.readable)
            continue;
        const auto candidates = reader.locate(rc.scene.image);
        for (const auto& e : rc.scene.codes) {
            const cv::Point2f centre = (e.corners[0] + e.corners[2]) * 0.5f;
            const bool isLinear = e.format != "DataMatrix" && e.format != "QRCode";
            bool classified = false;
            for (const auto& c : candidates) {
                std::vector<cv::Point2f> corners(4);
                c.box.points(corners.data());
                if (cv::pointPolygonTest(corners, centre, false) < 0)
                    continue;
                classified = classified ||
                             (isLinear ? c.coherence >= o.linearCoherence : c.coherence < o.matrixCoherence);
            }
            CAPTURE(rc.testCase.name);
            CAPTURE(e.format);
            CHECK(classified);
            (isLinear ? linear : matrix) += 1;
        }
    }
    CHECK(matrix >= 30);
    CHECK(linear >= 4);
}

TEST_CASE("edge coherence: a pure stripe pattern is near 1, a checkerboard of modules near 0") {
    const BarcodeReader reader;
    cv::Mat stripes(400, 400, CV_8UC1, cv::Scalar(255));
    for (int x = 100; x < 300; x += 8)
        cv::rectangle(stripes, cv::Rect(x, 120, 4, 160), cv::Scalar(0), cv::FILLED);
    cv::Mat modules(400, 400, CV_8UC1, cv::Scalar(255));
    cv::RNG rng(3);
    for (int y = 120; y < 280; y += 6)
        for (int x = 120; x < 280; x += 6)
            if (rng.uniform(0, 2) == 1)
                cv::rectangle(modules, cv::Rect(x, y, 6, 6), cv::Scalar(0), cv::FILLED);
    for (const double angle : {0.0, 30.0, 45.0, 100.0}) {
        CAPTURE(angle);
        const cv::Mat turn = cv::getRotationMatrix2D(cv::Point2f(200, 200), angle, 1.0);
        cv::Mat s;
        cv::Mat m;
        cv::warpAffine(stripes, s, turn, stripes.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                       cv::Scalar(255));
        cv::warpAffine(modules, m, turn, modules.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                       cv::Scalar(255));
        const auto sc = reader.locate(s);
        const auto mc = reader.locate(m);
        REQUIRE_FALSE(sc.empty());
        REQUIRE_FALSE(mc.empty());
        CHECK(sc.front().coherence > 0.9);
        CHECK(mc.front().coherence < 0.2);
    }
}
