// admix barcode decode | camera list | bench barcode | vision generate-testset | vision quality
// The vision layer from the command line: read barcodes in image files (anywhere in the frame),
// list cameras, benchmark the reader on a generated test set, make that test set, and check images
// as evidence capture would. The work lives in vision/; this file parses options and prints.
#include "station/app/cli.hpp"

#include "formulas/time.hpp"
#include "vision/barcode_reader.hpp"
#include "vision/code_filter.hpp"
#include "vision/decode_bench.hpp"
#include "vision/field_set.hpp"
#include "vision/frame_source.hpp"
#include "vision/image_file.hpp"
#include "vision/quality.hpp"
#include "vision/test_set.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include <opencv2/core/utility.hpp>

namespace admix::app {

namespace {

using nlohmann::json;
namespace vi = admix::vision;

// [SECTION] Helpers

// The subcommand `name` of `parent`, added if no other area has added it yet (`bench` is shared).
CLI::App* subcommand(CLI::App& parent, const std::string& name, const std::string& description) {
    auto found = parent.get_subcommands([&name](CLI::App* a) { return a->get_name() == name; });
    if (!found.empty())
        return found.front();
    return parent.add_subcommand(name, description);
}

std::string printable(const std::string& text) {
    std::string out;
    for (const char c : text)
        out += c == '\x1D' ? std::string("<GS>") : std::string(1, c);
    return out;
}

json gs1Json(const formulas::Gs1Data& g) {
    json ais = json::array();
    for (const auto& e : g.ais)
        ais.push_back({{"ai", e.ai}, {"title", e.title}, {"value", e.value}});
    json out{
        {"symbology", g.symbology}, {"gtin", g.gtin}, {"lot", g.lot}, {"serial", g.serial}, {"ais", ais}};
    out["expiry"] = g.expiry ? json(formatDate(*g.expiry)) : json(nullptr);
    if (g.productionDate)
        out["production_date"] = formatDate(*g.productionDate);
    if (!g.nationalCode.empty())
        out["national_code"] = {{"ai", g.nationalCodeAi}, {"value", g.nationalCode}};
    if (!g.warnings.empty())
        out["warnings"] = g.warnings;
    return out;
}

json codeJson(const vi::ReadCode& r) {
    json corners = json::array();
    for (const auto& p : r.code.corners)
        corners.push_back({std::lround(p.x * 10) / 10.0, std::lround(p.y * 10) / 10.0});
    json out{{"format", r.code.format},
             {"symbology", r.code.symbology},
             {"text", r.code.text},
             {"corners", corners}};
    out["gs1"] = r.gs1 ? gs1Json(*r.gs1) : json(nullptr);
    if (!r.usable())
        out["rejected"] = r.rejection;
    return out;
}

// [SECTION] Commands

void registerVisionCommands(CLI::App& app, CliOptions& options) {
    // admix barcode decode IMAGE...
    auto* barcode = subcommand(app, "barcode", "Barcodes in images (GS1 DataMatrix, GS1-128, UPC/EAN, QR)");
    barcode->require_subcommand(1);
    auto* decode = barcode->add_subcommand(
        "decode", "Read every barcode in each image, anywhere in the frame; one result per image");
    static std::vector<std::string> imageFiles;
    decode->add_option("images", imageFiles, "Image files (PNG, JPEG, BMP, TIFF)")->required();
    decode->callback([&options] {
        const vi::BarcodeReader reader;
        int failed = 0;
        for (const auto& file : imageFiles) {
            auto image = vi::loadImage(file);
            if (!image) {
                ++failed;
                std::cerr << "admix: " << image.error().text() << '\n';
                if (options.json)
                    printJson({{"file", file}, {"error", image.error().message}});
                continue;
            }
            const auto t0 = std::chrono::steady_clock::now();
            const auto codes = vi::interpretCodes(reader.decode(*image));
            const double ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (options.json) {
                json list = json::array();
                for (const auto& c : codes)
                    list.push_back(codeJson(c));
                printJson({{"file", file}, {"ms", std::lround(ms * 100) / 100.0}, {"codes", list}});
            } else {
                std::printf("%s: %zu code(s) in %.1f ms\n", file.c_str(), codes.size(), ms);
                for (const auto& c : codes) {
                    std::printf("  %-10s %-4s %s\n", c.code.format.c_str(), c.code.symbology.c_str(),
                                printable(c.code.text).c_str());
                    if (c.gs1)
                        std::printf("             GTIN %s  expiry %s  lot %s  serial %s\n",
                                    c.gs1->gtin.c_str(),
                                    c.gs1->expiry ? formatDate(*c.gs1->expiry).c_str() : "-",
                                    c.gs1->lot.c_str(), c.gs1->serial.empty() ? "-" : c.gs1->serial.c_str());
                    if (!c.usable())
                        std::printf("             REJECTED: %s\n", c.rejection.c_str());
                }
            }
        }
        if (failed > 0)
            throw CliFailure(std::to_string(failed) + " of " + std::to_string(imageFiles.size()) +
                             " image(s) could not be read");
    });

    // admix camera list
    auto* camera = subcommand(app, "camera", "Cameras looking into the hood");
    camera->require_subcommand(1);
    auto* list = camera->add_subcommand("list", "V4L2 video devices present now");
    list->callback([&options] {
        const auto cameras = vi::listCameras();
        if (options.json) {
            json out = json::array();
            for (const auto& c : cameras)
                out.push_back({{"device", c.device},
                               {"name", c.name},
                               {"driver", c.driver},
                               {"bus", c.bus},
                               {"capture", c.capture}});
            printJson(out);
            return;
        }
        if (cameras.empty())
            std::cout << "no cameras (no /dev/video* devices)\n";
        for (const auto& c : cameras)
            std::cout << c.device << "  " << c.name << "  " << c.driver << "  " << c.bus
                      << (c.capture ? "" : "  (not a capture node)") << '\n';
    });

    // admix bench barcode DIR
    auto* bench = subcommand(app, "bench", "Benchmarks (figures printed, nothing stored)");
    auto* benchBarcode = bench->add_subcommand(
        "barcode", "Per category: read rate, misreads, false positives, median and p95 ms of the station "
                   "reader, ZXing 1.4 on the "
                   "whole frame and libdmtx, in one run, on a generated test set (one core)");
    static std::string benchDir;
    static std::string referenceFile;
    static bool compareFullFrame = false;
    static bool noDmtx = false;
    static bool benchInverted = false;
    static bool benchMirrored = false;
    static long dmtxTimeoutMs = 1500;
    benchBarcode->add_option("dir", benchDir, "A directory made by `admix vision generate-testset`")
        ->required();
    benchBarcode->add_option(
        "--reference", referenceFile,
        "JSON lines of reference decoders on the same files (/work/shared/tools/reference-decode DIR/*.png)");
    benchBarcode->add_flag("--full-frame", compareFullFrame,
                           "(always on now) plain ZXing on the whole frame");
    benchBarcode->add_flag("--no-dmtx", noDmtx, "Leave out libdmtx (the slow one)");
    benchBarcode->add_option("--dmtx-timeout-ms", dmtxTimeoutMs, "libdmtx gives up on a frame after this")
        ->check(CLI::Range(1L, 600000L));
    benchBarcode->add_flag("--inverted", benchInverted, "The station reader also tries light-on-dark codes");
    benchBarcode->add_flag("--mirrored", benchMirrored, "The station reader also tries mirrored codes");
    benchBarcode->callback([&options] {
        const auto manifest = vi::readManifest(benchDir);
        if (!manifest)
            throw CliFailure(manifest.error().text());
        vi::BenchOptions bo;
        bo.libdmtx = !noDmtx;
        bo.dmtxTimeoutMs = dmtxTimeoutMs;
        bo.reader.tryInverted = benchInverted;
        bo.reader.tryMirrored = benchMirrored;
        // One core, as the station's decode worker has: ZXing is single-threaded, OpenCV made so.
        cv::setNumThreads(1);
        vi::BarcodeBench run(bo);
        if (!referenceFile.empty()) {
            const auto loaded = run.loadReference(referenceFile);
            if (!loaded)
                throw CliFailure(loaded.error().text());
        }
        for (const auto& e : *manifest) {
            auto image = vi::loadImage((std::filesystem::path(benchDir) / e.file).string());
            if (!image)
                throw CliFailure(image.error().text());
            run.add({e.file, e.category, *image, e.codes, e.readable});
        }
        if (options.json)
            printJson(run.toJson());
        else
            run.print(stdout);
        const auto& station = run.station();
        if (station.misreads > 0 || station.falsePositives > 0)
            throw CliFailure(std::to_string(station.misreads) + " misread(s), " +
                             std::to_string(station.falsePositives) + " false positive(s)");
    });

    // admix vision generate-testset | quality
    auto* vision = subcommand(app, "vision", "The camera pipeline: test sets and image checks");
    vision->require_subcommand(1);
    auto* generate = vision->add_subcommand(
        "generate-testset", "Render the synthetic test set (PNG + manifest.json) from a seed");
    static std::string outDir;
    static uint64_t seed = 1;
    static int perCategory = 3;
    static int benchFrames = 0;
    generate->add_option("--out", outDir, "Directory to write (created)")->required();
    generate->add_option("--seed", seed, "Seed: the same seed gives the same images");
    generate->add_option("--per-category", perCategory, "Scenes per category")->check(CLI::Range(1, 100));
    generate
        ->add_option("--bench", benchFrames,
                     "Instead: N frames with one DataMatrix anywhere (the benchmark set)")
        ->check(CLI::Range(1, 10000));
    static bool field = false;
    static bool heldOut = false;
    generate->add_flag(
        "--field", field,
        "Instead: the field set (codes from libzint, libdmtx and the project's encoder, labels and camera "
        "faults the reader was not tuned on)");
    generate->add_flag("--held-out", heldOut,
                       "With --field: its held-out part (another seed stream and encoder mix)");
    generate->callback([&options] {
        if (heldOut && !field)
            throw CliFailure("--held-out goes with --field");
        if (field) {
            vi::FieldSetOptions fo;
            fo.seed = seed;
            fo.perCategory = perCategory;
            fo.heldOut = heldOut;
            const auto written = vi::writeFieldSet(vi::planFieldSet(fo), outDir);
            if (!written)
                throw CliFailure(written.error().text());
            size_t codes = 0;
            for (const auto& e : *written)
                codes += e.codes.size();
            if (options.json)
                printJson({{"dir", outDir},
                           {"images", written->size()},
                           {"codes", codes},
                           {"seed", seed},
                           {"held_out", heldOut}});
            else
                std::printf("%zu images with %zu codes in %s (field set%s, seed %llu)\n", written->size(),
                            codes, outDir.c_str(), heldOut ? ", held-out part" : "",
                            static_cast<unsigned long long>(seed));
            return;
        }
        vi::TestSetOptions o;
        o.seed = seed;
        o.perCategory = perCategory;
        const auto cases = benchFrames > 0 ? vi::makeBenchmarkSet(seed, benchFrames) : vi::makeTestSet(o);
        const auto written = vi::writeTestSet(cases, outDir);
        if (!written)
            throw CliFailure(written.error().text());
        size_t codes = 0;
        for (const auto& e : *written)
            codes += e.codes.size();
        if (options.json)
            printJson({{"dir", outDir}, {"images", written->size()}, {"codes", codes}, {"seed", seed}});
        else
            std::printf("%zu images with %zu codes in %s (seed %llu)\n", written->size(), codes,
                        outDir.c_str(), static_cast<unsigned long long>(seed));
    });

    auto* quality =
        vision->add_subcommand("quality", "Check images as evidence capture does (focus, exposure, glare)");
    static std::vector<std::string> qualityImages;
    static std::string thresholdsFile;
    quality->add_option("images", qualityImages, "Image files")->required();
    quality->add_option("--thresholds", thresholdsFile,
                        "A quality TOML (default: assets/vision/quality.toml)");
    quality->callback([&options] {
        const auto thresholds = vi::loadQualityThresholds(
            thresholdsFile.empty() ? vi::defaultQualityFile() : std::filesystem::path(thresholdsFile));
        if (!thresholds)
            throw CliFailure(thresholds.error().text());
        int refused = 0;
        for (const auto& file : qualityImages) {
            auto image = vi::loadImage(file);
            if (!image)
                throw CliFailure(image.error().text());
            const auto r = vi::assessQuality(*image, *thresholds);
            refused += r.acceptable() ? 0 : 1;
            if (options.json)
                printJson({{"file", file},
                           {"acceptable", r.acceptable()},
                           {"reasons", json(r.reasons)},
                           {"sharpness", std::lround(r.sharpness * 10) / 10.0},
                           {"clipped", r.clippedFraction},
                           {"glare", r.glareFraction},
                           {"mean", std::lround(r.meanLevel)}});
            else
                std::printf(
                    "%s: %s\n", file.c_str(),
                    r.acceptable()
                        ? ("acceptable (sharpness " + std::to_string(std::lround(r.sharpness)) + ")").c_str()
                        : r.summary().c_str());
        }
        if (refused > 0)
            throw CliFailure(std::to_string(refused) + " image(s) would be refused as evidence");
    });
}

const CommandRegistration kVision(60, registerVisionCommands);

} // namespace

} // namespace admix::app
