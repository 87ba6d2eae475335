// The environmental-monitoring CSV format (import and generator output). RFC 4180 fields (quotes,
// doubled quotes, CRLF); a header row names the columns in any order:
//   at_utc, kind, room, value, person        (required)
//   location, litres, device_or_lot, notes   (optional)
// Pure parsing: text in, samples and every problem out (line, column name, message); nothing is
// half-accepted, the caller imports only when `problems` is empty. Thread-safe. Fuzzed.
#pragma once

#include "usp797/em.hpp"
#include "usp797/policy.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace admix::usp797 {

struct CsvProblem {
    size_t line = 0;    // 1-based physical line where the record starts; 0: the whole file
    std::string column; // header name, or empty for the whole row
    std::string message;
    [[nodiscard]] std::string text() const; // "line 7, column value: ..."
};

struct EmCsvRow {
    size_t line = 0;
    EmSample sample;
};

struct EmCsvParse {
    std::vector<EmCsvRow> rows;
    std::vector<CsvProblem> problems;
};

// Parses and validates each row (kind, time, numbers, validateSample against the policy). Does not
// know which rooms exist: the store checks references.
[[nodiscard]] EmCsvParse parseEmCsv(std::string_view text, const SitePolicy& policy);

[[nodiscard]] std::string emCsvHeader();                     // with trailing newline
[[nodiscard]] std::string emCsvLine(const EmSample& sample); // with trailing newline
// Quotes a field when it holds a comma, quote or line break.
[[nodiscard]] std::string csvField(std::string_view text);

} // namespace admix::usp797
