// Time points as the station stores them: UTC, whole seconds, ISO 8601 text ("2026-11-21T22:03:43Z").
// Shown to people in local time by the UI. Pure functions, thread-safe.
#pragma once

#include "formulas/result.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace admix {

using TimePoint = std::chrono::sys_seconds;
using Date = std::chrono::year_month_day;

[[nodiscard]] TimePoint nowUtc();
// "2026-11-21T22:03:43Z"
[[nodiscard]] std::string formatIsoUtc(TimePoint t);
// Accepts "YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DD HH:MM:SS" (taken as UTC) and "YYYY-MM-DD" (midnight UTC).
[[nodiscard]] Result<TimePoint> parseIsoUtc(std::string_view text);
// "2026-11-21"
[[nodiscard]] std::string formatDate(Date d);
[[nodiscard]] Result<Date> parseDate(std::string_view text);
// Local wall-clock time for people, 24-hour with the date: "2026-11-21 23:03".
[[nodiscard]] std::string formatLocal(TimePoint t);

// Calendar days at the station are local days - what a pharmacy and its inspector mean by "today",
// "logged daily" or a report "from 2026-11-01 to 2026-11-30" - in the process's time zone (TZ, else
// the system's), with its daylight-saving rules. Instants stay UTC.
// The local date of `t`.
[[nodiscard]] Date localDate(TimePoint t);
// The first second of local day `d` (23, 24 or 25 hours before the next one's).
[[nodiscard]] TimePoint localDayStart(Date d);

} // namespace admix
