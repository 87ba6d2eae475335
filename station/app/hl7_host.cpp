#include "station/app/hl7_host.hpp"

#include "station/store/data_dir.hpp"

#include <arpa/inet.h>

namespace admix::app {

namespace {

bool isIpAddress(const std::string& text) {
    unsigned char buf[sizeof(in6_addr)];
    return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

} // namespace

Result<hl7::ServiceConfig> hl7ServiceConfig(const Config& config, const std::filesystem::path& dataDir,
                                            bool demo) {
    const std::string file = config.sourcePath.empty() ? std::string("configuration") : config.sourcePath;
    auto bad = [&file](const std::string& key, const std::string& why) {
        return Result<hl7::ServiceConfig>::fail(why, file + ": [hl7] " + key);
    };
    const Config::Hl7& h = config.hl7;
    if (!isIpAddress(h.listenAddress))
        return bad("listen_address",
                   "'" + h.listenAddress + "' is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1)");
    if (h.tlsCert.empty() != h.tlsKey.empty())
        return bad(h.tlsCert.empty() ? "tls_cert" : "tls_key",
                   "tls_cert and tls_key go together: give both, or neither");
    std::error_code ec;
    if (!h.tlsCa.empty() && h.tlsCert.empty())
        return bad("tls_ca", "client certificates are checked only over TLS: set tls_cert and tls_key too");
    if (h.outboundTlsCert.empty() != h.outboundTlsKey.empty())
        return bad(h.outboundTlsCert.empty() ? "outbound_tls_cert" : "outbound_tls_key",
                   "outbound_tls_cert and outbound_tls_key go together: give both, or neither");
    // TLS settings without outbound_tls would send in the clear what the site meant to protect.
    if (!h.outboundTls)
        for (const auto& [key, value] : {std::pair{"outbound_tls_ca", &h.outboundTlsCa},
                                         {"outbound_tls_cert", &h.outboundTlsCert},
                                         {"outbound_tls_server_name", &h.outboundTlsServerName}})
            if (!value->empty())
                return bad(key, "is set but outbound_tls is not true: dispenses would go unencrypted");
    for (const auto& [key, path] : {std::pair{"tls_cert", &h.tlsCert},
                                    {"tls_key", &h.tlsKey},
                                    {"tls_ca", &h.tlsCa},
                                    {"outbound_tls_ca", &h.outboundTlsCa},
                                    {"outbound_tls_cert", &h.outboundTlsCert},
                                    {"outbound_tls_key", &h.outboundTlsKey}})
        if (!path->empty() && !std::filesystem::is_regular_file(*path, ec))
            return bad(key, "'" + *path + "' is not a file");
    if (config.server.enabled && config.server.port == h.port &&
        config.server.listenAddress == h.listenAddress)
        return bad("port", std::to_string(h.port) + " is the web check's port too ([server] port)");
    if (!h.outboundHost.empty() && h.outboundHost.find_first_of(" /") != std::string::npos)
        return bad("outbound_host", "'" + h.outboundHost + "' is not a host name or address");

    hl7::ServiceConfig sc;
    sc.databasePath = store::databasePath(dataDir).string();
    sc.demo = demo;
    sc.listener.address = h.listenAddress;
    sc.listener.port = h.port;
    sc.listener.tlsCert = h.tlsCert;
    sc.listener.tlsKey = h.tlsKey;
    sc.listener.tlsCa = h.tlsCa;
    sc.listener.maxFrameBytes = static_cast<size_t>(h.maxMessageBytes);
    sc.outbox.host = h.outboundHost;
    sc.outbox.port = h.outboundPort;
    sc.outbox.sendingApplication = h.application;
    sc.outbox.sendingFacility = h.facility;
    sc.outbox.receivingApplication = h.outboundApplication;
    sc.outbox.receivingFacility = h.outboundFacility;
    sc.outbox.maxBackoffSeconds = h.retryMaxSeconds;
    sc.outbox.tls = h.outboundTls;
    sc.outbox.tlsCa = h.outboundTlsCa;
    sc.outbox.tlsCert = h.outboundTlsCert;
    sc.outbox.tlsKey = h.outboundTlsKey;
    sc.outbox.tlsServerName = h.outboundTlsServerName;
    if (const Status s = hl7::Outbox::checkTls(sc.outbox); !s)
        return bad("outbound_tls", s.error().text());
    return sc;
}

Result<std::unique_ptr<hl7::Hl7Service>> startConfiguredHl7(const Config& config,
                                                            const std::filesystem::path& dataDir, bool demo) {
    using Out = Result<std::unique_ptr<hl7::Hl7Service>>;
    if (!config.hl7.enabled)
        return Out(std::unique_ptr<hl7::Hl7Service>());
    auto settings = hl7ServiceConfig(config, dataDir, demo);
    if (!settings)
        return settings.error();
    auto service = std::make_unique<hl7::Hl7Service>(std::move(*settings));
    if (const Status s = service->start(); !s)
        return Out::fail(s.error().text(), "[hl7]");
    return Out(std::move(service));
}

} // namespace admix::app
