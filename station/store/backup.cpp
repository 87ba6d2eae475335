#include "station/store/backup.hpp"

#include "station/store/audit_log.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/database.hpp"
#include "station/store/image_store.hpp"
#include "station/store/schema.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

namespace admix::store {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kManifest = "manifest.json";

void syncPath(const fs::path& path, bool directory) {
    const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0)
        throw StoreError("cannot open " + path.string() + " to sync it: " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int saved = errno;
    ::close(fd);
    if (rc != 0)
        throw StoreError("cannot sync " + path.string() + ": " + std::strerror(saved));
}

void makeOwnerOnlyDir(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_directory(dir, ec))
        return;
    fs::create_directories(dir, ec);
    if (ec)
        throw StoreError("cannot create " + dir.string() + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
}

// Copies the whole database `from` into `to` with the online backup API: one step over every page
// under one read transaction, so the copy is the database as of one instant.
void copyDatabase(Database& from, Database& to) {
    for (int attempt = 0;; ++attempt) {
        sqlite3_backup* backup = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
        if (backup == nullptr)
            throw StoreError("cannot start the backup of " + from.path() + ": " +
                             sqlite3_errmsg(to.handle()));
        const int rc = sqlite3_backup_step(backup, -1);
        sqlite3_backup_finish(backup);
        if (rc == SQLITE_DONE)
            return;
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 200) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        throw StoreError("cannot copy " + from.path() + " to " + to.path() + ": " + sqlite3_errstr(rc));
    }
}

std::optional<std::vector<uint8_t>> readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string hashOf(const std::vector<uint8_t>& bytes) {
    return sha256Hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

struct ImageRow {
    std::string sha256;
    std::string mime;
    int64_t bytes = 0;
};

std::vector<ImageRow> imageRows(Database& db) {
    std::vector<ImageRow> rows;
    Statement s = db.prepare("SELECT sha256, mime, bytes FROM images ORDER BY sha256");
    while (s.step())
        rows.push_back({s.columnText(0), s.columnText(1), s.columnInt(2)});
    return rows;
}

// Copies every image `db` indexes from `fromImages` to `toImages`, each checked against its name.
// Returns the problems (a missing or altered source file).
std::vector<std::string> copyImages(Database& db, const fs::path& fromImages, const fs::path& toImages) {
    std::vector<std::string> problems;
    for (const ImageRow& row : imageRows(db)) {
        if (!isSha256Hex(row.sha256)) {
            problems.push_back("image index holds a malformed name: " + row.sha256);
            continue;
        }
        const fs::path source = imageFilePath(fromImages, row.sha256, row.mime);
        const auto bytes = readFile(source);
        if (!bytes) {
            problems.push_back("image " + row.sha256 + " is missing: " + source.string());
            continue;
        }
        if (hashOf(*bytes) != row.sha256) {
            problems.push_back("image " + row.sha256 +
                               " does not match its SHA-256 (altered): " + source.string());
            continue;
        }
        (void)writeImageFile(toImages, *bytes, row.mime);
    }
    return problems;
}

std::string stampOf(TimePoint t) {
    // 2026-12-01T20:15:00Z -> 20261201T201500Z: sorts by time, no ':' in a file name.
    std::string stamp;
    for (char c : formatIsoUtc(t))
        if (c != '-' && c != ':')
            stamp += c;
    return stamp;
}

void writeManifest(const fs::path& dir, const BackupReport& r, const fs::path& source) {
    const json manifest{{"format", 1},
                        {"admix", ADMIX_VERSION},
                        {"created_utc", r.createdUtc},
                        {"source", source.string()},
                        {"schema", r.schemaVersion},
                        {"audit_rows", r.auditRows},
                        {"audit_head", r.auditHead},
                        {"orders", r.orders},
                        {"preparations", r.preparations},
                        {"evidence", r.evidence},
                        {"images", r.images},
                        {"image_bytes", r.imageBytes},
                        {"verified", true}};
    const fs::path path = dir / kManifest;
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << manifest.dump(2) << '\n';
        if (!out.flush())
            throw StoreError("cannot write " + path.string());
    }
    syncPath(path, false);
}

std::optional<json> readManifest(const fs::path& dir) {
    std::ifstream in(dir / kManifest, std::ios::binary);
    if (!in)
        return std::nullopt;
    json j = json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return std::nullopt;
    return j;
}

bool isEmptyDir(const fs::path& dir) {
    std::error_code ec;
    return fs::is_directory(dir, ec) && fs::directory_iterator(dir, ec) == fs::directory_iterator();
}

} // namespace

BackupReport verifyBackup(const fs::path& backupDir) {
    BackupReport r;
    r.dir = backupDir;
    if (const auto manifest = readManifest(backupDir))
        r.createdUtc = manifest->value("created_utc", "");
    const fs::path dbPath = databasePath(backupDir);
    std::error_code ec;
    if (!fs::is_regular_file(dbPath, ec)) {
        r.problems.push_back("no database in " + backupDir.string() + " (admix.sqlite3 missing)");
        return r;
    }
    Database db(dbPath.string(), Database::Mode::ReadOnly);
    r.integrity = db.queryText("PRAGMA integrity_check").value_or("no answer");
    if (r.integrity != "ok") {
        r.problems.push_back("database integrity check failed: " + r.integrity);
        return r;
    }
    r.schemaVersion = schemaVersionOf(db);
    if (r.schemaVersion > latestSchemaVersion())
        r.problems.push_back("database schema " + std::to_string(r.schemaVersion) +
                             " is newer than this Admix understands (" +
                             std::to_string(latestSchemaVersion()) + ")");
    AuditLog audit(db);
    r.auditRows = audit.count();
    if (r.auditRows > 0)
        r.auditHead = audit.latest(1).front().hash;
    if (const auto broken = audit.verify()) {
        r.auditBreak = broken->id;
        r.problems.push_back("audit trail broken at row " + std::to_string(broken->id) + ": " +
                             broken->reason);
    }
    r.orders = db.queryInt("SELECT count(*) FROM orders").value_or(0);
    r.preparations = db.queryInt("SELECT count(*) FROM preparations").value_or(0);
    r.evidence = db.queryInt("SELECT count(*) FROM evidence").value_or(0);
    const fs::path images = imagesDir(backupDir);
    for (const ImageRow& row : imageRows(db)) {
        if (!isSha256Hex(row.sha256)) {
            r.problems.push_back("image index holds a malformed name: " + row.sha256);
            continue;
        }
        const fs::path path = imageFilePath(images, row.sha256, row.mime);
        const auto bytes = readFile(path);
        if (!bytes)
            r.problems.push_back("image " + row.sha256 + " is missing: " + path.string());
        else if (hashOf(*bytes) != row.sha256)
            r.problems.push_back("image " + row.sha256 + " does not match its SHA-256: " + path.string());
        else {
            ++r.images;
            r.imageBytes += static_cast<int64_t>(bytes->size());
        }
    }
    Statement orphans = db.prepare("SELECT DISTINCT image_sha256 FROM evidence WHERE image_sha256 IS NOT NULL"
                                   " AND image_sha256 NOT IN (SELECT sha256 FROM images)");
    while (orphans.step())
        r.problems.push_back("evidence names image " + orphans.columnText(0) +
                             ", which is not in the image store");
    return r;
}

BackupReport backupDataDir(const fs::path& dataDir, const fs::path& destRoot, TimePoint now) {
    const fs::path sourceDb = databasePath(dataDir);
    std::error_code ec;
    if (!fs::is_regular_file(sourceDb, ec))
        throw StoreError("no station database at " + sourceDb.string());
    makeOwnerOnlyDir(destRoot);
    const std::string name = std::string(kBackupPrefix) + stampOf(now);
    fs::path final = destRoot / name;
    for (int n = 2; fs::exists(final, ec); ++n)
        final = destRoot / (name + "-" + std::to_string(n));
    const fs::path partial = destRoot / ("." + final.filename().string() + ".partial");
    fs::remove_all(partial, ec);
    makeOwnerOnlyDir(partial);
    makeOwnerOnlyDir(imagesDir(partial));

    std::vector<std::string> copyProblems;
    try {
        // ReadWrite without migrating: the station's own connection settings (WAL) stay as they are.
        Database source(sourceDb.string());
        {
            Database copy(databasePath(partial).string());
            copyDatabase(source, copy);
            // The copy stands alone: one file, no write-ahead log beside it.
            (void)copy.queryText("PRAGMA journal_mode = DELETE");
            copyProblems = copyImages(copy, imagesDir(dataDir), imagesDir(partial));
        }
        syncPath(databasePath(partial), false);
    } catch (...) {
        fs::remove_all(partial, ec);
        throw;
    }
    BackupReport report = verifyBackup(partial);
    report.createdUtc = formatIsoUtc(now);
    report.problems.insert(report.problems.begin(), copyProblems.begin(), copyProblems.end());
    if (!report.verified()) {
        fs::remove_all(partial, ec);
        report.dir.clear();
        return report;
    }
    writeManifest(partial, report, dataDir);
    syncPath(partial, true);
    fs::rename(partial, final, ec);
    if (ec) {
        fs::remove_all(partial, ec);
        throw StoreError("cannot move the backup into place at " + final.string() + ": " + ec.message());
    }
    syncPath(destRoot, true);
    report.dir = final;
    return report;
}

std::vector<fs::path> listBackups(const fs::path& destRoot) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(destRoot, ec)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_directory(ec) && name.rfind(kBackupPrefix, 0) == 0 &&
            fs::is_regular_file(entry.path() / kManifest, ec))
            out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<fs::path> pruneBackups(const fs::path& destRoot, int keep) {
    std::vector<fs::path> removed;
    auto all = listBackups(destRoot);
    const size_t keepCount = static_cast<size_t>(std::max(1, keep));
    if (all.size() <= keepCount)
        return removed;
    std::error_code ec;
    for (size_t i = 0; i + keepCount < all.size(); ++i) {
        fs::remove_all(all[i], ec);
        if (ec)
            throw StoreError("cannot remove the old backup " + all[i].string() + ": " + ec.message());
        removed.push_back(all[i]);
    }
    return removed;
}

std::optional<BackupInfo> newestBackup(const fs::path& destRoot) {
    const auto all = listBackups(destRoot);
    if (all.empty())
        return std::nullopt;
    const auto manifest = readManifest(all.back());
    return BackupInfo{all.back(), manifest ? manifest->value("created_utc", "") : ""};
}

DatabaseHealth checkDatabase(const fs::path& dataDir) {
    DatabaseHealth h;
    h.latestSchemaVersion = latestSchemaVersion();
    const fs::path path = databasePath(dataDir);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        h.error = "no database at " + path.string();
        return h;
    }
    try {
        Database db(path.string(), Database::Mode::ReadOnly);
        h.schemaVersion = schemaVersionOf(db);
        h.quickCheck = db.queryText("PRAGMA quick_check").value_or("no answer");
        AuditLog audit(db);
        h.auditRows = audit.count();
        if (const auto broken = audit.verify()) {
            h.auditBreak = broken->id;
            h.auditReason = broken->reason;
        }
        h.reachable = true;
    } catch (const StoreError& e) {
        h.error = e.what();
    }
    return h;
}

BackupReport restoreBackup(const fs::path& backupDir, const fs::path& dataDir) {
    std::error_code ec;
    if (fs::exists(dataDir, ec) && !isEmptyDir(dataDir))
        throw StoreError("data directory " + dataDir.string() +
                         " is not empty: restore only into an empty or new directory (nothing was changed)");
    const BackupReport checked = verifyBackup(backupDir);
    if (!checked.verified())
        throw StoreError("backup " + backupDir.string() + " does not verify (" + checked.problems.front() +
                         "); nothing was restored");
    prepareDataDir(dataDir);
    {
        Database from(databasePath(backupDir).string(), Database::Mode::ReadOnly);
        Database to(databasePath(dataDir).string());
        copyDatabase(from, to);
        const auto problems = copyImages(from, imagesDir(backupDir), imagesDir(dataDir));
        if (!problems.empty())
            throw StoreError("restoring " + backupDir.string() + ": " + problems.front());
    }
    syncPath(databasePath(dataDir), false);
    // Opened as the station opens it: WAL, migrations of a backup made by an older Admix.
    { Database db = openStationDatabase(databasePath(dataDir).string()); }
    BackupReport restored = verifyBackup(dataDir);
    restored.createdUtc = checked.createdUtc;
    if (!restored.verified())
        throw StoreError("the restored data in " + dataDir.string() +
                         " does not verify: " + restored.problems.front());
    return restored;
}

} // namespace admix::store
