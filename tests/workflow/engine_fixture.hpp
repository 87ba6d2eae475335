// A station on an in-memory database with users, an order and a plan, for the engine tests.
#pragma once

#include "formulas/gs1.hpp"
#include "station/store/image_store.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/engine.hpp"
#include "tests/test_support.hpp"

#include <map>
#include <set>
#include <string>

namespace admix::test {

// GTIN-14 for a (fictitious demo labeler) NDC-10: indicator 0, "03", the 10 digits, check digit.
inline std::string gtinFor(const std::string& ndc10Digits) {
    const std::string body = "003" + ndc10Digits;
    return body + std::to_string(formulas::gs1CheckDigit(body));
}

// A GS1 DataMatrix payload as a scanner sends it: AIM prefix, GTIN, expiry, lot, GS, serial.
inline std::string gs1Payload(const std::string& gtin, const std::string& yymmdd, const std::string& lot,
                              const std::string& serial = "S1") {
    return "]d201" + gtin + "17" + yymmdd + "10" + lot + "\x1d" + "21" + serial;
}

// Text as a scanner (or another source) delivers it, as the engine takes it.
inline workflow::ScannedCode scanned(const std::string& data,
                                     workflow::ScanSource source = workflow::ScanSource::Scanner) {
    return workflow::scannedText(data, source, "test scanner");
}

// The same payload, scanned by the hand scanner.
inline workflow::ScannedCode gs1Scan(const std::string& gtin, const std::string& yymmdd,
                                     const std::string& lot, const std::string& serial = "S1") {
    return scanned(gs1Payload(gtin, yymmdd, lot, serial));
}

inline const std::string kCefazolin1g = gtinFor("9999100101");
inline const std::string kCefazolin2g = gtinFor("9999100102");
inline const std::string kVancomycin1g = gtinFor("9999100201");
inline const std::string kNaCl100 = gtinFor("9999200100");
inline const std::string kCisplatin = gtinFor("9999300101");

// Blocks a person or room the test names; hazardous drugs only in a BSC. Reason codes: "person_blocked",
// "room_blocked", "pec_not_for_hazardous"; a pharmacist may override only the codes in `overridable`
// (empty: none, as a fail-closed policy). Decisions and overrides are kept in memory.
class FakeGate : public workflow::ComplianceGate {
public:
    std::map<std::string, std::string> blockedPeople; // username -> reason
    std::map<std::string, std::string> blockedRooms;  // room -> reason
    std::set<std::string> overridable;

    workflow::GateCheck check(const usp797::GateRequest& request, bool record) override {
        usp797::GateDecision d;
        const auto add = [&](const std::string& code, const std::string& message) {
            d.reasons.push_back({code, message, overridable.count(code) > 0});
        };
        if (auto it = blockedPeople.find(request.person); it != blockedPeople.end())
            add("person_blocked", it->second);
        if (auto it = blockedRooms.find(request.room); it != blockedRooms.end())
            add("room_blocked", it->second);
        if (request.hazardousDrug && request.pec.find("BSC") == std::string::npos)
            add("pec_not_for_hazardous",
                "hazardous drug: needs a biological safety cabinet or containment isolator, not " +
                    request.pec);
        d.allowed = d.reasons.empty();
        if (!record)
            return {0, d};
        decisions.push_back(d);
        return {static_cast<int64_t>(decisions.size()), d};
    }
    Status override(int64_t decisionId, const std::string& pharmacist, const std::string&,
                    TimePoint) override {
        const auto& d = decisions.at(static_cast<size_t>(decisionId - 1));
        for (const auto& r : d.reasons) {
            if (!overridable.count(r.code))
                return Status::fail("site policy does not allow overriding: " + r.code);
        }
        overriddenBy[decisionId] = pharmacist;
        return Status::success();
    }
    std::optional<int64_t> useStandingOverride(const usp797::GateRequest&,
                                               const usp797::GateDecision& current, const std::string&,
                                               TimePoint) override {
        for (const auto& [id, who] : overriddenBy) {
            if (used.count(id))
                continue;
            bool covers = true;
            for (const auto& r : current.reasons) {
                bool found = false;
                for (const auto& o : decisions.at(static_cast<size_t>(id - 1)).reasons)
                    found = found || o.code == r.code;
                covers = covers && found && overridable.count(r.code);
            }
            if (covers) {
                used.insert(id);
                return id;
            }
        }
        return std::nullopt;
    }

    std::vector<usp797::GateDecision> decisions;
    std::map<int64_t, std::string> overriddenBy;
    std::set<int64_t> used;
};

inline workflow::PrepSpec cefazolinSpec() {
    using namespace workflow;
    PrepSpec spec;
    spec.recipeId = "cefazolin-2g-100ml";
    spec.recipeVersion = 3;
    spec.title = "ceFAZolin 2 g in NS 100 mL";
    spec.doseText = "2 g";
    spec.category = "2";
    spec.storage = "fridge";
    spec.finalContainer = "NS 100 mL bag";
    StepSpec scan{StepKind::Scan, "Scan ceFAZolin 2 g vial", "Scan the 2D code on the vial.", 0, {}, {}, {},
                  false};
    scan.scan = {{kCefazolin2g}, "ceFAZolin 2 g vial", "cefazolin", "2 g vial"};
    StepSpec recon{StepKind::Confirm,
                   "Reconstitute with 10 mL SWFI",
                   "Add 10 mL sterile water, swirl to dissolve.",
                   0,
                   {},
                   {},
                   {},
                   false};
    // 2 g + 10 mL diluent, displacement 1 mL -> 11 mL at 181.8 mg/mL; whole vial drawn.
    StepSpec weigh{
        StepKind::Weigh, "Draw 11 mL", "Draw the whole vial into a 20 mL syringe.", 0, {}, {}, {}, false};
    weigh.weigh = {11.0, 10.45, 11.55, 1.08, 0.05, "ceFAZolin 181.8 mg/mL"};
    StepSpec photo{StepKind::Photo,
                   "Photograph syringe and vial",
                   "Hold the syringe beside the vial.",
                   0,
                   {},
                   {},
                   {},
                   false};
    photo.photo.subject = "the filled syringe beside the vial";
    StepSpec bag{StepKind::Scan, "Scan NS 100 mL bag", "Scan the bag.", 1, {}, {}, {}, false};
    bag.scan = {{kNaCl100}, "Sodium chloride 0.9% 100 mL", "sodium chloride", "0.9% 100 mL"};
    StepSpec inject{StepKind::Confirm,
                    "Inject into the bag and mix",
                    "Inject, then invert gently 5 times.",
                    1,
                    {},
                    {},
                    {},
                    false};
    StepSpec finalPhoto{StepKind::Photo,
                        "Photograph the final bag",
                        "Show the bag label to the camera.",
                        -1,
                        {},
                        {},
                        {},
                        false};
    finalPhoto.photo.subject = "the final bag";
    StepSpec label{StepKind::Label, "Print and apply the label", "", -1, {}, {}, {}, false};
    spec.steps = {scan, recon, weigh, photo, bag, inject, finalPhoto, label};
    return spec;
}

struct EngineFixture {
    TempDir dir;
    store::Database db = store::openStationDatabase((dir / "station.sqlite3").string());
    store::AuditLog audit{db};
    workflow::Authenticator auth{db, audit};
    workflow::PreparationEngine engine{db, audit, "Hood 1"};
    store::ImageStore images{db, dir / "images"};
    FakeGate gate;
    TimePoint t0 = parseIsoUtc("2026-11-21T08:00:00Z").value();
    workflow::User admin, tech, tech2, rph;

    EngineFixture() {
        using workflow::Role;
        admin = auth.addUser({"admin", "Admin", Role::Admin, std::nullopt, std::nullopt, "admin password"},
                             std::nullopt, t0)
                    .value();
        tech = auth.addUser({"tnguyen", "T. Nguyen", Role::Technician, "B-1001", "4821", std::nullopt}, admin,
                            t0)
                   .value();
        tech2 =
            auth.addUser({"jsmith", "J. Smith", Role::Technician, "B-1002", "5532", std::nullopt}, admin, t0)
                .value();
        rph =
            auth.addUser({"rpatel", "R. Patel", Role::Pharmacist, "B-2001", "7350", std::nullopt}, admin, t0)
                .value();
        engine.setComplianceGate(&gate);
        engine.setProductLookup([](const std::string& gtin) -> std::optional<workflow::ProductInfo> {
            if (gtin == kCefazolin1g)
                return workflow::ProductInfo{"cefazolin", "ceFAZolin", "1 g vial"};
            if (gtin == kCefazolin2g)
                return workflow::ProductInfo{"cefazolin", "ceFAZolin", "2 g vial"};
            if (gtin == kVancomycin1g)
                return workflow::ProductInfo{"vancomycin", "vancomycin 1 g vial", "1 g vial"};
            return std::nullopt;
        });
    }

    int64_t order(const std::string& recipe = "cefazolin-2g-100ml", const std::string& priority = "routine",
                  int dueHours = 2) {
        workflow::OrderInput o;
        o.patientName = "DOE, JANE";
        o.patientMrn = "MRN-000123";
        o.patient = {{"weight_kg", 70}, {"height_cm", 165}};
        o.recipeId = recipe;
        o.dose = {{"value", 2}, {"unit", "g"}};
        o.route = "IV";
        o.finalVolumeMl = 100;
        o.priority = priority;
        o.due = t0 + std::chrono::hours(dueHours);
        o.prescriber = "Dr. A. Lee";
        return engine.addOrder(o, rph, t0).value();
    }

    workflow::Signature sign(const std::string& action, const std::string& subject,
                             const std::string& meaning, TimePoint at) {
        return auth.sign("B-2001", "7350", workflow::Role::Pharmacist, action, subject, meaning, at).value();
    }

    std::string storePhoto(int n) {
        const std::vector<uint8_t> bytes{0xFF, 0xD8, static_cast<uint8_t>(n), 0xFF, 0xD9};
        return images.put(bytes, "image/jpeg", 1920, 1080, "2026-11-21T08:00:00Z").sha256;
    }

    int64_t evidenceCount(int64_t prepId, const std::string& outcome) {
        int64_t n = 0;
        for (const auto& e : store::PrepRepo(db).evidence(prepId))
            n += e.outcome == outcome;
        return n;
    }
};

// A reading of the test balance in grams (or in `unit`: `value` is then in that unit).
inline workflow::WeighReading grams(double g, bool stable = true,
                                    devices::MassUnit unit = devices::MassUnit::Gram) {
    workflow::WeighReading r;
    r.value = g;
    r.unit = unit;
    r.decimals = 4;
    r.stable = stable;
    r.balance = {"MT XS205", "B1234", "test balance"};
    return r;
}

} // namespace admix::test
