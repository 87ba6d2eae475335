// Limits checked on TOML and JSON text before a parser sees it, so that a hostile or broken file
// (a 5,000-segment table header, 50,000 dotted keys, a million nested brackets, an endless file)
// is refused with a message instead of exhausting the stack or memory inside toml++ or the
// config walker. Also strict JSON: a key given twice in one object is refused (nlohmann would keep
// the last one silently: "dose" 5 then 10 mg/kg gave 10).
// Pure functions, thread-safe; failures are values.
#pragma once

#include "formulas/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace admix::formulas {

struct InputLimits {
    size_t maxBytes = 8u << 20; // 8 MiB
    int maxDepth = 32;          // tables, dotted-key segments and nested arrays/inline tables, together
};

// Nullopt when `text` is within the limits; else what is wrong and on which line ("line 3: ...").
[[nodiscard]] std::optional<std::string> tomlShapeProblem(std::string_view text,
                                                          const InputLimits& limits = {});
[[nodiscard]] std::optional<std::string> jsonShapeProblem(std::string_view text,
                                                          const InputLimits& limits = {});

// Parses JSON after the shape check, refusing duplicate keys; the error names `source` and where.
[[nodiscard]] Result<nlohmann::json> parseJsonStrict(std::string_view text, const std::string& source,
                                                     const InputLimits& limits = {1u << 20, 32});

} // namespace admix::formulas
