// admix devices list | scale read | scan | print | simulate balance|scanner|printer
// Devices come from [[devices]] tables in the config (--config, else the default config path) or in
// a file given with --devices; scale/scan/print also take a port or host directly.
#include "station/app/cli.hpp"

#include "devices/balance_device.hpp"
#include "devices/device_config.hpp"
#include "devices/device_manager.hpp"
#include "devices/hid_scale.hpp"
#include "devices/scanner.hpp"
#include "devices/simulators.hpp"
#include "devices/zpl_printer.hpp"
#include "formulas/text.hpp"
#include "formulas/time.hpp"
#include "station/app/config.hpp"

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace admix::app {

namespace {

using namespace admix::devices;
using namespace std::chrono_literals;

std::atomic<bool> g_interrupted{false};

void onSignal(int) {
    g_interrupted.store(true);
}

void catchSignals() {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
}

std::vector<DeviceConfig> loadDevices(const CliOptions& options, const std::string& devicesFile) {
    std::filesystem::path path = !devicesFile.empty()          ? std::filesystem::path(devicesFile)
                                 : !options.configPath.empty() ? std::filesystem::path(options.configPath)
                                                               : defaultConfigPath();
    std::ifstream in(path);
    if (!in) {
        if (devicesFile.empty() && options.configPath.empty())
            return {}; // no config: no declared devices
        throw CliFailure("cannot read " + path.string());
    }
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = parseDeviceConfigs(text.str(), path.string());
    if (!parsed)
        throw CliFailure(parsed.error().text());
    return std::move(parsed).value();
}

std::string isoMillis(std::chrono::system_clock::time_point t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
    std::string s = formatIsoUtc(secs);
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms));
    return s.substr(0, s.size() - 1) + frac + "Z";
}

nlohmann::json readingJson(const BalanceReading& r) {
    nlohmann::json j = {{"status", std::string(weightStatusName(r.status))},
                        {"at", isoMillis(r.at)},
                        {"model", r.identity.model},
                        {"serial", r.identity.serial},
                        {"device", r.identity.device},
                        {"raw", r.raw}};
    if (r.status == WeightStatus::Stable || r.status == WeightStatus::Unstable) {
        j["value"] = r.value;
        j["unit"] = std::string(massUnitSymbol(r.unit));
        j["resolution_mg"] = r.displayedResolution().inMg();
    }
    if (const auto m = r.stableMass())
        j["grams"] = m->inG();
    return j;
}

SerialSettings serialSettings(int baud, const std::string& parity, int dataBits, int stopBits) {
    SerialSettings s;
    s.baud = baud;
    const auto p = parseParity(parity);
    if (!p)
        throw CLI::ValidationError("--parity", "must be none, even or odd");
    s.parity = *p;
    s.dataBits = dataBits;
    s.stopBits = stopBits;
    return s;
}

struct LineArgs {
    std::string port;
    int baud = 9600;
    std::string parity = "none";
    int dataBits = 8;
    int stopBits = 1;
};

void addLineOptions(CLI::App* cmd, LineArgs& a) {
    cmd->add_option("--baud", a.baud, "Baud rate")
        ->check(CLI::IsMember({1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400}));
    cmd->add_option("--parity", a.parity, "none, even or odd");
    cmd->add_option("--data-bits", a.dataBits, "7 or 8")->check(CLI::Range(7, 8));
    cmd->add_option("--stop-bits", a.stopBits, "1 or 2")->check(CLI::Range(1, 2));
}

// [SECTION] devices list ---------------------------------------------------------------------------

void registerDevicesCommands(CLI::App& app, CliOptions& options) {
    auto* devicesCmd = app.add_subcommand("devices", "Balances, scanners and label printers");
    devicesCmd->require_subcommand(1);
    auto* list = devicesCmd->add_subcommand(
        "list", "Declared devices and what is plugged in (serial ports by id, USB)");
    static std::string devicesFile;
    list->add_option("--devices", devicesFile, "A TOML file with [[devices]] tables (default: the config)");
    list->callback([&options] {
        const auto configs = loadDevices(options, devicesFile);
        nlohmann::json declared = nlohmann::json::array();
        for (const auto& c : configs) {
            nlohmann::json d = {{"name", c.name},
                                {"kind", std::string(deviceKindName(c.kind))},
                                {"transport", std::string(deviceTransportName(c.transport))}};
            if (!c.port.empty())
                d["port"] = c.port;
            if (c.kind == DeviceKind::Balance)
                d["protocol"] = std::string(balanceProtocolName(c.protocol));
            if (c.transport == DeviceTransport::Serial)
                d["serial"] = {{"baud", c.serial.baud},
                               {"parity", std::string(parityName(c.serial.parity))},
                               {"data_bits", c.serial.dataBits},
                               {"stop_bits", c.serial.stopBits}};
            if (c.transport == DeviceTransport::Tcp)
                d["host"] = c.host + ":" + std::to_string(c.tcpPort);
            if (!c.path.empty())
                d["path"] = c.path;
            if (c.transport == DeviceTransport::UsbHid) {
                char id[16];
                std::snprintf(id, sizeof id, "%04x:%04x", c.usbVendor, c.usbProduct);
                d["usb"] = id;
            }
            d["present"] = c.transport == DeviceTransport::Serial || c.transport == DeviceTransport::Evdev
                               ? nlohmann::json(std::filesystem::exists(c.port))
                           : c.transport == DeviceTransport::UsbLp
                               ? nlohmann::json(std::filesystem::exists(c.path))
                               : nlohmann::json(nullptr);
            declared.push_back(d);
        }
        nlohmann::json serial = nlohmann::json::array();
        for (const auto& p : listSerialPortsById())
            serial.push_back(p.string());
        nlohmann::json usb = nlohmann::json::array();
        std::string usbError;
        if (auto found = listUsbDevices()) {
            for (const auto& u : *found) {
                char id[16];
                std::snprintf(id, sizeof id, "%04x:%04x", u.vendor, u.product);
                usb.push_back({{"id", id}, {"bus", u.bus}, {"address", u.address}, {"hid", u.hid}});
            }
        } else {
            usbError = found.error().text();
        }
        if (options.json) {
            nlohmann::json out = {{"declared", declared}, {"serial_by_id", serial}, {"usb", usb}};
            if (!usbError.empty())
                out["usb_error"] = usbError;
            printJson(out);
            return;
        }
        std::cout << "declared devices: " << declared.size() << '\n';
        for (const auto& d : declared)
            std::cout << "  " << d["name"].get<std::string>() << "  " << d["kind"].get<std::string>() << "  "
                      << d["transport"].get<std::string>()
                      << (d.contains("port") ? "  " + d["port"].get<std::string>() : "") << '\n';
        std::cout << "serial ports by id: " << serial.size() << '\n';
        for (const auto& s : serial)
            std::cout << "  " << s.get<std::string>() << '\n';
        std::cout << "USB devices: " << (usbError.empty() ? std::to_string(usb.size()) : usbError) << '\n';
        for (const auto& u : usb)
            std::cout << "  " << u["id"].get<std::string>() << (u["hid"].get<bool>() ? "  HID" : "") << '\n';
    });

    // [SECTION] scale read -------------------------------------------------------------------------
    auto* scale = app.add_subcommand("scale", "Read a balance");
    scale->require_subcommand(1);
    auto* read = scale->add_subcommand("read", "Print one reading (the first stable one with --stable)");
    static LineArgs line;
    static std::string protocol = "mt-sics", usb;
    static bool wantStable = false;
    static double timeoutSeconds = 10.0;
    read->add_option("--port", line.port, "Serial port (e.g. /dev/serial/by-id/..., /dev/ttyUSB0, a pty)");
    read->add_option("--protocol", protocol, "mt-sics, sbi, and or ohaus");
    read->add_option("--usb", usb, "A USB HID POS scale, VID:PID in hex (instead of --port)");
    read->add_flag("--stable", wantStable, "Wait for a stable reading");
    read->add_option("--timeout", timeoutSeconds, "Seconds to wait")->check(CLI::Range(0.1, 600.0));
    addLineOptions(read, line);
    read->callback([&options] {
        if (line.port.empty() == usb.empty())
            throw CLI::ValidationError("scale read", "give either --port or --usb");
        BalanceOptions bo;
        bo.name = line.port.empty() ? usb : line.port;
        std::unique_ptr<BalanceDevice> balance;
        if (!usb.empty()) {
            const auto id = parseUsbId(usb);
            if (!id)
                throw CLI::ValidationError("--usb", "VID:PID in hex, e.g. 0922:8003");
            balance = std::make_unique<HidScaleBalance>(bo, *id);
        } else {
            const auto kind = parseBalanceProtocol(protocol);
            if (!kind || *kind == BalanceProtocolKind::HidPos)
                throw CLI::ValidationError("--protocol", "mt-sics, sbi, and or ohaus");
            balance = std::make_unique<LineBalance>(
                bo, *kind, line.port, serialSettings(line.baud, line.parity, line.dataBits, line.stopBits));
        }
        balance->start();
        const auto deadline = std::chrono::steady_clock::now() +
                              std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(timeoutSeconds));
        std::optional<BalanceReading> reading;
        while (!reading && std::chrono::steady_clock::now() < deadline) {
            for (const auto& e : balance->drainEvents()) {
                if (e.kind == BalanceEvent::Kind::Reading && (!wantStable || e.reading->stable())) {
                    reading = e.reading;
                    break;
                }
            }
            std::this_thread::sleep_for(10ms);
        }
        const auto snap = balance->snapshot();
        balance->stop();
        if (!reading) {
            std::string why = wantStable ? "no stable reading" : "no reading";
            why += " within " + std::to_string(timeoutSeconds).substr(0, 4) + " s";
            if (snap->status.state == ConnectionState::Error)
                why += ": " + snap->status.detail;
            else if (snap->latest)
                why += " (last: " + std::string(weightStatusName(snap->latest->status)) + ")";
            throw CliFailure(why);
        }
        if (options.json) {
            auto j = readingJson(*reading);
            j["rejected_lines"] = snap->rejectedLines;
            printJson(j);
        } else if (reading->status == WeightStatus::Overload || reading->status == WeightStatus::Underload) {
            std::cout << weightStatusName(reading->status) << '\n';
        } else {
            std::cout << reading->value << ' ' << massUnitSymbol(reading->unit) << "  "
                      << weightStatusName(reading->status)
                      << (reading->identity.model.empty() ? "" : "  " + reading->identity.model)
                      << (reading->identity.serial.empty() ? "" : "  S/N " + reading->identity.serial)
                      << '\n';
        }
    });

    // [SECTION] scan -------------------------------------------------------------------------------
    auto* scan = app.add_subcommand("scan", "Print each scan of a barcode scanner until interrupted");
    static LineArgs scanLine;
    static std::string evdev;
    static int count = 0;
    static double scanSeconds = 0;
    scan->add_option("--port", scanLine.port, "Serial / USB-CDC scanner port");
    scan->add_option("--evdev", evdev, "Keyboard-wedge scanner input device (grabbed while reading)");
    scan->add_option("--count", count, "Stop after this many scans")->check(CLI::Range(1, 1000000));
    scan->add_option("--seconds", scanSeconds, "Stop after this many seconds")
        ->check(CLI::Range(0.1, 86400.0));
    addLineOptions(scan, scanLine);
    scan->callback([&options] {
        if (scanLine.port.empty() == evdev.empty())
            throw CLI::ValidationError("scan", "give either --port or --evdev");
        std::unique_ptr<ScannerDevice> scanner;
        if (!evdev.empty())
            scanner = std::make_unique<EvdevScanner>(evdev, evdev);
        else
            scanner = std::make_unique<SerialScanner>(
                scanLine.port, scanLine.port,
                serialSettings(scanLine.baud, scanLine.parity, scanLine.dataBits, scanLine.stopBits));
        catchSignals();
        scanner->start();
        const auto start = std::chrono::steady_clock::now();
        int printed = 0;
        std::string lastError;
        while (!g_interrupted.load() && (count == 0 || printed < count) &&
               (scanSeconds <= 0 ||
                std::chrono::steady_clock::now() - start < std::chrono::duration<double>(scanSeconds))) {
            for (const auto& s : scanner->drainScans()) {
                if (options.json)
                    printJson({{"data", s.data},
                               {"aim", s.aim},
                               {"gs1_separators_missing", s.gs1SeparatorsMissing},
                               {"at", isoMillis(s.at)},
                               {"source", s.source}});
                else
                    std::cout << formulas::printable(s.data)
                              << (s.gs1SeparatorsMissing ? "  (GS1 separators missing: rescan)" : "") << '\n';
                std::cout.flush();
                ++printed;
            }
            const auto st = scanner->snapshot()->status;
            if (st.state == ConnectionState::Error && st.detail != lastError) {
                std::cerr << "admix: " << st.detail << '\n';
                lastError = st.detail;
            }
            std::this_thread::sleep_for(10ms);
        }
        scanner->stop();
    });

    // [SECTION] print ------------------------------------------------------------------------------
    auto* print = app.add_subcommand(
        "print", "Send a ZPL label to a printer; succeeds only when the printer accepted it");
    static std::string device, file, host, lp, outFile, printDevicesFile;
    static int tcpPort = 9100;
    static bool noStatus = false;
    print->add_option("FILE", file, "ZPL file")->required();
    print->add_option("--device", device, "A printer declared in the config");
    print->add_option("--devices", printDevicesFile,
                      "A TOML file with [[devices]] tables (default: the config)");
    print->add_option("--host", host, "Printer host (raw TCP)");
    print->add_option("--tcp-port", tcpPort, "Printer TCP port")->check(CLI::Range(1, 65535));
    print->add_option("--port", lp, "USB printer class device, e.g. /dev/usb/lp0");
    print->add_option("--to-file", outFile, "Write the label to a file instead");
    print->add_flag("--no-status", noStatus, "The printer does not answer ~HS: do not wait for it");
    print->callback([&options] {
        const std::string zplText = readWholeFile(file);
        PrinterConfig pc;
        const int given = !device.empty() + !host.empty() + !lp.empty() + !outFile.empty();
        if (given != 1)
            throw CLI::ValidationError("print", "give exactly one of --device, --host, --port, --to-file");
        if (!device.empty()) {
            const auto configs = loadDevices(options, printDevicesFile);
            const auto it = std::find_if(configs.begin(), configs.end(),
                                         [](const DeviceConfig& c) { return c.name == device; });
            if (it == configs.end() || it->kind != DeviceKind::Printer)
                throw CliFailure("no printer named \"" + device + "\" in the config");
            pc.name = it->name;
            pc.queryStatus = it->queryStatus;
            switch (it->transport) {
            case DeviceTransport::Tcp:
                pc.transport = PrinterTransport::Tcp, pc.host = it->host, pc.port = it->tcpPort;
                break;
            case DeviceTransport::UsbLp:
                pc.transport = PrinterTransport::UsbLp, pc.path = it->path;
                break;
            case DeviceTransport::File:
                pc.transport = PrinterTransport::File, pc.path = it->path;
                break;
            case DeviceTransport::Serial:
            case DeviceTransport::UsbHid:
            case DeviceTransport::Evdev:
            case DeviceTransport::Simulated:
                throw CliFailure("printer \"" + device + "\" is not reachable from the command line");
            }
        } else if (!host.empty()) {
            pc.name = host;
            pc.host = host;
            pc.port = tcpPort;
        } else if (!lp.empty()) {
            pc.name = lp;
            pc.transport = PrinterTransport::UsbLp;
            pc.path = lp;
        } else {
            pc.name = outFile;
            pc.transport = PrinterTransport::File;
            pc.path = outFile;
        }
        if (noStatus)
            pc.queryStatus = false;
        const auto r = LabelPrinter(pc).print(zplText);
        if (!r)
            throw CliFailure(r.error().text());
        if (options.json)
            printJson({{"printer", pc.name},
                       {"bytes", r->bytes},
                       {"confirmed", r->statusConfirmed},
                       {"detail", r->detail}});
        else
            std::cout << "printed on " << pc.name << ": " << r->detail << '\n';
    });

    // [SECTION] simulate ---------------------------------------------------------------------------
    auto* simulate =
        app.add_subcommand("simulate", "Run a simulated device until interrupted (for trying the commands)");
    simulate->require_subcommand(1);
    auto* simBalance = simulate->add_subcommand("balance", "A balance on a pseudo-terminal; prints its path");
    static std::string simProtocol = "mt-sics", simLink;
    static double simGrams = 12.34, simSeconds = 0, simDrift = 0;
    static bool simUnstable = false, simGarbage = false, simOverload = false, simAutoPrint = false;
    simBalance->add_option("--protocol", simProtocol, "mt-sics, sbi, and or ohaus");
    simBalance->add_option("--grams", simGrams, "The load on the pan");
    simBalance->add_option("--link", simLink, "Also make a stable symbolic link at this path");
    simBalance->add_option("--seconds", simSeconds, "Stop after this many seconds");
    simBalance->add_option("--drift", simDrift, "Drift in grams per second");
    simBalance->add_flag("--unstable", simUnstable, "Never settle");
    simBalance->add_flag("--garbage", simGarbage, "A garbage line before every reading");
    simBalance->add_flag("--overload", simOverload, "Report overload");
    simBalance->add_flag("--auto-print", simAutoPrint, "Stream without being asked");
    simBalance->callback([&options] {
        const auto kind = parseBalanceProtocol(simProtocol);
        if (!kind || *kind == BalanceProtocolKind::HidPos)
            throw CLI::ValidationError("--protocol", "mt-sics, sbi, and or ohaus");
        BalanceSimulatorOptions so;
        so.protocol = *kind;
        so.grams = simGrams;
        so.link = simLink;
        so.autoPrint = simAutoPrint;
        auto sim = BalanceSimulator::start(so);
        if (!sim)
            throw CliFailure(sim.error().text());
        sim.value()->setUnstable(simUnstable);
        sim.value()->setGarbage(simGarbage);
        sim.value()->setOverload(simOverload);
        sim.value()->setDrift(simDrift);
        if (options.json)
            printJson({{"path", sim.value()->path()}, {"protocol", simProtocol}});
        else
            std::cout << sim.value()->path() << "\ntry: admix scale read --port " << sim.value()->path()
                      << " --protocol " << simProtocol << "\n";
        std::cout.flush();
        catchSignals();
        const auto start = std::chrono::steady_clock::now();
        while (!g_interrupted.load() && (simSeconds <= 0 || std::chrono::steady_clock::now() - start <
                                                                std::chrono::duration<double>(simSeconds)))
            std::this_thread::sleep_for(50ms);
    });
    auto* simPrinter = simulate->add_subcommand("printer", "A ZPL printer on 127.0.0.1; prints its port");
    static double printerSeconds = 0;
    simPrinter->add_option("--seconds", printerSeconds, "Stop after this many seconds");
    simPrinter->callback([&options] {
        auto sim = PrinterSimulator::start();
        if (!sim)
            throw CliFailure(sim.error().text());
        if (options.json)
            printJson({{"host", "127.0.0.1"}, {"port", sim.value()->port()}});
        else
            std::cout << "127.0.0.1:" << sim.value()->port()
                      << "\ntry: admix print --host 127.0.0.1 --tcp-port " << sim.value()->port()
                      << " label.zpl\n";
        std::cout.flush();
        catchSignals();
        const auto start = std::chrono::steady_clock::now();
        size_t shown = 0;
        while (!g_interrupted.load() &&
               (printerSeconds <= 0 ||
                std::chrono::steady_clock::now() - start < std::chrono::duration<double>(printerSeconds))) {
            const auto formats = sim.value()->formats();
            for (; shown < formats.size(); ++shown)
                std::cerr << "received label " << shown + 1 << " (" << formats[shown].size() << " bytes)\n";
            std::this_thread::sleep_for(50ms);
        }
    });
    auto* simScanner = simulate->add_subcommand(
        "scanner", "A serial scanner on a pseudo-terminal: each stdin line becomes a scan ({GS} for GS)");
    simScanner->callback([&options] {
        auto sim = ScannerSimulator::start("\r\n");
        if (!sim)
            throw CliFailure(sim.error().text());
        if (options.json)
            printJson({{"path", sim.value()->path()}});
        else
            std::cout << sim.value()->path() << "\ntry: admix scan --port " << sim.value()->path()
                      << " --json\n";
        std::cout.flush();
        std::string text;
        while (std::getline(std::cin, text)) {
            for (size_t pos; (pos = text.find("{GS}")) != std::string::npos;)
                text.replace(pos, 4, "\x1d");
            if (auto s = sim.value()->emit(text); !s)
                throw CliFailure(s.error().text());
        }
    });
}

const CommandRegistration kDevices(50, registerDevicesCommands);

} // namespace

} // namespace admix::app
