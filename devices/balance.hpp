// Balances: what a reading is, and the pure codecs that turn a balance's reply lines into readings
// and the station's requests into command bytes (Mettler Toledo MT-SICS, Sartorius SBI, A&D,
// Ohaus). A codec holds no I/O and no state that changes: it is thread-safe and never throws; a line
// it does not understand is an Error value (the caller counts it and never turns it into a weight).
#pragma once

#include "devices/mass_unit.hpp"
#include "formulas/result.hpp"

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace admix::devices {

enum class BalanceProtocolKind { MtSics, Sbi, AandD, Ohaus, HidPos };

[[nodiscard]] std::string_view
balanceProtocolName(BalanceProtocolKind kind); // "mt-sics", "sbi", "and", "ohaus", "hid-pos"
[[nodiscard]] std::optional<BalanceProtocolKind> parseBalanceProtocol(std::string_view name);

// What the balance says about the load: only a Stable reading may become a weighed mass.
enum class WeightStatus { Stable, Unstable, Overload, Underload };
[[nodiscard]] std::string_view weightStatusName(WeightStatus status);

// Which balance produced a reading, for the audit trail.
struct BalanceIdentity {
    std::string model;
    std::string serial;
    std::string device; // the configured device name or port

    [[nodiscard]] bool operator==(const BalanceIdentity&) const = default;
};

// One reading as the station keeps it. `value` is in `unit` and means nothing unless the status is
// Stable or Unstable. `raw` is the line as received (for the audit trail and for support).
struct BalanceReading {
    WeightStatus status = WeightStatus::Unstable;
    double value = 0.0;
    MassUnit unit = MassUnit::Gram;
    int decimals = 0; // digits after the point as the balance printed them: its displayed resolution
    std::chrono::system_clock::time_point at{};
    BalanceIdentity identity;
    std::string raw;

    // The smallest step the balance displayed (one unit in the last digit), for deciding whether a
    // target mass can be verified on this balance at all.
    [[nodiscard]] formulas::Mass displayedResolution() const {
        return toMass(std::pow(10.0, -decimals), unit);
    }

    [[nodiscard]] bool stable() const { return status == WeightStatus::Stable; }
    // The mass, only for a stable in-range reading: the one door from a balance to a weight.
    [[nodiscard]] std::optional<formulas::Mass> stableMass() const {
        if (status != WeightStatus::Stable)
            return std::nullopt;
        return toMass(value, unit);
    }
};

// One decoded reply line.
struct BalanceReply {
    enum class Kind {
        Weight,        // status, value, unit are set (Overload/Underload carry no value)
        Acknowledged,  // a zero/tare/reset command was carried out
        NotExecutable, // the balance understood but cannot now (busy, not stable in time, fault)
        CommandError,  // the balance did not understand or rejected the command (ES, ET, EL, EC,Exx, Err)
        Identity,      // model and/or serial
    };
    Kind kind = Kind::Weight;
    WeightStatus status = WeightStatus::Unstable;
    double value = 0.0;
    MassUnit unit = MassUnit::Gram;
    int decimals = 0; // digits shown after the decimal point (the displayed resolution)
    std::string model;
    std::string serial;
    std::string detail; // what the balance said, for messages
};

// Which identity a query asks for (a balance whose reply is a bare line needs to be told).
enum class IdentityField { Model, Serial };

// A balance protocol codec. Commands are returned as the exact bytes to send (terminator included).
class BalanceProtocol {
public:
    virtual ~BalanceProtocol() = default;
    [[nodiscard]] virtual BalanceProtocolKind kind() const = 0;
    [[nodiscard]] virtual std::string requestStable() const = 0;
    [[nodiscard]] virtual std::string requestImmediate() const = 0;
    // Streaming request, if the protocol has one (otherwise the device polls requestImmediate()).
    [[nodiscard]] virtual std::optional<std::string> requestContinuous() const = 0;
    // Ends streaming, sent before a clean disconnect so the balance does not stream into nothing.
    [[nodiscard]] virtual std::optional<std::string> stopContinuous() const { return std::nullopt; }
    [[nodiscard]] virtual std::string zero() const = 0;
    [[nodiscard]] virtual std::string tare() const = 0;
    // Query for a model or serial number, if the protocol has one.
    [[nodiscard]] virtual std::optional<std::string> identify(IdentityField field) const = 0;
    // False when the balance never answers zero/tare (SBI): the command is then reported as sent.
    [[nodiscard]] virtual bool acknowledgesCommands() const { return true; }
    // Decodes one line without its CR/LF terminator.
    [[nodiscard]] virtual Result<BalanceReply> decodeLine(std::string_view line) const = 0;
    // Decodes the reply to identify(field). The default takes a line that decodeLine reads as
    // Identity, else any printable line that is not a weight or an error.
    [[nodiscard]] virtual std::optional<std::string> decodeIdentity(std::string_view line,
                                                                    IdentityField field) const;
};

[[nodiscard]] std::unique_ptr<BalanceProtocol> makeBalanceProtocol(BalanceProtocolKind kind);

class MtSicsProtocol final : public BalanceProtocol {
public:
    BalanceProtocolKind kind() const override { return BalanceProtocolKind::MtSics; }
    std::string requestStable() const override { return "S\r\n"; }
    std::string requestImmediate() const override { return "SI\r\n"; }
    std::optional<std::string> requestContinuous() const override { return "SIR\r\n"; }
    std::optional<std::string> stopContinuous() const override { return reset(); }
    std::string zero() const override { return "Z\r\n"; }
    std::string tare() const override { return "T\r\n"; }
    // Cancels a running SIR or stability wait and returns the serial number (I4 reply).
    std::string reset() const { return "@\r\n"; }
    std::optional<std::string> identify(IdentityField field) const override {
        return field == IdentityField::Model ? "I2\r\n" : "I4\r\n";
    }
    Result<BalanceReply> decodeLine(std::string_view line) const override;
};

class SbiProtocol final : public BalanceProtocol {
public:
    BalanceProtocolKind kind() const override { return BalanceProtocolKind::Sbi; }
    std::string requestStable() const override { return "\x1bP\r\n"; }
    std::string requestImmediate() const override { return "\x1bP\r\n"; }
    std::optional<std::string> requestContinuous() const override { return std::nullopt; }
    std::string zero() const override { return "\x1bV\r\n"; }
    std::string tare() const override { return "\x1bT\r\n"; }
    std::optional<std::string> identify(IdentityField field) const override {
        return field == IdentityField::Model ? "\x1bx1_\r\n" : "\x1bx2_\r\n";
    }
    bool acknowledgesCommands() const override { return false; }
    Result<BalanceReply> decodeLine(std::string_view line) const override;
};

class AandDProtocol final : public BalanceProtocol {
public:
    BalanceProtocolKind kind() const override { return BalanceProtocolKind::AandD; }
    std::string requestStable() const override { return "S\r\n"; }
    std::string requestImmediate() const override { return "SI\r\n"; }
    std::optional<std::string> requestContinuous() const override { return "SIR\r\n"; }
    std::optional<std::string> stopContinuous() const override { return "C\r\n"; }
    std::string zero() const override { return "R\r\n"; }
    std::string tare() const override { return "T\r\n"; }
    std::optional<std::string> identify(IdentityField field) const override {
        return field == IdentityField::Model ? "?TN\r\n" : "?SN\r\n";
    }
    Result<BalanceReply> decodeLine(std::string_view line) const override;
};

class OhausProtocol final : public BalanceProtocol {
public:
    BalanceProtocolKind kind() const override { return BalanceProtocolKind::Ohaus; }
    std::string requestStable() const override { return "SP\r\n"; }
    std::string requestImmediate() const override { return "IP\r\n"; }
    std::optional<std::string> requestContinuous() const override { return "CP\r\n"; }
    std::optional<std::string> stopContinuous() const override { return "0P\r\n"; }
    std::string zero() const override { return "Z\r\n"; }
    std::string tare() const override { return "T\r\n"; }
    std::optional<std::string> identify(IdentityField field) const override {
        if (field == IdentityField::Serial)
            return "PSN\r\n";
        return std::nullopt;
    }
    Result<BalanceReply> decodeLine(std::string_view line) const override;
};

// Parses a decimal number as balances print it: optional sign, spaces allowed between the sign and
// the digits, one optional decimal point, at least one digit. No exponent, no thousands separator.
[[nodiscard]] std::optional<double> parseBalanceDecimal(std::string_view text);

} // namespace admix::devices
