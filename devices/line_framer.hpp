// Splits a byte stream into lines at LF (a CR before it is dropped; a lone CR also ends a line when
// `crEndsLine`). A line longer than the limit is discarded up to its end and counted, so that a
// stream of garbage without terminators cannot grow memory. Pure, single-threaded, never throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace admix::devices {

class LineFramer {
public:
    explicit LineFramer(size_t maxLine = 256, bool crEndsLine = false)
        : m_maxLine(maxLine), m_crEndsLine(crEndsLine) {}

    // Feeds bytes; returns the complete lines found, without terminators.
    std::vector<std::string> feed(std::string_view bytes);
    // Drops a partial line (after a reconnect the first bytes are from the middle of a line).
    void reset();
    [[nodiscard]] size_t overlongLines() const { return m_overlong; }
    [[nodiscard]] bool hasPartial() const { return !m_current.empty() || m_skipping; }

private:
    size_t m_maxLine;
    bool m_crEndsLine;
    std::string m_current;
    bool m_skipping = false;
    bool m_lastWasCr = false;
    size_t m_overlong = 0;
};

} // namespace admix::devices
