#include "vision/code_filter.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace admix::vision {

namespace {

cv::Point2f centreOf(const DecodedCode& c) {
    return (c.corners[0] + c.corners[1] + c.corners[2] + c.corners[3]) * 0.25f;
}

double sizeOf(const DecodedCode& c) {
    return std::max(cv::norm(c.corners[0] - c.corners[2]), cv::norm(c.corners[1] - c.corners[3]));
}

// Two readings overlap when their centres are closer than the larger code.
bool overlaps(const DecodedCode& a, const DecodedCode& b) {
    return cv::norm(centreOf(a) - centreOf(b)) < std::max({sizeOf(a), sizeOf(b), 8.0});
}

bool sameReading(const DecodedCode& a, const DecodedCode& b) {
    return a.format == b.format && a.text == b.text;
}

} // namespace

ReadCode interpretCode(const DecodedCode& code) {
    ReadCode out;
    out.code = code;
    if (code.text.empty()) {
        out.rejection = "empty symbol";
        return out;
    }
    if (code.gs1) {
        // The AIM prefix tells the parser which GS1 symbology carried the string.
        auto parsed = formulas::parseGs1(code.symbology + code.text);
        if (parsed)
            out.gs1 = std::move(*parsed);
        else
            out.rejection = "GS1 content does not parse: " + parsed.error().text();
    }
    return out;
}

std::vector<ReadCode> interpretCodes(const std::vector<DecodedCode>& codes) {
    std::vector<ReadCode> out;
    out.reserve(codes.size());
    for (const auto& c : codes)
        out.push_back(interpretCode(c));
    return out;
}

StableCodeFilter::StableCodeFilter(StabilityOptions options) : m_options(options) {
    m_options.framesRequired = std::max(1, m_options.framesRequired);
    m_options.forgetAfterFrames = std::max(1, m_options.forgetAfterFrames);
}

std::vector<ReadCode> StableCodeFilter::update(const std::vector<ReadCode>& frame) {
    // Readings that disagree at the same place in this frame are both distrusted.
    std::vector<bool> conflicted(frame.size(), false);
    for (size_t i = 0; i < frame.size(); ++i)
        for (size_t j = i + 1; j < frame.size(); ++j)
            if (!sameReading(frame[i].code, frame[j].code) && overlaps(frame[i].code, frame[j].code))
                conflicted[i] = conflicted[j] = true;

    std::vector<bool> seen(m_tracks.size(), false);
    for (size_t i = 0; i < frame.size(); ++i) {
        const ReadCode& r = frame[i];
        auto it = std::find_if(m_tracks.begin(), m_tracks.end(),
                               [&](const Track& t) { return sameReading(t.last.code, r.code); });
        if (it == m_tracks.end()) {
            m_tracks.push_back(Track{r, 0, 0, false});
            seen.push_back(false);
            it = m_tracks.end() - 1;
        }
        const size_t index = static_cast<size_t>(it - m_tracks.begin());
        if (seen[index])
            continue; // the same code twice in one frame counts once
        seen[index] = true;
        // A different reading where another code was read recently (a flip between two texts at one
        // place, as a misread would cause) restarts both counts.
        for (size_t k = 0; k < m_tracks.size(); ++k) {
            Track& other = m_tracks[k];
            if (k != index && !sameReading(other.last.code, r.code) && overlaps(other.last.code, r.code)) {
                other.streak = 0;
                conflicted[i] = true;
            }
        }
        // A different code read where this one was (a misread, or a swap) restarts the count.
        it->streak = (conflicted[i] || !r.usable()) ? 0 : it->streak + 1;
        it->missing = 0;
        it->last = r;
    }
    for (size_t k = 0; k < m_tracks.size(); ++k) {
        if (seen[k])
            continue;
        Track& t = m_tracks[k];
        t.streak = 0;
        ++t.missing;
    }
    std::vector<ReadCode> confirmedNow;
    for (auto& t : m_tracks) {
        if (!t.reported && t.streak >= m_options.framesRequired && t.last.usable()) {
            t.reported = true;
            confirmedNow.push_back(t.last);
        }
    }
    std::erase_if(m_tracks, [&](const Track& t) { return t.missing >= m_options.forgetAfterFrames; });
    return confirmedNow;
}

std::vector<ReadCode> StableCodeFilter::confirmed() const {
    std::vector<ReadCode> out;
    for (const auto& t : m_tracks)
        if (t.reported && t.missing == 0)
            out.push_back(t.last);
    return out;
}

void StableCodeFilter::reset() {
    m_tracks.clear();
}

} // namespace admix::vision
