#include "station/hl7/mllp.hpp"

namespace admix::hl7 {

namespace {
// The first bytes of an oversize frame are kept so that its MSH can still be answered.
constexpr size_t kOversizeHead = 4096;
} // namespace

void MllpDecoder::flushGarbage(std::vector<MllpEvent>& out) {
    if (!m_garbage.empty())
        out.push_back(MllpEvent{MllpEvent::Kind::Garbage, std::move(m_garbage)});
    m_garbage.clear();
}

std::vector<MllpEvent> MllpDecoder::feed(std::string_view data) {
    std::vector<MllpEvent> out;
    for (const char c : data) {
        switch (m_state) {
        case State::Idle:
            if (c == kMllpStart) {
                flushGarbage(out);
                m_buffer.clear();
                m_state = State::InFrame;
            } else if (c != '\r' && c != '\n') {
                m_garbage += c;
            }
            break;
        case State::InFrame:
            if (c == kMllpEnd) {
                // Answered at once: the CR that should follow may come in the next read, or never.
                out.push_back(MllpEvent{MllpEvent::Kind::Message, std::move(m_buffer)});
                m_buffer.clear();
                m_state = State::SawEnd;
            } else if (c == kMllpStart) {
                out.push_back(MllpEvent{MllpEvent::Kind::Interrupted, std::move(m_buffer)});
                m_buffer.clear();
            } else if (m_buffer.size() >= m_max) {
                out.push_back(MllpEvent{MllpEvent::Kind::Oversize, m_buffer.substr(0, kOversizeHead)});
                m_buffer.clear();
                m_state = State::Skipping;
            } else {
                m_buffer += c;
            }
            break;
        case State::SawEnd:
            // 0x1C should be followed by CR; a frame ended by 0x1C alone was still a whole message.
            m_state = State::Idle;
            if (c == kMllpStart)
                m_state = State::InFrame;
            else if (c != kMllpCr && c != '\n')
                m_garbage += c;
            break;
        case State::Skipping:
            if (c == kMllpEnd)
                m_state = State::Idle;
            else if (c == kMllpStart)
                m_state = State::InFrame;
            break;
        }
    }
    if (m_state == State::Idle)
        flushGarbage(out);
    return out;
}

std::string mllpFrame(std::string_view message) {
    std::string out;
    out.reserve(message.size() + 3);
    out += kMllpStart;
    out += message;
    out += kMllpEnd;
    out += kMllpCr;
    return out;
}

} // namespace admix::hl7
