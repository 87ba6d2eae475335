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
