#include "station/remote/nginx_front.hpp"

#include "station/remote/server.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

namespace admix::remote {

namespace {

bool isIpv4(const std::string& a) {
    in_addr v4{};
    return inet_pton(AF_INET, a.c_str(), &v4) == 1;
}
bool isIpv6(const std::string& a) {
    in6_addr v6{};
    return inet_pton(AF_INET6, a.c_str(), &v6) == 1;
}
bool isWildcard(const std::string& a) {
    return a == "0.0.0.0" || a == "::" || a == "0:0:0:0:0:0:0:0";
}
std::string hostPort(const std::string& address, int port) {
    return (isIpv6(address) ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

// A path nginx reads as one quoted string with nothing substituted: absolute, no quote, backslash,
// '$' (nginx variables are allowed in ssl_certificate) or control character.
std::optional<std::string> pathProblem(const std::filesystem::path& path) {
    const std::string text = path.string();
    if (text.empty())
        return "is empty: name the PEM file";
    if (!path.is_absolute())
        return "'" + text + "' is not an absolute path (nginx would read it relative to its own prefix)";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F || c == '"' || c == '\\' || c == '$')
            return "'" + text + "' contains a quote, backslash, '$' or control character";
    }
    return std::nullopt;
}

bool validServerName(std::string_view names) {
    if (names.empty() || names.front() == ' ' || names.back() == ' ')
        return false;
    return std::all_of(names.begin(), names.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '*' ||
               c == ' ';
    });
}

} // namespace

Result<std::string> nginxSiteConfig(const NginxFront& f) {
    using R = Result<std::string>;
    if (!isIpv4(f.listenAddress) && !isIpv6(f.listenAddress))
        return R::fail("'" + f.listenAddress + "' is not an IP address (e.g. 0.0.0.0 or 10.1.2.3)",
                       "[server] front_listen_address");
    if (f.port < 1 || f.port > 65535)
        return R::fail("must be from 1 to 65535", "[server] front_port");
    if (f.backendPort < 1 || f.backendPort > 65535)
        return R::fail("must be from 1 to 65535", "[server] port");
    {
        in_addr v4{};
        in6_addr v6{};
        const bool loopback =
            (inet_pton(AF_INET, f.backendAddress.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127) ||
            (inet_pton(AF_INET6, f.backendAddress.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6));
        if (!loopback)
            return R::fail("'" + f.backendAddress +
                               "' is not a loopback address: behind nginx, admix serve listens on loopback "
                               "only (e.g. 127.0.0.1)",
                           "[server] listen_address");
    }
    if (f.port == f.backendPort && (f.listenAddress == f.backendAddress || isWildcard(f.listenAddress)))
        return R::fail("nginx and admix serve cannot both listen on " + hostPort(f.backendAddress, f.port) +
                           ": give admix serve another [server] port",
                       "[server] front_port");
    if (!validServerName(f.serverName))
        return R::fail("'" + f.serverName +
                           "' is not a list of host names (letters, digits, '.', '-', '*', spaces) or '_'",
                       "[server] front_server_name");
    if (const auto p = pathProblem(f.tlsCert))
        return R::fail(*p, "[server] tls_cert");
    if (const auto p = pathProblem(f.tlsKey))
        return R::fail(*p, "[server] tls_key");
    if (f.connectionsPerAddress < 1 || f.connectionsPerAddress > 10000)
        return R::fail("must be from 1 to 10000", "connections per address");

    const std::string body = std::to_string(kMaxRequestBodyBytes / 1024) + "k";
    std::string t;
    t += "# Admix web check: nginx serves HTTPS and hands each request, read whole, to `admix serve`\n"
         "# behind it ([server] behind_proxy = true: plain HTTP on loopback only). Made by\n"
         "# `admix nginx-config` from the [server] table of the configuration; run it again after\n"
         "# changing that table. nginx holds idle and slow clients at almost no cost and cuts them when\n"
         "# they are late, so they never take one of admix serve's request threads (issue 19).\n"
         "# Include this file in nginx's http context, e.g.:\n"
         "#   ln -s /etc/admix/admix-nginx.conf /etc/nginx/sites-enabled/admix && nginx -t && systemctl "
         "reload nginx\n"
         "\n"
         "# Requests in progress per client address (connections still sending their request or idle\n"
         "# between requests are not counted: the timeouts below cut those).\n"
         "limit_conn_zone $binary_remote_addr zone=admix_per_address:10m;\n"
         "\n"
         "server {\n";
    t += "    listen " + hostPort(f.listenAddress, f.port) + " ssl;\n";
    t += "    server_name " + f.serverName + ";\n";
    t += "    server_tokens off;\n\n";
    t += "    ssl_certificate \"" + f.tlsCert.string() + "\";\n";
    t += "    ssl_certificate_key \"" + f.tlsKey.string() + "\";\n";
    t += "    ssl_protocols TLSv1.2 TLSv1.3;\n"
         "    # TLS 1.2: forward-secret AEAD suites only (TLS 1.3's suites are all AEAD).\n"
         "    ssl_ciphers "
         "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
         "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;\n"
         "    ssl_prefer_server_ciphers off;\n"
         "    ssl_session_cache shared:admix_tls:10m;\n"
         "    ssl_session_timeout 1h;\n"
         "    ssl_session_tickets off;\n\n"
         "    # Slow or idle clients are cut, not waited for: the whole request header (and the TLS\n"
         "    # handshake before it) within client_header_timeout, the body without a pause longer than\n"
         "    # client_body_timeout.\n"
         "    client_header_timeout 10s;\n"
         "    client_body_timeout 10s;\n"
         "    keepalive_timeout 30s;\n"
         "    send_timeout 30s;\n"
         "    reset_timedout_connection on;\n"
         "    large_client_header_buffers 4 8k;\n";
    t += "    client_max_body_size " + body + "; # admix serve's own limit\n";
    t += "    client_body_buffer_size " + body + ";\n\n";
    t += "    limit_conn admix_per_address " + std::to_string(f.connectionsPerAddress) + ";\n";
    t += "    limit_conn_status 429;\n\n"
         "    location / {\n";
    t += "        proxy_pass http://" + hostPort(f.backendAddress, f.backendPort) + ";\n";
    t += "        # Each request reaches admix serve whole and its answer is taken at once: a slow client\n"
         "        # never holds a request thread. One backend connection per request (HTTP/1.0), closed\n"
         "        # when answered.\n"
         "        proxy_request_buffering on;\n"
         "        proxy_buffering on;\n"
         "        proxy_http_version 1.0;\n"
         "        proxy_connect_timeout 5s;\n"
         "        proxy_send_timeout 30s;\n"
         "        proxy_read_timeout 60s;\n"
         "        # The client's address, for admix's per-address lockout, throttle and audit rows; nginx\n"
         "        # replaces whatever the client sent in these headers.\n"
         "        proxy_set_header Host $host;\n"
         "        proxy_set_header X-Real-IP $remote_addr;\n"
         "        proxy_set_header X-Forwarded-For $remote_addr;\n"
         "        proxy_set_header X-Forwarded-Proto $scheme;\n"
         "    }\n"
         "}\n";
    return t;
}

} // namespace admix::remote
