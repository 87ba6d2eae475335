// Benchmark: a year of generated monitoring data for the demo site (3 rooms, 2 PECs, 10 staff) is
// imported into a station database on disk (WAL, synchronous=FULL), then reported over. Prints the
// figures; not a timed test. Usage: admix_usp797_bench [days] [repeats]
#include "station/store/compliance_store.hpp"
#include "station/store/schema.hpp"
#include "station/store/user_repo.hpp"
#include "tests/test_support.hpp"
#include "usp797/demo_site.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

using namespace admix;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

} // namespace

int main(int argc, char** argv) {
    const int days = argc > 1 ? std::atoi(argv[1]) : 365;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
    const Date start = parseDate("2025-01-01").value();
    const auto site = usp797::demoSite(start);

    auto t0 = Clock::now();
    const auto generated = usp797::generateDemoEm(site, start, days, 797);
    std::string csv = usp797::emCsvHeader();
    for (const auto& s : generated.samples)
        csv += usp797::emCsvLine(s);
    const double genMs = ms(Clock::now() - t0);

    test::TempDir dir;
    store::Database db = store::openStationDatabase((dir / "bench.sqlite3").string());
    store::AuditLog audit(db);
    store::ComplianceStore cs(db, audit);
    store::UserRow qa;
    qa.username = "qa-bench";
    qa.displayName = "Benchmark QA";
    qa.role = "quality";
    qa.pinHash = "not-a-real-hash";
    qa.createdUtc = "2025-01-01T00:00:00Z";
    store::UserRepo(db).insert(qa);
    for (const auto& r : site.rooms)
        if (!cs.addRoom(r, "qa-bench"))
            return 1;
    for (const auto& p : site.pecs)
        if (!cs.addPec(p, "qa-bench"))
            return 1;

    t0 = Clock::now();
    const auto imported = cs.importCsv(csv, "demo-year.csv", "qa-bench", parseIsoUtc("2027-01-01").value());
    const double importMs = ms(Clock::now() - t0);
    if (!imported.problems.empty()) {
        std::fprintf(stderr, "import failed: %s\n", imported.problems.front().text().c_str());
        return 1;
    }

    const TimePoint from = TimePoint{std::chrono::sys_days{start}};
    const TimePoint to = from + std::chrono::days{days};
    double best = 1e9, worst = 0, bestRoom = 1e9;
    size_t rows = 0;
    for (int i = 0; i < repeats; ++i) {
        t0 = Clock::now();
        const auto all = cs.samples(from, to);
        std::map<std::string, size_t> perKind;
        for (const auto& r : all)
            perKind[std::string(usp797::emKindName(r.sample.kind))] += r.excursion ? 1 : 0;
        const auto open = cs.correctiveActions(false);
        const double m = ms(Clock::now() - t0);
        rows = all.size();
        best = std::min(best, m);
        worst = std::max(worst, m);
        t0 = Clock::now();
        (void)cs.samples(from, to, std::string("BUF-1"));
        bestRoom = std::min(bestRoom, ms(Clock::now() - t0));
        (void)open;
    }
    std::printf("generated %zu samples for %d days (%zu planted excursions) in %.1f ms, CSV %.1f KiB\n",
                generated.samples.size(), days, generated.plantedExcursions, genMs,
                static_cast<double>(csv.size()) / 1024.0);
    std::printf("import: %zu rows, %zu excursions opened, %.1f ms (one transaction, WAL, synchronous=FULL)\n",
                imported.imported, imported.excursions, importMs);
    std::printf("report over the whole period: %zu rows, best %.2f ms, worst %.2f ms over %d runs\n", rows,
                best, worst, repeats);
    std::printf("report for one room (BUF-1): best %.2f ms\n", bestRoom);
    return 0;
}
