// MLLP (minimal lower layer protocol) framing: 0x0B, the message, 0x1C 0x0D. A pure streaming
// decoder (bytes in as they arrive, in any pieces; whole frames out) that resynchronises on the next
// start byte after garbage or an interrupted frame, and caps a frame's size. No I/O, not
// thread-safe (one decoder per connection), never throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace admix::hl7 {

inline constexpr char kMllpStart = 0x0B;
inline constexpr char kMllpEnd = 0x1C;
inline constexpr char kMllpCr = 0x0D;

struct MllpEvent {
    enum class Kind {
        Message,     // a whole frame: `bytes` is the message
        Interrupted, // a frame cut short by a new start byte: `bytes` is what had arrived
        Oversize,    // a frame longer than the cap, skipped to its end: `bytes` is its first bytes
        Garbage,     // bytes outside any frame (not counting CR/LF between frames): `bytes` is them
    };
    Kind kind = Kind::Message;
    std::string bytes;
};

class MllpDecoder {
public:
    // `maxFrameBytes`: a frame whose message grows past this is dropped (Oversize).
    explicit MllpDecoder(size_t maxFrameBytes = size_t{1024} * 1024) : m_max(maxFrameBytes) {}

    // Feeds the next bytes of the stream; returns the events they complete, in order.
    [[nodiscard]] std::vector<MllpEvent> feed(std::string_view data);
    // True while a frame has started and not ended (the peer closing now loses it).
    [[nodiscard]] bool inFrame() const { return m_state == State::InFrame || m_state == State::Skipping; }
    // What an unfinished frame holds so far (for reporting a connection closed mid-frame).
    [[nodiscard]] const std::string& pending() const { return m_buffer; }

private:
    enum class State { Idle, InFrame, SawEnd, Skipping };
    void flushGarbage(std::vector<MllpEvent>& out);
    size_t m_max;
    State m_state = State::Idle;
    std::string m_buffer;
    std::string m_garbage;
};

// Wraps a message in an MLLP frame.
[[nodiscard]] std::string mllpFrame(std::string_view message);

} // namespace admix::hl7
