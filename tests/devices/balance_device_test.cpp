// End to end: a balance simulator on a pseudo-terminal, read through the real SerialPort (termios)
// and the acquisition thread. Waits are event waits with generous limits, never fixed sleeps.
#include "devices/balance_device.hpp"
#include "devices/simulators.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <thread>

using namespace admix::devices;
using namespace std::chrono_literals;

namespace {

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition())
            return true;
        std::this_thread::sleep_for(2ms);
    }
    return condition();
}

std::unique_ptr<BalanceSimulator> startSim(BalanceProtocolKind kind, double grams,
                                           const std::filesystem::path& link) {
    BalanceSimulatorOptions o;
    o.protocol = kind;
    o.grams = grams;
    o.link = link;
    auto sim = BalanceSimulator::start(o);
    REQUIRE_MESSAGE(sim.ok(), (sim.ok() ? "" : sim.error().text()));
    return std::move(sim).value();
}

BalanceOptions fastOptions() {
    BalanceOptions o;
    o.name = "hood-1 balance";
    o.backoffFirst = 20ms;
    o.backoffMax = 200ms;
    o.pollInterval = 50ms;
    return o;
}

bool stableAt(const BalanceDevice& b, double grams) {
    const auto s = b.snapshot();
    return s->latest && s->latest->stable() && std::abs(s->latest->value - grams) < 1e-9;
}

} // namespace

TEST_CASE("every line protocol reads stable weights over a pty through the serial transport") {
    admix::test::TempDir dir;
    for (const auto kind : {BalanceProtocolKind::MtSics, BalanceProtocolKind::Sbi, BalanceProtocolKind::AandD,
                            BalanceProtocolKind::Ohaus}) {
        CAPTURE(balanceProtocolName(kind));
        auto sim = startSim(kind, 12.34, dir / "balance");
        LineBalance balance(fastOptions(), kind, sim->path(), SerialSettings{});
        balance.start();
        REQUIRE(waitUntil([&] { return stableAt(balance, 12.34); }));
        const auto snap = balance.snapshot();
        CHECK(snap->status.state == ConnectionState::Reading);
        CHECK(snap->identity.serial == "SIM0001");
        if (kind != BalanceProtocolKind::Ohaus) // Ohaus has no model query
            CHECK(snap->identity.model.rfind("SIM-220", 0) == 0);
        CHECK(snap->latest->identity.serial == "SIM0001");
        CHECK(snap->latest->stableMass()->inG() == doctest::Approx(12.34));
        CHECK(snap->rejectedLines == 0);
        CHECK(sim->streaming() == (kind != BalanceProtocolKind::Sbi)); // SBI is polled with ESC P
        balance.stop();
        CHECK(balance.snapshot()->status.state == ConnectionState::Disconnected);
        // A clean disconnect ends the streaming it started (MT-SICS @, A&D C, Ohaus 0P).
        CHECK(waitUntil([&] { return !sim->streaming(); }));
        balance.stop(); // idempotent
    }
}

TEST_CASE("a balance that refuses the continuous-output command is polled instead, and says so") {
    admix::test::TempDir dir;
    for (const auto kind :
         {BalanceProtocolKind::MtSics, BalanceProtocolKind::AandD, BalanceProtocolKind::Ohaus}) {
        CAPTURE(balanceProtocolName(kind));
        auto sim = startSim(kind, 7.5, dir / "balance");
        sim->setContinuousRefused(true); // streaming disabled in the balance's menu: SIR / CP answer an error
        LineBalance balance(fastOptions(), kind, sim->path(), SerialSettings{});
        balance.start();
        REQUIRE(waitUntil([&] { return stableAt(balance, 7.5); }));
        CHECK_FALSE(sim->streaming());
        const auto snap = balance.snapshot();
        CHECK(snap->status.state == ConnectionState::Reading);
        CHECK(snap->status.detail.find("polling") != std::string::npos);
        CHECK(snap->disconnects == 0);
        sim->setLoad(8.25); // polling keeps reading new loads
        CHECK(waitUntil([&] { return stableAt(balance, 8.25); }));
        balance.stop();
    }
}

TEST_CASE("an unplug in the middle of a weighing is reported, then recovered without a restart") {
    admix::test::TempDir dir;
    auto sim = startSim(BalanceProtocolKind::MtSics, 50.0, dir / "by-id-balance");
    LineBalance balance(fastOptions(), BalanceProtocolKind::MtSics, sim->path(), SerialSettings{});
    balance.start();
    sim->setUnstable(true); // the technician is still drawing
    REQUIRE(waitUntil([&] {
        auto s = balance.snapshot();
        return s->latest && s->latest->status == WeightStatus::Unstable;
    }));
    const auto before = balance.snapshot()->readings;

    sim->unplug();
    REQUIRE(waitUntil([&] { return balance.snapshot()->status.state == ConnectionState::Error; }));
    auto snap = balance.snapshot();
    CHECK(snap->disconnects >= 1);
    CHECK_FALSE(snap->status.detail.empty()); // the reason stays on screen while it is unplugged
    CHECK_FALSE(snap->latest.has_value());    // no stale weight shown as current
    // The loss is reported once, with its reason (later retries fail to open and stay quiet).
    std::vector<std::string> reports;
    for (const auto& e : balance.drainEvents())
        if (e.kind == BalanceEvent::Kind::Disconnected)
            reports.push_back(e.detail);
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].find("unplugged") != std::string::npos);

    sim->setUnstable(false);
    sim->setLoad(20.5);
    REQUIRE(sim->replug().ok());
    REQUIRE(waitUntil([&] { return stableAt(balance, 20.5); }));
    snap = balance.snapshot();
    CHECK(snap->readings > before);
    CHECK(snap->status.state == ConnectionState::Reading);
    bool reconnected = false;
    for (const auto& e : balance.drainEvents())
        reconnected = reconnected || e.kind == BalanceEvent::Kind::Connected;
    CHECK(reconnected);
}

TEST_CASE("garbage lines are rejected, counted, and never become a weight") {
    admix::test::TempDir dir;
    for (const auto kind : {BalanceProtocolKind::MtSics, BalanceProtocolKind::AandD}) {
        CAPTURE(balanceProtocolName(kind));
        auto sim = startSim(kind, 7.25, dir / "balance");
        LineBalance balance(fastOptions(), kind, sim->path(), SerialSettings{});
        balance.start();
        REQUIRE(waitUntil([&] { return stableAt(balance, 7.25); }));
        (void)balance.drainEvents();
        sim->injectGarbage(40);
        REQUIRE(waitUntil([&] { return balance.snapshot()->rejectedLines >= 40; }));
        // Readings continue after the garbage, and every reading is the true load.
        const auto readings = balance.snapshot()->readings;
        REQUIRE(waitUntil([&] { return balance.snapshot()->readings > readings + 3; }));
        CHECK(balance.snapshot()->rejectedLines == sim->garbageLinesSent());
        size_t rejectedEvents = 0;
        for (const auto& e : balance.drainEvents()) {
            if (e.kind == BalanceEvent::Kind::Rejected)
                ++rejectedEvents;
            if (e.kind == BalanceEvent::Kind::Reading) {
                REQUIRE(e.reading.has_value());
                CHECK(e.reading->value == doctest::Approx(7.25));
            }
        }
        CHECK(rejectedEvents == 40);
        CHECK_FALSE(balance.snapshot()->lastRejected.empty());
    }
}

TEST_CASE("zero, tare, overload and the stability wait") {
    admix::test::TempDir dir;
    auto sim = startSim(BalanceProtocolKind::MtSics, 3.0, dir / "balance");
    LineBalance balance(fastOptions(), BalanceProtocolKind::MtSics, sim->path(), SerialSettings{});
    balance.start();
    REQUIRE(waitUntil([&] { return stableAt(balance, 3.0); }));

    balance.requestZero();
    REQUIRE(waitUntil([&] {
        for (const auto& e : balance.drainEvents())
            if (e.kind == BalanceEvent::Kind::CommandDone)
                return true;
        return false;
    }));
    REQUIRE(waitUntil([&] { return stableAt(balance, 0.0); }));

    sim->setUnstable(true);
    sim->setUnstable(true);
    REQUIRE(waitUntil([&] {
        auto s = balance.snapshot();
        return s->latest && !s->latest->stable();
    }));
    balance.requestTare();
    REQUIRE(waitUntil([&] {
        for (const auto& e : balance.drainEvents())
            if (e.kind == BalanceEvent::Kind::CommandFailed)
                return true;
        return false;
    }));
    CHECK_FALSE(balance.waitForStable(300ms).has_value());

    sim->setUnstable(false);
    sim->setLoad(9.99);
    const auto stable = balance.waitForStable(10s);
    REQUIRE(stable.has_value());
    CHECK(stable->value == doctest::Approx(9.99));

    sim->setDrift(2.0); // grams per second: an evaporating or leaking container
    const double drifting = balance.snapshot()->latest->value;
    REQUIRE(waitUntil([&] {
        auto s = balance.snapshot();
        return s->latest && s->latest->value > drifting + 0.1;
    }));
    sim->setDrift(0.0);

    sim->setOverload(true);
    REQUIRE(waitUntil([&] {
        auto s = balance.snapshot();
        return s->latest && s->latest->status == WeightStatus::Overload;
    }));
    CHECK_FALSE(balance.snapshot()->latest->stableMass().has_value());
}

TEST_CASE("a balance that stops answering is reported after the silence timeout and recovers") {
    admix::test::TempDir dir;
    auto sim = startSim(BalanceProtocolKind::Sbi, 1.5, dir / "balance"); // polled with ESC P
    auto options = fastOptions();
    options.silenceTimeout = 400ms;
    LineBalance balance(options, BalanceProtocolKind::Sbi, sim->path(), SerialSettings{});
    balance.start();
    REQUIRE(waitUntil([&] { return stableAt(balance, 1.5); }));
    sim->setReplyDelay(1500ms); // a slow balance: the next command is answered far too late
    sim->setLoad(2.5);
    REQUIRE(waitUntil([&] { return balance.snapshot()->status.state == ConnectionState::Error; }));
    CHECK(balance.snapshot()->status.detail.find("no reply") != std::string::npos);
    sim->setReplyDelay(0ms);
    REQUIRE(waitUntil([&] { return stableAt(balance, 2.5); }, 20s));
}

TEST_CASE("StabilityWait never blocks and times out") {
    using SC = std::chrono::steady_clock;
    const auto t0 = SC::now();
    const auto since = std::chrono::system_clock::now();
    StabilityWait wait(t0, 1000ms, since);
    BalanceSnapshot snap;
    CHECK(wait.update(snap, t0) == StabilityWait::State::Waiting);
    BalanceReading unstable;
    unstable.status = WeightStatus::Unstable;
    unstable.at = since + 1ms;
    snap.latest = unstable;
    CHECK(wait.update(snap, t0 + 10ms) == StabilityWait::State::Waiting);
    BalanceReading old;
    old.status = WeightStatus::Stable;
    old.at = since - 1s; // stable, but from before the wait began
    snap.latest = old;
    snap.lastStable = old;
    CHECK(wait.update(snap, t0 + 20ms) == StabilityWait::State::Waiting);
    CHECK(wait.update(snap, t0 + 1001ms) == StabilityWait::State::TimedOut);

    StabilityWait ok(t0, 1000ms, since);
    BalanceReading fresh;
    fresh.status = WeightStatus::Stable;
    fresh.value = 4.2;
    fresh.at = since + 5ms;
    snap.latest = fresh;
    snap.lastStable = fresh;
    CHECK(ok.update(snap, t0 + 30ms) == StabilityWait::State::Stable);
    CHECK(ok.reading()->value == 4.2);
}

TEST_CASE("zero on a protocol without acknowledgement (SBI) is reported as sent, and the reading shows it") {
    admix::test::TempDir dir;
    auto sim = startSim(BalanceProtocolKind::Sbi, 5.0, dir / "balance");
    LineBalance balance(fastOptions(), BalanceProtocolKind::Sbi, sim->path(), SerialSettings{});
    balance.start();
    REQUIRE(waitUntil([&] { return stableAt(balance, 5.0); }));
    balance.requestZero();
    std::string detail;
    REQUIRE(waitUntil([&] {
        for (const auto& e : balance.drainEvents())
            if (e.kind == BalanceEvent::Kind::CommandDone)
                detail = e.detail;
        return !detail.empty();
    }));
    CHECK(detail.find("no acknowledgement") != std::string::npos);
    REQUIRE(waitUntil([&] { return stableAt(balance, 0.0); }));
}
