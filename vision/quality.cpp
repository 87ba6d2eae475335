#include "vision/quality.hpp"

#include "core/asset_paths.hpp"
#include "formulas/input_limits.hpp"

#include <opencv2/imgproc.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

namespace admix::vision {

namespace {

cv::Mat greyOf(const cv::Mat& image) {
    if (image.channels() == 1)
        return image;
    cv::Mat grey;
    cv::cvtColor(image, grey, image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
    return grey;
}

} // namespace

std::filesystem::path defaultQualityFile() {
    return core::assetPath("vision/quality.toml");
}

Result<QualityThresholds> loadQualityThresholds(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Result<QualityThresholds>::fail("cannot read the file", path.string());
    const formulas::InputLimits limits;
    std::string text(limits.maxBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (const auto problem = formulas::tomlShapeProblem(text, limits))
        return Result<QualityThresholds>::fail(*problem, path.string());
    toml::table doc;
    try {
        doc = toml::parse(text, path.string());
    } catch (const toml::parse_error& e) {
        return Result<QualityThresholds>::fail(std::string(e.description()),
                                               path.string() + ":" + std::to_string(e.source().begin.line));
    }
    QualityThresholds t;
    const toml::table* q = doc["quality"].as_table();
    if (q == nullptr)
        return Result<QualityThresholds>::fail("no [quality] table", path.string());
    std::string bad;
    const auto number = [&](const char* key, double& out, double lo, double hi) {
        const toml::node* n = q->get(key);
        if (n == nullptr)
            return;
        const auto v = n->value<double>();
        if (!v || *v < lo || *v > hi) {
            bad = std::string(key) + " must be a number from " + std::to_string(lo) + " to " +
                  std::to_string(hi);
            return;
        }
        out = *v;
    };
    const auto integer = [&](const char* key, int& out, int lo, int hi) {
        double v = out;
        number(key, v, lo, hi);
        if (v != std::floor(v) && bad.empty())
            bad = std::string(key) + " must be a whole number";
        out = static_cast<int>(v);
    };
    number("min_sharpness", t.minSharpness, 0, 100000);
    integer("tile_size", t.tileSize, 8, 1024);
    number("sharp_tile_fraction", t.sharpTileFraction, 0.0001, 1);
    integer("clip_level", t.clipLevel, 128, 255);
    number("max_clipped_fraction", t.maxClippedFraction, 0, 1);
    integer("dark_level", t.darkLevel, 0, 128);
    number("max_dark_fraction", t.maxDarkFraction, 0, 1);
    number("min_glare_area", t.minGlareArea, 0, 1);
    if (!bad.empty())
        return Result<QualityThresholds>::fail(bad, path.string() + " [quality]");
    return t;
}

bool QualityReport::has(QualityProblem p) const {
    return std::find(problems.begin(), problems.end(), p) != problems.end();
}

std::string QualityReport::summary() const {
    std::string out;
    for (const auto& r : reasons)
        out += (out.empty() ? "" : "; ") + r;
    return out;
}

QualityReport assessQuality(const cv::Mat& image, const QualityThresholds& t, const std::string& subject) {
    QualityReport report;
    if (image.empty() || image.depth() != CV_8U) {
        report.problems.push_back(QualityProblem::Underexposed);
        report.reasons.push_back("no image: check that the camera is connected");
        return report;
    }
    const cv::Mat grey = greyOf(image);
    const double pixels = static_cast<double>(grey.total());

    // Focus: variance of the Laplacian per tile, after a light smoothing that keeps sensor noise
    // from passing for detail; the frame is as sharp as its most detailed tiles.
    cv::Mat smooth;
    cv::GaussianBlur(grey, smooth, cv::Size(3, 3), 0);
    cv::Mat lap;
    cv::Laplacian(smooth, lap, CV_32F, 1);
    std::vector<double> tiles;
    const int ts = std::max(8, t.tileSize);
    for (int y = 0; y + ts <= lap.rows || (y == 0 && lap.rows > 0); y += ts) {
        for (int x = 0; x + ts <= lap.cols || (x == 0 && lap.cols > 0); x += ts) {
            const cv::Rect r = cv::Rect(x, y, ts, ts) & cv::Rect(0, 0, lap.cols, lap.rows);
            cv::Scalar mean;
            cv::Scalar dev;
            cv::meanStdDev(lap(r), mean, dev);
            tiles.push_back(dev[0] * dev[0]);
        }
    }
    std::sort(tiles.begin(), tiles.end(), std::greater<>());
    const size_t k =
        std::min(tiles.size() - 1, static_cast<size_t>(std::floor(tiles.size() * t.sharpTileFraction)));
    report.sharpness = tiles.empty() ? 0 : tiles[k];

    cv::Mat clipped = grey >= t.clipLevel;
    report.clippedFraction = cv::countNonZero(clipped) / pixels;
    report.darkFraction = cv::countNonZero(grey <= t.darkLevel) / pixels;
    report.meanLevel = cv::mean(grey)[0];

    // Glare: the largest blown-out blob (isolated clipped pixels are noise, not glare).
    cv::morphologyEx(clipped, clipped, cv::MORPH_OPEN,
                     cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5)));
    cv::Mat labels;
    cv::Mat stats;
    cv::Mat centroids;
    const int n = cv::connectedComponentsWithStats(clipped, labels, stats, centroids, 8, CV_32S);
    int largest = 0;
    for (int i = 1; i < n; ++i)
        largest = std::max(largest, stats.at<int>(i, cv::CC_STAT_AREA));
    report.glareFraction = largest / pixels;

    char figures[96];
    if (report.clippedFraction > t.maxClippedFraction) {
        report.problems.push_back(QualityProblem::Overexposed);
        std::snprintf(figures, sizeof figures, " (%.0f%% of the picture is white, limit %.0f%%)",
                      report.clippedFraction * 100, t.maxClippedFraction * 100);
        report.reasons.push_back("overexposed: too much light, lower the exposure or move the " + subject +
                                 " out of the direct light" + figures);
    } else if (report.glareFraction >= t.minGlareArea) {
        report.problems.push_back(QualityProblem::Glare);
        report.reasons.push_back("glare on the label: tilt the " + subject +
                                 " a little so the light does not reflect into the camera");
    }
    if (report.darkFraction > t.maxDarkFraction) {
        report.problems.push_back(QualityProblem::Underexposed);
        report.reasons.push_back("too dark: switch on the hood light or raise the exposure");
    }
    if (report.sharpness < t.minSharpness) {
        report.problems.push_back(QualityProblem::Blurred);
        std::snprintf(figures, sizeof figures, " (sharpness %.0f, needs %.0f)", report.sharpness,
                      t.minSharpness);
        report.reasons.push_back("blurred: hold the " + subject + " still and keep it in the focus area" +
                                 figures);
    }
    return report;
}

} // namespace admix::vision
