// Small text helpers shared by the parsers (GS1, NDC, TOML-backed formulary, device replies).
// Pure functions, thread-safe, no allocation beyond their results.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace admix::formulas {

[[nodiscard]] std::string_view trim(std::string_view text);
[[nodiscard]] std::vector<std::string_view> split(std::string_view text, char separator);
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);
[[nodiscard]] std::string toLower(std::string_view text);
[[nodiscard]] bool isAllDigits(std::string_view text);
// Shows control characters (GS 0x1D, CR, LF, ...) visibly, e.g. "<GS>", for messages and logs.
[[nodiscard]] std::string printable(std::string_view text);
// For HTML text and attribute values: & < > " ' as entities (&#39; for the apostrophe).
[[nodiscard]] std::string escapeHtml(std::string_view text);

} // namespace admix::formulas
