// A scripted station for the crash test: it prepares PREPS preparations of the cefazolin plan, one
// event at a time, each event with a fixed key, and can be killed with SIGKILL at any moment. On
// every start it looks at what the database says and goes on from there, exactly as the station
// does after a crash. The script includes failed attempts (a wrong vial, an under-draw, a blurred
// photo) so that a retried failure would show up as a duplicate.
//
// Usage: admix_crash_driver DATA_DIR PREPS PACE_MS   (exit 0 and "done" when every prep awaits check)
#include "station/store/data_dir.hpp"
#include "tests/workflow/engine_fixture.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

using namespace admix;
using namespace admix::workflow;

namespace {

struct ScriptedEvent {
    std::string key;
    std::function<Result<Outcome>(PreparationEngine&, store::ImageStore&, int64_t prep, int step, const User&,
                                  TimePoint)>
        submit;
};

// The events for step `i` of the plan, in order; earlier ones are deliberate failures.
std::vector<ScriptedEvent> eventsFor(const StepSpec& s, int i) {
    const std::string p = "s" + std::to_string(i) + "-";
    std::vector<ScriptedEvent> out;
    switch (s.kind) {
    case StepKind::Scan: {
        if (i == 0)
            out.push_back(
                {p + "wrong", [](auto& e, auto&, int64_t prep, int step, const User& u, TimePoint t) {
                     return e.submitScan(prep, step, "s0-wrong",
                                         test::gs1Scan(test::kVancomycin1g, "280630", "V1"), u, t);
                 }});
        const std::string gtin = s.scan.acceptedGtins.front();
        out.push_back(
            {p + "ok", [gtin, p](auto& e, auto&, int64_t prep, int step, const User& u, TimePoint t) {
                 return e.submitScan(prep, step, p + "ok", test::gs1Scan(gtin, "280630", "LOT-A"), u, t);
             }});
        break;
    }
    case StepKind::Weigh: {
        const double tare = 11.2031, density = s.weigh.densityGPerMl, target = s.weigh.targetMl;
        out.push_back({p + "tare", [=](auto& e, auto&, int64_t prep, int step, const User& u, TimePoint t) {
                           return e.submitReading(prep, step, p + "tare", test::grams(tare), u, t);
                       }});
        out.push_back({p + "under", [=](auto& e, auto&, int64_t prep, int step, const User& u, TimePoint t) {
                           return e.submitReading(prep, step, p + "under",
                                                  test::grams(tare + 0.8 * target * density), u, t);
                       }});
        out.push_back({p + "ok", [=](auto& e, auto&, int64_t prep, int step, const User& u, TimePoint t) {
                           return e.submitReading(prep, step, p + "ok", test::grams(tare + target * density),
                                                  u, t);
                       }});
        break;
    }
    case StepKind::Photo:
        out.push_back(
            {p + "blurred", [p](auto& e, auto&, int64_t prep, int step, const User& u, TimePoint t) {
                 return e.submitPhoto(prep, step, p + "blurred",
                                      PhotoInput{"", false, "blurred: hold still", ""}, u, t);
             }});
        out.push_back(
            {p + "ok",
             [p, i](auto& e, store::ImageStore& images, int64_t prep, int step, const User& u, TimePoint t) {
                 const std::vector<uint8_t> bytes{
                     0xFF, 0xD8, static_cast<uint8_t>(prep), static_cast<uint8_t>(i), 0xFF, 0xD9};
                 const auto stored = images.put(bytes, "image/jpeg", 1920, 1080, formatIsoUtc(t));
                 return e.submitPhoto(prep, step, p + "ok", PhotoInput{stored.sha256, true, "", ""}, u, t);
             }});
        break;
    case StepKind::Confirm:
        out.push_back({p + "ok", [p](auto& e, auto&, int64_t prep, int step, const User& u, TimePoint t) {
                           return e.confirm(prep, step, p + "ok", u, t);
                       }});
        break;
    case StepKind::Label:
        out.push_back({p + "ok", [p](auto& e, auto&, int64_t prep, int step, const User& u, TimePoint t) {
                           return e.labelPrinted(prep, step, p + "ok", true, "Zebra ZD621", u, t);
                       }});
        break;
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: admix_crash_driver DATA_DIR PREPS PACE_MS\n");
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    const int preps = std::atoi(argv[2]);
    const auto pace = std::chrono::milliseconds(std::atoi(argv[3]));
    store::prepareDataDir(dir);
    store::Database db = store::openStationDatabase(store::databasePath(dir).string());
    store::AuditLog audit(db);
    Authenticator auth(db, audit);
    PreparationEngine engine(db, audit, "crash-test station");
    store::ImageStore images(db, store::imagesDir(dir));
    const TimePoint t = nowUtc();

    if (!auth.findByUsername("admin"))
        (void)auth.addUser({"admin", "Admin", Role::Admin, std::nullopt, std::nullopt, "admin password"},
                           std::nullopt, t);
    const User admin = *auth.findByUsername("admin");
    if (!auth.findByUsername("tech"))
        (void)auth.addUser({"tech", "Tech", Role::Technician, "B-1", "4821", std::nullopt}, admin, t);
    if (!auth.findByUsername("rph"))
        (void)auth.addUser({"rph", "Pharmacist", Role::Pharmacist, "B-2", "7350", std::nullopt}, admin, t);
    const User tech = *auth.findByUsername("tech");
    const User rph = *auth.findByUsername("rph");
    const PrepSpec spec = test::cefazolinSpec();

    store::PrepRepo repo(db);
    for (int n = 1; n <= preps; ++n) {
        const std::string mrn = "MRN-CRASH-" + std::to_string(n);
        // Find this round's order (by MRN) or enter it.
        std::optional<store::OrderRow> order;
        for (int64_t id = 1; const auto row = repo.order(id); ++id)
            if (row->patientMrn == mrn)
                order = row;
        if (!order) {
            OrderInput o;
            o.patientName = "CRASH, TEST " + std::to_string(n);
            o.patientMrn = mrn;
            o.recipeId = spec.recipeId;
            o.route = "IV";
            o.due = t;
            o.prescriber = "Dr. Test";
            const auto id = engine.addOrder(o, rph, t);
            if (!id) {
                std::fprintf(stderr, "order: %s\n", id.error().text().c_str());
                return 1;
            }
            order = repo.order(*id);
        }
        std::optional<store::PrepRow> prep = repo.activePrepForOrder(order->id);
        if (!prep) {
            const auto id = engine.start(order->id, spec, tech, "Buffer room A", "LAFW-1", std::nullopt, t);
            if (!id) {
                std::fprintf(stderr, "start: %s\n", id.error().text().c_str());
                return 1;
            }
            prep = repo.prep(*id);
        }
        for (;;) {
            const auto view = engine.view(prep->id);
            if (view->status != workflow::PrepStatus::InProgress)
                break;
            const int step = view->currentStep;
            bool submitted = false;
            for (const ScriptedEvent& ev : eventsFor(spec.steps[static_cast<size_t>(step)], step)) {
                if (repo.evidenceByKey(prep->id, ev.key))
                    continue; // done before a crash
                const auto outcome = ev.submit(engine, images, prep->id, step, tech, nowUtc());
                if (!outcome) {
                    std::fprintf(stderr, "event %s: %s\n", ev.key.c_str(), outcome.error().text().c_str());
                    return 1;
                }
                submitted = true;
                std::this_thread::sleep_for(pace);
                break;
            }
            if (!submitted) {
                std::fprintf(stderr, "step %d: script exhausted without passing\n", step);
                return 1;
            }
        }
    }
    std::puts("done");
    return 0;
}
