#include "core/asset_paths.hpp"

#include <cstdlib>
#include <system_error>

#ifndef ADMIX_SOURCE_DIR
#define ADMIX_SOURCE_DIR ""
#endif
#ifndef ADMIX_BINARY_DIR
#define ADMIX_BINARY_DIR ""
#endif
#ifndef ADMIX_INSTALLED_ASSETS_DIR
#define ADMIX_INSTALLED_ASSETS_DIR "/usr/share/admix"
#endif

namespace admix::core {

namespace fs = std::filesystem;

namespace {

// True when `path` is `dir` or inside it (both made absolute and normal, no symlink resolution
// beyond what the caller did).
bool isInside(const fs::path& path, const fs::path& dir) {
    if (dir.empty() || path.empty())
        return false;
    const fs::path p = path.lexically_normal();
    const fs::path d = dir.lexically_normal();
    auto pi = p.begin();
    for (auto di = d.begin(); di != d.end(); ++di, ++pi) {
        if (di->empty())
            continue; // a trailing separator
        if (pi == p.end() || *pi != *di)
            return false;
    }
    return true;
}

} // namespace

fs::path installedAssetsDir() {
    return fs::path(ADMIX_INSTALLED_ASSETS_DIR);
}

fs::path sourceAssetsDir() {
    const std::string_view source = ADMIX_SOURCE_DIR;
    return source.empty() ? fs::path() : fs::path(source) / "assets";
}

AssetLocation locateAssets(const char* overrideDir, const fs::path& exe) {
    if (overrideDir != nullptr && *overrideDir != '\0')
        return {fs::path(overrideDir), "ADMIX_ASSETS_DIR"};
    std::error_code ec;
    const fs::path source = sourceAssetsDir();
    if (isInside(exe, fs::path(ADMIX_BINARY_DIR)) && !source.empty() && fs::is_directory(source, ec))
        return {source, "source tree"};
    return {installedAssetsDir(), "installed"};
}

AssetLocation assetsDir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return locateAssets(std::getenv("ADMIX_ASSETS_DIR"), ec ? fs::path() : exe);
}

fs::path assetPath(std::string_view relative) {
    return assetsDir().dir / fs::path(relative);
}

} // namespace admix::core
