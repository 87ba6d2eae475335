#include "devices/simulators.hpp"

#include "devices/line_framer.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

namespace admix::devices {

using Clock = std::chrono::steady_clock;

// [SECTION] Line formats ---------------------------------------------------------------------------

namespace {

std::string fixed(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

std::string padLeft(std::string text, size_t width, char fill = ' ') {
    if (text.size() < width)
        text.insert(0, width - text.size(), fill);
    return text;
}

std::string padRight(std::string text, size_t width) {
    if (text.size() < width)
        text.append(width - text.size(), ' ');
    return text;
}

} // namespace

std::string formatBalanceLine(BalanceProtocolKind protocol, WeightStatus status, double grams, int decimals) {
    const std::string magnitude = fixed(std::fabs(grams), decimals);
    const bool negative = grams < 0 && magnitude.find_first_not_of("0.") != std::string::npos;
    switch (protocol) {
    case BalanceProtocolKind::MtSics:
        if (status == WeightStatus::Overload)
            return "S +";
        if (status == WeightStatus::Underload)
            return "S -";
        return std::string("S ") + (status == WeightStatus::Stable ? "S" : "D") + " " +
               padLeft((negative ? "-" : "") + magnitude, 10) + " g";
    case BalanceProtocolKind::Sbi:
        if (status == WeightStatus::Overload)
            return "      H       ";
        if (status == WeightStatus::Underload)
            return "      L       ";
        return std::string(1, negative ? '-' : '+') + " " + padLeft(magnitude, 8) + " " +
               (status == WeightStatus::Stable ? std::string("g  ") : std::string("   "));
    case BalanceProtocolKind::AandD:
        if (status == WeightStatus::Overload)
            return "OL,+9999999E+19";
        if (status == WeightStatus::Underload)
            return "OL,-9999999E+19";
        return std::string(status == WeightStatus::Stable ? "ST," : "US,") + (negative ? "-" : "+") +
               padLeft(magnitude, 8, '0') + "  g";
    case BalanceProtocolKind::Ohaus:
        if (status == WeightStatus::Overload || status == WeightStatus::Underload)
            return "ES"; // an Ohaus balance prints nothing it can vouch for; it refuses
        return padLeft((negative ? "-" : "") + magnitude, 10) + " g" +
               (status == WeightStatus::Stable ? "  " : " ?");
    case BalanceProtocolKind::HidPos:
        return {};
    }
    return {};
}

// [SECTION] BalanceSimulator -----------------------------------------------------------------------

namespace {

Status makePty(int& master, int& slave, std::string& path) {
    char name[128] = {};
    if (::openpty(&master, &slave, name, nullptr, nullptr) != 0)
        return Status::fail(std::string("openpty failed: ") + std::strerror(errno), "simulator");
    termios tio{};
    ::tcgetattr(slave, &tio);
    ::cfmakeraw(&tio);
    ::tcsetattr(slave, TCSANOW, &tio);
    ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave, F_SETFD, FD_CLOEXEC);
    path = name;
    return {};
}

} // namespace

BalanceSimulator::BalanceSimulator(BalanceSimulatorOptions options)
    : m_options(std::move(options)), m_grams(m_options.grams) {}

Result<std::unique_ptr<BalanceSimulator>> BalanceSimulator::start(BalanceSimulatorOptions options) {
    if (options.protocol == BalanceProtocolKind::HidPos)
        return Result<std::unique_ptr<BalanceSimulator>>::fail("a HID scale is not simulated on a pty",
                                                               "simulator");
    std::unique_ptr<BalanceSimulator> sim(new BalanceSimulator(std::move(options)));
    if (auto s = sim->openPty(); !s)
        return s.error();
    sim->m_streaming.store(sim->m_options.autoPrint);
    sim->m_thread = std::jthread([raw = sim.get()](std::stop_token stop) { raw->run(stop); });
    return Result<std::unique_ptr<BalanceSimulator>>(std::move(sim));
}

BalanceSimulator::~BalanceSimulator() {
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
    closePty();
}

std::string BalanceSimulator::path() const {
    if (!m_options.link.empty())
        return m_options.link.string();
    std::lock_guard lock(m_ptyMutex);
    return m_ptyPath;
}

Status BalanceSimulator::openPty() {
    std::lock_guard lock(m_ptyMutex);
    if (m_master >= 0)
        return {};
    if (auto s = makePty(m_master, m_slave, m_ptyPath); !s)
        return s;
    if (!m_options.link.empty()) {
        const auto tmp = m_options.link.string() + ".new";
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        std::filesystem::create_symlink(m_ptyPath, tmp, ec);
        if (!ec)
            std::filesystem::rename(tmp, m_options.link, ec);
        if (ec)
            return Status::fail("cannot create the link: " + ec.message(), m_options.link.string());
    }
    return {};
}

void BalanceSimulator::closePty() {
    std::lock_guard lock(m_ptyMutex);
    if (!m_options.link.empty()) {
        std::error_code ec;
        std::filesystem::remove(m_options.link, ec);
    }
    if (m_master >= 0)
        ::close(m_master);
    if (m_slave >= 0)
        ::close(m_slave);
    m_master = m_slave = -1;
}

void BalanceSimulator::unplug() {
    closePty();
    m_streaming.store(m_options.autoPrint);
}

Status BalanceSimulator::replug() {
    return openPty();
}

void BalanceSimulator::send(const std::string& line) {
    std::lock_guard lock(m_ptyMutex);
    if (m_master < 0)
        return;
    const std::string bytes = line + "\r\n";
    // Non-blocking: when nobody reads, the line is lost, as on a real wire.
    [[maybe_unused]] const ssize_t n = ::write(m_master, bytes.data(), bytes.size());
}

std::string BalanceSimulator::garbageLine() {
    // Deterministic noise (xorshift): binary bytes, a broken number, a foreign reply. Never CR or LF.
    m_rng ^= m_rng << 13;
    m_rng ^= m_rng >> 7;
    m_rng ^= m_rng << 17;
    switch (m_rng % 4) {
    case 0: {
        std::string s;
        for (int i = 0; i < 12; ++i) {
            char c = static_cast<char>((m_rng >> (i * 5)) & 0xff);
            if (c == '\r' || c == '\n')
                c = '\x7f';
            s.push_back(c);
        }
        return s;
    }
    case 1:
        return "S S    12.3.4 g";
    case 2:
        return "ST,+00O12.34  g";
    default:
        return "#~@!! 99999 ??";
    }
}

void BalanceSimulator::sendWeight(bool requireStable) {
    if (m_garbage.load()) {
        send(garbageLine());
        m_garbageLines.fetch_add(1);
    }
    const bool unstable = m_unstable.load();
    if (requireStable && unstable) {
        switch (m_options.protocol) {
        case BalanceProtocolKind::MtSics:
            send("S I");
            return;
        case BalanceProtocolKind::AandD:
            send("EC,E11");
            return;
        case BalanceProtocolKind::Ohaus:
            send("ES");
            return;
        case BalanceProtocolKind::Sbi:
        case BalanceProtocolKind::HidPos:
            break; // SBI prints what it has; the unit shows stability
        }
    }
    double grams = m_grams.load();
    WeightStatus status = unstable ? WeightStatus::Unstable : WeightStatus::Stable;
    if (unstable) {
        m_rng ^= m_rng << 13;
        m_rng ^= m_rng >> 7;
        m_rng ^= m_rng << 17;
        grams += (static_cast<double>(m_rng % 2001) - 1000.0) / 1000.0 * 0.5; // +/- 0.5 g of wobble
    }
    if (m_overload.load())
        status = WeightStatus::Overload;
    send(formatBalanceLine(m_options.protocol, status, grams, m_options.decimals));
    m_weightLines.fetch_add(1);
}

void BalanceSimulator::handleCommand(const std::string& raw) {
    m_commands.fetch_add(1);
    if (const int delay = m_delayMs.load(); delay > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    const std::string& c = raw;
    const bool unstable = m_unstable.load();
    switch (m_options.protocol) {
    case BalanceProtocolKind::MtSics:
        if (c == "S")
            return sendWeight(true);
        if (c == "SI")
            return sendWeight(false);
        if (c == "SIR") {
            if (m_refuseContinuous.load())
                return send("ES");
            m_streaming.store(true);
            return;
        }
        if (c == "Z") {
            if (unstable)
                return send("Z I");
            m_grams.store(0.0);
            return send("Z A");
        }
        if (c == "T") {
            if (unstable)
                return send("T I");
            const std::string tare = fixed(m_grams.load(), m_options.decimals);
            m_grams.store(0.0);
            return send("T S " + padLeft(tare, 10) + " g");
        }
        if (c == "@") {
            m_streaming.store(false);
            return send("I4 A \"" + m_options.serial + "\"");
        }
        if (c == "I2")
            return send("I2 A \"" + m_options.model + " 220.00 g\"");
        if (c == "I4")
            return send("I4 A \"" + m_options.serial + "\"");
        return send("ES");
    case BalanceProtocolKind::Sbi:
        if (c == "\x1bP")
            return sendWeight(false);
        if (c == "\x1bT" || c == "\x1bU" || c == "\x1bV") {
            if (!unstable)
                m_grams.store(0.0);
            return;
        }
        if (c == "\x1bx1_")
            return send(padRight(m_options.model, 14));
        if (c == "\x1bx2_")
            return send(padRight(m_options.serial, 14));
        return;
    case BalanceProtocolKind::AandD:
        if (c == "Q" || c == "SI")
            return sendWeight(false);
        if (c == "S")
            return sendWeight(true);
        if (c == "SIR") {
            if (m_refuseContinuous.load())
                return send("EC,E01");
            m_streaming.store(true);
            return;
        }
        if (c == "C") {
            m_streaming.store(false);
            return;
        }
        if (c == "R" || c == "Z" || c == "T") {
            if (unstable)
                return send("EC,E11");
            m_grams.store(0.0);
            return send("\x06");
        }
        if (c == "?TN")
            return send("TN,  " + m_options.model);
        if (c == "?SN")
            return send("SN," + m_options.serial);
        return send("EC,E1");
    case BalanceProtocolKind::Ohaus:
        if (c == "IP" || c == "P")
            return sendWeight(false);
        if (c == "SP")
            return sendWeight(true);
        if (c == "CP") {
            if (m_refuseContinuous.load())
                return send("ES");
            m_streaming.store(true);
            return;
        }
        if (c == "0P") {
            m_streaming.store(false);
            return;
        }
        if (c == "Z" || c == "T") {
            if (unstable)
                return send("ES");
            m_grams.store(0.0);
            return send("OK!");
        }
        if (c == "PSN")
            return send(m_options.serial);
        return send("ES");
    case BalanceProtocolKind::HidPos:
        return;
    }
}

void BalanceSimulator::run(std::stop_token stop) {
    LineFramer framer(64);
    auto nextStream = Clock::now();
    auto lastTick = Clock::now();
    const auto period = std::chrono::microseconds(1'000'000 / std::max(1, m_options.streamHz));
    while (!stop.stop_requested()) {
        int master = -1;
        {
            std::lock_guard lock(m_ptyMutex);
            master = m_master;
        }
        const auto now = Clock::now();
        if (const double drift = m_drift.load(); drift != 0.0)
            m_grams.store(m_grams.load() + drift * std::chrono::duration<double>(now - lastTick).count());
        lastTick = now;
        if (master < 0) {
            framer.reset();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        for (int burst = m_garbageBurst.exchange(0); burst > 0; --burst) {
            send(garbageLine());
            m_garbageLines.fetch_add(1);
        }
        if (m_streaming.load() && now >= nextStream) {
            sendWeight(false);
            nextStream = std::max(nextStream + period, now);
        }
        pollfd pfd{master, POLLIN, 0};
        if (::poll(&pfd, 1, 5) > 0 && (pfd.revents & POLLIN)) {
            char buffer[256];
            ssize_t n = -1;
            {
                std::lock_guard lock(m_ptyMutex);
                if (m_master == master)
                    n = ::read(m_master, buffer, sizeof buffer);
            }
            if (n > 0) {
                for (const auto& command : framer.feed(std::string_view(buffer, static_cast<size_t>(n))))
                    handleCommand(command);
            }
        }
    }
}

// [SECTION] ScannerSimulator -----------------------------------------------------------------------

Result<std::unique_ptr<ScannerSimulator>> ScannerSimulator::start(std::string terminator) {
    std::unique_ptr<ScannerSimulator> sim(new ScannerSimulator());
    if (auto s = makePty(sim->m_master, sim->m_slave, sim->m_path); !s)
        return s.error();
    sim->m_terminator = std::move(terminator);
    return Result<std::unique_ptr<ScannerSimulator>>(std::move(sim));
}

ScannerSimulator::~ScannerSimulator() {
    unplug();
}

void ScannerSimulator::unplug() {
    if (m_master >= 0)
        ::close(m_master);
    if (m_slave >= 0)
        ::close(m_slave);
    m_master = m_slave = -1;
}

Status ScannerSimulator::emitRaw(std::string_view bytes) {
    if (m_master < 0)
        return Status::fail("unplugged", "scanner simulator");
    // The master is non-blocking; the pty buffer holds far more than a scan.
    const ssize_t n = ::write(m_master, bytes.data(), bytes.size());
    if (n != static_cast<ssize_t>(bytes.size()))
        return Status::fail("short write to the pty", "scanner simulator");
    return {};
}

Status ScannerSimulator::emit(std::string_view data) {
    return emitRaw(std::string(data) + m_terminator);
}

// [SECTION] PrinterSimulator -----------------------------------------------------------------------

Result<std::unique_ptr<PrinterSimulator>> PrinterSimulator::start() {
    using R = Result<std::unique_ptr<PrinterSimulator>>;
    std::unique_ptr<PrinterSimulator> sim(new PrinterSimulator());
    sim->m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sim->m_listen < 0)
        return R::fail(std::string("socket: ") + std::strerror(errno), "printer simulator");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(sim->m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(sim->m_listen, 4) != 0)
        return R::fail(std::string("bind/listen: ") + std::strerror(errno), "printer simulator");
    socklen_t len = sizeof addr;
    ::getsockname(sim->m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
    sim->m_port = ntohs(addr.sin_port);
    sim->m_thread = std::jthread([raw = sim.get()](std::stop_token stop) { raw->run(stop); });
    return R(std::move(sim));
}

PrinterSimulator::~PrinterSimulator() {
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
    if (m_listen >= 0)
        ::close(m_listen);
}

std::vector<std::string> PrinterSimulator::formats() const {
    std::lock_guard lock(m_mutex);
    return m_formats;
}

void PrinterSimulator::run(std::stop_token stop) {
    while (!stop.stop_requested()) {
        pollfd pfd{m_listen, POLLIN, 0};
        if (::poll(&pfd, 1, 20) <= 0)
            continue;
        const int client = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0)
            continue;
        serve(client, stop);
        ::close(client);
    }
}

void PrinterSimulator::serve(int client, std::stop_token stop) {
    std::string pending;
    auto idleSince = Clock::now();
    while (!stop.stop_requested() && Clock::now() - idleSince < std::chrono::seconds(10)) {
        pollfd pfd{client, POLLIN, 0};
        if (::poll(&pfd, 1, 20) <= 0)
            continue;
        char buffer[4096];
        const ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0)
            return;
        idleSince = Clock::now();
        pending.append(buffer, static_cast<size_t>(n));
        for (;;) {
            const auto hs = pending.find("~HS");
            const auto xa = pending.find("^XA");
            if (hs != std::string::npos && (xa == std::string::npos || hs < xa)) {
                pending.erase(0, hs + 3);
                m_statusQueries.fetch_add(1);
                if (const int delay = m_delayMs.load(); delay > 0)
                    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
                if (m_headOpen.load() || m_paperOut.load())
                    continue; // like a real printer: no answer while media is out or the head is open
                size_t queued = 0;
                {
                    std::lock_guard lock(m_mutex);
                    queued = m_paused.load() ? m_formats.size() : 0;
                }
                char s1[64], s2[64];
                std::snprintf(s1, sizeof s1,
                              "\x02"
                              "030,%d,%d,1245,%03zu,0,0,0,000,0,0,0\x03\r\n",
                              m_paperOut.load() ? 1 : 0, m_paused.load() ? 1 : 0, queued);
                std::snprintf(s2, sizeof s2,
                              "\x02"
                              "001,0,%d,0,1,2,6,0,00000000,1,000\x03\r\n",
                              m_headOpen.load() ? 1 : 0);
                const std::string reply = std::string(s1) + s2 +
                                          "\x02"
                                          "1234,0\x03\r\n";
                [[maybe_unused]] const ssize_t w = ::write(client, reply.data(), reply.size());
                continue;
            }
            if (xa != std::string::npos) {
                const auto xz = pending.find("^XZ", xa);
                if (xz == std::string::npos)
                    break;
                std::lock_guard lock(m_mutex);
                m_formats.push_back(pending.substr(xa, xz + 3 - xa));
                pending.erase(0, xz + 3);
                continue;
            }
            break;
        }
    }
}

} // namespace admix::devices
