#include "vision/image_file.hpp"

#include <opencv2/imgcodecs.hpp>

#include <filesystem>

namespace admix::vision {

Result<cv::Mat> loadImage(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return Result<cv::Mat>::fail("no such image file", path);
    cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
    if (image.empty())
        return Result<cv::Mat>::fail("not an image that can be decoded (PNG, JPEG, BMP, TIFF)", path);
    return image;
}

} // namespace admix::vision
