// Benchmark (prints, asserts nothing): 1,000 RDE^O11 over MLLP from 4 connections to the listener on
// loopback, each stored with its order (SQLite WAL, synchronous=FULL, on a temporary directory)
// before its ACK; messages per second and ACK latency p50/p99. With `site`, each message first pays
// what a real site's listener checks before it (Hl7Service: the formulary's generation; the stored
// formulas policy is read at most once a second there, so not here).
//   admix_hl7_bench [messages] [connections] [site]
#include "station/hl7/interface.hpp"
#include "station/hl7/listener.hpp"
#include "station/hl7/mllp.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/site_setup.hpp"
#include "tests/hl7/hl7_test_support.hpp"
#include "tests/test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

using namespace admix;

int main(int argc, char** argv) {
    const int total = argc > 1 ? std::atoi(argv[1]) : 1000;
    const int connections = argc > 2 ? std::atoi(argv[2]) : 4;
    test::TempDir dir;
    store::Database db = store::openStationDatabase((dir / "admix.sqlite3").string());
    store::AuditLog audit(db);
    const auto formulary = formulas::loadDemoFormulary().value();
    const auto policy = formulas::loadDefaultFormulasPolicy().value();
    hl7::Hl7Interface interface(db, audit, formulary, policy);
    interface.seedDemoMaps();
    const bool site = argc > 3 && std::string(argv[3]) == "site";
    if (site)
        interface.setBeforeMessage([&] { (void)workflow::stationFormularyGeneration(db); });
    hl7::ListenerConfig config;
    config.port = 0;
    hl7::Listener listener(config, interface);
    if (!listener.start()) {
        std::fprintf(stderr, "cannot listen\n");
        return 1;
    }
    std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    int refused = 0;
    for (int k = 0; k < connections; ++k) {
        threads.emplace_back([&, k] {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(static_cast<uint16_t>(listener.port()));
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
                return;
            const int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            hl7::MllpDecoder decoder;
            char buf[8192];
            for (int i = k; i < total; i += connections) {
                test::Rde r;
                r.controlId = "B" + std::to_string(i);
                r.placer = "BP" + std::to_string(i);
                const std::string framed = hl7::mllpFrame(r.text());
                const auto t0 = std::chrono::steady_clock::now();
                (void)::send(fd, framed.data(), framed.size(), MSG_NOSIGNAL);
                bool got = false;
                while (!got) {
                    const long n = ::recv(fd, buf, sizeof buf, 0);
                    if (n <= 0)
                        return;
                    for (const auto& e : decoder.feed(std::string_view(buf, static_cast<size_t>(n)))) {
                        got = true;
                        if (e.bytes.find("MSA|AA") == std::string::npos)
                            __atomic_add_fetch(&refused, 1, __ATOMIC_RELAXED);
                    }
                }
                latencies[static_cast<size_t>(k)].push_back(
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            }
            ::close(fd);
        });
    }
    for (auto& t : threads)
        t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    listener.stop();
    std::vector<double> all;
    for (const auto& l : latencies)
        all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    if (all.empty())
        return 1;
    const auto pct = [&all](double p) {
        return all[std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())))];
    };
    std::printf(
        "hl7 listener%s: %zu RDE^O11 over %d connections in %.2f s: %.0f msgs/s; ACK latency p50 %.2f "
        "ms, p99 %.2f ms"
        " (%d not AA)\n",
        site ? " (site checks per message)" : "", all.size(), connections, seconds,
        static_cast<double>(all.size()) / seconds, pct(0.50), pct(0.99), refused);
    return 0;
}
