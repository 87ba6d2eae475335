// Reading and writing image files for the vision pipeline (evidence photos, replayed frames,
// generated test sets). Thread-safe: no shared state. Errors name the file.
#pragma once

#include "formulas/result.hpp"

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace admix::vision {

// Loads an image as 8-bit BGR. Fails with the path and the reason when the file is missing or not
// an image OpenCV can decode.
[[nodiscard]] Result<cv::Mat> loadImage(const std::string& path);

// Decodes image bytes from an untrusted source (a file, an upload) as 8-bit BGR. Refuses inputs
// larger than maxBytes and images with more than maxPixels before decoding them fully.
[[nodiscard]] Result<cv::Mat> decodeImageBytes(std::span<const uint8_t> bytes, const std::string& where,
                                               size_t maxBytes = 64u << 20, int64_t maxPixels = 40'000'000);

} // namespace admix::vision
