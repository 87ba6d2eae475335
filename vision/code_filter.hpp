// From codes read in single frames to codes the workflow may act on. interpretCode() parses GS1
// content with formulas::parseGs1 (check digits, dates, lengths); StableCodeFilter confirms a code
// only once it has been read with the same format and text in `framesRequired` consecutive decoded
// frames, and never while another reading is seen at the same place in the same frame or within the
// last `forgetAfterFrames` frames (two readings that disagree cancel each other: fail closed). A GS1 symbol
// whose element string does not parse is never confirmed. Not thread-safe: one filter per decode thread.
#pragma once

#include "formulas/gs1.hpp"
#include "vision/barcode_reader.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::vision {

struct ReadCode {
    DecodedCode code;
    std::optional<formulas::Gs1Data> gs1; // parsed when the symbol carries GS1 content
    std::string rejection;                // why the workflow must not use it ("" = usable)
    [[nodiscard]] bool usable() const { return rejection.empty(); }
};

[[nodiscard]] ReadCode interpretCode(const DecodedCode& code);
[[nodiscard]] std::vector<ReadCode> interpretCodes(const std::vector<DecodedCode>& codes);

struct StabilityOptions {
    int framesRequired = 3;    // consecutive decoded frames with the same reading
    int forgetAfterFrames = 5; // frames without the code before it may be confirmed again
};

class StableCodeFilter {
public:
    explicit StableCodeFilter(StabilityOptions options = {});

    // Feeds one decoded frame; returns the codes confirmed by this frame (each once per appearance).
    std::vector<ReadCode> update(const std::vector<ReadCode>& frame);
    // Codes currently confirmed and still in view.
    [[nodiscard]] std::vector<ReadCode> confirmed() const;
    void reset();

private:
    struct Track {
        ReadCode last;
        int streak = 0;  // consecutive frames seen
        int missing = 0; // consecutive frames not seen
        bool reported = false;
    };
    StabilityOptions m_options;
    std::vector<Track> m_tracks;
};

} // namespace admix::vision
