// The MLLP listener (TCP, optionally TLS): several connections at once, one thread each, every
// message answered with exactly one ACK on its own connection. Connections hand their messages to one
// Hl7Interface under a mutex (it is not thread-safe and owns the one database connection), so
// messages are stored one at a time, each committed before its ACK is written. A storage failure
// closes that connection without an ACK (the sender resends). Thread-safe: start/stop from one
// thread; the handler runs on connection threads, serialised.
//
// The dispense outbox (outbox.hpp) runs beside it in the same process.
#pragma once

#include "formulas/result.hpp"
#include "station/hl7/interface.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace admix::hl7 {

struct ListenerConfig {
    std::string address = "127.0.0.1";
    int port = 2575;     // 0: any free port (tests)
    std::string tlsCert; // PEM; with tlsKey, MLLP over TLS
    std::string tlsKey;
    std::string tlsCa; // PEM; with TLS: every client must show a certificate that chains to it
    size_t maxFrameBytes = 1024 * 1024;
    int maxConnections = 64;
};

class Listener {
public:
    Listener(ListenerConfig config, Hl7Interface& interface);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // Binds and starts accepting. Fails with the reason (address in use, bad certificate, ...).
    Status start();
    // Stops accepting, closes every connection, joins the threads. Idempotent.
    void stop();
    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] uint64_t messagesHandled() const { return m_handled.load(); }

private:
    struct Impl;
    void acceptLoop();
    void serve(int fd);

    ListenerConfig m_config;
    Hl7Interface& m_interface;
    std::mutex m_handleMutex;
    std::unique_ptr<Impl> m_impl;
    int m_listenFd = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<uint64_t> m_handled{0};
    std::thread m_acceptThread;
    std::mutex m_connMutex;
    std::vector<std::thread> m_connThreads;
    std::vector<int> m_connFds;
};

} // namespace admix::hl7
