#include "vision/synthetic_scene.hpp"

#include "vision/datamatrix_encoder.hpp"

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>

// [SECTION] index: codes -> labels -> objects (vial, syringe, bag) -> background -> effects -> scene

namespace admix::vision {

namespace {

constexpr double kPi = 3.14159265358979323846;

std::string gs1ToCode128Input(std::string_view elementString) {
    // ZXing's Code 128 writer takes U+00F1 as FNC1; first position makes it GS1-128.
    std::string out = "\xC3\xB1";
    for (const char c : elementString) {
        if (c == '\x1D')
            out += "\xC3\xB1";
        else
            out += c;
    }
    return out;
}

// [SECTION] Codes
struct CodeImage {
    cv::Mat image;                      // 8-bit grey, black on white, with quiet zone
    std::array<cv::Point2f, 4> corners; // the symbol itself inside `image`
    std::string text;                   // what a reader reports
};

Result<CodeImage> makeCode(const LabelCode& code, int quietModules) {
    const int m = std::max(1, code.modulePx);
    CodeImage out;
    if (code.kind == CodeKind::DataMatrixGs1 || code.kind == CodeKind::DataMatrix) {
        auto symbol = encodeDataMatrix(code.data, code.kind == CodeKind::DataMatrixGs1);
        if (!symbol)
            return symbol.error();
        const int q = quietModules * m;
        const int side = symbol->size * m + 2 * q;
        out.image = cv::Mat(side, side, CV_8UC1, cv::Scalar(255));
        for (int y = 0; y < symbol->size; ++y)
            for (int x = 0; x < symbol->size; ++x)
                if (symbol->dark(x, y))
                    out.image(cv::Rect(q + x * m, q + y * m, m, m)).setTo(0);
        const float a = static_cast<float>(q);
        const float b = static_cast<float>(q + symbol->size * m);
        out.corners = {cv::Point2f(a, a), cv::Point2f(b, a), cv::Point2f(b, b), cv::Point2f(a, b)};
        out.text = code.data;
        return out;
    }
    ZXing::BarcodeFormat format = ZXing::BarcodeFormat::Code128;
    std::string input = code.data;
    switch (code.kind) {
    case CodeKind::Gs1_128:
        input = gs1ToCode128Input(code.data);
        out.text = code.data;
        break;
    case CodeKind::Code128:
        out.text = code.data;
        break;
    case CodeKind::Ean13:
        format = ZXing::BarcodeFormat::EAN13;
        out.text = code.data + gs1CheckDigit(code.data);
        break;
    case CodeKind::UpcA:
        format = ZXing::BarcodeFormat::UPCA;
        out.text = code.data + gs1CheckDigit(code.data);
        break;
    case CodeKind::QrCode:
        format = ZXing::BarcodeFormat::QRCode;
        out.text = code.data;
        break;
    case CodeKind::DataMatrix:
    case CodeKind::DataMatrixGs1:
        break;
    }
    ZXing::BitMatrix bits;
    try {
        bits = ZXing::MultiFormatWriter(format).setMargin(0).encode(input, 0, 0);
    } catch (const std::exception& e) {
        return Result<CodeImage>::fail(std::string("the barcode writer refused the data: ") + e.what(),
                                       code.data);
    }
    const bool linear = bits.height() == 1;
    const int q = (linear ? 10 : quietModules) * m;
    const int w = bits.width() * m;
    const int h = linear ? std::max(40, w / 4) : bits.height() * m;
    out.image = cv::Mat(h + 2 * q, w + 2 * q, CV_8UC1, cv::Scalar(255));
    for (int y = 0; y < (linear ? 1 : bits.height()); ++y)
        for (int x = 0; x < bits.width(); ++x)
            if (bits.get(x, y))
                out.image(cv::Rect(q + x * m, q + y * m, m, linear ? h : m)).setTo(0);
    const float qx = static_cast<float>(q);
    out.corners = {cv::Point2f(qx, qx), cv::Point2f(qx + static_cast<float>(w), qx),
                   cv::Point2f(qx + static_cast<float>(w), qx + static_cast<float>(h)),
                   cv::Point2f(qx, qx + static_cast<float>(h))};
    return out;
}

// [SECTION] Labels
struct Label {
    cv::Mat image; // BGR
    std::vector<std::array<cv::Point2f, 4>> codeCorners;
    std::vector<std::string> codeTexts;
    std::vector<int> modules;
};

void text(cv::Mat& img, const std::string& s, cv::Point at, double size, cv::Scalar colour,
          int thickness = 1) {
    cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, size, colour, thickness, cv::LINE_AA);
}

// A printed label: coloured band, drug name, small print, then the codes side by side at the right.
Result<Label> makeLabel(int width, int height, const std::string& drug, const std::vector<LabelCode>& codes,
                        cv::Scalar band, double codeCentreX) {
    std::vector<CodeImage> images;
    int codesWidth = 0;
    int codesHeight = 0;
    for (const auto& c : codes) {
        auto img = makeCode(c, 2);
        if (!img)
            return img.error();
        codesWidth += img->image.cols + 6;
        codesHeight = std::max(codesHeight, img->image.rows);
        images.push_back(std::move(*img));
    }
    width = std::max(width, codesWidth + 20);
    height = std::max(height, codesHeight + 30);
    Label label;
    label.image = cv::Mat(height, width, CV_8UC3, cv::Scalar(246, 248, 248));
    const int bandH = std::max(8, height / 8);
    label.image(cv::Rect(0, 0, width, bandH)).setTo(band);
    const double fs = std::max(0.35, height / 260.0);
    text(label.image, drug, {8, bandH + static_cast<int>(28 * fs)}, 0.9 * fs, {30, 30, 30}, 2);
    text(label.image, "for IV use - single dose", {8, bandH + static_cast<int>(55 * fs)}, 0.5 * fs,
         {60, 60, 60});
    text(label.image, "Rx only  store 20-25 C", {8, bandH + static_cast<int>(78 * fs)}, 0.5 * fs,
         {60, 60, 60});
    int x = std::clamp(static_cast<int>(codeCentreX * width) - codesWidth / 2, 2,
                       std::max(2, width - codesWidth - 2));
    for (auto& img : images) {
        const int y = std::clamp(bandH + (height - bandH - img.image.rows) / 2, 0, height - img.image.rows);
        cv::Mat roi = label.image(cv::Rect(x, y, img.image.cols, img.image.rows));
        cv::Mat bgr;
        cv::cvtColor(img.image, bgr, cv::COLOR_GRAY2BGR);
        // Ink on paper: black prints dark grey, white stays the label's white.
        bgr.convertTo(bgr, -1, 0.92, 12);
        bgr.copyTo(roi);
        std::array<cv::Point2f, 4> corners{};
        for (size_t i = 0; i < 4; ++i)
            corners[i] = img.corners[i] + cv::Point2f(static_cast<float>(x), static_cast<float>(y));
        label.codeCorners.push_back(corners);
        label.codeTexts.push_back(img.text);
        x += img.image.cols + 6;
    }
    for (const auto& c : codes)
        label.modules.push_back(c.modulePx);
    return label;
}

// [SECTION] Objects: each is drawn upright on its own canvas with an alpha mask, then projected.
struct Canvas {
    cv::Mat image;                   // BGR
    cv::Mat alpha;                   // 8-bit, 255 = opaque
    std::vector<ExpectedCode> codes; // corners in canvas coordinates
};

void addCodes(Canvas& canvas, const Label& label, const std::vector<LabelCode>& codes,
              const std::function<cv::Point2f(cv::Point2f)>& labelToCanvas) {
    for (size_t i = 0; i < label.codeCorners.size(); ++i) {
        ExpectedCode e;
        e.format = formatName(codes[i].kind);
        e.text = label.codeTexts[i];
        for (size_t k = 0; k < 4; ++k)
            e.corners[k] = labelToCanvas(label.codeCorners[i][k]);
        e.modulePx = label.modules[i];
        canvas.codes.push_back(e);
    }
}

Result<Canvas> drawVial(const SceneObject& o) {
    const int r = static_cast<int>(std::lround(150 * o.scale));
    const int bodyH = static_cast<int>(std::lround(340 * o.scale));
    const int neckH = static_cast<int>(std::lround(40 * o.scale));
    const int capH = static_cast<int>(std::lround(55 * o.scale));
    const int w = 2 * r;
    const int h = capH + neckH + bodyH;
    Canvas c;
    c.image = cv::Mat(h, w, CV_8UC3, cv::Scalar(0, 0, 0));
    c.alpha = cv::Mat(h, w, CV_8UC1, cv::Scalar(0));
    // Glass body with shading across the cylinder.
    for (int u = 0; u < w; ++u) {
        const double t = (u + 0.5 - r) / r;
        const double shade = 0.6 + 0.4 * std::sqrt(std::max(0.0, 1 - t * t));
        const cv::Scalar glass(205 * shade, 200 * shade, 190 * shade);
        c.image(cv::Rect(u, capH + neckH, 1, bodyH)).setTo(glass);
        c.alpha(cv::Rect(u, capH + neckH, 1, bodyH)).setTo(225);
    }
    const int neckW = static_cast<int>(r * 1.1);
    cv::rectangle(c.image, cv::Rect(r - neckW / 2, capH, neckW, neckH + 2), cv::Scalar(190, 188, 180),
                  cv::FILLED);
    cv::rectangle(c.alpha, cv::Rect(r - neckW / 2, capH, neckW, neckH + 2), cv::Scalar(230), cv::FILLED);
    const int capW = static_cast<int>(r * 1.3);
    cv::rectangle(c.image, cv::Rect(r - capW / 2, 0, capW, capH), cv::Scalar(60, 70, 200), cv::FILLED);
    cv::rectangle(c.image, cv::Rect(r - capW / 2, capH - capH / 3, capW, capH / 3), cv::Scalar(175, 175, 178),
                  cv::FILLED);
    cv::rectangle(c.alpha, cv::Rect(r - capW / 2, 0, capW, capH), cv::Scalar(255), cv::FILLED);

    // The label wraps the cylinder: the visible half is pi*r of label, seen compressed at the edges.
    const int labelTop = capH + neckH + bodyH / 5;
    const int labelH = bodyH * 3 / 5;
    auto label = makeLabel(static_cast<int>(kPi * r), labelH, o.drug, o.codes, cv::Scalar(150, 90, 20), 0.55);
    if (!label)
        return label.error();
    const double lw = label->image.cols;
    const double curv = std::clamp(o.curvature, 0.0, 1.0);
    const auto canvasToLabelX = [&](double u) {
        const double t = std::clamp((u - r) / r, -1.0, 1.0);
        return lw / 2 + (1 - curv) * (u - r) + curv * r * std::asin(t);
    };
    const int visibleH = std::min(label->image.rows, h - labelTop);
    cv::Mat mapX(visibleH, w, CV_32FC1);
    cv::Mat mapY(visibleH, w, CV_32FC1);
    for (int v = 0; v < visibleH; ++v) {
        for (int u = 0; u < w; ++u) {
            mapX.at<float>(v, u) = static_cast<float>(canvasToLabelX(u + 0.5) - 0.5);
            mapY.at<float>(v, u) = static_cast<float>(v);
        }
    }
    cv::Mat warped;
    cv::remap(label->image, warped, mapX, mapY, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
    for (int u = 0; u < w; ++u) {
        const double lx = canvasToLabelX(u + 0.5);
        if (lx < 0 || lx >= lw)
            continue;
        const double t = (u + 0.5 - r) / r;
        const double shade = 0.72 + 0.28 * std::sqrt(std::max(0.0, 1 - t * t));
        cv::Mat col = warped(cv::Rect(u, 0, 1, visibleH));
        col.convertTo(col, -1, shade, 0);
        col.copyTo(c.image(cv::Rect(u, labelTop, 1, visibleH)));
        c.alpha(cv::Rect(u, labelTop, 1, visibleH)).setTo(255);
    }
    // Inverse of the wrap: the canvas column that shows label column x (monotonic, by bisection).
    const auto labelToCanvas = [&](cv::Point2f p) {
        double lo = 0;
        double hi = w;
        for (int i = 0; i < 50; ++i) {
            const double mid = (lo + hi) / 2;
            (canvasToLabelX(mid) < p.x ? lo : hi) = mid;
        }
        return cv::Point2f(static_cast<float>(lo), p.y + static_cast<float>(labelTop));
    };
    addCodes(c, *label, o.codes, labelToCanvas);
    return c;
}

Result<Canvas> drawSyringe(const SceneObject& o) {
    const double s = o.scale;
    const int barrelL = static_cast<int>(560 * s);
    const int barrelD = static_cast<int>(64 * s);
    const int plungerL = static_cast<int>(260 * s);
    const int capL = static_cast<int>(150 * s);
    const int w = plungerL + barrelL + capL;
    const int h = static_cast<int>(barrelD * 1.9);
    Canvas c;
    c.image = cv::Mat(h, w, CV_8UC3, cv::Scalar(0, 0, 0));
    c.alpha = cv::Mat(h, w, CV_8UC1, cv::Scalar(0));
    const int cy = h / 2;
    // Plunger rod and thumb press, flange, barrel, tip with a needle cap.
    cv::rectangle(c.image, cv::Rect(0, cy - barrelD / 2, static_cast<int>(14 * s), barrelD),
                  cv::Scalar(235, 235, 235), cv::FILLED);
    cv::rectangle(c.alpha, cv::Rect(0, cy - barrelD / 2, static_cast<int>(14 * s), barrelD), cv::Scalar(255),
                  cv::FILLED);
    cv::rectangle(c.image, cv::Rect(0, cy - barrelD / 6, plungerL, barrelD / 3), cv::Scalar(230, 230, 232),
                  cv::FILLED);
    cv::rectangle(c.alpha, cv::Rect(0, cy - barrelD / 6, plungerL, barrelD / 3), cv::Scalar(255), cv::FILLED);
    cv::rectangle(c.image, cv::Rect(plungerL - static_cast<int>(12 * s), 0, static_cast<int>(12 * s), h),
                  cv::Scalar(225, 228, 230), cv::FILLED);
    cv::rectangle(c.alpha, cv::Rect(plungerL - static_cast<int>(12 * s), 0, static_cast<int>(12 * s), h),
                  cv::Scalar(250), cv::FILLED);
    const cv::Rect barrel(plungerL, cy - barrelD / 2, barrelL, barrelD);
    c.image(barrel).setTo(cv::Scalar(215, 222, 226));
    c.alpha(barrel).setTo(200);
    const int fill = barrelL * 3 / 5;
    c.image(cv::Rect(plungerL + barrelL - fill, cy - barrelD / 2 + 3, fill, barrelD - 6))
        .setTo(cv::Scalar(170, 215, 225));
    cv::rectangle(c.image,
                  cv::Rect(plungerL + barrelL - fill - static_cast<int>(10 * s), cy - barrelD / 2 + 2,
                           static_cast<int>(10 * s), barrelD - 4),
                  cv::Scalar(40, 40, 40), cv::FILLED); // rubber stopper
    // Graduations: a fine printed scale, the false-positive bait of a syringe.
    for (int i = 0, x = plungerL + 20; x < plungerL + barrelL - 10;
         ++i, x += std::max(3, static_cast<int>(9 * s))) {
        const int len = (i % 5 == 0) ? barrelD / 2 : barrelD / 4;
        cv::line(c.image, {x, cy - barrelD / 2 + 2}, {x, cy - barrelD / 2 + 2 + len}, cv::Scalar(30, 30, 30),
                 1);
        if (i % 10 == 0)
            text(c.image, std::to_string(i / 10), {x - 4, cy + barrelD / 4}, 0.35 * s, {30, 30, 30});
    }
    cv::rectangle(c.image, cv::Rect(plungerL + barrelL, cy - barrelD / 6, capL / 4, barrelD / 3),
                  cv::Scalar(220, 220, 220), cv::FILLED);
    cv::rectangle(c.alpha, cv::Rect(plungerL + barrelL, cy - barrelD / 6, capL / 4, barrelD / 3),
                  cv::Scalar(240), cv::FILLED);
    cv::rectangle(c.image,
                  cv::Rect(plungerL + barrelL + capL / 4, cy - barrelD / 5, capL * 3 / 4, barrelD * 2 / 5),
                  cv::Scalar(200, 120, 40), cv::FILLED);
    cv::rectangle(c.alpha,
                  cv::Rect(plungerL + barrelL + capL / 4, cy - barrelD / 5, capL * 3 / 4, barrelD * 2 / 5),
                  cv::Scalar(255), cv::FILLED);
    if (!o.codes.empty()) {
        // A pharmacy label flagged onto the barrel.
        auto label = makeLabel(static_cast<int>(260 * s), static_cast<int>(120 * s), o.drug, o.codes,
                               cv::Scalar(40, 160, 40), 0.72);
        if (!label)
            return label.error();
        const int lx = std::max(0, plungerL + barrelL / 2 - label->image.cols / 2);
        const int ly = std::min(h - label->image.rows, cy);
        if (ly < 0 || lx + label->image.cols > w) {
            // Taller than the syringe: grow the canvas downwards.
            const int nh = std::max(h, cy + label->image.rows + 2);
            const int nw = std::max(w, lx + label->image.cols + 2);
            cv::Mat img(nh, nw, CV_8UC3, cv::Scalar(0, 0, 0));
            cv::Mat a(nh, nw, CV_8UC1, cv::Scalar(0));
            c.image.copyTo(img(cv::Rect(0, 0, w, h)));
            c.alpha.copyTo(a(cv::Rect(0, 0, w, h)));
            c.image = img;
            c.alpha = a;
        }
        const int y0 = std::min(c.image.rows - label->image.rows, cy);
        label->image.copyTo(c.image(cv::Rect(lx, y0, label->image.cols, label->image.rows)));
        c.alpha(cv::Rect(lx, y0, label->image.cols, label->image.rows)).setTo(255);
        addCodes(c, *label, o.codes, [&](cv::Point2f p) {
            return p + cv::Point2f(static_cast<float>(lx), static_cast<float>(y0));
        });
    }
    return c;
}

Result<Canvas> drawBag(const SceneObject& o) {
    const double s = o.scale;
    std::optional<Label> label;
    if (!o.codes.empty()) {
        auto made = makeLabel(static_cast<int>(330 * s), static_cast<int>(170 * s), o.drug, o.codes,
                              cv::Scalar(30, 30, 170), 0.6);
        if (!made)
            return made.error();
        label = std::move(*made);
    }
    // The bag is at least wide enough for its pharmacy label.
    const int w = std::max(static_cast<int>(420 * s), label ? label->image.cols + 40 : 0);
    const int h =
        std::max(static_cast<int>(600 * s),
                 label ? static_cast<int>(400 * s) + label->image.rows / 2 + static_cast<int>(80 * s) : 0);
    Canvas c;
    c.image = cv::Mat(h, w, CV_8UC3, cv::Scalar(0, 0, 0));
    c.alpha = cv::Mat(h, w, CV_8UC1, cv::Scalar(0));
    const int portH = static_cast<int>(60 * s);
    const cv::Rect body(0, 0, w, h - portH);
    cv::rectangle(c.image, body, cv::Scalar(238, 236, 232), cv::FILLED);
    cv::rectangle(c.alpha, body, cv::Scalar(235), cv::FILLED);
    cv::rectangle(c.image, body, cv::Scalar(205, 205, 200), std::max(2, static_cast<int>(6 * s)));
    for (int i = 0; i < 2; ++i) {
        const cv::Rect port(w / 2 - static_cast<int>((60 - 80 * i) * s) - static_cast<int>(15 * s), h - portH,
                            static_cast<int>(30 * s), portH);
        cv::rectangle(c.image, port, i == 0 ? cv::Scalar(220, 220, 220) : cv::Scalar(60, 60, 200),
                      cv::FILLED);
        cv::rectangle(c.alpha, port, cv::Scalar(255), cv::FILLED);
    }
    const cv::Scalar blue(150, 60, 10);
    text(c.image, "0.9% Sodium Chloride", {static_cast<int>(30 * s), static_cast<int>(70 * s)}, 0.8 * s, blue,
         2);
    text(c.image, "Injection USP  250 mL", {static_cast<int>(30 * s), static_cast<int>(105 * s)}, 0.7 * s,
         blue, 1);
    for (int i = 0; i <= 10; ++i) {
        const int y = static_cast<int>((150 + 25 * i) * s);
        cv::line(c.image, {w - static_cast<int>(60 * s), y},
                 {w - static_cast<int>((i % 5 == 0 ? 20 : 35) * s), y}, blue, 1);
    }
    if (label) {
        const int lx = std::max(0, (w - label->image.cols) / 2);
        const int ly = static_cast<int>(400 * s) - label->image.rows / 2;
        if (lx + label->image.cols > w || ly < 0 || ly + label->image.rows > h)
            return Result<Canvas>::fail("the bag label does not fit the bag: make the code smaller", o.drug);
        label->image.copyTo(c.image(cv::Rect(lx, ly, label->image.cols, label->image.rows)));
        c.alpha(cv::Rect(lx, ly, label->image.cols, label->image.rows)).setTo(255);
        addCodes(c, *label, o.codes, [&](cv::Point2f p) {
            return p + cv::Point2f(static_cast<float>(lx), static_cast<float>(ly));
        });
    }
    return c;
}

// Canvas -> scene: scale, tilt (a plane rotated in 3-D, pinhole camera), in-plane rotation, move.
cv::Mat projection(const SceneObject& o, const cv::Size& canvas) {
    const double f = 1600;
    const double ax = o.tiltY * kPi / 3;
    const double ay = o.tiltX * kPi / 3;
    const double az = o.angleDeg * kPi / 180;
    const double cx = canvas.width / 2.0;
    const double cy = canvas.height / 2.0;
    const std::array<cv::Point2f, 4> src{
        cv::Point2f(0, 0), cv::Point2f(static_cast<float>(canvas.width), 0),
        cv::Point2f(static_cast<float>(canvas.width), static_cast<float>(canvas.height)),
        cv::Point2f(0, static_cast<float>(canvas.height))};
    std::array<cv::Point2f, 4> dst{};
    for (size_t i = 0; i < 4; ++i) {
        double x = src[i].x - cx;
        double y = src[i].y - cy;
        double z = 0;
        // Rotate about x (tiltY), then y (tiltX).
        const double y1 = y * std::cos(ax) - z * std::sin(ax);
        const double z1 = y * std::sin(ax) + z * std::cos(ax);
        const double x2 = x * std::cos(ay) + z1 * std::sin(ay);
        const double z2 = -x * std::sin(ay) + z1 * std::cos(ay);
        x = x2 * f / (f + z2);
        y = y1 * f / (f + z2);
        dst[i] = cv::Point2f(static_cast<float>(o.centre.x + x * std::cos(az) - y * std::sin(az)),
                             static_cast<float>(o.centre.y + x * std::sin(az) + y * std::cos(az)));
    }
    return cv::getPerspectiveTransform(src.data(), dst.data());
}

void composite(cv::Mat& scene, const Canvas& c, const cv::Mat& h, std::vector<ExpectedCode>& codes) {
    std::vector<cv::Point2f> corners{{0, 0},
                                     {static_cast<float>(c.image.cols), 0},
                                     {static_cast<float>(c.image.cols), static_cast<float>(c.image.rows)},
                                     {0, static_cast<float>(c.image.rows)}};
    cv::perspectiveTransform(corners, corners, h);
    const cv::Rect box = cv::boundingRect(corners) & cv::Rect(0, 0, scene.cols, scene.rows);
    if (box.area() > 0) {
        cv::Mat shift = (cv::Mat_<double>(3, 3) << 1, 0, -box.x, 0, 1, -box.y, 0, 0, 1);
        const cv::Mat local = shift * h;
        cv::Mat img;
        cv::Mat alpha;
        cv::warpPerspective(c.image, img, local, box.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
        cv::warpPerspective(c.alpha, alpha, local, box.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
        cv::Mat roi = scene(box);
        cv::Mat a3;
        cv::Mat alphaF;
        alpha.convertTo(alphaF, CV_32F, 1.0 / 255);
        cv::cvtColor(alphaF, a3, cv::COLOR_GRAY2BGR);
        cv::Mat roiF;
        cv::Mat imgF;
        roi.convertTo(roiF, CV_32FC3);
        img.convertTo(imgF, CV_32FC3);
        cv::Mat one(a3.size(), CV_32FC3, cv::Scalar(1, 1, 1));
        cv::Mat out = roiF.mul(one - a3) + imgF.mul(a3);
        out.convertTo(roi, CV_8UC3);
    }
    for (auto e : c.codes) {
        std::vector<cv::Point2f> pts(e.corners.begin(), e.corners.end());
        cv::perspectiveTransform(pts, pts, h);
        const double side = cv::norm(pts[1] - pts[0]);
        const double original = cv::norm(e.corners[1] - e.corners[0]);
        std::copy(pts.begin(), pts.end(), e.corners.begin());
        if (original > 0)
            e.modulePx = static_cast<int>(std::lround(e.modulePx * side / original));
        codes.push_back(e);
    }
}

// [SECTION] Background: brushed stainless steel, an absorbent pad, an alcohol swab packet.
cv::Mat background(const SceneSpec& spec, cv::RNG& rng) {
    cv::Mat steel(spec.height, std::max(1, spec.width / 16), CV_32FC1);
    rng.fill(steel, cv::RNG::NORMAL, 0, 6);
    cv::resize(steel, steel, cv::Size(spec.width, spec.height), 0, 0, cv::INTER_LINEAR);
    cv::Mat base(spec.height, spec.width, CV_32FC1);
    for (int y = 0; y < spec.height; ++y)
        base.row(y).setTo(150 + 25.0 * y / spec.height);
    base += steel;
    cv::Mat grey;
    base.convertTo(grey, CV_8UC1);
    cv::Mat scene;
    cv::cvtColor(grey, scene, cv::COLOR_GRAY2BGR);
    // Absorbent pad (white, quilted) somewhere on the surface.
    const int pw = spec.width * rng.uniform(30, 45) / 100;
    const int ph = spec.height * rng.uniform(40, 60) / 100;
    const cv::Rect pad(rng.uniform(0, std::max(1, spec.width - pw)),
                       rng.uniform(0, std::max(1, spec.height - ph)), pw, ph);
    cv::Mat padRoi = scene(pad);
    padRoi.setTo(cv::Scalar(232, 236, 236));
    for (int k = -ph; k < pw; k += 48) {
        cv::line(padRoi, cv::Point(k, 0), cv::Point(k + ph, ph), cv::Scalar(218, 222, 222), 1, cv::LINE_AA);
        cv::line(padRoi, cv::Point(k + ph, 0), cv::Point(k, ph), cv::Scalar(218, 222, 222), 1, cv::LINE_AA);
    }
    // Alcohol swab packet: text on foil, a negative for the locator.
    const cv::Rect swab(rng.uniform(0, std::max(1, spec.width - 160)),
                        rng.uniform(0, std::max(1, spec.height - 90)), 150, 80);
    cv::rectangle(scene, swab, cv::Scalar(225, 225, 230), cv::FILLED);
    text(scene, "ALCOHOL", swab.tl() + cv::Point(12, 32), 0.7, {40, 40, 200}, 2);
    text(scene, "PREP PAD 70%", swab.tl() + cv::Point(12, 62), 0.5, {40, 40, 40}, 1);
    return scene;
}

// [SECTION] Camera faults
void applyEffects(cv::Mat& scene, const SceneEffects& fx, const std::vector<ExpectedCode>& codes,
                  cv::RNG& rng) {
    cv::Mat f;
    scene.convertTo(f, CV_32FC3);
    if (fx.glare && !codes.empty()) {
        const auto& c = codes.front();
        const cv::Point2f centre =
            (c.corners[0] + c.corners[2]) * 0.5f + (c.corners[1] - c.corners[0]) * 0.15f;
        cv::Mat blob(scene.size(), CV_32FC1, cv::Scalar(0));
        cv::circle(blob, centre, static_cast<int>(fx.glareRadius), cv::Scalar(1), cv::FILLED, cv::LINE_AA);
        cv::GaussianBlur(blob, blob, cv::Size(0, 0), fx.glareRadius / 3);
        cv::Mat blob3;
        cv::cvtColor(blob, blob3, cv::COLOR_GRAY2BGR);
        f += blob3 * 400.0;
    }
    if (fx.gain != 1)
        f *= fx.gain;
    if (fx.contrast != 1)
        f = (f - cv::Scalar::all(128)) * fx.contrast + cv::Scalar::all(128);
    if (fx.gaussianSigma > 0)
        cv::GaussianBlur(f, f, cv::Size(0, 0), fx.gaussianSigma);
    if (fx.motionPx >= 2) {
        const int k = static_cast<int>(std::lround(fx.motionPx)) | 1;
        cv::Mat kernel(k, k, CV_32FC1, cv::Scalar(0));
        const double a = fx.motionAngleDeg * kPi / 180;
        const cv::Point2d d(std::cos(a) * k / 2.0, std::sin(a) * k / 2.0);
        cv::line(kernel, cv::Point2d(k / 2.0, k / 2.0) - d, cv::Point2d(k / 2.0, k / 2.0) + d, cv::Scalar(1),
                 1);
        kernel /= cv::sum(kernel)[0];
        cv::filter2D(f, f, -1, kernel);
    }
    if (fx.noiseSigma > 0) {
        cv::Mat noise(f.size(), CV_32FC3);
        rng.fill(noise, cv::RNG::NORMAL, 0, fx.noiseSigma);
        f += noise;
    }
    f.convertTo(scene, CV_8UC3); // saturates: over-exposure clips at 255
}

} // namespace

std::string formatName(CodeKind kind) {
    switch (kind) {
    case CodeKind::DataMatrixGs1:
    case CodeKind::DataMatrix:
        return "DataMatrix";
    case CodeKind::Gs1_128:
    case CodeKind::Code128:
        return "Code128";
    case CodeKind::Ean13:
        return "EAN-13";
    case CodeKind::UpcA:
        return "UPC-A";
    case CodeKind::QrCode:
        return "QRCode";
    }
    return "?";
}

Result<cv::Mat> renderCode(const LabelCode& code, int quietModules) {
    auto img = makeCode(code, quietModules);
    if (!img)
        return img.error();
    return img->image;
}

std::string demoGs1(int n) {
    // Labeler 0409 / 0338 style NDCs: 10 digits, GTIN-14 = "003" + NDC-10 + check.
    static constexpr std::array<const char*, 6> kNdc{"0409397703", "0338004904", "0143992510",
                                                     "6332318210", "0781320695", "2515401101"};
    const std::string ndc = kNdc[static_cast<size_t>(std::abs(n)) % kNdc.size()];
    std::string gtin = "003" + ndc;
    gtin += gs1CheckDigit(gtin);
    const int k = std::abs(n);
    char expiry[16];
    std::snprintf(expiry, sizeof expiry, "%02d%02d%02d", 27 + k % 3, 1 + k % 12, k % 5 == 0 ? 0 : 1 + k % 28);
    char lot[16];
    std::snprintf(lot, sizeof lot, "L%05dA", (k * 7919) % 100000);
    char serial[16];
    std::snprintf(serial, sizeof serial, "S%08d", (k * 104729) % 100000000);
    return gs1ElementString(gtin, expiry, lot, k % 2 == 0 ? std::string_view(serial) : std::string_view());
}

Result<RenderedScene> renderScene(const SceneSpec& spec) {
    if (spec.width < 64 || spec.height < 64 || spec.width > 8192 || spec.height > 8192)
        return Result<RenderedScene>::fail("scene size out of range (64..8192 pixels)",
                                           std::to_string(spec.width) + "x" + std::to_string(spec.height));
    cv::RNG rng(spec.seed);
    RenderedScene out;
    out.image = background(spec, rng);
    for (const auto& o : spec.objects) {
        Result<Canvas> canvas = Result<Canvas>::fail("unknown object");
        switch (o.kind) {
        case ObjectKind::Vial:
            canvas = drawVial(o);
            break;
        case ObjectKind::Syringe:
            canvas = drawSyringe(o);
            break;
        case ObjectKind::Bag:
            canvas = drawBag(o);
            break;
        }
        if (!canvas)
            return canvas.error();
        composite(out.image, *canvas, projection(o, canvas->image.size()), out.codes);
    }
    applyEffects(out.image, spec.effects, out.codes, rng);
    return out;
}

} // namespace admix::vision
