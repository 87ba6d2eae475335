// A remote server on loopback over HTTPS (its own self-signed certificate, verified by the client)
// on a fresh data directory with the demo data, and a small HTTPS client that keeps the session
// cookie and CSRF token of one signed-in user.
#pragma once

#include "station/remote/demo.hpp"
#include "station/remote/server.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace admix::test {

struct RemoteFixture {
    TempDir dir;
    std::unique_ptr<remote::Server> server;
    remote::DemoSummary demo;

    explicit RemoteFixture(int loginFailuresPerAddress = 1000) {
        // The demo station is made once per test process and copied for each test (seeding renders
        // photos and hashes passwords: seconds; a copy: milliseconds). The copy is taken with no
        // connection open, so the database file is complete.
        const Seeded& seed = seeded();
        REQUIRE_MESSAGE(seed.error.empty(), seed.error);
        std::filesystem::copy(seed.dir.path(), dir.path(), std::filesystem::copy_options::recursive);
        demo = seed.summary;
        REQUIRE(demo.awaitingCheck.size() >= 3);
        remote::ServerConfig config;
        config.listenAddress = "127.0.0.1";
        config.port = 0;
        config.dataDir = dir.path();
        config.webDir = ADMIX_ASSETS_DIR "/web";
        config.threads = 4;
        config.loginFailuresPerAddress = loginFailuresPerAddress;
        server = std::make_unique<remote::Server>(config);
        const Status started = server->start();
        REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().text()));
    }

    struct Seeded {
        TempDir dir;
        remote::DemoSummary summary;
        std::string error;
    };
    static const Seeded& seeded() {
        static const std::unique_ptr<Seeded> instance = [] {
            auto s = std::make_unique<Seeded>();
            auto r = remote::seedDemo(s->dir.path());
            if (r)
                s->summary = *r;
            else
                s->error = r.error().text();
            return s;
        }();
        return *instance;
    }

    // A fresh connection to the station database, as the station itself would hold.
    [[nodiscard]] store::Database db() const {
        return store::openStationDatabase(store::databasePath(dir.path()).string());
    }
};

// One browser-like client: HTTPS with the server's certificate as the only trusted one.
class WebClient {
public:
    // `from`: the client's own loopback address (127.0.0.2, ...), to be another computer.
    explicit WebClient(const RemoteFixture& f, const std::string& from = {})
        : m_client("127.0.0.1", f.server->port()) {
        if (!from.empty())
            m_client.set_interface(from);
        m_client.set_ca_cert_path(f.server->certificatePath().string());
        m_client.enable_server_certificate_verification(true);
        m_client.set_connection_timeout(5);
        m_client.set_read_timeout(20);
    }

    // For load tests: a request queued behind others (the server's workers and the Argon2id slots
    // are few) may wait longer than an interactive one would.
    void patient(int seconds) {
        m_client.set_connection_timeout(seconds);
        m_client.set_read_timeout(seconds);
    }

    httplib::Result login(const std::string& user, const std::string& password) {
        auto r =
            m_client.Post("/api/v1/login", nlohmann::json{{"username", user}, {"password", password}}.dump(),
                          "application/json");
        if (r && r->status == 200) {
            const std::string cookie = r->get_header_value("Set-Cookie");
            m_cookie = cookie.substr(0, cookie.find(';'));
            m_csrf = nlohmann::json::parse(r->body).at("csrf").get<std::string>();
        }
        return r;
    }
    httplib::Result get(const std::string& path) { return m_client.Get(path, headers(false)); }
    // withCsrf false: the request omits the token; a non-empty `csrf` replaces it.
    httplib::Result post(const std::string& path, const nlohmann::json& body, bool withCsrf = true,
                         const std::string& csrf = {}) {
        auto h = headers(withCsrf);
        if (!csrf.empty())
            h.emplace("X-CSRF-Token", csrf);
        return m_client.Post(path, h, body.dump(), "application/json");
    }
    httplib::Result postRaw(const std::string& path, const std::string& body, const std::string& type) {
        return m_client.Post(path, headers(true), body, type);
    }
    [[nodiscard]] const std::string& csrf() const { return m_csrf; }
    [[nodiscard]] bool signedIn() const { return !m_cookie.empty(); }

private:
    httplib::Headers headers(bool withCsrf) const {
        httplib::Headers h;
        if (!m_cookie.empty())
            h.emplace("Cookie", m_cookie);
        if (withCsrf && !m_csrf.empty())
            h.emplace("X-CSRF-Token", m_csrf);
        return h;
    }
    httplib::SSLClient m_client;
    std::string m_cookie;
    std::string m_csrf;
};

} // namespace admix::test
