// Read queries for the remote check and quality review server (station/remote): the pharmacist's
// check queue joined with its orders, and whether an image is evidence of a preparation. The SQL
// lives here, parameterised; the server only sees rows. Not thread-safe: one object per connection
// (the server opens one connection per request). Storage failures throw StoreError.
#pragma once

#include "station/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

struct CheckQueueRow {
    int64_t prepId = 0;
    std::string prepNumber;
    std::string title; // the plan's title ("ceFAZolin 2 g in NS 100 mL")
    std::string recipeId;
    int recipeVersion = 0;
    std::string technician;
    std::string room;
    std::string pec;
    std::string startedUtc;
    std::optional<std::string> completedUtc; // when it reached the check (waiting since)
    std::string orderNumber;
    std::string priority; // stat, urgent, routine
    std::string dueUtc;
    bool hazardous = false;
};

class RemoteQueries {
public:
    explicit RemoteQueries(Database& db) : m_db(db) {}

    // Preparations awaiting the pharmacist's check: STAT, then urgent, then routine; earliest due
    // first; then longest waiting. At most `limit` rows.
    [[nodiscard]] std::vector<CheckQueueRow> checkQueue(int limit = 500);
    // Preparations finished (released or rejected) whose check was at or after `sinceUtc`, newest
    // first: the pharmacist's recent decisions.
    [[nodiscard]] std::vector<CheckQueueRow> recentlyChecked(const std::string& sinceUtc, int limit = 50);
    // True when `sha256` is the image of some evidence row of preparation `prepId`.
    [[nodiscard]] bool isEvidenceImage(int64_t prepId, const std::string& sha256);
    // The preparation an evidence image belongs to (the earliest one), or nullopt.
    [[nodiscard]] std::optional<int64_t> prepOfImage(const std::string& sha256);

private:
    Database& m_db;
};

} // namespace admix::store
