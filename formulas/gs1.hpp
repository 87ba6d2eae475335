// GS1 element strings as they reach the station from a scanner, a camera decoder or a person:
//   raw with FNC1 as GS (0x1D), with an AIM symbology identifier (]d2 DataMatrix, ]C1 GS1-128,
//   ]Q3 QR, ]e0 DataBar), linear EAN/UPC (]E0: UPC-A or EAN-13, a GTIN alone), human-readable
//   "(01)00304093977035(17)271231(10)A1B2", and the escapes tools print for GS: "^]", "<GS>", "{GS}", "\x1D",
//   "\u001d".
// Verifies check digits (GTIN, SSCC, GLN), dates (AI 11-17, day 00 = last day of the month),
// lengths (fixed, and variable maxima) and character sets; a bad input gives an Error naming the AI
// and what is wrong in words a technician can act on. Pure functions, thread-safe, never throw.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace admix::formulas {

// One application identifier and its value, in the order they appeared.
struct Gs1Element {
    std::string ai;    // "01", "17", "7003", ...
    std::string title; // GS1's data title: "GTIN", "USE BY OR EXPIRY", "BATCH/LOT", ...
    std::string value; // the field's characters as encoded (dates as YYMMDD)
    bool operator==(const Gs1Element&) const = default;
};

// The fields the station uses, plus every element as read. Empty strings / nullopt when absent.
struct Gs1Data {
    std::string symbology;              // from the AIM prefix: "GS1 DataMatrix", "GS1-128", "GS1 QR", ""
    std::string gtin;                   // AI 01 (14 digits, check digit verified)
    std::optional<Date> expiry;         // AI 17; day 00 resolved to the last day of that month
    std::optional<Date> productionDate; // AI 11
    std::string lot;                    // AI 10
    std::string serial;                 // AI 21
    std::string nationalCode;           // AI 710-715 (national healthcare reimbursement number)
    std::string nationalCodeAi;         // which of 710-715 carried it
    std::vector<Gs1Element> ais;
    // Things that parsed but deserve a second look, e.g. a lot that ends in what looks like another
    // AI with a valid value, as when a scanner drops the GS separators.
    std::vector<std::string> warnings;

    // The value of `ai`, if present.
    [[nodiscard]] std::optional<std::string> get(std::string_view ai) const;
};

// Parses one element string. Dates take the century by GS1's rule (within -49..+50 years of the
// reference year; the overload without it uses the current UTC year).
[[nodiscard]] Result<Gs1Data> parseGs1(std::string_view text);
[[nodiscard]] Result<Gs1Data> parseGs1(std::string_view text, int referenceYear);

// GS1 mod-10 check digit over `digits` (weights 3,1,3,... from the right). Digits only (asserted
// by returning -1 otherwise).
[[nodiscard]] int gs1CheckDigit(std::string_view digitsWithoutCheck);
// True when the last digit of `digits` is the right check digit for the ones before it.
[[nodiscard]] bool gs1CheckDigitValid(std::string_view digits);

// A GS1 YYMMDD date (AI 11-17): DD 00 = last day of the month (allowed only when `dayZeroAllowed`).
[[nodiscard]] Result<Date> parseGs1Date(std::string_view yymmdd, int referenceYear,
                                        bool dayZeroAllowed = true);

// The element string in human-readable form, "(01)...(17)...", from parsed elements.
[[nodiscard]] std::string toHumanReadable(const std::vector<Gs1Element>& ais);
// The element string as a scanner sends it without AIM prefix: GS after every variable-length
// field that is not last.
[[nodiscard]] std::string toRaw(const std::vector<Gs1Element>& ais);

} // namespace admix::formulas
