// A Data Matrix ECC 200 encoder written for the project's synthetic scenes and test sets, because the
// ZXing-cpp 1.4 writer cannot put FNC1 in first position (it produces ]d1, not a GS1 DataMatrix).
// ASCII encodation only (digit pairs, FNC1, ASCII), square symbols 10x10 to 48x48 (one Reed-Solomon
// block). Pure and thread-safe. Errors: text that does not fit or cannot be encoded is a Result error.
#pragma once

#include "formulas/result.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace admix::vision {

// The modules of one symbol, without quiet zone: size x size, row-major, true = dark.
struct DataMatrixSymbol {
    int size = 0;
    std::vector<uint8_t> modules;
    [[nodiscard]] bool dark(int x, int y) const { return modules[static_cast<size_t>(y * size + x)] != 0; }
};

// Encodes `data` (bytes 0..127). With `gs1`, the symbol starts with FNC1 and every GS (0x1D) in `data`
// becomes an FNC1 separator, so that readers report ]d2 and the element string unchanged.
[[nodiscard]] Result<DataMatrixSymbol> encodeDataMatrix(std::string_view data, bool gs1);

// The GS1 element string for a drug package: (01) GTIN-14, (17) expiry YYMMDD, (10) lot, optionally
// (21) serial; variable-length fields separated by GS. No validation here (the caller supplies a
// valid GTIN); used by the scene generator.
[[nodiscard]] std::string gs1ElementString(std::string_view gtin14, std::string_view expiryYymmdd,
                                           std::string_view lot, std::string_view serial = {});

// The GS1 check digit for the 13 (or 7, 11, 12, 16, 17) leading digits of a key.
[[nodiscard]] char gs1CheckDigit(std::string_view digitsWithoutCheck);

} // namespace admix::vision
