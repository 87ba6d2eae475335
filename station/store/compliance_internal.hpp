// Helpers shared by the compliance_*.cpp files (row readers, role checks). Internal to station/store.
#pragma once

#include "station/store/compliance_store.hpp"

#include <nlohmann/json.hpp>

namespace admix::store::compliance_detail {

inline std::string dateText(const std::optional<Date>& d) {
    return d ? formatDate(*d) : std::string();
}

inline std::optional<Date> optionalDate(const Statement& s, int column) {
    if (s.isNull(column))
        return std::nullopt;
    const auto d = parseDate(s.columnText(column));
    if (!d)
        throw StoreError("corrupt date in the compliance tables: " + s.columnText(column));
    return *d;
}

inline TimePoint timeColumn(const Statement& s, int column) {
    const auto t = parseIsoUtc(s.columnText(column));
    if (!t)
        throw StoreError("corrupt time in the compliance tables: " + s.columnText(column));
    return *t;
}

inline void bindOptional(Statement& s, int index, const std::optional<std::string>& value) {
    if (value)
        s.bind(index, *value);
    else
        s.bindNull(index);
}

// Status::fail unless `user` is an active station user holding one of `roles`.
Status requireRole(ComplianceStore& store, const std::string& user,
                   std::initializer_list<std::string_view> roles, const std::string& what);

usp797::CorrectiveAction readCorrectiveAction(Database& db, const Statement& s);
extern const char* const kCorrectiveActionColumns;

} // namespace admix::store::compliance_detail
