#include "vision/barcode_reader.hpp"

#include <ZXing/ReadBarcode.h>

#include <opencv2/core/hal/intrin.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>

namespace admix::vision {

namespace detail {
// Per-thread working images: once warm, a frame of the same size allocates (and page-faults)
// nothing. decode() stays const and thread-safe: each thread has its own.
struct ReaderScratch {
    cv::Mat small;
    cv::Mat dx;
    cv::Mat dy;
    cv::Mat edges;
    cv::Mat density;       // opened 5x5 (matrix codes)
    cv::Mat densityLinear; // opened 3x3 (linear codes)
    cv::Mat mask;
    cv::Mat regionMask;
    cv::Mat depth;
    cv::Mat frameGrey;
    // The crops change size with every region: each is a header over memory of its own that only
    // grows (see fit()), so cutting a crop out neither allocates nor page-faults.
    cv::Mat crop;
    cv::Mat alternate; // the crop inverted or mirrored
    cv::Mat quieted;   // the crop with a quiet zone made round its region
    std::vector<uint8_t> cropStore;
    std::vector<uint8_t> alternateStore;
    std::vector<uint8_t> quietedStore;
    cv::Mat whole; // the whole image, scaled for the fallback
};
} // namespace detail

using Scratch = detail::ReaderScratch;

namespace {

ZXing::BarcodeFormats zxingFormats(Symbologies s) {
    const auto bits = static_cast<unsigned>(s);
    ZXing::BarcodeFormats f;
    if (bits & static_cast<unsigned>(Symbologies::DataMatrix))
        f |= ZXing::BarcodeFormat::DataMatrix;
    if (bits & static_cast<unsigned>(Symbologies::QrCode))
        f |= ZXing::BarcodeFormat::QRCode;
    if (bits & static_cast<unsigned>(Symbologies::Code128))
        f |= ZXing::BarcodeFormat::Code128;
    if (bits & static_cast<unsigned>(Symbologies::EanUpc))
        f |= ZXing::BarcodeFormat::EAN13 | ZXing::BarcodeFormat::EAN8 | ZXing::BarcodeFormat::UPCA |
             ZXing::BarcodeFormat::UPCE;
    return f;
}

Scratch& scratch() {
    thread_local Scratch s;
    return s;
}

// 8-bit grey, BGR or BGRA.
bool convertibleToGrey(const cv::Mat& image) {
    return !image.empty() && image.depth() == CV_8U &&
           (image.channels() == 1 || image.channels() == 3 || image.channels() == 4);
}

// ... and at least 8x8.
bool usableFrame(const cv::Mat& image) {
    return convertibleToGrey(image) && image.cols >= 8 && image.rows >= 8;
}

// `view` made a `size` 8-bit grey image over `store`, grown when too small. OpenCV's create() on a
// header of the size asked for does nothing, so functions writing into `view` keep using `store`.
cv::Mat& fit(cv::Mat& view, std::vector<uint8_t>& store, cv::Size size) {
    const size_t need = static_cast<size_t>(size.area());
    if (store.size() < need)
        store.resize(need + need / 2);
    if (view.data != store.data() || view.size() != size || view.type() != CV_8UC1)
        view = cv::Mat(size, CV_8UC1, store.data());
    return view;
}

// The grey-level histogram of an 8-bit image.
void histogramOf(const cv::Mat& image, std::array<int, 256>& histogram) {
    histogram.fill(0);
    for (int y = 0; y < image.rows; ++y) {
        const uint8_t* row = image.ptr<uint8_t>(y);
        for (int x = 0; x < image.cols; ++x)
            ++histogram[row[x]];
    }
}

// The grey level at `rank` (0-based) of the image's pixels sorted by level: the smallest level
// with more than `rank` pixels at or below it (255 past the end).
int greyAtRank(const std::array<int, 256>& histogram, long rank) {
    long seen = 0;
    for (int v = 0; v < 256; ++v) {
        seen += histogram[static_cast<size_t>(v)];
        if (seen > rank)
            return v;
    }
    return 255;
}

// `image` (convertibleToGrey) in grey, into `buffer` unless it is grey already.
const cv::Mat& greyInto(const cv::Mat& image, cv::Mat& buffer) {
    if (image.channels() == 1)
        return image;
    cv::cvtColor(image, buffer, image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
    return buffer;
}

// Edges: 1 where |I(x+1) - I(x-1)| + |I(y+1) - I(y-1)| exceeds `limit` (for a clean step, its
// height), else 0; the one-pixel border is 0. One pass on 16 pixels at a time (OpenCV's universal
// intrinsics, saturating 8-bit arithmetic).
void edgeMap(const cv::Mat& grey, cv::Mat& edges, int limit) {
    edges.create(grey.size(), CV_8UC1);
    edges.row(0).setTo(0);
    edges.row(grey.rows - 1).setTo(0);
    const int cols = grey.cols;
    const int cap = std::clamp(limit, 0, 254);
    for (int y = 1; y < grey.rows - 1; ++y) {
        const uint8_t* up = grey.ptr<uint8_t>(y - 1);
        const uint8_t* row = grey.ptr<uint8_t>(y);
        const uint8_t* down = grey.ptr<uint8_t>(y + 1);
        uint8_t* out = edges.ptr<uint8_t>(y);
        out[0] = 0;
        out[cols - 1] = 0;
        int x = 1;
#if CV_SIMD128
        const cv::v_uint8x16 threshold = cv::v_setall_u8(static_cast<uint8_t>(cap));
        const cv::v_uint8x16 one = cv::v_setall_u8(1);
        for (; x + 17 <= cols; x += 16) {
            const cv::v_uint8x16 dx = cv::v_absdiff(cv::v_load(row + x + 1), cv::v_load(row + x - 1));
            const cv::v_uint8x16 dy = cv::v_absdiff(cv::v_load(down + x), cv::v_load(up + x));
            cv::v_store(out + x, (dx + dy > threshold) & one); // + saturates at 255
        }
#endif
        for (; x < cols - 1; ++x) {
            const int dx = std::abs(row[x + 1] - row[x - 1]);
            const int dy = std::abs(down[x] - up[x]);
            out[x] = std::min(dx + dy, 255) > cap ? 1 : 0;
        }
    }
}

ZXing::DecodeHints hintsFor(const ReaderOptions& o) {
    ZXing::DecodeHints hints;
    hints.setFormats(zxingFormats(o.symbologies));
    hints.setTryHarder(true);
    hints.setTryRotate(true);
    hints.setTryDownscale(false); // see decodeFullFrame: never with linear formats in ZXing 1.4
    hints.setMinLineCount(3);     // a linear code must agree on three scan lines
    return hints;
}

DecodedCode fromZxing(const ZXing::Result& r, const cv::Matx23d& cropToFrame) {
    DecodedCode code;
    code.format = ZXing::ToString(r.format());
    code.symbology = r.symbologyIdentifier();
    code.text = r.text();
    code.gs1 = isGs1Symbology(code.symbology);
    const auto& p = r.position();
    const std::array<ZXing::PointI, 4> pts{p.topLeft(), p.topRight(), p.bottomRight(), p.bottomLeft()};
    for (size_t i = 0; i < 4; ++i) {
        const cv::Vec3d v(pts[i].x + 0.5, pts[i].y + 0.5, 1.0);
        const cv::Vec2d m = cropToFrame * v;
        code.corners[i] = cv::Point2f(static_cast<float>(m[0]), static_cast<float>(m[1]));
    }
    return code;
}

cv::Point2f centreOf(const DecodedCode& c) {
    return (c.corners[0] + c.corners[1] + c.corners[2] + c.corners[3]) * 0.25f;
}

bool sameCode(const DecodedCode& a, const DecodedCode& b) {
    if (a.format != b.format || a.text != b.text)
        return false;
    const double size =
        std::max(cv::norm(a.corners[0] - a.corners[2]), cv::norm(b.corners[0] - b.corners[2]));
    return cv::norm(centreOf(a) - centreOf(b)) < std::max(8.0, size);
}

void addUnique(std::vector<DecodedCode>& out, DecodedCode code) {
    for (const auto& c : out)
        if (sameCode(c, code))
            return;
    out.push_back(std::move(code));
}

bool insideCode(const std::vector<DecodedCode>& found, const cv::Point2f& p) {
    for (const auto& c : found) {
        std::vector<cv::Point2f> poly(c.corners.begin(), c.corners.end());
        if (cv::pointPolygonTest(poly, p, false) >= 0)
            return true;
    }
    return false;
}

// Cuts `box` (grown by a quiet-zone margin) out of the frame, upright, enlarged to at least minSide.
// Returns the crop and the affine map from crop pixels back to frame pixels.
// `inner` (when given) receives the box itself in crop pixels.
const cv::Mat& cutOut(const cv::Mat& grey, const cv::RotatedRect& box, int minSide, cv::Matx23d& cropToFrame,
                      cv::Mat& crop, std::vector<uint8_t>& store, cv::Rect* inner = nullptr) {
    double w = box.size.width;
    double h = box.size.height;
    double angle = box.angle;
    // Keep crops landscape-or-square with the smallest rotation.
    if (h > w) {
        std::swap(w, h);
        angle += 90;
    }
    const double margin = 0.08 * std::max(w, h) + 6;
    w += 2 * margin;
    h += 2 * margin;
    const double scale = std::clamp(minSide / std::min(w, h), 1.0, 4.0);
    const int cw = static_cast<int>(std::ceil(w * scale));
    const int ch = static_cast<int>(std::ceil(h * scale));
    const double a = angle * CV_PI / 180.0;
    const double c = std::cos(a);
    const double s = std::sin(a);
    // Crop -> frame: rotate by `angle` about the box centre, scale down by `scale`.
    const double cx = cw / 2.0;
    const double cy = ch / 2.0;
    cropToFrame = cv::Matx23d(c / scale, -s / scale, box.center.x - (c * cx - s * cy) / scale, //
                              s / scale, c / scale, box.center.y - (s * cx + c * cy) / scale);
    cv::warpAffine(grey, fit(crop, store, cv::Size(cw, ch)), cv::Mat(cropToFrame), cv::Size(cw, ch),
                   cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
    if (inner != nullptr) {
        const int mx = static_cast<int>(std::floor(margin * scale));
        *inner =
            cv::Rect(mx, mx, std::max(1, cw - 2 * mx), std::max(1, ch - 2 * mx)) & cv::Rect(0, 0, cw, ch);
    }
    return crop;
}

// The crop with everything outside `keep` (grown by `pad`) set to its light level (the 95th
// percentile inside): a quiet zone for a code whose own is missing (touching the label edge, or a
// neighbouring code). `out` is sized with `store` (see fit()).
void quietAround(const cv::Mat& crop, cv::Rect keep, int pad, cv::Mat& out, std::vector<uint8_t>& store) {
    crop.copyTo(fit(out, store, crop.size()));
    keep = cv::Rect(keep.x - pad, keep.y - pad, keep.width + 2 * pad, keep.height + 2 * pad) &
           cv::Rect(0, 0, crop.cols, crop.rows);
    if (keep.empty())
        return;
    std::array<int, 256> histogram{};
    histogramOf(crop(keep), histogram);
    const cv::Scalar fill(greyAtRank(histogram, static_cast<long>(keep.area()) * 95 / 100));
    out(cv::Rect(0, 0, out.cols, keep.y)).setTo(fill);
    out(cv::Rect(0, keep.br().y, out.cols, out.rows - keep.br().y)).setTo(fill);
    out(cv::Rect(0, keep.y, keep.x, keep.height)).setTo(fill);
    out(cv::Rect(keep.br().x, keep.y, out.cols - keep.br().x, keep.height)).setTo(fill);
}

// Runs [x0, x1) of columns in `band` of an upright crop that hold dark pixels, split where whole
// columns are light: the quiet zones between codes printed side by side (a Data Matrix has a dark
// pixel in every column, its solid bottom edge). Only runs at least minWidth wide.
std::vector<std::pair<int, int>> darkRuns(const cv::Mat& crop, cv::Rect band, int minWidth) {
    std::vector<std::pair<int, int>> runs;
    band &= cv::Rect(0, 0, crop.cols, crop.rows);
    if (band.empty())
        return runs;
    cv::Mat binary;
    cv::threshold(crop(band), binary, 0, 1, cv::THRESH_BINARY_INV | cv::THRESH_OTSU); // 1 = dark
    cv::Mat columns;
    cv::reduce(binary, columns, 0, cv::REDUCE_SUM, CV_32S);
    const int quiet = std::max(1, band.height / 50);
    int start = -1;
    for (int x = 0; x <= band.width; ++x) {
        const bool dark = x < band.width && columns.at<int>(0, x) > quiet;
        if (dark && start < 0)
            start = x;
        if (!dark && start >= 0) {
            if (x - start >= minWidth)
                runs.emplace_back(band.x + start, band.x + x);
            start = -1;
        }
    }
    return runs;
}

// How much the gradients in a region point one way: (l1 - l2) / (l1 + l2) of the structure tensor
// (sums of dx*dx, dy*dy, dx*dy), 0 for edges every way (text, matrix codes), near 1 for parallel
// edges (the bars of a linear code) at any rotation.
double edgeCoherence(const cv::Mat& dx, const cv::Mat& dy, const cv::Mat& mask) {
    double xx = 0;
    double yy = 0;
    double xy = 0;
    for (int y = 0; y < mask.rows; ++y) {
        const int16_t* gx = dx.ptr<int16_t>(y);
        const int16_t* gy = dy.ptr<int16_t>(y);
        const uint8_t* m = mask.ptr<uint8_t>(y);
        for (int x = 0; x < mask.cols; ++x) {
            if (m[x] == 0)
                continue;
            const double a = gx[x];
            const double b = gy[x];
            xx += a * a;
            yy += b * b;
            xy += a * b;
        }
    }
    const double trace = xx + yy;
    if (trace <= 0)
        return 0;
    return std::sqrt((xx - yy) * (xx - yy) + 4 * xy * xy) / trace;
}

enum class CropKind { Nothing, Matrix, Linear, Either, SquareText };

double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Adds the thread CPU time of its scope to a stage (nothing without stats).
class StageClock {
public:
    explicit StageClock(StageStats* stage) : m_stage(stage), m_t0(stage ? threadCpuMs() : 0) {}
    ~StageClock() {
        if (m_stage)
            m_stage->ms += threadCpuMs() - m_t0;
    }
    StageClock(const StageClock&) = delete;
    StageClock& operator=(const StageClock&) = delete;

private:
    StageStats* m_stage;
    double m_t0;
};

// What a crop can hold, from cheap statistics: too flat (steel, plain label) holds nothing; mostly
// light with thin dark strokes is text; then the region's edge coherence (rotation-free, measured by
// the locator) says bars (edges one way: linear), modules (edges every way: matrix) or, in between,
// lines of text.
// `lo` and `hi` receive the crop's 5th and 95th percentile grey levels.
// The grey levels of `crop` at its 5th and 95th percentile, and its histogram.
void levels(const cv::Mat& crop, std::array<int, 256>& histogram, int& lo, int& hi) {
    histogramOf(crop, histogram);
    const double total = static_cast<double>(crop.total());
    // The first level with at least fraction * total pixels at or below it.
    const auto level = [&](double fraction) {
        return greyAtRank(histogram, static_cast<long>(std::ceil(fraction * total)) - 1);
    };
    lo = level(0.05);
    hi = level(0.95);
}

// Edges mostly, not wholly, one way and a region too long to be a matrix code: lines of text
// (see ReaderOptions), whatever the crop's grey levels.
bool textByEdges(double coherence, double aspect, const ReaderOptions& o) {
    return coherence >= o.matrixCoherence && coherence < o.linearCoherence && aspect > o.squareTextAspect;
}

CropKind classify(const cv::Mat& crop, double coherence, double aspect, const ReaderOptions& o, int& lo,
                  int& hi) {
    std::array<int, 256> histogram{};
    levels(crop, histogram, lo, hi);
    const double total = static_cast<double>(crop.total());
    if (hi - lo < o.minCropContrast)
        return CropKind::Nothing;
    const int mid = (lo + hi) / 2;
    double dark = 0;
    for (int v = 0; v < mid; ++v)
        dark += histogram[static_cast<size_t>(v)];
    if (dark / total < o.minDarkFraction)
        return CropKind::Nothing;
    if (coherence >= o.linearCoherence)
        return CropKind::Linear;
    if (coherence < o.matrixCoherence)
        return CropKind::Matrix;
    // Edges mostly, not wholly, one way: text, unless the region is square.
    return textByEdges(coherence, aspect, o) ? CropKind::Nothing : CropKind::SquareText;
}

} // namespace

bool isGs1Symbology(const std::string& s) {
    return s == "]d2" || s == "]C1" || s == "]Q3" || s == "]e0";
}

BarcodeReader::BarcodeReader(ReaderOptions options) : m_options(options) {}

void DecodeStats::add(const DecodeStats& o) {
    for (auto [mine, theirs] : {std::pair{&locate, &o.locate}, std::pair{&cut, &o.cut},
                                std::pair{&crops, &o.crops}, std::pair{&squareText, &o.squareText},
                                std::pair{&quietZone, &o.quietZone}, std::pair{&paintedOut, &o.paintedOut},
                                std::pair{&grown, &o.grown}, std::pair{&inverted, &o.inverted},
                                std::pair{&mirrored, &o.mirrored}, std::pair{&fullFrame, &o.fullFrame}}) {
        mine->tries += theirs->tries;
        mine->reads += theirs->reads;
        mine->ms += theirs->ms;
    }
}

bool BarcodeReader::smallImage(const cv::Mat& image) const {
    return image.cols <= m_options.smallImagePx && image.rows <= m_options.smallImagePx;
}

std::vector<Candidate> BarcodeReader::locate(const cv::Mat& image) const {
    if (!usableFrame(image))
        return {};
    return locateIn(image, scratch(), m_options.locatorScale);
}

std::vector<Candidate> BarcodeReader::locateIn(const cv::Mat& image, Scratch& s,
                                               double requestedScale) const {
    std::vector<Candidate> out;
    const double scale = std::clamp(requestedScale, 0.125, 1.0);
    const cv::Mat& grey = greyInto(image, s.frameGrey);
    const cv::Mat* reduced = &grey;
    if (scale < 1.0) {
        cv::resize(grey, s.small, cv::Size(), scale, scale, cv::INTER_AREA);
        reduced = &s.small;
    }
    const cv::Mat& small = *reduced;
    if (small.cols < 8 || small.rows < 8)
        return out;

    // Edge density: the number of edge pixels in a 5x5 window (about one small module wide). A
    // matrix code has an edge at nearly every module boundary in both directions; a linear code only
    // across its bars, so it is found at a lower density and kept only if its edges run one way
    // (label text at that density is what costs decoding time, and it runs every way).
    edgeMap(small, s.edges, m_options.edgeThreshold);
    static const cv::Mat kOnes = cv::Mat::ones(5, 1, CV_32F);
    cv::sepFilter2D(s.edges, s.density, CV_8U, kOnes, kOnes, cv::Point(-1, -1), 0, cv::BORDER_CONSTANT);
    // Close small gaps, then drop specks and thin lines. Min and max filters commute with a
    // threshold, so this is done on the density and holds for the thresholds below. For matrix
    // codes the opening is 5x5: the edge of a pad, a tray or a label against the steel is a band of
    // edges narrower than that, and a code touching it would otherwise join its outline and be lost
    // with it (the outline test below); a code is far wider (12 locator pixels at the least). Linear
    // codes keep a 3x3 opening: between their wide bars the density dips, and 5x5 breaks them up.
    const cv::Mat square = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3));
    const cv::Mat wide = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(5, 5));
    cv::morphologyEx(s.density, s.density, cv::MORPH_CLOSE, square);
    cv::morphologyEx(s.density, s.densityLinear, cv::MORPH_OPEN, square);
    cv::morphologyEx(s.density, s.density, cv::MORPH_OPEN, wide);
    const double minSide = m_options.minCodePx * scale; // in locator pixels
    const float inv = static_cast<float>(1.0 / scale);
    const auto toFrame = [inv](cv::Point2f p) { // pixel centres to pixel centres
        return (p + cv::Point2f(0.5f, 0.5f)) * inv - cv::Point2f(0.5f, 0.5f);
    };
    for (const bool linear : {false, true}) {
        const double density = linear ? m_options.minLinearEdgeDensity : m_options.minMatrixEdgeDensity;
        cv::threshold(linear ? s.densityLinear : s.density, s.mask, 25 * density, 255, cv::THRESH_BINARY);
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(s.mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
        const size_t matrixCandidates = out.size();
        for (const auto& contour : contours) {
            const double area = cv::contourArea(contour);
            if (area < minSide * minSide * 0.5)
                continue;
            cv::RotatedRect box = cv::minAreaRect(contour);
            if (std::min(box.size.width, box.size.height) < minSide * 0.6)
                continue;
            // The region itself, one pixel of background around it: the outline filled, minus its
            // holes. An outline that encloses much but holds little (the edge of a pad, a tray, a
            // drape) is not a code; a code's region has holes only between its wider bars or modules.
            const cv::Rect bounds = cv::boundingRect(contour) & cv::Rect(0, 0, s.mask.cols, s.mask.rows);
            s.regionMask.create(bounds.height + 2, bounds.width + 2, CV_8UC1);
            s.regionMask.setTo(0);
            cv::Mat inner = s.regionMask(cv::Rect(1, 1, bounds.width, bounds.height));
            cv::drawContours(inner, std::vector<std::vector<cv::Point>>{contour}, 0, cv::Scalar(255),
                             cv::FILLED, cv::LINE_8, cv::noArray(), 0, -bounds.tl());
            cv::bitwise_and(inner, s.mask(bounds), inner);
            if (cv::countNonZero(inner) < 0.25 * area)
                continue;
            const cv::Point2f centre = toFrame(box.center);
            if (linear) {
                // Already a matrix candidate: not again as a linear one.
                bool known = false;
                for (size_t i = 0; i < matrixCandidates && !known; ++i) {
                    std::vector<cv::Point2f> corners(4);
                    out[i].box.points(corners.data());
                    known = cv::pointPolygonTest(corners, centre, false) >= 0;
                }
                if (known)
                    continue;
            }
            cv::Sobel(small(bounds), s.dx, CV_16S, 1, 0, 3);
            cv::Sobel(small(bounds), s.dy, CV_16S, 0, 1, 3);
            const double coherence = edgeCoherence(s.dx, s.dy, inner);
            if (linear && coherence < m_options.linearCoherence)
                continue; // edges not mostly one way: text, not bars
            const double fill = area / std::max(1.0f, box.size.area());
            Candidate c;
            c.box =
                cv::RotatedRect(centre, cv::Size2f(box.size.width * inv, box.size.height * inv), box.angle);
            c.score = area / (scale * scale) * fill;
            c.coherence = coherence;
            if (fill >=
                0.35) // sparse shapes (streaks, outlines, a code joined to text) only by their deepest point
                out.push_back(c);
            if (linear)
                continue; // a linear code fills its box; its deepest point is no better a crop
            // The deepest point of the region (distance to the nearest pixel outside it), when the
            // region is much larger than its inscribed square: where a code runs into label text,
            // the deepest point is usually inside the code (its modules are denser than the text).
            cv::distanceTransform(s.regionMask, s.depth, cv::DIST_L2, 3);
            double deepest = 0;
            cv::Point at;
            cv::minMaxLoc(s.depth, nullptr, &deepest, nullptr, &at);
            at -= cv::Point(1, 1);
            const double side = 2 * deepest * 1.25;
            if (side >= minSide * 0.6 && std::max(box.size.width, box.size.height) > 1.4 * side) {
                Candidate f;
                f.box = cv::RotatedRect(
                    toFrame(cv::Point2f(at + bounds.tl())),
                    cv::Size2f(static_cast<float>(side) * inv, static_cast<float>(side) * inv), box.angle);
                f.score = c.score * 0.9;
                // Its own edges, not the whole region's: a code joined to text reads as modules here.
                const int half = static_cast<int>(deepest);
                const cv::Rect own = cv::Rect(at.x - half, at.y - half, 2 * half + 1, 2 * half + 1) &
                                     cv::Rect(0, 0, inner.cols, inner.rows);
                f.coherence = own.empty() ? coherence : edgeCoherence(s.dx(own), s.dy(own), inner(own));
                out.push_back(f);
            }
        }
    }
    std::sort(out.begin(), out.end(),
              [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    if (static_cast<int>(out.size()) > m_options.maxCandidates)
        out.resize(static_cast<size_t>(m_options.maxCandidates));
    return out;
}

std::vector<DecodedCode> BarcodeReader::decode(const cv::Mat& image, DecodeStats* stats) const {
    std::vector<DecodedCode> found;
    if (!usableFrame(image))
        return found;
    Scratch& s = scratch();
    const bool small = smallImage(image);
    std::vector<Candidate> candidates;
    {
        const StageClock clock(stats ? &stats->locate : nullptr);
        if (stats)
            ++stats->locate.tries;
        candidates = locateIn(image, s, m_options.locatorScale); // leaves the grey frame in s.frameGrey
    }
    const cv::Mat& grey = image.channels() == 1 ? image : s.frameGrey;
    const ZXing::DecodeHints base = hintsFor(m_options);
    const ZXing::BarcodeFormats all = zxingFormats(m_options.symbologies);
    const ZXing::BarcodeFormats matrix = all & ZXing::BarcodeFormats(ZXing::BarcodeFormat::MatrixCodes);
    const ZXing::BarcodeFormats linear = all & ZXing::BarcodeFormats(ZXing::BarcodeFormat::LinearCodes);
    // One ZXing call on `img`, charged to `stage`; true when it read anything.
    const auto read = [&](const cv::Mat& img, const cv::Matx23d& toFrame, const ZXing::DecodeHints& hints,
                          StageStats* stage) {
        const StageClock clock(stage);
        if (stage)
            ++stage->tries;
        const ZXing::ImageView view(img.data, img.cols, img.rows, ZXing::ImageFormat::Lum,
                                    static_cast<int>(img.step[0]));
        bool any = false;
        for (const auto& r : ZXing::ReadBarcodes(view, hints)) {
            if (!r.isValid())
                continue;
            const size_t before = found.size();
            addUnique(found, fromZxing(r, toFrame));
            if (stage && found.size() > before)
                ++stage->reads;
            any = true;
        }
        return any;
    };
    // The inverted and mirrored tries of a matrix crop that read nothing, where configured: for the
    // first maxTurnedCrops such crops of a frame (the largest regions first), and the inverted try
    // also for maxDarkInvertedCrops more whose surround is dark (see ReaderOptions). `capped` false:
    // the whole image, always.
    int turnedCrops = 0;
    int darkInverted = 0;
    int quietCrops = 0;
    const auto readTurned = [&](const cv::Mat& img, const cv::Matx23d& toFrame,
                                const ZXing::DecodeHints& hints, bool darkSurround, bool capped) {
        bool inverted = m_options.tryInverted;
        bool mirrored = m_options.tryMirrored;
        if (capped) {
            if (inverted && darkSurround && darkInverted < m_options.maxDarkInvertedCrops) {
                ++darkInverted;
                mirrored = mirrored && turnedCrops < m_options.maxTurnedCrops;
                turnedCrops += mirrored ? 1 : 0;
            } else if (turnedCrops < m_options.maxTurnedCrops) {
                ++turnedCrops;
            } else {
                return false;
            }
        }
        // A mirrored image's pixel x is the original's cols - x: the map to the frame goes through that.
        const cv::Matx23d mirroredToFrame = toFrame * cv::Matx33d(-1, 0, img.cols, 0, 1, 0, 0, 0, 1);
        if (inverted) {
            cv::bitwise_not(img, fit(s.alternate, s.alternateStore, img.size()));
            if (read(s.alternate, toFrame, hints, stats ? &stats->inverted : nullptr))
                return true;
        }
        if (mirrored) {
            cv::flip(img, fit(s.alternate, s.alternateStore, img.size()), 1);
            if (read(s.alternate, mirroredToFrame, hints, stats ? &stats->mirrored : nullptr))
                return true;
            if (inverted) {
                cv::bitwise_not(s.alternate, s.alternate);
                if (read(s.alternate, mirroredToFrame, hints, stats ? &stats->mirrored : nullptr))
                    return true;
            }
        }
        return false;
    };
    for (const auto& candidate : candidates) {
        if (insideCode(found, candidate.box.center))
            continue; // already read from a larger region
        const float longSide = std::max(candidate.box.size.width, candidate.box.size.height);
        const float shortSide = std::min(candidate.box.size.width, candidate.box.size.height);
        const double aspect = longSide / std::max(1.0f, shortSide);
        // A region classify() would call text by its edges alone (see CropKind): none of its windows
        // is decoded and it is never split, so none is cut out either.
        if (textByEdges(candidate.coherence, aspect, m_options))
            continue;
        // A long region (a label with a code beside its text, a linear code) is also tried in
        // square windows along its length, so that a code in it is near the centre of some crop.
        std::vector<cv::RotatedRect> windows{candidate.box};
        size_t firstSplit = 0; // windows [firstSplit, lastSplit) come from splitting the region
        size_t lastSplit = 0;
        const bool windowed = shortSide >= static_cast<float>(m_options.minWindowedPx);
        if (windowed && longSide > 1.3f * shortSide) {
            const double a =
                (candidate.box.size.width >= candidate.box.size.height ? candidate.box.angle
                                                                       : candidate.box.angle + 90) *
                CV_PI / 180.0;
            const cv::Point2f axis(static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)));
            const float step = shortSide * 0.75f;
            for (float t = -longSide / 2 + shortSide / 2; t <= longSide / 2 - shortSide / 2 + 0.5f; t += step)
                windows.emplace_back(candidate.box.center + axis * t,
                                     cv::Size2f(shortSide * 1.2f, shortSide * 1.2f), candidate.box.angle);
        }
        for (size_t w = 0; w < windows.size(); ++w) {
            const cv::RotatedRect window = windows[w];
            const bool split = w >= firstSplit && w < lastSplit; // found by splitting at light columns
            cv::Matx23d cropToFrame;
            cv::Rect inner;
            int lo = 0;
            int hi = 255;
            CropKind classified = CropKind::Nothing;
            {
                const StageClock clock(stats ? &stats->cut : nullptr);
                if (stats)
                    ++stats->cut.tries;
                cutOut(grey, window, m_options.minCropPx, cropToFrame, s.crop, s.cropStore, &inner);
                if (!s.crop.empty())
                    classified = classify(s.crop, candidate.coherence, aspect, m_options, lo, hi);
            }
            const cv::Mat& crop = s.crop;
            if (crop.empty())
                continue;
            const CropKind kind = split ? CropKind::Matrix : classified;
            if (kind == CropKind::Nothing)
                continue;
            // The crop's margin round the region (its quiet zone) darker than the middle of its
            // range: a light-on-dark code can be here (measured before any stretch).
            bool darkSurround = false;
            if (m_options.tryInverted && inner.area() < static_cast<int>(crop.total())) {
                const double ring = (cv::sum(crop)[0] - cv::sum(crop(inner))[0]) /
                                    static_cast<double>(static_cast<int>(crop.total()) - inner.area());
                darkSurround = ring < 0.5 * (lo + hi);
            }
            if ((kind == CropKind::Matrix || kind == CropKind::SquareText) &&
                hi - lo < m_options.stretchBelowContrast && hi > lo) {
                // ZXing 1.4's binarizer takes a block with less than 24 grey levels between its
                // darkest and lightest pixel for flat: a washed-out or glared code is spread out first.
                s.crop.convertTo(s.crop, -1, 255.0 / (hi - lo), -255.0 * lo / (hi - lo));
                lo = 0; // the levels below (the knee, the paint) are of the spread-out crop
                hi = 255;
            }
            ZXing::DecodeHints hints = base;
            StageStats* stage = stats ? &stats->crops : nullptr;
            switch (kind) {
            case CropKind::SquareText:
                stage = stats ? &stats->squareText : nullptr;
                [[fallthrough]];
            case CropKind::Matrix:
                // ZXing 1.4's Data Matrix detector needs the turned images (tryRotate) to find every
                // orientation; its slower second detector (tryHarder) adds nothing on upright crops.
                hints.setFormats(matrix);
                hints.setTryHarder(false);
                break;
            case CropKind::Linear:
                hints.setFormats(linear);
                break;
            case CropKind::Either:
            case CropKind::Nothing:
                break;
            }
            if (hints.formats().empty())
                continue;
            const bool matrixKind = kind == CropKind::Matrix || kind == CropKind::SquareText;
            bool any = split ? false : read(crop, cropToFrame, hints, stage);
            // A squarish code region that did not read, and every split window: again with a quiet
            // zone made round it (a code touching the label edge or its neighbour).
            if (!any && matrixKind &&
                (split || (w == 0 && aspect <= m_options.quietZoneAspect &&
                           quietCrops++ < m_options.maxQuietZoneCrops))) {
                // The tries of a region (capped; not of the many split windows) with ZXing's second
                // Data Matrix detector as well (tryHarder): where the first one loses the code's
                // edge in glare or in the steel beyond the label, the second often still finds it.
                ZXing::DecodeHints harder = hints;
                harder.setTryHarder(m_options.quietZoneTryHarder && !split);
                quietAround(crop, inner, std::max(2, inner.height / 40), s.quieted, s.quietedStore);
                any = read(s.quieted, cropToFrame, harder, stats ? &stats->quietZone : nullptr);
                if (!any && !split && m_options.quietZoneInside) {
                    // The region's box is wider than the code by the locator's windows (a few
                    // pixels each side): where the code touches the label edge, that strip is
                    // steel, which the binarizer joins to the code. Again with the quiet zone made
                    // just inside the box.
                    quietAround(crop, inner, -std::max(4, inner.height / 28), s.quieted, s.quietedStore);
                    any = read(s.quieted, cropToFrame, harder, stats ? &stats->quietZone : nullptr);
                }
                if (!any && !split) {
                    // A code touching the label edge has the steel or glass beyond as its quiet
                    // zone: everything lighter than the middle between ink and label made white.
                    const double knee = lo + 0.5 * (hi - lo);
                    crop.convertTo(fit(s.quieted, s.quietedStore, crop.size()), -1,
                                   255.0 / std::max(1.0, knee - lo), -255.0 * lo / std::max(1.0, knee - lo));
                    any = read(s.quieted, cropToFrame, harder, stats ? &stats->quietZone : nullptr);
                }
                if (!any && !split && m_options.grownRegion > 1.0) {
                    // The region grown (ReaderOptions::grownRegion), spread out like the crop when flat.
                    cv::RotatedRect grown = window;
                    grown.size.width *= static_cast<float>(m_options.grownRegion);
                    grown.size.height *= static_cast<float>(m_options.grownRegion);
                    cv::Matx23d grownToFrame;
                    cutOut(grey, grown, m_options.minCropPx, grownToFrame, s.quieted, s.quietedStore);
                    std::array<int, 256> histogram{};
                    int glo = 0;
                    int ghi = 255;
                    levels(s.quieted, histogram, glo, ghi);
                    if (ghi - glo < m_options.stretchBelowContrast && ghi > glo)
                        s.quieted.convertTo(s.quieted, -1, 255.0 / (ghi - glo), -255.0 * glo / (ghi - glo));
                    any = read(s.quieted, grownToFrame, harder, stats ? &stats->grown : nullptr);
                }
            }
            if (!any && matrixKind && !split)
                any = readTurned(crop, cropToFrame, hints, darkSurround, true);
            if (w == 0 && any) {
                // More codes in the same region (stacked, or side by side without a gap the split
                // finds): the codes read so far painted out, the crop read again while that finds more.
                const double regionArea = static_cast<double>(candidate.box.size.area());
                for (int again = 0; again < 3; ++again) {
                    double readArea = 0;
                    const cv::Matx23d frameToCrop = [&] {
                        cv::Matx23d inv;
                        cv::invertAffineTransform(cropToFrame, inv);
                        return inv;
                    }();
                    for (const auto& c : found) {
                        std::vector<cv::Point> poly;
                        const cv::Point2f mid = centreOf(c);
                        for (const auto& p : c.corners) {
                            const cv::Point2f grown = mid + (p - mid) * 1.15f;
                            const cv::Vec2d q = frameToCrop * cv::Vec3d(grown.x, grown.y, 1.0);
                            poly.emplace_back(static_cast<int>(std::lround(q[0])),
                                              static_cast<int>(std::lround(q[1])));
                        }
                        std::vector<cv::Point2f> region(4);
                        candidate.box.points(region.data());
                        if (cv::pointPolygonTest(region, mid, false) >= 0)
                            readArea +=
                                cv::contourArea(std::vector<cv::Point2f>(c.corners.begin(), c.corners.end()));
                        cv::fillConvexPoly(s.crop, poly, cv::Scalar(hi));
                    }
                    // The codes read fill the region (a lone code's region is its box and the
                    // locator's margin): stop. Not sooner: two of three codes side by side fill
                    // two thirds of it, and the third was then never read.
                    if (readArea * m_options.paintedOutFill > regionArea)
                        break;
                    if (!read(s.crop, cropToFrame, hints, stats ? &stats->paintedOut : nullptr))
                        break;
                }
                break; // the whole region read: no need for its windows
            }
            if (w == 0 && !any && matrixKind && windowed && aspect > 1.3) {
                // Codes side by side (or a code beside text): the region split at its light columns,
                // each part at least half as wide as the region is high, tried before the windows.
                const auto runs = darkRuns(crop, inner, inner.height / 2);
                if (runs.size() >= 2) {
                    std::vector<cv::RotatedRect> parts;
                    for (const auto& [x0, x1] : runs) {
                        std::vector<cv::Point2f> corners;
                        for (const auto& p :
                             {cv::Point2f(static_cast<float>(x0), static_cast<float>(inner.y)),
                              cv::Point2f(static_cast<float>(x1), static_cast<float>(inner.y)),
                              cv::Point2f(static_cast<float>(x1), static_cast<float>(inner.br().y)),
                              cv::Point2f(static_cast<float>(x0), static_cast<float>(inner.br().y))}) {
                            const cv::Vec2d m = cropToFrame * cv::Vec3d(p.x, p.y, 1.0);
                            corners.emplace_back(static_cast<float>(m[0]), static_cast<float>(m[1]));
                        }
                        parts.push_back(cv::minAreaRect(corners));
                    }
                    windows.insert(windows.begin() + 1, parts.begin(), parts.end());
                    firstSplit = 1;
                    lastSplit = 1 + parts.size();
                }
            }
        }
    }
    // Never worse than plain ZXing: the whole image when the candidates read nothing, or when it is
    // small (a close-up or a crop, where the code may fill the image and the locator see no region).
    if (m_options.fullFrameFallback && (found.empty() || small)) {
        const double scale = small ? 1.0
                                   : std::min(1.0, m_options.fullFrameMaxSide /
                                                       static_cast<double>(std::max(grey.cols, grey.rows)));
        const cv::Mat* whole = &grey;
        if (scale < 1.0) {
            cv::resize(grey, s.whole, cv::Size(), scale, scale, cv::INTER_AREA);
            whole = &s.whole;
        }
        const cv::Matx23d toFrame(1 / scale, 0, 0, 0, 1 / scale, 0);
        StageStats* stage = stats ? &stats->fullFrame : nullptr;
        for (const ZXing::BarcodeFormats formats : {matrix, linear}) {
            if (formats.empty())
                continue;
            ZXing::DecodeHints hints = base;
            hints.setFormats(formats);
            const bool any = read(*whole, toFrame, hints, stage);
            if (!any && small && formats == matrix)
                readTurned(*whole, toFrame, hints, true, false);
        }
    }
    return found;
}

std::vector<DecodedCode> BarcodeReader::decodeFullFrame(const cv::Mat& image) const {
    std::vector<DecodedCode> found;
    if (!convertibleToGrey(image))
        return found;
    cv::Mat buffer;
    const cv::Mat& grey = greyInto(image, buffer);
    cv::Mat continuous = grey.isContinuous() ? grey : grey.clone();
    const ZXing::ImageView view(continuous.data, continuous.cols, continuous.rows, ZXing::ImageFormat::Lum);
    const cv::Matx23d identity(1, 0, 0, 0, 1, 0);
    // ZXing 1.4 asserts (aborts) when it merges linear results found at several scales, so the
    // downscaled search is only used for the matrix codes.
    const ZXing::BarcodeFormats all = zxingFormats(m_options.symbologies);
    const ZXing::BarcodeFormats matrix = all & ZXing::BarcodeFormats(ZXing::BarcodeFormat::MatrixCodes);
    const ZXing::BarcodeFormats linear = all & ZXing::BarcodeFormats(ZXing::BarcodeFormat::LinearCodes);
    for (const bool isMatrix : {true, false}) {
        const ZXing::BarcodeFormats formats = isMatrix ? matrix : linear;
        if (formats.empty())
            continue;
        ZXing::DecodeHints hints = hintsFor(m_options);
        hints.setFormats(formats);
        hints.setTryDownscale(isMatrix);
        for (const auto& r : ZXing::ReadBarcodes(view, hints))
            if (r.isValid())
                addUnique(found, fromZxing(r, identity));
    }
    return found;
}

} // namespace admix::vision
