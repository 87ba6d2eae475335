#include "station/remote/demo.hpp"

#include <algorithm>

#include "formulas/formulary.hpp"
#include "formulas/plan.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/demo_mark.hpp"
#include "station/store/image_store.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/plan_steps.hpp"
#include "usp797/demo_site.hpp"
#include "vision/evidence.hpp"
#include "vision/synthetic_scene.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace admix::remote {

namespace {

using namespace std::chrono_literals;
using workflow::Role;

struct DemoOrder {
    const char* orderJson;
    const char* patient;
    const char* mrn;
    const char* priority;
    int dueMinutes;     // from now
    int finishedAgoMin; // when the technician finished (waiting time)
    bool override;      // one weighing out of tolerance, passed by a pharmacist's override
};

// Fictitious patients and orders on recipes of the built-in demo formulary.
constexpr DemoOrder kOrders[] = {
    {R"({"id":"W-1","recipe":"cefazolin-ns","route":"IV","patient":{"weight_kg":70,"height_cm":175,"age_years":65,"sex":"male","scr_mg_dl":1.4},"dose":{"value":2,"unit":"g"},"infusion_minutes":30})",
     "DEMO, ALICE", "MRN-D0001", "stat", 30, 12, false},
    {R"({"id":"W-2","recipe":"vancomycin-ns","route":"IV","patient":{"weight_kg":82,"height_cm":180,"age_years":58,"sex":"male","scr_mg_dl":1.0},"dose":{"value":15,"unit":"mg/kg"},"infusion_minutes":90})",
     "DEMO, BRUNO", "MRN-D0002", "urgent", 60, 25, true},
    {R"({"id":"W-3","recipe":"ceftriaxone-ns","route":"IV","patient":{"weight_kg":64,"height_cm":168,"age_years":44,"sex":"female","scr_mg_dl":0.8}})",
     "DEMO, CARLA", "MRN-D0003", "routine", 180, 40, false},
    {R"({"id":"W-4","recipe":"meropenem-ns","route":"IV","patient":{"weight_kg":77,"height_cm":172,"age_years":71,"sex":"male","scr_mg_dl":1.2}})",
     "DEMO, DAVID", "MRN-D0004", "routine", 240, 8, false},
    {R"({"id":"W-5","recipe":"magnesium-sulfate-d5w","route":"IV","patient":{"weight_kg":59,"height_cm":160,"age_years":36,"sex":"female","scr_mg_dl":0.7},"infusion_minutes":60})",
     "DEMO, ELENA", "MRN-D0005", "routine", 300, 3, false},
};

std::string scanPayload(const std::string& gtin, const std::string& lot, int serial) {
    // AIM GS1 DataMatrix prefix, GTIN, expiry 2030-12-31, lot, GS, serial.
    return "]d201" + gtin + "17301231" + "10" + lot + "\x1d" + "21" + "S" + std::to_string(serial);
}

// A stable reading of the demo balance, in grams.
workflow::WeighReading demoReading(double grams) {
    workflow::WeighReading r;
    r.value = grams;
    r.unit = devices::MassUnit::Gram;
    r.decimals = 4;
    r.stable = true;
    r.balance = {"MT XS205", "DEMO", "demo balance"};
    return r;
}

// An evidence photo as the station's camera makes it: the synthetic hood scene, annotated and encoded.
Result<store::StoredImage> photo(store::ImageStore& images, const std::string& prepNumber,
                                 const std::string& step, const std::string& drug, const std::string& target,
                                 const std::string& measured, vision::ObjectKind kind, uint64_t seed,
                                 TimePoint at) {
    vision::SceneSpec scene;
    scene.width = 1280;
    scene.height = 720;
    scene.seed = seed;
    vision::SceneObject object;
    object.kind = kind;
    object.centre = {640, 360};
    object.scale = 1.4;
    object.drug = drug;
    object.codes = {
        vision::LabelCode{vision::CodeKind::DataMatrixGs1, vision::demoGs1(static_cast<int>(seed % 7)), 6}};
    scene.objects = {object};
    auto rendered = vision::renderScene(scene);
    if (!rendered)
        return rendered.error();
    vision::EvidenceCaption caption{prepNumber, step, drug, target, measured, "tech", at, "syringe"};
    vision::QualityThresholds lenient;
    lenient.minSharpness = 0; // a rendered scene is sharp; the station's check applies its own thresholds
    auto evidence = vision::makeEvidencePhoto(rendered->image, caption, lenient);
    if (!evidence)
        return evidence.error();
    return images.put(evidence->jpeg, "image/jpeg", evidence->width, evidence->height, formatIsoUtc(at));
}

Status drivePreparation(workflow::PreparationEngine& engine, workflow::Authenticator& auth,
                        store::ImageStore& images, int64_t prepId, const std::string& prepNumber,
                        const workflow::PrepSpec& spec, const workflow::User& tech, bool overrideOne,
                        TimePoint t) {
    using workflow::StepKind;
    bool overridden = false;
    for (size_t i = 0; i < spec.steps.size(); ++i) {
        const auto& s = spec.steps[i];
        const int step = static_cast<int>(i);
        const std::string key = "demo-" + std::to_string(i);
        t += 25s;
        Result<workflow::Outcome> out = workflow::Outcome{};
        switch (s.kind) {
        case StepKind::Scan:
            if (s.scan.acceptedGtins.empty())
                return Status::fail("demo: step " + std::to_string(i) + " accepts no product");
            // One scan per vial, each with its own serial.
            for (int v = 0; v < std::max(1, s.scan.count); ++v) {
                out = engine.submitScan(
                    prepId, step, key + (v ? "-v" + std::to_string(v + 1) : std::string()),
                    workflow::scannedText(scanPayload(s.scan.acceptedGtins.front(),
                                                      "L" + std::to_string(24100 + i), step * 10 + v),
                                          workflow::ScanSource::Scanner, "demo scanner"),
                    tech, t);
                if (!out || (v + 1 < s.scan.count && out->verdict != workflow::Verdict::Recorded))
                    break;
            }
            break;
        case StepKind::Weigh: {
            const double tare = 11.2;
            if (auto r = engine.submitReading(prepId, step, key + "-tare", demoReading(tare), tech, t); !r)
                return r.error();
            // Slightly off target, as real draws are; the override case is 15% over the plan.
            const double ml = overrideOne && !overridden ? s.weigh.highMl * 1.15 : s.weigh.targetMl * 1.012;
            out = engine.submitReading(prepId, step, key, demoReading(tare + ml * s.weigh.densityGPerMl),
                                       tech, t + 5s);
            if (out && overrideOne && !overridden) {
                overridden = true;
                auto sig =
                    auth.sign("rph2", demoPassword("rph2"), Role::Pharmacist, "prep.override", prepNumber,
                              "override: balance disturbed by the hood airflow; volume verified on the "
                              "syringe graduation",
                              t + 40s);
                if (!sig)
                    return sig.error();
                out = engine.overrideStep(prepId, step, *sig, t + 45s);
            }
            break;
        }
        case StepKind::Photo: {
            const bool final = s.ingredient < 0;
            auto img = photo(images, prepNumber, s.title, spec.title, "", "",
                             final ? vision::ObjectKind::Bag : vision::ObjectKind::Syringe,
                             static_cast<uint64_t>(prepId * 31 + step), t);
            if (!img)
                return img.error();
            out = engine.submitPhoto(prepId, step, key, workflow::PhotoInput{img->sha256, true, "", ""}, tech,
                                     t);
            break;
        }
        case StepKind::Confirm:
            out = engine.confirm(prepId, step, key, tech, t);
            break;
        case StepKind::Label:
            out = engine.labelPrinted(prepId, step, key, true, "Zebra ZD621 demo", tech, t);
            if (out && s.labelScan && out->verdict == workflow::Verdict::Recorded)
                out = engine.submitScan(
                    prepId, step, key + "-scan",
                    workflow::scannedText("]d1" + prepNumber, workflow::ScanSource::Scanner, "demo scanner"),
                    tech, t + 5s);
            break;
        }
        if (!out)
            return out.error();
        if (out->verdict != workflow::Verdict::Passed)
            return Status::fail("demo step " + std::to_string(i) + " (" + s.title +
                                ") did not pass: " + out->message);
    }
    return Status::success();
}

Date dayOf(TimePoint t) {
    return localDate(t);
}

} // namespace

std::string demoPassword(const std::string& username) {
    return "admix-demo-" + username;
}

Result<DemoSummary> seedDemo(const std::filesystem::path& dataDir, TimePoint now) {
    store::prepareDataDir(dataDir);
    store::Database db = store::openStationDatabase(store::databasePath(dataDir).string());
    store::AuditLog audit(db);
    workflow::Authenticator auth(db, audit);
    DemoSummary summary;
    if (!auth.users().empty())
        return summary;
    summary.seeded = true;
    // Marked first: a seeding cut short still leaves a database no real station opens.
    store::markDemoDatabase(db);

    // [SECTION] Users
    const TimePoint t0 = now - std::chrono::days(400);
    struct U {
        const char* name;
        const char* display;
        Role role;
        const char* badge;
        const char* pin;
    };
    const U people[] = {{"admin", "Demo Admin", Role::Admin, nullptr, nullptr},
                        {"tech", "T. Nguyen", Role::Technician, "B-1001", "4821"},
                        {"tech2", "J. Smith", Role::Technician, "B-1002", "5532"},
                        {"rph", "R. Patel", Role::Pharmacist, "B-2001", "7350"},
                        {"rph2", "M. Okafor", Role::Pharmacist, "B-2002", "8162"},
                        {"qa", "Q. Alvarez", Role::Quality, nullptr, nullptr}};
    std::optional<workflow::User> admin;
    std::map<std::string, workflow::User> users;
    for (const auto& p : people) {
        workflow::NewUser nu{p.name,
                             p.display,
                             p.role,
                             p.badge ? std::optional<std::string>(p.badge) : std::nullopt,
                             p.pin ? std::optional<std::string>(p.pin) : std::nullopt,
                             demoPassword(p.name)};
        auto user = auth.addUser(nu, admin, t0);
        if (!user)
            return user.error();
        if (!admin)
            admin = *user;
        users[p.name] = *user;
        summary.users.push_back(std::string(p.name) + " (" + std::string(workflow::roleName(p.role)) + ")");
    }

    // [SECTION] Site, monitoring, qualifications
    store::ComplianceStore compliance(db, audit);
    const Date firstDay = dayOf(now - std::chrono::days(60));
    const auto site = usp797::demoSite(firstDay);
    for (const auto& r : site.rooms)
        if (auto s = compliance.addRoom(r, "qa", t0); !s)
            return s.error();
    for (const auto& p : site.pecs)
        if (auto s = compliance.addPec(p, "qa", t0); !s)
            return s.error();
    const auto em = usp797::generateDemoEm(site, firstDay, 60, 20261121);
    std::string csv = usp797::emCsvHeader();
    for (const auto& s : em.samples) {
        if (s.at <= now)
            csv += usp797::emCsvLine(s);
    }
    const auto imported = compliance.importCsv(csv, "demo", "qa", now - 1h);
    if (!imported.problems.empty())
        return Result<DemoSummary>::fail("demo monitoring data refused: line " +
                                         std::to_string(imported.problems.front().line) + ": " +
                                         imported.problems.front().message);
    summary.emSamples = imported.imported;
    summary.excursions = imported.excursions;

    // One excursion investigated, remediated and re-sampled: QA can close it with an e-signature.
    const auto open = compliance.correctiveActions(true);
    if (!open.empty()) {
        const auto& ca = open.front();
        for (const auto& row : compliance.samples(ca.sampledAt, ca.sampledAt + 1s, ca.room)) {
            if (row.id != ca.sampleId)
                continue;
            usp797::EmSample resample = row.sample;
            resample.at = std::min(now - 2h, ca.sampledAt + std::chrono::days(2));
            resample.value = 0;
            resample.notes = "re-sample after excursion";
            auto rec = compliance.recordSample(resample, "qa", now - 2h);
            if (rec && !rec->evaluation.excursion) {
                store::CorrectiveActionUpdate update;
                update.investigation = "technique observed; HEPA and cleaning log reviewed";
                if (ca.genusRequired)
                    update.genus = "Staphylococcus";
                update.remediation = "sporicidal clean of the area; staff retrained on aseptic technique";
                update.resampleId = rec->sampleId;
                if (auto s = compliance.updateCorrectiveAction(ca.id, update, "qa", now - 1h); !s)
                    return s.error();
            }
        }
    }
    const auto recordQual = [&](const std::string& person, usp797::QualKind kind, Date date,
                                std::optional<int> cfu, bool passed) -> Status {
        auto r = compliance.recordQualification(
            person, usp797::QualEvent{kind, date, usp797::QualLevel::Cat12, cfu, passed}, "qa", "demo",
            now - 3h);
        if (!r)
            return r.error();
        return Status::success();
    };
    for (const char* person : {"tech", "tech2", "rph", "rph2"}) {
        const bool lapsed = std::string(person) == "tech2";
        const Date when = dayOf(now - std::chrono::days(lapsed ? 200 : 40));
        for (auto [kind, cfu] : {std::pair{usp797::QualKind::Training, std::optional<int>()},
                                 {usp797::QualKind::InitialFingertip, 0},
                                 {usp797::QualKind::InitialFingertip, 0},
                                 {usp797::QualKind::InitialFingertip, 0},
                                 {usp797::QualKind::MediaFill, std::optional<int>()},
                                 {usp797::QualKind::PostMediaFillFingertip, 1},
                                 {usp797::QualKind::GarbingCompetency, std::optional<int>()}})
            if (auto s = recordQual(person, kind, when, cfu, true); !s)
                return s.error();
    }

    // [SECTION] Preparations awaiting the pharmacist's check
    auto formulary = formulas::loadDemoFormulary();
    if (!formulary)
        return formulary.error();
    auto policy = formulas::loadDefaultFormulasPolicy();
    if (!policy)
        return policy.error();
    workflow::PreparationEngine engine(db, audit, "Hood 1 (demo)");
    engine.setProductLookup(workflow::formularyLookup(*formulary));
    store::ImageStore images(db, store::imagesDir(dataDir));
    for (const auto& o : kOrders) {
        auto order = formulas::parseOrderJson(o.orderJson, "demo order");
        if (!order)
            return order.error();
        auto plan = formulas::makePlan(*order, *formulary, *policy);
        if (!plan)
            return plan.error();
        auto spec = workflow::specFromPlan(*plan, *formulary);
        if (!spec)
            return Result<DemoSummary>::fail("demo order " + order->id + ": " + spec.error().text());
        const TimePoint finished = now - std::chrono::minutes(o.finishedAgoMin);
        const TimePoint started = finished - std::chrono::minutes(6);
        workflow::OrderInput in;
        in.patientName = o.patient;
        in.patientMrn = o.mrn;
        in.patient = nlohmann::json::parse(o.orderJson).at("patient");
        in.recipeId = order->recipeId;
        in.dose = nlohmann::json::parse(o.orderJson).value("dose", nlohmann::json::object());
        in.route = "IV";
        in.priority = o.priority;
        in.due = now + std::chrono::minutes(o.dueMinutes);
        in.prescriber = "Dr. A. Lee (demo)";
        auto orderId = engine.addOrder(in, users.at("rph2"), started - 10min);
        if (!orderId)
            return orderId.error();
        auto prepId = engine.start(*orderId, *spec, users.at("tech"), site.pecs.front().room,
                                   site.pecs.front().code, std::nullopt, started);
        if (!prepId)
            return Result<DemoSummary>::fail("demo order " + order->id + ": " + prepId.error().text());
        const auto view = engine.view(*prepId);
        if (!view)
            return Result<DemoSummary>::fail("demo: preparation vanished");
        if (auto s = drivePreparation(engine, auth, images, *prepId, view->number, *spec, users.at("tech"),
                                      o.override, started);
            !s)
            return Result<DemoSummary>::fail("demo order " + order->id + ": " + s.error().text());
        summary.awaitingCheck.push_back(view->number);
    }
    return summary;
}

} // namespace admix::remote
