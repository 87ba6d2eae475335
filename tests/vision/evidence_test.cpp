#include "tests/vision/vision_test_support.hpp"

#include "vision/evidence.hpp"
#include "vision/image_file.hpp"

#include <doctest/doctest.h>

#include <sodium.h>

using namespace admix::vision;

namespace {

const RenderedScene& sceneOf(QualityExpectation q) {
    for (const auto& rc : test::renderedTestSet())
        if (rc.testCase.quality == q)
            return rc.scene;
    throw std::runtime_error("no such quality case");
}

EvidenceCaption caption() {
    EvidenceCaption c;
    c.preparationId = "P-2026-000417";
    c.step = "draw ceFAZolin";
    c.drug = "ceFAZolin 1 g / 10 mL";
    c.target = "2.5 mL (2.54 g)";
    c.measured = "2.48 mL (2.52 g)";
    c.user = "tech.alvarez";
    c.takenAt = admix::parseIsoUtc("2026-11-21T22:03:43Z").value();
    c.subject = "vial";
    return c;
}

QualityThresholds thresholds() {
    return loadQualityThresholds(std::filesystem::path(ADMIX_ASSETS_DIR) / "vision/quality.toml").value();
}

} // namespace

TEST_CASE("SHA-256 hex matches the FIPS 180-2 'abc' vector") {
    REQUIRE(sodium_init() >= 0);
    CHECK(sha256Hex({'a', 'b', 'c'}) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256Hex({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("a sharp photo becomes an annotated JPEG with its hash and a thumbnail") {
    const auto& scene = sceneOf(QualityExpectation::Sharp);
    const auto photo = makeEvidencePhoto(scene.image, caption(), thresholds());
    REQUIRE_MESSAGE(photo.ok(), (photo.ok() ? "" : photo.error().text()));
    CHECK(photo->width == 1920);
    CHECK(photo->height > 1080); // the caption band is added under the picture, covering nothing
    CHECK(photo->jpeg.size() > 10000);
    CHECK(photo->jpeg[0] == 0xFF);
    CHECK(photo->jpeg[1] == 0xD8);
    CHECK(photo->sha256.size() == 64);
    CHECK(photo->sha256 == sha256Hex(photo->jpeg));
    const auto decoded = decodeImageBytes(photo->jpeg, "photo");
    REQUIRE(decoded.ok());
    CHECK(decoded->cols == photo->width);
    CHECK(decoded->rows == photo->height);
    // The picture itself is unchanged above the band (JPEG-close), the band is dark.
    cv::Mat top = (*decoded)(cv::Rect(0, 0, 1920, 1080));
    CHECK(cv::norm(top, scene.image, cv::NORM_L1) / static_cast<double>(top.total() * 3) < 4.0);
    CHECK(cv::mean((*decoded)(cv::Rect(0, 1085, 1920, photo->height - 1085)))[0] < 80);
    const auto thumb = decodeImageBytes(photo->thumbnail, "thumbnail");
    REQUIRE(thumb.ok());
    CHECK(std::max(thumb->cols, thumb->rows) == 320);
    CHECK(photo->thumbnailSha256 == sha256Hex(photo->thumbnail));
    // Same input, same bytes: the content address is reproducible.
    const auto again = makeEvidencePhoto(scene.image, caption(), thresholds());
    REQUIRE(again.ok());
    CHECK(again->sha256 == photo->sha256);
}

TEST_CASE("evidence capture refuses the blurred and overexposed and glared photos and says why") {
    const auto t = thresholds();
    const auto blurred = makeEvidencePhoto(sceneOf(QualityExpectation::Blurred).image, caption(), t);
    REQUIRE_FALSE(blurred.ok());
    CHECK(blurred.error().message.find("blurred: hold the vial still") != std::string::npos);
    const auto over = makeEvidencePhoto(sceneOf(QualityExpectation::Overexposed).image, caption(), t);
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().message.find("overexposed") != std::string::npos);
    const auto glare = makeEvidencePhoto(sceneOf(QualityExpectation::Glare).image, caption(), t);
    REQUIRE_FALSE(glare.ok());
    CHECK(glare.error().message.find("glare on the label") != std::string::npos);
    const auto none = makeEvidencePhoto(cv::Mat(), caption(), t);
    REQUIRE_FALSE(none.ok());
}
