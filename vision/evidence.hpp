// Evidence photos: a frame the quality check accepts, annotated for the pharmacist (preparation,
// step, drug, target and measured amount, user, UTC time) in a band under the picture so that
// nothing in it is covered, encoded as JPEG, hashed with SHA-256 (libsodium), with a JPEG thumbnail.
// The store writes the bytes content-addressed (station/store); this layer only makes them.
// Pure functions, thread-safe; a refused or unencodable image is a Result error in words.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "vision/quality.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace admix::vision {

// What the annotation says. Amounts arrive formatted by formulas (units, ISMP style: "2.5 mL").
struct EvidenceCaption {
    std::string preparationId;
    std::string step;
    std::string drug;
    std::string target;   // e.g. "2.5 mL (2.54 g)"
    std::string measured; // e.g. "2.48 mL (2.52 g)"
    std::string user;
    TimePoint takenAt{};
    std::string subject = "syringe"; // what is photographed, used in the quality advice
};

struct EvidencePhoto {
    std::vector<uint8_t> jpeg;      // the annotated photo
    std::string sha256;             // hex of SHA-256(jpeg), the store's content address
    std::vector<uint8_t> thumbnail; // JPEG, at most thumbnailSide on its longer side
    std::string thumbnailSha256;
    int width = 0; // of the annotated photo
    int height = 0;
    QualityReport quality; // what the check measured
};

struct EvidenceOptions {
    int jpegQuality = 90;
    int thumbnailSide = 320;
};

// Checks quality first: an unusable frame is refused with the reasons ("blurred: hold the syringe
// still ..."). Otherwise annotates, encodes and hashes.
[[nodiscard]] Result<EvidencePhoto> makeEvidencePhoto(const cv::Mat& frame, const EvidenceCaption& caption,
                                                      const QualityThresholds& thresholds,
                                                      const EvidenceOptions& options = {});

// The annotated image only (no quality check, no encoding): for previews.
[[nodiscard]] cv::Mat annotateEvidence(const cv::Mat& frame, const EvidenceCaption& caption);

// Lower-case hex SHA-256 of `bytes`.
[[nodiscard]] std::string sha256Hex(const std::vector<uint8_t>& bytes);

} // namespace admix::vision
