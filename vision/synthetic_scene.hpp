// The synthetic hood scene: renders what a camera looking down into a laminar-flow hood sees (steel
// work surface, absorbent pad, vials, syringes, IV bags) with labels that carry real barcodes made
// by the project (GS1 DataMatrix from encodeDataMatrix, GS1-128/EAN/UPC/QR from ZXing's writer),
// and the faults of real pictures: motion, rotation, perspective, curvature on a vial, blur, noise,
// glare, low contrast, over-exposure. Used by the demo camera, the test set and the benchmark.
// Pure functions of their inputs (deterministic for a seed); thread-safe; errors are Results.
#pragma once

#include "formulas/result.hpp"

#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace admix::vision {

enum class CodeKind { DataMatrixGs1, DataMatrix, Gs1_128, Code128, Ean13, UpcA, QrCode };

// What a label carries and how big its modules (or narrow bars) are in label pixels.
struct LabelCode {
    CodeKind kind = CodeKind::DataMatrixGs1;
    std::string data; // for GS1 kinds: the element string, GS (0x1D) between variable fields
    int modulePx = 5;
};

enum class ObjectKind { Vial, Syringe, Bag };

struct SceneObject {
    ObjectKind kind = ObjectKind::Vial;
    cv::Point2f centre{960, 540};
    double angleDeg = 0; // in-plane rotation
    double scale = 1;    // overall size factor
    double tiltX = 0;    // perspective: foreshortening along x and y (0 = flat, 0.3 = strong)
    double tiltY = 0;
    double curvature = 1; // vials: 1 = real cylinder, 0 = flat label
    std::string drug = "ceFAZolin 1 g";
    std::vector<LabelCode> codes; // zero, one (vial, syringe) or two (bag) codes
};

struct SceneEffects {
    double gaussianSigma = 0; // optical defocus, pixels
    double motionPx = 0;      // motion blur length, pixels
    double motionAngleDeg = 0;
    double noiseSigma = 0; // sensor noise, grey levels
    double contrast = 1;   // 1 = as rendered, 0.3 = washed out
    double gain = 1;       // exposure; > 1.6 clips the label
    bool glare = false;    // a specular highlight on the first code's label
    double glareRadius = 60;
};

struct SceneSpec {
    int width = 1920;
    int height = 1080;
    uint64_t seed = 1; // background texture and clutter
    std::vector<SceneObject> objects;
    SceneEffects effects;
};

// A code as a reader must report it: ZXing's format name and text (GS1: the element string with GS),
// and where it landed in the image (clockwise from the symbol's top-left).
struct ExpectedCode {
    std::string format;
    std::string text;
    std::array<cv::Point2f, 4> corners{};
    int modulePx = 0; // module size in the scene, pixels (after scale)
};

struct RenderedScene {
    cv::Mat image; // 8-bit BGR
    std::vector<ExpectedCode> codes;
};

[[nodiscard]] Result<RenderedScene> renderScene(const SceneSpec& spec);

// The barcode image for a code: black on white, `quietModules` of white around it.
[[nodiscard]] Result<cv::Mat> renderCode(const LabelCode& code, int quietModules = 2);

// ZXing's format name for a kind ("DataMatrix", "Code128", "EAN-13", "UPC-A", "QRCode").
[[nodiscard]] std::string formatName(CodeKind kind);

// A plausible drug package element string for the n-th demo product: valid GTIN-14 (US NDC based),
// expiry, lot and serial. Deterministic.
[[nodiscard]] std::string demoGs1(int n);

} // namespace admix::vision
