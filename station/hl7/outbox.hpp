// Dispense messages back to the pharmacy system: every release of a preparation of an HL7 order is
// queued in hl7_outbox by the release itself (same transaction, see migration 0040), and where the
// site enables it every rejection with waste that closes such an order (migration 0042); the outbox
// builds its RDS^O13 once (ORC with the placer number, RXE as received, one RXD with the give code,
// the amount made, the preparation number as RXD-7, the checking pharmacist as RXD-10 and each
// ingredient's lot and expiry as RXD-18/RXD-19 repetitions), sends it over MLLP (over TLS when
// configured) and retries with backoff until the receiver answers AA. Messages go strictly in queue
// order: a message not yet acknowledged holds back the ones after it. Kept across restarts (it is
// all in the database).
//
// Not thread-safe: one Outbox per thread, on that thread's Database. Network failures are values
// (recorded as the attempt's error); storage failures throw.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "station/store/database.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace admix::hl7 {

struct OutboxConfig {
    std::string host; // the receiving system; empty: no outbound messages are sent
    int port = 0;
    std::string sendingApplication = "ADMIX";
    std::string sendingFacility;
    std::string receivingApplication;
    std::string receivingFacility;
    std::string version = "2.5.1"; // used when the order's own version is unknown
    int ackTimeoutSeconds = 10;
    int maxBackoffSeconds = 300; // retry waits double from 1 s up to this
    // MLLP over TLS (1.2 or later). The receiver's certificate must chain to tlsCa (PEM; empty: the
    // system's trusted CAs) and name tlsServerName (empty: host; an IP address is matched as one).
    // tlsCert/tlsKey: our client certificate, for receivers that ask for one.
    bool tls = false;
    std::string tlsCa;
    std::string tlsCert;
    std::string tlsKey;
    std::string tlsServerName;
};

class Outbox {
public:
    Outbox(store::Database& db, OutboxConfig config);
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    // The TLS settings can be used (files readable, key matches certificate); nothing is sent.
    [[nodiscard]] static Status checkTls(const OutboxConfig& config);

    enum class Pass { Idle, Sent, Failed, Waiting };
    // Sends the oldest unsent message when it is due. Idle: nothing to send; Waiting: its retry is
    // not due yet.
    Pass runOnce(TimePoint now = nowUtc());
    // Runs passes until `stop` (about every `pollMs` when idle).
    void run(const std::atomic<bool>& stop, int pollMs = 500);

    // The RDS^O13 for a released preparation (segments ended by CR).
    [[nodiscard]] Result<std::string> buildRds(int64_t prepId, const std::string& controlId, TimePoint now);
    // The notice for a preparation rejected with waste whose order the station closed: RDE^O11 with
    // ORC-1 OC (order cancelled, unsolicited), ORC-5 CA, ORC-16 the rejection's reason, the RXE as
    // received, and an NTE saying which preparation was wasted, by whom, when and why.
    [[nodiscard]] Result<std::string> buildWasteNotice(int64_t prepId, const std::string& controlId,
                                                       TimePoint now);

private:
    struct Tls;
    Result<std::string> exchange(const std::string& message);
    store::Database& m_db;
    OutboxConfig m_config;
    std::unique_ptr<Tls> m_tls; // made on the first TLS exchange
};

} // namespace admix::hl7
