// Frame-time benchmark: a simulated MT-SICS balance streams 20 readings a second (SIR) over a
// pseudo-terminal into the real serial transport and acquisition thread, while this thread runs a
// 60 Hz frame loop that drains the balance's events and reads its snapshot, as the UI thread does.
// Midway it injects garbage and unplugs/replugs the balance. It prints what the frame loop spent on
// the device per frame and the worst frame period. Prints figures; it is not a timed test.
//   usage: admix_devices_bench [seconds=10]
#include "devices/balance_device.hpp"
#include "devices/simulators.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace admix::devices;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 10.0;
    const auto dir = std::filesystem::temp_directory_path() / ("admix-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    BalanceSimulatorOptions so;
    so.protocol = BalanceProtocolKind::MtSics;
    so.grams = 12.5;
    so.streamHz = 20;
    so.link = dir / "balance";
    auto sim = BalanceSimulator::start(so);
    if (!sim) {
        std::fprintf(stderr, "bench: %s\n", sim.error().text().c_str());
        return 1;
    }
    BalanceOptions bo;
    bo.name = "bench balance";
    bo.backoffFirst = std::chrono::milliseconds(50);
    LineBalance balance(bo, BalanceProtocolKind::MtSics, sim.value()->path(), SerialSettings{});

    const auto frame = std::chrono::microseconds(16667);
    // Baseline: the same frame loop with nothing to drain, to tell scheduler jitter from device waits.
    double baselineWorst = 0;
    {
        const auto bStart = Clock::now();
        auto bNext = bStart + frame;
        auto bLast = bStart;
        bool first = true;
        while (Clock::now() - bStart < std::chrono::duration<double>(seconds / 4)) {
            const auto t = Clock::now();
            if (!first)
                baselineWorst =
                    std::max(baselineWorst, std::chrono::duration<double, std::milli>(t - bLast).count());
            first = false;
            bLast = t;
            std::this_thread::sleep_until(bNext);
            bNext += frame;
        }
    }
    balance.start();
    const auto start = Clock::now();
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<double> workUs;
    std::vector<double> periodMs;
    size_t readings = 0, rejected = 0, disconnects = 0;
    bool garbageDone = false, unplugged = false, replugged = false;
    auto next = start + frame;
    auto lastFrame = start;
    char text[128] = {};
    while (Clock::now() < end) {
        const auto t0 = Clock::now();
        // What a frame does with the device: drain the queue, read the snapshot, format the display.
        for (const auto& e : balance.drainEvents()) {
            if (e.kind == BalanceEvent::Kind::Reading)
                ++readings;
            else if (e.kind == BalanceEvent::Kind::Rejected)
                ++rejected;
            else if (e.kind == BalanceEvent::Kind::Disconnected)
                ++disconnects;
        }
        const auto snap = balance.snapshot();
        if (snap->latest)
            std::snprintf(text, sizeof text, "%.2f %s %s", snap->latest->value,
                          std::string(massUnitSymbol(snap->latest->unit)).c_str(),
                          std::string(weightStatusName(snap->latest->status)).c_str());
        const auto t1 = Clock::now();
        workUs.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        periodMs.push_back(std::chrono::duration<double, std::milli>(t0 - lastFrame).count());
        lastFrame = t0;

        const double elapsed = std::chrono::duration<double>(t0 - start).count();
        if (!garbageDone && elapsed > seconds * 0.3) {
            sim.value()->injectGarbage(50);
            garbageDone = true;
        }
        if (!unplugged && elapsed > seconds * 0.5) {
            sim.value()->unplug();
            unplugged = true;
        }
        if (!replugged && elapsed > seconds * 0.6) {
            (void)sim.value()->replug();
            replugged = true;
        }
        std::this_thread::sleep_until(next);
        next += frame;
    }
    balance.stop();
    std::filesystem::remove_all(dir);

    periodMs.erase(periodMs.begin()); // the first frame has no predecessor
    auto sortedWork = workUs;
    std::sort(sortedWork.begin(), sortedWork.end());
    const auto pct = [&](double p) {
        return sortedWork[static_cast<size_t>(p * static_cast<double>(sortedWork.size() - 1))];
    };
    const double worstPeriod = *std::max_element(periodMs.begin(), periodMs.end());
    const auto late =
        std::count_if(periodMs.begin(), periodMs.end(), [](double ms) { return ms > 16.667 + 4.0; });
    std::printf("balance frame benchmark: %.1f s, 60 Hz frame loop, MT-SICS simulator streaming 20 "
                "readings/s over a pty\n",
                seconds);
    std::printf("  frames                    %zu\n", workUs.size());
    std::printf("  readings drained          %zu (%.1f /s)\n", readings,
                static_cast<double>(readings) / seconds);
    std::printf("  garbage lines rejected    %zu (50 injected)\n", rejected);
    std::printf("  disconnects reported      %zu (1 unplug)\n", disconnects);
    std::printf("  device work per frame     median %.1f us, p99 %.1f us, worst %.1f us\n", pct(0.5),
                pct(0.99), sortedWork.back());
    std::printf(
        "  frame period              worst %.2f ms (target 16.67 ms), %td frames later than 20.67 ms\n",
        worstPeriod, late);
    std::printf("  baseline frame period     worst %.2f ms with no device (%.1f s): the scheduler's share of "
                "the above\n",
                baselineWorst, seconds / 4);
    std::printf("  last display text         \"%s\"\n", text);
    return 0;
}
