// Where the station keeps its data: one directory holding the SQLite database and the
// content-addressed image store. Default: $XDG_DATA_HOME/admix, else ~/.local/share/admix.
#pragma once

#include <filesystem>

namespace admix::store {

[[nodiscard]] std::filesystem::path defaultDataDir();
// Creates the directory (owner-only permissions) and its images/ folder if missing. Throws
// StoreError naming the directory when it cannot be created or written.
void prepareDataDir(const std::filesystem::path& dir);
[[nodiscard]] std::filesystem::path databasePath(const std::filesystem::path& dataDir);
[[nodiscard]] std::filesystem::path imagesDir(const std::filesystem::path& dataDir);

} // namespace admix::store
