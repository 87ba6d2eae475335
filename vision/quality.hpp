// Image quality for evidence photos and for telling the technician what to fix: focus (variance of
// the Laplacian, taken in the most detailed tiles so that a sharp label on a plain work surface
// counts as sharp), exposure (clipped and dark pixels, mean level) and glare (a blown-out highlight
// in an otherwise well exposed frame). The thresholds are data (QualityThresholds, loaded from
// assets/vision/quality.toml). Pure functions, thread-safe; loading errors are Results naming the key.
#pragma once

#include "formulas/result.hpp"

#include <opencv2/core.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace admix::vision {

struct QualityThresholds {
    double minSharpness = 60;         // focus measure below this: blurred
    int tileSize = 64;                // focus is measured per tile of this many pixels ...
    double sharpTileFraction = 0.02;  // ... and taken at this top fraction of tiles
    int clipLevel = 250;              // grey level counted as clipped (blown out)
    double maxClippedFraction = 0.12; // more of the frame clipped than this: overexposed
    int darkLevel = 12;
    double maxDarkFraction = 0.6; // more of the frame this dark: underexposed
    double minGlareArea = 0.0015; // a clipped blob at least this fraction of the frame: glare
};

// Loads [quality] thresholds from a TOML file; keys missing from the file keep their defaults.
[[nodiscard]] Result<QualityThresholds> loadQualityThresholds(const std::filesystem::path& path);
// The project's defaults shipped in assets/vision/quality.toml.
[[nodiscard]] std::filesystem::path defaultQualityFile();

enum class QualityProblem { Blurred, Overexposed, Underexposed, Glare };

struct QualityReport {
    double sharpness = 0;       // focus measure (higher is sharper)
    double clippedFraction = 0; // of the frame
    double darkFraction = 0;
    double meanLevel = 0;
    double glareFraction = 0; // largest clipped blob, fraction of the frame
    std::vector<QualityProblem> problems;
    std::vector<std::string> reasons; // one sentence per problem, for the technician

    [[nodiscard]] bool acceptable() const { return problems.empty(); }
    [[nodiscard]] bool has(QualityProblem p) const;
    // All reasons in one line ("" when acceptable).
    [[nodiscard]] std::string summary() const;
};

// `subject` names what is photographed in the advice ("syringe", "vial", "bag").
[[nodiscard]] QualityReport assessQuality(const cv::Mat& image, const QualityThresholds& thresholds,
                                          const std::string& subject = "syringe");

} // namespace admix::vision
