// A throwaway copy of a station's data for `admix session --sandbox` and `admix validate`: a fresh
// temporary data directory holding a consistent snapshot of the database (SQLite online backup, so
// a station running beside it is not disturbed) and a copy of the image store. Deleted with the
// object. Also the installation checks a validation run reports (database integrity and schema).
// Not thread-safe. Errors: StoreError (cannot create, copy or read).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace admix::store {

class Sandbox {
public:
    // An empty data directory under the system temp directory ("admix-sandbox-XXXXXX").
    Sandbox();
    // A copy of `dataDir` (database snapshot + images).
    explicit Sandbox(const std::filesystem::path& dataDir);
    ~Sandbox();
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    [[nodiscard]] const std::filesystem::path& dir() const { return m_dir; }

private:
    std::filesystem::path m_dir;
};

// Copies the database of `fromDataDir` into `toDataDir` (which must not hold one yet) and its images.
void copyStationData(const std::filesystem::path& fromDataDir, const std::filesystem::path& toDataDir);

// PRAGMA integrity_check of a database file: empty when "ok", else SQLite's findings.
[[nodiscard]] std::vector<std::string> integrityProblems(const std::filesystem::path& databaseFile);

} // namespace admix::store
