// ComplianceStore: cleaning log, garbing sessions, qualification events, the compliance gate and the
// "what is due" status.
#include "station/store/compliance_internal.hpp"

#include "formulas/text.hpp"

#include <algorithm>

namespace admix::store {

using namespace compliance_detail;
using nlohmann::json;

namespace {

// "Today" and "the day of" are the station's local days (formulas/time.hpp).
std::string dayStart(TimePoint t) {
    return formatIsoUtc(localDayStart(localDate(t)));
}

Date dayOf(TimePoint t) {
    return localDate(t);
}

} // namespace

// [SECTION] Cleaning

Result<int64_t> ComplianceStore::logCleaning(const usp797::CleaningRecord& rec, TimePoint at) {
    bool hazardous = false;
    if (const auto r = room(rec.area))
        hazardous = r->hazardous;
    else if (const auto p = pec(rec.area))
        hazardous = p->hazardous || room(p->room).value_or(usp797::Room{}).hazardous;
    else
        return Result<int64_t>::fail("no room or PEC with this code", "area");
    if (auto ok = usp797::validateCleaning(rec, hazardous); !ok)
        return ok.error();
    if (auto ok = requireRole(*this, rec.person, {"technician", "pharmacist", "quality"}, "log cleaning");
        !ok)
        return ok.error();
    if (rec.at > at)
        return Result<int64_t>::fail("cleaning cannot be logged in the future", "at");
    Transaction tx(m_db);
    Statement s =
        m_db.prepare("INSERT INTO cleaning_log(at_utc, area, task, actions, agent, lot, person, recorded_utc)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    const std::string actions = usp797::cleaningActionsText(rec.actions);
    s.bind(1, formatIsoUtc(rec.at))
        .bind(2, rec.area)
        .bind(3, usp797::cleaningTaskName(rec.task))
        .bind(4, actions);
    s.bind(5, rec.agent).bind(6, rec.lot).bind(7, rec.person).bind(8, formatIsoUtc(at));
    s.run();
    const int64_t id = m_db.lastInsertRowId();
    m_audit.append(rec.person, "cleaning.log", "cleaning:" + rec.area,
                   json{{"id", id},
                        {"task", usp797::cleaningTaskName(rec.task)},
                        {"actions", actions},
                        {"agent", rec.agent},
                        {"lot", rec.lot},
                        {"at", formatIsoUtc(rec.at)}}
                       .dump(),
                   at);
    tx.commit();
    return id;
}

std::optional<Date> ComplianceStore::lastCleaning(const std::string& area, usp797::CleaningTask task,
                                                  TimePoint asOf) {
    Statement s =
        m_db.prepare("SELECT max(at_utc) FROM cleaning_log WHERE area = ?1 AND task = ?2 AND at_utc <= ?3");
    s.bind(1, area).bind(2, usp797::cleaningTaskName(task)).bind(3, formatIsoUtc(asOf));
    if (!s.step() || s.isNull(0))
        return std::nullopt;
    return dayOf(timeColumn(s, 0));
}

// [SECTION] Garbing

Result<int64_t> ComplianceStore::startGarbing(const std::string& personCode, const std::string& roomCode,
                                              TimePoint at) {
    const auto who = person(personCode);
    if (!who || !who->active)
        return Result<int64_t>::fail("'" + personCode + "' is not an active station user", "person");
    const auto r = room(roomCode);
    if (!r)
        return Result<int64_t>::fail("room '" + roomCode + "' is not registered", "room");
    Transaction tx(m_db);
    Statement end =
        m_db.prepare("UPDATE garbing_sessions SET ended_utc = ?2 WHERE person = ?1 AND ended_utc IS NULL");
    end.bind(1, who->username).bind(2, formatIsoUtc(at));
    end.run();
    Statement s = m_db.prepare(
        "INSERT INTO garbing_sessions(person, room, hazardous, started_utc) VALUES (?1, ?2, ?3, ?4)");
    s.bind(1, who->username).bind(2, r->code).bind(3, r->hazardous ? 1 : 0).bind(4, formatIsoUtc(at));
    s.run();
    const int64_t id = m_db.lastInsertRowId();
    m_audit.append(who->username, "garbing.start", "garbing:" + std::to_string(id),
                   json{{"room", r->code}, {"procedure", r->hazardous ? "USP <800>" : "USP <797>"}}.dump(),
                   at);
    tx.commit();
    return id;
}

std::optional<usp797::GarbingSession> ComplianceStore::garbingSession(int64_t sessionId) {
    Statement s = m_db.prepare(
        "SELECT id, person, room, hazardous, started_utc, ended_utc FROM garbing_sessions WHERE id = ?1");
    s.bind(1, sessionId);
    if (!s.step())
        return std::nullopt;
    usp797::GarbingSession g;
    g.id = s.columnInt(0);
    g.person = s.columnText(1);
    g.room = s.columnText(2);
    g.hazardous = s.columnInt(3) != 0;
    g.started = timeColumn(s, 4);
    if (!s.isNull(5))
        g.ended = timeColumn(s, 5);
    Statement e = m_db.prepare(
        "SELECT kind, step, at_utc, seconds FROM garbing_events WHERE session_id = ?1 ORDER BY id");
    e.bind(1, sessionId);
    while (e.step()) {
        usp797::GarbingEvent ev;
        const std::string kind = e.columnText(0);
        ev.kind = kind == "step"           ? usp797::GarbingEvent::Kind::Step
                  : kind == "glove_change" ? usp797::GarbingEvent::Kind::GloveChange
                                           : usp797::GarbingEvent::Kind::GownChange;
        ev.step = e.columnText(1);
        ev.at = timeColumn(e, 2);
        ev.seconds = static_cast<int>(e.columnInt(3));
        g.events.push_back(std::move(ev));
    }
    return g;
}

std::optional<usp797::GarbingSession> ComplianceStore::latestGarbing(const std::string& personCode,
                                                                     TimePoint asOf) {
    Statement s = m_db.prepare("SELECT id FROM garbing_sessions WHERE person = ?1 AND started_utc <= ?2 "
                               "ORDER BY started_utc DESC, id DESC LIMIT 1");
    const auto who = person(personCode);
    s.bind(1, who ? who->username : personCode).bind(2, formatIsoUtc(asOf));
    if (!s.step())
        return std::nullopt;
    return garbingSession(s.columnInt(0));
}

Status ComplianceStore::garbingStep(int64_t sessionId, const std::string& step, int seconds, TimePoint at) {
    const auto g = garbingSession(sessionId);
    if (!g)
        return Status::fail("no garbing session " + std::to_string(sessionId), "session");
    const usp797::SitePolicy pol = policy();
    if (auto ok = usp797::checkNextStep(*g, usp797::garbingProcedure(g->hazardous, pol), step, seconds); !ok)
        return ok;
    Transaction tx(m_db);
    Statement s = m_db.prepare("INSERT INTO garbing_events(session_id, at_utc, kind, step, seconds) VALUES "
                               "(?1, ?2, 'step', ?3, ?4)");
    s.bind(1, sessionId).bind(2, formatIsoUtc(at)).bind(3, step).bind(4, seconds);
    s.run();
    m_audit.append(g->person, "garbing.step", "garbing:" + std::to_string(sessionId),
                   json{{"step", step}, {"seconds", seconds}}.dump(), at);
    tx.commit();
    return Status::success();
}

Status ComplianceStore::garbingChange(int64_t sessionId, usp797::GarbingEvent::Kind kind, TimePoint at) {
    const auto g = garbingSession(sessionId);
    if (!g)
        return Status::fail("no garbing session " + std::to_string(sessionId), "session");
    if (g->ended)
        return Status::fail("the garbing session has ended", "session");
    if (kind == usp797::GarbingEvent::Kind::Step)
        return Status::fail("use garbingStep for a procedure step", "kind");
    const usp797::SitePolicy pol = policy();
    if (!g->complete(usp797::garbingProcedure(g->hazardous, pol)))
        return Status::fail("garbing is not complete yet; finish the procedure first", "session");
    const char* name = kind == usp797::GarbingEvent::Kind::GloveChange ? "glove_change" : "gown_change";
    Transaction tx(m_db);
    Statement s = m_db.prepare("INSERT INTO garbing_events(session_id, at_utc, kind) VALUES (?1, ?2, ?3)");
    s.bind(1, sessionId).bind(2, formatIsoUtc(at)).bind(3, name);
    s.run();
    m_audit.append(g->person, std::string("garbing.") + name, "garbing:" + std::to_string(sessionId), "{}",
                   at);
    tx.commit();
    return Status::success();
}

Status ComplianceStore::endGarbing(int64_t sessionId, TimePoint at) {
    const auto g = garbingSession(sessionId);
    if (!g)
        return Status::fail("no garbing session " + std::to_string(sessionId), "session");
    if (g->ended)
        return Status::fail("the garbing session already ended at " + formatIsoUtc(*g->ended), "session");
    Transaction tx(m_db);
    Statement s = m_db.prepare("UPDATE garbing_sessions SET ended_utc = ?2 WHERE id = ?1");
    s.bind(1, sessionId).bind(2, formatIsoUtc(at));
    s.run();
    m_audit.append(g->person, "garbing.end", "garbing:" + std::to_string(sessionId),
                   json{{"room", g->room}}.dump(), at);
    tx.commit();
    return Status::success();
}

// [SECTION] Qualification

Result<int64_t> ComplianceStore::recordQualification(const std::string& personCode, usp797::QualEvent event,
                                                     const std::string& user, const std::string& notes,
                                                     TimePoint at) {
    const auto who = person(personCode);
    if (!who)
        return Result<int64_t>::fail("'" + personCode + "' is not a station user", "person");
    if (auto ok = requireRole(*this, user, {"quality"}, "record qualification results"); !ok)
        return ok.error();
    if (std::chrono::sys_days{event.date} > std::chrono::sys_days{localDate(at)})
        return Result<int64_t>::fail("a qualification cannot be dated in the future", "date");
    const usp797::SitePolicy pol = policy();
    const auto judged = usp797::judgeQualEvent(event, pol);
    if (!judged)
        return judged.error();
    Transaction tx(m_db);
    Statement s = m_db.prepare("INSERT INTO qualification_events(person, kind, date, level, cfu, passed, "
                               "notes, recorded_by, recorded_utc)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    s.bind(1, who->username).bind(2, usp797::qualKindName(judged->kind)).bind(3, formatDate(judged->date));
    s.bind(4, usp797::qualLevelName(judged->level));
    if (judged->cfu)
        s.bind(5, *judged->cfu);
    else
        s.bindNull(5);
    s.bind(6, judged->passed ? 1 : 0).bind(7, notes).bind(8, user).bind(9, formatIsoUtc(at));
    s.run();
    const int64_t id = m_db.lastInsertRowId();
    m_audit.append(user, "qualification.record", "person:" + who->username,
                   json{{"id", id},
                        {"kind", usp797::qualKindName(judged->kind)},
                        {"date", formatDate(judged->date)},
                        {"level", usp797::qualLevelName(judged->level)},
                        {"cfu", judged->cfu ? json(*judged->cfu) : json(nullptr)},
                        {"passed", judged->passed}}
                       .dump(),
                   at);
    tx.commit();
    return id;
}

std::vector<usp797::QualEvent> ComplianceStore::qualifications(const std::string& personCode) {
    const auto who = person(personCode);
    Statement s = m_db.prepare("SELECT kind, date, level, cfu, passed FROM qualification_events WHERE person "
                               "= ?1 ORDER BY date, id");
    s.bind(1, who ? who->username : personCode);
    std::vector<usp797::QualEvent> out;
    while (s.step()) {
        usp797::QualEvent e;
        const auto kind = usp797::parseQualKind(s.columnText(0));
        const auto level = usp797::parseQualLevel(s.columnText(2));
        const auto date = parseDate(s.columnText(1));
        if (!kind || !level || !date)
            throw StoreError("corrupt qualification row for " + personCode);
        e.kind = *kind;
        e.date = *date;
        e.level = *level;
        if (!s.isNull(3))
            e.cfu = static_cast<int>(s.columnInt(3));
        e.passed = s.columnInt(4) != 0;
        out.push_back(e);
    }
    return out;
}

// [SECTION] Gate

usp797::GateFacts ComplianceStore::gateFacts(const usp797::GateRequest& req) {
    usp797::GateFacts f;
    if (const auto who = person(req.person)) {
        f.personRole = who->role;
        f.personActive = who->active;
        f.qualifications = qualifications(who->username);
        f.garbing = latestGarbing(who->username, req.at);
    }
    if (req.pec.empty())
        return f;
    f.pec = pec(req.pec);
    if (!f.pec)
        return f;
    f.room = room(f.pec->room);
    if (!f.room)
        return f;
    f.lastDailyCleaningRoom = lastCleaning(f.room->code, usp797::CleaningTask::Daily, req.at);
    f.lastDailyCleaningPec = lastCleaning(f.pec->code, usp797::CleaningTask::Daily, req.at);
    const auto latestToday = [&](usp797::EmKind kind) -> std::optional<double> {
        Statement s = m_db.prepare(
            "SELECT value FROM em_samples WHERE room = ?1 AND kind = ?2 AND at_utc >= ?3 AND at_utc <= ?4"
            " ORDER BY at_utc DESC, id DESC LIMIT 1");
        s.bind(1, f.room->code)
            .bind(2, usp797::emKindName(kind))
            .bind(3, dayStart(req.at))
            .bind(4, formatIsoUtc(req.at));
        if (!s.step())
            return std::nullopt;
        return s.columnDouble(0);
    };
    f.pressureToday = latestToday(usp797::EmKind::Pressure);
    f.temperatureToday = latestToday(usp797::EmKind::Temperature);
    f.humidityToday = latestToday(usp797::EmKind::Humidity);
    f.openExcursions = correctiveActions(true, f.room->code);
    Statement busy = m_db.prepare("SELECT prep_number FROM preparations WHERE status = 'in_progress' AND pec "
                                  "= ?1 ORDER BY started_utc, id");
    busy.bind(1, f.pec->code);
    while (busy.step())
        f.preparationsInProgress.push_back(busy.columnText(0));
    return f;
}

usp797::GateRequest ComplianceStore::withRoom(usp797::GateRequest req) {
    // A question that names no room is about the PEC's own room: stored and matched as such, so an
    // override recorded from the CLI matches the station's start in that room.
    if (req.room.empty() && !req.pec.empty()) {
        if (const auto p = pec(req.pec))
            req.room = p->room;
    }
    return req;
}

GateOutcome ComplianceStore::checkGate(const usp797::GateRequest& asked) {
    const usp797::GateRequest req = withRoom(asked);
    const usp797::SitePolicy pol = policy();
    GateOutcome out;
    out.decision = usp797::evaluateGate(req, gateFacts(req), pol);
    json reasons = json::array();
    for (const auto& r : out.decision.reasons)
        reasons.push_back({{"code", r.code}, {"message", r.message}, {"overridable", r.overridable}});
    Transaction tx(m_db);
    Statement s = m_db.prepare(
        "INSERT INTO gate_decisions(at_utc, person, pec, category, allowed, reasons, room, hazardous)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    s.bind(1, formatIsoUtc(req.at))
        .bind(2, req.person)
        .bind(3, req.pec)
        .bind(4, usp797::categoryName(req.category));
    s.bind(5, out.decision.allowed ? 1 : 0)
        .bind(6, reasons.dump())
        .bind(7, req.room)
        .bind(8, req.hazardousDrug ? 1 : 0);
    s.run();
    out.decisionId = m_db.lastInsertRowId();
    const std::string subject = "pec:" + (req.pec.empty() ? std::string("none") : req.pec);
    m_audit.append(req.person, out.decision.allowed ? "gate.allowed" : "gate.blocked", subject,
                   json{{"decision", out.decisionId},
                        {"category", usp797::categoryName(req.category)},
                        {"hazardous", req.hazardousDrug},
                        {"room", pec(req.pec) ? pec(req.pec)->room : std::string()},
                        {"reasons", reasons}}
                       .dump(),
                   req.at);
    tx.commit();
    return out;
}

usp797::GateDecision ComplianceStore::previewGate(const usp797::GateRequest& req) {
    const usp797::GateRequest request = withRoom(req);
    return usp797::evaluateGate(request, gateFacts(request), policy());
}

std::optional<ComplianceStore::StandingOverride>
ComplianceStore::useStandingOverride(const usp797::GateRequest& asked, const usp797::GateDecision& current,
                                     const std::string& usedFor, TimePoint at) {
    const usp797::GateRequest req = withRoom(asked);
    const usp797::SitePolicy pol = policy();
    const auto window = std::chrono::minutes{pol.whole("gate.override_valid_minutes")};
    Statement s = m_db.prepare(
        "SELECT d.id, d.reasons, d.overridden_by, d.override_reason FROM gate_decisions d"
        " LEFT JOIN gate_override_uses u ON u.decision_id = d.id"
        " WHERE u.decision_id IS NULL AND d.overridden_by IS NOT NULL AND d.person = ?1 AND d.pec = ?2 AND "
        "d.room = ?3"
        " AND d.category = ?4 AND d.hazardous = ?5 AND d.overridden_utc >= ?6 AND d.overridden_utc <= ?7"
        " ORDER BY d.overridden_utc DESC, d.id DESC");
    s.bind(1, req.person).bind(2, req.pec).bind(3, req.room).bind(4, usp797::categoryName(req.category));
    s.bind(5, req.hazardousDrug ? 1 : 0).bind(6, formatIsoUtc(at - window)).bind(7, formatIsoUtc(at));
    std::optional<StandingOverride> found;
    while (!found && s.step()) {
        std::vector<std::string> codes;
        const json reasons = json::parse(s.columnText(1), nullptr, false);
        if (reasons.is_array()) {
            for (const auto& r : reasons) {
                if (r.is_object() && r.contains("code") && r["code"].is_string())
                    codes.push_back(r["code"].get<std::string>());
            }
        }
        if (usp797::overrideCovers(codes, current, pol))
            found = StandingOverride{s.columnInt(0), s.columnText(2), s.columnText(3)};
    }
    if (!found)
        return std::nullopt;
    Transaction tx(m_db);
    Statement use =
        m_db.prepare("INSERT INTO gate_override_uses(decision_id, used_for, used_utc) VALUES (?1, ?2, ?3)");
    use.bind(1, found->decisionId).bind(2, usedFor).bind(3, formatIsoUtc(at));
    use.run();
    m_audit.append(
        found->pharmacist, "gate.override.used", "gate:" + std::to_string(found->decisionId),
        json{{"decision", found->decisionId}, {"used_for", usedFor}, {"person", req.person}}.dump(), at);
    tx.commit();
    return found;
}

Status ComplianceStore::overrideGate(int64_t decisionId, const std::string& pharmacist,
                                     const std::string& reason, TimePoint at) {
    const usp797::SitePolicy pol = policy();
    Statement s =
        m_db.prepare("SELECT allowed, reasons, overridden_by, pec FROM gate_decisions WHERE id = ?1");
    s.bind(1, decisionId);
    const std::string where = "gate decision " + std::to_string(decisionId);
    if (!s.step())
        return Status::fail("no such gate decision", where);
    if (s.columnInt(0) != 0)
        return Status::fail("was allowed; there is nothing to override", where);
    if (!s.isNull(2))
        return Status::fail("already overridden by " + s.columnText(2), where);
    if (auto ok = requireRole(*this, pharmacist, {"pharmacist"}, "override a compliance gate"); !ok)
        return ok;
    if (formulas::trim(reason).empty())
        return Status::fail("an override needs a reason", "reason");
    const json reasons = json::parse(s.columnText(1));
    const std::string pecCode = s.columnText(3);
    // Re-read the policy now: a flag turned off since the decision must not be overridden.
    std::vector<std::string> codes;
    for (const auto& r : reasons)
        codes.push_back(r.at("code").get<std::string>());
    std::string refused;
    for (const auto& code : usp797::notOverridable(codes, pol)) {
        std::string words;
        for (const auto& r : reasons) {
            if (r.at("code").get<std::string>() == code && words.empty())
                words = r.value("message", "");
        }
        refused += (refused.empty() ? "" : "; ") + code + (words.empty() ? "" : " (" + words + ")");
    }
    if (!refused.empty())
        return Status::fail("site policy does not allow overriding: " + refused, where);
    Transaction tx(m_db);
    Statement u = m_db.prepare("UPDATE gate_decisions SET overridden_by = ?2, override_reason = ?3, "
                               "overridden_utc = ?4 WHERE id = ?1");
    u.bind(1, decisionId).bind(2, pharmacist).bind(3, reason).bind(4, formatIsoUtc(at));
    u.run();
    m_audit.append(pharmacist, "gate.override", "pec:" + (pecCode.empty() ? std::string("none") : pecCode),
                   json{{"decision", decisionId}, {"reason", reason}, {"reasons", reasons}}.dump(), at);
    tx.commit();
    return Status::success();
}

// [SECTION] Status

ComplianceStatus ComplianceStore::status(TimePoint now, const std::optional<std::string>& personFilter,
                                         const std::optional<std::string>& roomFilter) {
    using usp797::ScheduleTask;
    const usp797::SitePolicy pol = policy();
    const Date today = dayOf(now);
    ComplianceStatus st;
    const auto allPecs = pecs();
    const auto lastSample = [&](const std::string& roomCode, usp797::EmKind kind) -> std::optional<Date> {
        Statement s =
            m_db.prepare("SELECT max(at_utc) FROM em_samples WHERE room = ?1 AND kind = ?2 AND at_utc <= ?3");
        s.bind(1, roomCode).bind(2, usp797::emKindName(kind)).bind(3, formatIsoUtc(now));
        if (!s.step() || s.isNull(0))
            return std::nullopt;
        return dayOf(timeColumn(s, 0));
    };
    if (!personFilter || roomFilter) {
        for (const auto& r : rooms()) {
            if (roomFilter && r.code != *roomFilter)
                continue;
            // A room follows the highest category compounded in its PECs (Cat 3 frequencies when any allows
            // Cat 3).
            bool cat3 = false;
            std::vector<const usp797::Pec*> roomPecs;
            for (const auto& p : allPecs) {
                if (p.room == r.code) {
                    roomPecs.push_back(&p);
                    cat3 = cat3 || p.allows(usp797::Category::Cat3);
                }
            }
            const auto add = [&](ScheduleTask task, const std::string& subject, std::optional<Date> last) {
                st.due.push_back(
                    usp797::dueItem(task, subject, last, usp797::scheduleInterval(task, cat3, pol), today));
            };
            if (r.iso != usp797::IsoClass::Unclassified) {
                add(ScheduleTask::ViableAir, r.code, lastSample(r.code, usp797::EmKind::ViableAir));
                add(ScheduleTask::Surface, r.code, lastSample(r.code, usp797::EmKind::Surface));
                add(ScheduleTask::Particles, r.code, lastSample(r.code, usp797::EmKind::Particles));
            }
            if (r.pressure != usp797::PressureRegime::None)
                add(ScheduleTask::PressureReading, r.code, lastSample(r.code, usp797::EmKind::Pressure));
            add(ScheduleTask::TemperatureReading, r.code, lastSample(r.code, usp797::EmKind::Temperature));
            // Each refrigerator and freezer that has ever reported in this room.
            Statement units = m_db.prepare(
                "SELECT location, kind, max(at_utc) FROM em_samples WHERE room = ?1 AND kind IN"
                " ('fridge', 'freezer') AND at_utc <= ?2 GROUP BY location, kind ORDER BY location");
            units.bind(1, r.code).bind(2, formatIsoUtc(now));
            while (units.step())
                add(ScheduleTask::StorageTemperature, units.columnText(0), dayOf(timeColumn(units, 2)));
            add(ScheduleTask::Certification, r.code, r.certified);
            add(ScheduleTask::DailyCleaning, r.code, lastCleaning(r.code, usp797::CleaningTask::Daily, now));
            add(ScheduleTask::MonthlyCleaning, r.code,
                lastCleaning(r.code, usp797::CleaningTask::Monthly, now));
            add(ScheduleTask::Sporicidal, r.code,
                lastCleaning(r.code, usp797::CleaningTask::Sporicidal, now));
            for (const auto* p : roomPecs) {
                add(ScheduleTask::Certification, p->code, p->certified);
                add(ScheduleTask::DailyCleaning, p->code,
                    lastCleaning(p->code, usp797::CleaningTask::Daily, now));
            }
        }
        for (auto& ca : correctiveActions(true, roomFilter))
            st.openExcursions.push_back(std::move(ca));
    }
    if (!roomFilter || personFilter) {
        for (const auto& who : people()) {
            if (personFilter && !formulas::iequals(who.username, *personFilter))
                continue;
            if (!who.active || (who.role != "technician" && who.role != "pharmacist"))
                continue;
            const auto events = qualifications(who.username);
            // Training and competency due items, at the highest level the person has recorded.
            bool cat3 = std::any_of(events.begin(), events.end(),
                                    [](const auto& e) { return e.level == usp797::QualLevel::Cat3; });
            std::optional<Date> lastTraining, lastCompetency;
            for (const auto& e : events) {
                if (!e.passed)
                    continue;
                if (e.kind == usp797::QualKind::Training)
                    lastTraining = e.date;
                if (e.kind == usp797::QualKind::MediaFill && (!cat3 || e.level == usp797::QualLevel::Cat3))
                    lastCompetency = e.date;
            }
            st.due.push_back(usp797::dueItem(ScheduleTask::Training, who.username, lastTraining,
                                             usp797::scheduleInterval(ScheduleTask::Training, false, pol),
                                             today));
            st.due.push_back(usp797::dueItem(ScheduleTask::Competency, who.username, lastCompetency,
                                             usp797::scheduleInterval(ScheduleTask::Competency, cat3, pol),
                                             today));
            for (auto c : {usp797::Category::Immediate, usp797::Category::Cat1, usp797::Category::Cat2,
                           usp797::Category::Cat3})
                st.qualifications.emplace_back(who.username, usp797::qualificationFor(events, c, today, pol));
        }
    }
    const auto rank = [](usp797::DueState s) {
        switch (s) {
        case usp797::DueState::NeverDone:
            return 0;
        case usp797::DueState::Overdue:
            return 1;
        case usp797::DueState::DueToday:
            return 2;
        case usp797::DueState::Ok:
            return 3;
        }
        return 4;
    };
    std::stable_sort(st.due.begin(), st.due.end(), [&](const auto& a, const auto& b) {
        if (rank(a.state) != rank(b.state))
            return rank(a.state) < rank(b.state);
        return std::chrono::sys_days{a.due} < std::chrono::sys_days{b.due};
    });
    return st;
}

} // namespace admix::store
