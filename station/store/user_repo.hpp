// Persistence of station users: identity, role, Argon2id credential hashes, lockout counters.
// Rules (what a lockout is, how secrets are hashed) belong to station/workflow; this only stores.
// Not thread-safe: one repository per connection. Storage failures throw StoreError.
#pragma once

#include "station/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

struct UserRow {
    int64_t id = 0;
    std::string username;
    std::string displayName;
    std::string role;
    std::optional<std::string> badge;
    std::optional<std::string> pinHash;
    std::optional<std::string> passwordHash;
    bool active = true;
    int failedAttempts = 0;
    std::optional<std::string> lockedUntilUtc;
    std::string createdUtc;
};

// Failed web sign-ins (and e-signatures) of one account from one client address.
struct WebFailureRow {
    int failures = 0;
    std::string firstUtc;
    std::string lastUtc;
    std::optional<std::string> lockedUntilUtc;
};

class UserRepo {
public:
    explicit UserRepo(Database& db) : m_db(db) {}

    // Inserts and returns the new id. Throws StoreError when the username or badge is taken.
    int64_t insert(const UserRow& row);
    [[nodiscard]] std::optional<UserRow> byUsername(const std::string& username);
    [[nodiscard]] std::optional<UserRow> byBadge(const std::string& badge);
    [[nodiscard]] std::optional<UserRow> byId(int64_t id);
    [[nodiscard]] std::vector<UserRow> all();
    void recordFailure(int64_t id, int failedAttempts, const std::optional<std::string>& lockedUntilUtc);
    void recordSuccess(int64_t id);
    // Per account and client address, for the web (the account's own counters are the station's).
    [[nodiscard]] std::optional<WebFailureRow> webFailure(const std::string& username,
                                                          const std::string& address);
    void recordWebFailure(const std::string& username, const std::string& address, const WebFailureRow& row);
    void clearWebFailures(const std::string& username, const std::string& address);
    // How many different addresses failed for this account since `sinceUtc` (a pattern of guesses).
    [[nodiscard]] int webFailureAddressesSince(const std::string& username, const std::string& sinceUtc);
    void setActive(int64_t id, bool active);
    void setPinHash(int64_t id, const std::string& hash);
    void setPasswordHash(int64_t id, const std::string& hash);
    void setBadge(int64_t id, const std::optional<std::string>& badge);
    void setRole(int64_t id, const std::string& role);
    [[nodiscard]] int64_t count();

private:
    Database& m_db;
};

} // namespace admix::store
