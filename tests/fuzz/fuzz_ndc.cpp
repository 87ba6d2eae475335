// libFuzzer target for NDC/GTIN parsing: any bytes give candidates or an Error, never a crash; every
// candidate's forms must agree with each other (10 -> 11 -> 12 digits, GTIN check digit).
#include "formulas/gs1.hpp"
#include "formulas/ndc.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace admix::formulas;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto r = parseNdc(text);
    if (!r) {
        if (r.error().message.empty())
            std::abort();
        return 0;
    }
    if (r->candidates.empty())
        std::abort();
    for (const auto& n : r->candidates) {
        if (n.ndc12().size() != 14)
            std::abort();
        if (n.hasTenDigitForm()) {
            if (n.ndc10().size() != 12 || n.ndc11().size() != 13 || !gs1CheckDigitValid(n.gtin14()))
                std::abort();
            // The 10-digit form must parse back to the same code.
            const auto back = parseNdc(n.ndc10());
            if (!back || back->candidates.size() != 1 || !(back->candidates[0] == n))
                std::abort();
        }
    }
    return 0;
}
