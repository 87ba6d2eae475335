// Fuzz target: ~HS host status replies.
#include "devices/zpl_printer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto status =
        admix::devices::parseHostStatus(std::string_view(reinterpret_cast<const char*>(data), size));
    if (status.ok())
        (void)status->problems();
    return 0;
}
