// A serial line (RS-232 adapter, USB-CDC, or a pseudo-terminal) opened raw through termios, with
// configurable baud rate, parity, data and stop bits. Owns its file descriptor (closed in the
// destructor; close() is idempotent). Not thread-safe: one device thread uses it. Expected failures
// (no such port, unplugged, permission) are Error values naming the port; nothing throws.
#pragma once

#include "formulas/result.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace admix::devices {

enum class Parity { None, Even, Odd };

struct SerialSettings {
    int baud = 9600;
    int dataBits = 8; // 7 or 8
    Parity parity = Parity::None;
    int stopBits = 1; // 1 or 2
    bool hardwareFlowControl = false;
};

[[nodiscard]] std::optional<Parity> parseParity(std::string_view text); // "none", "even", "odd"
[[nodiscard]] std::string_view parityName(Parity parity);
// True for the rates termios can set (1200 ... 230400).
[[nodiscard]] bool isSupportedBaud(int baud);

// A byte stream a device reads and writes: a serial port, a TCP socket, a file.
class ByteStream {
public:
    virtual ~ByteStream() = default;
    // Reads what is available, waiting at most `timeout`. 0 bytes: nothing arrived in time.
    // An Error means the stream is gone (unplugged, closed by the peer).
    [[nodiscard]] virtual Result<std::string> read(std::chrono::milliseconds timeout) = 0;
    [[nodiscard]] virtual Status write(std::string_view bytes, std::chrono::milliseconds timeout) = 0;
    virtual void close() = 0;
    [[nodiscard]] virtual bool isOpen() const = 0;
};

class SerialPort final : public ByteStream {
public:
    SerialPort() = default;
    ~SerialPort() override;
    SerialPort(const SerialPort&) = delete;
    SerialPort& operator=(const SerialPort&) = delete;

    [[nodiscard]] static Result<std::unique_ptr<SerialPort>> open(const std::string& path,
                                                                  const SerialSettings& settings);

    Result<std::string> read(std::chrono::milliseconds timeout) override;
    Status write(std::string_view bytes, std::chrono::milliseconds timeout) override;
    void close() override;
    bool isOpen() const override { return m_fd >= 0; }
    [[nodiscard]] const std::string& path() const { return m_path; }

private:
    int m_fd = -1;
    std::string m_path;
};

// Shared by the fd-backed streams: poll-based read and write with a timeout.
[[nodiscard]] Result<std::string> readFd(int fd, std::chrono::milliseconds timeout, const std::string& where);
[[nodiscard]] Status writeFd(int fd, std::string_view bytes, std::chrono::milliseconds timeout,
                             const std::string& where);

} // namespace admix::devices
