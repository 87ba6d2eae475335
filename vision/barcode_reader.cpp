#include "vision/barcode_reader.hpp"

#include <ZXing/ReadBarcode.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace admix::vision {

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

cv::Mat toGrey(const cv::Mat& image) {
    if (image.empty() || image.depth() != CV_8U)
        return {};
    if (image.channels() == 1)
        return image;
    cv::Mat grey;
    if (image.channels() == 3)
        cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
    else if (image.channels() == 4)
        cv::cvtColor(image, grey, cv::COLOR_BGRA2GRAY);
    return grey;
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

cv::Point2f centreOf(const DecodedCode& c) { return (c.corners[0] + c.corners[1] + c.corners[2] + c.corners[3]) * 0.25f; }

bool sameCode(const DecodedCode& a, const DecodedCode& b) {
    if (a.format != b.format || a.text != b.text)
        return false;
    const double size = std::max(cv::norm(a.corners[0] - a.corners[2]), cv::norm(b.corners[0] - b.corners[2]));
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
cv::Mat cutOut(const cv::Mat& grey, const cv::RotatedRect& box, int minSide, cv::Matx23d& cropToFrame) {
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
    cv::Mat crop;
    cv::warpAffine(grey, crop, cv::Mat(cropToFrame), cv::Size(cw, ch), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                   cv::BORDER_REPLICATE);
    return crop;
}

enum class CropKind { Nothing, Matrix, Linear, Either };

// What a crop can hold, from cheap statistics: too flat (steel, plain label) holds nothing; mostly
// light with thin dark strokes is text; edges all in one direction are bars (the crop is upright, so
// a linear code's bars run across it); edges in both directions are a matrix code (or text).
CropKind classify(const cv::Mat& crop, const ReaderOptions& o) {
    int histogram[256] = {};
    for (int y = 0; y < crop.rows; ++y) {
        const uint8_t* row = crop.ptr<uint8_t>(y);
        for (int x = 0; x < crop.cols; ++x)
            ++histogram[row[x]];
    }
    const double total = static_cast<double>(crop.total());
    const auto level = [&](double fraction) {
        double seen = 0;
        for (int v = 0; v < 256; ++v) {
            seen += histogram[v];
            if (seen >= fraction * total)
                return v;
        }
        return 255;
    };
    const int lo = level(0.05);
    const int hi = level(0.95);
    if (hi - lo < o.minCropContrast)
        return CropKind::Nothing;
    const int mid = (lo + hi) / 2;
    double dark = 0;
    for (int v = 0; v < mid; ++v)
        dark += histogram[v];
    if (dark / total < o.minDarkFraction)
        return CropKind::Nothing;
    cv::Mat dx;
    cv::Mat dy;
    cv::Sobel(crop, dx, CV_16S, 1, 0, 3);
    cv::Sobel(crop, dy, CV_16S, 0, 1, 3);
    const double gx = cv::norm(dx, cv::NORM_L1) + 1;
    const double gy = cv::norm(dy, cv::NORM_L1) + 1;
    const double ratio = std::max(gx, gy) / std::min(gx, gy);
    if (ratio > 2.5)
        return CropKind::Linear;
    if (ratio < 1.6)
        return CropKind::Matrix;
    return CropKind::Either;
}

} // namespace

bool isGs1Symbology(const std::string& s) { return s == "]d2" || s == "]C1" || s == "]Q3" || s == "]e0"; }

BarcodeReader::BarcodeReader(ReaderOptions options) : m_options(options) {}

std::vector<Candidate> BarcodeReader::locate(const cv::Mat& image) const {
    std::vector<Candidate> out;
    const cv::Mat grey = toGrey(image);
    if (grey.empty() || grey.cols < 8 || grey.rows < 8)
        return out;
    const double scale = std::clamp(m_options.locatorScale, 0.125, 1.0);
    cv::Mat small;
    if (scale < 1.0)
        cv::resize(grey, small, cv::Size(), scale, scale, cv::INTER_AREA);
    else
        small = grey;
    if (small.cols < 8 || small.rows < 8)
        return out;

    cv::Mat dx;
    cv::Mat dy;
    cv::Sobel(small, dx, CV_16S, 1, 0, 3);
    cv::Sobel(small, dy, CV_16S, 0, 1, 3);
    cv::Mat ax;
    cv::Mat ay;
    cv::convertScaleAbs(dx, ax, 0.25); // Sobel 3x3 gives four times the step height
    cv::convertScaleAbs(dy, ay, 0.25);
    cv::Mat edges;
    cv::add(ax, ay, edges);
    cv::threshold(edges, edges, m_options.edgeThreshold, 255, cv::THRESH_BINARY);

    // Edge density over a window about one small module wide, then regions of dense edges.
    cv::Mat density;
    cv::blur(edges, density, cv::Size(5, 5));
    cv::Mat mask;
    cv::threshold(density, mask, 255 * m_options.minEdgeDensity, 255, cv::THRESH_BINARY);
    cv::morphologyEx(mask, mask, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
    cv::morphologyEx(mask, mask, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));

    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    // Distance to the nearest non-code pixel: in a region where a code runs into label text, the
    // deepest point is usually inside the code (its modules are denser than the text strokes).
    cv::Mat depth;
    cv::distanceTransform(mask, depth, cv::DIST_L2, 3);
    const double minSide = m_options.minCodePx * scale;
    for (const auto& contour : contours) {
        const double area = cv::contourArea(contour);
        if (area < minSide * minSide * 0.5)
            continue;
        cv::RotatedRect box = cv::minAreaRect(contour);
        if (std::min(box.size.width, box.size.height) < minSide * 0.6)
            continue;
        const double fill = area / std::max(1.0f, box.size.area());
        const float inv = static_cast<float>(1.0 / scale);
        Candidate c;
        c.box = cv::RotatedRect(box.center * inv, cv::Size2f(box.size.width * inv, box.size.height * inv), box.angle);
        c.score = area / (scale * scale) * fill;
        if (fill >= 0.35) // sparse shapes (streaks, outlines, a code joined to text) only by their deepest point
            out.push_back(c);
        // The deepest point of the region, when the region is much larger than its inscribed square.
        const cv::Rect bounds = cv::boundingRect(contour) & cv::Rect(0, 0, depth.cols, depth.rows);
        cv::Mat regionMask(bounds.size(), CV_8UC1, cv::Scalar(0));
        cv::drawContours(regionMask, std::vector<std::vector<cv::Point>>{contour}, 0, cv::Scalar(255), cv::FILLED,
                         cv::LINE_8, cv::noArray(), 0, -bounds.tl());
        double deepest = 0;
        cv::Point at;
        cv::minMaxLoc(depth(bounds), nullptr, &deepest, nullptr, &at, regionMask);
        const double side = 2 * deepest * 1.25;
        if (side >= minSide * 0.6 && std::max(box.size.width, box.size.height) > 1.4 * side) {
            Candidate f;
            f.box = cv::RotatedRect(cv::Point2f(at + bounds.tl()) * inv,
                                    cv::Size2f(static_cast<float>(side) * inv, static_cast<float>(side) * inv), box.angle);
            f.score = c.score * 0.9;
            out.push_back(f);
        }
    }
    std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    if (static_cast<int>(out.size()) > m_options.maxCandidates)
        out.resize(static_cast<size_t>(m_options.maxCandidates));
    return out;
}

std::vector<DecodedCode> BarcodeReader::decode(const cv::Mat& image) const {
    std::vector<DecodedCode> found;
    const cv::Mat grey = toGrey(image);
    if (grey.empty())
        return found;
    const ZXing::DecodeHints base = hintsFor(m_options);
    for (const auto& candidate : locate(grey)) {
        if (insideCode(found, candidate.box.center))
            continue; // already read from a larger region
        // A long region (a label with a code beside its text, a linear code) is also tried in
        // square windows along its length, so that a code in it is near the centre of some crop.
        std::vector<cv::RotatedRect> windows{candidate.box};
        const float longSide = std::max(candidate.box.size.width, candidate.box.size.height);
        const float shortSide = std::min(candidate.box.size.width, candidate.box.size.height);
        if (longSide > 1.3f * shortSide) {
            const double a = (candidate.box.size.width >= candidate.box.size.height ? candidate.box.angle
                                                                                     : candidate.box.angle + 90) *
                             CV_PI / 180.0;
            const cv::Point2f axis(static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)));
            const float step = shortSide * 0.75f;
            for (float t = -longSide / 2 + shortSide / 2; t <= longSide / 2 - shortSide / 2 + 0.5f; t += step)
                windows.emplace_back(candidate.box.center + axis * t, cv::Size2f(shortSide * 1.2f, shortSide * 1.2f),
                                     candidate.box.angle);
        }
        for (const auto& window : windows) {
            cv::Matx23d cropToFrame;
            const cv::Mat crop = cutOut(grey, window, m_options.minCropPx, cropToFrame);
            if (crop.empty())
                continue;
            const CropKind kind = classify(crop, m_options);
            if (kind == CropKind::Nothing)
                continue;
            ZXing::DecodeHints hints = base;
            const ZXing::BarcodeFormats all = zxingFormats(m_options.symbologies);
            const ZXing::BarcodeFormats matrix = all & ZXing::BarcodeFormats(ZXing::BarcodeFormat::MatrixCodes);
            const ZXing::BarcodeFormats linear = all & ZXing::BarcodeFormats(ZXing::BarcodeFormat::LinearCodes);
            switch (kind) {
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
            const ZXing::ImageView view(crop.data, crop.cols, crop.rows, ZXing::ImageFormat::Lum,
                                        static_cast<int>(crop.step[0]));
            bool any = false;
            for (const auto& r : ZXing::ReadBarcodes(view, hints)) {
                if (!r.isValid())
                    continue;
                addUnique(found, fromZxing(r, cropToFrame));
                any = true;
            }
            if (any && window.size == candidate.box.size)
                break; // the whole region read: no need for its windows
        }
    }
    return found;
}

std::vector<DecodedCode> BarcodeReader::decodeFullFrame(const cv::Mat& image) const {
    std::vector<DecodedCode> found;
    const cv::Mat grey = toGrey(image);
    if (grey.empty())
        return found;
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
