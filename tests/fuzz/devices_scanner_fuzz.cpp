// Fuzz target: scanner input. The bytes go through the serial framer (scans must keep their bytes and
// never contain a terminator), through the GS1 separator check, and, two bytes per event, through the
// keyboard-wedge decoder.
#include "devices/scanner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    admix::devices::ScanFramer framer(512);
    for (const auto& scan : framer.feed(bytes)) {
        if (scan.data.find_first_of("\r\n") != std::string::npos || scan.data.empty())
            __builtin_trap();
        (void)admix::devices::gs1SeparatorsAmbiguous(scan.data);
    }
    admix::devices::KeyboardWedgeDecoder wedge;
    for (size_t i = 0; i + 1 < size; i += 2) {
        const auto code = static_cast<uint16_t>(data[i] % 128);
        const auto value = static_cast<int32_t>(data[i + 1] % 3);
        if (auto scan = wedge.feed(code, value); scan && scan->data.find('\n') != std::string::npos)
            __builtin_trap();
    }
    return 0;
}
