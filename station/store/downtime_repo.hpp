// Persistence of preparations entered after a downtime ("prepared during downtime"): one row per such
// preparation, append-only, naming the photo of the paper worksheet in the image store, who prepared
// it on paper and when, and the pharmacist who entered it. The workflow owns the rules
// (station/workflow/downtime.hpp); this owns the SQL. Not thread-safe: one repository per connection.
// Storage failures throw StoreError.
#pragma once

#include "station/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace admix::store {

struct DowntimeRow {
    int64_t prepId = 0;
    std::string worksheetSha256;
    std::string preparedUtc;
    std::string preparedBy;
    std::string enteredBy;
    std::string enteredUtc;
    std::string detailsJson = "{}";
};

class DowntimeRepo {
public:
    explicit DowntimeRepo(Database& db) : m_db(db) {}

    void insert(const DowntimeRow& row);
    [[nodiscard]] std::optional<DowntimeRow> forPrep(int64_t prepId);
    [[nodiscard]] int64_t count();

private:
    Database& m_db;
};

} // namespace admix::store
