// The state of one device as the station shows it: what it is doing, and why not when it is not.
// A plain value published from a device's acquisition thread to the UI (copy it; no sharing).
#pragma once

#include <string>
#include <string_view>

namespace admix::devices {

enum class DeviceKind { Balance, Scanner, Printer, Camera };
enum class ConnectionState { Disconnected, Connecting, Connected, Reading, Error };

struct DeviceStatus {
    std::string name; // as declared in the config, e.g. "hood-1 balance"
    DeviceKind kind = DeviceKind::Balance;
    ConnectionState state = ConnectionState::Disconnected;
    std::string detail; // model/serial when connected, the reason when in error
};

[[nodiscard]] std::string_view deviceKindName(DeviceKind kind);
[[nodiscard]] std::string_view connectionStateName(ConnectionState state);

} // namespace admix::devices
