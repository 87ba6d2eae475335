// National Drug Codes in every form the station meets: 10 digits as 4-4-2, 5-3-2 or 5-4-1; the
// 11-digit 5-4-2 billing form (the short segment padded with a leading zero); the 12-digit 6-4-2 form
// of FDA's 2033 rule; and the GTIN-14 that carries an NDC (indicator + "03" + NDC-10 + check digit).
// Text without hyphens often cannot say where the segments are: then the result lists every
// candidate and says it is ambiguous; the formulary resolves candidates against the products it
// knows. Pure functions, thread-safe, never throw; bad input gives an Error saying what is wrong.
#pragma once

#include "formulas/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace admix::formulas {

// Segment lengths of a code: labeler-product-package.
enum class NdcFormat { F442, F532, F541, F542, F642 };
[[nodiscard]] std::string_view ndcFormatName(NdcFormat format); // "4-4-2", ...

// One NDC. Holds the 12-digit 6-4-2 segments (every NDC has that form); the 10-digit form exists
// when the 12-digit one came from a 10-digit code (leading zeros FDA adds on conversion).
class Ndc {
public:
    // From 10-digit segments (lengths 4-4-2, 5-3-2 or 5-4-1, digits only; asserted by parseNdc).
    [[nodiscard]] static Ndc fromTenDigit(std::string_view labeler, std::string_view product,
                                          std::string_view package);
    // From 12-digit segments 6-4-2.
    [[nodiscard]] static Ndc fromTwelveDigit(std::string_view labeler, std::string_view product,
                                             std::string_view package);

    // The 10-digit format (442, 532, 541), or F642 when the code has no 10-digit form.
    [[nodiscard]] NdcFormat format() const { return m_format; }
    [[nodiscard]] bool hasTenDigitForm() const { return m_format != NdcFormat::F642; }
    // "0409-3977-03"; empty without a 10-digit form.
    [[nodiscard]] std::string ndc10() const;
    // "00409-3977-03" (5-4-2 billing form); empty without a 10-digit form.
    [[nodiscard]] std::string ndc11() const;
    // "000409-3977-03" (6-4-2).
    [[nodiscard]] std::string ndc12() const;
    // The 10 digits without hyphens; empty without a 10-digit form.
    [[nodiscard]] std::string digits10() const;
    // GTIN-14: indicator (0-8) + "03" + NDC-10 digits + GS1 check digit; empty without a 10-digit form.
    [[nodiscard]] std::string gtin14(int indicator = 0) const;

    bool operator==(const Ndc&) const = default;

private:
    std::string m_labeler; // 6 digits
    std::string m_product; // 4 digits
    std::string m_package; // 2 digits
    NdcFormat m_format = NdcFormat::F642;
};

// What a piece of text turned out to be: one NDC, or several candidates when the segments cannot be
// told apart. `inputForm` names what was recognised ("NDC-10 4-4-2", "NDC-10 without hyphens",
// "NDC-11 billing form", "NDC-12", "GTIN-14").
struct NdcLookup {
    std::string inputForm;
    std::vector<Ndc> candidates; // never empty on success
    [[nodiscard]] bool ambiguous() const { return candidates.size() > 1; }
};

// Accepts an NDC in any of the forms above, with or without hyphens (spaces around are ignored), or a
// GTIN-14 that carries an NDC (14 digits; check digit verified).
[[nodiscard]] Result<NdcLookup> parseNdc(std::string_view text);
// The NDC inside a GTIN-14 (indicator 0-8, then "03"); an error for other GTINs or a bad check digit.
[[nodiscard]] Result<NdcLookup> ndcFromGtin(std::string_view gtin14);

} // namespace admix::formulas
