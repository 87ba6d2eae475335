#include "station/hl7/listener.hpp"

#include "station/hl7/mllp.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iostream>

namespace admix::hl7 {

struct Listener::Impl {
    struct CtxFree {
        void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
    };
    std::unique_ptr<SSL_CTX, CtxFree> tls;
};

namespace {

std::string sslError() {
    const unsigned long e = ERR_get_error();
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

// One connection's byte stream: plain TCP or TLS over it.
class Stream {
public:
    Stream(int fd, SSL* ssl) : m_fd(fd), m_ssl(ssl) {}
    ~Stream() {
        if (m_ssl) {
            SSL_shutdown(m_ssl);
            SSL_free(m_ssl);
        }
    }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    // Bytes read (0: closed, -1: error).
    long read(char* buf, size_t size) {
        if (m_ssl) {
            const int n = SSL_read(m_ssl, buf, static_cast<int>(size));
            return n > 0 ? n : (SSL_get_error(m_ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
        }
        return ::recv(m_fd, buf, size, 0);
    }
    bool writeAll(std::string_view data) {
        while (!data.empty()) {
            long n = 0;
            if (m_ssl)
                n = SSL_write(m_ssl, data.data(), static_cast<int>(data.size()));
            else
                n = ::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            data.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }

private:
    int m_fd;
    SSL* m_ssl;
};

} // namespace

Listener::Listener(ListenerConfig config, Hl7Interface& interface)
    : m_config(std::move(config)), m_interface(interface), m_impl(std::make_unique<Impl>()) {}

Listener::~Listener() {
    stop();
}

Status Listener::start() {
    if (!m_config.tlsCert.empty()) {
        m_impl->tls.reset(SSL_CTX_new(TLS_server_method()));
        if (!m_impl->tls)
            return Status::fail("TLS: " + sslError());
        SSL_CTX_set_min_proto_version(m_impl->tls.get(), TLS1_2_VERSION);
        if (SSL_CTX_use_certificate_chain_file(m_impl->tls.get(), m_config.tlsCert.c_str()) != 1)
            return Status::fail("TLS certificate " + m_config.tlsCert + ": " + sslError());
        if (SSL_CTX_use_PrivateKey_file(m_impl->tls.get(), m_config.tlsKey.c_str(), SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(m_impl->tls.get()) != 1)
            return Status::fail("TLS key " + m_config.tlsKey + ": " + sslError());
        if (!m_config.tlsCa.empty()) {
            // Mutual TLS: only senders whose certificate the site's CA signed get through the handshake.
            if (SSL_CTX_load_verify_locations(m_impl->tls.get(), m_config.tlsCa.c_str(), nullptr) != 1)
                return Status::fail("TLS CA file " + m_config.tlsCa + ": " + sslError());
            SSL_CTX_set_verify(m_impl->tls.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        }
    } else if (!m_config.tlsCa.empty()) {
        return Status::fail(
            "a TLS CA for client certificates needs the listener's own TLS certificate and key");
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(m_config.port);
    if (const int rc = getaddrinfo(m_config.address.c_str(), port.c_str(), &hints, &found); rc != 0)
        return Status::fail("listen address " + m_config.address + ": " + gai_strerror(rc));
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> info(found, freeaddrinfo);
    m_listenFd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_listenFd < 0)
        return Status::fail(std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    setsockopt(m_listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(m_listenFd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(m_listenFd, 64) != 0) {
        const std::string why = std::strerror(errno);
        ::close(m_listenFd);
        m_listenFd = -1;
        return Status::fail("cannot listen on " + m_config.address + ":" + port + ": " + why);
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    getsockname(m_listenFd, reinterpret_cast<sockaddr*>(&bound), &len);
    m_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    m_stop = false;
    m_acceptThread = std::thread([this] { acceptLoop(); });
    return Status::success();
}

void Listener::stop() {
    if (m_stop.exchange(true))
        return;
    if (m_acceptThread.joinable())
        m_acceptThread.join();
    if (m_listenFd >= 0)
        ::close(m_listenFd);
    m_listenFd = -1;
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(m_connMutex);
        for (int fd : m_connFds)
            ::shutdown(fd, SHUT_RDWR);
        threads.swap(m_connThreads);
    }
    for (auto& t : threads)
        if (t.joinable())
            t.join();
}

void Listener::acceptLoop() {
    while (!m_stop) {
        pollfd p{m_listenFd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0)
            continue;
        const int fd = ::accept4(m_listenFd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        std::lock_guard lock(m_connMutex);
        if (static_cast<int>(m_connFds.size()) >= m_config.maxConnections) {
            ::close(fd);
            continue;
        }
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        m_connFds.push_back(fd);
        m_connThreads.emplace_back([this, fd] { serve(fd); });
    }
}

void Listener::serve(int fd) {
    SSL* ssl = nullptr;
    bool ok = true;
    if (m_impl->tls) {
        ssl = SSL_new(m_impl->tls.get());
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) != 1)
            ok = false;
    }
    {
        Stream stream(fd, ssl);
        MllpDecoder decoder(m_config.maxFrameBytes);
        std::vector<char> buf(64 * 1024);
        while (ok && !m_stop) {
            const long n = stream.read(buf.data(), buf.size());
            if (n <= 0)
                break;
            for (const MllpEvent& event :
                 decoder.feed(std::string_view(buf.data(), static_cast<size_t>(n)))) {
                std::optional<Handled> answer;
                try {
                    std::lock_guard lock(m_handleMutex);
                    switch (event.kind) {
                    case MllpEvent::Kind::Message:
                        answer = m_interface.handle(event.bytes);
                        break;
                    case MllpEvent::Kind::Interrupted:
                        // Only what looks like a message is answered; stray bytes are not a sender.
                        if (event.bytes.rfind("MSH", 0) == 0)
                            answer = m_interface.reject(event.bytes,
                                                        "the frame was cut short by a new start block "
                                                        "(0x0B) before its end (0x1C 0x0D)");
                        break;
                    case MllpEvent::Kind::Oversize:
                        answer = m_interface.reject(event.bytes, "the frame is longer than " +
                                                                     std::to_string(m_config.maxFrameBytes) +
                                                                     " bytes");
                        break;
                    case MllpEvent::Kind::Garbage:
                        std::cerr << "hl7: " << event.bytes.size()
                                  << " bytes outside any MLLP frame ignored\n";
                        break;
                    }
                } catch (const std::exception& e) {
                    // Nothing was committed: no ACK, close, and the sender resends.
                    std::cerr << "hl7: storage failure, connection closed without ACK: " << e.what() << '\n';
                    ok = false;
                    break;
                }
                if (answer) {
                    m_handled.fetch_add(1);
                    if (!stream.writeAll(mllpFrame(answer->ack))) {
                        ok = false;
                        break;
                    }
                }
            }
        }
    }
    std::lock_guard lock(m_connMutex);
    ::close(fd);
    m_connFds.erase(std::remove(m_connFds.begin(), m_connFds.end(), fd), m_connFds.end());
}

} // namespace admix::hl7
