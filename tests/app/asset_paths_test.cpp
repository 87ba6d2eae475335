// Where assets are found at run time: the override, the source tree for a build-tree run, the
// installed folder otherwise.
#include "core/asset_paths.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace fs = std::filesystem;
using admix::core::locateAssets;

TEST_CASE("assets: the environment override wins, whatever the program") {
    const auto where = locateAssets("/opt/site/admix-assets", "/usr/bin/admix");
    CHECK(where.dir == fs::path("/opt/site/admix-assets"));
    CHECK(where.source == "ADMIX_ASSETS_DIR");
    // An empty value is no override.
    CHECK(locateAssets("", "/usr/bin/admix").source == "installed");
}

TEST_CASE("assets: a program in the build tree uses the source tree's assets") {
    const fs::path self = fs::read_symlink("/proc/self/exe"); // this test runs from the build tree
    const auto where = locateAssets(nullptr, self);
    CHECK(where.source == "source tree");
    CHECK(where.dir == fs::path(ADMIX_ASSETS_DIR));
    CHECK(fs::is_regular_file(where.dir / "labels" / "iv_label.toml"));
    CHECK(fs::is_regular_file(where.dir / "web" / "login.html"));
}

TEST_CASE("assets: an installed program uses the installed folder") {
    for (const char* exe : {"/usr/bin/admix", "/usr/bin/admix-station", ""}) {
        const auto where = locateAssets(nullptr, exe);
        CHECK(where.source == "installed");
        CHECK(where.dir == admix::core::installedAssetsDir());
    }
    // A sibling of the build folder whose name starts the same is not inside it.
    const fs::path self = fs::read_symlink("/proc/self/exe");
    const fs::path buildDir = self.parent_path().parent_path();
    CHECK(locateAssets(nullptr, fs::path(buildDir.string() + "-other") / "bin" / "admix").source ==
          "installed");
    CHECK(admix::core::installedAssetsDir().filename() == "admix");
}
