// libFuzzer target for the GS1 element-string parser: any bytes must give a value or an Error,
// never a crash; and whatever parses must re-parse from its own raw and human-readable forms to the
// same elements (no silently different field).
#include "formulas/gs1.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace admix::formulas;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parseGs1(text, 2026);
    if (!parsed) {
        if (parsed.error().message.empty())
            std::abort(); // every refusal must say why
        return 0;
    }
    const auto again = parseGs1(toRaw(parsed->ais), 2026);
    if (!again || again->ais != parsed->ais)
        std::abort();
    // In human-readable form a '(' inside a value is ambiguous by design (GS1 prints such values
    // only as raw data), so only values without one must round-trip that way.
    for (const auto& e : parsed->ais) {
        if (e.value.find('(') != std::string::npos)
            return 0;
    }
    const auto hr = parseGs1(toHumanReadable(parsed->ais), 2026);
    if (!hr || hr->ais != parsed->ais)
        std::abort();
    return 0;
}
