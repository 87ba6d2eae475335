// Fuzz target: the candidate locator and the crop/decode path on arbitrary small grey images. The
// first two bytes give the width and height (1..128), the rest the pixels (repeated to fill).
#include "vision/barcode_reader.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 3)
        return 0;
    const int width = 1 + data[0] % 128;
    const int height = 1 + data[1] % 128;
    cv::Mat image(height, width, CV_8UC1);
    const size_t n = size - 2;
    for (int i = 0; i < width * height; ++i)
        image.data[i] = data[2 + static_cast<size_t>(i) % n];
    admix::vision::ReaderOptions options;
    options.minCodePx = 8;
    options.locatorScale = 1.0; // no downscale: every pixel reaches the locator
    static const admix::vision::BarcodeReader reader(options);
    for (const auto& c : reader.locate(image)) {
        // Boxes stay finite and inside a generous bound of the image.
        if (!(c.box.center.x > -1000 && c.box.center.x < 1000 && c.box.center.y > -1000 &&
              c.box.center.y < 1000))
            __builtin_trap();
    }
    (void)reader.decode(image);
    return 0;
}
