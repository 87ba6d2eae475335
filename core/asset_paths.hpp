// Where Admix finds its read-only assets (label layouts, vision thresholds, web pages) at run time,
// so that one binary works from the build tree and from an installed package:
//   1. $ADMIX_ASSETS_DIR, when set and not empty (an operator's override; it must exist);
//   2. the source tree's assets/ folder, when the running program lives in the build tree it was
//      built in (a developer's or a test's run);
//   3. the installed folder baked in at configure time (<prefix>/share/admix, /usr/share/admix in
//      the Debian packages).
// Pure look-ups of the environment and the file system; thread-safe; never throws.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace admix::core {

struct AssetLocation {
    std::filesystem::path dir; // the assets folder in use
    std::string source;        // why this one: "ADMIX_ASSETS_DIR", "source tree" or "installed"
};

// The assets folder, decided as above from the environment value `overrideDir` (nullptr: unset) and
// the running program `exe`. Exposed for tests; programs call assetsDir().
[[nodiscard]] AssetLocation locateAssets(const char* overrideDir, const std::filesystem::path& exe);

// The assets folder for this process (environment and /proc/self/exe).
[[nodiscard]] AssetLocation assetsDir();
// assetsDir().dir / relative, e.g. assetPath("labels/iv_label.toml").
[[nodiscard]] std::filesystem::path assetPath(std::string_view relative);

// The folders baked in at configure time (for `admix doctor` and tests).
[[nodiscard]] std::filesystem::path installedAssetsDir();
[[nodiscard]] std::filesystem::path sourceAssetsDir();

} // namespace admix::core
