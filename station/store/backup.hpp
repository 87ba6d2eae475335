// Backups of a station's data directory: the SQLite database copied with SQLite's online backup API
// (a consistent snapshot while the station and the server keep writing: WAL readers do not block
// writers), then every image the snapshot indexes, then a verification of the copy (integrity check,
// the audit chain, every image's SHA-256). A backup is a folder DEST/admix-backup-<UTC stamp>/ holding
// admix.sqlite3, images/ and manifest.json; it is built under a temporary name and renamed only once
// verified, so a folder with that name is always a complete, verified backup.
// restoreBackup() puts a verified backup into an empty (or missing) data directory and refuses any
// other. Plain functions, no shared state: safe to call from any thread with its own paths. Storage
// failures (cannot read, disk full) throw StoreError naming the path; verification findings are data.
#pragma once

#include "formulas/time.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

struct BackupReport {
    std::filesystem::path dir; // the backup folder
    std::string createdUtc;    // when the snapshot was taken
    int schemaVersion = 0;
    std::string integrity; // PRAGMA integrity_check: "ok" when sound
    int64_t auditRows = 0;
    std::string auditHead;             // hash of the newest audit row ("" when none)
    std::optional<int64_t> auditBreak; // first audit row that does not fit the chain
    int64_t preparations = 0;
    int64_t orders = 0;
    int64_t evidence = 0;
    int64_t images = 0; // image files present and matching their SHA-256
    int64_t imageBytes = 0;
    std::vector<std::string> problems; // what verification found wrong; empty: verified

    [[nodiscard]] bool verified() const { return problems.empty(); }
};

// The prefix of every backup folder's name.
inline constexpr const char* kBackupPrefix = "admix-backup-";

// Makes and verifies a backup of `dataDir` under `destRoot` (created owner-only if missing). When the
// copy does not verify, the partial folder is removed and the report names the problems (its `dir`
// is then empty). Throws StoreError when the source cannot be read or the copy cannot be written.
[[nodiscard]] BackupReport backupDataDir(const std::filesystem::path& dataDir,
                                         const std::filesystem::path& destRoot, TimePoint now = nowUtc());

// Verifies a backup folder (or a data directory: the same layout) without changing it.
[[nodiscard]] BackupReport verifyBackup(const std::filesystem::path& backupDir);

// The backup folders under `destRoot`, oldest first (by the stamp in their names).
[[nodiscard]] std::vector<std::filesystem::path> listBackups(const std::filesystem::path& destRoot);
// Removes all but the `keep` newest backup folders (keep >= 1); returns the removed ones.
std::vector<std::filesystem::path> pruneBackups(const std::filesystem::path& destRoot, int keep);

// The newest backup under `destRoot` and when it was made, from its manifest; nullopt when none.
struct BackupInfo {
    std::filesystem::path dir;
    std::string createdUtc;
};
[[nodiscard]] std::optional<BackupInfo> newestBackup(const std::filesystem::path& destRoot);

// What `admix doctor` asks of a station database, read-only (nothing is written or migrated): can it
// be opened, its schema against this build's, SQLite's quick check, and the audit chain.
struct DatabaseHealth {
    bool reachable = false;
    std::string error; // why it could not be opened
    int schemaVersion = 0;
    int latestSchemaVersion = 0;
    std::string quickCheck; // "ok" when sound
    int64_t auditRows = 0;
    std::optional<int64_t> auditBreak;
    std::string auditReason;
};
[[nodiscard]] DatabaseHealth checkDatabase(const std::filesystem::path& dataDir);

// Restores `backupDir` into `dataDir`, which must be missing or empty: a non-empty directory is
// refused (StoreError, nothing changed). The backup is verified first and refused if it does not
// verify; the restored copy is opened (migrated if the backup is older) and verified again.
BackupReport restoreBackup(const std::filesystem::path& backupDir, const std::filesystem::path& dataDir);

} // namespace admix::store
