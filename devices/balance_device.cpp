#include "devices/balance_device.hpp"

#include "devices/line_framer.hpp"
#include "formulas/text.hpp"

namespace admix::devices {

using Clock = std::chrono::steady_clock;

// [SECTION] BalanceDevice --------------------------------------------------------------------------

BalanceDevice::BalanceDevice(BalanceOptions options) : m_options(std::move(options)) {
    m_state.status.name = m_options.name;
    m_state.status.kind = DeviceKind::Balance;
    m_state.identity.device = m_options.name;
    m_snapshot.publish(m_state);
}

BalanceDevice::~BalanceDevice() {
    stop();
}

void BalanceDevice::start() {
    if (m_thread.joinable())
        return;
    m_thread = std::jthread([this](std::stop_token stop) { run(stop); });
}

void BalanceDevice::stop() {
    if (!m_thread.joinable())
        return;
    m_thread.request_stop();
    m_cv.notify_all();
    m_thread.join();
    m_thread = std::jthread();
    setState(ConnectionState::Disconnected, "stopped");
}

void BalanceDevice::run(std::stop_token stop) {
    Backoff backoff(m_options.backoffFirst, m_options.backoffMax);
    while (!stop.stop_requested()) {
        if (snapshot()->status.state != ConnectionState::Error)
            setState(ConnectionState::Connecting, "connecting");
        Status result;
        const auto began = Clock::now();
        try {
            result = runSession(stop);
        } catch (const std::exception& e) { // a reader thread never lets an exception escape
            result = Status::fail(std::string("internal error: ") + e.what(), m_options.name);
        } catch (...) {
            result = Status::fail("internal error", m_options.name);
        }
        if (stop.stop_requested())
            break;
        if (result.ok())
            continue;
        if (Clock::now() - began > std::chrono::seconds(5))
            backoff.reset(); // the link had been up a while: retry quickly
        bool report = false;
        {
            std::lock_guard lock(m_mutex);
            // One report per loss: a lost link, or the first failed attempt; retries stay quiet.
            report = m_sessionConnected || m_state.status.state != ConnectionState::Error;
            m_state.status.state = ConnectionState::Error;
            m_state.status.detail = result.error().text();
            m_state.latest.reset(); // a reading from before the loss must not look current
            if (m_sessionConnected)
                ++m_state.disconnects;
            m_sessionConnected = false;
            publishLocked();
        }
        if (report)
            m_events.push({BalanceEvent::Kind::Disconnected, std::nullopt, result.error().text()});
        std::mutex waitMutex;
        std::unique_lock lock(waitMutex);
        m_cv.wait_for(lock, stop, backoff.next(), [] { return false; });
    }
}

void BalanceDevice::publishLocked() {
    ++m_state.sequence;
    m_snapshot.publish(m_state);
}

void BalanceDevice::setState(ConnectionState state, std::string detail) {
    bool connected = false;
    {
        std::lock_guard lock(m_mutex);
        connected = state == ConnectionState::Connected &&
                    m_state.status.state != ConnectionState::Connected &&
                    m_state.status.state != ConnectionState::Reading;
        m_state.status.state = state;
        m_state.status.detail = std::move(detail);
        if (state == ConnectionState::Connected)
            m_sessionConnected = true;
        publishLocked();
    }
    if (connected)
        m_events.push({BalanceEvent::Kind::Connected, std::nullopt, m_options.name});
}

void BalanceDevice::setIdentity(BalanceIdentity identity) {
    std::lock_guard lock(m_mutex);
    identity.device = m_options.name;
    m_state.identity = std::move(identity);
    publishLocked();
}

void BalanceDevice::setReadMode(std::string note) {
    std::lock_guard lock(m_mutex);
    m_readMode = std::move(note);
    if (!m_readMode.empty() && m_state.status.state == ConnectionState::Reading) {
        m_state.status.detail = m_readMode;
        publishLocked();
    }
}

void BalanceDevice::publishReading(BalanceReading reading) {
    {
        std::lock_guard lock(m_mutex);
        reading.identity = m_state.identity;
        m_state.status.state = ConnectionState::Reading;
        std::string detail = m_state.identity.model;
        if (!m_state.identity.serial.empty())
            detail += (detail.empty() ? "" : " ") + std::string("S/N ") + m_state.identity.serial;
        if (!m_readMode.empty())
            detail += (detail.empty() ? "" : "; ") + m_readMode;
        m_state.status.detail = detail;
        m_state.latest = reading;
        if (reading.stable())
            m_state.lastStable = reading;
        ++m_state.readings;
        publishLocked();
    }
    if (reading.stable())
        m_cv.notify_all();
    m_events.push({BalanceEvent::Kind::Reading, std::move(reading), {}});
}

void BalanceDevice::publishRejected(std::string_view line, const Error& why) {
    {
        std::lock_guard lock(m_mutex);
        ++m_state.rejectedLines;
        m_state.lastRejected = formulas::printable(line.substr(0, 80));
        publishLocked();
    }
    m_events.push({BalanceEvent::Kind::Rejected, std::nullopt, why.text()});
}

void BalanceDevice::publishCommandResult(bool ok, std::string detail) {
    m_events.push({ok ? BalanceEvent::Kind::CommandDone : BalanceEvent::Kind::CommandFailed, std::nullopt,
                   std::move(detail)});
}

void BalanceDevice::requestZero() {
    std::lock_guard lock(m_mutex);
    m_commands.push_back(Command::Zero);
}

void BalanceDevice::requestTare() {
    std::lock_guard lock(m_mutex);
    m_commands.push_back(Command::Tare);
}

std::vector<BalanceDevice::Command> BalanceDevice::takeCommands() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_commands, {});
}

std::optional<BalanceReading> BalanceDevice::waitForStable(std::chrono::milliseconds timeout) {
    const auto since = std::chrono::system_clock::now();
    std::optional<BalanceReading> found;
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, timeout, [&] {
        if (m_state.lastStable && m_state.lastStable->at >= since) {
            found = m_state.lastStable;
            return true;
        }
        return false;
    });
    return found;
}

// [SECTION] LineBalance ----------------------------------------------------------------------------

LineBalance::LineBalance(BalanceOptions options, BalanceProtocolKind protocol, Opener opener)
    : BalanceDevice(std::move(options)), m_protocol(makeBalanceProtocol(protocol)),
      m_opener(std::move(opener)) {}

LineBalance::LineBalance(BalanceOptions options, BalanceProtocolKind protocol, std::string port,
                         SerialSettings settings)
    : LineBalance(std::move(options), protocol, [port, settings]() -> Result<std::unique_ptr<ByteStream>> {
          auto opened = SerialPort::open(port, settings);
          if (!opened)
              return opened.error();
          return std::unique_ptr<ByteStream>(std::move(opened).value());
      }) {}

LineBalance::~LineBalance() {
    stop();
}

Status LineBalance::runSession(std::stop_token stop) {
    if (!m_protocol)
        return Status::fail("this protocol is not a line protocol", options().name);
    auto opened = m_opener();
    if (!opened)
        return opened.error();
    std::unique_ptr<ByteStream> stream = std::move(opened).value();
    const auto poll = std::chrono::milliseconds(20);
    const auto writeTimeout = std::chrono::milliseconds(500);
    LineFramer framer(256);
    setState(ConnectionState::Connected, "connected");

    // Identity: ask, and take the first fitting line within the timeout. Best effort.
    BalanceIdentity identity;
    for (const auto field : {IdentityField::Model, IdentityField::Serial}) {
        const auto query = m_protocol->identify(field);
        if (!query || stop.stop_requested())
            continue;
        if (auto w = stream->write(*query, writeTimeout); !w)
            return w;
        const auto deadline = Clock::now() + options().identityTimeout;
        bool found = false;
        while (!found && Clock::now() < deadline && !stop.stop_requested()) {
            auto bytes = stream->read(poll);
            if (!bytes)
                return bytes.error();
            for (const auto& line : framer.feed(*bytes)) {
                if (found)
                    break;
                if (auto text = m_protocol->decodeIdentity(line, field)) {
                    (field == IdentityField::Model ? identity.model : identity.serial) = *text;
                    found = true;
                }
            }
        }
    }
    setIdentity(identity);

    setReadMode({});
    auto continuous = options().preferContinuous ? m_protocol->requestContinuous() : std::nullopt;
    std::string request = continuous ? *continuous : m_protocol->requestImmediate();
    bool streamed = false; // a weight line arrived since the continuous request
    if (auto w = stream->write(request, writeTimeout); !w)
        return w;
    auto lastLine = Clock::now();
    auto lastRequest = Clock::now();
    int pendingCommands = 0;
    auto commandDeadline = Clock::time_point::max();
    std::optional<MassUnit> sbiUnit;
    const auto commandTimeout = std::chrono::milliseconds(3000);

    while (!stop.stop_requested()) {
        for (const auto command : takeCommands()) {
            const std::string bytes = command == Command::Zero ? m_protocol->zero() : m_protocol->tare();
            if (auto w = stream->write(bytes, writeTimeout); !w)
                return w;
            if (!m_protocol->acknowledgesCommands()) {
                publishCommandResult(true, "sent (this protocol has no acknowledgement: watch the reading)");
                continue;
            }
            ++pendingCommands;
            commandDeadline = Clock::now() + commandTimeout;
        }
        if (pendingCommands > 0 && Clock::now() > commandDeadline) {
            // No answer: the outcome is unknown, so it is not reported as done.
            for (; pendingCommands > 0; --pendingCommands)
                publishCommandResult(false, "the balance did not confirm the command");
        }
        auto bytes = stream->read(poll);
        if (!bytes)
            return bytes.error();
        for (const auto& line : framer.feed(*bytes)) {
            lastLine = Clock::now();
            const auto reply = m_protocol->decodeLine(line);
            if (!reply) {
                publishRejected(line, reply.error());
                continue;
            }
            switch (reply->kind) {
            case BalanceReply::Kind::Weight: {
                BalanceReading reading;
                reading.status = reply->status;
                reading.value = reply->value;
                reading.unit = reply->unit;
                // SBI prints no unit while the value moves: show it in the unit of the last stable value.
                if (m_protocol->kind() == BalanceProtocolKind::Sbi) {
                    if (reply->status == WeightStatus::Stable)
                        sbiUnit = reply->unit;
                    else if (reply->status == WeightStatus::Unstable && sbiUnit)
                        reading.unit = *sbiUnit;
                }
                reading.decimals = reply->decimals;
                reading.at = std::chrono::system_clock::now();
                reading.raw = formulas::printable(line);
                publishReading(std::move(reading));
                streamed = true;
                break;
            }
            case BalanceReply::Kind::Acknowledged:
            case BalanceReply::Kind::NotExecutable:
            case BalanceReply::Kind::CommandError:
                if (pendingCommands > 0) {
                    --pendingCommands;
                    publishCommandResult(reply->kind == BalanceReply::Kind::Acknowledged, reply->detail);
                    if (continuous) // some balances end streaming on a new command: ask again
                        if (auto w = stream->write(*continuous, writeTimeout); !w)
                            return w;
                } else if (continuous && !streamed && reply->kind != BalanceReply::Kind::Acknowledged) {
                    // The balance refused the continuous-output request (streaming disabled in its
                    // menu: A&D "EC,E01", Ohaus or MT-SICS "ES"): poll the immediate request instead.
                    setReadMode("polling: continuous output refused (" + reply->detail + ")");
                    continuous.reset();
                    request = m_protocol->requestImmediate();
                    if (auto w = stream->write(request, writeTimeout); !w)
                        return w;
                    lastRequest = Clock::now();
                }
                break;
            case BalanceReply::Kind::Identity:
                break;
            }
        }
        if (framer.overlongLines() > 0) {
            const Error why{"a line without terminator longer than 256 bytes", options().name};
            for (size_t i = 0; i < framer.overlongLines(); ++i)
                publishRejected("<overlong line>", why);
            framer = LineFramer(256);
        }
        const auto now = Clock::now();
        if (!continuous && now - lastRequest >= options().pollInterval) {
            if (auto w = stream->write(request, writeTimeout); !w)
                return w;
            lastRequest = now;
        }
        if (now - lastLine > options().silenceTimeout)
            return Status::fail("no reply from the balance for " +
                                    std::to_string(options().silenceTimeout.count()) + " ms",
                                options().name);
    }
    if (continuous) {
        if (const auto end = m_protocol->stopContinuous())
            (void)stream->write(*end, std::chrono::milliseconds(200)); // best effort: we are leaving anyway
    }
    stream->close();
    return {};
}

// [SECTION] StabilityWait --------------------------------------------------------------------------

StabilityWait::State StabilityWait::update(const BalanceSnapshot& snapshot,
                                           std::chrono::steady_clock::time_point now) {
    if (m_state != State::Waiting)
        return m_state;
    if (snapshot.lastStable && snapshot.lastStable->at >= m_notBefore && snapshot.latest &&
        snapshot.latest->stable()) {
        m_reading = snapshot.lastStable;
        m_state = State::Stable;
    } else if (now >= m_deadline) {
        m_state = State::TimedOut;
    }
    return m_state;
}

} // namespace admix::devices
