// What `admix session` and `admix validate` share: the data a session runs on (the station's data
// directory, a sandbox copy of it, or a sandbox of fresh demo data) and the station's formulary,
// formulas policy, photo quality thresholds and label layout, loaded as the station loads them.
// Not thread-safe. Errors: CliFailure (with the reason), StoreError.
#pragma once

#include "station/app/config.hpp"
#include "station/store/sandbox.hpp"
#include "station/workflow/session.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace admix::app {

struct SessionPlace {
    std::unique_ptr<store::Sandbox> sandbox; // set: deleted with this object
    std::filesystem::path dataDir;
};

// The demo data of `admix serve --demo` and the station's demo queue and in-spec demo rooms
// (the buffer room BUF-1 / LAFW-1 and the hazardous-drug room HD-1 / BSC-1), in an empty data dir.
void seedDemoData(const std::filesystem::path& dataDir);

// `dataDir` as given (empty: demo data only), copied into a sandbox when `sandbox`.
[[nodiscard]] SessionPlace sessionPlace(const std::filesystem::path& dataDir, bool sandbox, bool demo);

// The station's setup for a session on `dataDir`: its stored approved formulary (the demo formulary
// only with `demo`) and its stored formulas policy; `formulasPolicyFile` replaces that policy (sandbox only).
[[nodiscard]] workflow::SessionSetup sessionSetup(const std::filesystem::path& dataDir, bool sandbox,
                                                  const Config& config, bool demo,
                                                  const std::string& formulasPolicyFile);

} // namespace admix::app
