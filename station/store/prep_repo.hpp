// Persistence of orders, preparations, their steps and evidence, and the recall list. The workflow
// engine owns the rules; this owns the SQL. Not thread-safe: one repository per connection. Storage
// failures throw StoreError; a duplicate event key is reported, not thrown (see addEvidence).
#pragma once

#include "station/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

struct OrderRow {
    int64_t id = 0;
    std::string orderNumber;
    std::string patientName;
    std::string patientMrn;
    std::string patientJson = "{}";
    std::string recipeId;
    std::string doseJson = "{}";
    std::string route;
    std::optional<double> finalVolumeMl;
    std::string priority = "routine";
    std::string dueUtc;
    std::string prescriber;
    std::string enteredBy;
    std::string createdUtc;
    std::string status = "open";
};

struct PrepRow {
    int64_t id = 0;
    std::string prepNumber;
    int64_t orderId = 0;
    std::string recipeId;
    int recipeVersion = 0;
    std::string specJson;
    std::string status;
    int currentStep = 0;
    std::string technician;
    std::string station;
    std::string room;
    std::string pec;
    std::string startedUtc;
    std::optional<std::string> completedUtc;
    std::optional<std::string> checkedBy;
    std::optional<std::string> checkedUtc;
    std::optional<std::string> checkOutcome;
    std::optional<std::string> checkReason;
};

struct StepRow {
    int64_t prepId = 0;
    int stepIndex = 0;
    std::string kind;
    std::string state;
    int attempts = 0;
    std::string resultJson = "{}";
    std::optional<std::string> doneUtc;
    std::optional<std::string> doneBy;
};

struct EvidenceRow {
    int64_t id = 0;
    int64_t prepId = 0;
    int stepIndex = 0;
    std::string eventKey;
    std::string kind;
    std::string outcome;
    std::string message;
    std::string dataJson = "{}";
    std::optional<std::string> imageSha256;
    std::string actor;
    std::string atUtc;
};

class PrepRepo {
public:
    explicit PrepRepo(Database& db) : m_db(db) {}

    int64_t insertOrder(const OrderRow& row);
    [[nodiscard]] std::optional<OrderRow> order(int64_t id);
    [[nodiscard]] std::optional<OrderRow> orderByNumber(const std::string& number);
    // Open and in-progress orders: STAT, then urgent, then routine; earliest due first.
    [[nodiscard]] std::vector<OrderRow> queue();
    void setOrderStatus(int64_t id, const std::string& status);
    [[nodiscard]] int64_t nextOrderSequence(const std::string& prefix);
    // Notes for the technician that came with the order ("" when none).
    void setOrderComments(int64_t id, const std::string& comments);
    [[nodiscard]] std::string orderComments(int64_t id);

    int64_t insertPrep(const PrepRow& row);
    [[nodiscard]] std::optional<PrepRow> prep(int64_t id);
    [[nodiscard]] std::optional<PrepRow> prepByNumber(const std::string& number);
    [[nodiscard]] std::vector<PrepRow> prepsWithStatus(const std::string& status, int limit = 1000);
    [[nodiscard]] std::optional<PrepRow> activePrepForOrder(int64_t orderId);
    // Preparations in progress at a PEC (hood), oldest first.
    [[nodiscard]] std::vector<PrepRow> inProgressAtPec(const std::string& pec);
    // Preparations cancelled since `sinceUtc` (ISO 8601) at `station`, newest first.
    [[nodiscard]] std::vector<PrepRow> cancelledSince(const std::string& station, const std::string& sinceUtc,
                                                      int limit = 20);
    void setPrepStatus(int64_t id, const std::string& status, int currentStep);
    void setPrepCompleted(int64_t id, const std::string& atUtc);
    void setPrepChecked(int64_t id, const std::string& status, const std::string& by,
                        const std::string& atUtc, const std::string& outcome, const std::string& reason);
    [[nodiscard]] int64_t countPrepsStartedWith(const std::string& prefix);

    void insertStep(const StepRow& row);
    [[nodiscard]] std::vector<StepRow> steps(int64_t prepId);
    void updateStep(const StepRow& row);

    // Returns the new evidence id, or nullopt when this (prep, event key) was recorded already.
    std::optional<int64_t> addEvidence(const EvidenceRow& row);
    [[nodiscard]] std::optional<EvidenceRow> evidenceByKey(int64_t prepId, const std::string& eventKey);
    [[nodiscard]] std::vector<EvidenceRow> evidence(int64_t prepId);

    void addRecall(const std::string& gtin, const std::string& lot, const std::string& reason,
                   const std::string& by, const std::string& atUtc);
    // The recall that covers this product and lot (a recall with an empty lot covers every lot).
    [[nodiscard]] std::optional<std::string> recallReason(const std::string& gtin, const std::string& lot);

private:
    Database& m_db;
};

} // namespace admix::store
