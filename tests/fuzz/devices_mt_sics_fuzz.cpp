// Fuzz target: bytes through the line framer into the mt_sics balance codec. Invariants: no crash, and a
// line is a weight only with a finite value; a line with control characters is never a weight.
#include "devices/balance.hpp"
#include "devices/line_framer.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const admix::devices::MtSicsProtocol protocol;
    admix::devices::LineFramer framer(256);
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (const auto& line : framer.feed(bytes)) {
        const auto reply = protocol.decodeLine(line);
        (void)protocol.decodeIdentity(line, admix::devices::IdentityField::Serial);
        if (!reply.ok() || reply->kind != admix::devices::BalanceReply::Kind::Weight)
            continue;
        if (!std::isfinite(reply->value))
            __builtin_trap();
        for (const unsigned char c : line)
            if (c < 0x20 || c == 0x7f)
                __builtin_trap();
    }
    return 0;
}
