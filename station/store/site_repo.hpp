// Persistence of what a site adds around its preparations: the recall list with its sources, the
// preparations that used a recalled or traced lot (from the scans kept in their steps), and the
// extras of hand-entered orders (the site's own order id, the cancellation reason). The workflow
// owns the rules; this owns the SQL. Not thread-safe: one repository per connection. Storage
// failures throw StoreError.
#pragma once

#include "station/store/database.hpp"
#include "station/store/prep_repo.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

struct RecallRow {
    int64_t id = 0;
    std::string gtin; // GTIN-14 of the recalled product (any packaging level matches)
    std::string ndc;  // as written in the notice, when given by NDC
    std::string lot;  // empty: every lot
    std::string reason;
    std::string source;
    std::string noticeDate;
    std::string addedBy;
    std::string addedUtc;
};

// One use of a lot in a preparation (a passed scan step).
struct LotUse {
    int64_t prepId = 0;
    std::string prepNumber;
    std::string prepStatus;
    std::string orderNumber;
    std::string patientMrn;
    std::string recipeId;
    int stepIndex = 0;
    std::string gtin;
    std::string lot;
    std::string scannedUtc;
    std::optional<int64_t> recallId; // set by the recall queries
    std::string recallReason;
};

class SiteRepo {
public:
    explicit SiteRepo(Database& db) : m_db(db) {}

    int64_t addRecall(const RecallRow& row);
    [[nodiscard]] std::optional<RecallRow> recall(int64_t id);
    [[nodiscard]] std::optional<RecallRow> findRecall(const std::string& gtin, const std::string& lot);
    [[nodiscard]] std::vector<RecallRow> recalls();
    void removeRecall(int64_t id);

    // Scans of lots that a recall now covers: in one preparation, or in every preparation.
    [[nodiscard]] std::vector<LotUse> recalledInPrep(int64_t prepId);
    [[nodiscard]] std::vector<LotUse> recalledUses();
    // Every preparation that scanned this lot (optionally of this product).
    [[nodiscard]] std::vector<LotUse> lotUses(const std::string& lot, const std::optional<std::string>& gtin);

    void setOrderExternalId(int64_t orderId, const std::string& externalId);
    [[nodiscard]] std::optional<int64_t> orderByExternalId(const std::string& externalId);
    [[nodiscard]] std::optional<std::string> orderExternalId(int64_t orderId);
    void setOrderCancelReason(int64_t orderId, const std::string& reason);
    [[nodiscard]] std::optional<std::string> orderCancelReason(int64_t orderId);
    // Every order, newest first (status empty: any).
    [[nodiscard]] std::vector<OrderRow> orders(const std::string& status, int limit = 1000);

private:
    Database& m_db;
};

} // namespace admix::store
