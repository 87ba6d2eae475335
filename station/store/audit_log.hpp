// The hash-chained audit trail: who did what, when, to which subject, with which details (JSON).
// Append-only (enforced by triggers); each row's hash covers the previous row's hash, so an edit or
// a deletion anywhere breaks the chain at that row, which verify() reports. Not thread-safe: use it
// on the connection of the thread that owns it. append() joins the caller's transaction if one is
// open, so evidence and its audit row commit together.
#pragma once

#include "formulas/time.hpp"
#include "station/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

struct AuditEntry {
    int64_t id = 0;
    std::string atUtc;
    std::string actor;
    std::string action;
    std::string subject;
    std::string details; // JSON object
    std::string prevHash;
    std::string hash;
};

struct AuditBreak {
    int64_t id; // first row that does not fit the chain
    std::string reason;
};

[[nodiscard]] std::string sha256Hex(std::string_view data);
// The hash a row must carry: over its previous-hash link and its content.
[[nodiscard]] std::string auditEntryHash(const AuditEntry& e);

class AuditLog {
public:
    explicit AuditLog(Database& db) : m_db(db) {}

    int64_t append(const std::string& actor, const std::string& action, const std::string& subject,
                   const std::string& detailsJson = "{}", TimePoint at = nowUtc());
    [[nodiscard]] std::optional<AuditBreak> verify();
    [[nodiscard]] std::vector<AuditEntry> forSubject(const std::string& subject);
    [[nodiscard]] std::vector<AuditEntry> latest(int limit);
    // Rows at or after `from` and before `until` (unbounded where absent), optionally only those
    // about `subject` (empty: all), oldest first. Callers turn days into instants (local days:
    // formulas/time.hpp).
    [[nodiscard]] std::vector<AuditEntry> range(std::optional<TimePoint> from, std::optional<TimePoint> until,
                                                const std::string& subject);
    [[nodiscard]] int64_t count();

    static constexpr const char* kGenesisHash =
        "0000000000000000000000000000000000000000000000000000000000000000";

private:
    Database& m_db;
};

} // namespace admix::store
