#include "devices/serial_port.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace admix::devices {

std::optional<Parity> parseParity(std::string_view text) {
    if (text == "none" || text == "N")
        return Parity::None;
    if (text == "even" || text == "E")
        return Parity::Even;
    if (text == "odd" || text == "O")
        return Parity::Odd;
    return std::nullopt;
}

std::string_view parityName(Parity parity) {
    switch (parity) {
    case Parity::None:
        return "none";
    case Parity::Even:
        return "even";
    case Parity::Odd:
        return "odd";
    }
    return "none";
}

namespace {

speed_t speedFor(int baud) {
    switch (baud) {
    case 1200:
        return B1200;
    case 2400:
        return B2400;
    case 4800:
        return B4800;
    case 9600:
        return B9600;
    case 19200:
        return B19200;
    case 38400:
        return B38400;
    case 57600:
        return B57600;
    case 115200:
        return B115200;
    case 230400:
        return B230400;
    default:
        return B0;
    }
}

std::string errnoText(int err) {
    return std::strerror(err);
}

} // namespace

bool isSupportedBaud(int baud) {
    return speedFor(baud) != B0;
}

SerialPort::~SerialPort() {
    close();
}

void SerialPort::close() {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

Result<std::unique_ptr<SerialPort>> SerialPort::open(const std::string& path,
                                                     const SerialSettings& settings) {
    using R = Result<std::unique_ptr<SerialPort>>;
    if (!isSupportedBaud(settings.baud))
        return R::fail("unsupported baud rate " + std::to_string(settings.baud), path);
    if (settings.dataBits != 7 && settings.dataBits != 8)
        return R::fail("data bits must be 7 or 8", path);
    if (settings.stopBits != 1 && settings.stopBits != 2)
        return R::fail("stop bits must be 1 or 2", path);
    const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return R::fail("cannot open the serial port: " + errnoText(errno), path);
    auto port = std::make_unique<SerialPort>();
    port->m_fd = fd;
    port->m_path = path;

    termios tio{};
    if (::tcgetattr(fd, &tio) != 0)
        return R::fail("not a serial port: " + errnoText(errno), path);
    ::cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cflag &= ~static_cast<tcflag_t>(CSIZE);
    tio.c_cflag |= settings.dataBits == 7 ? CS7 : CS8;
    tio.c_cflag &= ~static_cast<tcflag_t>(PARENB | PARODD);
    if (settings.parity != Parity::None)
        tio.c_cflag |= PARENB | (settings.parity == Parity::Odd ? PARODD : 0);
    if (settings.stopBits == 2)
        tio.c_cflag |= CSTOPB;
    else
        tio.c_cflag &= ~static_cast<tcflag_t>(CSTOPB);
    if (settings.hardwareFlowControl)
        tio.c_cflag |= CRTSCTS;
    else
        tio.c_cflag &= ~static_cast<tcflag_t>(CRTSCTS);
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    ::cfsetispeed(&tio, speedFor(settings.baud));
    ::cfsetospeed(&tio, speedFor(settings.baud));
    if (::tcsetattr(fd, TCSANOW, &tio) != 0)
        return R::fail("cannot configure the serial port: " + errnoText(errno), path);
    ::tcflush(fd, TCIOFLUSH);
    return R(std::move(port));
}

Result<std::string> readFd(int fd, std::chrono::milliseconds timeout, const std::string& where) {
    using R = Result<std::string>;
    if (fd < 0)
        return R::fail("not open", where);
    pollfd pfd{fd, POLLIN, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (n < 0) {
        if (errno == EINTR)
            return std::string();
        return R::fail("poll failed: " + errnoText(errno), where);
    }
    if (n == 0)
        return std::string();
    if (pfd.revents & POLLIN) {
        char buffer[512];
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got > 0)
            return std::string(buffer, static_cast<size_t>(got));
        if (got == 0)
            return R::fail("the device closed the connection (unplugged?)", where);
        if (errno == EAGAIN || errno == EINTR)
            return std::string();
        return R::fail("read failed (unplugged?): " + errnoText(errno), where);
    }
    if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
        return R::fail("the device hung up (unplugged?)", where);
    return std::string();
}

Status writeFd(int fd, std::string_view bytes, std::chrono::milliseconds timeout, const std::string& where) {
    if (fd < 0)
        return Status::fail("not open", where);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n > 0) {
            bytes.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return Status::fail("write failed (unplugged?): " + errnoText(errno), where);
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return Status::fail("write timed out", where);
        pollfd pfd{fd, POLLOUT, 0};
        if (::poll(&pfd, 1, static_cast<int>(left.count())) < 0 && errno != EINTR)
            return Status::fail("poll failed: " + errnoText(errno), where);
        if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
            return Status::fail("the device hung up (unplugged?)", where);
    }
    return {};
}

Result<std::string> SerialPort::read(std::chrono::milliseconds timeout) {
    return readFd(m_fd, timeout, m_path);
}

Status SerialPort::write(std::string_view bytes, std::chrono::milliseconds timeout) {
    return writeFd(m_fd, bytes, timeout, m_path);
}

} // namespace admix::devices
