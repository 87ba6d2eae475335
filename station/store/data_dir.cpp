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

namespace {

// A data directory others could read (made by an older build, or by hand) is made the owner's
// only, with everything in it: it holds PIN hashes, patient names and evidence photos.
void tightenExisting(const fs::path& dir) {
    std::error_code ec;
    const auto perms = fs::status(dir, ec).permissions();
    if (ec || (perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none)
        return;
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code e2;
        if (it->is_symlink(e2))
            continue;
        if (it->is_directory(e2))
            fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::replace, e2);
        else if (it->is_regular_file(e2))
            fs::permissions(it->path(), fs::perms::owner_read | fs::perms::owner_write,
                            fs::perm_options::replace, e2);
    }
}

} // namespace

void prepareDataDir(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_directory(dir, ec))
        tightenExisting(dir);
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

fs::path databasePath(const fs::path& dataDir) {
    return dataDir / "admix.sqlite3";
}
fs::path imagesDir(const fs::path& dataDir) {
    return dataDir / "images";
}

} // namespace admix::store
