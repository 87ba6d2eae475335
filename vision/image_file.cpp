#include "vision/image_file.hpp"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <vector>

namespace admix::vision {

namespace {

uint32_t bigEndian32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// The pixel count a PNG header announces, so that a tiny file claiming a gigantic image is refused
// before the decoder allocates for it. 0 when the bytes are not a PNG.
int64_t pngPixels(std::span<const uint8_t> b) {
    static constexpr uint8_t kSig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (b.size() < 24 || !std::equal(std::begin(kSig), std::end(kSig), b.begin()))
        return 0;
    return static_cast<int64_t>(bigEndian32(&b[16])) * static_cast<int64_t>(bigEndian32(&b[20]));
}

// Only the formats a camera, a scanner app or the project writes: PNG, JPEG, BMP, TIFF. Everything
// else OpenCV could open (JPEG 2000, HDR, PxM, ...) is refused unread, which keeps decoders that
// spill to temporary files or see little use away from untrusted bytes.
bool supportedFormat(std::span<const uint8_t> b) {
    const auto starts = [&](std::initializer_list<uint8_t> sig) {
        return b.size() >= sig.size() && std::equal(sig.begin(), sig.end(), b.begin());
    };
    return starts({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}) || starts({0xFF, 0xD8, 0xFF}) ||
           starts({'B', 'M'}) || starts({'I', 'I', 42, 0}) || starts({'M', 'M', 0, 42});
}

} // namespace

Result<cv::Mat> loadImage(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return Result<cv::Mat>::fail("no such image file", path);
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail())
        return Result<cv::Mat>::fail("cannot read the file", path);
    return decodeImageBytes(bytes, path);
}

Result<cv::Mat> decodeImageBytes(std::span<const uint8_t> bytes, const std::string& where, size_t maxBytes,
                                 int64_t maxPixels) {
    if (bytes.empty())
        return Result<cv::Mat>::fail("empty image data", where);
    if (bytes.size() > maxBytes)
        return Result<cv::Mat>::fail("image data too large (" + std::to_string(bytes.size()) + " bytes)",
                                     where);
    if (!supportedFormat(bytes))
        return Result<cv::Mat>::fail("not a PNG, JPEG, BMP or TIFF image", where);
    const int64_t announced = pngPixels(bytes);
    if (announced > maxPixels)
        return Result<cv::Mat>::fail("image too large (" + std::to_string(announced) + " pixels)", where);
    cv::Mat image;
    try {
        const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data()));
        image = cv::imdecode(raw, cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
        image.release(); // OpenCV reports corrupt data by exception: a bad file is an expected failure here
    }
    if (image.empty())
        return Result<cv::Mat>::fail("not an image that can be decoded (PNG, JPEG, BMP, TIFF)", where);
    if (static_cast<int64_t>(image.total()) > maxPixels)
        return Result<cv::Mat>::fail("image too large (" + std::to_string(image.total()) + " pixels)", where);
    return image;
}

} // namespace admix::vision
