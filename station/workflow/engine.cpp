#include "station/workflow/engine.hpp"

#include "formulas/gs1.hpp"
#include "formulas/text.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/image_store.hpp"
#include "station/store/order_holds.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/settings_repo.hpp"
#include "station/store/site_repo.hpp"
#include "station/workflow/site_checks.hpp"

#include <algorithm>

namespace admix::workflow {

using nlohmann::json;

// [SECTION] Helpers -------------------------------------------------------------------------------

namespace {

std::string ml(double v) {
    return formulas::format(formulas::Volume::mL(v));
}
std::string grams(double g) {
    return formulas::formatPlain(g, 4) + " g";
}

constexpr auto kSignatureFreshness = std::chrono::minutes(5);

bool validPriority(const std::string& p) {
    return p == "stat" || p == "urgent" || p == "routine";
}

// "P20261121-" / "O20261121-": the (local) day's prefix of a preparation or order number.
std::string dayPrefix(char letter, TimePoint now) {
    const std::string day = formatDate(localDate(now));
    return letter + day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2) + "-";
}

std::string text(PrepStatus status) {
    return std::string(prepStatusName(status));
}
std::string text(StepState state) {
    return std::string(stepStateName(state));
}

// A status read back from the store: an unknown spelling is a corrupt row, not a refusal.
PrepStatus prepStatusOf(const store::PrepRow& row) {
    const auto status = parsePrepStatus(row.status);
    if (!status)
        throw store::StoreError("preparation " + row.prepNumber + " has an unknown status '" + row.status +
                                "'");
    return *status;
}

json reasonsJson(const usp797::GateDecision& d) {
    json reasons = json::array();
    for (const auto& r : d.reasons)
        reasons.push_back({{"code", r.code}, {"message", r.message}, {"overridable", r.overridable}});
    return reasons;
}

std::string sequenceNumber(int64_t n) {
    std::string digits = std::to_string(n);
    return std::string(digits.size() < 4 ? 4 - digits.size() : 0, '0') + digits;
}

} // namespace

Result<usp797::GateRequest> gateRequestFor(const User& person, const PrepSpec& spec, const std::string& room,
                                           const std::string& pec, TimePoint now) {
    const auto category = usp797::parseCategory(spec.category);
    if (!category)
        return Result<usp797::GateRequest>::fail("the plan's CSP category '" + spec.category +
                                                 "' is not 1, 2, 3 or immediate");
    usp797::GateRequest request;
    request.person = person.username;
    request.category = *category;
    request.pec = pec;
    request.at = now;
    request.hazardousDrug = spec.hazardous;
    request.room = room;
    return request;
}

Result<usp797::GateDecision> PreparationEngine::gateDecision(const PrepSpec& spec, const User& technician,
                                                             const std::string& room, const std::string& pec,
                                                             TimePoint now) {
    const auto request = gateRequestFor(technician, spec, room, pec, now);
    if (!request)
        return request.error();
    if (!m_gate)
        return usp797::GateDecision{true, {}};
    return m_gate->check(*request, false).decision;
}

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
    if (!mayEnterOrders(by.role))
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
    const std::string externalId(formulas::trim(o.externalId));
    if (!externalId.empty()) {
        if (const auto seen = store::SiteRepo(m_db).orderByExternalId(externalId)) {
            const auto first = repo.order(*seen);
            return Result<int64_t>::fail("order " + externalId + " was entered already (as " +
                                             (first ? first->orderNumber : std::string("?")) +
                                             "); a duplicate is refused",
                                         "order id");
        }
    }
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
    if (!o.comment.empty())
        repo.setOrderComments(id, o.comment);
    if (!externalId.empty())
        store::SiteRepo(m_db).setOrderExternalId(id, externalId);
    m_audit.append(by.username, "order.add", row.orderNumber,
                   json{{"recipe", o.recipeId},
                        {"priority", o.priority},
                        {"due", row.dueUtc},
                        {"dose", o.dose},
                        {"order_id", externalId}}
                       .dump(),
                   now);
    tx.commit();
    return id;
}

Status PreparationEngine::cancelOrder(int64_t orderId, const User& by, const std::string& reason,
                                      TimePoint now) {
    if (by.role != Role::Pharmacist && by.role != Role::Admin)
        return Status::fail("only a pharmacist may cancel an order");
    if (formulas::trim(reason).empty())
        return Status::fail("a cancellation needs a reason");
    store::PrepRepo repo(m_db);
    store::Transaction tx(m_db);
    const auto order = repo.order(orderId);
    if (!order)
        return Status::fail("no such order");
    // An order being prepared is cancelled too: its preparation stops at its next step, showing why.
    if (order->status != "open" && order->status != "in_progress")
        return Status::fail(
            "order " + order->orderNumber + " is " + order->status +
            (order->status == "awaiting_check" ? "; reject its preparation at the check instead" : ""));
    repo.setOrderStatus(orderId, "cancelled");
    store::SiteRepo(m_db).setOrderCancelReason(orderId, std::string(formulas::trim(reason)) + " (" +
                                                            by.displayName + ")");
    m_audit.append(by.username, "order.cancel", order->orderNumber,
                   json{{"reason", reason}, {"was", order->status}}.dump(), now);
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
        return Result<int64_t>::fail("the plan is for recipe " + spec.recipeId + " but the order asks for " +
                                     order->recipeId);
    if (const auto why = recipeNotStartable(m_db, spec.recipeId, spec.recipeVersion)) {
        m_audit.append(technician.username, "prep.start.blocked", order->orderNumber,
                       json{{"reasons", {*why}}}.dump(), now);
        return Result<int64_t>::fail("Cannot start:\n- " + *why);
    }

    const auto request = gateRequestFor(technician, spec, room, pec, now);
    if (!request)
        return request.error();
    // The gate is asked once; its decision is stored and audited.
    std::optional<int64_t> overrideUsed;
    if (m_gate) {
        const GateCheck gate = m_gate->check(*request, true);
        if (!gate.decision.allowed) {
            const json reasons = reasonsJson(gate.decision);
            if (complianceOverride) {
                std::string why;
                if (!verifySignature(*complianceOverride, "prep.start.override", order->orderNumber, why))
                    return Result<int64_t>::fail("compliance override refused: " + why);
                // The station's override is the same override as the CLI's and the web's: recorded
                // against this decision, refused for any reason site policy does not allow.
                if (const Status s = m_gate->override(gate.decisionId, complianceOverride->signer.username,
                                                      complianceOverride->meaning, now);
                    !s) {
                    m_audit.append(
                        complianceOverride->signer.username, "prep.start.override.refused",
                        order->orderNumber,
                        json{{"decision", gate.decisionId}, {"reasons", reasons}, {"why", s.error().text()}}
                            .dump(),
                        now);
                    return Result<int64_t>::fail("compliance override refused: " + s.error().text());
                }
            }
            overrideUsed = m_gate->useStandingOverride(*request, gate.decision, order->orderNumber, now);
            if (!overrideUsed) {
                m_audit.append(
                    technician.username, "prep.start.blocked", order->orderNumber,
                    json{{"room", room}, {"pec", pec}, {"decision", gate.decisionId}, {"reasons", reasons}}
                        .dump(),
                    now);
                std::string message = "Cannot start:";
                for (const auto& r : gate.decision.reasons)
                    message += "\n- " + r.message + (r.overridable ? " (a pharmacist may override)" : "");
                return Result<int64_t>::fail(message);
            }
            m_audit.append(complianceOverride ? complianceOverride->signer.username : technician.username,
                           "prep.start.override", order->orderNumber,
                           json{{"decision", gate.decisionId},
                                {"override_decision", *overrideUsed},
                                {"reasons", reasons},
                                {"meaning", complianceOverride ? complianceOverride->meaning : std::string()},
                                {"signature_audit_id", complianceOverride ? complianceOverride->auditId : 0}}
                               .dump(),
                           now);
        }
    }

    store::Transaction tx(m_db);
    const std::string prefix = dayPrefix('P', now);
    store::PrepRow row;
    row.prepNumber = prefix + sequenceNumber(repo.countPrepsStartedWith(prefix) + 1);
    row.orderId = orderId;
    row.recipeId = spec.recipeId;
    row.recipeVersion = spec.recipeVersion;
    row.specJson = toJson(spec).dump();
    row.status = text(PrepStatus::InProgress);
    row.currentStep = 0;
    row.technician = technician.username;
    row.station = m_station;
    row.room = room;
    row.pec = pec;
    row.startedUtc = formatIsoUtc(now);
    const int64_t id = repo.insertPrep(row);
    for (size_t i = 0; i < spec.steps.size(); ++i) {
        repo.insertStep(store::StepRow{id, static_cast<int>(i), std::string(stepKindName(spec.steps[i].kind)),
                                       text(i == 0 ? StepState::Active : StepState::Pending), 0, "{}",
                                       std::nullopt, std::nullopt});
    }
    repo.setOrderStatus(orderId, "in_progress");
    m_audit.append(technician.username, "prep.start", row.prepNumber,
                   json{{"order", order->orderNumber},
                        {"recipe", spec.recipeId},
                        {"recipe_version", spec.recipeVersion},
                        {"room", room},
                        {"pec", pec},
                        {"station", m_station},
                        {"compliance_override", overrideUsed.has_value()}}
                       .dump(),
                   now);
    tx.commit();
    return id;
}

// [SECTION] Event plumbing ------------------------------------------------------------------------

Result<PreparationEngine::Loaded> PreparationEngine::load(int64_t prepId, int stepIndex,
                                                          const std::string& eventKey, const User& by,
                                                          const char* kind, TimePoint now,
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
        early = Outcome{Verdict::Duplicate, seen->message, l.prep.currentStep, prepStatusOf(l.prep)};
        return l;
    }
    if (prepStatusOf(l.prep) != PrepStatus::InProgress)
        return Result<Loaded>::fail("preparation " + l.prep.prepNumber + " is " +
                                    describe(prepStatusOf(l.prep)) + ", not in progress");
    // The prescribing side changed or discontinued the order: no further step (the change is shown).
    if (const auto hold = store::OrderHolds(m_db).find(l.prep.orderId))
        return Result<Loaded>::fail("STOP: " + hold->reason + " Do not go on; cancel this preparation.");
    auto spec = prepSpecFromJson(json::parse(l.prep.specJson, nullptr, false));
    if (!spec)
        return spec.error();
    l.spec = std::move(*spec);
    l.steps = repo.steps(prepId);
    l.index = l.prep.currentStep;
    if (const auto stop = prepStopReason(m_db, l.prep)) {
        early =
            record(l, eventKey, "stop", *stop, json{{"attempted_step", stepIndex}, {"event", kind}}, by, now);
        early->verdict = Verdict::Failed;
        if (const auto order = repo.order(l.prep.orderId); order && order->status == "cancelled") {
            repo.setPrepStatus(prepId, text(PrepStatus::Cancelled), l.prep.currentStep);
            early->prepStatus = PrepStatus::Cancelled;
        }
        return l;
    }
    if (stepIndex != l.prep.currentStep) {
        const std::string message = "Step " + std::to_string(stepIndex + 1) + " is not open: finish step " +
                                    std::to_string(l.prep.currentStep + 1) + " (" + l.stepSpec().title +
                                    ") first.";
        early = record(l, eventKey, "skip", message, json{{"attempted_step", stepIndex}, {"event", kind}}, by,
                       now);
        early->verdict = Verdict::Failed;
        return l;
    }
    return l;
}

Outcome PreparationEngine::pass(Loaded& l, const std::string& eventKey, const char* kind,
                                const std::string& message, const json& data,
                                const std::optional<std::string>& image, const User& by, TimePoint now,
                                StepState state) {
    store::PrepRepo repo(m_db);
    const std::string at = formatIsoUtc(now);
    repo.addEvidence(store::EvidenceRow{0, l.prep.id, l.index, eventKey, kind, "pass", message, data.dump(),
                                        image, by.username, at});
    store::StepRow& step = l.step();
    json result = json::parse(step.resultJson, nullptr, false);
    if (!result.is_object())
        result = json::object();
    for (const auto& [k, v] : data.items())
        result[k] = v;
    result.erase("device_down");
    step.state = text(state);
    step.resultJson = result.dump();
    step.doneUtc = at;
    step.doneBy = by.username;
    repo.updateStep(step);

    const int next = l.index + 1;
    PrepStatus status = PrepStatus::InProgress;
    if (next < static_cast<int>(l.steps.size())) {
        store::StepRow& following = l.steps.at(static_cast<size_t>(next));
        following.state = text(StepState::Active);
        repo.updateStep(following);
    } else {
        status = PrepStatus::AwaitingCheck;
        repo.setPrepCompleted(l.prep.id, at);
        repo.setOrderStatus(l.prep.orderId, "awaiting_check");
    }
    repo.setPrepStatus(l.prep.id, text(status), std::min(next, static_cast<int>(l.steps.size()) - 1));
    m_audit.append(
        by.username, std::string("prep.") + kind + (state == StepState::Overridden ? ".override" : ".pass"),
        l.prep.prepNumber, json{{"step", l.index}, {"message", message}, {"data", data}}.dump(), now);
    if (status == PrepStatus::AwaitingCheck)
        m_audit.append(by.username, "prep.complete", l.prep.prepNumber, "{}", now);
    return Outcome{Verdict::Passed, message, std::min(next, static_cast<int>(l.steps.size()) - 1), status};
}

Outcome PreparationEngine::fail(Loaded& l, const std::string& eventKey, const char* kind,
                                const std::string& message, const json& data,
                                const std::optional<std::string>& image, const User& by, TimePoint now,
                                bool countsAsAttempt) {
    store::PrepRepo repo(m_db);
    repo.addEvidence(store::EvidenceRow{0, l.prep.id, l.index, eventKey, kind, "fail", message, data.dump(),
                                        image, by.username, formatIsoUtc(now)});
    if (countsAsAttempt) {
        l.step().attempts += 1;
        repo.updateStep(l.step());
    }
    m_audit.append(by.username, std::string("prep.") + kind + ".fail", l.prep.prepNumber,
                   json{{"step", l.index}, {"message", message}, {"data", data}}.dump(), now);
    return Outcome{Verdict::Failed, message, l.index, prepStatusOf(l.prep)};
}

Outcome PreparationEngine::record(Loaded& l, const std::string& eventKey, const char* kind,
                                  const std::string& message, const json& data, const User& by,
                                  TimePoint now) {
    store::PrepRepo repo(m_db);
    repo.addEvidence(store::EvidenceRow{0, l.prep.id, l.index, eventKey, kind, "info", message, data.dump(),
                                        std::nullopt, by.username, formatIsoUtc(now)});
    m_audit.append(by.username, std::string("prep.") + kind, l.prep.prepNumber,
                   json{{"step", l.index}, {"message", message}, {"data", data}}.dump(), now);
    return Outcome{Verdict::Recorded, message, l.index, prepStatusOf(l.prep)};
}

Result<Outcome> PreparationEngine::event(int64_t prepId, int stepIndex, const std::string& eventKey,
                                         const User& by, const char* kind, TimePoint now,
                                         const std::function<Result<Outcome>(Loaded&)>& body) {
    store::Transaction tx(m_db);
    std::optional<Outcome> early;
    auto loaded = load(prepId, stepIndex, eventKey, by, kind, now, early);
    if (!loaded)
        return loaded.error();
    Result<Outcome> answer = early ? Result<Outcome>(*early) : body(*loaded);
    if (answer)
        tx.commit();
    return answer;
}

// [SECTION] Gates ---------------------------------------------------------------------------------

Result<Outcome> PreparationEngine::submitScan(int64_t prepId, int stepIndex, const std::string& eventKey,
                                              const ScannedCode& scanned, const User& by, TimePoint now) {
    return event(prepId, stepIndex, eventKey, by, "scan", now, [&](Loaded& l) -> Result<Outcome> {
        const StepSpec& spec = l.stepSpec();
        json data{{"scanned", formulas::printable(scanned.text)},
                  {"aim", scanned.aim},
                  {"source", std::string(scanSourceName(scanned.source))}};
        if (!scanned.device.empty())
            data["device"] = scanned.device;
        if (spec.kind == StepKind::Label && spec.labelScan) {
            // The printed label carries the preparation number (DataMatrix): scanned once applied.
            const std::string_view code = formulas::trim(scanned.text);
            const json printed = json::parse(l.step().resultJson, nullptr, false);
            if (!printed.is_object() || !printed.value("printed", false))
                return fail(l, eventKey, "label-scan",
                            "The label has not printed yet: print it, apply it, then scan it.", data,
                            std::nullopt, by, now, false);
            if (code != l.prep.prepNumber) {
                data["problem"] = "wrong label";
                return fail(l, eventKey, "label-scan",
                            "WRONG LABEL: this code is not " + l.prep.prepNumber +
                                ". Scan the label printed for this preparation.",
                            data, std::nullopt, by, now);
            }
            data["label_verified"] = true;
            return pass(l, eventKey, "label-scan", "Label " + l.prep.prepNumber + " verified on the product.",
                        data, std::nullopt, by, now);
        }
        if (spec.kind != StepKind::Scan)
            return fail(l, eventKey, "scan", "This step does not take a scan: " + spec.title + ".", data,
                        std::nullopt, by, now, false);
        // The GS1 parse made where the code was read: never flattened back into text and read again.
        if (!scanned.gs1)
            return fail(
                l, eventKey, "scan",
                "Not a readable product code (" +
                    (scanned.gs1Problem.empty() ? std::string("not a GS1 code") : scanned.gs1Problem) +
                    "). Scan the 2D code on the label.",
                data, std::nullopt, by, now);
        formulas::Gs1Data code = *scanned.gs1;
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
        if (!gs1->symbology.empty())
            data["symbology"] = gs1->symbology;
        if (gs1->expiry)
            data["expiry"] = formatDate(*gs1->expiry);
        if (gs1->gtin.empty())
            return fail(l, eventKey, "scan",
                        "This code has no product number (GTIN). Scan the 2D code on the label.", data,
                        std::nullopt, by, now);
        const auto& accepted = spec.scan.acceptedGtins;
        if (std::find(accepted.begin(), accepted.end(), gs1->gtin) == accepted.end()) {
            const auto info = m_lookup ? m_lookup(gs1->gtin) : std::nullopt;
            std::string message;
            if (info && formulas::iequals(info->drug, spec.scan.drug)) {
                message = "WRONG STRENGTH: this is " + info->name + " " + info->strength +
                          ". This step needs " + spec.scan.productName + ".";
                data["problem"] = "wrong strength";
            } else if (info) {
                message =
                    "WRONG DRUG: this is " + info->name + ". This step needs " + spec.scan.productName + ".";
                data["problem"] = "wrong drug";
            } else {
                message = "UNKNOWN PRODUCT " + gs1->gtin + ": not in the formulary. This step needs " +
                          spec.scan.productName + ".";
                data["problem"] = "unknown product";
            }
            return fail(l, eventKey, "scan", message, data, std::nullopt, by, now);
        }
        if (!gs1->expiry || gs1->lot.empty()) {
            // The right product, but the code (a linear UPC-A, EAN-13 or a GS1-128 without them) lacks
            // what must be recorded: say which fields, and keep the product for the code that gives them.
            const std::string missing = !gs1->expiry && gs1->lot.empty() ? "lot and expiry"
                                        : !gs1->expiry                   ? "expiry"
                                                                         : "lot";
            stepResult["pending_gtin"] = gs1->gtin;
            stepResult["pending_symbology"] = gs1->symbology;
            l.step().resultJson = stepResult.dump();
            store::PrepRepo(m_db).updateStep(l.step());
            data["missing"] = missing;
            return record(
                l, eventKey, "scan",
                spec.scan.productName + " recognised" +
                    (gs1->symbology.empty() ? std::string() : " from its " + gs1->symbology + " barcode") +
                    ". Missing: " + missing +
                    ". Scan the code that carries them (2D code or GS1-128), or enter " +
                    (missing == "lot and expiry" ? "them" : "it") + " on the keypad.",
                data, by, now);
        }
        const Date today = localDate(now); // a label's expiry date is a local day: usable through it
        if (*gs1->expiry < today) {
            data["problem"] = "expired";
            return fail(l, eventKey, "scan",
                        "EXPIRED on " + formatDate(*gs1->expiry) + ". Set this vial aside and take another.",
                        data, std::nullopt, by, now);
        }
        store::PrepRepo repo(m_db);
        if (const auto recall = repo.recallReason(gs1->gtin, gs1->lot)) {
            data["problem"] = "recalled";
            data["recall"] = *recall;
            return fail(l, eventKey, "scan",
                        "RECALLED: lot " + gs1->lot + " (" + *recall + "). Quarantine this vial.", data,
                        std::nullopt, by, now);
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
                    return fail(l, eventKey, "scan",
                                "This vial (serial " + gs1->serial +
                                    ") was already scanned: scan the next vial (" +
                                    std::to_string(vials.size() + 1) + " of " + std::to_string(needed) + ").",
                                data, std::nullopt, by, now, false);
                }
            }
        }
        vials.push_back(json{{"gtin", gs1->gtin},
                             {"lot", gs1->lot},
                             {"expiry", formatDate(*gs1->expiry)},
                             {"serial", gs1->serial}});
        const std::string verified =
            spec.scan.productName + " verified: lot " + gs1->lot + ", expires " + formatDate(*gs1->expiry);
        if (static_cast<int>(vials.size()) < needed) {
            result["vials"] = vials;
            l.step().resultJson = result.dump();
            repo.updateStep(l.step());
            data["vial"] = vials.size();
            return record(l, eventKey, "scan",
                          "Vial " + std::to_string(vials.size()) + " of " + std::to_string(needed) + ": " +
                              verified + ". Scan the next vial.",
                          data, by, now);
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
            return pass(l, eventKey, "scan",
                        spec.scan.productName + " verified: " + std::to_string(needed) + " vials (lots " +
                            lots + "), earliest expiry " + earliest + ".",
                        data, std::nullopt, by, now);
        }
        return pass(l, eventKey, "scan", verified + ".", data, std::nullopt, by, now);
    });
}

Result<Outcome> PreparationEngine::submitReading(int64_t prepId, int stepIndex, const std::string& eventKey,
                                                 const WeighReading& reading, const User& by, TimePoint now) {
    return event(prepId, stepIndex, eventKey, by, "weigh", now, [&](Loaded& l) -> Result<Outcome> {
        const StepSpec& spec = l.stepSpec();
        json data{{"shown", reading.shown()},
                  {"stable", reading.stable},
                  {"range", std::string(weighRangeName(reading.range))},
                  {"balance", reading.balanceText()}};
        if (reading.range == WeighRange::InRange)
            data["gross_g"] = reading.mass().inG();
        if (spec.kind != StepKind::Weigh)
            return fail(l, eventKey, "weigh", "This step does not take a weight: " + spec.title + ".", data,
                        std::nullopt, by, now, false);

        json result = json::parse(l.step().resultJson, nullptr, false);
        if (!result.is_object())
            result = json::object();
        std::optional<double> tare;
        if (result.contains("tare_g"))
            tare = result["tare_g"].get<double>();
        const WeighStep w = WeighStep::assess(spec.weigh, tare, reading);
        data["assessment"] = std::string(weighKindName(w.kind));
        if (w.refused())
            data["problem"] = std::string(weighKindName(w.kind)); // unstable, overload, underload
        switch (w.kind) {
        case WeighStep::Kind::Overload:
        case WeighStep::Kind::Underload:
            return fail(l, eventKey, "weigh",
                        std::string("Balance ") +
                            (w.kind == WeighStep::Kind::Overload ? "overload" : "underload") +
                            ": clear the pan and wait for zero.",
                        data, std::nullopt, by, now, false);
        case WeighStep::Kind::Unstable:
            return fail(l, eventKey, "weigh",
                        "Balance not stable: keep still and wait for the reading to settle.", data,
                        std::nullopt, by, now, false);
        case WeighStep::Kind::Tare:
        case WeighStep::Kind::Empty:
        case WeighStep::Kind::Under:
        case WeighStep::Kind::Over:
        case WeighStep::Kind::InBand:
            break;
        }

        store::PrepRepo repo(m_db);
        if (result.contains("device_down")) {
            // A stable reading means the balance is back.
            result.erase("device_down");
            l.step().resultJson = result.dump();
            repo.updateStep(l.step());
        }
        if (w.kind == WeighStep::Kind::Tare) {
            result["tare_g"] = w.grossG;
            l.step().resultJson = result.dump();
            repo.updateStep(l.step());
            return record(l, eventKey, "tare",
                          "Empty syringe " + grams(w.grossG) + " recorded. Draw " + ml(spec.weigh.targetMl) +
                              " and put the filled syringe on the balance.",
                          data, by, now);
        }
        data["tare_g"] = *w.tareG;
        data["net_g"] = *w.netG;
        if (w.kind == WeighStep::Kind::Empty)
            return record(l, eventKey, "weigh-empty",
                          "No draw on the balance yet (net " + grams(*w.netG) + "). Draw " +
                              ml(spec.weigh.targetMl) + ".",
                          data, by, now);
        const double volume = *w.volumeMl;
        data["volume_ml"] = volume;
        data["target_ml"] = spec.weigh.targetMl;
        data["low_ml"] = spec.weigh.lowMl;
        data["high_ml"] = spec.weigh.highMl;
        data["density_g_per_ml"] = spec.weigh.densityGPerMl;
        const std::string band = ml(spec.weigh.lowMl) + " to " + ml(spec.weigh.highMl);
        if (w.kind == WeighStep::Kind::Under) {
            data["problem"] = "under";
            return fail(l, eventKey, "weigh",
                        "TOO LITTLE: " + ml(volume) + " measured, " + ml(spec.weigh.targetMl) + " needed (" +
                            band + "). Add " + ml(spec.weigh.targetMl - volume) + " and weigh again.",
                        data, std::nullopt, by, now);
        }
        if (w.kind == WeighStep::Kind::Over) {
            data["problem"] = "over";
            return fail(l, eventKey, "weigh",
                        "TOO MUCH: " + ml(volume) + " measured, " + ml(spec.weigh.targetMl) + " needed (" +
                            band + "). Remove " + ml(volume - spec.weigh.targetMl) + " and weigh again.",
                        data, std::nullopt, by, now);
        }
        return pass(l, eventKey, "weigh",
                    ml(volume) + " measured (" + ml(spec.weigh.targetMl) + " target, " + band +
                        "): within tolerance.",
                    data, std::nullopt, by, now);
    });
}

Result<Outcome> PreparationEngine::submitPhoto(int64_t prepId, int stepIndex, const std::string& eventKey,
                                               const PhotoInput& photo, const User& by, TimePoint now) {
    return event(prepId, stepIndex, eventKey, by, "photo", now, [&](Loaded& l) -> Result<Outcome> {
        const StepSpec& spec = l.stepSpec();
        json data{{"sha256", photo.sha256}, {"quality_ok", photo.qualityOk}};
        if (!photo.codesSeen.empty())
            data["codes"] = photo.codesSeen;
        if (spec.kind != StepKind::Photo)
            return fail(l, eventKey, "photo", "This step does not take a photo: " + spec.title + ".", data,
                        std::nullopt, by, now, false);
        if (!photo.qualityOk) {
            data["problem"] = photo.qualityProblem;
            return fail(
                l, eventKey, "photo",
                "Photo refused: " +
                    (photo.qualityProblem.empty() ? std::string("not usable") : photo.qualityProblem) + ".",
                data, std::nullopt, by, now);
        }
        // The photo must already be durable in the image store before the step can pass.
        store::ImageStore images(m_db, {});
        if (!images.find(photo.sha256))
            return fail(l, eventKey, "photo", "Photo not saved yet: take it again.", data, std::nullopt, by,
                        now);
        return pass(l, eventKey, "photo", "Photo of " + spec.photo.subject + " saved.", data, photo.sha256,
                    by, now);
    });
}

Result<Outcome> PreparationEngine::confirm(int64_t prepId, int stepIndex, const std::string& eventKey,
                                           const User& by, TimePoint now) {
    return event(prepId, stepIndex, eventKey, by, "confirm", now, [&](Loaded& l) -> Result<Outcome> {
        const StepSpec& spec = l.stepSpec();
        if (spec.kind != StepKind::Confirm)
            return fail(l, eventKey, "confirm", "This step cannot be confirmed by hand: " + spec.title + ".",
                        json::object(), std::nullopt, by, now, false);
        return pass(l, eventKey, "confirm", "Confirmed: " + spec.title + ".", json{{"confirmed", spec.title}},
                    std::nullopt, by, now);
    });
}

Result<Outcome> PreparationEngine::labelPrinted(int64_t prepId, int stepIndex, const std::string& eventKey,
                                                bool printerAccepted, const std::string& printer,
                                                const User& by, TimePoint now) {
    return event(prepId, stepIndex, eventKey, by, "label", now, [&](Loaded& l) -> Result<Outcome> {
        const StepSpec& spec = l.stepSpec();
        json data{{"printer", printer}, {"accepted", printerAccepted}};
        if (spec.kind != StepKind::Label)
            return fail(l, eventKey, "label", "The label prints only when every step before it has passed.",
                        data, std::nullopt, by, now, false);
        if (!printerAccepted)
            return fail(l, eventKey, "label",
                        "The printer " + printer + " did not accept the label. Check it and print again.",
                        data, std::nullopt, by, now);
        if (spec.labelScan) {
            // Printed is not applied: the step passes when the label's own code is scanned on the product.
            json result = json::parse(l.step().resultJson, nullptr, false);
            if (!result.is_object())
                result = json::object();
            result["printed"] = true;
            result["printer"] = printer;
            l.step().resultJson = result.dump();
            store::PrepRepo(m_db).updateStep(l.step());
            return record(l, eventKey, "label",
                          "Label printed on " + printer + ". Apply it, then scan its code.", data, by, now);
        }
        return pass(l, eventKey, "label", "Label printed on " + printer + ".", data, std::nullopt, by, now);
    });
}

Result<Outcome> PreparationEngine::deviceStatus(int64_t prepId, int stepIndex, const std::string& eventKey,
                                                const std::string& device, bool up, const std::string& detail,
                                                const User& by, TimePoint now) {
    return event(prepId, stepIndex, eventKey, by, "device", now, [&](Loaded& l) -> Result<Outcome> {
        json result = json::parse(l.step().resultJson, nullptr, false);
        if (!result.is_object())
            result = json::object();
        store::PrepRepo repo(m_db);
        if (up) {
            result.erase("device_down");
            l.step().resultJson = result.dump();
            repo.updateStep(l.step());
            return record(l, eventKey, "device", device + " is back: " + detail,
                          json{{"device", device}, {"up", true}}, by, now);
        }
        result["device_down"] = json{{"device", device}, {"detail", detail}};
        l.step().resultJson = result.dump();
        repo.updateStep(l.step());
        return fail(l, eventKey, "device",
                    device + " is offline (" + detail +
                        "). Reconnect it; only a pharmacist override can pass this step without it.",
                    json{{"device", device}, {"up", false}, {"detail", detail}}, std::nullopt, by, now,
                    false);
    });
}

// [SECTION] Overrides and the pharmacist check ----------------------------------------------------

bool PreparationEngine::verifySignature(const Signature& sig, const std::string& action,
                                        const std::string& subject, std::string& why) {
    if (sig.signer.role != Role::Pharmacist) {
        why = "needs a pharmacist's signature";
        return false;
    }
    if (sig.action != action || sig.subject != subject) {
        why = "the signature was given for " + sig.action + " on " + sig.subject + ", not " + action +
              " on " + subject;
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

Result<Outcome> PreparationEngine::overrideStep(int64_t prepId, int stepIndex, const Signature& signature,
                                                TimePoint now) {
    const std::string eventKey = "override-" + std::to_string(signature.auditId);
    const User& by = signature.signer;
    return event(prepId, stepIndex, eventKey, by, "override", now, [&](Loaded& l) -> Result<Outcome> {
        std::string why;
        if (!verifySignature(signature, "prep.override", l.prep.prepNumber, why))
            return Result<Outcome>::fail("override refused: " + why);
        if (auto at = parseIsoUtc(signature.atUtc);
            !at || now - *at > kSignatureFreshness || *at > now + kSignatureFreshness)
            return Result<Outcome>::fail("override refused: the signature is not fresh; sign again");
        return pass(l, eventKey, "override",
                    "Step " + std::to_string(l.index + 1) + " (" + l.stepSpec().title + ") overridden by " +
                        signature.signer.displayName + ": " + signature.meaning,
                    json{{"override", true},
                         {"reason", signature.meaning},
                         {"pharmacist", signature.signer.username},
                         {"signature_audit_id", signature.auditId}},
                    std::nullopt, by, now, StepState::Overridden);
    });
}

Result<store::PrepRow> PreparationEngine::awaitingCheck(int64_t prepId, const Signature& signature,
                                                        const char* action, const char* what) {
    const auto prep = store::PrepRepo(m_db).prep(prepId);
    if (!prep)
        return Result<store::PrepRow>::fail("no such preparation");
    if (prepStatusOf(*prep) != PrepStatus::AwaitingCheck)
        return Result<store::PrepRow>::fail("preparation " + prep->prepNumber + " is " +
                                            describe(prepStatusOf(*prep)) + ", not awaiting check");
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
    // Segregation of duties: the pharmacist who overrode a gate of this preparation does not also
    // release it, unless the site's policy (check.override_signer_may_release = 1) allows it.
    if (!store::ComplianceStore(m_db, m_audit).policy().flag("check.override_signer_may_release")) {
        for (const auto& e : repo.evidence(prepId)) {
            const json data = json::parse(e.dataJson, nullptr, false);
            if (data.is_object() && data.value("override", false) &&
                data.value("pharmacist", "") == signature.signer.username)
                return Status::fail(
                    "approval refused: " + signature.signer.displayName +
                    " signed an override of this preparation; an independent pharmacist must check it "
                    "(site policy check.override_signer_may_release)");
        }
    }
    if (const auto hold = store::OrderHolds(m_db).find(prep->orderId))
        return Status::fail("approval refused: " + hold->reason);
    if (const auto recalled = recalledLots(m_db, prepId))
        return Status::fail("approval refused: RECALLED: " + *recalled + ". Quarantine the preparation.");
    repo.setPrepChecked(prepId, text(PrepStatus::Released), signature.signer.username, formatIsoUtc(now),
                        "approved", signature.meaning);
    repo.setOrderStatus(prep->orderId, "released");
    m_audit.append(signature.signer.username, "prep.release", prep->prepNumber,
                   json{{"signature_audit_id", signature.auditId}}.dump(), now);
    tx.commit();
    return Status::success();
}

Status PreparationEngine::reject(int64_t prepId, const Signature& signature, const std::string& reasonCode,
                                 bool remake, TimePoint now) {
    if (formulas::trim(reasonCode).empty())
        return Status::fail("a rejection needs a reason code");
    store::PrepRepo repo(m_db);
    store::Transaction tx(m_db);
    const auto prep = awaitingCheck(prepId, signature, "prep.reject", "rejection");
    if (!prep)
        return prep.error();
    if (signature.signer.username == prep->technician)
        return Status::fail("rejection refused: the person who prepared it cannot check it, nor reject it");
    repo.setPrepChecked(prepId, text(PrepStatus::Rejected), signature.signer.username, formatIsoUtc(now),
                        "rejected", reasonCode + ": " + signature.meaning);
    const bool held =
        store::OrderHolds(m_db).find(prep->orderId).has_value(); // a stopped order is not remade
    repo.setOrderStatus(prep->orderId, remake && !held ? "open" : "cancelled");
    m_audit.append(signature.signer.username, "prep.reject", prep->prepNumber,
                   json{{"reason_code", reasonCode},
                        {"reason", signature.meaning},
                        {"remake", remake},
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
    if (prepStatusOf(*prep) != PrepStatus::InProgress)
        return Status::fail("preparation " + prep->prepNumber + " is " + describe(prepStatusOf(*prep)) +
                            "; only one in progress can be cancelled");
    if (by.username != prep->technician && by.role != Role::Pharmacist)
        return Status::fail("only the technician preparing it or a pharmacist may cancel it");
    repo.setPrepStatus(prepId, text(PrepStatus::Cancelled), prep->currentStep);
    // A stopped order (changed or discontinued by the prescribing side) does not go back to the queue.
    repo.setOrderStatus(prep->orderId, store::OrderHolds(m_db).find(prep->orderId) ? "cancelled" : "open");
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
    v.status = prepStatusOf(*prep);
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
        const auto state = parseStepState(row.state);
        if (!state)
            throw store::StoreError("step " + std::to_string(row.stepIndex) + " of " + prep->prepNumber +
                                    " has an unknown state '" + row.state + "'");
        s.state = *state;
        s.attempts = row.attempts;
        s.result = json::parse(row.resultJson, nullptr, false);
        if (s.state == StepState::Overridden)
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
