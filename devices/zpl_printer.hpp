// Label printers speaking ZPL II: over raw TCP (port 9100), the USB printer class (the kernel's
// /dev/usb/lpN), or to a file. A print is done only when the printer accepted it: over TCP the printer
// must answer a host status query (~HS) after the job with no error flag set; a file is fsynced.
// parseHostStatus is pure. LabelPrinter calls block (connect, send, wait for status) and belong on a
// worker thread: PrintQueue runs them on its own thread and reports each job as an event.
#pragma once

#include "devices/channel.hpp"
#include "devices/device_state.hpp"
#include "formulas/result.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

namespace admix::devices {

// The three ~HS strings (ZPL II Programming Guide, ~HS Host Status Return).
struct ZplHostStatus {
    bool paperOut = false;
    bool paused = false;
    int labelLengthDots = 0;
    int formatsInBuffer = 0;
    bool bufferFull = false;
    bool diagnosticMode = false;
    bool partialFormat = false;
    bool corruptRam = false;
    bool underTemperature = false;
    bool overTemperature = false;
    bool headUp = false;
    bool ribbonOut = false;
    bool thermalTransfer = false;
    int printMode = 0;
    bool labelWaiting = false;
    long labelsRemaining = 0;

    // What stops the printer from printing, in words; empty when it can print.
    [[nodiscard]] std::string problems() const;
};

// Parses the reply to ~HS: three <STX>...<ETX><CR><LF> strings. Bytes before the first STX are ignored.
[[nodiscard]] Result<ZplHostStatus> parseHostStatus(std::string_view reply);

enum class PrinterTransport { Tcp, UsbLp, File };

struct PrinterConfig {
    std::string name = "printer";
    PrinterTransport transport = PrinterTransport::Tcp;
    std::string host = "127.0.0.1";
    int port = 9100;
    std::string path;        // /dev/usb/lp0 or an output file
    bool queryStatus = true; // ~HS after each job (TCP); a printer that never answers: set false
    std::chrono::milliseconds timeout{5000};
};

struct PrintReceipt {
    size_t bytes = 0;
    bool statusConfirmed = false; // the printer answered ~HS after the job with no error
    std::string detail;
};

class LabelPrinter {
public:
    explicit LabelPrinter(PrinterConfig config) : m_config(std::move(config)) {}
    // Sends one job; blocks up to the timeout (twice for TCP with status). Not for the UI thread.
    [[nodiscard]] Result<PrintReceipt> print(std::string_view zpl) const;
    // ~HS alone (TCP only).
    [[nodiscard]] Result<ZplHostStatus> hostStatus() const;
    // Asks the printer whether it could print now, without printing: over TCP it connects and, unless
    // the printer does not report status, reads ~HS and fails on paper out, head open, ribbon out or a
    // pause; a USB printer's device must open for writing; a file's folder must be writable. Returns
    // what was found, in words. Blocks up to the timeout, like print().
    [[nodiscard]] Result<std::string> probe() const;
    [[nodiscard]] const PrinterConfig& config() const { return m_config; }

private:
    PrinterConfig m_config;
};

struct PrintEvent {
    uint64_t job = 0;
    bool ok = false;
    std::string detail;
};

// Runs print jobs on one worker thread; submit() never blocks; results come back as events.
class PrintQueue {
public:
    explicit PrintQueue(PrinterConfig config);
    ~PrintQueue();
    PrintQueue(const PrintQueue&) = delete;
    PrintQueue& operator=(const PrintQueue&) = delete;
    uint64_t submit(std::string zpl);
    [[nodiscard]] std::vector<PrintEvent> drainEvents() { return m_events.drain(); }
    [[nodiscard]] std::shared_ptr<const DeviceStatus> status() const { return m_status.load(); }
    // LabelPrinter::probe on the calling thread (it blocks; the queue's own status says only what the
    // last job found, and "idle" before the first).
    [[nodiscard]] Result<std::string> probe() const { return m_printer.probe(); }

private:
    void run(std::stop_token stop);
    LabelPrinter m_printer;
    std::mutex m_mutex;
    std::condition_variable_any m_cv;
    std::deque<std::pair<uint64_t, std::string>> m_jobs;
    uint64_t m_nextJob = 1;
    EventQueue<PrintEvent> m_events;
    SnapshotCell<DeviceStatus> m_status;
    std::jthread m_thread;
};

} // namespace admix::devices
