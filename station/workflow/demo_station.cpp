#include "station/workflow/demo_station.hpp"

#include "station/store/prep_repo.hpp"
#include "station/workflow/compliance_gate.hpp"

#include <nlohmann/json.hpp>

namespace admix::workflow {

namespace {

struct DemoOrder {
    const char* recipe;
    const char* patient;
    const char* mrn;
    const char* patientJson;
    const char* doseJson;
    const char* priority;
    int dueMinutes;
};

// Fictitious patients; recipes of the built-in demo formulary.
constexpr DemoOrder kQueue[] = {
    {"cefazolin-ns", "DEMO, FRANK", "MRN-D0101",
     R"({"weight_kg":80,"height_cm":178,"age_years":52,"sex":"male","scr_mg_dl":1.0})",
     R"({"value":2,"unit":"g"})", "stat", 20},
    {"vancomycin-ns", "DEMO, GRACE", "MRN-D0102",
     R"({"weight_kg":68,"height_cm":165,"age_years":61,"sex":"female","scr_mg_dl":0.9})",
     R"({"value":15,"unit":"mg/kg"})", "urgent", 75},
    {"potassium-chloride-ns-100-central", "DEMO, HENRY", "MRN-D0103",
     R"({"weight_kg":74,"height_cm":172,"age_years":70,"sex":"male","scr_mg_dl":1.1})", "{}", "routine", 150},
    {"magnesium-sulfate-d5w", "DEMO, IRIS", "MRN-D0104",
     R"({"weight_kg":59,"height_cm":160,"age_years":35,"sex":"female","scr_mg_dl":0.7})", "{}", "routine",
     240},
};

} // namespace

Result<DemoStationSummary> prepareDemoStation(store::Database& db, PreparationEngine& engine,
                                              Authenticator& auth, store::ComplianceStore& compliance,
                                              const std::string& room, const std::string& pec,
                                              const std::string& qaPassword, TimePoint now) {
    DemoStationSummary summary;
    const auto pharmacist = auth.findByUsername("rph2");
    if (!pharmacist)
        return Result<DemoStationSummary>::fail("the demo users are missing (seed the demo data first)");

    if (store::PrepRepo(db).queue().empty()) {
        for (const DemoOrder& o : kQueue) {
            OrderInput in;
            in.patientName = o.patient;
            in.patientMrn = o.mrn;
            in.patient = nlohmann::json::parse(o.patientJson);
            in.recipeId = o.recipe;
            in.dose = nlohmann::json::parse(o.doseJson);
            in.route = "IV";
            in.priority = o.priority;
            in.due = now + std::chrono::minutes(o.dueMinutes);
            in.prescriber = "Dr. A. Lee (demo)";
            const auto id = engine.addOrder(in, *pharmacist, now);
            if (!id)
                return id.error();
            ++summary.ordersAdded;
        }
    }

    // Today's readings and daily cleaning for the demo room and PEC, taken by the demo technician
    // an hour ago, in range, unless someone already recorded them today.
    const Date today = localDate(now);
    const TimePoint dayStart = localDayStart(today);
    const TimePoint taken = std::max(dayStart, now - std::chrono::hours(1));
    const auto roomRecord = compliance.room(room);
    if (!roomRecord)
        return Result<DemoStationSummary>::fail("room " + room + " is not in the demo site");
    struct Reading {
        usp797::EmKind kind;
        double value;
    };
    const double pressure = roomRecord->pressure == usp797::PressureRegime::Negative ? -0.02 : 0.03;
    for (const Reading r :
         {Reading{usp797::EmKind::Pressure, pressure}, Reading{usp797::EmKind::Temperature, 19.5},
          Reading{usp797::EmKind::Humidity, 45}}) {
        bool have = false;
        for (const auto& row : compliance.samples(dayStart, now + std::chrono::seconds(1), room))
            have = have || row.sample.kind == r.kind;
        if (have)
            continue;
        usp797::EmSample sample;
        sample.at = taken;
        sample.kind = r.kind;
        sample.room = room;
        sample.location = room;
        sample.value = r.value;
        sample.person = "tech";
        sample.deviceOrLot = "demo monitor";
        if (const auto rec = compliance.recordSample(sample, "tech", taken); !rec)
            return rec.error();
        ++summary.entriesAdded;
    }
    for (const std::string& area : {room, pec}) {
        const auto last = compliance.lastCleaning(area, usp797::CleaningTask::Daily, now);
        if (last && *last == today)
            continue;
        usp797::CleaningRecord rec;
        rec.at = taken;
        rec.area = area;
        rec.task = usp797::CleaningTask::Daily;
        rec.actions = usp797::requiredCleaningActions(usp797::CleaningTask::Daily, roomRecord->hazardous);
        rec.agent = "demo disinfectant";
        rec.lot = "DEMO-LOT";
        rec.person = "tech";
        if (const auto logged = compliance.logCleaning(rec, taken); !logged)
            return logged.error();
        ++summary.entriesAdded;
    }

    // The demo room's open excursions: investigated, re-sampled in range, closed by QA.
    for (const auto& ca : compliance.correctiveActions(true, room)) {
        if (ca.room != room)
            continue;
        std::optional<usp797::EmSample> excursion;
        for (const auto& row :
             compliance.samples(ca.sampledAt, ca.sampledAt + std::chrono::seconds(1), room)) {
            if (row.id == ca.sampleId)
                excursion = row.sample;
        }
        if (!excursion)
            continue;
        usp797::EmSample resample = *excursion;
        resample.at = std::min(now - std::chrono::minutes(30),
                               std::max(ca.sampledAt + std::chrono::hours(1), now - std::chrono::hours(20)));
        resample.value = excursion->kind == usp797::EmKind::Pressure
                             ? (roomRecord->pressure == usp797::PressureRegime::Negative ? -0.02 : 0.03)
                         : excursion->kind == usp797::EmKind::Temperature ? 19.5
                         : excursion->kind == usp797::EmKind::Humidity    ? 45
                         : excursion->kind == usp797::EmKind::Fridge      ? 5
                         : excursion->kind == usp797::EmKind::Freezer     ? -20
                                                                          : 0; // counts: none grew
        resample.notes = "demo re-sample after excursion #" + std::to_string(ca.id);
        const auto rec = compliance.recordSample(resample, "qa", resample.at);
        if (!rec)
            return rec.error();
        store::CorrectiveActionUpdate update;
        update.investigation =
            "demo: cause reviewed with the technician; HEPA, cleaning and pressure logs checked";
        if (ca.genusRequired)
            update.genus = "Micrococcus (demo)";
        update.remediation = "demo: area cleaned with a sporicidal agent; monitor recalibrated";
        update.resampleId = rec->sampleId;
        if (const auto s = compliance.updateCorrectiveAction(ca.id, update, "qa", resample.at); !s)
            return s.error();
        ReauthSignatureAuthority authority(auth, qaPassword);
        const auto sig = authority.sign("qa", "close excursion #" + std::to_string(ca.id),
                                        "investigated, remediated, re-sample in range", now);
        if (!sig)
            return sig.error();
        if (const auto s = compliance.closeCorrectiveAction(ca.id, *sig); !s)
            return s.error();
        ++summary.excursionsClosed;
    }
    return summary;
}

} // namespace admix::workflow
