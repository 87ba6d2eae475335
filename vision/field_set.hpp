// The field test set: GS1 DataMatrix codes the reader was not tuned on. Codes are encoded by three
// independent encoders (Debian's libzint, libdmtx and the project's own), from realistic drug element
// strings ((01) GTIN-14 with a valid check digit, (17) expiry, (10) lot, (21) serial, in varying
// order), printed on labels in several layouts (beside text, touching the label edge, several codes
// per label) and photographed with the faults of a hood camera: any rotation, perspective, a vial's
// curvature, blur, noise, low contrast, glare, JPEG compression, inverted (light on dark) and mirrored
// (read through a clear bag) codes, module sizes 2 to 8 px, and tight crops where the code fills the
// image; plus frames with no code. Two parts: the tuning part (seed, encoder mix of all three) and a
// held-out part (another seed, only libzint and libdmtx, other encodation schemes and rectangular
// symbols) that no tuning looks at. Generated from a seed (deterministic), one case at a time, so that
// nothing large is kept in the repository or in memory. Pure functions; thread-safe; errors are Results.
#pragma once

#include "formulas/result.hpp"
#include "vision/synthetic_scene.hpp"
#include "vision/test_set.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace admix::vision {

enum class FieldEncoder { Project, Zint, Libdmtx };

// The modules of one Data Matrix symbol (square or rectangular), without quiet zone; true = dark.
struct ModuleMatrix {
    int cols = 0;
    int rows = 0;
    std::vector<uint8_t> dark; // row-major
    [[nodiscard]] bool at(int x, int y) const { return dark[static_cast<size_t>(y * cols + x)] != 0; }
};

// One GS1 element string in its two spellings: with GS (0x1D) after each variable-length field that is
// not last (what a reader reports for ]d2), and with bracketed AIs ("[01]...[10]...", zint's input).
struct Gs1Message {
    std::string elementString;
    std::string bracketed;
};

// A plausible drug package message from `rng`: GTIN-14 (NDC based, valid check digit), expiry,
// lot, serial, fields in one of several orders.
[[nodiscard]] Gs1Message randomDrugMessage(cv::RNG& rng);

// A GS1 DataMatrix for `message` from the given encoder. `variant` picks among the encoder's options
// (libdmtx: encodation scheme; zint: square only or also rectangular sizes). Fails naming the encoder.
[[nodiscard]] Result<ModuleMatrix> encodeGs1DataMatrix(FieldEncoder encoder, const Gs1Message& message,
                                                       int variant = 0);

[[nodiscard]] std::string toString(FieldEncoder e);

struct FieldSetOptions {
    uint64_t seed = 18;
    int perCategory = 6;
    bool heldOut = false; // the held-out part: another seed stream and encoder mix
    int width = 1920;
    int height = 1080;
};

// One case, not yet rendered: everything about it follows from (category, seed, heldOut).
struct FieldCaseSpec {
    std::string name;     // "field-rotation-003" / "heldout-rotation-003"
    std::string category; // one of fieldCategories()
    uint64_t seed = 0;
    bool heldOut = false;
    int width = 1920;
    int height = 1080;
};

struct FieldCase {
    FieldCaseSpec spec;
    cv::Mat image;                     // 8-bit BGR (tight crops: small images)
    std::vector<ExpectedCode> codes;   // empty for "nocode"
    std::vector<std::string> encoders; // per code
    bool inverted = false;             // light modules on a dark label
    bool mirrored = false;             // seen from behind (through a clear bag)
};

// The categories, in report order: beside-text, label-edge, multi, rotation, perspective, curved,
// blur, noise, lowcontrast, glare, jpeg, inverted, mirrored, modules, tightcrop, nocode.
[[nodiscard]] const std::vector<std::string>& fieldCategories();

[[nodiscard]] std::vector<FieldCaseSpec> planFieldSet(const FieldSetOptions& options);
[[nodiscard]] Result<FieldCase> renderFieldCase(const FieldCaseSpec& spec);

// Renders every case to DIR/<name>.png (JPEG cases stay PNG after their JPEG round trip, so the
// artefacts are exactly the ones measured) and writes DIR/manifest.json (readManifest format).
[[nodiscard]] Result<std::vector<ManifestEntry>> writeFieldSet(const std::vector<FieldCaseSpec>& cases,
                                                               const std::filesystem::path& dir);

} // namespace admix::vision
