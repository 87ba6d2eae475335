#include "station/store/data_dir.hpp"

#include "station/store/database.hpp"

#include <cstdlib>
#include <unistd.h>

namespace admix::store {

namespace fs = std::filesystem;

fs::path defaultDataDir() {
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        return fs::path(xdg) / "admix";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".local" / "share" / "admix";
    return fs::current_path() / "admix-data";
}

void prepareDataDir(const fs::path& dir) {
    std::error_code ec;
    for (const fs::path& p : {dir, imagesDir(dir)}) {
        if (!fs::exists(p, ec)) {
            fs::create_directories(p, ec);
            if (ec)
                throw StoreError("cannot create data directory " + p.string() + ": " + ec.message());
            fs::permissions(p, fs::perms::owner_all, fs::perm_options::replace, ec);
        }
        if (!fs::is_directory(p, ec))
            throw StoreError("data directory " + p.string() + " is not a directory");
    }
    if (::access(dir.c_str(), W_OK) != 0)
        throw StoreError("data directory " + dir.string() + " is not writable");
}

fs::path databasePath(const fs::path& dataDir) { return dataDir / "admix.sqlite3"; }
fs::path imagesDir(const fs::path& dataDir) { return dataDir / "images"; }

} // namespace admix::store
