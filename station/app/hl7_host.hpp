// The [hl7] section of the configuration run beside the rest of a process: `admix serve` and the
// station app start the HL7 service (listener, and the dispense outbox when an outbound system is
// named) when `hl7.enabled = true`, and stop it at shutdown. The settings are checked first: an error
// names the configuration file and the key ("admix.toml: [hl7] tls_key: ...") and nothing starts.
// Thread-safe (no shared state); the service itself is controlled from the caller's thread.
#pragma once

#include "formulas/result.hpp"
#include "station/app/config.hpp"
#include "station/hl7/service.hpp"

#include <filesystem>
#include <memory>

namespace admix::app {

// The service's settings from [hl7] for the station data in `dataDir`, checked.
[[nodiscard]] Result<hl7::ServiceConfig> hl7ServiceConfig(const Config& config,
                                                          const std::filesystem::path& dataDir, bool demo);

// nullptr when [hl7] is not enabled; else the started service (or why it could not start).
[[nodiscard]] Result<std::unique_ptr<hl7::Hl7Service>>
startConfiguredHl7(const Config& config, const std::filesystem::path& dataDir, bool demo);

} // namespace admix::app
