// libFuzzer target for the environmental-monitoring CSV parser (usp797::parseEmCsv): any bytes must
// give rows or problems, never a crash, and every accepted row must re-serialise and parse back.
#include "usp797/em_csv.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace admix::usp797;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const EmCsvParse parsed = parseEmCsv(text, SitePolicy::defaults());
    for (const auto& problem : parsed.problems) {
        if (problem.line == 0 || problem.message.empty())
            std::abort();
    }
    if (parsed.problems.empty()) {
        std::string again = emCsvHeader();
        for (const auto& row : parsed.rows)
            again += emCsvLine(row.sample);
        const EmCsvParse second = parseEmCsv(again, SitePolicy::defaults());
        if (!second.problems.empty() || second.rows.size() != parsed.rows.size())
            std::abort();
    }
    return 0;
}
