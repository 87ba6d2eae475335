// The HL7 interface as one running service: the MLLP listener (orders in) and, when an outbound
// system is named, the dispense outbox (RDS^O13 out) on threads of their own, beside whatever else
// the process runs (`admix hl7 listen`, `admix serve`, the station app). The service opens its own
// database connections (one for the listener's interface, one for the outbox thread), so it never
// shares the caller's. The formulary it maps orders to is the demo formulary only in demo mode (with
// the demo maps added when the station has none); otherwise the station's approved formulary, read
// at start.
//
// Ownership and threads: start() and stop() from one controlling thread; stop() is idempotent and run
// by the destructor, and returns once every thread has ended. Errors at start are Status values
// naming what is wrong (address in use, a certificate that cannot be read); storage failures while
// running close the connection without an ACK (listener) or are printed and end the outbox thread.
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/result.hpp"
#include "station/hl7/listener.hpp"
#include "station/hl7/outbox.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/workflow/site_setup.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace admix::hl7 {

// The formulary orders are mapped to: the demo formulary in demo mode (`demo`, or a database marked
// demo), else the station's approved formulary (empty, with `note` saying why, when none is stored:
// every order is then held). Fails only when a shipped file (demo formulary, policy) cannot be read.
struct MappingFormulary {
    formulas::Formulary formulary;
    formulas::FormulasPolicy policy;
    bool demo = false;
    std::string note;
    workflow::StationFormularyFollower follower; // what read `formulary` (a real site), to read it again
};
[[nodiscard]] Result<MappingFormulary> mappingFormulary(store::Database& db, store::AuditLog& audit,
                                                        bool demo);

struct ServiceConfig {
    std::string databasePath; // the station database (store::databasePath(dataDir))
    ListenerConfig listener;
    OutboxConfig outbox; // outbox.host empty: no dispense messages are sent
    bool demo = false;   // the demo formulary (and its maps when none are stored)
    int outboxPollMs = 200;
};

class Hl7Service {
public:
    explicit Hl7Service(ServiceConfig config);
    ~Hl7Service();
    Hl7Service(const Hl7Service&) = delete;
    Hl7Service& operator=(const Hl7Service&) = delete;

    // Opens the database, loads the formulary, binds the listener and starts the outbox thread.
    // Nothing is left running when it fails.
    Status start();
    void stop();
    [[nodiscard]] int port() const;
    [[nodiscard]] bool sendsDispenses() const { return !m_config.outbox.host.empty(); }
    // Demo maps added at start (0 outside demo mode or when the station had maps).
    [[nodiscard]] int demoMapsAdded() const { return m_demoMapsAdded; }
    // How many recipes the formulary in use has (0: every order is held until one is imported).
    [[nodiscard]] size_t recipes() const;
    // A one-line description for logs: "hl7 listening on 127.0.0.1:2575 (TLS); dispenses to ...".
    [[nodiscard]] std::string describe() const;

private:
    struct State;
    ServiceConfig m_config;
    std::unique_ptr<State> m_state;
    std::atomic<bool> m_stop{false};
    std::thread m_outboxThread;
    int m_demoMapsAdded = 0;
};

} // namespace admix::hl7
