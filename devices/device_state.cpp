#include "devices/device_state.hpp"

namespace admix::devices {

std::string_view deviceKindName(DeviceKind kind) {
    switch (kind) {
    case DeviceKind::Balance:
        return "balance";
    case DeviceKind::Scanner:
        return "scanner";
    case DeviceKind::Printer:
        return "printer";
    case DeviceKind::Camera:
        return "camera";
    }
    return "unknown";
}

std::string_view connectionStateName(ConnectionState state) {
    switch (state) {
    case ConnectionState::Disconnected:
        return "disconnected";
    case ConnectionState::Connecting:
        return "connecting";
    case ConnectionState::Connected:
        return "connected";
    case ConnectionState::Reading:
        return "reading";
    case ConnectionState::Error:
        return "error";
    }
    return "unknown";
}

} // namespace admix::devices
