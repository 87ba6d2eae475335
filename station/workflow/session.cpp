#include "station/workflow/session.hpp"

#include "formulas/text.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "station/store/site_repo.hpp"
#include "station/store/user_repo.hpp"
#include "station/workflow/label_job.hpp"
#include "station/workflow/order_json.hpp"
#include "station/workflow/photo_caption.hpp"
#include "station/workflow/plan_steps.hpp"
#include "station/workflow/prep_document.hpp"
#include "usp797/garbing.hpp"
#include "vision/evidence.hpp"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <array>
#include <random>

namespace admix::workflow {

using nlohmann::json;

// [SECTION] Fields --------------------------------------------------------------------------------

struct ScriptSession::Refusal {
    std::string message;
    json extra = json::object();
};

namespace {

using Refusal = ScriptSession::Refusal;

constexpr std::array<const char*, 15> kOps = {"sign_in", "garb",     "order_add", "queue",  "start",
                                              "scan",    "weigh",    "device",    "photo",  "confirm",
                                              "label",   "override", "approve",   "reject", "show"};

[[noreturn]] void refuse(std::string message) {
    throw Refusal{std::move(message)};
}

bool has(const json& r, const char* key) {
    return r.contains(key) && !r.at(key).is_null();
}

std::string text(const json& r, const char* key) {
    if (!has(r, key))
        refuse(std::string(key) + ": is missing");
    if (!r.at(key).is_string())
        refuse(std::string(key) + ": must be a text in quotes");
    const std::string value(formulas::trim(r.at(key).get<std::string>()));
    if (value.empty())
        refuse(std::string(key) + ": must not be empty");
    return value;
}

std::string optText(const json& r, const char* key, const std::string& fallback = {}) {
    return has(r, key) ? text(r, key) : fallback;
}

double number(const json& r, const char* key) {
    if (!has(r, key))
        refuse(std::string(key) + ": is missing");
    if (!r.at(key).is_number())
        refuse(std::string(key) + ": must be a number");
    const double v = r.at(key).get<double>();
    if (!std::isfinite(v))
        refuse(std::string(key) + ": must be a finite number");
    return v;
}

int64_t wholeNumber(const json& r, const char* key) {
    const double v = number(r, key);
    if (std::floor(v) != v || v < 0 || v > 9e15)
        refuse(std::string(key) + ": must be a whole number");
    return static_cast<int64_t>(v);
}

bool flag(const json& r, const char* key) {
    if (!has(r, key))
        refuse(std::string(key) + ": is missing");
    if (!r.at(key).is_boolean())
        refuse(std::string(key) + ": must be true or false");
    return r.at(key).get<bool>();
}

bool optFlag(const json& r, const char* key, bool fallback) {
    return has(r, key) ? flag(r, key) : fallback;
}

const char* verdictName(Verdict v) {
    switch (v) {
    case Verdict::Passed:
        return "passed";
    case Verdict::Failed:
        return "failed";
    case Verdict::Recorded:
        return "recorded";
    case Verdict::Duplicate:
        return "duplicate";
    }
    return "recorded";
}

json stepsJson(const PrepView& view) {
    json steps = json::array();
    for (const auto& s : view.steps) {
        json j{{"index", s.index},
               {"kind", stepKindName(s.spec.kind)},
               {"title", s.spec.title},
               {"instruction", s.spec.instruction},
               {"state", std::string(stepStateName(s.state))}};
        if (s.spec.kind == StepKind::Scan) {
            j["accepted_gtins"] = s.spec.scan.acceptedGtins;
            j["containers"] = std::max(1, s.spec.scan.count); // one scan per vial or bag
            j["product"] = s.spec.scan.productName;
        }
        if (s.spec.kind == StepKind::Weigh) {
            j["target_ml"] = s.spec.weigh.targetMl;
            j["low_ml"] = s.spec.weigh.lowMl;
            j["high_ml"] = s.spec.weigh.highMl;
            j["density_g_per_ml"] = s.spec.weigh.densityGPerMl;
        }
        steps.push_back(std::move(j));
    }
    return steps;
}

std::string randomToken() {
    std::random_device rd;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 8; ++i)
        out += kHex[rd() % 16];
    return out;
}

} // namespace

// [SECTION] Life cycle ----------------------------------------------------------------------------

ScriptSession::ScriptSession(SessionSetup setup)
    : m_setup(std::move(setup)),
      m_db(store::openStationDatabase(store::databasePath(m_setup.dataDir).string())), m_audit(m_db),
      m_auth(m_db, m_audit), m_compliance(m_db, m_audit), m_images(m_db, store::imagesDir(m_setup.dataDir)),
      m_engine(m_db, m_audit, m_setup.stationName), m_gate(m_compliance), m_token(randomToken()) {
    m_engine.setProductLookup(formularyLookup(m_setup.formulary));
    m_engine.setComplianceGate(&m_gate);
}

TimePoint ScriptSession::now() const {
    return nowUtc() + m_clockOffset;
}

json ScriptSession::handleLine(std::string_view line) {
    json request;
    try {
        request = json::parse(line.begin(), line.end());
    } catch (const json::exception& e) {
        const std::string what = e.what();
        const size_t close = what.find(']');
        return {
            {"ok", false},
            {"error", "not a JSON request: " + (close == std::string::npos ? what : what.substr(close + 2))}};
    }
    return handle(request);
}

json ScriptSession::handle(const json& r) {
    json answer;
    if (r.is_object() && r.contains("id"))
        answer["id"] = r.at("id");
    try {
        if (!r.is_object())
            refuse("a request must be a JSON object like {\"op\":\"queue\"}");
        const std::string op = text(r, "op");
        if (std::find_if(kOps.begin(), kOps.end(), [&](const char* k) { return op == k; }) == kOps.end()) {
            std::string known;
            for (const char* k : kOps)
                known += std::string(known.empty() ? "" : ", ") + k;
            refuse("op: unknown operation \"" + op + "\" (known: " + known + ")");
        }
        if (has(r, "now")) {
            if (!m_setup.sandbox)
                refuse("now: only a sandbox session (admix session --sandbox) may move the clock");
            const auto at = parseIsoUtc(text(r, "now"));
            if (!at)
                refuse("now: must be an ISO 8601 UTC time like 2026-12-01T14:30:00Z");
            if (*at < now() - std::chrono::seconds(1))
                refuse("now: the clock only moves forward; the session's clock is at " + formatIsoUtc(now()));
            m_clockOffset = *at - nowUtc();
        }
        m_requestUser.reset();
        if (op != "sign_in" && op != "override" && op != "approve" && op != "reject" && has(r, "user")) {
            auto who = authenticate(text(r, "user"), r, "user");
            if (!who)
                refuse("user: " + who.error().text());
            m_requestUser = *who;
        }
        json result = dispatch(op, r);
        m_requestUser.reset();
        for (auto& [k, v] : result.items())
            answer[k] = v;
        if (!answer.contains("ok"))
            answer["ok"] = true;
    } catch (const Refusal& refusal) {
        m_requestUser.reset();
        answer["ok"] = false;
        answer["error"] = refusal.message;
        for (auto& [k, v] : refusal.extra.items())
            answer[k] = v;
    } catch (const std::exception& e) {
        m_requestUser.reset();
        answer["ok"] = false;
        answer["error"] = std::string("the station could not do this: ") + e.what();
    }
    return answer;
}

json ScriptSession::dispatch(const std::string& op, const json& r) {
    if (op == "sign_in")
        return signIn(r);
    if (op == "garb")
        return garb(r);
    if (op == "order_add")
        return orderAdd(r);
    if (op == "queue")
        return queue(r);
    if (op == "start")
        return start(r);
    if (op == "override")
        return overrideStep(r);
    if (op == "approve" || op == "reject")
        return check(op, r);
    if (op == "show")
        return show(r);
    return stepEvent(op, r);
}

// [SECTION] People --------------------------------------------------------------------------------

namespace {

// A badge PIN is checked against the badge: a user name given with a PIN stands for its badge.
} // namespace

Result<User> ScriptSession::authenticate(const std::string& who, const json& r, const char*) {
    if (has(r, "pin"))
        return m_auth.signInWithUsernamePin(who, text(r, "pin"), now());
    if (has(r, "password"))
        return m_auth.signInWithPassword(who, text(r, "password"), now());
    refuse("pin: is missing (or give a password)");
}

ScriptSession::SignerSecret ScriptSession::signerSecret(const json& r, const std::string& prefix) {
    SignerSecret s;
    s.signer = text(r, "user");
    s.withPin = has(r, "pin");
    s.secret = s.withPin ? text(r, "pin") : has(r, "password") ? text(r, "password") : std::string();
    if (s.secret.empty())
        refuse(prefix + "pin: is missing (or give a password)");
    return s;
}

Signature ScriptSession::pharmacistSignature(const SignerSecret& s, const std::string& action,
                                             const std::string& subject, const std::string& meaning,
                                             const std::string& what) {
    auto sig = m_auth.sign(s.signer, s.secret, Role::Pharmacist, action, subject, meaning, now(), s.withPin);
    if (!sig)
        refuse(what + ": " + sig.error().text());
    return *sig;
}

const User& ScriptSession::actor(const json&) {
    if (m_requestUser)
        return *m_requestUser;
    if (m_user)
        return *m_user;
    refuse("sign in first (op sign_in), or give this request a user and pin");
}

json ScriptSession::signIn(const json& r) {
    const std::string who = text(r, "user");
    auto user = authenticate(who, r, "user");
    if (!user)
        refuse(user.error().text());
    m_user = *user;
    return {
        {"ok", true}, {"user", user->username}, {"role", roleName(user->role)}, {"name", user->displayName}};
}

json ScriptSession::garb(const json& r) {
    const User& who = actor(r);
    const std::string room = optText(r, "room", m_setup.room);
    if (room.empty())
        refuse("room: is missing");
    const auto record = m_compliance.room(room);
    if (!record)
        refuse("room: there is no room " + room + " in the site's records");
    const bool hd = optFlag(r, "hd", false) || record->hazardous;
    const auto procedure = usp797::garbingProcedure(hd, m_compliance.policy());
    const TimePoint at = now();
    const auto session = m_compliance.startGarbing(who.username, room, at);
    if (!session)
        refuse(session.error().text());
    json steps = json::array();
    for (const auto& step : procedure) {
        // Each step as the garbing screen records it: a timed step (the hand wash) with its full time.
        if (const Status done = m_compliance.garbingStep(*session, step.id, std::max(step.minSeconds, 1), at);
            !done)
            refuse("garbing step " + step.id + ": " + done.error().text());
        steps.push_back(step.id);
    }
    const auto recorded = m_compliance.garbingSession(*session);
    return {{"ok", true},
            {"room", room},
            {"hd", hd},
            {"steps", steps},
            {"complete", recorded && recorded->complete(procedure)}};
}

// [SECTION] Orders --------------------------------------------------------------------------------

json ScriptSession::orderAdd(const json& r) {
    const User& who = actor(r);
    if (!has(r, "order"))
        refuse("order: is missing");
    const auto parsed = parseOrderJson(r.at("order"));
    if (!parsed)
        refuse("order." + parsed.error().text());
    const auto id = m_engine.addOrder(*parsed, who, now());
    if (!id)
        refuse(id.error().text());
    const auto row = store::PrepRepo(m_db).order(*id);
    return {{"ok", true}, {"order_id", *id}, {"order", row ? row->orderNumber : std::string()}};
}

json ScriptSession::queue(const json& r) {
    (void)actor(r);
    json items = json::array();
    for (const auto& o : store::PrepRepo(m_db).queue())
        items.push_back({{"order_id", o.id},
                         {"order", o.orderNumber},
                         {"recipe", o.recipeId},
                         {"priority", o.priority},
                         {"due", o.dueUtc},
                         {"patient", o.patientName},
                         {"status", o.status}});
    return {{"ok", true}, {"items", items}};
}

json ScriptSession::start(const json& r) {
    const User& who = actor(r);
    // The order by its row id ("order_id"), or by its number or its own id as entered ("order":
    // "O20261202-0001" or "SITE-0001").
    std::optional<store::OrderRow> order;
    if (!has(r, "order_id") && has(r, "order")) {
        const std::string key = text(r, "order");
        order = store::PrepRepo(m_db).orderByNumber(key);
        if (!order) {
            if (const auto id = store::SiteRepo(m_db).orderByExternalId(key))
                order = store::PrepRepo(m_db).order(*id);
        }
        if (!order)
            refuse("order: there is no order " + key);
    }
    const int64_t orderId = order ? order->id : wholeNumber(r, "order_id");
    const std::string room = optText(r, "room", m_setup.room);
    const std::string pec = optText(r, "pec", m_setup.pec);
    if (room.empty())
        refuse("room: is missing");
    if (pec.empty())
        refuse("pec: is missing");
    if (!order)
        order = store::PrepRepo(m_db).order(orderId);
    if (!order)
        refuse("order_id: there is no order " + std::to_string(orderId));
    const auto spec = specForOrder(*order, m_setup.formulary, m_setup.policy);
    if (!spec)
        refuse("order " + order->orderNumber + " cannot be prepared: " + spec.error().text());
    std::optional<Signature> overrideSignature;
    if (has(r, "override")) {
        const json& o = r.at("override");
        if (!o.is_object())
            refuse("override: must be an object like {\"user\":\"rph\",\"pin\":\"...\",\"reason\":\"...\"}");
        const SignerSecret signer = signerSecret(o, "override.");
        const std::string reason = text(o, "reason");
        overrideSignature =
            pharmacistSignature(signer, "prep.start.override", order->orderNumber, reason, "override");
    }
    const auto prepId = m_engine.start(orderId, *spec, who, room, pec, overrideSignature, now());
    if (!prepId) {
        const std::string message = prepId.error().text();
        constexpr std::string_view blocked = "Cannot start:";
        if (message.rfind(blocked, 0) == 0) {
            json reasons = json::array();
            size_t at = 0;
            while ((at = message.find("\n- ", at)) != std::string::npos) {
                at += 3;
                const size_t end = message.find('\n', at);
                reasons.push_back(
                    message.substr(at, end == std::string::npos ? std::string::npos : end - at));
            }
            throw Refusal{message, json{{"blocked", true}, {"reasons", reasons}}};
        }
        refuse(message);
    }
    m_lastPrep = *prepId;
    const auto view = m_engine.view(*prepId).value();
    return {{"ok", true},
            {"prep", view.number},
            {"prep_id", view.id},
            {"status", std::string(prepStatusName(view.status))},
            {"step", view.currentStep},
            {"steps", stepsJson(view)}};
}

// [SECTION] Step events ---------------------------------------------------------------------------

int64_t ScriptSession::prepOf(const json& r) {
    if (!has(r, "prep")) {
        if (m_lastPrep)
            return *m_lastPrep;
        refuse("prep: is missing");
    }
    const json& p = r.at("prep");
    if (p.is_number_integer())
        return p.get<int64_t>();
    if (!p.is_string())
        refuse("prep: must be a preparation number like \"P20261201-0001\"");
    const std::string number = p.get<std::string>();
    if (const auto id = m_engine.prepIdByNumber(number))
        return *id;
    refuse("prep: there is no preparation " + number);
}

std::string ScriptSession::eventKey(const json& r, const std::string& op, int step) {
    if (has(r, "event_key"))
        return text(r, "event_key");
    return "session-" + m_token + "-" + op + "-s" + std::to_string(step) + "-" + std::to_string(++m_sequence);
}

json ScriptSession::outcomeAnswer(const Result<Outcome>& outcome) {
    if (!outcome)
        refuse(outcome.error().text());
    json a{{"verdict", verdictName(outcome->verdict)},
           {"message", outcome->message},
           {"step", outcome->currentStep},
           {"status", std::string(prepStatusName(outcome->prepStatus))}};
    if (outcome->verdict == Verdict::Failed) {
        a["ok"] = false;
        a["error"] = outcome->message;
    } else {
        a["ok"] = true;
    }
    return a;
}

json ScriptSession::stepEvent(const std::string& op, const json& r) {
    const User& who = actor(r);
    const int64_t prepId = prepOf(r);
    const auto view = m_engine.view(prepId);
    if (!view)
        refuse("prep: there is no preparation " + std::to_string(prepId));
    const int step = has(r, "step") ? static_cast<int>(wholeNumber(r, "step")) : view->currentStep;
    const TimePoint at = now();
    const bool current = step == view->currentStep && step < static_cast<int>(view->steps.size());

    if (op == "scan") {
        // As the scanner sent it (not trimmed: a trailing separator is part of what was read).
        const std::string scanned =
            has(r, "text") && r.at("text").is_string() ? r.at("text").get<std::string>() : text(r, "text");
        const std::string source = optText(r, "source", "scanner");
        if (source != "scanner" && source != "camera")
            refuse("source: must be \"scanner\" or \"camera\", not \"" + source + "\"");
        const std::string key = eventKey(r, op, step);
        const ScannedCode code =
            scannedText(scanned, source == "camera" ? ScanSource::Camera : ScanSource::Scanner,
                        source == "camera" ? "camera" : "session scanner");
        json a = outcomeAnswer(m_engine.submitScan(prepId, step, key, code, who, at));
        a["source"] = source;
        return a;
    }
    if (op == "weigh") {
        double grams = 0;
        bool stable = false;
        if (has(r, "draw")) {
            // The simulated balance: the empty syringe recorded at this step plus `draw` times the
            // target volume's mass (1.0 the right draw, 1.08 eight per cent over), like the demo hood.
            const double fraction = number(r, "draw");
            if (!current)
                refuse("draw: step " + std::to_string(step) + " is not the open step");
            const auto& s = view->steps[static_cast<size_t>(step)];
            if (s.spec.kind != StepKind::Weigh)
                refuse("draw: step " + std::to_string(step) + " (" + s.spec.title +
                       ") does not take a weight");
            if (!s.result.is_object() || !s.result.contains("tare_g"))
                refuse("draw: the empty syringe is not weighed yet at this step");
            grams = s.result["tare_g"].get<double>() +
                    fraction * s.spec.weigh.targetMl * s.spec.weigh.densityGPerMl;
            stable = optFlag(r, "stable", true);
        } else {
            grams = number(r, "grams");
            stable = flag(r, "stable");
        }
        WeighReading reading;
        reading.value = grams;
        reading.unit = devices::MassUnit::Gram;
        reading.stable = stable;
        reading.range = optFlag(r, "overload", false)    ? WeighRange::Overload
                        : optFlag(r, "underload", false) ? WeighRange::Underload
                                                         : WeighRange::InRange;
        reading.balance.device = m_setup.balanceName;
        const std::string key = eventKey(r, op, step);
        json a = outcomeAnswer(m_engine.submitReading(prepId, step, key, reading, who, at));
        a["grams"] = grams;
        return a;
    }
    if (op == "device") {
        const std::string device = text(r, "device");
        const bool up = flag(r, "up");
        const std::string detail = optText(r, "detail", up ? "back" : "down");
        const std::string key = eventKey(r, op, step);
        return outcomeAnswer(m_engine.deviceStatus(prepId, step, key, device, up, detail, who, at));
    }
    if (op == "photo") {
        const std::string path = text(r, "image");
        const cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
        if (image.empty())
            refuse("image: cannot read " + path + " as a picture (PNG or JPEG)");
        PhotoInput input;
        std::string key;
        if (current) {
            // The same check, annotation and durable write as a camera capture at the station.
            const auto photo =
                vision::makeEvidencePhoto(image, evidenceCaption(*view, who, at), m_setup.quality);
            if (photo) {
                const std::string sha =
                    store::writeImageFile(store::imagesDir(m_setup.dataDir), photo->jpeg, "image/jpeg");
                m_images.index(store::StoredImage{sha, static_cast<int64_t>(photo->jpeg.size()), "image/jpeg",
                                                  photo->width, photo->height},
                               formatIsoUtc(at));
                input = PhotoInput{sha, true, "", ""};
                key = has(r, "event_key") ? text(r, "event_key")
                                          : "photo-s" + std::to_string(step) + "-" + sha.substr(0, 16);
            } else {
                input = PhotoInput{"", false, photo.error().message, ""};
            }
        }
        if (key.empty())
            key = eventKey(r, op, step);
        json a = outcomeAnswer(m_engine.submitPhoto(prepId, step, key, input, who, at));
        if (!input.sha256.empty())
            a["image"] = input.sha256;
        return a;
    }
    if (op == "confirm")
        return outcomeAnswer(m_engine.confirm(prepId, step, eventKey(r, op, step), who, at));
    if (op == "label") {
        json label;
        if (current && view->steps[static_cast<size_t>(step)].spec.kind == StepKind::Label) {
            if (!m_setup.labelLayout)
                refuse("label: labels are not available (no label layout)");
            const auto data =
                labelDataFor(m_db, m_audit, prepId, m_setup.formulary, m_setup.policy, *m_setup.labelLayout);
            if (!data)
                refuse("label: " + data.error().text());
            const auto zpl = renderZpl(*data, *m_setup.labelLayout);
            if (!zpl)
                refuse("label: " + zpl.error().text());
            label = toJson(*data);
        }
        json a = outcomeAnswer(
            m_engine.labelPrinted(prepId, step, eventKey(r, op, step), true, m_setup.printerName, who, at));
        if (!label.is_null())
            a["label"] = label;
        return a;
    }
    refuse("op: unknown operation \"" + op + "\"");
}

// [SECTION] Pharmacist ----------------------------------------------------------------------------

json ScriptSession::overrideStep(const json& r) {
    const int64_t prepId = prepOf(r);
    const auto view = m_engine.view(prepId);
    if (!view)
        refuse("prep: there is no preparation " + std::to_string(prepId));
    const SignerSecret signer = signerSecret(r, "");
    const std::string reason = text(r, "reason");
    const int step = has(r, "step") ? static_cast<int>(wholeNumber(r, "step")) : view->currentStep;
    const Signature sig = pharmacistSignature(signer, "prep.override", view->number, reason, "override");
    return outcomeAnswer(m_engine.overrideStep(prepId, step, sig, now()));
}

json ScriptSession::check(const std::string& op, const json& r) {
    const int64_t prepId = prepOf(r);
    const auto view = m_engine.view(prepId);
    if (!view)
        refuse("prep: there is no preparation " + std::to_string(prepId));
    const SignerSecret signer = signerSecret(r, "");
    Status done = Status::success();
    if (op == "approve") {
        const std::string meaning = optText(r, "reason", "approve");
        done = m_engine.approve(
            prepId, pharmacistSignature(signer, "prep.approve", view->number, meaning, "approve"), now());
    } else {
        const std::string code = text(r, "reason_code");
        const std::string disposition = text(r, "disposition");
        if (disposition != "remake" && disposition != "waste")
            refuse("disposition: must be \"remake\" or \"waste\", not \"" + disposition + "\"");
        const std::string reason = optText(r, "reason");
        const Signature sig = pharmacistSignature(signer, "prep.reject", view->number,
                                                  reason.empty() ? code : code + ": " + reason, "reject");
        done = m_engine.reject(prepId, sig, code, disposition == "remake", now());
    }
    if (!done)
        refuse(done.error().text());
    const auto after = m_engine.view(prepId).value();
    return {{"ok", true}, {"prep", after.number}, {"status", std::string(prepStatusName(after.status))}};
}

json ScriptSession::show(const json& r) {
    const int64_t prepId = prepOf(r);
    auto document = prepDocument(m_db, m_engine, prepId);
    if (!document)
        refuse("prep: there is no preparation " + std::to_string(prepId));
    return {{"ok", true}, {"document", *document}};
}

} // namespace admix::workflow
