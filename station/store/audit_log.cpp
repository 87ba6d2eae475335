#include "station/store/audit_log.hpp"

#include <sodium.h>

#include <stdexcept>

namespace admix::store {

std::string auditEntryHash(const AuditEntry& e) {
    // Unit separator (0x1F) between fields so that no two different entries hash the same text.
    std::string text;
    for (const std::string* field : {&e.prevHash, &e.atUtc, &e.actor, &e.action, &e.subject, &e.details}) {
        text += *field;
        text += '\x1f';
    }
    return sha256Hex(text);
}

namespace {

std::string entryHash(const AuditEntry& e) {
    return auditEntryHash(e);
}

AuditEntry readEntry(const Statement& stmt) {
    return AuditEntry{stmt.columnInt(0),  stmt.columnText(1), stmt.columnText(2), stmt.columnText(3),
                      stmt.columnText(4), stmt.columnText(5), stmt.columnText(6), stmt.columnText(7)};
}

constexpr const char* kColumns =
    "SELECT id, at_utc, actor, action, subject, details, prev_hash, hash FROM audit_log ";

} // namespace

std::string sha256Hex(std::string_view data) {
    if (sodium_init() < 0)
        throw std::runtime_error("libsodium failed to initialise");
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

int64_t AuditLog::append(const std::string& actor, const std::string& action, const std::string& subject,
                         const std::string& detailsJson, TimePoint at) {
    // On its own (no caller's transaction) the append takes the write lock up front: a deferred
    // transaction that reads the last hash and then writes fails with "database is locked" when
    // another connection wrote in between, instead of waiting its turn.
    const bool own = sqlite3_get_autocommit(m_db.handle()) != 0;
    if (own)
        m_db.exec("BEGIN IMMEDIATE");
    m_db.exec("SAVEPOINT audit_append");
    try {
        AuditEntry e;
        e.prevHash =
            m_db.queryText("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").value_or(kGenesisHash);
        e.atUtc = formatIsoUtc(at);
        e.actor = actor;
        e.action = action;
        e.subject = subject;
        e.details = detailsJson;
        e.hash = entryHash(e);
        Statement insert =
            m_db.prepare("INSERT INTO audit_log(at_utc, actor, action, subject, details, prev_hash, hash)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        insert.bind(1, e.atUtc).bind(2, e.actor).bind(3, e.action).bind(4, e.subject).bind(5, e.details);
        insert.bind(6, e.prevHash).bind(7, e.hash);
        insert.run();
        const int64_t id = m_db.lastInsertRowId();
        m_db.exec("RELEASE audit_append");
        if (own)
            m_db.exec("COMMIT");
        m_db.notifyCommitted(); // only acts when this append was its own transaction
        return id;
    } catch (...) {
        sqlite3_exec(m_db.handle(), "ROLLBACK TO audit_append; RELEASE audit_append", nullptr, nullptr,
                     nullptr);
        if (own)
            sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::optional<AuditBreak> AuditLog::verify() {
    Statement stmt = m_db.prepare(std::string(kColumns) + "ORDER BY id");
    std::string expectedPrev = kGenesisHash;
    while (stmt.step()) {
        const AuditEntry e = readEntry(stmt);
        if (e.prevHash != expectedPrev)
            return AuditBreak{
                e.id, "previous-hash link does not match the row before it (a row was removed or reordered)"};
        if (entryHash(e) != e.hash)
            return AuditBreak{e.id, "content does not match its hash (the row was altered)"};
        expectedPrev = e.hash;
    }
    return std::nullopt;
}

std::vector<AuditEntry> AuditLog::forSubject(const std::string& subject) {
    Statement stmt = m_db.prepare(std::string(kColumns) + "WHERE subject = ?1 ORDER BY id");
    stmt.bind(1, subject);
    std::vector<AuditEntry> out;
    while (stmt.step())
        out.push_back(readEntry(stmt));
    return out;
}

std::vector<AuditEntry> AuditLog::latest(int limit) {
    Statement stmt = m_db.prepare(std::string(kColumns) + "ORDER BY id DESC LIMIT ?1");
    stmt.bind(1, limit);
    std::vector<AuditEntry> out;
    while (stmt.step())
        out.push_back(readEntry(stmt));
    return out;
}

std::vector<AuditEntry> AuditLog::range(std::optional<TimePoint> from, std::optional<TimePoint> until,
                                        const std::string& subject) {
    // at_utc is ISO 8601 UTC text of one width, so text order is time order.
    Statement stmt =
        m_db.prepare(std::string(kColumns) + "WHERE (?1 = '' OR at_utc >= ?1) AND (?2 = '' OR at_utc < ?2)"
                                             " AND (?3 = '' OR subject = ?3) ORDER BY id");
    stmt.bind(1, from ? formatIsoUtc(*from) : std::string())
        .bind(2, until ? formatIsoUtc(*until) : std::string())
        .bind(3, subject);
    std::vector<AuditEntry> out;
    while (stmt.step())
        out.push_back(readEntry(stmt));
    return out;
}

int64_t AuditLog::count() {
    return m_db.queryInt("SELECT count(*) FROM audit_log").value_or(0);
}

} // namespace admix::store
