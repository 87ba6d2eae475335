// Stops put on an order by the prescribing side (the pharmacy system changed or discontinued it while
// it was being prepared or awaited its check). The engine reads them: a held order's preparation
// cannot take its next step and cannot be approved. SQL only; not thread-safe (one per connection);
// storage failures throw StoreError.
#pragma once

#include "station/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace admix::store {

struct OrderHold {
    int64_t orderId = 0;
    std::string kind; // "changed" or "discontinued"
    std::string reason;
    std::string atUtc;
};

class OrderHolds {
public:
    explicit OrderHolds(Database& db) : m_db(db) {}
    // Puts (or replaces) the stop on an order.
    void put(const OrderHold& hold);
    [[nodiscard]] std::optional<OrderHold> find(int64_t orderId);

private:
    Database& m_db;
};

} // namespace admix::store
