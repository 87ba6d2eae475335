// The pharmacist's routes: the queue of preparations awaiting check, one preparation with its
// evidence, its photos, and the decision (approve / reject) signed by re-entering the password. The
// decision is the engine's: this file only gathers input, signs with the Authenticator and calls
// PreparationEngine::approve / reject on the request's own connection.
#include "station/remote/routes.hpp"

#include "station/remote/audit_words.hpp"

#include "station/store/data_dir.hpp"
#include "station/store/image_store.hpp"
#include "station/store/order_holds.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/remote_queries.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/check_review.hpp"
#include "station/workflow/downtime.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/site_checks.hpp"

#include <array>
#include <fstream>
#include <iterator>

namespace admix::remote::detail {

namespace {

// Reject reasons a pharmacist picks from (the code is stored with the free text).
constexpr std::array<std::pair<const char*, const char*>, 8> kRejectReasons{{
    {"wrong_drug", "Wrong drug or strength"},
    {"wrong_volume", "Volume or dose outside tolerance"},
    {"wrong_diluent", "Wrong diluent or final container"},
    {"label_error", "Label wrong or missing"},
    {"evidence_insufficient", "Evidence insufficient (photo, scan or weight)"},
    {"contamination_suspected", "Particles, leak or contamination suspected"},
    {"expired_component", "Expired or recalled component"},
    {"other", "Other (explain)"},
}};

long minutesBetween(const std::string& fromIso, TimePoint to) {
    const auto from = parseIsoUtc(fromIso);
    if (!from)
        return 0;
    return static_cast<long>(std::chrono::duration_cast<std::chrono::minutes>(to - *from).count());
}

json queueRowJson(const store::CheckQueueRow& r, TimePoint now) {
    const std::string waitingSince = r.completedUtc.value_or(r.startedUtc);
    return json{{"number", r.prepNumber},
                {"title", r.title},
                {"recipe", r.recipeId},
                {"recipe_version", r.recipeVersion},
                {"technician", r.technician},
                {"room", r.room},
                {"pec", r.pec},
                {"order", r.orderNumber},
                {"priority", r.priority},
                {"due", r.dueUtc},
                {"due_in_minutes", -minutesBetween(r.dueUtc, now)},
                {"waiting_since", waitingSince},
                {"waiting_minutes", minutesBetween(waitingSince, now)},
                {"hazardous", r.hazardous}};
}

std::optional<int64_t> prepFromPath(Call& call, workflow::PreparationEngine& engine) {
    const std::string number = call.req.matches[1];
    if (!validPrepNumber(number)) {
        replyError(call.res, 400, "not a preparation number");
        return std::nullopt;
    }
    const auto id = engine.prepIdByNumber(number);
    if (!id) {
        replyError(call.res, 404, "no preparation " + number);
        return std::nullopt;
    }
    return id;
}

void queue(Call& call) {
    store::RemoteQueries q(call.db);
    json items = json::array();
    for (const auto& r : q.checkQueue(500)) {
        items.push_back(queueRowJson(r, call.now));
        items.back()["downtime"] = workflow::downtimeRecordFor(call.db, r.prepId).has_value();
    }
    json recent = json::array();
    for (const auto& r : q.recentlyChecked(formatIsoUtc(call.now - std::chrono::hours(12)), 20)) {
        json j = queueRowJson(r, call.now);
        // A preparation entered after a downtime is flagged wherever it is listed.
        j["downtime"] = workflow::downtimeRecordFor(call.db, r.prepId).has_value();
        const auto prep = store::PrepRepo(call.db).prep(r.prepId);
        if (prep) {
            j["status"] = prep->status;
            j["checked_by"] = prep->checkedBy.value_or("");
            j["checked_at"] = prep->checkedUtc.value_or("");
        }
        recent.push_back(std::move(j));
    }
    reply(call.res, 200, json{{"generated", formatIsoUtc(call.now)}, {"items", items}, {"recent", recent}});
}

json ingredientRows(const workflow::PrepView& v, const std::vector<store::EvidenceRow>& evidence) {
    // The same rows the station's Check screen shows (workflow::checkIngredients), as JSON.
    json rows = json::array();
    for (const auto& r : workflow::checkIngredients(v, evidence)) {
        json row{{"step", r.step},
                 {"title", r.title},
                 {"what", r.what},
                 {"product", r.product},
                 {"gtin", r.gtin},
                 {"lot", r.lot},
                 {"expiry", r.expiry},
                 {"target_ml", r.targetMl},
                 {"low_ml", r.lowMl},
                 {"high_ml", r.highMl},
                 {"tolerance_pct", r.targetMl > 0 ? (r.highMl - r.targetMl) / r.targetMl * 100.0 : 0.0},
                 {"density_g_per_ml", r.densityGPerMl},
                 {"state", workflow::stepStateName(r.state)},
                 {"overridden", r.state == workflow::StepState::Overridden},
                 {"attempts", r.attempts}};
        if (r.measuredMl) {
            row["measured_ml"] = *r.measuredMl;
            row["net_g"] = r.netG;
        } else {
            row["measured_ml"] = nullptr;
        }
        row["pass"] = r.pass;
        rows.push_back(std::move(row));
    }
    return rows;
}

void prepDetail(Call& call) {
    workflow::PreparationEngine engine(call.db, call.audit, call.stationName);
    const auto id = prepFromPath(call, engine);
    if (!id)
        return;
    const auto v = engine.view(*id);
    if (!v) {
        replyError(call.res, 404, "no such preparation");
        return;
    }
    store::PrepRepo repo(call.db);
    const auto order = repo.order(v->orderId);
    const auto prepRow = repo.prep(v->id);
    const auto evidence = repo.evidence(v->id);
    // A lot recalled after it was scanned: shown in red, approval refused (the engine refuses it too).
    const auto recalled = workflow::recalledLots(call.db, v->id);
    // The recipe version retired since it was made: a warning in red, the pharmacist decides.
    const auto recipeRetired = workflow::recipeRetiredSince(call.db, v->spec.recipeId, v->spec.recipeVersion);
    json steps = json::array();
    json photos = json::array();
    for (const auto& s : v->steps) {
        steps.push_back(json{{"index", s.index},
                             {"kind", workflow::stepKindName(s.spec.kind)},
                             {"title", s.spec.title},
                             {"state", workflow::stepStateName(s.state)},
                             {"attempts", s.attempts},
                             {"flag_for_pharmacist", s.spec.flagForPharmacist},
                             {"result", s.result}});
    }
    json overrides = json::array();
    json events = json::array();
    store::ImageStore images(call.db, store::imagesDir(call.dataDir));
    for (const auto& e : evidence) {
        if (e.imageSha256 && store::isSha256Hex(*e.imageSha256)) {
            const auto img = images.find(*e.imageSha256);
            const std::string stepTitle = e.stepIndex >= 0 && e.stepIndex < static_cast<int>(v->steps.size())
                                              ? v->steps[static_cast<size_t>(e.stepIndex)].spec.title
                                              : "";
            photos.push_back(json{{"sha256", *e.imageSha256},
                                  {"step", e.stepIndex},
                                  {"title", stepTitle},
                                  {"outcome", e.outcome},
                                  {"at", e.atUtc},
                                  {"width", img ? img->width : 0},
                                  {"height", img ? img->height : 0},
                                  {"url", "/api/v1/preps/" + v->number + "/images/" + *e.imageSha256}});
        }
        if (e.kind == "override")
            overrides.push_back(
                json{{"step", e.stepIndex}, {"message", e.message}, {"by", e.actor}, {"at", e.atUtc}});
        events.push_back(json{{"step", e.stepIndex},
                              {"kind", e.kind},
                              {"outcome", e.outcome},
                              {"message", e.message},
                              {"by", e.actor},
                              {"at", e.atUtc}});
    }
    json audit = json::array();
    for (const auto& a : call.audit.forSubject(v->number)) {
        const json details = json::parse(a.details, nullptr, false);
        // In words, numbers as the label prints them; the raw details stay for exports and tools.
        const AuditWords words = auditWords(a.action, details);
        audit.push_back(json{{"id", a.id},
                             {"at", a.atUtc},
                             {"actor", a.actor},
                             {"action", a.action},
                             {"text", words.text},
                             {"refused", words.refused},
                             {"details", details}});
    }
    json orderJson = nullptr;
    if (order) {
        orderJson =
            json{{"number", order->orderNumber},
                 {"patient", order->patientName},
                 {"mrn", order->patientMrn},
                 {"patient_info", json::parse(order->patientJson, nullptr, false)},
                 {"recipe", order->recipeId},
                 {"dose", json::parse(order->doseJson, nullptr, false)},
                 {"route", order->route},
                 {"final_volume_ml", order->finalVolumeMl ? json(*order->finalVolumeMl) : json(nullptr)},
                 {"priority", order->priority},
                 {"due", order->dueUtc},
                 {"prescriber", order->prescriber},
                 {"entered_by", order->enteredBy},
                 {"status", order->status}};
        // The order's comments (HL7 NTE) and a stop put on it by the pharmacy system: the pharmacist
        // sees why the approval will be refused.
        orderJson["comments"] = store::PrepRepo(call.db).orderComments(order->id);
        if (const auto hold = store::OrderHolds(call.db).find(order->id))
            orderJson["stop"] = json{{"kind", hold->kind}, {"reason", hold->reason}, {"at", hold->atUtc}};
        else
            orderJson["stop"] = nullptr;
    }
    json reasons = json::array();
    for (const auto& [code, text] : kRejectReasons)
        reasons.push_back(json{{"code", code}, {"text", text}});
    const bool own = v->technician == call.user();
    json out{{"id", v->id},
             {"number", v->number},
             {"status", workflow::prepStatusName(v->status)},
             {"title", v->spec.title},
             {"dose", v->spec.doseText},
             {"recipe", v->spec.recipeId},
             {"recipe_version", v->spec.recipeVersion},
             {"category", v->spec.category},
             {"hazardous", v->spec.hazardous},
             {"storage", v->spec.storage},
             {"final_container", v->spec.finalContainer},
             {"technician", v->technician},
             {"room", v->room},
             {"pec", v->pec},
             {"started", v->startedUtc},
             {"completed", prepRow && prepRow->completedUtc ? json(*prepRow->completedUtc) : json(nullptr)},
             {"checked_by", v->checkedBy ? json(*v->checkedBy) : json(nullptr)},
             {"check_outcome", v->checkOutcome ? json(*v->checkOutcome) : json(nullptr)},
             {"check_reason", v->checkReason ? json(*v->checkReason) : json(nullptr)},
             {"any_override", v->anyOverride},
             {"order", orderJson},
             {"ingredients", ingredientRows(*v, evidence)},
             {"steps", steps},
             {"photos", photos},
             {"overrides", overrides},
             {"events", events},
             {"audit", audit},
             {"reject_reasons", reasons},
             {"recalled", recalled ? json(*recalled) : json(nullptr)},
             {"recipe_retired", recipeRetired ? json(*recipeRetired) : json(nullptr)},
             {"may_check", v->status == workflow::PrepStatus::AwaitingCheck && !own && !recalled},
             {"why_not", v->status != workflow::PrepStatus::AwaitingCheck
                             ? "this preparation is " + std::string(workflow::prepStatusName(v->status))
                         : own      ? std::string("you prepared it: another pharmacist must check it")
                         : recalled ? "RECALLED since it was scanned: " + *recalled +
                                          ". Approval is refused; quarantine it."
                                    : std::string()}};
    // Prepared on paper during a downtime and entered afterwards: flagged on the check.
    const auto downtime = workflow::downtimeRecordFor(call.db, v->id);
    out["downtime"] = downtime ? *downtime : json(nullptr);
    // Patient data was shown: record who saw it, from where.
    auditRow(
        call, call.user(), "remote.view", v->number,
        json{{"what", "preparation"}, {"order", order ? order->orderNumber : ""}, {"address", call.address}});
    reply(call.res, 200, out);
}

void prepImage(Call& call) {
    workflow::PreparationEngine engine(call.db, call.audit, call.stationName);
    const auto id = prepFromPath(call, engine);
    if (!id)
        return;
    const std::string sha = call.req.matches[2];
    // The path pattern admits only 64 hex digits; check again, then only an image that is evidence of
    // this preparation, read through the image store (which builds the path from the hash alone).
    if (!store::isSha256Hex(sha)) {
        replyError(call.res, 400, "not an image hash");
        return;
    }
    if (!store::RemoteQueries(call.db).isEvidenceImage(*id, sha)) {
        replyError(call.res, 404, "no such image for this preparation");
        return;
    }
    store::ImageStore images(call.db, store::imagesDir(call.dataDir));
    const auto meta = images.find(sha);
    const auto bytes = images.read(sha);
    if (!meta || !bytes) {
        replyError(call.res, 404, "the image file is missing from the image store");
        return;
    }
    static const std::array<const char*, 3> kImageTypes{"image/jpeg", "image/png", "image/webp"};
    if (std::find_if(kImageTypes.begin(), kImageTypes.end(),
                     [&](const char* t) { return meta->mime == t; }) == kImageTypes.end()) {
        replyError(call.res, 415, "the stored file is not a photo type this server shows");
        return;
    }
    const auto prep = store::PrepRepo(call.db).prep(*id);
    auditRow(call, call.user(), "remote.view_image", prep ? prep->prepNumber : std::to_string(*id),
             json{{"sha256", sha}, {"address", call.address}});
    call.res.set_header("Cache-Control", "private, no-store");
    call.res.set_content(std::string(bytes->begin(), bytes->end()), meta->mime.c_str());
}

void decide(Call& call, bool approve) {
    workflow::PreparationEngine engine(call.db, call.audit, call.stationName);
    const auto id = prepFromPath(call, engine);
    if (!id)
        return;
    auto body = jsonBody(call);
    if (!body)
        return;
    const auto password = stringField(call, *body, "password", 256, true);
    if (!password)
        return;
    std::string reasonCode;
    bool remake = true;
    std::optional<std::string> meaning;
    if (approve) {
        meaning = stringField(call, *body, "comment", 500, false, true);
        if (!meaning)
            return;
        meaning =
            "approve: evidence reviewed remotely" + (meaning->empty() ? std::string() : "; " + *meaning);
    } else {
        const auto code = stringField(call, *body, "reason_code", 40, true);
        if (!code)
            return;
        if (std::none_of(kRejectReasons.begin(), kRejectReasons.end(),
                         [&](const auto& r) { return *code == r.first; })) {
            replyError(call.res, 400, "unknown reason code '" + *code + "'");
            return;
        }
        reasonCode = *code;
        meaning = stringField(call, *body, "reason", 500, true, true);
        if (!meaning)
            return;
        const auto disposition = stringField(call, *body, "disposition", 10, true);
        if (!disposition)
            return;
        if (*disposition != "remake" && *disposition != "waste") {
            replyError(call.res, 400, "field 'disposition' must be 'remake' or 'waste'");
            return;
        }
        remake = *disposition == "remake";
    }
    const auto prep = store::PrepRepo(call.db).prep(*id);
    const std::string number = prep ? prep->prepNumber : "";
    if (!prep || prep->status != "awaiting_check") {
        replyError(call.res, 409,
                   "preparation " + number + " is " + (prep ? prep->status : "gone") +
                       ", not awaiting check");
        return;
    }
    // The e-signature: the signed-in pharmacist re-enters the password; bound to this action and
    // preparation. A wrong password counts toward the account's lockout. The signature and the
    // decision are one transaction: a second click that reaches here after the first decided is
    // refused by the engine and leaves no e-signature row behind.
    workflow::Authenticator auth(call.db, call.audit);
    auth.setClientAddress(call.address);
    const char* action = approve ? "prep.approve" : "prep.reject";
    std::string refusedDecision;
    auto signature = auth.signWithPasswordAnd(
        call.user(), *password, workflow::Role::Pharmacist, action, number, *meaning,
        [&](const workflow::Signature& sig) -> Status {
            const Status done = approve ? engine.approve(*id, sig, call.now)
                                        : engine.reject(*id, sig, reasonCode, remake, call.now);
            if (!done) {
                refusedDecision = done.error().text();
                return done;
            }
            auditRow(call, call.user(), approve ? "remote.approve" : "remote.reject", number,
                     json{{"address", call.address}, {"signature_audit_id", sig.auditId}});
            return Status::success();
        },
        call.now);
    if (!signature) {
        if (!refusedDecision.empty())
            replyError(call.res, 409, refusedDecision);
        else
            replyError(call.res, 403, "e-signature refused: " + signature.error().text());
        return;
    }
    const auto after = store::PrepRepo(call.db).prep(*id);
    reply(call.res, 200,
          json{{"number", number}, {"status", after ? after->status : ""}, {"signed_at", signature->atUtc}});
}

} // namespace

void registerCheckRoutes(const RouteSink& sink) {
    sink.get("/api/v1/queue", Access::Pharmacist, queue);
    sink.get(R"(/api/v1/preps/([^/]{1,80}))", Access::Pharmacist, prepDetail);
    sink.get(R"(/api/v1/preps/([^/]{1,80})/images/([^/]{1,100}))", Access::Pharmacist, prepImage);
    sink.post(R"(/api/v1/preps/([^/]{1,80})/approve)", Access::Pharmacist,
              [](Call& call) { decide(call, true); });
    sink.post(R"(/api/v1/preps/([^/]{1,80})/reject)", Access::Pharmacist,
              [](Call& call) { decide(call, false); });
}

} // namespace admix::remote::detail
