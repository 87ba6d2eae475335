// Benchmark: the pharmacist's queue (page and JSON) on a station holding 10,000 historical
// preparations besides the ones awaiting check, over HTTPS on loopback, each request on its own
// database connection as in production. Prints the figures; not a timed test.
#include "station/remote/demo.hpp"
#include "station/remote/server.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "tests/test_support.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace admix;

namespace {

void addHistory(const std::filesystem::path& dataDir, int count) {
    store::Database db = store::openStationDatabase(store::databasePath(dataDir).string());
    store::PrepRepo repo(db);
    // Copy a real preparation (spec and steps) as the model of the history.
    const auto model = repo.prepsWithStatus("awaiting_check", 1).at(0);
    const auto modelSteps = repo.steps(model.id);
    const auto modelOrder = repo.order(model.orderId).value();
    const TimePoint t0 = nowUtc() - std::chrono::days(400);
    store::Transaction tx(db);
    for (int i = 0; i < count; ++i) {
        const TimePoint t = t0 + std::chrono::minutes(i * 55);
        store::OrderRow o = modelOrder;
        o.orderNumber = "H-" + std::to_string(100000 + i);
        o.status = i % 10 == 0 ? "cancelled" : "released";
        o.priority = i % 7 == 0 ? "stat" : (i % 3 == 0 ? "urgent" : "routine");
        o.dueUtc = formatIsoUtc(t + std::chrono::hours(2));
        o.createdUtc = formatIsoUtc(t);
        const int64_t orderId = repo.insertOrder(o);
        store::PrepRow p = model;
        p.prepNumber = "PH-" + std::to_string(100000 + i);
        p.orderId = orderId;
        p.status = i % 10 == 0 ? "rejected" : "released";
        p.startedUtc = formatIsoUtc(t + std::chrono::minutes(5));
        p.completedUtc = formatIsoUtc(t + std::chrono::minutes(12));
        p.checkedBy = "rph";
        p.checkedUtc = formatIsoUtc(t + std::chrono::minutes(20));
        p.checkOutcome = p.status;
        p.checkReason = p.status == "rejected" ? "wrong_volume: history" : "approve";
        const int64_t prepId = repo.insertPrep(p);
        for (auto s : modelSteps) {
            s.prepId = prepId;
            repo.insertStep(s);
        }
    }
    tx.commit();
}

struct Stats {
    double median = 0, p95 = 0, max = 0;
};

Stats measure(httplib::SSLClient& client, const httplib::Headers& h, const std::string& path, int n) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
        const auto start = std::chrono::steady_clock::now();
        auto r = client.Get(path, h);
        const auto end = std::chrono::steady_clock::now();
        if (!r || r->status != 200) {
            std::fprintf(stderr, "queue_bench: %s failed (%d)\n", path.c_str(), r ? r->status : -1);
            std::exit(1);
        }
        ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms[ms.size() * 95 / 100], ms.back()};
}

} // namespace

int main() {
    test::TempDir dir;
    auto seeded = remote::seedDemo(dir.path());
    if (!seeded) {
        std::fprintf(stderr, "queue_bench: %s\n", seeded.error().text().c_str());
        return 1;
    }
    constexpr int kHistory = 10000;
    addHistory(dir.path(), kHistory);
    {
        store::Database db = store::openStationDatabase(store::databasePath(dir.path()).string());
        std::printf("station: %lld preparations (%lld awaiting check)\n",
                    static_cast<long long>(db.queryInt("SELECT count(*) FROM preparations").value_or(0)),
                    static_cast<long long>(
                        db.queryInt("SELECT count(*) FROM preparations WHERE status = 'awaiting_check'")
                            .value_or(0)));
    }
    remote::ServerConfig config;
    config.port = 0;
    config.dataDir = dir.path();
    config.webDir = ADMIX_ASSETS_DIR "/web";
    remote::Server server(config);
    if (const Status s = server.start(); !s) {
        std::fprintf(stderr, "queue_bench: %s\n", s.error().text().c_str());
        return 1;
    }
    httplib::SSLClient client("127.0.0.1", server.port());
    client.set_ca_cert_path(server.certificatePath().string());
    client.enable_server_certificate_verification(true);
    auto login =
        client.Post("/api/v1/login",
                    nlohmann::json{{"username", "rph"}, {"password", remote::demoPassword("rph")}}.dump(),
                    "application/json");
    if (!login || login->status != 200) {
        std::fprintf(stderr, "queue_bench: sign-in failed\n");
        return 1;
    }
    const std::string cookie = login->get_header_value("Set-Cookie");
    const httplib::Headers h{{"Cookie", cookie.substr(0, cookie.find(';'))}};
    measure(client, h, "/api/v1/queue", 5); // warm up (TLS session, page cache)
    const Stats api = measure(client, h, "/api/v1/queue", 200);
    const Stats page = measure(client, h, "/queue.html", 200);
    std::printf("queue JSON (/api/v1/queue), %d historical preparations: median %.2f ms, p95 %.2f ms, max "
                "%.2f ms (200 requests, keep-alive HTTPS)\n",
                kHistory, api.median, api.p95, api.max);
    std::printf("queue page (/queue.html): median %.2f ms, p95 %.2f ms, max %.2f ms\n", page.median, page.p95,
                page.max);
    std::printf("%s: the queue answers in %s 100 ms\n", api.p95 < 100 && page.p95 < 100 ? "OK" : "SLOW",
                api.p95 < 100 && page.p95 < 100 ? "under" : "NOT under");
    server.stop();
    return api.p95 < 100 ? 0 : 2;
}
