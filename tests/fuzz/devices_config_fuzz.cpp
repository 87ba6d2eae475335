// Fuzz target: [[devices]] TOML tables. Invariant: parse errors are values, never exceptions.
#include "devices/device_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto configs = admix::devices::parseDeviceConfigs(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml");
    if (configs.ok())
        for (const auto& c : *configs)
            if (c.name.empty())
                __builtin_trap();
    return 0;
}
