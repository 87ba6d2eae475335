// Persistence of the HL7 interface: the inbox (every received message, raw, with its ACK), the
// recipe maps, the links between the pharmacy system's orders and station orders, and the outbox of
// dispense messages. SQL only; the rules live in station/hl7. Not thread-safe: one repository per
// connection. Storage failures throw StoreError.
#pragma once

#include "station/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

struct Hl7InboxRow {
    int64_t id = 0;
    std::string receivedUtc;
    std::string sender;
    std::optional<std::string> controlId;
    std::string messageType;
    std::string state; // accepted, refused, held
    std::string reason;
    std::string placer;
    std::optional<int64_t> orderId;
    std::string raw;
    std::string ack;
    std::optional<std::string> resolvedUtc;
};

struct Hl7MapRow {
    int64_t id = 0;
    std::string kind; // give, additive
    std::string code;
    std::string baseCode;
    std::string recipeId;
    std::string addedBy;
    std::string addedUtc;
};

struct Hl7OrderLink {
    std::string placer;
    std::string filler;
    std::string sender;
    int64_t orderId = 0;
    std::string giveCode;
    std::string rxe;
    std::string version;
    std::string detailsJson = "{}";
    std::string updatedUtc;
};

struct Hl7OutboxRow {
    int64_t id = 0;
    int64_t prepId = 0;
    std::string queuedUtc;
    std::optional<std::string> message;
    std::optional<std::string> controlId;
    std::string state; // pending, sent, failed
    int attempts = 0;
    std::optional<std::string> nextTryUtc;
    std::string lastError;
    std::optional<std::string> ack;
    std::optional<std::string> sentUtc;
    std::string kind = "dispense"; // dispense (a release) or waste (a rejection that closed the order)
};

class Hl7Repo {
public:
    explicit Hl7Repo(Database& db) : m_db(db) {}

    // Inbox
    int64_t insertInbox(const Hl7InboxRow& row);
    [[nodiscard]] std::optional<Hl7InboxRow> inboxByControlId(const std::string& sender,
                                                              const std::string& controlId);
    [[nodiscard]] std::vector<Hl7InboxRow> inbox(const std::string& state = {}, int limit = 1000);
    void resolveInbox(int64_t id, const std::string& state, const std::string& reason,
                      std::optional<int64_t> orderId, const std::string& atUtc);
    [[nodiscard]] int64_t inboxCount();

    // Maps
    void addMap(const Hl7MapRow& row); // replaces a map of the same kind, code and base
    bool removeMap(const std::string& kind, const std::string& code, const std::string& baseCode);
    [[nodiscard]] std::vector<Hl7MapRow> maps();
    [[nodiscard]] std::optional<Hl7MapRow> findMap(const std::string& kind, const std::string& code,
                                                   const std::string& baseCode);

    // Order links
    void putLink(const Hl7OrderLink& link);
    [[nodiscard]] std::optional<Hl7OrderLink> link(const std::string& placer);
    [[nodiscard]] std::optional<Hl7OrderLink> linkForOrder(int64_t orderId);

    // Outbox
    [[nodiscard]] std::vector<Hl7OutboxRow> outbox(int limit = 1000);
    // The oldest unsent message (pending or failed), which blocks the ones after it: order is kept.
    [[nodiscard]] std::optional<Hl7OutboxRow> nextOutbox();
    void setOutboxMessage(int64_t id, const std::string& message, const std::string& controlId);
    void setOutboxAttempt(int64_t id, int attempts, const std::string& nextTryUtc, const std::string& error);
    void setOutboxSent(int64_t id, const std::string& ack, const std::string& atUtc);

private:
    Database& m_db;
};

} // namespace admix::store
