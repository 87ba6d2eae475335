// Demo data for `admix serve --demo` and the web tests: station users for every role (fixed demo
// passwords, see README), the demo site with 60 days of environmental monitoring (planted excursions
// among them; one excursion fully investigated and re-sampled, ready for QA to close), personnel
// qualification records, and preparations driven through the real PreparationEngine from the demo
// formulary's plans (scans, weighings, evidence photos rendered by the synthetic hood scene) up to
// the pharmacist's check, one of them past a gate by a pharmacist's override.
// Writes through the workflow and store APIs only. Runs only on a station without users (a fresh data
// directory); otherwise changes nothing. Not thread-safe: opens its own connection. Errors: Result.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace admix::remote {

struct DemoSummary {
    bool seeded = false;                    // false: the station had users already, nothing changed
    std::vector<std::string> users;         // "rph (pharmacist)"
    std::vector<std::string> awaitingCheck; // preparation numbers
    size_t emSamples = 0;
    size_t excursions = 0;
};

// The demo password of a demo user: "admix-demo-" + username.
[[nodiscard]] std::string demoPassword(const std::string& username);

[[nodiscard]] Result<DemoSummary> seedDemo(const std::filesystem::path& dataDir, TimePoint now = nowUtc());

} // namespace admix::remote
