#include "vision/evidence.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sodium.h>

#include <algorithm>
#include <array>

namespace admix::vision {

std::string sha256Hex(const std::vector<uint8_t>& bytes) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), bytes.data(), bytes.size());
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(digest.size() * 2);
    for (const unsigned char b : digest) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

cv::Mat annotateEvidence(const cv::Mat& frame, const EvidenceCaption& c) {
    cv::Mat bgr;
    if (frame.channels() == 1)
        cv::cvtColor(frame, bgr, cv::COLOR_GRAY2BGR);
    else if (frame.channels() == 4)
        cv::cvtColor(frame, bgr, cv::COLOR_BGRA2BGR);
    else
        bgr = frame;
    // Text scaled to the frame: readable on a pharmacist's screen at full size and in review.
    const double scale = std::max(0.5, bgr.cols / 1600.0);
    const int line = static_cast<int>(38 * scale);
    const int pad = static_cast<int>(14 * scale);
    const int thick = std::max(1, static_cast<int>(std::lround(1.6 * scale)));
    const std::array<std::string, 3> lines{
        "Prep " + c.preparationId + "   step: " + c.step + "   " + c.drug,
        "target " + c.target + "   measured " + c.measured,
        "by " + c.user + "   " + formatIsoUtc(c.takenAt) + " (UTC)",
    };
    cv::Mat out(bgr.rows + 2 * pad + line * static_cast<int>(lines.size()), bgr.cols, CV_8UC3,
                cv::Scalar(24, 24, 24));
    bgr.copyTo(out(cv::Rect(0, 0, bgr.cols, bgr.rows)));
    for (size_t i = 0; i < lines.size(); ++i) {
        const cv::Point at(pad, bgr.rows + pad + line * static_cast<int>(i + 1) - line / 4);
        cv::putText(out, lines[i], at, cv::FONT_HERSHEY_SIMPLEX, 0.9 * scale, cv::Scalar(255, 255, 255),
                    thick, cv::LINE_AA);
    }
    return out;
}

Result<EvidencePhoto> makeEvidencePhoto(const cv::Mat& frame, const EvidenceCaption& caption,
                                        const QualityThresholds& thresholds, const EvidenceOptions& options) {
    if (frame.empty() || frame.depth() != CV_8U)
        return Result<EvidencePhoto>::fail("no picture to keep: the camera gave no frame", "evidence photo");
    EvidencePhoto photo;
    photo.quality = assessQuality(frame, thresholds, caption.subject);
    if (!photo.quality.acceptable())
        return Result<EvidencePhoto>::fail(photo.quality.summary(), "evidence photo");
    if (sodium_init() < 0)
        return Result<EvidencePhoto>::fail("the hashing library could not start", "libsodium");

    const cv::Mat annotated = annotateEvidence(frame, caption);
    const std::vector<int> params{cv::IMWRITE_JPEG_QUALITY, std::clamp(options.jpegQuality, 10, 100)};
    if (!cv::imencode(".jpg", annotated, photo.jpeg, params) || photo.jpeg.empty())
        return Result<EvidencePhoto>::fail("the photo could not be encoded as JPEG", "evidence photo");
    photo.sha256 = sha256Hex(photo.jpeg);
    photo.width = annotated.cols;
    photo.height = annotated.rows;

    const double f = std::min(1.0, static_cast<double>(std::max(16, options.thumbnailSide)) /
                                       std::max(annotated.cols, annotated.rows));
    cv::Mat thumb;
    cv::resize(annotated, thumb, cv::Size(), f, f, cv::INTER_AREA);
    if (!cv::imencode(".jpg", thumb, photo.thumbnail, {cv::IMWRITE_JPEG_QUALITY, 80}) ||
        photo.thumbnail.empty())
        return Result<EvidencePhoto>::fail("the thumbnail could not be encoded as JPEG", "evidence photo");
    photo.thumbnailSha256 = sha256Hex(photo.thumbnail);
    return photo;
}

} // namespace admix::vision
