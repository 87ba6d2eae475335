// Fuzz target: untrusted image bytes through the vision loader (PNG, JPEG, BMP, TIFF, ... as OpenCV
// decodes them), then the barcode reader on whatever image comes out. Must never crash or hang.
#include "vision/barcode_reader.hpp"
#include "vision/image_file.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Small limits keep each input fast; the size checks themselves are under test.
    const auto image =
        admix::vision::decodeImageBytes(std::span<const uint8_t>(data, size), "fuzz", 1u << 20, 1'000'000);
    if (image.ok()) {
        static const admix::vision::BarcodeReader reader;
        (void)reader.decode(*image);
    }
    return 0;
}
