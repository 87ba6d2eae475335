#include "station/store/order_holds.hpp"

namespace admix::store {

void OrderHolds::put(const OrderHold& hold) {
    Statement s =
        m_db.prepare("INSERT INTO order_holds(order_id, kind, reason, at_utc) VALUES (?1, ?2, ?3, ?4)"
                     " ON CONFLICT(order_id) DO UPDATE SET kind = ?2, reason = ?3, at_utc = ?4");
    s.bind(1, hold.orderId).bind(2, hold.kind).bind(3, hold.reason).bind(4, hold.atUtc);
    s.run();
}

std::optional<OrderHold> OrderHolds::find(int64_t orderId) {
    Statement s = m_db.prepare("SELECT order_id, kind, reason, at_utc FROM order_holds WHERE order_id = ?1");
    s.bind(1, orderId);
    if (!s.step())
        return std::nullopt;
    return OrderHold{s.columnInt(0), s.columnText(1), s.columnText(2), s.columnText(3)};
}

} // namespace admix::store
