// The HTTPS front of the web check: an nginx server block, generated here and only here, that the
// package ships (/etc/admix/admix-nginx.conf), `admix nginx-config` prints and the slow-client test
// starts. nginx is event-driven: idle and slow clients cost it a few kilobytes each, not one of
// `admix serve`'s request threads (issue 19). It terminates TLS (1.2 and 1.3, AEAD suites only),
// cuts clients that do not send their request in time, caps requests in progress per client address,
// reads each request whole before it reaches admix, and forwards it to `admix serve` listening plain
// HTTP on loopback (ServerConfig::behindProxy) with the client's address in X-Real-IP and
// X-Forwarded-For.
//
// Pure: text in, text out, no I/O; thread-safe. Errors are Results naming the setting that is wrong.
#pragma once

#include "formulas/result.hpp"

#include <filesystem>
#include <string>

namespace admix::remote {

struct NginxFront {
    std::string listenAddress = "127.0.0.1"; // where nginx listens (an IP address; 0.0.0.0 or :: for all)
    int port = 443;
    std::string serverName = "_";  // nginx server_name: host names, or "_" for any
    std::filesystem::path tlsCert; // PEM, read by nginx's master process (root) at start
    std::filesystem::path tlsKey;
    std::string backendAddress = "127.0.0.1"; // `admix serve --behind-proxy` (loopback only)
    int backendPort = 8443;
    int connectionsPerAddress = 32; // requests in progress per client address (limit_conn)
};

// The server block (http context: it also declares its limit_conn_zone), or an error naming the
// field ("front_listen_address", "tls_cert", ...) when a value would not make a safe nginx file.
[[nodiscard]] Result<std::string> nginxSiteConfig(const NginxFront& front);

} // namespace admix::remote
