// The decode benchmark (reported, not a timed test). On one core, in one run: the station reader
// (with its stage costs), Debian's ZXing 1.4 on the whole frame and libdmtx on the whole frame, per
// category, on the field set (codes from libzint, libdmtx and the project's encoder the reader was not
// tuned on), its held-out part, the one-code benchmark frames, or the images of a directory with a
// manifest.json; reference figures (reference-decode JSON lines) beside, for frames read from files.
//   admix_vision_bench [--set field,heldout,bench] [--per-category N] [--count N] [--seed S]
//                      [--dir DIR] [--reference JSONL] [--dmtx-timeout-ms MS] [--no-dmtx]
//                      [--inverted] [--mirrored] [--option NAME=VALUE] [--write-misses DIR]
//                      [--pipeline-only]
// (--option: a ReaderOptions setting, e.g. quietZoneAspect=1.35, grownRegion=0 for none, minCropPx=120)
// (--write-misses: each generated frame the station reader did not read fully, as DIR/<name>.png)
// (--pipeline-only: the station reader alone, e.g. under a profiler)
#include "vision/decode_bench.hpp"
#include "vision/field_set.hpp"
#include "vision/image_file.hpp"
#include "vision/test_set.hpp"

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>

#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace admix::vision;

int main(int argc, char** argv) {
    std::string sets = "field,heldout";
    int perCategory = 6;
    int count = 40;
    uint64_t seed = 18;
    std::string dir;
    std::string reference;
    std::string missesDir;
    BenchOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool more = i + 1 < argc;
        if (a == "--set" && more)
            sets = argv[++i];
        else if (a == "--per-category" && more)
            perCategory = std::atoi(argv[++i]);
        else if (a == "--count" && more)
            count = std::atoi(argv[++i]);
        else if (a == "--seed" && more)
            seed = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--dir" && more)
            dir = argv[++i];
        else if (a == "--reference" && more)
            reference = argv[++i];
        else if (a == "--dmtx-timeout-ms" && more)
            options.dmtxTimeoutMs = std::atol(argv[++i]);
        else if (a == "--write-misses" && more) {
            missesDir = argv[++i];
            options.listMisses = true;
        } else if (a == "--no-dmtx")
            options.libdmtx = false;
        else if (a == "--inverted")
            options.reader.tryInverted = true;
        else if (a == "--mirrored")
            options.reader.tryMirrored = true;
        else if (a == "--option" && more) {
            // A retry's setting, to compare variants without a rebuild: NAME=VALUE.
            const std::string kv = argv[++i];
            const auto eq = kv.find('=');
            const std::string name = kv.substr(0, eq);
            const double v = eq == std::string::npos ? 0 : std::atof(kv.c_str() + eq + 1);
            ReaderOptions& r = options.reader;
            static const std::map<std::string, int ReaderOptions::*> kWhole{
                {"edgeThreshold", &ReaderOptions::edgeThreshold},
                {"minCodePx", &ReaderOptions::minCodePx},
                {"minWindowedPx", &ReaderOptions::minWindowedPx},
                {"maxCandidates", &ReaderOptions::maxCandidates},
                {"minCropPx", &ReaderOptions::minCropPx},
                {"minCropContrast", &ReaderOptions::minCropContrast},
                {"stretchBelowContrast", &ReaderOptions::stretchBelowContrast},
                {"maxTurnedCrops", &ReaderOptions::maxTurnedCrops},
                {"maxDarkInvertedCrops", &ReaderOptions::maxDarkInvertedCrops},
                {"maxQuietZoneCrops", &ReaderOptions::maxQuietZoneCrops}};
            static const std::map<std::string, double ReaderOptions::*> kReal{
                {"locatorScale", &ReaderOptions::locatorScale},
                {"minDarkFraction", &ReaderOptions::minDarkFraction},
                {"squareTextAspect", &ReaderOptions::squareTextAspect},
                {"quietZoneAspect", &ReaderOptions::quietZoneAspect},
                {"grownRegion", &ReaderOptions::grownRegion},
                {"paintedOutFill", &ReaderOptions::paintedOutFill}};
            static const std::map<std::string, bool ReaderOptions::*> kSwitch{
                {"quietZoneTryHarder", &ReaderOptions::quietZoneTryHarder},
                {"quietZoneInside", &ReaderOptions::quietZoneInside}};
            if (const auto it = kWhole.find(name); it != kWhole.end())
                r.*(it->second) = static_cast<int>(v);
            else if (const auto real = kReal.find(name); real != kReal.end())
                r.*(real->second) = v;
            else if (const auto flag = kSwitch.find(name); flag != kSwitch.end())
                r.*(flag->second) = v != 0;
            else {
                std::fprintf(stderr, "unknown --option %s\n", name.c_str());
                return 2;
            }
        } else if (a == "--pipeline-only") {
            options.libdmtx = false;
            options.zxingFullFrame = false;
        } else {
            std::fprintf(
                stderr,
                "usage: %s [--set field,heldout,bench] [--per-category N] [--count N] [--seed S] [--dir DIR] "
                "[--reference JSONL] [--dmtx-timeout-ms MS] [--no-dmtx] [--inverted] [--mirrored] "
                "[--option NAME=VALUE] [--write-misses DIR] "
                "[--pipeline-only]\n",
                argv[0]);
            return 2;
        }
    }
    // One core: pin the process and keep OpenCV single-threaded (ZXing is).
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    const bool pinned = sched_setaffinity(0, sizeof cpus, &cpus) == 0;
    cv::setNumThreads(1);

    BarcodeBench bench(options);
    if (!reference.empty()) {
        const auto loaded = bench.loadReference(reference);
        if (!loaded) {
            std::fprintf(stderr, "%s\n", loaded.error().text().c_str());
            return 1;
        }
    }
    int frames = 0;
    if (!dir.empty()) {
        const auto manifest = readManifest(dir);
        if (!manifest) {
            std::fprintf(stderr, "%s\n", manifest.error().text().c_str());
            return 1;
        }
        for (const auto& e : *manifest) {
            auto img = loadImage((std::filesystem::path(dir) / e.file).string());
            if (!img) {
                std::fprintf(stderr, "%s\n", img.error().text().c_str());
                return 1;
            }
            bench.add({e.file, e.category, *img, e.codes, e.readable});
            ++frames;
        }
    } else {
        std::stringstream list(sets);
        std::string set;
        while (std::getline(list, set, ',')) {
            if (set == "bench") {
                for (const auto& c : makeBenchmarkSet(seed, count)) {
                    auto scene = renderScene(c.spec);
                    if (!scene) {
                        std::fprintf(stderr, "%s: %s\n", c.name.c_str(), scene.error().text().c_str());
                        return 1;
                    }
                    // Each frame in a buffer of its own, as a capture delivers it.
                    bench.add({c.name, "bench", scene->image.clone(), scene->codes, true});
                    ++frames;
                }
                continue;
            }
            if (set != "field" && set != "heldout") {
                std::fprintf(stderr, "unknown set '%s' (field, heldout, bench)\n", set.c_str());
                return 2;
            }
            FieldSetOptions fo;
            fo.seed = seed;
            fo.perCategory = perCategory;
            fo.heldOut = set == "heldout";
            for (const auto& spec : planFieldSet(fo)) {
                auto fc = renderFieldCase(spec);
                if (!fc) {
                    std::fprintf(stderr, "%s\n", fc.error().text().c_str());
                    return 1;
                }
                if (!bench.add(
                        {spec.name, (fo.heldOut ? "H:" : "") + spec.category, fc->image, fc->codes, true}) &&
                    !missesDir.empty())
                    cv::imwrite(missesDir + "/" + spec.name + ".png", fc->image);
                ++frames;
            }
        }
    }
    std::printf("%d frames (%s), %s, OpenCV threads %d; ms = CPU time of the decoding thread (noisy on a "
                "shared machine)\n",
                frames, dir.empty() ? sets.c_str() : dir.c_str(), pinned ? "pinned to CPU 0" : "not pinned",
                cv::getNumThreads());
    bench.print(stdout);
    return 0;
}
