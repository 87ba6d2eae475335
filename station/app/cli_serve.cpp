// admix serve: the remote check and quality review server (HTTPS pages and JSON API) on the station's
// data, beside a running station (SQLite WAL). Runs until SIGINT or SIGTERM.
// admix nginx-config: the nginx server block that serves it over HTTPS when admix serve runs behind
// the proxy ([server] behind_proxy = true), from the same [server] table.
#include "station/app/cli.hpp"

#include "station/app/config.hpp"
#include "station/app/hl7_host.hpp"
#include "station/remote/demo.hpp"
#include "station/remote/nginx_front.hpp"
#include "station/remote/server.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/demo_mark.hpp"

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

namespace admix::app {

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void onStopSignal(int) {
    g_stop = 1;
}

struct ServeArgs {
    std::string listen = "127.0.0.1:8443";
    std::string tlsCert;
    std::string tlsKey;
    std::string webDir;
    bool plainHttp = false;
    bool behindProxy = false;
    bool demo = false;
    int threads = 8;
};

void registerServe(CLI::App& app, CliOptions& options) {
    static ServeArgs args;
    auto* serve = app.add_subcommand(
        "serve", "Serve the remote check (pharmacists) and quality review (QA) over HTTPS");
    auto* listenOption =
        serve->add_option("--listen", args.listen,
                          "Address and port, e.g. 127.0.0.1:8443 or 0.0.0.0:8443 ([::1]:8443 for IPv6)");
    auto* certOption =
        serve
            ->add_option("--tls-cert", args.tlsCert,
                         "TLS certificate (PEM); default: a self-signed one made in the data directory")
            ->check(CLI::ExistingFile);
    serve->add_option("--tls-key", args.tlsKey, "TLS private key (PEM) of --tls-cert")
        ->check(CLI::ExistingFile);
    serve->add_flag(
        "--plain-http-for-loopback-tests", args.plainHttp,
        "Plain HTTP without TLS, only on a loopback address (tests); session cookies are then not Secure");
    auto* proxyOption = serve->add_flag(
        "--behind-proxy", args.behindProxy,
        "Behind the nginx front (admix nginx-config): plain HTTP on a loopback address only, the client "
        "address taken from the proxy's X-Real-IP/X-Forwarded-For; default: [server] behind_proxy");
    serve
        ->add_option("--web-dir", args.webDir, "Folder with the web pages (default: the built-in assets/web)")
        ->check(CLI::ExistingDirectory);
    serve->add_option("--threads", args.threads, "Request threads")->check(CLI::Range(2, 64));
    serve->add_flag(
        "--demo", args.demo,
        "Seed demo users, site, monitoring data and preparations awaiting check (fresh data directory only)");
    serve->callback([&options, listenOption, certOption, proxyOption] {
        // What the command line leaves open comes from the configuration's [server] table (the
        // packaged service runs `admix --config /etc/admix/admix.toml serve`): address, port, the
        // site's TLS certificate and whether nginx is in front.
        {
            const auto cfg = loadConfig(options.configPath.empty()
                                            ? std::nullopt
                                            : std::optional<std::filesystem::path>(options.configPath));
            if (!cfg)
                throw CliFailure(cfg.error().text());
            if (proxyOption->count() == 0)
                args.behindProxy = cfg->server.behindProxy;
            if (listenOption->count() == 0 && !cfg->sourcePath.empty()) {
                const std::string& a = cfg->server.listenAddress;
                args.listen = (a.find(':') != std::string::npos ? "[" + a + "]" : a) + ":" +
                              std::to_string(cfg->server.port);
            }
            if (certOption->count() == 0 && args.tlsKey.empty() && !cfg->server.tlsCert.empty()) {
                args.tlsCert = cfg->server.tlsCert;
                args.tlsKey = cfg->server.tlsKey;
                for (const auto* f : {&args.tlsCert, &args.tlsKey})
                    if (f->empty() || !std::filesystem::is_regular_file(*f))
                        throw CliFailure(cfg->sourcePath +
                                         ": [server] tls_cert and tls_key must both name PEM files ('" + *f +
                                         "' is not a file)");
            }
        }
        remote::ServerConfig config;
        const auto colon = args.listen.rfind(':');
        if (colon == std::string::npos || colon + 1 >= args.listen.size())
            throw CLI::ValidationError("--listen", "expected ADDRESS:PORT, e.g. 127.0.0.1:8443");
        std::string host = args.listen.substr(0, colon);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        const std::string portText = args.listen.substr(colon + 1);
        if (portText.size() > 5 || portText.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(portText) > 65535)
            throw CLI::ValidationError("--listen", "the port must be a number from 0 to 65535");
        if (args.tlsCert.empty() != args.tlsKey.empty())
            throw CLI::ValidationError("--tls-cert", "give both --tls-cert and --tls-key, or neither");
        config.listenAddress = host;
        config.port = std::stoi(portText);
        config.tlsCert = args.tlsCert;
        config.tlsKey = args.tlsKey;
        config.plainHttp = args.plainHttp;
        config.behindProxy = args.behindProxy;
        config.webDir = args.webDir;
        config.threads = args.threads;
        if (args.demo) {
            store::setDemoExpected(true);
            // Like admix-station --demo: without a directory of its own, the demo lives in <default>/demo.
            if (options.dataDir.empty()) {
                const auto cfg = loadConfig(options.configPath.empty()
                                                ? std::nullopt
                                                : std::optional<std::filesystem::path>(options.configPath));
                if (cfg && cfg->station.dataDir.empty())
                    options.dataDir = (store::defaultDataDir() / "demo").string();
            }
        }
        config.dataDir = resolveDataDir(options);
        config.stationName = "remote web";
        if (args.demo) {
            auto seeded = remote::seedDemo(config.dataDir);
            if (!seeded)
                throw CliFailure("demo data: " + seeded.error().text());
            if (seeded->seeded) {
                std::cout << "demo data: " << seeded->users.size()
                          << " users (password admix-demo-<username>), " << seeded->awaitingCheck.size()
                          << " preparations awaiting check, " << seeded->emSamples << " monitoring results ("
                          << seeded->excursions << " excursions)\n";
            } else {
                std::cout << "demo data: the station has users already; nothing added\n";
            }
        }
        remote::Server server(config);
        if (const Status s = server.start(); !s)
            throw CliFailure(s.error().text());
        // [hl7] enabled = true: the pharmacy system's interface runs beside the web check, same data.
        const auto fullConfig =
            loadConfig(options.configPath.empty() ? std::nullopt
                                                  : std::optional<std::filesystem::path>(options.configPath));
        if (!fullConfig)
            throw CliFailure(fullConfig.error().text());
        auto hl7 = startConfiguredHl7(*fullConfig, config.dataDir, args.demo);
        if (!hl7) {
            server.stop();
            throw CliFailure(hl7.error().text());
        }
        if (*hl7)
            std::cout << (*hl7)->describe() << std::endl;
        std::cout << "serving " << server.url() << "/  (data " << config.dataDir.string() << ")";
        if (config.behindProxy)
            std::cout << "  behind the nginx front (admix nginx-config), its certificate "
                      << server.certificatePath().string();
        else if (!server.certificatePath().empty())
            std::cout << "  certificate " << server.certificatePath().string();
        std::cout << std::endl;
        std::signal(SIGINT, onStopSignal);
        std::signal(SIGTERM, onStopSignal);
        while (!g_stop && server.running())
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (*hl7)
            (*hl7)->stop();
        server.stop();
        std::cout << "stopped" << std::endl;
    });
}

const CommandRegistration kServe(90, registerServe);

struct NginxArgs {
    std::string output;
};

void registerNginxConfig(CLI::App& app, CliOptions& options) {
    static NginxArgs args;
    auto* cmd = app.add_subcommand(
        "nginx-config",
        "Print (or write) the nginx server block that serves admix serve over HTTPS behind the proxy "
        "([server] behind_proxy, front_listen_address, front_port, front_server_name, tls_cert, tls_key)");
    cmd->add_option("-o,--output", args.output, "Write it to this file instead of standard output");
    cmd->callback([&options] {
        const auto cfg =
            loadConfig(options.configPath.empty() ? std::nullopt
                                                  : std::optional<std::filesystem::path>(options.configPath));
        if (!cfg)
            throw CliFailure(cfg.error().text());
        const std::string source =
            cfg->sourcePath.empty() ? std::string("the built-in defaults") : cfg->sourcePath;
        if (!cfg->server.behindProxy)
            throw CliFailure(source +
                             ": [server] behind_proxy is not true: set it, so that admix serve listens plain "
                             "HTTP on loopback for nginx, then run admix nginx-config again");
        remote::NginxFront front;
        front.listenAddress = cfg->server.frontListenAddress;
        front.port = cfg->server.frontPort;
        front.serverName = cfg->server.frontServerName;
        front.backendAddress = cfg->server.listenAddress;
        front.backendPort = cfg->server.port;
        if (cfg->server.tlsCert.empty() != cfg->server.tlsKey.empty())
            throw CliFailure(source + ": [server] give both tls_cert and tls_key, or neither");
        if (!cfg->server.tlsCert.empty()) {
            front.tlsCert = cfg->server.tlsCert;
            front.tlsKey = cfg->server.tlsKey;
        } else {
            // The self-signed pair admix serve makes on its first start behind the proxy. The data
            // directory is only named here, not made (this command writes nothing but its output).
            const std::filesystem::path dataDir =
                !options.dataDir.empty()        ? std::filesystem::path(options.dataDir)
                : !cfg->station.dataDir.empty() ? std::filesystem::path(cfg->station.dataDir)
                                                : store::defaultDataDir();
            const auto tls = std::filesystem::absolute(dataDir) / "remote" / "tls";
            front.tlsCert = tls / "cert.pem";
            front.tlsKey = tls / "key.pem";
        }
        const auto text = remote::nginxSiteConfig(front);
        if (!text)
            throw CliFailure(source + ": " + text.error().text());
        if (args.output.empty()) {
            std::cout << *text;
            return;
        }
        std::ofstream out(args.output, std::ios::binary | std::ios::trunc);
        out << *text;
        out.close();
        if (!out)
            throw CliFailure("cannot write " + args.output);
        std::cout << "nginx configuration written to " << args.output << '\n';
    });
}

const CommandRegistration kNginxConfig(93, registerNginxConfig);

} // namespace

} // namespace admix::app
