// Reading and writing image files for the vision pipeline (evidence photos, replayed frames,
// generated test sets). Thread-safe: no shared state. Errors name the file.
#pragma once

#include "formulas/result.hpp"

#include <opencv2/core.hpp>

#include <string>

namespace admix::vision {

// Loads an image as 8-bit BGR. Fails with the path and the reason when the file is missing or not
// an image OpenCV can decode.
[[nodiscard]] Result<cv::Mat> loadImage(const std::string& path);

} // namespace admix::vision
