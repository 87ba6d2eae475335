// Barcode reading anywhere in a frame. ZXing-cpp 1.4 finds a Data Matrix reliably only when the
// symbol crosses the centre of the image it is given, so BarcodeReader first locates candidate
// regions with OpenCV (edge density at half resolution, connected regions, minimum-area rectangles),
// tells bars from modules from text by the coherence of each region's edges, cuts each code-like one
// out upright and centred (rotation removed, small ones enlarged), and hands those crops to ZXing
// with only the symbologies the region can hold. Reads Data Matrix (GS1 or not), QR, Code 128 /
// GS1-128, EAN-13/8, UPC-A/E. Working images are kept per thread, so a warm reader allocates no images.
// A BarcodeReader is immutable after construction: decode() is const and thread-safe. Nothing throws;
// an image it cannot use yields no codes.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <string>
#include <vector>

namespace admix::vision {

// One code read in one frame. `text` is what the symbol holds (GS1: the element string, with GS 0x1D
// between variable-length fields); `symbology` is the AIM identifier ("]d2" = GS1 DataMatrix).
struct DecodedCode {
    std::string format;    // ZXing's name: "DataMatrix", "QRCode", "Code128", "EAN-13", "UPC-A", ...
    std::string symbology; // "]d2", "]C1", "]Q1", "]E0", ...
    std::string text;
    bool gs1 = false;                     // the symbol says its content is a GS1 element string (FNC1 first)
    std::array<cv::Point2f, 4> corners{}; // in frame pixels, symbol top-left first, clockwise
};

enum class Symbologies : unsigned {
    DataMatrix = 1,
    QrCode = 2,
    Code128 = 4,
    EanUpc = 8,
    All = 15,
};

struct ReaderOptions {
    Symbologies symbologies = Symbologies::All;
    double locatorScale = 0.5; // the locator works on the frame scaled by this
    int edgeThreshold =
        40; // |I(x+1)-I(x-1)| + |I(y+1)-I(y-1)| (8-bit, at locator scale) that counts as an edge
    double minMatrixEdgeDensity = 0.40; // fraction of edge pixels in a 5x5 window that makes a 2D-code region
    double minLinearEdgeDensity = 0.30; // ... a linear-code region (edges across its bars only)
    // Edge coherence of a region, (l1 - l2) / (l1 + l2) of its structure tensor: 0 for edges every
    // way, 1 for edges one way. On the generated test set (136 frames, 784 crops) every code read
    // came from a crop below 0.30 (Data Matrix, QR) or at/above 0.70 (Code 128, EAN/UPC); the 445
    // crops between were label text and read nothing. Between the two limits a crop is not decoded.
    double matrixCoherence = 0.40; // matrix codes below this
    double linearCoherence = 0.65; // linear codes at or above this
    int minCodePx = 40;            // regions narrower than 0.6x this (24 px) are not codes: a GS1 drug
                                   // code (GTIN, expiry, lot: 16x16 modules or more) at 2 px/module is
                                   // 32 px or more; lowering it finds smaller codes at more CPU per frame
    // A long region is tried in square windows along its length, and split at its light columns,
    // only when it is at least this wide: narrower, it is a line of label text, and its windows could
    // hold only a code smaller than a drug code (see minCodePx). On the field set's tuning part (640
    // frames) 23,700 of 33,300 crops were windows or splits, 19,500 of them of regions under 40 px;
    // the 11 codes first read in a window or a split all came from regions 75 px wide or more.
    int minWindowedPx = 40;
    int maxCandidates = 24;        // regions decoded per frame at most (largest first)
    int minCropPx = 160;           // crops smaller than this are enlarged (small modules)
    int minCropContrast = 40;      // grey levels between the 5th and 95th percentile of a crop
    double minDarkFraction = 0.12; // of a crop below mid-grey: less is plain label or thin text
    // A region whose edge coherence says text (between the two limits above) is decoded as a matrix
    // code all the same when its box is at most this long for its width: a code beside text, a code
    // under glare or blur can have text-like coherence, and a text line is rarely square.
    double squareTextAspect = 1.35;
    // Matrix crops with fewer grey levels than this between their 5th and 95th percentile are
    // stretched to the full range before ZXing (low contrast, glare).
    int stretchBelowContrast = 110;
    // Never worse than plain ZXing: when the candidates read nothing, or the image is small, ZXing
    // also reads the whole image, scaled so that its longer side is at most fullFrameMaxSide (a
    // 1080p frame at half size, 960x540: cheap enough for every frame without a code).
    bool fullFrameFallback = true;
    int fullFrameMaxSide = 960;
    int smallImagePx = 720; // images no longer than this on both sides: the whole image always, at full size
    // Codes printed light on dark, and codes seen mirrored (a label read from behind through a clear
    // bag): extra decode tries of matrix crops that read nothing, only where the camera is set up
    // for them (each costs a ZXing call per such crop).
    bool tryInverted = false;
    bool tryMirrored = false;
    int maxTurnedCrops = 6; // crops per frame given the inverted / mirrored tries (largest regions first)
    // A light-on-dark code needs a dark quiet zone: crops whose margin round the region is darker
    // than the middle of the crop's range get the inverted try from a budget of their own, this
    // many a frame. Without it, label text larger than the code used up maxTurnedCrops before the
    // inverted code was reached. On a light label nearly no crop has a dark margin.
    int maxDarkInvertedCrops = 6;
    int maxQuietZoneCrops = 4;    // squarish regions per frame tried again with a quiet zone made round them
    double quietZoneAspect = 1.8; // ... at most this long for their width
    bool quietZoneTryHarder = true; // ... with ZXing's second Data Matrix detector too
    bool quietZoneInside = true;    // ... also with the quiet zone made just inside the region's box
    // ... and last cut out again grown by this much: at low contrast or under glare the locator's
    // edges can stop short of the code's outer modules, and ZXing needs the whole symbol.
    double grownRegion = 1.35;
    // The codes read in a region are painted out and the region read again until the codes read
    // cover more than 1 / paintedOutFill of its box.
    double paintedOutFill = 1.25;
};

// What each stage of one decode() cost and read (the benchmark sums these per category).
struct StageStats {
    int tries = 0; // ZXing calls (locate: frames)
    int reads = 0; // codes first read by this stage
    double ms = 0; // thread CPU time
};

struct DecodeStats {
    StageStats locate;     // the OpenCV locator
    StageStats cut;        // crops cut out of the frame and classified (tries: crops cut; no ZXing)
    StageStats crops;      // ZXing on code-like crops
    StageStats squareText; // ZXing on text-like but square crops
    StageStats quietZone;  // ... on crops given a quiet zone (a square region, or a part of a split one)
    StageStats paintedOut; // ... on a region again with the codes read in it painted out
    StageStats grown;      // ... on a squarish region grown (a code only partly inside its region)
    StageStats inverted;   // ... on inverted crops (tryInverted)
    StageStats mirrored;   // ... on mirrored crops (tryMirrored)
    StageStats fullFrame;  // ZXing on the whole (scaled) image
    void add(const DecodeStats& o);
};

// A region that looks like a code: a rotated rectangle in frame pixels.
struct Candidate {
    cv::RotatedRect box;
    double score = 0;     // edge density x area; higher first
    double coherence = 0; // how much its edges run one way: 0 every way (modules, text), 1 one way (bars)
};

namespace detail {
struct ReaderScratch; // per-thread working images (barcode_reader.cpp)
}

class BarcodeReader {
public:
    explicit BarcodeReader(ReaderOptions options = {});

    // Codes in a BGR or grey 8-bit frame, each once. With `stats`, the cost and reads of each stage
    // are added to it.
    [[nodiscard]] std::vector<DecodedCode> decode(const cv::Mat& image, DecodeStats* stats = nullptr) const;
    // The regions decode() would try, best first.
    [[nodiscard]] std::vector<Candidate> locate(const cv::Mat& grey) const;
    // Plain ZXing on the whole frame (no locator): the baseline the benchmark prints beside decode().
    [[nodiscard]] std::vector<DecodedCode> decodeFullFrame(const cv::Mat& image) const;

    [[nodiscard]] const ReaderOptions& options() const { return m_options; }

private:
    [[nodiscard]] std::vector<Candidate> locateIn(const cv::Mat& image, detail::ReaderScratch& scratch,
                                                  double scale) const;
    [[nodiscard]] bool smallImage(const cv::Mat& image) const;

    ReaderOptions m_options;
};

// "]d2", "]C1", "]Q3" and "]e0" mark GS1 content.
[[nodiscard]] bool isGs1Symbology(const std::string& symbology);

} // namespace admix::vision
