#include "station/store/hl7_repo.hpp"

namespace admix::store {

namespace {

constexpr const char* kInboxColumns =
    "SELECT id, received_utc, sender, control_id, message_type, state, reason, placer, order_id, raw, ack,"
    " resolved_utc FROM hl7_inbox ";

Hl7InboxRow readInbox(const Statement& s) {
    Hl7InboxRow r;
    r.id = s.columnInt(0);
    r.receivedUtc = s.columnText(1);
    r.sender = s.columnText(2);
    r.controlId = s.columnOptionalText(3);
    r.messageType = s.columnText(4);
    r.state = s.columnText(5);
    r.reason = s.columnText(6);
    r.placer = s.columnText(7);
    if (!s.isNull(8))
        r.orderId = s.columnInt(8);
    r.raw = s.columnText(9);
    r.ack = s.columnText(10);
    r.resolvedUtc = s.columnOptionalText(11);
    return r;
}

constexpr const char* kOutboxColumns =
    "SELECT id, prep_id, queued_utc, message, control_id, state, attempts, next_try_utc,"
    " last_error, ack, sent_utc, kind FROM hl7_outbox ";

Hl7OutboxRow readOutbox(const Statement& s) {
    Hl7OutboxRow r;
    r.id = s.columnInt(0);
    r.prepId = s.columnInt(1);
    r.queuedUtc = s.columnText(2);
    r.message = s.columnOptionalText(3);
    r.controlId = s.columnOptionalText(4);
    r.state = s.columnText(5);
    r.attempts = static_cast<int>(s.columnInt(6));
    r.nextTryUtc = s.columnOptionalText(7);
    r.lastError = s.columnText(8);
    r.ack = s.columnOptionalText(9);
    r.sentUtc = s.columnOptionalText(10);
    r.kind = s.columnText(11);
    return r;
}

Hl7OrderLink readLink(const Statement& s) {
    return Hl7OrderLink{s.columnText(0), s.columnText(1), s.columnText(2), s.columnInt(3), s.columnText(4),
                        s.columnText(5), s.columnText(6), s.columnText(7), s.columnText(8)};
}

constexpr const char* kLinkColumns = "SELECT placer, filler, sender, order_id, give_code, rxe, version, "
                                     "details_json, updated_utc FROM hl7_orders ";

} // namespace

// [SECTION] Inbox ---------------------------------------------------------------------------------

int64_t Hl7Repo::insertInbox(const Hl7InboxRow& r) {
    Statement s = m_db.prepare(
        "INSERT INTO hl7_inbox(received_utc, sender, control_id, message_type, state, reason, placer,"
        " order_id, raw, ack) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    s.bind(1, r.receivedUtc).bind(2, r.sender);
    if (r.controlId)
        s.bind(3, *r.controlId);
    else
        s.bindNull(3);
    s.bind(4, r.messageType).bind(5, r.state).bind(6, r.reason).bind(7, r.placer);
    if (r.orderId)
        s.bind(8, *r.orderId);
    else
        s.bindNull(8);
    s.bindBlob(9, r.raw.data(), r.raw.size());
    s.bind(10, r.ack);
    s.run();
    return m_db.lastInsertRowId();
}

std::optional<Hl7InboxRow> Hl7Repo::inboxByControlId(const std::string& sender,
                                                     const std::string& controlId) {
    Statement s = m_db.prepare(std::string(kInboxColumns) + "WHERE sender = ?1 AND control_id = ?2");
    s.bind(1, sender).bind(2, controlId);
    if (!s.step())
        return std::nullopt;
    return readInbox(s);
}

std::vector<Hl7InboxRow> Hl7Repo::inbox(const std::string& state, int limit) {
    Statement s =
        m_db.prepare(std::string(kInboxColumns) + "WHERE (?1 = '' OR state = ?1) ORDER BY id LIMIT ?2");
    s.bind(1, state).bind(2, limit);
    std::vector<Hl7InboxRow> out;
    while (s.step())
        out.push_back(readInbox(s));
    return out;
}

void Hl7Repo::resolveInbox(int64_t id, const std::string& state, const std::string& reason,
                           std::optional<int64_t> orderId, const std::string& atUtc) {
    Statement s = m_db.prepare(
        "UPDATE hl7_inbox SET state = ?2, reason = ?3, order_id = ?4, resolved_utc = ?5 WHERE id = ?1");
    s.bind(1, id).bind(2, state).bind(3, reason);
    if (orderId)
        s.bind(4, *orderId);
    else
        s.bindNull(4);
    s.bind(5, atUtc);
    s.run();
}

int64_t Hl7Repo::inboxCount() {
    return m_db.queryInt("SELECT count(*) FROM hl7_inbox").value_or(0);
}

// [SECTION] Maps ----------------------------------------------------------------------------------

void Hl7Repo::addMap(const Hl7MapRow& r) {
    Statement s =
        m_db.prepare("INSERT INTO hl7_maps(kind, code, base_code, recipe_id, added_by, added_utc)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(kind, code, base_code) DO UPDATE SET"
                     " recipe_id = ?4, added_by = ?5, added_utc = ?6");
    s.bind(1, r.kind)
        .bind(2, r.code)
        .bind(3, r.baseCode)
        .bind(4, r.recipeId)
        .bind(5, r.addedBy)
        .bind(6, r.addedUtc);
    s.run();
}

bool Hl7Repo::removeMap(const std::string& kind, const std::string& code, const std::string& baseCode) {
    Statement s = m_db.prepare("DELETE FROM hl7_maps WHERE kind = ?1 AND code = ?2 AND base_code = ?3");
    s.bind(1, kind).bind(2, code).bind(3, baseCode);
    s.run();
    return m_db.changes() > 0;
}

std::vector<Hl7MapRow> Hl7Repo::maps() {
    Statement s =
        m_db.prepare("SELECT id, kind, code, base_code, recipe_id, added_by, added_utc FROM hl7_maps"
                     " ORDER BY kind, code, base_code");
    std::vector<Hl7MapRow> out;
    while (s.step())
        out.push_back(Hl7MapRow{s.columnInt(0), s.columnText(1), s.columnText(2), s.columnText(3),
                                s.columnText(4), s.columnText(5), s.columnText(6)});
    return out;
}

std::optional<Hl7MapRow> Hl7Repo::findMap(const std::string& kind, const std::string& code,
                                          const std::string& baseCode) {
    Statement s =
        m_db.prepare("SELECT id, kind, code, base_code, recipe_id, added_by, added_utc FROM hl7_maps"
                     " WHERE kind = ?1 AND code = ?2 AND base_code = ?3");
    s.bind(1, kind).bind(2, code).bind(3, baseCode);
    if (!s.step())
        return std::nullopt;
    return Hl7MapRow{s.columnInt(0),  s.columnText(1), s.columnText(2), s.columnText(3),
                     s.columnText(4), s.columnText(5), s.columnText(6)};
}

// [SECTION] Order links ---------------------------------------------------------------------------

void Hl7Repo::putLink(const Hl7OrderLink& l) {
    Statement s =
        m_db.prepare("INSERT INTO hl7_orders(placer, filler, sender, order_id, give_code, rxe, version,"
                     " details_json, updated_utc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                     " ON CONFLICT(placer) DO UPDATE SET filler = ?2, sender = ?3, order_id = ?4,"
                     " give_code = ?5, rxe = ?6, version = ?7, details_json = ?8, updated_utc = ?9");
    s.bind(1, l.placer)
        .bind(2, l.filler)
        .bind(3, l.sender)
        .bind(4, l.orderId)
        .bind(5, l.giveCode)
        .bind(6, l.rxe);
    s.bind(7, l.version).bind(8, l.detailsJson).bind(9, l.updatedUtc);
    s.run();
}

std::optional<Hl7OrderLink> Hl7Repo::link(const std::string& placer) {
    Statement s = m_db.prepare(std::string(kLinkColumns) + "WHERE placer = ?1");
    s.bind(1, placer);
    if (!s.step())
        return std::nullopt;
    return readLink(s);
}

std::optional<Hl7OrderLink> Hl7Repo::linkForOrder(int64_t orderId) {
    Statement s = m_db.prepare(std::string(kLinkColumns) + "WHERE order_id = ?1");
    s.bind(1, orderId);
    if (!s.step())
        return std::nullopt;
    return readLink(s);
}

// [SECTION] Outbox --------------------------------------------------------------------------------

std::vector<Hl7OutboxRow> Hl7Repo::outbox(int limit) {
    Statement s = m_db.prepare(std::string(kOutboxColumns) + "ORDER BY id LIMIT ?1");
    s.bind(1, limit);
    std::vector<Hl7OutboxRow> out;
    while (s.step())
        out.push_back(readOutbox(s));
    return out;
}

std::optional<Hl7OutboxRow> Hl7Repo::nextOutbox() {
    Statement s = m_db.prepare(std::string(kOutboxColumns) + "WHERE state <> 'sent' ORDER BY id LIMIT 1");
    if (!s.step())
        return std::nullopt;
    return readOutbox(s);
}

void Hl7Repo::setOutboxMessage(int64_t id, const std::string& message, const std::string& controlId) {
    Statement s = m_db.prepare("UPDATE hl7_outbox SET message = ?2, control_id = ?3 WHERE id = ?1");
    s.bind(1, id).bind(2, message).bind(3, controlId);
    s.run();
}

void Hl7Repo::setOutboxAttempt(int64_t id, int attempts, const std::string& nextTryUtc,
                               const std::string& error) {
    Statement s = m_db.prepare("UPDATE hl7_outbox SET state = 'failed', attempts = ?2, next_try_utc = ?3, "
                               "last_error = ?4 WHERE id = ?1");
    s.bind(1, id).bind(2, attempts).bind(3, nextTryUtc).bind(4, error);
    s.run();
}

void Hl7Repo::setOutboxSent(int64_t id, const std::string& ack, const std::string& atUtc) {
    Statement s =
        m_db.prepare("UPDATE hl7_outbox SET state = 'sent', attempts = attempts + 1, ack = ?2, sent_utc = ?3,"
                     " last_error = '' WHERE id = ?1");
    s.bind(1, id).bind(2, ack).bind(3, atUtc);
    s.run();
}

} // namespace admix::store
