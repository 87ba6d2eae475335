// The remote check and quality review server: HTTPS pages and a JSON API (/api/v1/...) for
// pharmacists (the queue of preparations awaiting check, each preparation's evidence, approve or
// reject with an e-signature) and quality staff (environmental monitoring plots, excursions, what is
// due, the qualification matrix, CSV exports, a printable report).
//
// Ownership and threads: a Server owns its listening socket and its threads (cpp-httplib's pool);
// start() binds synchronously (errors are returned, not thrown) and serves on its own threads until
// stop(). stop() is idempotent and also run by the destructor. Every request opens its own SQLite
// connection to the station database (WAL lets it read beside the station) and calls the workflow
// (PreparationEngine, Authenticator, ComplianceStore) on that connection: the server never shares a
// Database between threads and never duplicates a workflow rule. The public methods are safe to call
// from one controlling thread (the station's main thread or `admix serve`).
//
// Security: station users sign in with username and password; the session cookie is Secure (unless
// plain HTTP was explicitly chosen for loopback tests), HttpOnly and SameSite=Strict, expires after
// the site's idle timeout (setting remote.session_idle_minutes); every state change needs the
// session's CSRF token; every route checks the role; failed sign-ins count toward the account lockout
// and a per-address throttle; views of patient data and every decision are audited; images are served
// only through the image store by a 64-hex hash that is evidence of the preparation asked about.
#pragma once

#include "formulas/result.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace admix::remote {

// The largest request body admix serve reads (and the nginx front's client_max_body_size).
inline constexpr std::size_t kMaxRequestBodyBytes = std::size_t{64} * 1024;

struct ServerConfig {
    std::string listenAddress = "127.0.0.1";
    int port = 8443; // 0: any free port (see Server::port())
    std::filesystem::path
        tlsCert; // PEM; empty: <dataDir>/remote/tls/cert.pem (self-signed, made on first run)
    std::filesystem::path tlsKey; // PEM; empty with tlsCert empty: <dataDir>/remote/tls/key.pem
    bool plainHttp = false;       // only for loopback tests: no TLS, cookies without Secure
    // Behind the nginx front (nginx_front.hpp): plain HTTP on a loopback address only; the browser
    // talks HTTPS to nginx, so cookies stay __Host-/Secure and HSTS is sent; the client address is
    // the one the proxy names (clientAddress). tlsCert/tlsKey (or the self-signed pair made in the
    // data directory) are then nginx's, not served here.
    bool behindProxy = false;
    std::filesystem::path dataDir;      // the station's data directory (database and images)
    std::filesystem::path webDir;       // pages, scripts, styles; empty: the built-in assets/web
    std::string stationName = "remote"; // recorded by the engine for decisions made here
    int threads = 8;
    int loginFailuresPerAddress = 10; // failed sign-ins per address per window before refusing
    int loginWindowSeconds = 600;
};

// The client's address for the per-address sign-in lockout, the throttle, sessions and audit rows:
// the TCP peer; only behind the proxy and only from a loopback peer, the address the proxy names in
// X-Real-IP, else the last hop of the last X-Forwarded-For header (a direct client's headers are
// never trusted). nullopt: a proxy header that is not an IP address (the request is refused).
[[nodiscard]] std::optional<std::string> clientAddress(bool behindProxy, const std::string& peer,
                                                       const std::string& realIp,
                                                       const std::string& forwardedFor);

class Server {
public:
    explicit Server(ServerConfig config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Prepares the certificate if needed, binds the address and starts serving on background threads.
    // Fails (nothing left running) when the address is in use, the certificate cannot be loaded, the
    // address is not an IP address, or plain HTTP (or behindProxy) is asked for on a non-loopback
    // address.
    Status start();
    // Stops accepting, finishes the requests in flight and joins the threads. Idempotent.
    void stop();
    [[nodiscard]] bool running() const;
    // The bound port (useful with port 0); 0 before start().
    [[nodiscard]] int port() const;
    // "https://127.0.0.1:8443"
    [[nodiscard]] std::string url() const;
    // The certificate in use (generated or configured; behind the proxy: the one for nginx); empty
    // with plain HTTP.
    [[nodiscard]] std::filesystem::path certificatePath() const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace admix::remote
