// Devices as declared in the station config: a TOML array of tables [[devices]]. Parsing is pure;
// every error names the source, line and column and the key. The lead wires this into the station
// config (station/app); `admix devices list` reads it directly.
//
//   [[devices]]
//   name = "hood-1 balance"
//   kind = "balance"            # balance | scanner | printer
//   transport = "serial"        # serial | usb-hid | evdev | tcp | usb-lp | file | simulated
//   port = "/dev/serial/by-id/usb-METTLER_TOLEDO_..."
//   protocol = "mt-sics"        # mt-sics | sbi | and | ohaus (balances on serial / simulated)
//   baud = 9600                 # parity = "none|even|odd", data_bits = 7|8, stop_bits = 1|2
#pragma once

#include "devices/balance.hpp"
#include "devices/device_state.hpp"
#include "devices/serial_port.hpp"
#include "formulas/result.hpp"

#include <string>
#include <vector>

namespace admix::devices {

enum class DeviceTransport { Serial, UsbHid, Evdev, Tcp, UsbLp, File, Simulated };
[[nodiscard]] std::string_view deviceTransportName(DeviceTransport transport);

struct DeviceConfig {
    std::string name;
    DeviceKind kind = DeviceKind::Balance;
    DeviceTransport transport = DeviceTransport::Serial;
    std::string port; // serial / evdev path
    BalanceProtocolKind protocol = BalanceProtocolKind::MtSics;
    SerialSettings serial;
    uint16_t usbVendor = 0; // usb-hid
    uint16_t usbProduct = 0;
    std::string host; // tcp printers
    int tcpPort = 9100;
    std::string path;        // usb-lp device or output file
    bool queryStatus = true; // printers: ~HS after each job
    int line = 0;            // where the table starts, for later messages
};

// A simulated balance (MT-SICS on a pty), scanner (pty) and ZPL printer (loopback) with these
// names: the devices of demo mode and of the station's headless tests.
[[nodiscard]] std::vector<DeviceConfig>
simulatedDeviceConfigs(const std::string& balance, const std::string& scanner, const std::string& printer);

[[nodiscard]] Result<std::vector<DeviceConfig>> parseDeviceConfigs(std::string_view toml,
                                                                   std::string_view source);

} // namespace admix::devices
