#include "station/app/config.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::app;

TEST_CASE("an empty file gives the documented defaults") {
    const auto config = parseConfig("", "admix.toml");
    REQUIRE(config.ok());
    CHECK(config->display.width == 1280);
    CHECK(config->display.height == 800);
    CHECK(config->display.fontSize == doctest::Approx(28.0));
    CHECK(config->station.dataDir.empty());
    CHECK(config->log.level == "info");
}

TEST_CASE("known keys are read") {
    const auto config = parseConfig(R"(
[station]
name = "Hood 2 - oncology"
data_dir = "/var/lib/admix"

[display]
width = 1920
height = 1080
fullscreen = true
font_size = 32.5
)",
                                    "site.toml");
    REQUIRE(config.ok());
    CHECK(config->station.name == "Hood 2 - oncology");
    CHECK(config->station.dataDir == "/var/lib/admix");
    CHECK(config->display.width == 1920);
    CHECK(config->display.fullscreen);
    CHECK(config->display.fontSize == doctest::Approx(32.5));
    CHECK(config->sourcePath == "site.toml");
}

TEST_CASE("the [server] keys of the nginx front are read; behind_proxy is off by default") {
    const auto defaults = parseConfig("", "admix.toml");
    REQUIRE(defaults.ok());
    CHECK_FALSE(defaults->server.behindProxy);
    CHECK(defaults->server.frontPort == 443);
    const auto config = parseConfig(R"(
[server]
behind_proxy = true
listen_address = "127.0.0.1"
port = 8444
front_listen_address = "0.0.0.0"
front_port = 8443
front_server_name = "admix.example.org"
)",
                                    "site.toml");
    REQUIRE(config.ok());
    CHECK(config->server.behindProxy);
    CHECK(config->server.port == 8444);
    CHECK(config->server.frontListenAddress == "0.0.0.0");
    CHECK(config->server.frontPort == 8443);
    CHECK(config->server.frontServerName == "admix.example.org");
    const auto wrong = parseConfig("[server]\nbehind_proxy = \"yes\"\n", "site.toml");
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().where == "site.toml:2:1: server.behind_proxy");
}

TEST_CASE("errors name the file, line, column and key") {
    SUBCASE("unknown key") {
        const auto config = parseConfig("[display]\nwidht = 1920\n", "site.toml");
        REQUIRE_FALSE(config.ok());
        CHECK(config.error().where == "site.toml:2:1: display.widht");
        CHECK(config.error().message.find("unknown setting") != std::string::npos);
    }
    SUBCASE("wrong type") {
        const auto config = parseConfig("[display]\nfullscreen = \"yes\"\n", "site.toml");
        REQUIRE_FALSE(config.ok());
        CHECK(config.error().where.find("site.toml:2:") == 0);
        CHECK(config.error().where.find("display.fullscreen") != std::string::npos);
        CHECK(config.error().message == "must be true or false");
    }
    SUBCASE("out of range, just past each end") {
        auto config = parseConfig("[display]\nfont_size = 15.9\n", "site.toml");
        REQUIRE_FALSE(config.ok());
        CHECK(config.error().message.find("between 16 and 72") != std::string::npos);
        config = parseConfig("[display]\nfont_size = 72.1\n", "site.toml");
        CHECK_FALSE(config.ok());
        CHECK(parseConfig("[display]\nfont_size = 16\n", "site.toml").ok());
        CHECK(parseConfig("[display]\nfont_size = 72\n", "site.toml").ok());
    }
    SUBCASE("TOML syntax") {
        const auto config = parseConfig("[display\nwidth = 3\n", "site.toml");
        REQUIRE_FALSE(config.ok());
        CHECK(config.error().where.find("site.toml:1:") == 0);
    }
    SUBCASE("log level") {
        const auto config = parseConfig("[log]\nlevel = \"loud\"\n", "site.toml");
        REQUIRE_FALSE(config.ok());
        CHECK(config.error().where.find("log.level") != std::string::npos);
    }
}

TEST_CASE("loadConfig: an explicit file must exist; without one, defaults") {
    test::TempDir dir;
    const auto missing = loadConfig(dir / "none.toml");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().where.find("none.toml") != std::string::npos);

    test::writeFile(dir / "ok.toml", "[station]\nname = \"Hood 3\"\n");
    const auto loaded = loadConfig(dir / "ok.toml");
    REQUIRE(loaded.ok());
    CHECK(loaded->station.name == "Hood 3");

    ::setenv("XDG_CONFIG_HOME", (dir / "empty-config-home").c_str(), 1);
    const auto defaults = loadConfig(std::nullopt);
    REQUIRE(defaults.ok());
    CHECK(defaults->sourcePath.empty());
    ::unsetenv("XDG_CONFIG_HOME");
}
