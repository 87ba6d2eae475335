#include "station/workflow/engine.hpp"

#include "formulas/gs1.hpp"
#include "formulas/text.hpp"
#include "station/store/image_store.hpp"
#include "station/store/prep_repo.hpp"

#include <algorithm>

namespace admix::workflow {

using nlohmann::json;

// [SECTION] Helpers -------------------------------------------------------------------------------

namespace {

std::string ml(double v) { return formulas::format(formulas::Volume::mL(v)); }
std::string grams(double g) { return formulas::formatPlain(g, 4) + " g"; }

constexpr auto kSignatureFreshness = std::chrono::minutes(5);

bool validPriority(const std::string& p) { return p == "stat" || p == "urgent" || p == "routine"; }

// "P20261121-" / "O20261121-": the (local) day's prefix of a preparation or order number.
std::string dayPrefix(char letter, TimePoint now) {
    const std::string day = formatDate(localDate(now));
    return letter + day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2) + "-";
}

std::string sequenceNumber(int64_t n) {
    std::string digits = std::to_string(n);
    return std::string(digits.size() < 4 ? 4 - digits.size() : 0, '0') + digits;
}

} // namespace

struct PreparationEngine::Loaded {
    store::PrepRow prep;
    PrepSpec spec;
    std::vector<store::StepRow> steps;
    int index = 0;

    store::StepRow& step() { return steps.at(static_cast<size_t>(index)); }
    const StepSpec& stepSpec() const { return spec.steps.at(static_cast<size_t>(index)); }
};

PreparationEngine::PreparationEngine(store::Database& db, store::AuditLog& audit, std::string stationName)
    : m_db(db), m_audit(audit), m_station(std::move(stationName)) {}

// [SECTION] Orders --------------------------------------------------------------------------------

Result<int64_t> PreparationEngine::addOrder(const OrderInput& o, const User& by, TimePoint now) {
    if (by.role != Role::Pharmacist && by.role != Role::Admin)
        return Result<int64_t>::fail("only a pharmacist may enter an order");
    if (formulas::trim(o.patientName).empty())
        return Result<int64_t>::fail("must not be empty", "patient name");
    if (formulas::trim(o.patientMrn).empty())
        return Result<int64_t>::fail("must not be empty", "medical record number");
    if (formulas::trim(o.recipeId).empty())
        return Result<int64_t>::fail("must name a recipe", "recipe");
    if (formulas::trim(o.route).empty())
        return Result<int64_t>::fail("must not be empty", "route");
    if (!validPriority(o.priority))
        return Result<int64_t>::fail("must be stat, urgent or routine", "priority");
    if (formulas::trim(o.prescriber).empty())
        return Result<int64_t>::fail("must not be empty", "prescriber");
    if (o.finalVolumeMl && !(*o.finalVolumeMl > 0))
        return Result<int64_t>::fail("must be more than 0 mL", "final volume");

    store::PrepRepo repo(m_db);
    store::Transaction tx(m_db);
    const std::string prefix = dayPrefix('O', now);
    store::OrderRow row;
    row.orderNumber = prefix + sequenceNumber(repo.nextOrderSequence(prefix));
    row.patientName = std::string(formulas::trim(o.patientName));
    row.patientMrn = std::string(formulas::trim(o.patientMrn));
    row.patientJson = o.patient.dump();
    row.recipeId = o.recipeId;
    row.doseJson = o.dose.dump();
    row.route = o.route;
    row.finalVolumeMl = o.finalVolumeMl;
    row.priority = o.priority;
    row.dueUtc = formatIsoUtc(o.due);
    row.prescriber = o.prescriber;
    row.enteredBy = by.username;
    row.createdUtc = formatIsoUtc(now);
    const int64_t id = repo.insertOrder(row);
    m_audit.append(by.username, "order.add", row.orderNumber,
                   json{{"recipe", o.recipeId}, {"priority", o.priority}, {"due", row.dueUtc}, {"dose", o.dose}}.dump(), now);
    tx.commit();
    return id;
}

Status PreparationEngine::cancelOrder(int64_t orderId, const User& by, const std::string& reason, TimePoint now) {
    if (by.role != Role::Pharmacist && by.role != Role::Admin)
        return Status::fail("only a pharmacist may cancel an order");
    if (formulas::trim(reason).empty())
        return Status::fail("a cancellation needs a reason");
    store::PrepRepo repo(m_db);
    store::Transaction tx(m_db);
    const auto order = repo.order(orderId);
    if (!order)
        return Status::fail("no such order");
    if (order->status != "open")
        return Status::fail("order " + order->orderNumber + " is " + order->status + "; cancel its preparation first");
    repo.setOrderStatus(orderId, "cancelled");
    m_audit.append(by.username, "order.cancel", order->orderNumber, json{{"reason", reason}}.dump(), now);
    tx.commit();
    return Status::success();
}

// [SECTION] Start ---------------------------------------------------------------------------------

Result<int64_t> PreparationEngine::start(int64_t orderId, const PrepSpec& spec, const User& technician,
                                         const std::string& room, const std::string& pec,
                                         const std::optional<Signature>& complianceOverride, TimePoint now) {
    if (!mayCompound(technician.role))
        return Result<int64_t>::fail(technician.displayName + " (" + std::string(roleName(technician.role)) +
                                     ") may not compound");
    if (spec.steps.empty())
        return Result<int64_t>::fail("the plan has no steps");
    if (spec.steps.back().kind != StepKind::Label)
        return Result<int64_t>::fail("the plan must end with the label step");
    store::PrepRepo repo(m_db);
    const auto order = repo.order(orderId);
    if (!order)
        return Result<int64_t>::fail("no such order");
    if (order->status != "open")
        return Result<int64_t>::fail("order " + order->orderNumber + " is " + order->status + ", not open");
    if (order->recipeId != spec.recipeId)
        return Result<int64_t>::fail("the plan is for recipe " + spec.recipeId + " but the order asks for " + order->recipeId);

    std::vector<std::string> blockers;
    if (m_gate)
        blockers = m_gate->blockers(technician, spec, room, pec, now);
    if (!blockers.empty()) {
        json reasons = blockers;
        if (!complianceOverride) {
            m_audit.append(technician.username, "prep.start.blocked", order->orderNumber,
                           json{{"room", room}, {"pec", pec}, {"reasons", reasons}}.dump(), now);
            std::string message = "Cannot start:";
            for (const auto& b : blockers)
                message += "\n- " + b;
            return Result<int64_t>::fail(message);
        }
        std::string why;
        if (!verifySignature(*complianceOverride, "prep.start.override", order->orderNumber, why))
            return Result<int64_t>::fail("compliance override refused: " + why);
        m_audit.append(complianceOverride->signer.username, "prep.start.override", order->orderNumber,
                       json{{"reasons", reasons}, {"meaning", complianceOverride->meaning},
                            {"signature_audit_id", complianceOverride->auditId}}
                           .dump(),
                       now);
    }

    store::Transaction tx(m_db);
    const std::string prefix = dayPrefix('P', now);
    store::PrepRow row;
    row.prepNumber = prefix + sequenceNumber(repo.countPrepsStartedWith(prefix) + 1);
    row.orderId = orderId;
    row.recipeId = spec.recipeId;
    row.recipeVersion = spec.recipeVersion;
    row.specJson = toJson(spec).dump();
    row.status = "in_progress";
    row.currentStep = 0;
    row.technician = technician.username;
    row.station = m_station;
    row.room = room;
    row.pec = pec;
    row.startedUtc = formatIsoUtc(now);
    const int64_t id = repo.insertPrep(row);
    for (size_t i = 0; i < spec.steps.size(); ++i) {
        repo.insertStep(store::StepRow{id, static_cast<int>(i), std::string(stepKindName(spec.steps[i].kind)),
                                       i == 0 ? "active" : "pending", 0, "{}", std::nullopt, std::nullopt});
    }
    repo.setOrderStatus(orderId, "in_progress");
    m_audit.append(technician.username, "prep.start", row.prepNumber,
                   json{{"order", order->orderNumber}, {"recipe", spec.recipeId}, {"recipe_version", spec.recipeVersion},
                        {"room", room}, {"pec", pec}, {"station", m_station}, {"compliance_override", complianceOverride.has_value() && !blockers.empty()}}
                       .dump(),
                   now);
    tx.commit();
    return id;
}

// [SECTION] Event plumbing ------------------------------------------------------------------------

Result<PreparationEngine::Loaded> PreparationEngine::load(int64_t prepId, int stepIndex, const std::string& eventKey,
                                                           const User& by, const char* kind, TimePoint now,
                                                           std::optional<Outcome>& early) {
    if (formulas::trim(eventKey).empty())
        return Result<Loaded>::fail("an event needs a key");
    store::PrepRepo repo(m_db);
    Loaded l;
    const auto prep = repo.prep(prepId);
    if (!prep)
        return Result<Loaded>::fail("no such preparation");
    l.prep = *prep;
    if (const auto seen = repo.evidenceByKey(prepId, eventKey)) {
        early = Outcome{Verdict::Duplicate, seen->message, l.prep.currentStep, l.prep.status};
        return l;
    }
    if (l.prep.status != "in_progress")
        return Result<Loaded>::fail("preparation " + l.prep.prepNumber + " is " + l.prep.status + ", not in progress");
    auto spec = prepSpecFromJson(json::parse(l.prep.specJson, nullptr, false));
    if (!spec)
        return spec.error();
    l.spec = std::move(*spec);
    l.steps = repo.steps(prepId);
    l.index = l.prep.currentStep;
    if (stepIndex != l.prep.currentStep) {
        const std::string message = "Step " + std::to_string(stepIndex + 1) + " is not open: finish step " +
                                    std::to_string(l.prep.currentStep + 1) + " (" + l.stepSpec().title + ") first.";
        early = record(l, eventKey, "skip", message, json{{"attempted_step", stepIndex}, {"event", kind}}, by, now);
        early->verdict = Verdict::Failed;
        return l;
    }
    return l;
}

Outcome PreparationEngine::pass(Loaded& l, const std::string& eventKey, const char* kind, const std::string& message,
                                const json& data, const std::optional<std::string>& image, const User& by, TimePoint now,
                                const std::string& state) {
    store::PrepRepo repo(m_db);
    const std::string at = formatIsoUtc(now);
    repo.addEvidence(store::EvidenceRow{0, l.prep.id, l.index, eventKey, kind, "pass", message, data.dump(), image,
                                        by.username, at});
    store::StepRow& step = l.step();
    json result = json::parse(step.resultJson, nullptr, false);
    if (!result.is_object())
        result = json::object();
    for (const auto& [k, v] : data.items())
        result[k] = v;
    result.erase("device_down");
    step.state = state;
    step.resultJson = result.dump();
    step.doneUtc = at;
    step.doneBy = by.username;
    repo.updateStep(step);

    const int next = l.index + 1;
    std::string status = "in_progress";
    if (next < static_cast<int>(l.steps.size())) {
        store::StepRow& following = l.steps.at(static_cast<size_t>(next));
        following.state = "active";
        repo.updateStep(following);
    } else {
        status = "awaiting_check";
        repo.setPrepCompleted(l.prep.id, at);
        repo.setOrderStatus(l.prep.orderId, "awaiting_check");
    }
    repo.setPrepStatus(l.prep.id, status, std::min(next, static_cast<int>(l.steps.size()) - 1));
    m_audit.append(by.username, std::string("prep.") + kind + (state == "overridden" ? ".override" : ".pass"),
                   l.prep.prepNumber, json{{"step", l.index}, {"message", message}, {"data", data}}.dump(), now);
    if (status == "awaiting_check")
        m_audit.append(by.username, "prep.complete", l.prep.prepNumber, "{}", now);
    return Outcome{Verdict::Passed, message, std::min(next, static_cast<int>(l.steps.size()) - 1), status};
}

Outcome PreparationEngine::fail(Loaded& l, const std::string& eventKey, const char* kind, const std::string& message,
                                const json& data, const std::optional<std::string>& image, const User& by, TimePoint now,
                                bool countsAsAttempt) {
    store::PrepRepo repo(m_db);
    repo.addEvidence(store::EvidenceRow{0, l.prep.id, l.index, eventKey, kind, "fail", message, data.dump(), image,
                                        by.username, formatIsoUtc(now)});
    if (countsAsAttempt) {
        l.step().attempts += 1;
        repo.updateStep(l.step());
    }
    m_audit.append(by.username, std::string("prep.") + kind + ".fail", l.prep.prepNumber,
                   json{{"step", l.index}, {"message", message}, {"data", data}}.dump(), now);
    return Outcome{Verdict::Failed, message, l.index, l.prep.status};
}

Outcome PreparationEngine::record(Loaded& l, const std::string& eventKey, const char* kind, const std::string& message,
                                  const json& data, const User& by, TimePoint now) {
    store::PrepRepo repo(m_db);
    repo.addEvidence(store::EvidenceRow{0, l.prep.id, l.index, eventKey, kind, "info", message, data.dump(),
                                        std::nullopt, by.username, formatIsoUtc(now)});
    m_audit.append(by.username, std::string("prep.") + kind, l.prep.prepNumber,
                   json{{"step", l.index}, {"message", message}, {"data", data}}.dump(), now);
    return Outcome{Verdict::Recorded, message, l.index, l.prep.status};
}

// Runs one event: a transaction around load + the gate logic, committed before answering.
#define ADMIX_EVENT_PROLOGUE(kind)                                                                                     \
    store::Transaction tx(m_db);                                                                                       \
    std::optional<Outcome> early;                                                                                      \
    auto loaded = load(prepId, stepIndex, eventKey, by, kind, now, early);                                             \
    if (!loaded)                                                                                                       \
        return loaded.error();                                                                                         \
    if (early) {                                                                                                       \
        tx.commit();                                                                                                   \
        return *early;                                                                                                 \
    }                                                                                                                  \
    Loaded& l = *loaded;                                                                                               \
    /* Commits the event's evidence, step state and audit rows, then answers. */                                       \
    [[maybe_unused]] auto finish = [&tx](Outcome o) -> Result<Outcome> {                                               \
        tx.commit();                                                                                                   \
        return o;                                                                                                      \
    };

// [SECTION] Gates ---------------------------------------------------------------------------------

Result<Outcome> PreparationEngine::submitScan(int64_t prepId, int stepIndex, const std::string& eventKey,
                                              const std::string& scanned, const User& by, TimePoint now) {
    ADMIX_EVENT_PROLOGUE("scan")
    const StepSpec& spec = l.stepSpec();
    json data{{"scanned", formulas::printable(scanned)}};
    if (spec.kind == StepKind::Label && spec.labelScan) {
        // The printed label carries the preparation number (DataMatrix): scanned once applied.
        std::string_view code = formulas::trim(scanned);
        if (code.size() > 3 && code[0] == ']')
            code.remove_prefix(3);
        const json result = json::parse(l.step().resultJson, nullptr, false);
        if (!result.is_object() || !result.value("printed", false))
            return finish(fail(l, eventKey, "label-scan", "The label has not printed yet: print it, apply it, then scan it.", data,
                               std::nullopt, by, now, false));
        if (code != l.prep.prepNumber) {
            data["problem"] = "wrong label";
            return finish(fail(l, eventKey, "label-scan",
                               "WRONG LABEL: this code is not " + l.prep.prepNumber + ". Scan the label printed for this preparation.",
                               data, std::nullopt, by, now));
        }
        data["label_verified"] = true;
        return finish(pass(l, eventKey, "label-scan", "Label " + l.prep.prepNumber + " verified on the product.", data, std::nullopt,
                           by, now));
    }
    if (spec.kind != StepKind::Scan)
        return finish(fail(l, eventKey, "scan", "This step does not take a scan: " + spec.title + ".", data, std::nullopt, by,
                           now, false));
    const auto parsed = formulas::parseGs1(scanned);
    if (!parsed)
        return finish(fail(l, eventKey, "scan",
                           "Not a readable product code (" + parsed.error().text() + "). Scan the 2D code on the label.",
                           data, std::nullopt, by, now));
    formulas::Gs1Data code = *parsed;
    const formulas::Gs1Data* gs1 = &code;
    json stepResult = json::parse(l.step().resultJson, nullptr, false);
    if (!stepResult.is_object())
        stepResult = json::object();
    // A second code with lot and expiry (or the keypad's "(17)..(10)..") completes a product that a
    // linear barcode identified without them.
    if (code.gtin.empty() && stepResult.contains("pending_gtin")) {
        code.gtin = stepResult["pending_gtin"].get<std::string>();
        data["completes"] = stepResult.value("pending_symbology", "");
    }
    data["gtin"] = gs1->gtin;
    data["lot"] = gs1->lot;
    data["serial"] = gs1->serial;
    if (gs1->expiry)
        data["expiry"] = formatDate(*gs1->expiry);
    if (gs1->gtin.empty())
        return finish(fail(l, eventKey, "scan", "This code has no product number (GTIN). Scan the 2D code on the label.",
                           data, std::nullopt, by, now));
    const auto& accepted = spec.scan.acceptedGtins;
    if (std::find(accepted.begin(), accepted.end(), gs1->gtin) == accepted.end()) {
        const auto info = m_lookup ? m_lookup(gs1->gtin) : std::nullopt;
        std::string message;
        if (info && formulas::iequals(info->drug, spec.scan.drug)) {
            message = "WRONG STRENGTH: this is " + info->name + " " + info->strength + ". This step needs " +
                      spec.scan.productName + ".";
            data["problem"] = "wrong strength";
        } else if (info) {
            message = "WRONG DRUG: this is " + info->name + ". This step needs " + spec.scan.productName + ".";
            data["problem"] = "wrong drug";
        } else {
            message = "UNKNOWN PRODUCT " + gs1->gtin + ": not in the formulary. This step needs " + spec.scan.productName + ".";
            data["problem"] = "unknown product";
        }
        return finish(fail(l, eventKey, "scan", message, data, std::nullopt, by, now));
    }
    if (!gs1->expiry || gs1->lot.empty()) {
        // The right product, but the code (a linear UPC-A, EAN-13 or a GS1-128 without them) lacks
        // what must be recorded: say which fields, and keep the product for the code that gives them.
        std::string missing = !gs1->expiry && gs1->lot.empty() ? "lot and expiry" : !gs1->expiry ? "expiry" : "lot";
        store::PrepRepo pending(m_db);
        stepResult["pending_gtin"] = gs1->gtin;
        stepResult["pending_symbology"] = gs1->symbology;
        l.step().resultJson = stepResult.dump();
        pending.updateStep(l.step());
        data["missing"] = missing;
        return finish(record(l, eventKey, "scan",
                             spec.scan.productName + " recognised" +
                                 (gs1->symbology.empty() ? std::string() : " from its " + gs1->symbology + " barcode") +
                                 ". Missing: " + missing + ". Scan the code that carries them (2D code or GS1-128), or enter " +
                                 (missing == "lot and expiry" ? "them" : "it") + " on the keypad.",
                             data, by, now));
    }
    const Date today = localDate(now); // a label's expiry date is a local day: usable through it
    if (*gs1->expiry < today) {
        data["problem"] = "expired";
        return finish(fail(l, eventKey, "scan", "EXPIRED on " + formatDate(*gs1->expiry) + ". Set this vial aside and take another.",
                           data, std::nullopt, by, now));
    }
    store::PrepRepo repo(m_db);
    if (const auto recall = repo.recallReason(gs1->gtin, gs1->lot)) {
        data["problem"] = "recalled";
        data["recall"] = *recall;
        return finish(fail(l, eventKey, "scan", "RECALLED: lot " + gs1->lot + " (" + *recall + "). Quarantine this vial.",
                           data, std::nullopt, by, now));
    }
    // One scan per container: each vial's lot and expiry is kept; the same serial twice is one vial.
    const int needed = std::max(1, spec.scan.count);
    json& result = stepResult;
    result.erase("pending_gtin");
    result.erase("pending_symbology");
    json vials = result.contains("vials") && result["vials"].is_array() ? result["vials"] : json::array();
    if (!gs1->serial.empty()) {
        for (const auto& v : vials) {
            if (v.value("gtin", "") == gs1->gtin && v.value("serial", "") == gs1->serial) {
                data["problem"] = "same vial";
                return finish(fail(l, eventKey, "scan",
                                   "This vial (serial " + gs1->serial + ") was already scanned: scan the next vial (" +
                                       std::to_string(vials.size() + 1) + " of " + std::to_string(needed) + ").",
                                   data, std::nullopt, by, now, false));
            }
        }
    }
    vials.push_back(json{{"gtin", gs1->gtin}, {"lot", gs1->lot}, {"expiry", formatDate(*gs1->expiry)}, {"serial", gs1->serial}});
    const std::string verified = spec.scan.productName + " verified: lot " + gs1->lot + ", expires " + formatDate(*gs1->expiry);
    if (static_cast<int>(vials.size()) < needed) {
        result["vials"] = vials;
        l.step().resultJson = result.dump();
        repo.updateStep(l.step());
        data["vial"] = vials.size();
        return finish(record(l, eventKey, "scan",
                             "Vial " + std::to_string(vials.size()) + " of " + std::to_string(needed) + ": " + verified +
                                 ". Scan the next vial.",
                             data, by, now));
    }
    l.step().resultJson = result.dump(); // without the pending product: pass() merges into it
    data["vials"] = vials;
    if (needed > 1) {
        // The step's expiry is the earliest of its vials: the BUD may not pass any of them.
        std::string earliest = data["expiry"].get<std::string>();
        std::string lots;
        for (const auto& v : vials) {
            earliest = std::min(earliest, v.value("expiry", earliest));
            lots += (lots.empty() ? "" : ", ") + v.value("lot", "");
        }
        data["expiry"] = earliest;
        data["lots"] = lots;
        return finish(pass(l, eventKey, "scan",
                           spec.scan.productName + " verified: " + std::to_string(needed) + " vials (lots " + lots +
                               "), earliest expiry " + earliest + ".",
                           data, std::nullopt, by, now));
    }
    return finish(pass(l, eventKey, "scan", verified + ".", data, std::nullopt, by, now));
}

Result<Outcome> PreparationEngine::submitReading(int64_t prepId, int stepIndex, const std::string& eventKey,
                                                 const BalanceInput& reading, const User& by, TimePoint now) {
    ADMIX_EVENT_PROLOGUE("weigh")
    const StepSpec& spec = l.stepSpec();
    json data{{"gross_g", reading.gross.inG()}, {"stable", reading.stable}, {"balance", reading.balanceId}};
    if (spec.kind != StepKind::Weigh)
        return finish(fail(l, eventKey, "weigh", "This step does not take a weight: " + spec.title + ".", data,
                           std::nullopt, by, now, false));
    if (reading.overload || reading.underload)
        return finish(fail(l, eventKey, "weigh",
                           std::string("Balance ") + (reading.overload ? "overload" : "underload") +
                               ": clear the pan and wait for zero.",
                           data, std::nullopt, by, now, false));
    if (!reading.stable)
        return finish(fail(l, eventKey, "weigh", "Balance not stable: keep still and wait for the reading to settle.", data,
                           std::nullopt, by, now, false));

    json result = json::parse(l.step().resultJson, nullptr, false);
    if (!result.is_object())
        result = json::object();
    store::PrepRepo repo(m_db);
    if (result.contains("device_down")) {
        // A stable reading means the balance is back.
        result.erase("device_down");
        l.step().resultJson = result.dump();
        repo.updateStep(l.step());
    }
    if (!result.contains("tare_g")) {
        result["tare_g"] = reading.gross.inG();
        l.step().resultJson = result.dump();
        repo.updateStep(l.step());
        return finish(record(l, eventKey, "tare",
                             "Empty syringe " + grams(reading.gross.inG()) + " recorded. Draw " + ml(spec.weigh.targetMl) +
                                 " and put the filled syringe on the balance.",
                             data, by, now));
    }
    const double tare = result["tare_g"].get<double>();
    const double net = reading.gross.inG() - tare;
    data["tare_g"] = tare;
    data["net_g"] = net;
    if (net < spec.weigh.minNetG)
        return finish(record(l, eventKey, "weigh-empty",
                             "No draw on the balance yet (net " + grams(net) + "). Draw " + ml(spec.weigh.targetMl) + ".",
                             data, by, now));
    const double volume = net / spec.weigh.densityGPerMl;
    data["volume_ml"] = volume;
    data["target_ml"] = spec.weigh.targetMl;
    data["low_ml"] = spec.weigh.lowMl;
    data["high_ml"] = spec.weigh.highMl;
    data["density_g_per_ml"] = spec.weigh.densityGPerMl;
    const std::string band = ml(spec.weigh.lowMl) + " to " + ml(spec.weigh.highMl);
    // The band is inclusive. kFloatGuard only absorbs binary rounding of (gross - tare) / density so
    // that a reading exactly on the edge counts as on it; it is 10^-9 mL, not a tolerance.
    constexpr double kFloatGuard = 1e-9;
    if (volume < spec.weigh.lowMl - kFloatGuard) {
        data["problem"] = "under";
        return finish(fail(l, eventKey, "weigh",
                           "TOO LITTLE: " + ml(volume) + " measured, " + ml(spec.weigh.targetMl) + " needed (" + band +
                               "). Add " + ml(spec.weigh.targetMl - volume) + " and weigh again.",
                           data, std::nullopt, by, now));
    }
    if (volume > spec.weigh.highMl + kFloatGuard) {
        data["problem"] = "over";
        return finish(fail(l, eventKey, "weigh",
                           "TOO MUCH: " + ml(volume) + " measured, " + ml(spec.weigh.targetMl) + " needed (" + band +
                               "). Remove " + ml(volume - spec.weigh.targetMl) + " and weigh again.",
                           data, std::nullopt, by, now));
    }
    return finish(pass(l, eventKey, "weigh",
                       ml(volume) + " measured (" + ml(spec.weigh.targetMl) + " target, " + band + "): within tolerance.",
                       data, std::nullopt, by, now));
}

Result<Outcome> PreparationEngine::submitPhoto(int64_t prepId, int stepIndex, const std::string& eventKey,
                                               const PhotoInput& photo, const User& by, TimePoint now) {
    ADMIX_EVENT_PROLOGUE("photo")
    const StepSpec& spec = l.stepSpec();
    json data{{"sha256", photo.sha256}, {"quality_ok", photo.qualityOk}};
    if (!photo.codesSeen.empty())
        data["codes"] = photo.codesSeen;
    if (spec.kind != StepKind::Photo)
        return finish(fail(l, eventKey, "photo", "This step does not take a photo: " + spec.title + ".", data,
                           std::nullopt, by, now, false));
    if (!photo.qualityOk) {
        data["problem"] = photo.qualityProblem;
        return finish(fail(l, eventKey, "photo",
                           "Photo refused: " + (photo.qualityProblem.empty() ? std::string("not usable") : photo.qualityProblem) + ".",
                           data, std::nullopt, by, now));
    }
    // The photo must already be durable in the image store before the step can pass.
    store::ImageStore images(m_db, {});
    if (!images.find(photo.sha256))
        return finish(fail(l, eventKey, "photo", "Photo not saved yet: take it again.", data, std::nullopt, by, now));
    return finish(pass(l, eventKey, "photo", "Photo of " + spec.photo.subject + " saved.", data, photo.sha256, by, now));
}

Result<Outcome> PreparationEngine::confirm(int64_t prepId, int stepIndex, const std::string& eventKey, const User& by,
                                           TimePoint now) {
    ADMIX_EVENT_PROLOGUE("confirm")
    const StepSpec& spec = l.stepSpec();
    Outcome o = spec.kind == StepKind::Confirm
                    ? pass(l, eventKey, "confirm", "Confirmed: " + spec.title + ".", json{{"confirmed", spec.title}},
                           std::nullopt, by, now)
                    : fail(l, eventKey, "confirm", "This step cannot be confirmed by hand: " + spec.title + ".", json::object(),
                           std::nullopt, by, now, false);
    tx.commit();
    return o;
}

Result<Outcome> PreparationEngine::labelPrinted(int64_t prepId, int stepIndex, const std::string& eventKey,
                                                bool printerAccepted, const std::string& printer, const User& by,
                                                TimePoint now) {
    ADMIX_EVENT_PROLOGUE("label")
    const StepSpec& spec = l.stepSpec();
    json data{{"printer", printer}, {"accepted", printerAccepted}};
    Outcome o;
    if (spec.kind != StepKind::Label)
        o = fail(l, eventKey, "label", "The label prints only when every step before it has passed.", data, std::nullopt,
                 by, now, false);
    else if (!printerAccepted)
        o = fail(l, eventKey, "label", "The printer " + printer + " did not accept the label. Check it and print again.",
                 data, std::nullopt, by, now);
    else if (spec.labelScan) {
        // Printed is not applied: the step passes when the label's own code is scanned on the product.
        json result = json::parse(l.step().resultJson, nullptr, false);
        if (!result.is_object())
            result = json::object();
        result["printed"] = true;
        result["printer"] = printer;
        l.step().resultJson = result.dump();
        store::PrepRepo(m_db).updateStep(l.step());
        o = record(l, eventKey, "label", "Label printed on " + printer + ". Apply it, then scan its code.", data, by, now);
    } else
        o = pass(l, eventKey, "label", "Label printed on " + printer + ".", data, std::nullopt, by, now);
    tx.commit();
    return o;
}

Result<Outcome> PreparationEngine::deviceStatus(int64_t prepId, int stepIndex, const std::string& eventKey,
                                                const std::string& device, bool up, const std::string& detail,
                                                const User& by, TimePoint now) {
    ADMIX_EVENT_PROLOGUE("device")
    json result = json::parse(l.step().resultJson, nullptr, false);
    if (!result.is_object())
        result = json::object();
    store::PrepRepo repo(m_db);
    Outcome o;
    if (up) {
        result.erase("device_down");
        l.step().resultJson = result.dump();
        repo.updateStep(l.step());
        o = record(l, eventKey, "device", device + " is back: " + detail, json{{"device", device}, {"up", true}}, by, now);
    } else {
        result["device_down"] = json{{"device", device}, {"detail", detail}};
        l.step().resultJson = result.dump();
        repo.updateStep(l.step());
        o = fail(l, eventKey, "device",
                 device + " is offline (" + detail + "). Reconnect it; only a pharmacist override can pass this step without it.",
                 json{{"device", device}, {"up", false}, {"detail", detail}}, std::nullopt, by, now, false);
    }
    tx.commit();
    return o;
}

// [SECTION] Overrides and the pharmacist check ----------------------------------------------------

bool PreparationEngine::verifySignature(const Signature& sig, const std::string& action, const std::string& subject,
                                        std::string& why) {
    if (sig.signer.role != Role::Pharmacist) {
        why = "needs a pharmacist's signature";
        return false;
    }
    if (sig.action != action || sig.subject != subject) {
        why = "the signature was given for " + sig.action + " on " + sig.subject + ", not " + action + " on " + subject;
        return false;
    }
    if (formulas::trim(sig.meaning).empty()) {
        why = "the signature carries no reason";
        return false;
    }
    // The audit row is the proof that this signature was made by re-authentication.
    bool found = false;
    for (const auto& row : m_audit.forSubject(subject)) {
        if (row.id != sig.auditId)
            continue;
        const json details = json::parse(row.details, nullptr, false);
        found = row.action == "esign" && row.actor == sig.signer.username && details.is_object() &&
                details.value("action", "") == action && details.value("meaning", "") == sig.meaning;
        const auto at = parseIsoUtc(row.atUtc);
        if (found && at && nowUtc() - *at > kSignatureFreshness && sig.atUtc != row.atUtc)
            found = false;
    }
    if (!found) {
        why = "no matching e-signature in the audit trail";
        return false;
    }
    return true;
}

Result<Outcome> PreparationEngine::overrideStep(int64_t prepId, int stepIndex, const Signature& signature, TimePoint now) {
    const std::string eventKey = "override-" + std::to_string(signature.auditId);
    const User& by = signature.signer;
    ADMIX_EVENT_PROLOGUE("override")
    std::string why;
    if (!verifySignature(signature, "prep.override", l.prep.prepNumber, why))
        return Result<Outcome>::fail("override refused: " + why);
    if (auto at = parseIsoUtc(signature.atUtc); !at || now - *at > kSignatureFreshness || *at > now + kSignatureFreshness)
        return Result<Outcome>::fail("override refused: the signature is not fresh; sign again");
    const Outcome o = pass(l, eventKey, "override",
                           "Step " + std::to_string(l.index + 1) + " (" + l.stepSpec().title + ") overridden by " +
                               signature.signer.displayName + ": " + signature.meaning,
                           json{{"override", true}, {"reason", signature.meaning}, {"pharmacist", signature.signer.username},
                                {"signature_audit_id", signature.auditId}},
                           std::nullopt, by, now, "overridden");
    tx.commit();
    return o;
}

Result<store::PrepRow> PreparationEngine::awaitingCheck(int64_t prepId, const Signature& signature, const char* action,
                                                       const char* what) {
    const auto prep = store::PrepRepo(m_db).prep(prepId);
    if (!prep)
        return Result<store::PrepRow>::fail("no such preparation");
    if (prep->status != "awaiting_check")
        return Result<store::PrepRow>::fail("preparation " + prep->prepNumber + " is " + prep->status + ", not awaiting check");
    std::string why;
    if (!verifySignature(signature, action, prep->prepNumber, why))
        return Result<store::PrepRow>::fail(std::string(what) + " refused: " + why);
    return *prep;
}

Status PreparationEngine::approve(int64_t prepId, const Signature& signature, TimePoint now) {
    store::PrepRepo repo(m_db);
    store::Transaction tx(m_db);
    const auto prep = awaitingCheck(prepId, signature, "prep.approve", "approval");
    if (!prep)
        return prep.error();
    if (signature.signer.username == prep->technician)
        return Status::fail("approval refused: the person who prepared it cannot check it");
    repo.setPrepChecked(prepId, "released", signature.signer.username, formatIsoUtc(now), "approved", signature.meaning);
    repo.setOrderStatus(prep->orderId, "released");
    m_audit.append(signature.signer.username, "prep.release", prep->prepNumber,
                   json{{"signature_audit_id", signature.auditId}}.dump(), now);
    tx.commit();
    return Status::success();
}

Status PreparationEngine::reject(int64_t prepId, const Signature& signature, const std::string& reasonCode, bool remake,
                                 TimePoint now) {
    if (formulas::trim(reasonCode).empty())
        return Status::fail("a rejection needs a reason code");
    store::PrepRepo repo(m_db);
    store::Transaction tx(m_db);
    const auto prep = awaitingCheck(prepId, signature, "prep.reject", "rejection");
    if (!prep)
        return prep.error();
    repo.setPrepChecked(prepId, "rejected", signature.signer.username, formatIsoUtc(now), "rejected",
                        reasonCode + ": " + signature.meaning);
    repo.setOrderStatus(prep->orderId, remake ? "open" : "cancelled");
    m_audit.append(signature.signer.username, "prep.reject", prep->prepNumber,
                   json{{"reason_code", reasonCode}, {"reason", signature.meaning}, {"remake", remake},
                        {"signature_audit_id", signature.auditId}}
                       .dump(),
                   now);
    tx.commit();
    return Status::success();
}

Status PreparationEngine::cancel(int64_t prepId, const User& by, const std::string& reason, TimePoint now) {
    if (formulas::trim(reason).empty())
        return Status::fail("a cancellation needs a reason");
    store::PrepRepo repo(m_db);
    store::Transaction tx(m_db);
    const auto prep = repo.prep(prepId);
    if (!prep)
        return Status::fail("no such preparation");
    if (prep->status != "in_progress")
        return Status::fail("preparation " + prep->prepNumber + " is " + prep->status + "; only one in progress can be cancelled");
    if (by.username != prep->technician && by.role != Role::Pharmacist)
        return Status::fail("only the technician preparing it or a pharmacist may cancel it");
    repo.setPrepStatus(prepId, "cancelled", prep->currentStep);
    repo.setOrderStatus(prep->orderId, "open");
    m_audit.append(by.username, "prep.cancel", prep->prepNumber, json{{"reason", reason}}.dump(), now);
    tx.commit();
    return Status::success();
}

// [SECTION] Views ---------------------------------------------------------------------------------

std::optional<PrepView> PreparationEngine::view(int64_t prepId) {
    store::PrepRepo repo(m_db);
    const auto prep = repo.prep(prepId);
    if (!prep)
        return std::nullopt;
    auto spec = prepSpecFromJson(json::parse(prep->specJson, nullptr, false));
    if (!spec)
        return std::nullopt;
    PrepView v;
    v.id = prep->id;
    v.number = prep->prepNumber;
    v.status = prep->status;
    v.currentStep = prep->currentStep;
    v.technician = prep->technician;
    v.room = prep->room;
    v.pec = prep->pec;
    v.startedUtc = prep->startedUtc;
    v.checkedBy = prep->checkedBy;
    v.checkOutcome = prep->checkOutcome;
    v.checkReason = prep->checkReason;
    v.orderId = prep->orderId;
    for (const auto& row : repo.steps(prepId)) {
        StepView s;
        s.index = row.stepIndex;
        if (row.stepIndex < static_cast<int>(spec->steps.size()))
            s.spec = spec->steps[static_cast<size_t>(row.stepIndex)];
        s.state = row.state;
        s.attempts = row.attempts;
        s.result = json::parse(row.resultJson, nullptr, false);
        if (s.state == "overridden")
            v.anyOverride = true;
        if (row.stepIndex == prep->currentStep && s.result.is_object() && s.result.contains("device_down"))
            v.deviceProblems.push_back(s.result["device_down"].value("device", "device") + ": " +
                                       s.result["device_down"].value("detail", ""));
        v.steps.push_back(std::move(s));
    }
    v.spec = std::move(*spec);
    return v;
}

std::optional<int64_t> PreparationEngine::prepIdByNumber(const std::string& number) {
    const auto prep = store::PrepRepo(m_db).prepByNumber(number);
    if (!prep)
        return std::nullopt;
    return prep->id;
}

} // namespace admix::workflow
