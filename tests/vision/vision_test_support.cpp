#include "tests/vision/vision_test_support.hpp"

#include <ZXing/ReadBarcode.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace admix::vision::test {

const std::vector<RenderedCase>& renderedTestSet() {
    static const std::vector<RenderedCase> cases = [] {
        TestSetOptions options;
        options.seed = 20261121;
        options.perCategory = 2;
        std::vector<RenderedCase> out;
        for (auto& c : makeTestSet(options)) {
            auto scene = renderScene(c.spec);
            if (!scene)
                throw std::runtime_error(c.name + ": " + scene.error().text());
            out.push_back({c, std::move(*scene)});
        }
        return out;
    }();
    return cases;
}

bool matches(const DecodedCode& decoded, const ExpectedCode& expected) {
    if (decoded.format != expected.format || decoded.text != expected.text)
        return false;
    const cv::Point2f centre =
        (decoded.corners[0] + decoded.corners[1] + decoded.corners[2] + decoded.corners[3]) * 0.25f;
    std::vector<cv::Point2f> quad(expected.corners.begin(), expected.corners.end());
    // Linear codes: ZXing reports the scan line, inside the bars' quad; allow a few pixels of slack.
    return cv::pointPolygonTest(quad, centre, true) > -6;
}

bool readableWhereItIs(const cv::Mat& image, const ExpectedCode& expected) {
    // Warp the code's own quad (grown by a quiet-zone margin) upright: the best crop anyone could cut.
    cv::Mat grey;
    cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
    const auto& q = expected.corners;
    const float w = static_cast<float>(std::max(cv::norm(q[1] - q[0]), cv::norm(q[2] - q[3])));
    const float h = static_cast<float>(std::max(cv::norm(q[3] - q[0]), cv::norm(q[2] - q[1])));
    // Enlarged so that modules are at least three pixels (a reader may resample; so does this).
    const float scale = std::max(1.0f, 3.0f / static_cast<float>(std::max(1, expected.modulePx)));
    const float margin = 0.25f * std::max(w, h) * scale;
    const float sw = w * scale;
    const float sh = h * scale;
    const std::array<cv::Point2f, 4> dst{cv::Point2f(margin, margin), cv::Point2f(margin + sw, margin),
                                         cv::Point2f(margin + sw, margin + sh),
                                         cv::Point2f(margin, margin + sh)};
    const cv::Mat m = cv::getPerspectiveTransform(q.data(), dst.data());
    cv::Mat upright;
    cv::warpPerspective(grey, upright, m,
                        cv::Size(static_cast<int>(sw + 2 * margin), static_cast<int>(sh + 2 * margin)),
                        cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    const ZXing::ImageView view(upright.data, upright.cols, upright.rows, ZXing::ImageFormat::Lum,
                                static_cast<int>(upright.step[0]));
    for (const auto& r : ZXing::ReadBarcodes(view))
        if (r.isValid() && r.text() == expected.text)
            return true;
    return false;
}

} // namespace admix::vision::test
