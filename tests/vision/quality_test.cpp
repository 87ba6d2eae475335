#include "tests/vision/vision_test_support.hpp"

#include "vision/quality.hpp"

#include "tests/test_support.hpp"

#include <doctest/doctest.h>

using namespace admix::vision;

namespace {

QualityThresholds shipped() {
    auto t = loadQualityThresholds(std::filesystem::path(ADMIX_ASSETS_DIR) / "vision/quality.toml");
    REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().text()));
    return *t;
}

} // namespace

TEST_CASE("the shipped thresholds load") {
    const QualityThresholds t = shipped();
    CHECK(t.minSharpness == doctest::Approx(60));
    CHECK(t.clipLevel == 250);
    CHECK(t.maxClippedFraction == doctest::Approx(0.12));
    CHECK(t.minGlareArea == doctest::Approx(0.0015));
}

TEST_CASE("bad threshold files are refused naming the key") {
    admix::test::TempDir dir;
    admix::test::writeFile(dir / "a.toml", "[quality]\nclip_level = 300\n");
    auto r = loadQualityThresholds(dir / "a.toml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("clip_level") != std::string::npos);
    admix::test::writeFile(dir / "b.toml", "[other]\n");
    r = loadQualityThresholds(dir / "b.toml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("[quality]") != std::string::npos);
    admix::test::writeFile(dir / "c.toml", "[quality\n");
    CHECK_FALSE(loadQualityThresholds(dir / "c.toml").ok());
    admix::test::writeFile(dir / "d.toml", "[quality]\ntile_size = 12.5\n");
    CHECK_FALSE(loadQualityThresholds(dir / "d.toml").ok());
    admix::test::writeFile(dir / "e.toml", "[quality]\nmin_sharpness = 90\n");
    r = loadQualityThresholds(dir / "e.toml");
    REQUIRE(r.ok());
    CHECK(r->minSharpness == doctest::Approx(90));
    CHECK(r->clipLevel == 250); // not in the file: default
}

TEST_CASE("the quality check sorts the test set's evidence photos") {
    const QualityThresholds t = shipped();
    int checked = 0;
    for (const auto& rc : test::renderedTestSet()) {
        const QualityExpectation q = rc.testCase.quality;
        if (q == QualityExpectation::None)
            continue;
        CAPTURE(rc.testCase.name);
        const QualityReport r = assessQuality(rc.scene.image, t, "vial");
        CAPTURE(r.sharpness);
        CAPTURE(r.clippedFraction);
        CAPTURE(r.glareFraction);
        ++checked;
        switch (q) {
        case QualityExpectation::Sharp:
            CHECK(r.acceptable());
            CHECK(r.summary().empty());
            break;
        case QualityExpectation::Blurred:
            CHECK(r.has(QualityProblem::Blurred));
            CHECK(r.summary().find("blurred: hold the vial still") != std::string::npos);
            break;
        case QualityExpectation::Overexposed:
            CHECK(r.has(QualityProblem::Overexposed));
            CHECK(r.summary().find("overexposed") != std::string::npos);
            break;
        case QualityExpectation::Glare:
            CHECK(r.has(QualityProblem::Glare));
            CHECK_FALSE(r.has(QualityProblem::Overexposed));
            CHECK(r.summary().find("glare on the label: tilt the vial") != std::string::npos);
            break;
        case QualityExpectation::None:
            break;
        }
    }
    CHECK(checked == 8);
}

TEST_CASE("a dark frame and an empty frame are refused") {
    const QualityThresholds t = shipped();
    const auto dark = assessQuality(cv::Mat(480, 640, CV_8UC3, cv::Scalar(3, 3, 3)), t);
    CHECK(dark.has(QualityProblem::Underexposed));
    CHECK(dark.has(QualityProblem::Blurred));
    CHECK_FALSE(assessQuality(cv::Mat(), t).acceptable());
}
