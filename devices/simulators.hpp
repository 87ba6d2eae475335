// Simulated devices for demo mode and the tests, with fault injection. They speak the real protocols
// over the real transports: the balance and scanner simulators own a pseudo-terminal (openpty) whose
// path the real SerialPort opens; the printer simulator is a ZPL printer on a loopback TCP port.
// Each simulator runs one thread, owns its descriptors, stops in its destructor, and is controlled
// from any thread through atomic setters. Setup failures are Error values.
#pragma once

#include "devices/balance.hpp"
#include "formulas/result.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace admix::devices {

// Formats one weight line the way the protocol's balance prints it (without CR LF); shared by the
// simulator and the tests' round trips.
[[nodiscard]] std::string formatBalanceLine(BalanceProtocolKind protocol, WeightStatus status, double grams,
                                            int decimals);

struct BalanceSimulatorOptions {
    BalanceProtocolKind protocol = BalanceProtocolKind::MtSics;
    double grams = 0.0;
    int decimals = 2;
    int streamHz = 20;      // rate of SIR/CP streaming (and of SBI auto-print when autoPrint)
    bool autoPrint = false; // stream without being asked (SBI/Ohaus auto-print)
    std::string model = "SIM-220";
    std::string serial = "SIM0001";
    // If set, a symbolic link at this path points at the current pty, like /dev/serial/by-id: it
    // disappears on unplug() and comes back on replug() (the pty itself gets a new number).
    std::filesystem::path link;
};

class BalanceSimulator {
public:
    [[nodiscard]] static Result<std::unique_ptr<BalanceSimulator>> start(BalanceSimulatorOptions options);
    ~BalanceSimulator();
    BalanceSimulator(const BalanceSimulator&) = delete;
    BalanceSimulator& operator=(const BalanceSimulator&) = delete;

    // The path a client opens: the link if configured, else the pty's /dev/pts/N.
    [[nodiscard]] std::string path() const;

    void setLoad(double grams) { m_grams.store(grams); }
    void setUnstable(bool on) { m_unstable.store(on); }
    void setOverload(bool on) { m_overload.store(on); }
    void setDrift(double gramsPerSecond) { m_drift.store(gramsPerSecond); }
    void setGarbage(bool on) { m_garbage.store(on); } // a garbage line between every weight line
    void injectGarbage(int lines) { m_garbageBurst.fetch_add(lines); }
    void setReplyDelay(std::chrono::milliseconds delay) { m_delayMs.store(static_cast<int>(delay.count())); }
    // A balance with streaming disabled in its menu: the continuous-output request (SIR, CP) is
    // answered with the protocol's error (MT-SICS "ES", A&D "EC,E01", Ohaus "ES") and nothing streams.
    void setContinuousRefused(bool on) { m_refuseContinuous.store(on); }
    // Unplug: the pty is closed (the client sees a hang-up) and the link removed. Replug: a new pty.
    void unplug();
    Status replug();

    [[nodiscard]] uint64_t weightLinesSent() const { return m_weightLines.load(); }
    [[nodiscard]] uint64_t garbageLinesSent() const { return m_garbageLines.load(); }
    [[nodiscard]] uint64_t commandsReceived() const { return m_commands.load(); }
    [[nodiscard]] double load() const { return m_grams.load(); }
    [[nodiscard]] bool streaming() const { return m_streaming.load(); }

private:
    explicit BalanceSimulator(BalanceSimulatorOptions options);
    Status openPty();
    void closePty();
    void run(std::stop_token stop);
    void handleCommand(const std::string& command);
    void send(const std::string& line);
    void sendWeight(bool requireStable);
    std::string garbageLine();

    BalanceSimulatorOptions m_options;
    mutable std::mutex m_ptyMutex; // guards the descriptors and path against unplug/replug
    int m_master = -1;
    int m_slave = -1;
    std::string m_ptyPath;
    std::atomic<double> m_grams;
    std::atomic<bool> m_unstable{false};
    std::atomic<bool> m_overload{false};
    std::atomic<double> m_drift{0.0};
    std::atomic<bool> m_garbage{false};
    std::atomic<int> m_garbageBurst{0};
    std::atomic<int> m_delayMs{0};
    std::atomic<bool> m_streaming{false};
    std::atomic<bool> m_refuseContinuous{false};
    std::atomic<uint64_t> m_weightLines{0};
    std::atomic<uint64_t> m_garbageLines{0};
    std::atomic<uint64_t> m_commands{0};
    uint64_t m_rng = 0x9e3779b97f4a7c15ULL;
    std::jthread m_thread;
};

// A serial barcode scanner on a pty: emit() sends one scan with its terminator, bytes intact.
class ScannerSimulator {
public:
    [[nodiscard]] static Result<std::unique_ptr<ScannerSimulator>> start(std::string terminator = "\r\n");
    ~ScannerSimulator();
    ScannerSimulator(const ScannerSimulator&) = delete;
    ScannerSimulator& operator=(const ScannerSimulator&) = delete;
    [[nodiscard]] const std::string& path() const { return m_path; }
    Status emit(std::string_view data);
    Status emitRaw(std::string_view bytes); // garbage or partial scans
    void unplug();

private:
    ScannerSimulator() = default;
    int m_master = -1;
    int m_slave = -1;
    std::string m_path;
    std::string m_terminator;
};

// A ZPL printer on 127.0.0.1: keeps every job it receives, answers ~HS with its flags, and can be
// told to run out of paper, open its head (then, like a real one, it does not answer ~HS), pause,
// or answer slowly.
class PrinterSimulator {
public:
    [[nodiscard]] static Result<std::unique_ptr<PrinterSimulator>> start();
    ~PrinterSimulator();
    PrinterSimulator(const PrinterSimulator&) = delete;
    PrinterSimulator& operator=(const PrinterSimulator&) = delete;
    [[nodiscard]] int port() const { return m_port; }
    void setPaperOut(bool on) { m_paperOut.store(on); }
    void setHeadOpen(bool on) { m_headOpen.store(on); }
    void setPaused(bool on) { m_paused.store(on); }
    void setReplyDelay(std::chrono::milliseconds delay) { m_delayMs.store(static_cast<int>(delay.count())); }
    // Every label format (^XA ... ^XZ) received, in order.
    [[nodiscard]] std::vector<std::string> formats() const;
    [[nodiscard]] uint64_t statusQueries() const { return m_statusQueries.load(); }

private:
    PrinterSimulator() = default;
    void run(std::stop_token stop);
    void serve(int client, std::stop_token stop);

    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_paperOut{false};
    std::atomic<bool> m_headOpen{false};
    std::atomic<bool> m_paused{false};
    std::atomic<int> m_delayMs{0};
    std::atomic<uint64_t> m_statusQueries{0};
    mutable std::mutex m_mutex;
    std::vector<std::string> m_formats;
    std::jthread m_thread;
};

} // namespace admix::devices
