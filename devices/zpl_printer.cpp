#include "devices/zpl_printer.hpp"

#include "devices/serial_port.hpp"
#include "formulas/text.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace admix::devices {

// [SECTION] ~HS ------------------------------------------------------------------------------------

std::string ZplHostStatus::problems() const {
    std::string out;
    const auto add = [&out](bool flag, const char* text) {
        if (flag)
            out += (out.empty() ? "" : ", ") + std::string(text);
    };
    add(paperOut, "paper out");
    add(headUp, "print head open");
    add(ribbonOut, "ribbon out");
    add(paused, "paused");
    add(bufferFull, "receive buffer full");
    add(corruptRam, "configuration lost (corrupt RAM)");
    add(overTemperature, "head over temperature");
    add(underTemperature, "head under temperature");
    return out;
}

namespace {

std::optional<long> number(std::string_view s) {
    long v = 0;
    if (s.empty() || s.size() > 9)
        return std::nullopt;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0)
        return std::nullopt;
    return v;
}

std::optional<bool> flag(std::string_view s) {
    if (s == "0")
        return false;
    if (s == "1")
        return true;
    return std::nullopt;
}

} // namespace

Result<ZplHostStatus> parseHostStatus(std::string_view reply) {
    using R = Result<ZplHostStatus>;
    std::vector<std::string_view> strings;
    size_t pos = 0;
    while (strings.size() < 3) {
        const auto stx = reply.find('\x02', pos);
        if (stx == std::string_view::npos)
            break;
        const auto etx = reply.find('\x03', stx + 1);
        if (etx == std::string_view::npos)
            return R::fail("a status string without its end (ETX)", "~HS reply");
        strings.push_back(reply.substr(stx + 1, etx - stx - 1));
        pos = etx + 1;
    }
    if (strings.size() < 2)
        return R::fail("expected three status strings, got " + std::to_string(strings.size()), "~HS reply");
    const auto s1 = formulas::split(strings[0], ',');
    const auto s2 = formulas::split(strings[1], ',');
    if (s1.size() != 12)
        return R::fail("string 1 has " + std::to_string(s1.size()) + " fields, not 12", "~HS reply");
    if (s2.size() != 11)
        return R::fail("string 2 has " + std::to_string(s2.size()) + " fields, not 11", "~HS reply");
    ZplHostStatus st;
    const auto f = [&](std::string_view text, bool& out, const char* name) -> std::optional<Error> {
        const auto v = flag(text);
        if (!v)
            return Error{std::string(name) + " is not 0 or 1", "~HS reply"};
        out = *v;
        return std::nullopt;
    };
    const auto n = [&](std::string_view text, auto& out, const char* name) -> std::optional<Error> {
        const auto v = number(text);
        if (!v)
            return Error{std::string(name) + " is not a number", "~HS reply"};
        out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
        return std::nullopt;
    };
    int unusedInt = 0;
    bool unusedFlag = false;
    for (const auto& e : {n(s1[0], unusedInt, "interface settings"),
                          f(s1[1], st.paperOut, "paper out flag"),
                          f(s1[2], st.paused, "pause flag"),
                          n(s1[3], st.labelLengthDots, "label length"),
                          n(s1[4], st.formatsInBuffer, "formats in buffer"),
                          f(s1[5], st.bufferFull, "buffer full flag"),
                          f(s1[6], st.diagnosticMode, "diagnostic mode flag"),
                          f(s1[7], st.partialFormat, "partial format flag"),
                          n(s1[8], unusedInt, "unused field"),
                          f(s1[9], st.corruptRam, "corrupt RAM flag"),
                          f(s1[10], st.underTemperature, "under temperature flag"),
                          f(s1[11], st.overTemperature, "over temperature flag"),
                          n(s2[0], unusedInt, "function settings"),
                          f(s2[1], unusedFlag, "unused flag"),
                          f(s2[2], st.headUp, "head up flag"),
                          f(s2[3], st.ribbonOut, "ribbon out flag"),
                          f(s2[4], st.thermalTransfer, "thermal transfer flag"),
                          n(s2[5], st.printMode, "print mode"),
                          n(s2[6], unusedInt, "print width mode"),
                          f(s2[7], st.labelWaiting, "label waiting flag"),
                          n(s2[8], st.labelsRemaining, "labels remaining"),
                          f(s2[9], unusedFlag, "format while printing flag"),
                          n(s2[10], unusedInt, "graphics stored")}) {
        if (e)
            return *e;
    }
    return st;
}

// [SECTION] Transports -----------------------------------------------------------------------------

namespace {

struct FdCloser {
    int fd = -1;
    ~FdCloser() {
        if (fd >= 0)
            ::close(fd);
    }
};

Result<int> connectTcp(const std::string& host, int port, std::chrono::milliseconds timeout,
                       const std::string& where) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
        return Result<int>::fail(std::string("unknown printer host: ") + ::gai_strerror(rc), where);
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, ::freeaddrinfo);
    std::string last = "no address";
    for (auto* a = list.get(); a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            return fd;
        if (errno == EINPROGRESS) {
            pollfd pfd{fd, POLLOUT, 0};
            if (::poll(&pfd, 1, static_cast<int>(timeout.count())) == 1) {
                int err = 0;
                socklen_t len = sizeof err;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err == 0)
                    return fd;
                last = std::strerror(err);
            } else {
                last = "connection timed out";
            }
        } else {
            last = std::strerror(errno);
        }
        ::close(fd);
    }
    return Result<int>::fail("cannot reach the printer: " + last, where);
}

Result<ZplHostStatus> queryStatus(int fd, std::chrono::milliseconds timeout, const std::string& where) {
    if (auto w = writeFd(fd, "~HS", timeout, where); !w)
        return w.error();
    std::string reply;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto bytes = readFd(fd, std::max(left, std::chrono::milliseconds(1)), where);
        if (!bytes)
            return bytes.error();
        reply += *bytes;
        size_t etx = 0;
        for (const char c : reply)
            etx += c == '\x03';
        if (etx >= 3 && reply.size() >= 2 && reply.substr(reply.size() - 2) == "\r\n")
            return parseHostStatus(reply);
        if (reply.size() > 4096)
            return Result<ZplHostStatus>::fail("the printer's status reply is far too long", where);
    }
    return Result<ZplHostStatus>::fail(
        "the printer did not answer the status query (paper out, head open or ribbon out silence it)", where);
}

// ~HS, and a refusal when a flag says the printer cannot print now (paper out, head open, paused ...).
Result<ZplHostStatus> queryReady(int fd, std::chrono::milliseconds timeout, const std::string& where) {
    auto st = queryStatus(fd, timeout, where);
    if (!st)
        return st.error();
    if (const auto p = st->problems(); !p.empty())
        return Result<ZplHostStatus>::fail("the printer cannot print: " + p, where);
    return st;
}

std::string whereOf(const PrinterConfig& c) {
    switch (c.transport) {
    case PrinterTransport::Tcp:
        return c.name + " (" + c.host + ":" + std::to_string(c.port) + ")";
    case PrinterTransport::UsbLp:
    case PrinterTransport::File:
        return c.name + " (" + c.path + ")";
    }
    return c.name;
}

} // namespace

Result<ZplHostStatus> LabelPrinter::hostStatus() const {
    const auto where = whereOf(m_config);
    if (m_config.transport != PrinterTransport::Tcp)
        return Result<ZplHostStatus>::fail("host status is read over TCP only", where);
    auto fd = connectTcp(m_config.host, m_config.port, m_config.timeout, where);
    if (!fd)
        return fd.error();
    FdCloser closer{*fd};
    return queryStatus(*fd, m_config.timeout, where);
}

Result<std::string> LabelPrinter::probe() const {
    using R = Result<std::string>;
    const auto where = whereOf(m_config);
    switch (m_config.transport) {
    case PrinterTransport::Tcp: {
        auto fd = connectTcp(m_config.host, m_config.port, m_config.timeout, where);
        if (!fd)
            return fd.error();
        FdCloser closer{*fd};
        if (!m_config.queryStatus)
            return std::string("reachable; it does not report status (query_status = false)");
        const auto st = queryReady(*fd, m_config.timeout, where);
        if (!st)
            return st.error();
        return "ready (~HS: no error flags, " + std::to_string(st->formatsInBuffer) + " format(s) waiting)";
    }
    case PrinterTransport::UsbLp: {
        const int fd = ::open(m_config.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            return R::fail(std::string("cannot open the USB printer: ") + std::strerror(errno), where);
        ::close(fd);
        return std::string("the USB printer device opens for writing");
    }
    case PrinterTransport::File: {
        std::filesystem::path folder = std::filesystem::path(m_config.path).parent_path();
        if (folder.empty())
            folder = ".";
        if (::access(folder.c_str(), W_OK) != 0)
            return R::fail("cannot write labels into " + folder.string() + ": " + std::strerror(errno),
                           where);
        return "labels are written to " + m_config.path;
    }
    }
    return R::fail("unknown transport", where);
}

Result<PrintReceipt> LabelPrinter::print(std::string_view zpl) const {
    using R = Result<PrintReceipt>;
    const auto where = whereOf(m_config);
    if (zpl.find("^XA") == std::string_view::npos || zpl.find("^XZ") == std::string_view::npos)
        return R::fail("not a ZPL label (no ^XA ... ^XZ)", where);
    PrintReceipt receipt;
    receipt.bytes = zpl.size();
    switch (m_config.transport) {
    case PrinterTransport::Tcp: {
        auto fd = connectTcp(m_config.host, m_config.port, m_config.timeout, where);
        if (!fd)
            return fd.error();
        FdCloser closer{*fd};
        if (m_config.queryStatus) {
            if (const auto before = queryReady(*fd, m_config.timeout, where); !before)
                return before.error();
        }
        if (auto w = writeFd(*fd, zpl, m_config.timeout, where); !w)
            return w.error();
        if (m_config.queryStatus) {
            auto after = queryStatus(*fd, m_config.timeout, where);
            if (!after)
                return R::fail("the label was sent but not confirmed: " + after.error().message, where);
            if (const auto p = after->problems(); !p.empty())
                return R::fail("the label was sent but the printer reports: " + p, where);
            receipt.statusConfirmed = true;
            receipt.detail = "accepted; " + std::to_string(after->formatsInBuffer) + " format(s) waiting";
        } else {
            receipt.detail = "sent (this printer does not report status)";
        }
        return receipt;
    }
    case PrinterTransport::UsbLp:
    case PrinterTransport::File: {
        const int flags = m_config.transport == PrinterTransport::File
                              ? (O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)
                              : (O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        const int fd = ::open(m_config.path.c_str(), flags, 0644);
        if (fd < 0)
            return R::fail(std::string("cannot open: ") + std::strerror(errno), where);
        FdCloser closer{fd};
        if (auto w = writeFd(fd, zpl, m_config.timeout, where); !w)
            return w.error();
        if (m_config.transport == PrinterTransport::File && ::fsync(fd) != 0)
            return R::fail(std::string("fsync failed: ") + std::strerror(errno), where);
        receipt.detail = m_config.transport == PrinterTransport::File ? "written and synced"
                                                                      : "written to the USB printer";
        return receipt;
    }
    }
    return R::fail("unknown transport", where);
}

// [SECTION] PrintQueue -----------------------------------------------------------------------------

PrintQueue::PrintQueue(PrinterConfig config) : m_printer(std::move(config)) {
    DeviceStatus s;
    s.name = m_printer.config().name;
    s.kind = DeviceKind::Printer;
    s.state = ConnectionState::Connected;
    s.detail = "idle";
    m_status.publish(s);
    m_thread = std::jthread([this](std::stop_token stop) { run(stop); });
}

PrintQueue::~PrintQueue() {
    m_thread.request_stop();
    m_cv.notify_all();
}

uint64_t PrintQueue::submit(std::string zpl) {
    std::lock_guard lock(m_mutex);
    const uint64_t job = m_nextJob++;
    m_jobs.emplace_back(job, std::move(zpl));
    m_cv.notify_all();
    return job;
}

void PrintQueue::run(std::stop_token stop) {
    while (!stop.stop_requested()) {
        std::pair<uint64_t, std::string> job;
        {
            std::unique_lock lock(m_mutex);
            if (!m_cv.wait(lock, stop, [this] { return !m_jobs.empty(); }))
                return;
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        DeviceStatus s = *m_status.load();
        s.state = ConnectionState::Reading;
        s.detail = "printing job " + std::to_string(job.first);
        m_status.publish(s);
        Result<PrintReceipt> result = Result<PrintReceipt>::fail("internal error", m_printer.config().name);
        try {
            result = m_printer.print(job.second);
        } catch (const std::exception& e) {
            result = Result<PrintReceipt>::fail(std::string("internal error: ") + e.what(),
                                                m_printer.config().name);
        }
        s.state = result.ok() ? ConnectionState::Connected : ConnectionState::Error;
        s.detail = result.ok() ? result->detail : result.error().text();
        m_status.publish(s);
        m_events.push({job.first, result.ok(), s.detail});
    }
}

} // namespace admix::devices
