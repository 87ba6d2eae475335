// Fuzz target: HID POS scale data reports. Invariant: a weight is finite and never negative.
#include "devices/hid_scale.hpp"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto reply = admix::devices::decodeHidScaleReport(std::span<const uint8_t>(data, size));
    if (reply.ok() && reply->kind == admix::devices::BalanceReply::Kind::Weight &&
        (!std::isfinite(reply->value) || reply->value < 0))
        __builtin_trap();
    if (size > 0)
        (void)admix::devices::parseUsbId(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
