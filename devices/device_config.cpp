#include "devices/device_config.hpp"

#include "devices/hid_scale.hpp"
#include "formulas/input_limits.hpp"

#include <set>
#include <toml++/toml.h>

namespace admix::devices {

std::string_view deviceTransportName(DeviceTransport transport) {
    switch (transport) {
    case DeviceTransport::Serial:
        return "serial";
    case DeviceTransport::UsbHid:
        return "usb-hid";
    case DeviceTransport::Evdev:
        return "evdev";
    case DeviceTransport::Tcp:
        return "tcp";
    case DeviceTransport::UsbLp:
        return "usb-lp";
    case DeviceTransport::File:
        return "file";
    case DeviceTransport::Simulated:
        return "simulated";
    }
    return "unknown";
}

namespace {

std::string at(std::string_view source, const toml::source_region& r) {
    return std::string(source) + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

} // namespace

Result<std::vector<DeviceConfig>> parseDeviceConfigs(std::string_view text, std::string_view source) {
    using R = Result<std::vector<DeviceConfig>>;
    if (const auto problem = formulas::tomlShapeProblem(text))
        return R::fail(*problem, std::string(source));
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        return R::fail(std::string(e.description()), at(source, e.source()));
    }
    std::vector<DeviceConfig> out;
    const toml::node* devicesNode = root.get("devices");
    if (!devicesNode)
        return out;
    const toml::array* devices = devicesNode->as_array();
    if (!devices)
        return R::fail("devices must be an array of tables: write [[devices]]",
                       at(source, devicesNode->source()));
    std::set<std::string> names;
    for (const toml::node& entry : *devices) {
        const toml::table* t = entry.as_table();
        if (!t)
            return R::fail("each device is a table: write [[devices]]", at(source, entry.source()));
        DeviceConfig c;
        c.line = static_cast<int>(t->source().begin.line);
        bool hasKind = false, hasTransport = false, hasProtocol = false;
        for (const auto& entryPair : *t) {
            const toml::node& node = entryPair.second; // a plain reference: lambdas capture it (clang 14)
            const std::string k(entryPair.first.str());
            const std::string where = at(source, node.source()) + ": devices." + k;
            const auto str = [&]() -> Result<std::string> {
                if (!node.is_string())
                    return Result<std::string>::fail("must be a string in quotes", where);
                return std::string(node.as_string()->get());
            };
            const auto integer = [&](int64_t lo, int64_t hi) -> Result<int64_t> {
                if (!node.is_integer())
                    return Result<int64_t>::fail("must be a whole number", where);
                const int64_t v = node.as_integer()->get();
                if (v < lo || v > hi)
                    return Result<int64_t>::fail(
                        "must be between " + std::to_string(lo) + " and " + std::to_string(hi), where);
                return v;
            };
            if (k == "name") {
                auto v = str();
                if (!v)
                    return v.error();
                if (v->empty())
                    return R::fail("must not be empty", where);
                c.name = *v;
            } else if (k == "kind") {
                auto v = str();
                if (!v)
                    return v.error();
                hasKind = true;
                if (*v == "balance")
                    c.kind = DeviceKind::Balance;
                else if (*v == "scanner")
                    c.kind = DeviceKind::Scanner;
                else if (*v == "printer")
                    c.kind = DeviceKind::Printer;
                else
                    return R::fail("must be \"balance\", \"scanner\" or \"printer\", not \"" + *v + "\"",
                                   where);
            } else if (k == "transport") {
                auto v = str();
                if (!v)
                    return v.error();
                hasTransport = true;
                bool found = false;
                for (auto tr : {DeviceTransport::Serial, DeviceTransport::UsbHid, DeviceTransport::Evdev,
                                DeviceTransport::Tcp, DeviceTransport::UsbLp, DeviceTransport::File,
                                DeviceTransport::Simulated}) {
                    if (*v == deviceTransportName(tr)) {
                        c.transport = tr;
                        found = true;
                    }
                }
                if (!found)
                    return R::fail("unknown transport \"" + *v +
                                       "\" (serial, usb-hid, evdev, tcp, usb-lp, file, simulated)",
                                   where);
            } else if (k == "port") {
                auto v = str();
                if (!v)
                    return v.error();
                c.port = *v;
            } else if (k == "protocol") {
                auto v = str();
                if (!v)
                    return v.error();
                const auto p = parseBalanceProtocol(*v);
                if (!p || *p == BalanceProtocolKind::HidPos)
                    return R::fail("unknown protocol \"" + *v + "\" (mt-sics, sbi, and, ohaus)", where);
                c.protocol = *p;
                hasProtocol = true;
            } else if (k == "baud") {
                auto v = integer(1200, 230400);
                if (!v)
                    return v.error();
                if (!isSupportedBaud(static_cast<int>(*v)))
                    return R::fail("unsupported baud rate " + std::to_string(*v), where);
                c.serial.baud = static_cast<int>(*v);
            } else if (k == "data_bits") {
                auto v = integer(7, 8);
                if (!v)
                    return v.error();
                c.serial.dataBits = static_cast<int>(*v);
            } else if (k == "stop_bits") {
                auto v = integer(1, 2);
                if (!v)
                    return v.error();
                c.serial.stopBits = static_cast<int>(*v);
            } else if (k == "parity") {
                auto v = str();
                if (!v)
                    return v.error();
                const auto p = parseParity(*v);
                if (!p)
                    return R::fail("must be \"none\", \"even\" or \"odd\"", where);
                c.serial.parity = *p;
            } else if (k == "flow_control") {
                if (!node.is_boolean())
                    return R::fail("must be true or false", where);
                c.serial.hardwareFlowControl = node.as_boolean()->get();
            } else if (k == "usb") {
                auto v = str();
                if (!v)
                    return v.error();
                const auto id = parseUsbId(*v);
                if (!id)
                    return R::fail("must be VID:PID in hex, e.g. \"0922:8003\"", where);
                c.usbVendor = id->vendor;
                c.usbProduct = id->product;
            } else if (k == "host") {
                auto v = str();
                if (!v)
                    return v.error();
                c.host = *v;
            } else if (k == "tcp_port") {
                auto v = integer(1, 65535);
                if (!v)
                    return v.error();
                c.tcpPort = static_cast<int>(*v);
            } else if (k == "path") {
                auto v = str();
                if (!v)
                    return v.error();
                c.path = *v;
            } else if (k == "status") {
                if (!node.is_boolean())
                    return R::fail("must be true or false", where);
                c.queryStatus = node.as_boolean()->get();
            } else {
                return R::fail("unknown key", where);
            }
        }
        const std::string where = at(source, t->source()) + ": device";
        if (c.name.empty())
            return R::fail("a device needs a name", where);
        if (!names.insert(c.name).second)
            return R::fail("two devices are named \"" + c.name + "\"", where);
        const std::string named = where + " \"" + c.name + "\"";
        if (!hasKind)
            return R::fail("needs a kind (balance, scanner or printer)", named);
        if (!hasTransport)
            return R::fail("needs a transport", named);
        const auto needs = [&](bool ok, const char* what) -> std::optional<Error> {
            if (ok)
                return std::nullopt;
            return Error{std::string("needs ") + what, named};
        };
        std::optional<Error> missing;
        switch (c.kind) {
        case DeviceKind::Balance:
            if (c.transport == DeviceTransport::Serial)
                missing = needs(!c.port.empty() && hasProtocol, "a port and a protocol");
            else if (c.transport == DeviceTransport::Simulated)
                missing = needs(hasProtocol, "a protocol");
            else if (c.transport == DeviceTransport::UsbHid) {
                missing = needs(c.usbVendor != 0, "usb = \"VID:PID\"");
                c.protocol = BalanceProtocolKind::HidPos;
            } else
                missing = Error{"a balance connects over serial, usb-hid or simulated", named};
            break;
        case DeviceKind::Scanner:
            if (c.transport == DeviceTransport::Serial || c.transport == DeviceTransport::Evdev)
                missing = needs(!c.port.empty(), "a port");
            else if (c.transport != DeviceTransport::Simulated)
                missing = Error{"a scanner connects over serial, evdev or simulated", named};
            break;
        case DeviceKind::Printer:
            if (c.transport == DeviceTransport::Tcp)
                missing = needs(!c.host.empty(), "a host");
            else if (c.transport == DeviceTransport::UsbLp || c.transport == DeviceTransport::File)
                missing = needs(!c.path.empty(), "a path");
            else if (c.transport != DeviceTransport::Simulated)
                missing = Error{"a printer connects over tcp, usb-lp, file or simulated", named};
            break;
        case DeviceKind::Camera:
            missing = Error{"cameras are configured by vision", named};
            break;
        }
        if (missing)
            return *missing;
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<DeviceConfig> simulatedDeviceConfigs(const std::string& balance, const std::string& scanner,
                                                 const std::string& printer) {
    std::vector<DeviceConfig> out(3);
    out[0].name = balance;
    out[0].kind = DeviceKind::Balance;
    out[0].transport = DeviceTransport::Simulated;
    out[0].protocol = BalanceProtocolKind::MtSics;
    out[1].name = scanner;
    out[1].kind = DeviceKind::Scanner;
    out[1].transport = DeviceTransport::Simulated;
    out[2].name = printer;
    out[2].kind = DeviceKind::Printer;
    out[2].transport = DeviceTransport::Simulated;
    return out;
}

} // namespace admix::devices
