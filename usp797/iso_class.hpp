// ISO 14644-1 air cleanliness classes used in sterile compounding (ISO 5 PEC, ISO 7 buffer room,
// ISO 8 ante-room) and their text form. Pure, thread-safe.
#pragma once

#include "formulas/result.hpp"

#include <string_view>

namespace admix::usp797 {

enum class IsoClass { Iso5 = 5, Iso7 = 7, Iso8 = 8, Unclassified = 0 };

[[nodiscard]] std::string_view isoClassName(IsoClass iso);
// Accepts "ISO 5", "iso5", "5", "unclassified" (case-insensitive). Anything else is an error.
[[nodiscard]] Result<IsoClass> parseIsoClass(std::string_view text);

} // namespace admix::usp797
