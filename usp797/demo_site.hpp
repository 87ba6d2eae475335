// A realistic demonstration site (3 rooms, 2 PECs, 10 staff) and a generator of monitoring data for
// it: twice-daily pressure, temperature and humidity per room, refrigerator and freezer readings,
// surface and viable-air sampling at the site's frequencies, particle counts at certification, and a
// few planted excursions. Deterministic for a seed (own arithmetic, no library distributions). Pure:
// returns values and CSV text; the caller writes files. Thread-safe.
#pragma once

#include "formulas/time.hpp"
#include "usp797/em.hpp"
#include "usp797/site.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace admix::usp797 {

struct DemoPerson {
    std::string code;
    std::string name;
    std::string role; // technician, pharmacist, quality
};

struct DemoSite {
    std::vector<Room> rooms;
    std::vector<Pec> pecs;
    std::vector<DemoPerson> people;
};

// The "demo" site; certification dates are `start`.
[[nodiscard]] DemoSite demoSite(Date start);

struct GeneratedEm {
    std::vector<EmSample> samples; // in time order
    size_t plantedExcursions = 0;
};

// `days` days of monitoring from `start` (UTC).
[[nodiscard]] GeneratedEm generateDemoEm(const DemoSite& site, Date start, int days, uint32_t seed);

} // namespace admix::usp797
