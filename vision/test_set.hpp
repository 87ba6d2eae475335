// The vision test set: synthetic hood scenes with known codes, generated from a seed, covering codes
// anywhere in 1920x1080 frames, every rotation, perspective, curvature on a vial, blur, noise, low
// contrast, small modules, several codes per frame, linear codes, frames with no code, and the
// evidence-quality cases (sharp, blurred, overexposed, glare). Tests generate it into a temp dir (or
// in memory); `admix vision generate-testset` writes it with a manifest.json that `admix bench
// barcode` reads. Pure functions (deterministic for a seed); thread-safe; I/O errors are Results.
#pragma once

#include "formulas/result.hpp"
#include "vision/synthetic_scene.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace admix::vision {

// What evidence capture must say about the image.
enum class QualityExpectation { None, Sharp, Blurred, Overexposed, Glare };

struct TestCase {
    std::string name;     // file stem, e.g. "anywhere-003"
    std::string category; // "anywhere", "rotation", ..., "nocode"
    SceneSpec spec;
    bool readable = true; // every code must be read (false: unreadable by design, may be missed)
    QualityExpectation quality = QualityExpectation::None;
};

struct TestSetOptions {
    uint64_t seed = 1;
    int perCategory = 3; // scenes per category (rotation always covers 12 angles)
    int width = 1920;
    int height = 1080;
};

[[nodiscard]] std::vector<TestCase> makeTestSet(const TestSetOptions& options);
// One code (a GS1 DataMatrix on a vial) anywhere in the frame at any rotation: the benchmark set.
[[nodiscard]] std::vector<TestCase> makeBenchmarkSet(uint64_t seed, int count, int width = 1920,
                                                     int height = 1080);

// A rendered case as written to disk and read back by the benchmark.
struct ManifestEntry {
    std::string file; // relative to the manifest
    std::string category;
    bool readable = true;
    QualityExpectation quality = QualityExpectation::None;
    std::vector<ExpectedCode> codes;
};

// Renders every case to DIR/<name>.png and writes DIR/manifest.json. Fails naming the case or file.
[[nodiscard]] Result<std::vector<ManifestEntry>> writeTestSet(const std::vector<TestCase>& cases,
                                                              const std::filesystem::path& dir);
[[nodiscard]] Result<std::vector<ManifestEntry>> readManifest(const std::filesystem::path& dir);
// Writes DIR/manifest.json for entries whose images are already in DIR.
[[nodiscard]] Status writeManifest(const std::vector<ManifestEntry>& entries,
                                   const std::filesystem::path& dir);

[[nodiscard]] std::string toString(QualityExpectation q);

} // namespace admix::vision
