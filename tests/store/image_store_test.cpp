#include "station/store/audit_log.hpp"
#include "station/store/image_store.hpp"
#include "station/store/schema.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::store;

TEST_CASE("images are stored under their SHA-256, once, and read back verified") {
    test::TempDir dir;
    Database db = openStationDatabase(":memory:");
    ImageStore images(db, dir.path() / "images");
    const std::vector<uint8_t> bytes{0xFF, 0xD8, 0xFF, 0xE0, 'a', 'b', 'c', 0xFF, 0xD9};
    const StoredImage stored = images.put(bytes, "image/jpeg", 640, 480, "2026-11-21T08:00:00Z");
    CHECK(stored.sha256 == sha256Hex(std::string(bytes.begin(), bytes.end())));
    const auto path = images.pathOf(stored.sha256);
    REQUIRE(path.has_value());
    CHECK(path->filename() == stored.sha256 + ".jpg");
    CHECK(path->parent_path().filename() == stored.sha256.substr(0, 2));
    CHECK(images.read(stored.sha256).value() == bytes);

    const StoredImage again = images.put(bytes, "image/jpeg", 640, 480, "2026-11-21T08:01:00Z");
    CHECK(again.sha256 == stored.sha256);
    CHECK(db.queryInt("SELECT count(*) FROM images").value() == 1);
    CHECK(images.find(stored.sha256)->width == 640);
}

TEST_CASE("a tampered image file no longer reads back") {
    test::TempDir dir;
    Database db = openStationDatabase(":memory:");
    ImageStore images(db, dir.path() / "images");
    const StoredImage stored = images.put({1, 2, 3, 4}, "image/png", 2, 2, "2026-11-21T08:00:00Z");
    test::writeFile(*images.pathOf(stored.sha256), "altered");
    CHECK_FALSE(images.read(stored.sha256).has_value());
}

TEST_CASE("hashes that are not 64 lowercase hex digits never reach the file system") {
    test::TempDir dir;
    Database db = openStationDatabase(":memory:");
    ImageStore images(db, dir.path() / "images");
    for (const std::string& bad : std::vector<std::string>{
             "../../etc/passwd", std::string(64, 'g'), std::string(63, 'a'), std::string(64, 'A'),
             std::string("../") + std::string(61, 'a'), std::string()}) {
        CHECK_FALSE(isSha256Hex(bad));
        CHECK_FALSE(images.pathOf(bad).has_value());
        CHECK_FALSE(images.read(bad).has_value());
    }
    CHECK(isSha256Hex(std::string(64, 'a')));
}
