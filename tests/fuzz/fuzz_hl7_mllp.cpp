// libFuzzer target for the MLLP framer: any byte stream, fed whole and again in pieces of every size
// from the first byte, gives the same events; a framed message always comes back whole.
#include "station/hl7/mllp.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace admix::hl7;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    MllpDecoder whole(256);
    const auto expected = whole.feed(bytes);
    const size_t step = size == 0 ? 1 : 1 + data[0] % 7;
    MllpDecoder pieces(256);
    std::vector<MllpEvent> got;
    for (size_t i = 0; i < size; i += step)
        for (auto& e : pieces.feed(bytes.substr(i, step)))
            got.push_back(std::move(e));
    // Garbage may come in several events when fed in pieces; compare the frames only.
    std::vector<MllpEvent> a, b;
    for (const auto& e : expected)
        if (e.kind != MllpEvent::Kind::Garbage)
            a.push_back(e);
    for (const auto& e : got)
        if (e.kind != MllpEvent::Kind::Garbage)
            b.push_back(e);
    if (a.size() != b.size())
        std::abort();
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].kind != b[i].kind || a[i].bytes != b[i].bytes)
            std::abort();
    // A message without framing bytes survives a round trip.
    std::string clean;
    for (char c : bytes)
        if (c != kMllpStart && c != kMllpEnd)
            clean += c;
    if (clean.size() <= 256) {
        MllpDecoder round(256);
        const auto events = round.feed(mllpFrame(clean));
        if (events.size() != 1 || events[0].kind != MllpEvent::Kind::Message || events[0].bytes != clean)
            std::abort();
    }
    return 0;
}
