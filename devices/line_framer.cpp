#include "devices/line_framer.hpp"

namespace admix::devices {

std::vector<std::string> LineFramer::feed(std::string_view bytes) {
    std::vector<std::string> lines;
    for (const char c : bytes) {
        const bool wasCr = m_lastWasCr;
        m_lastWasCr = false;
        if (c == '\n' || (c == '\r' && m_crEndsLine)) {
            if (c == '\n' && wasCr && m_crEndsLine)
                continue; // the LF of a CR LF already ended the line at CR
            if (c == '\r')
                m_lastWasCr = true;
            if (!m_skipping) {
                if (!m_current.empty() && m_current.back() == '\r')
                    m_current.pop_back();
                lines.push_back(std::move(m_current));
            }
            m_current.clear();
            m_skipping = false;
            continue;
        }
        if (m_skipping)
            continue;
        if (m_current.size() >= m_maxLine) {
            m_current.clear();
            m_skipping = true;
            ++m_overlong;
            continue;
        }
        m_current.push_back(c);
    }
    return lines;
}

void LineFramer::reset() {
    m_current.clear();
    m_skipping = false;
    m_lastWasCr = false;
}

} // namespace admix::devices
