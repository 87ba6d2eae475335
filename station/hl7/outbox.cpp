#include "station/hl7/outbox.hpp"

#include "station/hl7/ack.hpp"
#include "station/hl7/message.hpp"
#include "station/hl7/mllp.hpp"
#include "station/store/hl7_repo.hpp"
#include "station/store/prep_repo.hpp"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

namespace admix::hl7 {

using nlohmann::json;

namespace {

// The start every message to the pharmacy system shares: MSH (our application and facility, the
// receiver's, the message type and control id, the version of the order's own messages where
// supported) and PID (MRN, "FAMILY, GIVEN" split into its components). `placer` receives the order's
// placer number for ORC-2, its namespace kept ("PL1^PHARM").
std::string mshAndPid(const OutboxConfig& c, const store::OrderRow& order, const store::Hl7OrderLink& link,
                      const std::string& messageType, const std::string& controlId, TimePoint now,
                      std::string& placer) {
    const Delimiters d;
    const auto esc = [&d](std::string_view t) {
        return escape(t, d);
    };
    const std::string version = supportedVersion(link.version) ? link.version : c.version;
    std::string m = "MSH|^~\\&|" + esc(c.sendingApplication) + "|" + esc(c.sendingFacility) + "|" +
                    esc(c.receivingApplication) + "|" + esc(c.receivingFacility) + "|" + hl7Time(now) + "||" +
                    messageType + "|" + esc(controlId) + "|P|" + version + "\r";
    std::string family = order.patientName, given;
    if (const size_t comma = family.find(", "); comma != std::string::npos) {
        given = family.substr(comma + 2);
        family = family.substr(0, comma);
    }
    m += "PID|1||" + esc(order.patientMrn) + "^^^^MR||" + esc(family) + "^" + esc(given) + "\r";
    const size_t caret = link.placer.find('^');
    placer = caret == std::string::npos
                 ? esc(link.placer)
                 : esc(link.placer.substr(0, caret)) + "^" + esc(link.placer.substr(caret + 1));
    return m;
}

} // namespace

Outbox::Outbox(store::Database& db, OutboxConfig config) : m_db(db), m_config(std::move(config)) {}

Result<std::string> Outbox::buildRds(int64_t prepId, const std::string& controlId, TimePoint now) {
    store::PrepRepo preps(m_db);
    store::Hl7Repo hl7(m_db);
    const auto prep = preps.prep(prepId);
    if (!prep)
        return Result<std::string>::fail("no preparation " + std::to_string(prepId));
    const auto order = preps.order(prep->orderId);
    const auto link = hl7.linkForOrder(prep->orderId);
    if (!order || !link)
        return Result<std::string>::fail("preparation " + prep->prepNumber + " is not of an HL7 order");
    const Delimiters d;
    auto esc = [&d](std::string_view t) {
        return escape(t, d);
    };
    std::string placer;
    std::string m = mshAndPid(m_config, *order, *link, "RDS^O13^RDS_O13", controlId, now, placer);
    m += "ORC|RE|" + placer + "|" + esc(link->filler.empty() ? prep->prepNumber : link->filler) + "\r";
    if (!link->rxe.empty())
        m += link->rxe + "\r";

    const auto spec = json::parse(prep->specJson, nullptr, false);
    const std::string doseText = spec.is_object() ? spec.value("dose", std::string()) : std::string();
    std::string amount, units;
    if (const size_t space = doseText.find(' '); space != std::string::npos) {
        amount = doseText.substr(0, space);
        amount.erase(std::remove(amount.begin(), amount.end(), ','), amount.end());
        units = doseText.substr(space + 1);
    }
    if (amount.empty()) { // the order's dose as ordered
        const auto dose = json::parse(order->doseJson, nullptr, false);
        if (dose.is_object() && dose.contains("value")) {
            amount = dose["value"].dump();
            units = dose.value("unit", "");
        }
    }
    std::string lots, expiries;
    for (const auto& step : preps.steps(prepId)) {
        if (step.kind != "scan")
            continue;
        const auto r = json::parse(step.resultJson, nullptr, false);
        if (!r.is_object() || !r.contains("lot"))
            continue;
        std::string expiry = r.value("expiry", "");
        expiry.erase(std::remove(expiry.begin(), expiry.end(), '-'), expiry.end());
        lots += (lots.empty() ? "" : "~") + esc(r.value("lot", ""));
        expiries += (expiries.empty() ? "" : "~") + expiry;
    }
    const auto details = json::parse(link->detailsJson, nullptr, false);
    const std::string giveText = details.is_object() ? details.value("give_text", "") : "";
    const std::string dispensed =
        prep->checkedUtc ? hl7Time(parseIsoUtc(*prep->checkedUtc).value()) : hl7Time(now);
    m += "RXD|1|" + esc(link->giveCode) + "^" + esc(giveText) + "|" + dispensed + "|" + esc(amount) + "|" +
         esc(units) + "||" + esc(prep->prepNumber) + "|||" + esc(prep->checkedBy.value_or("")) + "||||||||" +
         lots + "|" + expiries + "\r";
    return m;
}

Result<std::string> Outbox::buildWasteNotice(int64_t prepId, const std::string& controlId, TimePoint now) {
    store::PrepRepo preps(m_db);
    store::Hl7Repo hl7(m_db);
    const auto prep = preps.prep(prepId);
    if (!prep)
        return Result<std::string>::fail("no preparation " + std::to_string(prepId));
    const auto order = preps.order(prep->orderId);
    const auto link = hl7.linkForOrder(prep->orderId);
    if (!order || !link)
        return Result<std::string>::fail("preparation " + prep->prepNumber + " is not of an HL7 order");
    if (prep->status != "rejected")
        return Result<std::string>::fail("preparation " + prep->prepNumber + " is " + prep->status +
                                         ", not rejected");
    const Delimiters d;
    auto esc = [&d](std::string_view t) {
        return escape(t, d);
    };
    // The rejection's reason as the engine stores it: "CODE: what the pharmacist wrote".
    const std::string reason = prep->checkReason.value_or("");
    const size_t colon = reason.find(": ");
    const std::string code = colon == std::string::npos ? reason : reason.substr(0, colon);
    const std::string words = colon == std::string::npos ? std::string() : reason.substr(colon + 2);
    const std::string when =
        prep->checkedUtc ? hl7Time(parseIsoUtc(*prep->checkedUtc).value()) : hl7Time(now);

    std::string placer;
    std::string m = mshAndPid(m_config, *order, *link, "RDE^O11^RDE_O11", controlId, now, placer);
    // ORC-1 OC: cancelled by the filler, unsolicited; ORC-5 CA; ORC-9 when; ORC-16 why.
    m += "ORC|OC|" + placer + "|" + esc(link->filler.empty() ? prep->prepNumber : link->filler) + "||CA||||" +
         when + "|||||||" + esc(code) + "^" + esc(words.empty() ? code : words) + "\r";
    if (!link->rxe.empty())
        m += link->rxe + "\r";
    m += "NTE|1||" +
         esc("Preparation " + prep->prepNumber + " was rejected by " + prep->checkedBy.value_or("?") +
             " at check and " +
             "wasted; the order is closed at the compounding station and will not be made unless it is "
             "ordered again. " +
             "Reason: " + reason) +
         "\r";
    return m;
}

// [SECTION] TLS and the exchange ------------------------------------------------------------------

struct Outbox::Tls {
    struct CtxFree {
        void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
    };
    std::unique_ptr<SSL_CTX, CtxFree> ctx;
};

namespace {

std::string sslErrors() {
    std::string text;
    while (const unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        text += (text.empty() ? "" : "; ") + std::string(buf);
    }
    return text.empty() ? std::string("unknown TLS error") : text;
}

bool isIpAddress(const std::string& text) {
    unsigned char buf[sizeof(in6_addr)];
    return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

// The client context of the settings: TLS 1.2 or later, the receiver always verified.
Status fillClientContext(SSL_CTX* ctx, const OutboxConfig& c) {
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (c.tlsCa.empty()) {
        if (SSL_CTX_set_default_verify_paths(ctx) != 1)
            return Status::fail(sslErrors(), "the system's trusted CAs");
    } else if (SSL_CTX_load_verify_locations(ctx, c.tlsCa.c_str(), nullptr) != 1) {
        return Status::fail(sslErrors(), "TLS CA file " + c.tlsCa);
    }
    if (c.tlsCert.empty() != c.tlsKey.empty())
        return Status::fail("a client certificate needs both its certificate and its key file",
                            "TLS client certificate");
    if (!c.tlsCert.empty()) {
        if (SSL_CTX_use_certificate_chain_file(ctx, c.tlsCert.c_str()) != 1)
            return Status::fail(sslErrors(), "TLS client certificate " + c.tlsCert);
        if (SSL_CTX_use_PrivateKey_file(ctx, c.tlsKey.c_str(), SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1)
            return Status::fail(sslErrors(), "TLS client key " + c.tlsKey);
    }
    return Status::success();
}

} // namespace

Outbox::~Outbox() = default;

Status Outbox::checkTls(const OutboxConfig& config) {
    if (!config.tls)
        return Status::success();
    std::unique_ptr<SSL_CTX, Tls::CtxFree> ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx)
        return Status::fail(sslErrors(), "TLS");
    return fillClientContext(ctx.get(), config);
}

Result<std::string> Outbox::exchange(const std::string& message) {
    using Out = Result<std::string>;
    const std::string where = m_config.host + ":" + std::to_string(m_config.port);
    if (m_config.tls && !m_tls) {
        auto tls = std::make_unique<Tls>();
        tls->ctx.reset(SSL_CTX_new(TLS_client_method()));
        if (!tls->ctx)
            return Out::fail(sslErrors(), "TLS");
        if (const Status s = fillClientContext(tls->ctx.get(), m_config); !s)
            return s.error();
        m_tls = std::move(tls);
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc =
            getaddrinfo(m_config.host.c_str(), std::to_string(m_config.port).c_str(), &hints, &found);
        rc != 0)
        return Out::fail(std::string("address: ") + gai_strerror(rc));
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> info(found, freeaddrinfo);
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return Out::fail(std::string("socket: ") + std::strerror(errno));
    struct Closer {
        int fd;
        SSL* ssl = nullptr;
        ~Closer() {
            if (ssl) {
                SSL_shutdown(ssl);
                SSL_free(ssl);
            }
            ::close(fd);
        }
    } conn{fd};
    if (::connect(fd, found->ai_addr, found->ai_addrlen) != 0)
        return Out::fail(std::string("connect: ") + std::strerror(errno));
    // Every blocking read and write (the TLS handshake too) ends by the ACK timeout.
    timeval tv{m_config.ackTimeoutSeconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (m_tls) {
        ERR_clear_error();
        conn.ssl = SSL_new(m_tls->ctx.get());
        if (!conn.ssl)
            return Out::fail(sslErrors(), "TLS");
        SSL_set_fd(conn.ssl, fd);
        const std::string name = m_config.tlsServerName.empty() ? m_config.host : m_config.tlsServerName;
        if (isIpAddress(name)) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(conn.ssl), name.c_str());
        } else {
            SSL_set_tlsext_host_name(conn.ssl, name.c_str());
            SSL_set1_host(conn.ssl, name.c_str());
        }
        if (SSL_connect(conn.ssl) != 1) {
            const long verify = SSL_get_verify_result(conn.ssl);
            return Out::fail(verify != X509_V_OK
                                 ? std::string("the receiver's certificate is refused: ") +
                                       X509_verify_cert_error_string(verify) + " (expected " + name + ")"
                                 : sslErrors(),
                             "TLS handshake with " + where);
        }
    }
    auto writeAll = [&conn](std::string_view rest) {
        while (!rest.empty()) {
            const long n = conn.ssl ? SSL_write(conn.ssl, rest.data(), static_cast<int>(rest.size()))
                                    : ::send(conn.fd, rest.data(), rest.size(), MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            rest.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    };
    if (!writeAll(mllpFrame(message)))
        return Out::fail(std::string("send: ") + (conn.ssl ? sslErrors() : std::strerror(errno)));
    MllpDecoder decoder;
    char buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(m_config.ackTimeoutSeconds);
    while (std::chrono::steady_clock::now() < deadline) {
        const long n =
            conn.ssl ? SSL_read(conn.ssl, buf, static_cast<int>(sizeof buf)) : ::recv(fd, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return Out::fail("the receiver closed the connection without an ACK");
        if (n < 0)
            continue;
        for (const auto& e : decoder.feed(std::string_view(buf, static_cast<size_t>(n))))
            if (e.kind == MllpEvent::Kind::Message)
                return e.bytes;
    }
    return Out::fail("no ACK within " + std::to_string(m_config.ackTimeoutSeconds) + " s");
}

Outbox::Pass Outbox::runOnce(TimePoint now) {
    store::Hl7Repo repo(m_db);
    auto next = repo.nextOutbox();
    if (!next || m_config.host.empty())
        return Pass::Idle;
    if (next->nextTryUtc) {
        const auto due = parseIsoUtc(*next->nextTryUtc);
        if (due && *due > now)
            return Pass::Waiting;
    }
    if (!next->message) {
        const bool waste = next->kind == "waste";
        const std::string controlId = (waste ? "ADMIXOC" : "ADMIXRDS") + std::to_string(next->id);
        auto built =
            waste ? buildWasteNotice(next->prepId, controlId, now) : buildRds(next->prepId, controlId, now);
        if (!built) {
            repo.setOutboxAttempt(next->id, next->attempts + 1,
                                  formatIsoUtc(now + std::chrono::seconds(m_config.maxBackoffSeconds)),
                                  built.error().text());
            return Pass::Failed;
        }
        repo.setOutboxMessage(next->id, *built, controlId);
        next->message = *built;
        next->controlId = controlId;
    }
    const auto reply = exchange(*next->message);
    std::string error;
    if (reply) {
        const auto ack = parseMessage(*reply);
        const Segment* msa = ack ? ack->find("MSA") : nullptr;
        if (!msa)
            error = "the reply is not an ACK";
        else if (ack->value(*msa, 2) != next->controlId.value_or(""))
            error = "the ACK answers " + ack->value(*msa, 2) + ", not " + next->controlId.value_or("");
        else if (const std::string code = ack->value(*msa, 1); code != "AA" && code != "CA")
            error = "the receiver answered " + code +
                    (ack->find("ERR") ? ": " + ack->value(*ack->find("ERR"), 8) : std::string());
        if (error.empty()) {
            repo.setOutboxSent(next->id, *reply, formatIsoUtc(now));
            return Pass::Sent;
        }
    } else {
        error = reply.error().text();
    }
    const int attempts = next->attempts + 1;
    const int wait = std::min(m_config.maxBackoffSeconds, 1 << std::min(attempts - 1, 16));
    repo.setOutboxAttempt(next->id, attempts, formatIsoUtc(now + std::chrono::seconds(wait)), error);
    return Pass::Failed;
}

void Outbox::run(const std::atomic<bool>& stop, int pollMs) {
    while (!stop) {
        const Pass p = runOnce(nowUtc());
        if (p != Pass::Sent)
            std::this_thread::sleep_for(std::chrono::milliseconds(pollMs));
    }
}

} // namespace admix::hl7
