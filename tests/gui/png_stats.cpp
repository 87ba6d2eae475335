// Prints facts about a PNG for the GUI tests: width, height, distinct colours, and the share of
// pixels that differ from the most common colour (the background). Usage: admix_png_stats FILE
#include <stb_image.h>

#include <cstdio>
#include <unordered_map>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: admix_png_stats FILE.png\n");
        return 2;
    }
    int width = 0, height = 0, channels = 0;
    unsigned char* pixels = stbi_load(argv[1], &width, &height, &channels, 3);
    if (!pixels) {
        std::fprintf(stderr, "admix_png_stats: cannot read %s: %s\n", argv[1], stbi_failure_reason());
        return 1;
    }
    std::unordered_map<unsigned, size_t> histogram;
    const size_t count = static_cast<size_t>(width) * static_cast<size_t>(height);
    for (size_t i = 0; i < count; ++i) {
        const unsigned char* p = pixels + i * 3;
        ++histogram[(unsigned(p[0]) << 16) | (unsigned(p[1]) << 8) | p[2]];
    }
    size_t background = 0;
    for (const auto& [color, n] : histogram)
        background = n > background ? n : background;
    std::printf("width=%d height=%d colors=%zu foreground=%.4f\n", width, height, histogram.size(),
                count ? 1.0 - static_cast<double>(background) / static_cast<double>(count) : 0.0);
    stbi_image_free(pixels);
    return 0;
}
