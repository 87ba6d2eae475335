// A balance as the station uses it: one acquisition thread per balance (PlusLib-like lifecycle:
// start() connects and acquires, stop() stops and always disconnects; both idempotent), readings
// published as an atomically swapped snapshot and as events drained by the UI thread once per frame.
// Commands (zero, tare) are queued to the device thread; their outcome comes back as an event.
// The reader thread never throws: every failure becomes state (Error with a reason), and the thread
// reconnects with back-off. snapshot(), drainEvents(), requestZero/Tare() never block on the device.
#pragma once

#include "devices/balance.hpp"
#include "devices/channel.hpp"
#include "devices/device_state.hpp"
#include "devices/serial_port.hpp"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

namespace admix::devices {

// What the UI shows for a balance: connection state, latest reading, counters.
struct BalanceSnapshot {
    DeviceStatus status;
    std::optional<BalanceReading> latest;     // the last reading of any status; cleared when the link is lost
    std::optional<BalanceReading> lastStable; // the last stable reading
    BalanceIdentity identity;
    uint64_t readings = 0;
    uint64_t rejectedLines = 0; // lines that were not valid replies: never turned into a weight
    uint64_t disconnects = 0;   // links lost after being connected
    uint64_t sequence = 0;      // bumps on every publish
    std::string lastRejected;   // printable form of the last rejected line
};

struct BalanceEvent {
    enum class Kind { Reading, Connected, Disconnected, CommandDone, CommandFailed, Rejected };
    Kind kind = Kind::Reading;
    std::optional<BalanceReading> reading;
    std::string detail;
};

struct BalanceOptions {
    std::string name = "balance";
    std::chrono::milliseconds pollInterval{100};    // when the protocol has no streaming request
    bool preferContinuous = true;                   // use SIR/CP where the protocol has it
    std::chrono::milliseconds silenceTimeout{3000}; // no line for this long: the link is lost
    std::chrono::milliseconds identityTimeout{700}; // per identity query
    std::chrono::milliseconds backoffFirst{200};
    std::chrono::milliseconds backoffMax{5000};
};

class BalanceDevice {
public:
    explicit BalanceDevice(BalanceOptions options);
    virtual ~BalanceDevice();
    BalanceDevice(const BalanceDevice&) = delete;
    BalanceDevice& operator=(const BalanceDevice&) = delete;

    void start();
    // Stops the thread and disconnects. Idempotent; called by the destructor of each subclass.
    void stop();

    [[nodiscard]] std::shared_ptr<const BalanceSnapshot> snapshot() const { return m_snapshot.load(); }
    [[nodiscard]] std::vector<BalanceEvent> drainEvents() { return m_events.drain(); }
    void requestZero();
    void requestTare();
    // Blocks the calling thread (never the UI thread: use StabilityWait there) until a stable reading
    // received after the call, or the timeout. std::nullopt on timeout.
    [[nodiscard]] std::optional<BalanceReading> waitForStable(std::chrono::milliseconds timeout);
    [[nodiscard]] const std::string& name() const { return m_options.name; }

protected:
    enum class Command { Zero, Tare };
    // One connected session: runs until the link fails (returns the reason) or stop is requested
    // (returns success). Implementations call the publish helpers below.
    virtual Status runSession(std::stop_token stop) = 0;

    void setState(ConnectionState state, std::string detail);
    void publishReading(BalanceReading reading);
    void publishRejected(std::string_view line, const Error& why);
    void publishCommandResult(bool ok, std::string detail);
    void setIdentity(BalanceIdentity identity);
    // How the session reads the balance when it is not the usual way ("polling: continuous output
    // refused (...)"), shown in the device status beside the identity; empty: the usual way.
    void setReadMode(std::string note);
    std::vector<Command> takeCommands();
    const BalanceOptions& options() const { return m_options; }

private:
    void run(std::stop_token stop);
    void publishLocked();

    BalanceOptions m_options;
    SnapshotCell<BalanceSnapshot> m_snapshot;
    EventQueue<BalanceEvent> m_events;
    std::mutex m_mutex; // guards m_state, m_commands; held only for short copies
    BalanceSnapshot m_state;
    std::vector<Command> m_commands;
    bool m_sessionConnected = false;  // the current session reached Connected
    std::string m_readMode;           // see setReadMode
    std::condition_variable_any m_cv; // stable readings, back-off wake-up
    std::jthread m_thread;
};

// A balance speaking a line protocol over a byte stream (serial port, USB-CDC, pseudo-terminal).
class LineBalance final : public BalanceDevice {
public:
    using Opener = std::function<Result<std::unique_ptr<ByteStream>>()>;
    LineBalance(BalanceOptions options, BalanceProtocolKind protocol, Opener opener);
    // Convenience: a serial port by path (a /dev/serial/by-id link survives re-plugging).
    LineBalance(BalanceOptions options, BalanceProtocolKind protocol, std::string port,
                SerialSettings settings);
    ~LineBalance() override;

protected:
    Status runSession(std::stop_token stop) override;

private:
    std::unique_ptr<BalanceProtocol> m_protocol;
    Opener m_opener;
};

// Waits for stability without blocking: the UI calls update() each frame with the latest snapshot.
class StabilityWait {
public:
    enum class State { Waiting, Stable, TimedOut };
    StabilityWait(std::chrono::steady_clock::time_point start, std::chrono::milliseconds timeout,
                  std::chrono::system_clock::time_point notBefore)
        : m_deadline(start + timeout), m_notBefore(notBefore) {}
    State update(const BalanceSnapshot& snapshot, std::chrono::steady_clock::time_point now);
    [[nodiscard]] const std::optional<BalanceReading>& reading() const { return m_reading; }

private:
    std::chrono::steady_clock::time_point m_deadline;
    std::chrono::system_clock::time_point m_notBefore;
    std::optional<BalanceReading> m_reading;
    State m_state = State::Waiting;
};

} // namespace admix::devices
