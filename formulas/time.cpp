#include "formulas/time.hpp"

#include <cstdio>
#include <ctime>

namespace admix {

TimePoint nowUtc() {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string formatIsoUtc(TimePoint t) {
    const auto days = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{t - days};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

std::string formatDate(Date d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return buf;
}

namespace {

bool readNumber(std::string_view text, size_t pos, size_t width, int& out) {
    if (pos + width > text.size())
        return false;
    int value = 0;
    for (size_t i = pos; i < pos + width; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    out = value;
    return true;
}

} // namespace

Result<Date> parseDate(std::string_view text) {
    int y = 0, m = 0, d = 0;
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !readNumber(text, 0, 4, y) ||
        !readNumber(text, 5, 2, m) || !readNumber(text, 8, 2, d))
        return Result<Date>::fail("'" + std::string(text) + "' is not a date of the form YYYY-MM-DD");
    const Date date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                    std::chrono::day{static_cast<unsigned>(d)}};
    if (!date.ok())
        return Result<Date>::fail("'" + std::string(text) + "' is not a real calendar date");
    return date;
}

Result<TimePoint> parseIsoUtc(std::string_view text) {
    const auto date = parseDate(text.substr(0, 10));
    if (!date)
        return Result<TimePoint>::fail("'" + std::string(text) +
                                       "' is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)");
    TimePoint t{std::chrono::sys_days{*date}};
    if (text.size() == 10)
        return t;
    int hh = 0, mm = 0, ss = 0;
    const bool shapeOk = (text.size() == 19 || (text.size() == 20 && text[19] == 'Z')) &&
                         (text[10] == 'T' || text[10] == ' ') && text[13] == ':' && text[16] == ':' &&
                         readNumber(text, 11, 2, hh) && readNumber(text, 14, 2, mm) &&
                         readNumber(text, 17, 2, ss);
    if (!shapeOk || hh > 23 || mm > 59 || ss > 59)
        return Result<TimePoint>::fail("'" + std::string(text) +
                                       "' is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)");
    return t + std::chrono::hours{hh} + std::chrono::minutes{mm} + std::chrono::seconds{ss};
}

std::string formatLocal(TimePoint t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm local{};
    localtime_r(&tt, &local);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &local);
    return buf;
}

Date localDate(TimePoint t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm local{};
    localtime_r(&tt, &local);
    return Date{std::chrono::year{local.tm_year + 1900},
                std::chrono::month{static_cast<unsigned>(local.tm_mon + 1)},
                std::chrono::day{static_cast<unsigned>(local.tm_mday)}};
}

TimePoint localDayStart(Date d) {
    std::tm local{};
    local.tm_year = static_cast<int>(d.year()) - 1900;
    local.tm_mon = static_cast<int>(static_cast<unsigned>(d.month())) - 1;
    local.tm_mday = static_cast<int>(static_cast<unsigned>(d.day()));
    local.tm_isdst = -1;                        // whatever is in force at that midnight
    const std::time_t tt = std::mktime(&local); // a midnight skipped by daylight saving becomes 01:00
    if (tt == static_cast<std::time_t>(-1))
        return TimePoint{std::chrono::sys_days{d}}; // outside what the C library can represent: UTC midnight
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::from_time_t(tt));
}

} // namespace admix
