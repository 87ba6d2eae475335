// The quality staff's routes: rooms and PECs, monitoring series with their action levels (from the
// site policy, per sampled area), excursions open and closed, what is due, the qualification matrix,
// CSV exports, and closing an excursion with an e-signature. The rules are the ComplianceStore's and
// usp797's; this file shapes them as JSON and CSV.
#include "station/remote/routes.hpp"

#include "station/store/compliance_store.hpp"
#include "station/workflow/auth.hpp"
#include "usp797/iso_class.hpp"

#include <map>
#include <set>

namespace admix::remote::detail {

namespace {

using usp797::EmKind;

std::string isoKey(usp797::IsoClass iso) {
    // "ISO 5" -> "iso5"
    std::string name(usp797::isoClassName(iso));
    std::string key = "iso";
    for (const char c : name)
        if (std::isdigit(static_cast<unsigned char>(c)))
            key += c;
    return key;
}

// The action levels drawn on a plot: each a value and what it means (a result beyond it is an
// excursion). From the stored site policy, for the sampled area's ISO class and pressure regime.
json actionLevels(EmKind kind, const usp797::SampledArea& area, const usp797::SitePolicy& policy) {
    json levels = json::array();
    const auto add = [&](const std::string& key, const std::string& label) {
        if (const auto* k = usp797::findPolicyKey(key); k)
            levels.push_back(json{{"key", key}, {"label", label}, {"value", policy.number(key)}});
    };
    const std::string iso = isoKey(area.iso);
    switch (kind) {
    case EmKind::ViableAir:
        add("em.viable_air." + iso + "_cfu_m3",
            "action level (" + std::string(usp797::isoClassName(area.iso)) + ")");
        break;
    case EmKind::Surface:
        add("em.surface." + iso + "_cfu_plate",
            "action level (" + std::string(usp797::isoClassName(area.iso)) + ")");
        break;
    case EmKind::Particles:
        add("em.particles." + iso + "_per_m3", "limit (" + std::string(usp797::isoClassName(area.iso)) + ")");
        break;
    case EmKind::Pressure:
        if (area.pressure == usp797::PressureRegime::Negative) {
            add("em.pressure.negative_min_inwc", "negative, minimum");
            add("em.pressure.negative_max_inwc", "negative, maximum");
        } else if (area.pressure == usp797::PressureRegime::Positive) {
            add("em.pressure.positive_min_inwc", "positive, minimum");
        }
        break;
    case EmKind::Temperature:
        add("em.room.temperature_max_c", "maximum");
        break;
    case EmKind::Humidity:
        add("em.room.humidity_limit_pct", "limit");
        break;
    case EmKind::Fridge:
        add("em.fridge.min_c", "minimum");
        add("em.fridge.max_c", "maximum");
        break;
    case EmKind::Freezer:
        add("em.freezer.min_c", "minimum");
        add("em.freezer.max_c", "maximum");
        break;
    }
    return levels;
}

std::optional<std::string> roomParam(Call& call, store::ComplianceStore& cs, bool required) {
    const auto room = codeParam(call, "room");
    if (!room)
        return std::nullopt;
    if (room->empty()) {
        if (required) {
            replyError(call.res, 400, "parameter 'room' is required");
            return std::nullopt;
        }
        return room;
    }
    if (!cs.room(*room)) {
        replyError(call.res, 404, "no room " + *room);
        return std::nullopt;
    }
    return room;
}

std::optional<std::string> stateParam(Call& call) {
    const std::string state = call.req.has_param("state") ? call.req.get_param_value("state") : "all";
    if (state != "open" && state != "closed" && state != "all") {
        replyError(call.res, 400, "parameter 'state' must be open, closed or all");
        return std::nullopt;
    }
    return state;
}

void rooms(Call& call) {
    store::ComplianceStore cs(call.db, call.audit);
    json out = json::array();
    const auto pecs = cs.pecs();
    for (const auto& r : cs.rooms()) {
        json pj = json::array();
        for (const auto& p : pecs) {
            if (p.room == r.code)
                pj.push_back(json{{"code", p.code},
                                  {"type", usp797::pecTypeName(p.type)},
                                  {"hazardous", p.hazardous},
                                  {"certified", p.certified ? formatDate(*p.certified) : ""}});
        }
        out.push_back(json{{"code", r.code},
                           {"name", r.name},
                           {"iso", usp797::isoClassName(r.iso)},
                           {"pressure", usp797::pressureRegimeName(r.pressure)},
                           {"hazardous", r.hazardous},
                           {"certified", r.certified ? formatDate(*r.certified) : ""},
                           {"pecs", pj}});
    }
    reply(call.res, 200, json{{"rooms", out}});
}

void series(Call& call) {
    store::ComplianceStore cs(call.db, call.audit);
    const auto room = roomParam(call, cs, true);
    if (!room)
        return;
    const auto days = intParam(call, "days", 1, 400, 60);
    if (!days)
        return;
    const auto policy = cs.policy();
    const TimePoint from = call.now - std::chrono::days(*days);
    // Series per (kind, location), in time order.
    std::map<std::pair<std::string, std::string>, json> byKey;
    for (const auto& row : cs.samples(from, call.now + std::chrono::minutes(1), *room)) {
        const std::string kind(usp797::emKindName(row.sample.kind));
        auto& s = byKey[{kind, row.sample.location}];
        if (s.is_null()) {
            const auto area = cs.sampledArea(*room, row.sample.location);
            s = json{{"kind", kind},
                     {"location", row.sample.location},
                     {"unit", row.unit},
                     {"levels", area ? actionLevels(row.sample.kind, *area, policy) : json::array()},
                     {"t", json::array()},
                     {"v", json::array()},
                     {"excursion", json::array()}};
        }
        s["t"].push_back(
            std::chrono::duration_cast<std::chrono::seconds>(row.sample.at.time_since_epoch()).count());
        s["v"].push_back(row.measured);
        s["excursion"].push_back(row.excursion);
    }
    json out = json::array();
    for (auto& [key, s] : byKey)
        out.push_back(std::move(s));
    reply(
        call.res, 200,
        json{{"room", *room}, {"from", formatIsoUtc(from)}, {"to", formatIsoUtc(call.now)}, {"series", out}});
}

json excursionJson(const usp797::CorrectiveAction& ca) {
    json missing = json::array();
    for (const auto& m : usp797::missingForClosure(ca))
        missing.push_back(m);
    json closure = nullptr;
    if (ca.closure)
        closure = json{{"signer", ca.closure->signer},
                       {"meaning", ca.closure->meaning},
                       {"reason", ca.closure->reason},
                       {"at", formatIsoUtc(ca.closure->at)},
                       {"method", ca.closure->method}};
    return json{{"id", ca.id},
                {"room", ca.room},
                {"kind", ca.kind},
                {"summary", ca.summary},
                {"sampled", formatIsoUtc(ca.sampledAt)},
                {"opened", formatIsoUtc(ca.opened)},
                {"open", ca.open()},
                {"microbial", ca.microbial},
                {"genus_required", ca.genusRequired},
                {"blocks_room", ca.blocksRoom},
                {"investigation", ca.investigation.value_or("")},
                {"genus", ca.genus.value_or("")},
                {"remediation", ca.remediation.value_or("")},
                {"resample_id", ca.resampleId ? json(*ca.resampleId) : json(nullptr)},
                {"resample_passed", ca.resamplePassed},
                {"missing_for_closure", missing},
                {"closure", closure}};
}

std::vector<usp797::CorrectiveAction> excursionList(store::ComplianceStore& cs, const std::string& state,
                                                    const std::string& room) {
    const std::optional<std::string> filter = room.empty() ? std::nullopt : std::optional<std::string>(room);
    auto all = cs.correctiveActions(state == "open", filter);
    if (state == "closed")
        std::erase_if(all, [](const auto& ca) { return ca.open(); });
    return all;
}

void excursions(Call& call) {
    store::ComplianceStore cs(call.db, call.audit);
    const auto room = roomParam(call, cs, false);
    if (!room)
        return;
    const auto state = stateParam(call);
    if (!state)
        return;
    json out = json::array();
    for (const auto& ca : excursionList(cs, *state, *room))
        out.push_back(excursionJson(ca));
    reply(call.res, 200, json{{"excursions", out}});
}

void due(Call& call) {
    store::ComplianceStore cs(call.db, call.audit);
    const auto room = roomParam(call, cs, false);
    if (!room)
        return;
    const auto st =
        cs.status(call.now, std::nullopt, room->empty() ? std::nullopt : std::optional<std::string>(*room));
    json out = json::array();
    for (const auto& d : st.due)
        out.push_back(json{{"task", usp797::scheduleTaskName(d.task)},
                           {"subject", d.subject},
                           {"last", d.last ? formatDate(*d.last) : ""},
                           {"due", formatDate(d.due)},
                           {"state", usp797::dueStateName(d.state)},
                           {"text", d.text}});
    reply(call.res, 200, json{{"due", out}, {"today", formatDate(localDate(call.now))}});
}

void qualifications(Call& call) {
    store::ComplianceStore cs(call.db, call.audit);
    const auto st = cs.status(call.now);
    std::map<std::string, json> people;
    std::vector<std::string> order;
    for (const auto& [person, q] : st.qualifications) {
        if (!people.count(person)) {
            const auto who = cs.person(person);
            people[person] = json{{"person", person},
                                  {"name", who ? who->displayName : person},
                                  {"role", who ? who->role : ""},
                                  {"categories", json::object()}};
            order.push_back(person);
        }
        json reasons = json::array();
        for (const auto& r : q.reasons)
            reasons.push_back(r);
        people[person]["categories"][std::string(usp797::categoryName(q.category))] =
            json{{"qualified", q.qualified},
                 {"lapsed", q.lapsed},
                 {"until", q.lapses ? formatDate(*q.lapses) : ""},
                 {"reasons", reasons}};
    }
    json out = json::array();
    for (const auto& p : order)
        out.push_back(people[p]);
    reply(call.res, 200, json{{"categories", json::array({"immediate", "1", "2", "3"})}, {"people", out}});
}

void emCsv(Call& call) {
    store::ComplianceStore cs(call.db, call.audit);
    const auto room = roomParam(call, cs, false);
    if (!room)
        return;
    const auto days = intParam(call, "days", 1, 400, 60);
    if (!days)
        return;
    const TimePoint from = call.now - std::chrono::days(*days);
    std::string csv = "sample_id,at_utc,room,location,kind,value,measured,unit,excursion,limit,person,device_"
                      "or_lot,notes\n";
    size_t n = 0;
    for (const auto& row : cs.samples(from, call.now + std::chrono::minutes(1),
                                      room->empty() ? std::nullopt : std::optional<std::string>(*room))) {
        const auto& s = row.sample;
        csv += std::to_string(row.id) + ',' + formatIsoUtc(s.at) + ',' + csvQuote(s.room) + ',' +
               csvQuote(s.location) + ',' + std::string(usp797::emKindName(s.kind)) + ',' +
               json(s.value).dump() + ',' + json(row.measured).dump() + ',' + csvQuote(row.unit) + ',' +
               (row.excursion ? "yes" : "no") + ',' + csvQuote(row.limit) + ',' + csvQuote(s.person) + ',' +
               csvQuote(s.deviceOrLot) + ',' + csvQuote(s.notes) + '\n';
        ++n;
    }
    auditRow(call, call.user(), "remote.export", room->empty() ? "em" : *room,
             json{{"what", "em_csv"}, {"days", *days}, {"rows", n}, {"address", call.address}});
    const std::string name = "admix-em-" + (room->empty() ? std::string("all") : *room) + "-" +
                             formatDate(localDate(call.now)) + ".csv";
    call.res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
    call.res.set_header("Cache-Control", "no-store");
    call.res.set_content(csv, "text/csv; charset=utf-8");
}

void excursionsCsv(Call& call) {
    store::ComplianceStore cs(call.db, call.audit);
    const auto room = roomParam(call, cs, false);
    if (!room)
        return;
    const auto state = stateParam(call);
    if (!state)
        return;
    std::string csv =
        "id,room,kind,summary,sampled_utc,opened_utc,open,investigation,genus,remediation,resample_id,"
        "closed_by,closed_utc,closing_meaning,closing_reason\n";
    size_t n = 0;
    for (const auto& ca : excursionList(cs, *state, *room)) {
        csv += std::to_string(ca.id) + ',' + csvQuote(ca.room) + ',' + csvQuote(ca.kind) + ',' +
               csvQuote(ca.summary) + ',' + formatIsoUtc(ca.sampledAt) + ',' + formatIsoUtc(ca.opened) + ',' +
               (ca.open() ? "yes" : "no") + ',' + csvQuote(ca.investigation.value_or("")) + ',' +
               csvQuote(ca.genus.value_or("")) + ',' + csvQuote(ca.remediation.value_or("")) + ',' +
               (ca.resampleId ? std::to_string(*ca.resampleId) : "") + ',' +
               csvQuote(ca.closure ? ca.closure->signer : "") + ',' +
               (ca.closure ? formatIsoUtc(ca.closure->at) : "") + ',' +
               csvQuote(ca.closure ? ca.closure->meaning : "") + ',' +
               csvQuote(ca.closure ? ca.closure->reason : "") + '\n';
        ++n;
    }
    auditRow(call, call.user(), "remote.export", room->empty() ? "excursions" : *room,
             json{{"what", "excursions_csv"}, {"state", *state}, {"rows", n}, {"address", call.address}});
    call.res.set_header("Content-Disposition", "attachment; filename=\"admix-excursions.csv\"");
    call.res.set_header("Cache-Control", "no-store");
    call.res.set_content(csv, "text/csv; charset=utf-8");
}

void closeExcursion(Call& call) {
    const std::string idText = call.req.matches[1];
    if (idText.empty() || idText.size() > 12 || !std::all_of(idText.begin(), idText.end(), ::isdigit)) {
        replyError(call.res, 400, "not an excursion number");
        return;
    }
    const int64_t id = std::stoll(idText);
    store::ComplianceStore cs(call.db, call.audit);
    const auto ca = cs.correctiveAction(id);
    if (!ca) {
        replyError(call.res, 404, "no excursion " + idText);
        return;
    }
    auto body = jsonBody(call);
    if (!body)
        return;
    const auto password = stringField(call, *body, "password", 256, true);
    if (!password)
        return;
    const auto reason = stringField(call, *body, "reason", 500, true, true);
    if (!reason)
        return;
    if (!ca->open()) {
        replyError(call.res, 409, "excursion " + idText + " is already closed");
        return;
    }
    if (const auto missing = usp797::missingForClosure(*ca); !missing.empty()) {
        std::string text;
        for (const auto& m : missing)
            text += (text.empty() ? "" : ", ") + m;
        replyError(call.res, 409, "cannot close yet; missing: " + text);
        return;
    }
    const std::string meaning = "close excursion: investigation complete, re-sample passed";
    workflow::Authenticator auth(call.db, call.audit);
    auth.setClientAddress(call.address);
    auto sig = auth.sign(call.user(), *password, workflow::Role::Quality, "excursion.close",
                         "excursion:" + idText, meaning, call.now);
    if (!sig) {
        replyError(call.res, 403, "e-signature refused: " + sig.error().text());
        return;
    }
    const usp797::ESignature esig{call.user(), meaning, *reason, call.now,
                                  "password re-entry over the web (e-signature audit row " +
                                      std::to_string(sig->auditId) + ")"};
    if (const Status s = cs.closeCorrectiveAction(id, esig); !s) {
        replyError(call.res, 409, s.error().text());
        return;
    }
    const auto after = cs.correctiveAction(id);
    reply(call.res, 200, after ? excursionJson(*after) : json{{"id", id}});
}

} // namespace

void registerQualityRoutes(const RouteSink& sink) {
    sink.get("/api/v1/em/rooms", Access::Quality, rooms);
    sink.get("/api/v1/em/series", Access::Quality, series);
    sink.get("/api/v1/em/export.csv", Access::Quality, emCsv);
    sink.get("/api/v1/excursions", Access::Quality, excursions);
    sink.get("/api/v1/excursions/export.csv", Access::Quality, excursionsCsv);
    sink.post(R"(/api/v1/excursions/([^/]{1,40})/close)", Access::Quality, closeExcursion);
    sink.get("/api/v1/due", Access::Quality, due);
    sink.get("/api/v1/qualifications", Access::Quality, qualifications);
}

} // namespace admix::remote::detail
