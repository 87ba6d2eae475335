#include "vision/field_set.hpp"

#include "vision/datamatrix_encoder.hpp"

#include <dmtx.h>
#include <zint.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

// [SECTION] index: messages -> encoders -> labels -> scene (background, warps, faults) -> categories

namespace admix::vision {

namespace {

constexpr double kPi = 3.14159265358979323846;

constexpr std::array<const char*, 10> kDrugs{
    "CEFTRIAXONE 1 g",       "VANCOMYCIN 1 g",        "MEROPENEM 500 mg",   "FUROSEMIDE 10 mg/mL",
    "INSULIN REG 100 U/mL",  "NOREPINEPHRINE 4 mg",   "MAGNESIUM SULF 50%", "PANTOPRAZOLE 40 mg",
    "DEXAMETHASONE 4 mg/mL", "AMIODARONE 150 mg/3 mL"};

std::string randomAlnum(cv::RNG& rng, int minLen, int maxLen, bool withDash) {
    static constexpr std::string_view kChars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    const int n = rng.uniform(minLen, maxLen + 1);
    std::string s;
    for (int i = 0; i < n; ++i) {
        if (withDash && i > 1 && i < n - 1 && rng.uniform(0, 9) == 0 && s.back() != '-')
            s += '-';
        else
            s += kChars[static_cast<size_t>(rng.uniform(0, static_cast<int>(kChars.size())))];
    }
    return s;
}

std::string digits(cv::RNG& rng, int n) {
    std::string s;
    for (int i = 0; i < n; ++i)
        s += static_cast<char>('0' + rng.uniform(0, 10));
    return s;
}

} // namespace

Gs1Message randomDrugMessage(cv::RNG& rng) {
    // GTIN-14 from a US NDC: indicator 0 or 1..3 (case packs), "03", the 10-digit NDC, check digit.
    const std::string body = std::to_string(rng.uniform(0, 4)) + "03" + digits(rng, 10);
    const std::string gtin = body + gs1CheckDigit(body);
    char expiry[8];
    std::snprintf(expiry, sizeof expiry, "%02d%02d%02d", rng.uniform(26, 32), rng.uniform(1, 13),
                  rng.uniform(0, 4) == 0 ? 0 : rng.uniform(1, 29));
    const std::string lot = randomAlnum(rng, 4, 10, true);
    const std::string serial =
        rng.uniform(0, 3) == 0 ? digits(rng, rng.uniform(8, 13)) : randomAlnum(rng, 6, 14, false);
    struct Field {
        const char* ai;
        std::string value;
        bool variable;
    };
    const Field g{"01", gtin, false};
    const Field e{"17", expiry, false};
    const Field l{"10", lot, true};
    const Field s{"21", serial, true};
    static const std::array<std::array<int, 4>, 4> kOrders{
        {{0, 1, 2, 3}, {0, 1, 3, 2}, {0, 3, 1, 2}, {0, 2, 1, 3}}};
    const std::array<const Field*, 4> fields{&g, &e, &l, &s};
    const auto& order = kOrders[static_cast<size_t>(rng.uniform(0, 4))];
    Gs1Message m;
    for (size_t i = 0; i < 4; ++i) {
        const Field& f = *fields[static_cast<size_t>(order[i])];
        m.elementString += f.ai + f.value;
        if (f.variable && i + 1 < 4)
            m.elementString += '\x1D';
        m.bracketed += std::string("[") + f.ai + "]" + f.value;
    }
    return m;
}

std::string toString(FieldEncoder e) {
    switch (e) {
    case FieldEncoder::Project:
        return "project";
    case FieldEncoder::Zint:
        return "zint";
    case FieldEncoder::Libdmtx:
        return "libdmtx";
    }
    return "?";
}

// [SECTION] Encoders
namespace {

Result<ModuleMatrix> encodeZint(const Gs1Message& message, int variant) {
    std::unique_ptr<zint_symbol, void (*)(zint_symbol*)> symbol(ZBarcode_Create(), ZBarcode_Delete);
    if (!symbol)
        return Result<ModuleMatrix>::fail("libzint could not allocate a symbol", "zint");
    symbol->symbology = BARCODE_DATAMATRIX;
    symbol->input_mode = GS1_MODE;
    symbol->option_3 = variant % 2 == 0 ? DM_SQUARE : 0; // odd variants: rectangular sizes allowed
    const int err =
        ZBarcode_Encode(symbol.get(), reinterpret_cast<const unsigned char*>(message.bracketed.data()),
                        static_cast<int>(message.bracketed.size()));
    if (err >= ZINT_ERROR)
        return Result<ModuleMatrix>::fail(std::string("libzint refused the message: ") + symbol->errtxt,
                                          message.bracketed);
    ModuleMatrix m;
    m.cols = symbol->width;
    m.rows = symbol->rows;
    m.dark.resize(static_cast<size_t>(m.cols * m.rows));
    for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x)
            m.dark[static_cast<size_t>(y * m.cols + x)] = (symbol->encoded_data[y][x >> 3] >> (x & 7)) & 1;
    return m;
}

Result<ModuleMatrix> encodeDmtx(const Gs1Message& message, int variant) {
    // FNC1 as byte 232: first (GS1) and in place of each GS.
    std::vector<unsigned char> bytes{232};
    for (const char c : message.elementString)
        bytes.push_back(c == '\x1D' ? 232 : static_cast<unsigned char>(c));
    static constexpr std::array<int, 3> kSchemes{DmtxSchemeAutoBest, DmtxSchemeAscii, DmtxSchemeAutoFast};
    for (int attempt = 0; attempt < 2; ++attempt) {
        DmtxEncode* enc = dmtxEncodeCreate();
        if (enc == nullptr)
            return Result<ModuleMatrix>::fail("libdmtx could not allocate an encoder", "libdmtx");
        dmtxEncodeSetProp(enc, DmtxPropPixelPacking, DmtxPack8bppK);
        dmtxEncodeSetProp(enc, DmtxPropModuleSize, 1);
        dmtxEncodeSetProp(enc, DmtxPropMarginSize, 0);
        dmtxEncodeSetProp(enc, DmtxPropFnc1, 232);
        dmtxEncodeSetProp(enc, DmtxPropScheme,
                          attempt == 0 ? kSchemes[static_cast<size_t>(variant) % kSchemes.size()]
                                       : DmtxSchemeAscii);
        dmtxEncodeSetProp(enc, DmtxPropSizeRequest, variant >= 3 ? DmtxSymbolRectAuto : DmtxSymbolSquareAuto);
        if (dmtxEncodeDataMatrix(enc, static_cast<int>(bytes.size()), bytes.data()) == DmtxPass) {
            ModuleMatrix m;
            m.cols = dmtxImageGetProp(enc->image, DmtxPropWidth);
            m.rows = dmtxImageGetProp(enc->image, DmtxPropHeight);
            m.dark.resize(static_cast<size_t>(m.cols * m.rows));
            for (int y = 0; y < m.rows; ++y)
                for (int x = 0; x < m.cols; ++x) {
                    int v = 255;
                    // libdmtx's y axis points up: row 0 of the symbol is its last image row.
                    dmtxImageGetPixelValue(enc->image, x, m.rows - 1 - y, 0, &v);
                    m.dark[static_cast<size_t>(y * m.cols + x)] = v < 128 ? 1 : 0;
                }
            dmtxEncodeDestroy(&enc);
            return m;
        }
        dmtxEncodeDestroy(&enc);
    }
    return Result<ModuleMatrix>::fail("libdmtx could not encode the message", message.bracketed);
}

} // namespace

Result<ModuleMatrix> encodeGs1DataMatrix(FieldEncoder encoder, const Gs1Message& message, int variant) {
    switch (encoder) {
    case FieldEncoder::Zint:
        return encodeZint(message, variant);
    case FieldEncoder::Libdmtx:
        return encodeDmtx(message, variant);
    case FieldEncoder::Project: {
        auto s = encodeDataMatrix(message.elementString, true);
        if (!s)
            return s.error();
        ModuleMatrix m;
        m.cols = s->size;
        m.rows = s->size;
        m.dark = s->modules;
        return m;
    }
    }
    return Result<ModuleMatrix>::fail("unknown encoder", "field set");
}

// [SECTION] Labels
namespace {

using Quad = std::array<cv::Point2f, 4>;

struct PlacedCode {
    Quad corners; // in label pixels, symbol top-left first, clockwise
    std::string text;
    std::string encoder;
    int modulePx = 0;
};

struct Label {
    cv::Mat image; // BGR
    cv::Mat alpha; // 8-bit, 255 = label
    std::vector<PlacedCode> codes;
};

struct CodeArt {
    ModuleMatrix matrix;
    std::string text;
    std::string encoder;
};

Result<CodeArt> makeCodeArt(cv::RNG& rng, bool heldOut) {
    const Gs1Message msg = randomDrugMessage(rng);
    FieldEncoder enc = FieldEncoder::Project;
    int variant = 0;
    if (heldOut) {
        enc = rng.uniform(0, 2) == 0 ? FieldEncoder::Zint : FieldEncoder::Libdmtx;
        variant = rng.uniform(1, 5); // other schemes, rectangular sizes
    } else {
        enc = std::array<FieldEncoder, 3>{FieldEncoder::Project, FieldEncoder::Zint,
                                          FieldEncoder::Libdmtx}[static_cast<size_t>(rng.uniform(0, 3))];
        variant = 0;
    }
    auto m = encodeGs1DataMatrix(enc, msg, variant);
    if (!m)
        return m.error();
    return CodeArt{std::move(*m), msg.elementString, toString(enc)};
}

void drawModules(cv::Mat& img, const ModuleMatrix& m, int px, cv::Point at, cv::Scalar ink) {
    for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x)
            if (m.at(x, y))
                img(cv::Rect(at.x + x * px, at.y + y * px, px, px)).setTo(ink);
}

void textLine(cv::Mat& img, const std::string& s, cv::Point at, int heightPx, cv::Scalar ink, bool bold) {
    const double scale = std::max(0.25, heightPx / 22.0);
    cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, ink,
                bold ? std::max(2, heightPx / 8) : std::max(1, heightPx / 14), cv::LINE_AA);
}

// Lines of label text (drug, NDC, lot, expiry) filling `area` of `img`.
void labelText(cv::Mat& img, cv::Rect area, int heightPx, cv::Scalar ink, cv::RNG& rng) {
    const std::array<std::string, 5> lines{
        kDrugs[static_cast<size_t>(rng.uniform(0, static_cast<int>(kDrugs.size())))],
        "NDC " + digits(rng, 5) + "-" + digits(rng, 3) + "-" + digits(rng, 2),
        "LOT " + randomAlnum(rng, 5, 8, false) + "  EXP " + std::to_string(rng.uniform(1, 13)) + "/20" +
            std::to_string(rng.uniform(26, 32)),
        "For IV use only. Rx only", "Store at 20-25 C. Single-dose vial"};
    int y = area.y + heightPx + 2;
    for (size_t i = 0; y <= area.y + area.height; ++i) {
        const int h = i == 0 ? heightPx * 5 / 4 : heightPx;
        if (y + (i == 0 ? h / 4 : 0) > area.y + area.height)
            break;
        cv::Mat roi = img(area);
        textLine(roi, lines[i % lines.size()], cv::Point(2, y - area.y), h, ink, i == 0);
        y += h * 3 / 2;
    }
}

enum class Layout { BesideText, Edge, Multi, CodeOnly };

// A label carrying `arts` (one, or several for Multi) with modules of `px` and `quiet` modules of quiet
// zone, laid out as asked.
Label makeLabel(const std::vector<CodeArt>& arts, Layout layout, int px, int quiet, cv::RNG& rng) {
    const cv::Scalar paper = cv::Scalar::all(rng.uniform(222, 250));
    const cv::Scalar ink = cv::Scalar::all(rng.uniform(15, 60));
    const int q = quiet * px;
    int codesW = 0;
    int codesH = 0;
    for (const auto& a : arts) {
        codesW += a.matrix.cols * px + (codesW > 0 ? 2 * q : 0);
        codesH = std::max(codesH, a.matrix.rows * px);
    }
    const int textH = std::clamp(px * rng.uniform(3, 7), 9, 40);
    int textW = 0;
    if (layout == Layout::BesideText || layout == Layout::Edge)
        textW = std::max(codesW * 3 / 2, textH * 14);
    const int margin = q + rng.uniform(0, 3) * px;
    int w = codesW + 2 * margin + (textW > 0 ? textW + q : 0);
    int h = codesH + 2 * margin;
    if (layout == Layout::BesideText || layout == Layout::Edge)
        h = std::max(h, textH * 6);
    if (layout == Layout::Multi)
        h += textH * 4; // text above the codes
    Label label;
    label.image = cv::Mat(h, w, CV_8UC3, paper);
    label.alpha = cv::Mat(h, w, CV_8UC1, cv::Scalar(255));
    const bool codeLeft = rng.uniform(0, 2) == 0;
    int x0 = 0;
    int y0 = (h - codesH) / 2;
    cv::Rect textArea;
    switch (layout) {
    case Layout::BesideText:
        x0 = codeLeft ? margin : w - margin - codesW;
        textArea = codeLeft ? cv::Rect(x0 + codesW + q, 2, w - (x0 + codesW + q) - 2, h - 4)
                            : cv::Rect(2, 2, x0 - q - 2, h - 4);
        break;
    case Layout::Edge: {
        // The code touches the label edge: on the left, the right, the top or the bottom.
        const int side = rng.uniform(0, 4);
        x0 = side == 0 ? 0 : w - codesW - (side == 1 ? 0 : margin);
        if (side >= 2) {
            x0 = codeLeft ? margin : w - margin - codesW;
            y0 = side == 2 ? 0 : h - codesH;
        }
        textArea = (x0 < w / 2) ? cv::Rect(x0 + codesW + q, 2, w - (x0 + codesW + q) - 2, h - 4)
                                : cv::Rect(2, 2, x0 - q - 2, h - 4);
        break;
    }
    case Layout::Multi:
        x0 = margin;
        y0 = h - margin - codesH;
        textArea = cv::Rect(margin, 2, w - 2 * margin, y0 - q - 2);
        break;
    case Layout::CodeOnly:
        x0 = margin;
        break;
    }
    if (textArea.width > textH && textArea.height > textH)
        labelText(label.image, textArea, textH, ink, rng);
    int x = x0;
    for (const auto& a : arts) {
        const int cw = a.matrix.cols * px;
        const int ch = a.matrix.rows * px;
        const int y = y0 + (codesH - ch) / 2;
        drawModules(label.image, a.matrix, px, cv::Point(x, y), ink);
        const float fx = static_cast<float>(x);
        const float fy = static_cast<float>(y);
        label.codes.push_back({Quad{cv::Point2f(fx, fy), cv::Point2f(fx + cw, fy),
                                    cv::Point2f(fx + cw, fy + ch), cv::Point2f(fx, fy + ch)},
                               a.text, a.encoder, px});
        x += cw + 2 * q;
    }
    return label;
}

// A label with text only (clutter, and the no-code frames).
Label textLabel(cv::RNG& rng, int textH) {
    const int w = textH * rng.uniform(14, 24);
    const int h = textH * rng.uniform(5, 9);
    Label l;
    l.image = cv::Mat(h, w, CV_8UC3, cv::Scalar::all(rng.uniform(215, 250)));
    l.alpha = cv::Mat(h, w, CV_8UC1, cv::Scalar(255));
    if (rng.uniform(0, 2) == 0) // a coloured band
        cv::rectangle(l.image, cv::Rect(0, 0, w, h / 5),
                      cv::Scalar(rng.uniform(40, 220), rng.uniform(40, 220), rng.uniform(40, 220)),
                      cv::FILLED);
    labelText(l.image, cv::Rect(textH / 2, h / 5 + 2, w - textH, h - h / 5 - 4), textH,
              cv::Scalar::all(rng.uniform(15, 60)), rng);
    return l;
}

// Light on dark: the label printed negative (dark stock, light modules and text).
void invertLabel(Label& l) {
    cv::bitwise_not(l.image, l.image);
}

// Seen from behind: the label flipped left to right, corners too (the symbol's own top-left moves).
void mirrorLabel(Label& l) {
    cv::flip(l.image, l.image, 1);
    cv::flip(l.alpha, l.alpha, 1);
    const float w = static_cast<float>(l.image.cols);
    for (auto& c : l.codes) {
        Quad q;
        for (size_t i = 0; i < 4; ++i)
            q[i] = cv::Point2f(w - c.corners[i].x, c.corners[i].y);
        c.corners = {q[1], q[0], q[3], q[2]};
    }
}

// Wrapped round a cylinder whose axis is vertical at x = axis (label pixels), seen from above: the
// label compresses towards the sides and darkens with the surface angle; beyond the radius it is gone.
void curveLabel(Label& l, double radius, double axis) {
    cv::Mat mapX(l.image.size(), CV_32FC1);
    cv::Mat mapY(l.image.size(), CV_32FC1);
    cv::Mat shade(l.image.size(), CV_32FC1);
    for (int u = 0; u < l.image.cols; ++u) {
        const double d = (u - axis) / radius;
        const bool visible = std::abs(d) < 0.999;
        const double s = visible ? radius * std::asin(d) : 1e6;
        const float sx = static_cast<float>(axis + s);
        for (int v = 0; v < l.image.rows; ++v) {
            mapX.at<float>(v, u) = visible ? sx : -10.0f;
            mapY.at<float>(v, u) = static_cast<float>(v);
            shade.at<float>(v, u) = visible ? static_cast<float>(0.6 + 0.4 * std::cos(std::asin(d))) : 0.0f;
        }
    }
    cv::Mat img;
    cv::Mat alpha;
    cv::remap(l.image, img, mapX, mapY, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    cv::remap(l.alpha, alpha, mapX, mapY, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::Mat f;
    img.convertTo(f, CV_32FC3);
    cv::Mat shade3;
    cv::cvtColor(shade, shade3, cv::COLOR_GRAY2BGR);
    f = f.mul(shade3);
    f.convertTo(l.image, CV_8UC3);
    l.alpha = alpha;
    for (auto& c : l.codes)
        for (auto& p : c.corners) {
            const double s = (p.x - axis) / radius;
            p.x = static_cast<float>(axis + radius * std::sin(std::clamp(s, -kPi / 2, kPi / 2)));
        }
}

// [SECTION] Scene
// Label -> frame: a plane turned by tiltX/tiltY (radians, pinhole camera), rotated by angle, centred at `at`.
cv::Mat placement(cv::Size label, cv::Point2f at, double angleDeg, double tiltX, double tiltY,
                  double scale = 1) {
    const double f = 1800;
    const double cx = label.width / 2.0;
    const double cy = label.height / 2.0;
    const double az = angleDeg * kPi / 180;
    const std::array<cv::Point2f, 4> src{
        cv::Point2f(0, 0), cv::Point2f(static_cast<float>(label.width), 0),
        cv::Point2f(static_cast<float>(label.width), static_cast<float>(label.height)),
        cv::Point2f(0, static_cast<float>(label.height))};
    std::array<cv::Point2f, 4> dst{};
    for (size_t i = 0; i < 4; ++i) {
        const double x = (src[i].x - cx) * scale;
        const double y = (src[i].y - cy) * scale;
        const double y1 = y * std::cos(tiltY);
        const double z1 = y * std::sin(tiltY);
        const double x2 = x * std::cos(tiltX) + z1 * std::sin(tiltX);
        const double z2 = -x * std::sin(tiltX) + z1 * std::cos(tiltX);
        const double px = x2 * f / (f + z2);
        const double py = y1 * f / (f + z2);
        dst[i] = cv::Point2f(static_cast<float>(at.x + px * std::cos(az) - py * std::sin(az)),
                             static_cast<float>(at.y + px * std::sin(az) + py * std::cos(az)));
    }
    return cv::getPerspectiveTransform(src.data(), dst.data());
}

void composite(cv::Mat& frame, const Label& l, const cv::Mat& h, std::vector<ExpectedCode>* codes,
               std::vector<std::string>* encoders) {
    std::vector<cv::Point2f> outline{{0, 0},
                                     {static_cast<float>(l.image.cols), 0},
                                     {static_cast<float>(l.image.cols), static_cast<float>(l.image.rows)},
                                     {0, static_cast<float>(l.image.rows)}};
    cv::perspectiveTransform(outline, outline, h);
    const cv::Rect box = cv::boundingRect(outline) & cv::Rect(0, 0, frame.cols, frame.rows);
    if (box.area() > 0) {
        const cv::Mat shift = (cv::Mat_<double>(3, 3) << 1, 0, -box.x, 0, 1, -box.y, 0, 0, 1);
        const cv::Mat local = shift * h;
        cv::Mat img;
        cv::Mat alpha;
        cv::warpPerspective(l.image, img, local, box.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
        cv::warpPerspective(l.alpha, alpha, local, box.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
        cv::Mat roi = frame(box);
        for (int y = 0; y < box.height; ++y) {
            auto* dst = roi.ptr<cv::Vec3b>(y);
            const auto* src = img.ptr<cv::Vec3b>(y);
            const auto* a = alpha.ptr<uint8_t>(y);
            for (int x = 0; x < box.width; ++x)
                for (int k = 0; k < 3; ++k)
                    dst[x][k] =
                        static_cast<uint8_t>((src[x][k] * a[x] + dst[x][k] * (255 - a[x]) + 127) / 255);
        }
    }
    if (codes == nullptr)
        return;
    for (const auto& c : l.codes) {
        std::vector<cv::Point2f> pts(c.corners.begin(), c.corners.end());
        cv::perspectiveTransform(pts, pts, h);
        ExpectedCode e;
        e.format = "DataMatrix";
        e.text = c.text;
        std::copy(pts.begin(), pts.end(), e.corners.begin());
        const double side = cv::norm(c.corners[1] - c.corners[0]);
        e.modulePx = side > 0 ? static_cast<int>(std::lround(c.modulePx * cv::norm(pts[1] - pts[0]) / side))
                              : c.modulePx;
        codes->push_back(e);
        if (encoders != nullptr)
            encoders->push_back(c.encoder);
    }
}

// Brushed steel with a light gradient, an absorbent pad, syringes (barrels with graduations) and text labels.
cv::Mat background(cv::Size size, cv::RNG& rng) {
    cv::Mat streaks(size.height, std::max(1, size.width / 24), CV_32FC1);
    rng.fill(streaks, cv::RNG::NORMAL, 0, 7);
    cv::resize(streaks, streaks, size, 0, 0, cv::INTER_LINEAR);
    const double base = rng.uniform(105.0, 165.0);
    const double slope = rng.uniform(-40.0, 40.0);
    cv::Mat f(size, CV_32FC1);
    for (int y = 0; y < size.height; ++y)
        f.row(y).setTo(base + slope * y / size.height);
    f += streaks;
    cv::Mat grey;
    f.convertTo(grey, CV_8UC1);
    cv::Mat frame;
    cv::cvtColor(grey, frame, cv::COLOR_GRAY2BGR);
    if (rng.uniform(0, 3) > 0) {
        const cv::RotatedRect pad(
            cv::Point2f(rng.uniform(0.2f, 0.8f) * size.width, rng.uniform(0.2f, 0.8f) * size.height),
            cv::Size2f(size.width * rng.uniform(0.25f, 0.45f), size.height * rng.uniform(0.35f, 0.6f)),
            rng.uniform(-20.0f, 20.0f));
        std::array<cv::Point2f, 4> p;
        pad.points(p.data());
        std::vector<cv::Point> poly(p.begin(), p.end());
        cv::fillConvexPoly(frame, poly, cv::Scalar(232, 236, 236), cv::LINE_AA);
    }
    const int syringes = rng.uniform(0, 3);
    for (int i = 0; i < syringes; ++i) {
        const cv::Point2f c(rng.uniform(0.1f, 0.9f) * size.width, rng.uniform(0.1f, 0.9f) * size.height);
        const double a = rng.uniform(0.0, kPi);
        const cv::Point2f d(static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a)));
        const cv::Point2f n(-d.y, d.x);
        const float len = rng.uniform(250.0f, 450.0f);
        const float r = rng.uniform(18.0f, 30.0f);
        std::vector<cv::Point> barrel{c - d * len / 2 - n * r, c + d * len / 2 - n * r,
                                      c + d * len / 2 + n * r, c - d * len / 2 + n * r};
        cv::fillConvexPoly(frame, barrel, cv::Scalar(215, 218, 220), cv::LINE_AA);
        for (float t = -len / 2 + 20; t < len / 2 - 20; t += len / 40) // graduations
            cv::line(frame, c + d * t - n * r,
                     c + d * t - n * (r * (static_cast<int>(t) % 5 == 0 ? 0.2f : 0.55f)),
                     cv::Scalar(40, 40, 40), 1, cv::LINE_AA);
    }
    return frame;
}

void addClutter(cv::Mat& frame, cv::RNG& rng, int count) {
    for (int i = 0; i < count; ++i) {
        const Label l = textLabel(rng, rng.uniform(10, 26));
        const cv::Point2f at(rng.uniform(0.1f, 0.9f) * frame.cols, rng.uniform(0.1f, 0.9f) * frame.rows);
        composite(frame, l, placement(l.image.size(), at, rng.uniform(0.0, 360.0), 0, 0), nullptr, nullptr);
    }
}

struct Faults {
    double sigma = 0.5; // optics, always a little
    double motionPx = 0;
    double motionAngle = 0;
    double noise = 2.5;
    double contrast = 1;
    double glareRadius = 0; // > 0: a highlight centred at glareAt
    double glarePeak = 0;
    cv::Point2f glareAt;
    int jpegQuality = 0; // > 0: a JPEG round trip
    bool uneven = false; // a light gradient across the image (tight crops)
};

void applyFaults(cv::Mat& frame, const Faults& fx, cv::RNG& rng) {
    cv::Mat f;
    frame.convertTo(f, CV_32FC3);
    if (fx.uneven) {
        const double a = rng.uniform(0.0, 2 * kPi);
        const double depth = rng.uniform(0.25, 0.45);
        cv::Mat g(frame.size(), CV_32FC1);
        const double diag = std::hypot(frame.cols, frame.rows);
        for (int y = 0; y < frame.rows; ++y)
            for (int x = 0; x < frame.cols; ++x)
                g.at<float>(y, x) =
                    static_cast<float>(1 - depth * (0.5 + ((x - frame.cols / 2.0) * std::cos(a) +
                                                           (y - frame.rows / 2.0) * std::sin(a)) /
                                                              diag));
        cv::Mat g3;
        cv::cvtColor(g, g3, cv::COLOR_GRAY2BGR);
        f = f.mul(g3);
    }
    if (fx.glareRadius > 0) {
        cv::Mat blob(frame.size(), CV_32FC1, cv::Scalar(0));
        cv::circle(blob, fx.glareAt, static_cast<int>(fx.glareRadius), cv::Scalar(1), cv::FILLED,
                   cv::LINE_AA);
        cv::GaussianBlur(blob, blob, cv::Size(0, 0), fx.glareRadius / 2.5);
        cv::Mat blob3;
        cv::cvtColor(blob, blob3, cv::COLOR_GRAY2BGR);
        f += blob3 * fx.glarePeak;
    }
    if (fx.contrast != 1)
        f = (f - cv::Scalar::all(128)) * fx.contrast + cv::Scalar::all(128 + rng.uniform(-25.0, 25.0));
    if (fx.sigma > 0)
        cv::GaussianBlur(f, f, cv::Size(0, 0), fx.sigma);
    if (fx.motionPx >= 2) {
        const int k = static_cast<int>(std::lround(fx.motionPx)) | 1;
        cv::Mat kernel(k, k, CV_32FC1, cv::Scalar(0));
        const double a = fx.motionAngle * kPi / 180;
        const cv::Point2d d(std::cos(a) * (k - 1) / 2.0, std::sin(a) * (k - 1) / 2.0);
        cv::line(kernel, cv::Point2d(k / 2, k / 2) - d, cv::Point2d(k / 2, k / 2) + d, cv::Scalar(1), 1,
                 cv::LINE_AA);
        kernel /= cv::sum(kernel)[0];
        cv::filter2D(f, f, -1, kernel);
    }
    if (fx.noise > 0) {
        cv::Mat noise(f.size(), CV_32FC3);
        rng.fill(noise, cv::RNG::NORMAL, 0, fx.noise);
        f += noise;
    }
    f.convertTo(frame, CV_8UC3);
    if (fx.jpegQuality > 0) {
        std::vector<uint8_t> bytes;
        cv::imencode(".jpg", frame, bytes, {cv::IMWRITE_JPEG_QUALITY, fx.jpegQuality});
        frame = cv::imdecode(bytes, cv::IMREAD_COLOR);
    }
}

// Where a label of `size` placed at `angle` (and up to `grow` larger by tilt) stays inside the frame.
cv::Point2f anywhere(cv::RNG& rng, cv::Size frame, cv::Size label, double grow = 1.0) {
    const float reach = static_cast<float>(0.5 * std::hypot(label.width, label.height) * grow) + 4;
    const float w = static_cast<float>(frame.width);
    const float h = static_cast<float>(frame.height);
    const float rx = std::min(reach, w / 2 - 1);
    const float ry = std::min(reach, h / 2 - 1);
    return {rng.uniform(rx, w - rx), rng.uniform(ry, h - ry)};
}

uint64_t mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

} // namespace

// [SECTION] Categories
const std::vector<std::string>& fieldCategories() {
    static const std::vector<std::string> k{
        "beside-text", "label-edge", "multi", "rotation", "perspective", "curved",  "blur",      "noise",
        "lowcontrast", "glare",      "jpeg",  "inverted", "mirrored",    "modules", "tightcrop", "nocode"};
    return k;
}

std::vector<FieldCaseSpec> planFieldSet(const FieldSetOptions& o) {
    std::vector<FieldCaseSpec> out;
    const auto& cats = fieldCategories();
    for (size_t c = 0; c < cats.size(); ++c)
        for (int i = 0; i < o.perCategory; ++i) {
            FieldCaseSpec s;
            char name[96];
            std::snprintf(name, sizeof name, "%s-%s-%03d", o.heldOut ? "heldout" : "field", cats[c].c_str(),
                          i);
            s.name = name;
            s.category = cats[c];
            s.seed = mix(mix(o.seed ^ (o.heldOut ? 0x5EEDF00Dull : 0)) + c * 1000 + static_cast<uint64_t>(i));
            s.heldOut = o.heldOut;
            s.width = o.width;
            s.height = o.height;
            out.push_back(s);
        }
    return out;
}

Result<FieldCase> renderFieldCase(const FieldCaseSpec& spec) {
    cv::RNG rng(spec.seed);
    FieldCase out;
    out.spec = spec;
    const std::string& cat = spec.category;
    const cv::Size frameSize(spec.width, spec.height);
    // The case's index within its category spreads rotations over the full circle.
    const int index = std::atoi(spec.name.substr(spec.name.size() - 3).c_str());
    Faults fx;
    fx.sigma = rng.uniform(0.35, 0.6);
    fx.noise = rng.uniform(1.5, 4.0);

    if (cat == "nocode") {
        if (index % 3 == 2) { // a small crop of label text
            const Label l = textLabel(rng, rng.uniform(10, 22));
            const int side = std::min(l.image.cols, l.image.rows);
            out.image = l.image(cv::Rect(rng.uniform(0, l.image.cols - side + 1), 0, side, side)).clone();
        } else {
            out.image = background(frameSize, rng);
            addClutter(out.image, rng, rng.uniform(2, 6));
        }
        applyFaults(out.image, fx, rng);
        return out;
    }

    int px = rng.uniform(3, 7);
    int quiet = rng.uniform(1, 4);
    Layout layout = Layout::BesideText;
    int codes = 1;
    double angle = rng.uniform(0.0, 360.0);
    double tiltX = rng.uniform(-0.12, 0.12);
    double tiltY = rng.uniform(-0.12, 0.12);
    double curveRatio = 0; // code width / cylinder radius
    if (cat == "label-edge")
        layout = Layout::Edge;
    else if (cat == "multi") {
        layout = Layout::Multi;
        codes = rng.uniform(2, 4);
        px = rng.uniform(3, 6);
    } else if (cat == "rotation")
        angle = index * 360.0 / 12 + rng.uniform(0.0, 30.0); // 12 per turn: every 30-degree sector
    else if (cat == "perspective") {
        tiltX = (rng.uniform(0, 2) ? 1 : -1) * rng.uniform(0.25, 0.55);
        tiltY = (rng.uniform(0, 2) ? 1 : -1) * rng.uniform(0.1, 0.45);
        px = rng.uniform(4, 7);
    } else if (cat == "curved") {
        curveRatio = rng.uniform(0.45, 0.85);
        px = rng.uniform(3, 6);
    } else if (cat == "blur") {
        px = rng.uniform(4, 7);
        if (index % 2 == 0)
            fx.sigma = px * rng.uniform(0.25, 0.38);
        else {
            fx.motionPx = px * rng.uniform(0.7, 1.1);
            fx.motionAngle = rng.uniform(0.0, 180.0);
        }
    } else if (cat == "noise")
        fx.noise = rng.uniform(10.0, 18.0);
    else if (cat == "lowcontrast")
        fx.contrast = rng.uniform(0.25, 0.4);
    else if (cat == "jpeg")
        fx.jpegQuality = rng.uniform(20, 46);
    else if (cat == "modules") {
        px = 2 + index % 7; // 2..8 px per module
        quiet = 1 + (index / 7 + index) % 4;
        layout = index % 2 ? Layout::CodeOnly : Layout::BesideText;
    } else if (cat == "tightcrop") {
        px = rng.uniform(3, 9);
        layout = Layout::CodeOnly;
        quiet = rng.uniform(1, 3);
    }

    std::vector<CodeArt> arts;
    for (int k = 0; k < codes; ++k) {
        auto art = makeCodeArt(rng, spec.heldOut);
        if (!art)
            return Result<FieldCase>::fail(art.error().message, spec.name);
        arts.push_back(std::move(*art));
    }
    Label label = makeLabel(arts, layout, px, quiet, rng);
    if (cat == "inverted") {
        invertLabel(label);
        out.inverted = true;
    }
    if (cat == "mirrored") {
        mirrorLabel(label);
        out.mirrored = true;
    }
    if (curveRatio > 0) {
        const auto& c = label.codes.front().corners;
        const double codeW = c[1].x - c[0].x;
        const double radius = codeW / curveRatio;
        const double axis = (c[0].x + c[1].x) / 2 + rng.uniform(-0.15, 0.15) * codeW;
        curveLabel(label, radius, axis);
    }

    if (cat == "tightcrop") {
        // The code fills most of a small image: the crop is inside the label (or just past its edge).
        const auto& c = label.codes.front().corners;
        const cv::Point2f centre = (c[0] + c[2]) * 0.5f;
        const double codeSide = std::max(c[1].x - c[0].x, c[2].y - c[1].y);
        const double a = rng.uniform(0.0, 360.0);
        // The turned code with a one-module quiet zone fits; the code fills 55-90% of the side.
        const double turned =
            codeSide * (std::abs(std::cos(a * kPi / 180)) + std::abs(std::sin(a * kPi / 180))) + 2 * px;
        const int side =
            static_cast<int>(std::lround(std::max(turned * 1.04, codeSide / rng.uniform(0.55, 0.9))));
        // Label -> crop: rotate about the code centre, which lands near the crop centre.
        const float slack = static_cast<float>(std::max(0.0, (side - turned) / 2));
        const cv::Point2f at(side / 2.0f + rng.uniform(-slack, slack + 0.01f),
                             side / 2.0f + rng.uniform(-slack, slack + 0.01f));
        cv::Mat h = placement(label.image.size(), at, a, 0, 0);
        // placement() centres the label, not the code: shift so that the code centre lands at `at`.
        std::vector<cv::Point2f> p{centre};
        cv::perspectiveTransform(p, p, h);
        const cv::Mat shift = (cv::Mat_<double>(3, 3) << 1, 0, at.x - p[0].x, 0, 1, at.y - p[0].y, 0, 0, 1);
        h = shift * h;
        // Past the label: paper of another label, steel or a dark vial.
        out.image =
            cv::Mat(side, side, CV_8UC3,
                    cv::Scalar::all(rng.uniform(0, 2) ? rng.uniform(200, 245) : rng.uniform(60, 150)));
        composite(out.image, label, h, &out.codes, &out.encoders);
        fx.uneven = rng.uniform(0, 2) == 0;
        fx.noise = rng.uniform(1.5, 6.0);
        if (index % 4 == 3)
            fx.jpegQuality = rng.uniform(50, 80);
        applyFaults(out.image, fx, rng);
        return out;
    }

    out.image = background(frameSize, rng);
    addClutter(out.image, rng, rng.uniform(1, 4));
    const double grow = 1.0 + std::abs(tiltX) + std::abs(tiltY);
    const cv::Point2f at = anywhere(rng, frameSize, label.image.size(), grow);
    const cv::Mat h = placement(label.image.size(), at, angle, tiltX, tiltY);
    composite(out.image, label, h, &out.codes, &out.encoders);
    if (cat == "glare") {
        // A highlight over part of the code (specular reflection off a glossy label or a vial).
        const auto& e = out.codes.front();
        const float side = static_cast<float>(cv::norm(e.corners[1] - e.corners[0]));
        const cv::Point2f centre = (e.corners[0] + e.corners[2]) * 0.5f;
        const double a = rng.uniform(0.0, 2 * kPi);
        fx.glareAt = centre + cv::Point2f(static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))) *
                                  side * rng.uniform(0.35f, 0.6f);
        fx.glareRadius = side * rng.uniform(0.35, 0.55);
        fx.glarePeak = rng.uniform(110.0, 170.0);
    }
    applyFaults(out.image, fx, rng);
    return out;
}

Result<std::vector<ManifestEntry>> writeFieldSet(const std::vector<FieldCaseSpec>& cases,
                                                 const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return Result<std::vector<ManifestEntry>>::fail("cannot create the directory: " + ec.message(),
                                                        dir.string());
    std::vector<ManifestEntry> entries;
    for (const auto& c : cases) {
        auto fc = renderFieldCase(c);
        if (!fc)
            return fc.error();
        ManifestEntry e{c.name + ".png", c.category, true, QualityExpectation::None, fc->codes};
        const auto path = dir / e.file;
        if (!cv::imwrite(path.string(), fc->image))
            return Result<std::vector<ManifestEntry>>::fail("cannot write the image", path.string());
        entries.push_back(std::move(e));
    }
    auto written = writeManifest(entries, dir);
    if (!written)
        return written.error();
    return entries;
}

} // namespace admix::vision
