#include "station/store/sandbox.hpp"

#include "station/store/audit_seal.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/database.hpp"

#include <sqlite3.h>

#include <cstdlib>
#include <memory>

namespace admix::store {

namespace fs = std::filesystem;

namespace {

fs::path makeTempDir() {
    std::string pattern = (fs::temp_directory_path() / "admix-sandbox-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
        throw StoreError("cannot create a sandbox directory under " + fs::temp_directory_path().string());
    return pattern;
}

struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};

std::unique_ptr<sqlite3, Closer> openFile(const fs::path& file, int flags) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.string().c_str(), &raw, flags, nullptr);
    std::unique_ptr<sqlite3, Closer> db(raw);
    if (rc != SQLITE_OK)
        throw StoreError("cannot open " + file.string() + ": " +
                         (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    sqlite3_busy_timeout(raw, 5000);
    return db;
}

} // namespace

Sandbox::Sandbox() : m_dir(makeTempDir()) {
    prepareDataDir(m_dir);
}

Sandbox::Sandbox(const fs::path& dataDir) : Sandbox() {
    copyStationData(dataDir, m_dir);
    // The station's key directory (audit key, trusted keys, PIN pepper) comes along, so that its
    // people sign in to the copy as to the station; the copy's own trail is sealed in the copy.
    std::error_code ec;
    const fs::path keys = auditKeyDirFor(databasePath(dataDir).string());
    if (fs::exists(keys))
        fs::copy(keys, auditKeyDirFor(databasePath(m_dir).string()), fs::copy_options::recursive, ec);
}

Sandbox::~Sandbox() {
    std::error_code ec;
    const fs::path keys = auditKeyDirFor(databasePath(m_dir).string());
    fs::remove_all(m_dir, ec);
    // The key directory beside the sandbox is the sandbox's own (never the station's: that one is
    // beside the station's data directory or set by an override that points elsewhere).
    if (keys.parent_path() == m_dir.parent_path() &&
        keys.filename().string().rfind(m_dir.filename().string(), 0) == 0)
        fs::remove_all(keys, ec);
}

void copyStationData(const fs::path& fromDataDir, const fs::path& toDataDir) {
    const fs::path from = databasePath(fromDataDir);
    const fs::path to = databasePath(toDataDir);
    if (!fs::exists(from))
        throw StoreError("no station database in " + fromDataDir.string());
    if (fs::exists(to))
        throw StoreError("a database is already in " + toDataDir.string());
    {
        auto source = openFile(from, SQLITE_OPEN_READONLY);
        auto dest = openFile(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        sqlite3_backup* backup = sqlite3_backup_init(dest.get(), "main", source.get(), "main");
        if (!backup)
            throw StoreError("cannot copy " + from.string() + ": " + sqlite3_errmsg(dest.get()));
        const int rc = sqlite3_backup_step(backup, -1);
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE)
            throw StoreError("cannot copy " + from.string() + ": " + sqlite3_errstr(rc));
    }
    std::error_code ec;
    if (fs::exists(imagesDir(fromDataDir)))
        fs::copy(imagesDir(fromDataDir), imagesDir(toDataDir),
                 fs::copy_options::recursive | fs::copy_options::skip_existing, ec);
    if (ec)
        throw StoreError("cannot copy the images of " + fromDataDir.string() + ": " + ec.message());
}

std::vector<std::string> integrityProblems(const fs::path& databaseFile) {
    auto db = openFile(databaseFile, SQLITE_OPEN_READONLY);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db.get(), "PRAGMA integrity_check", -1, &stmt, nullptr) != SQLITE_OK)
        throw StoreError("cannot check " + databaseFile.string() + ": " + sqlite3_errmsg(db.get()));
    std::vector<std::string> out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        const std::string line = text ? text : "";
        if (line != "ok")
            out.push_back(line);
    }
    sqlite3_finalize(stmt);
    return out;
}

} // namespace admix::store
