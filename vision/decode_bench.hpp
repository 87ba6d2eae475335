// The barcode decode benchmark shared by `admix bench barcode DIR` and admix_vision_bench: runs, on
// each frame and in one run, the station reader (BarcodeReader::decode, with its per-stage costs),
// Debian's ZXing 1.4 on the whole frame (BarcodeReader::decodeFullFrame) and libdmtx on the whole
// frame, and adds the figures of reference decoders measured elsewhere on the same image files
// (the JSON lines of /work/shared/tools/reference-decode: zxing-cpp 3.x and Debian ZXing 1.4 in
// Python). Reports per category: codes read of the readable ones, misreads (a reported code the frame
// does not hold), false positives (any code on a frame without one), median and p95 milliseconds of
// thread CPU time (reference decoders: the times they printed). Not thread-safe (one per run).
#pragma once

#include "formulas/result.hpp"
#include "vision/barcode_reader.hpp"
#include "vision/synthetic_scene.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace admix::vision {

struct BenchFrame {
    std::string file; // for the reference figures: matched by file name (without directory)
    std::string category;
    cv::Mat image; // BGR or grey
    std::vector<ExpectedCode> codes;
    bool readable = true; // false: the codes may be missed (unreadable by design)
};

struct DecoderTally {
    int frames = 0;
    int expected = 0; // readable codes
    int read = 0;
    int misreads = 0;       // codes reported that the frame does not hold (frames with codes)
    int falsePositives = 0; // codes reported on frames without a code
    int timeouts = 0;
    std::vector<double> ms;
    [[nodiscard]] double percentile(double p) const;
};

struct BenchOptions {
    ReaderOptions reader;
    bool zxingFullFrame = true;
    bool libdmtx = true;
    long dmtxTimeoutMs = 1500; // libdmtx gives up on a frame after this (counted as a timeout)
    bool listMisses = false;   // name each code the station reader missed (stderr)
};

// libdmtx on a grey frame: the texts it reads (FNC1 reported the way ZXing reports GS1: leading FNC1
// dropped, the others as GS), stopping after the first code or the timeout.
[[nodiscard]] std::vector<std::string> decodeWithLibdmtx(const cv::Mat& grey, long timeoutMs, bool& timedOut);

class BarcodeBench {
public:
    explicit BarcodeBench(BenchOptions options = {});

    // Reference figures: one JSON object a line, {"reader", "file", "ms", "codes": [{"format", "text"}]}.
    // Fails naming the file and line.
    [[nodiscard]] Status loadReference(const std::filesystem::path& jsonLines);

    // Runs every decoder on the frame and scores it; true when the station reader read every readable
    // code and reported nothing else.
    bool add(const BenchFrame& frame);

    // The per-category table, totals and the station reader's stage costs.
    void print(std::FILE* out) const;
    [[nodiscard]] nlohmann::json toJson() const;

    [[nodiscard]] const DecoderTally& station() const { return m_total.at(kStation); }
    [[nodiscard]] const DecoderTally* total(const std::string& decoder) const;
    [[nodiscard]] const std::vector<std::string>& decoders() const { return m_decoders; }
    // A tally of one decoder in one category (nullptr when none).
    [[nodiscard]] const DecoderTally* tally(const std::string& category, const std::string& decoder) const;
    [[nodiscard]] const std::vector<std::string>& categories() const { return m_categories; }
    [[nodiscard]] const DecodeStats& stages() const { return m_stages; }

    static constexpr const char* kStation = "station";
    static constexpr const char* kZxing = "zxing-1.4 frame";
    static constexpr const char* kDmtx = "libdmtx";

private:
    struct Reference {
        double ms = 0;
        std::vector<std::string> texts;
    };
    void score(const std::string& category, const std::string& decoder, const BenchFrame& frame,
               const std::vector<std::string>& texts, double ms, bool normalise);
    void note(const std::string& decoder);

    BenchOptions m_options;
    BarcodeReader m_reader;
    std::vector<std::string> m_decoders;
    std::vector<std::string> m_categories;
    std::map<std::string, std::map<std::string, DecoderTally>> m_rows; // category -> decoder -> tally
    std::map<std::string, DecoderTally> m_total;
    std::map<std::string, std::map<std::string, Reference>> m_reference; // decoder -> file name -> reads
    std::map<std::string, DecodeStats> m_stagesByCategory;
    DecodeStats m_stages;
    double m_stationMs = 0; // the station reader's whole decode() time, all frames (stages and the rest)
};

} // namespace admix::vision
