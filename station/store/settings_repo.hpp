// Station settings: key/value pairs (site policy for sign-in, idle lock, ...) with who changed them
// and when. The caller audits the change (old and new value) in the same transaction.
// Not thread-safe: one repository per connection. Storage failures throw StoreError.
#pragma once

#include "station/store/database.hpp"

#include <optional>
#include <string>

namespace admix::store {

class SettingsRepo {
public:
    explicit SettingsRepo(Database& db) : m_db(db) {}
    [[nodiscard]] std::optional<std::string> get(const std::string& key);
    void set(const std::string& key, const std::string& value, const std::string& by,
             const std::string& atUtc);

private:
    Database& m_db;
};

} // namespace admix::store
