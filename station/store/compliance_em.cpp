// ComplianceStore: monitoring results, CSV import, report queries and corrective actions.
#include "station/store/compliance_internal.hpp"

#include "formulas/text.hpp"

#include <set>
#include <tuple>

namespace admix::store {

using namespace compliance_detail;
using nlohmann::json;

namespace compliance_detail {

const char* const kCorrectiveActionColumns =
    "SELECT ca.id, ca.sample_id, ca.room, ca.opened_utc, ca.microbial, ca.genus_required, ca.blocks_room, "
    "ca.investigation,"
    " ca.genus, ca.remediation, ca.resample_id, ca.closed_utc, ca.closed_by, ca.signature_meaning, "
    "ca.signature_reason,"
    " ca.signature_method, s.kind, s.measured, s.unit, s.limit_text, r.excursion, s.at_utc"
    " FROM corrective_actions ca JOIN em_samples s ON s.id = ca.sample_id"
    " LEFT JOIN em_samples r ON r.id = ca.resample_id ";

usp797::CorrectiveAction readCorrectiveAction(Database&, const Statement& s) {
    usp797::CorrectiveAction a;
    a.id = s.columnInt(0);
    a.sampleId = s.columnInt(1);
    a.room = s.columnText(2);
    a.opened = timeColumn(s, 3);
    a.microbial = s.columnInt(4) != 0;
    a.genusRequired = s.columnInt(5) != 0;
    a.blocksRoom = s.columnInt(6) != 0;
    a.investigation = s.columnOptionalText(7);
    a.genus = s.columnOptionalText(8);
    a.remediation = s.columnOptionalText(9);
    if (!s.isNull(10))
        a.resampleId = s.columnInt(10);
    if (!s.isNull(11))
        a.closure = usp797::ESignature{s.columnText(12), s.columnText(13), s.columnText(14),
                                       timeColumn(s, 11), s.columnText(15)};
    a.kind = s.columnText(16);
    std::ostringstream summary;
    summary << s.columnDouble(17) << ' ' << s.columnText(18) << " (" << s.columnText(19) << ')';
    a.summary = summary.str();
    a.resamplePassed = !s.isNull(20) && s.columnInt(20) == 0;
    a.sampledAt = timeColumn(s, 21);
    return a;
}

} // namespace compliance_detail

// [SECTION] Monitoring

Result<usp797::SampledArea> ComplianceStore::sampledArea(const std::string& roomCode,
                                                         const std::string& location) {
    const auto r = room(roomCode);
    if (!r)
        return Result<usp797::SampledArea>::fail("room '" + roomCode + "' is not registered", "room");
    usp797::SampledArea area{r->iso, r->pressure};
    const std::string head(formulas::trim(location.substr(0, location.find('/'))));
    if (!head.empty()) {
        if (const auto p = pec(head)) {
            if (p->room != roomCode)
                return Result<usp797::SampledArea>::fail(
                    "PEC " + p->code + " stands in " + p->room + ", not " + roomCode, "location");
            area.iso = usp797::IsoClass::Iso5;
        }
    }
    return area;
}

namespace {

struct Prepared {
    usp797::EmSample sample;
    usp797::EmEvaluation evaluation;
};

int64_t insertSample(Database& db, AuditLog& audit, const usp797::SitePolicy& policy, const Prepared& p,
                     const std::string& actor, const std::string& recordedUtc, bool auditEach,
                     std::optional<int64_t>& caId) {
    Statement s = db.prepare(
        "INSERT INTO em_samples(at_utc, kind, room, location, value, litres, measured, unit, limit_text,"
        " excursion, person, device_or_lot, notes, recorded_utc, recorded_by)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    const auto& x = p.sample;
    s.bind(1, formatIsoUtc(x.at))
        .bind(2, usp797::emKindName(x.kind))
        .bind(3, x.room)
        .bind(4, x.location)
        .bind(5, x.value);
    if (x.litres)
        s.bind(6, *x.litres);
    else
        s.bindNull(6);
    s.bind(7, p.evaluation.measured)
        .bind(8, p.evaluation.unit)
        .bind(9, p.evaluation.limit)
        .bind(10, p.evaluation.excursion ? 1 : 0);
    s.bind(11, x.person).bind(12, x.deviceOrLot).bind(13, x.notes).bind(14, recordedUtc).bind(15, actor);
    s.run();
    const int64_t id = db.lastInsertRowId();
    const std::string kind(usp797::emKindName(x.kind));
    if (auditEach)
        audit.append(actor, "em.record", "em:" + std::to_string(id),
                     json{{"kind", kind},
                          {"room", x.room},
                          {"location", x.location},
                          {"at", formatIsoUtc(x.at)},
                          {"measured", p.evaluation.measured},
                          {"unit", p.evaluation.unit},
                          {"excursion", p.evaluation.excursion}}
                         .dump());
    caId.reset();
    if (p.evaluation.excursion) {
        const bool microbial = usp797::isMicrobial(x.kind);
        const bool genus = microbial && policy.flag("em.genus_id_required");
        const bool blocks = policy.flag("em.excursion_blocks_room." + kind);
        Statement ca = db.prepare("INSERT INTO corrective_actions(sample_id, room, opened_utc, microbial, "
                                  "genus_required, blocks_room)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        ca.bind(1, id)
            .bind(2, x.room)
            .bind(3, recordedUtc)
            .bind(4, microbial ? 1 : 0)
            .bind(5, genus ? 1 : 0)
            .bind(6, blocks ? 1 : 0);
        ca.run();
        caId = db.lastInsertRowId();
        audit.append(actor, "excursion.open", "excursion:" + std::to_string(*caId),
                     json{{"sample", id},
                          {"room", x.room},
                          {"kind", kind},
                          {"location", x.location},
                          {"message", p.evaluation.message},
                          {"genus_required", genus},
                          {"blocks_room", blocks}}
                         .dump());
    }
    return id;
}

bool sampleExists(Database& db, const usp797::EmSample& x) {
    Statement s = db.prepare(
        "SELECT 1 FROM em_samples WHERE at_utc = ?1 AND kind = ?2 AND room = ?3 AND location = ?4");
    s.bind(1, formatIsoUtc(x.at)).bind(2, usp797::emKindName(x.kind)).bind(3, x.room).bind(4, x.location);
    return s.step();
}

} // namespace

Result<EmRecorded> ComplianceStore::recordSample(const usp797::EmSample& sample, const std::string& actor,
                                                 TimePoint at) {
    const usp797::SitePolicy pol = policy();
    if (auto ok =
            requireRole(*this, actor, {"technician", "pharmacist", "quality"}, "record monitoring results");
        !ok)
        return ok.error();
    const auto area = sampledArea(sample.room, sample.location);
    if (!area)
        return area.error();
    const auto evaluation = usp797::evaluateSample(sample, *area, pol);
    if (!evaluation)
        return evaluation.error();
    if (sample.at > at)
        return Result<EmRecorded>::fail(
            "a result cannot be dated in the future (" + formatIsoUtc(sample.at) + ")", "at");
    if (sampleExists(m_db, sample))
        return Result<EmRecorded>::fail("a " + std::string(usp797::emKindName(sample.kind)) + " result for " +
                                            sample.room + " " + sample.location + " at " +
                                            formatIsoUtc(sample.at) + " is already recorded",
                                        "at");
    Transaction tx(m_db);
    EmRecorded out;
    out.evaluation = *evaluation;
    out.sampleId = insertSample(m_db, m_audit, pol, {sample, *evaluation}, actor, formatIsoUtc(at), true,
                                out.correctiveActionId);
    tx.commit();
    return out;
}

EmImportResult ComplianceStore::importCsv(std::string_view text, const std::string& sourceName,
                                          const std::string& actor, TimePoint at) {
    const usp797::SitePolicy pol = policy();
    EmImportResult result;
    if (auto ok = requireRole(*this, actor, {"quality", "admin"}, "import monitoring results"); !ok) {
        result.problems.push_back({0, ok.error().where, ok.error().message});
        return result;
    }
    usp797::EmCsvParse parsed = usp797::parseEmCsv(text, pol);
    result.problems = std::move(parsed.problems);

    // References and evaluation, row by row; cache rooms and PECs (a year of data has thousands of rows).
    std::map<std::pair<std::string, std::string>, Result<usp797::SampledArea>> areas;
    std::set<std::tuple<TimePoint, int, std::string, std::string>> seen;
    std::vector<Prepared> prepared;
    prepared.reserve(parsed.rows.size());
    for (const auto& row : parsed.rows) {
        const auto& x = row.sample;
        const std::string head(formulas::trim(x.location.substr(0, x.location.find('/'))));
        auto it = areas.find({x.room, head});
        if (it == areas.end())
            it = areas.emplace(std::make_pair(x.room, head), sampledArea(x.room, head)).first;
        if (!it->second) {
            result.problems.push_back({row.line, it->second.error().where, it->second.error().message});
            continue;
        }
        const auto evaluation = usp797::evaluateSample(x, *it->second, pol);
        if (!evaluation) {
            result.problems.push_back({row.line, evaluation.error().where, evaluation.error().message});
            continue;
        }
        if (x.at > at) {
            result.problems.push_back(
                {row.line, "at_utc", "dated in the future (" + formatIsoUtc(x.at) + ")"});
            continue;
        }
        if (!seen.emplace(x.at, static_cast<int>(x.kind), x.room, x.location).second) {
            result.problems.push_back(
                {row.line, {}, "the same kind, room, location and time appear twice in the file"});
            continue;
        }
        if (sampleExists(m_db, x)) {
            result.problems.push_back({row.line, {}, "already recorded (imported before?)"});
            continue;
        }
        prepared.push_back({x, *evaluation});
    }
    if (!result.problems.empty())
        return result;

    Transaction tx(m_db);
    const std::string recorded = formatIsoUtc(at);
    for (const Prepared& p : prepared) {
        std::optional<int64_t> caId;
        insertSample(m_db, m_audit, pol, p, actor, recorded, false, caId);
        result.excursions += caId ? 1 : 0;
    }
    result.imported = prepared.size();
    m_audit.append(actor, "em.import", "em-import:" + sourceName,
                   json{{"file", sourceName},
                        {"sha256", sha256Hex(text)},
                        {"rows", result.imported},
                        {"excursions", result.excursions}}
                       .dump(),
                   at);
    tx.commit();
    return result;
}

std::vector<EmRow> ComplianceStore::samples(TimePoint from, TimePoint to,
                                            const std::optional<std::string>& roomCode) {
    std::string sql = "SELECT id, at_utc, kind, room, location, value, litres, person, device_or_lot, notes, "
                      "measured, unit,"
                      " limit_text, excursion FROM em_samples WHERE at_utc >= ?1 AND at_utc < ?2";
    if (roomCode)
        sql += " AND room = ?3";
    sql += " ORDER BY at_utc, id";
    Statement s = m_db.prepare(sql);
    s.bind(1, formatIsoUtc(from)).bind(2, formatIsoUtc(to));
    if (roomCode)
        s.bind(3, *roomCode);
    std::vector<EmRow> out;
    while (s.step()) {
        EmRow r;
        r.id = s.columnInt(0);
        r.sample.at = timeColumn(s, 1);
        const auto kind = usp797::parseEmKind(s.columnText(2));
        if (!kind)
            throw StoreError("corrupt monitoring kind in row " + std::to_string(r.id));
        r.sample.kind = *kind;
        r.sample.room = s.columnText(3);
        r.sample.location = s.columnText(4);
        r.sample.value = s.columnDouble(5);
        if (!s.isNull(6))
            r.sample.litres = s.columnDouble(6);
        r.sample.person = s.columnText(7);
        r.sample.deviceOrLot = s.columnText(8);
        r.sample.notes = s.columnText(9);
        r.measured = s.columnDouble(10);
        r.unit = s.columnText(11);
        r.limit = s.columnText(12);
        r.excursion = s.columnInt(13) != 0;
        out.push_back(std::move(r));
    }
    return out;
}

// [SECTION] Corrective actions

std::vector<usp797::CorrectiveAction>
ComplianceStore::correctiveActions(bool openOnly, const std::optional<std::string>& roomCode) {
    std::string sql = std::string(kCorrectiveActionColumns) + "WHERE 1 = 1";
    if (openOnly)
        sql += " AND ca.closed_utc IS NULL";
    if (roomCode)
        sql += " AND ca.room = ?1";
    sql += " ORDER BY ca.id";
    Statement s = m_db.prepare(sql);
    if (roomCode)
        s.bind(1, *roomCode);
    std::vector<usp797::CorrectiveAction> out;
    while (s.step())
        out.push_back(readCorrectiveAction(m_db, s));
    return out;
}

std::optional<usp797::CorrectiveAction> ComplianceStore::correctiveAction(int64_t id) {
    Statement s = m_db.prepare(std::string(kCorrectiveActionColumns) + "WHERE ca.id = ?1");
    s.bind(1, id);
    if (!s.step())
        return std::nullopt;
    return readCorrectiveAction(m_db, s);
}

Status ComplianceStore::updateCorrectiveAction(int64_t id, const CorrectiveActionUpdate& u,
                                               const std::string& user, TimePoint at) {
    const auto ca = correctiveAction(id);
    const std::string where = "excursion " + std::to_string(id);
    if (!ca)
        return Status::fail("no such corrective action", where);
    if (!ca->open())
        return Status::fail("closed by " + ca->closure->signer + "; a closed record cannot change", where);
    if (auto ok =
            requireRole(*this, user, {"quality", "pharmacist", "technician"}, "update a corrective action");
        !ok)
        return ok;
    if (u.resampleId) {
        Statement s = m_db.prepare("SELECT room, kind, at_utc, excursion FROM em_samples WHERE id = ?1");
        s.bind(1, *u.resampleId);
        if (!s.step())
            return Status::fail("no monitoring result with id " + std::to_string(*u.resampleId), "resample");
        if (*u.resampleId == ca->sampleId)
            return Status::fail("the re-sample must be a new result, not the excursion itself", "resample");
        if (s.columnText(0) != ca->room || s.columnText(1) != ca->kind)
            return Status::fail("the re-sample must be a " + ca->kind + " result in " + ca->room, "resample");
        if (timeColumn(s, 2) <= ca->sampledAt)
            return Status::fail("the re-sample must be taken after the excursion sample (" +
                                    formatIsoUtc(ca->sampledAt) + ")",
                                "resample");
    }
    Transaction tx(m_db);
    Statement s = m_db.prepare(
        "UPDATE corrective_actions SET investigation = coalesce(?2, investigation), genus = coalesce(?3, "
        "genus),"
        " remediation = coalesce(?4, remediation), resample_id = coalesce(?5, resample_id) WHERE id = ?1");
    s.bind(1, id);
    bindOptional(s, 2, u.investigation);
    bindOptional(s, 3, u.genus);
    bindOptional(s, 4, u.remediation);
    if (u.resampleId)
        s.bind(5, *u.resampleId);
    else
        s.bindNull(5);
    s.run();
    json details = json::object();
    if (u.investigation)
        details["investigation"] = *u.investigation;
    if (u.genus)
        details["genus"] = *u.genus;
    if (u.remediation)
        details["remediation"] = *u.remediation;
    if (u.resampleId)
        details["resample"] = *u.resampleId;
    m_audit.append(user, "excursion.update", "excursion:" + std::to_string(id), details.dump(), at);
    tx.commit();
    return Status::success();
}

Status ComplianceStore::closeCorrectiveAction(int64_t id, const usp797::ESignature& sig) {
    const auto ca = correctiveAction(id);
    const std::string where = "excursion " + std::to_string(id);
    if (!ca)
        return Status::fail("no such corrective action", where);
    if (!ca->open())
        return Status::fail("already closed by " + ca->closure->signer, where);
    if (auto ok = requireRole(*this, sig.signer, {"quality"}, "close an excursion"); !ok)
        return ok;
    if (formulas::trim(sig.reason).empty())
        return Status::fail("the closing signature needs a reason or statement", "reason");
    const auto missing = usp797::missingForClosure(*ca);
    if (!missing.empty()) {
        std::string text;
        for (const auto& m : missing)
            text += (text.empty() ? "" : ", ") + m;
        return Status::fail("cannot close yet; missing: " + text, where);
    }
    Transaction tx(m_db);
    Statement s =
        m_db.prepare("UPDATE corrective_actions SET closed_utc = ?2, closed_by = ?3, signature_meaning = ?4,"
                     " signature_reason = ?5, signature_method = ?6 WHERE id = ?1");
    s.bind(1, id)
        .bind(2, formatIsoUtc(sig.at))
        .bind(3, sig.signer)
        .bind(4, sig.meaning)
        .bind(5, sig.reason)
        .bind(6, sig.method);
    s.run();
    m_audit.append(sig.signer, "excursion.close", "excursion:" + std::to_string(id),
                   json{{"room", ca->room},
                        {"meaning", sig.meaning},
                        {"reason", sig.reason},
                        {"method", sig.method},
                        {"investigation", ca->investigation.value_or("")},
                        {"genus", ca->genus.value_or("")},
                        {"remediation", ca->remediation.value_or("")},
                        {"resample", ca->resampleId.value_or(0)}}
                       .dump(),
                   sig.at);
    tx.commit();
    return Status::success();
}

} // namespace admix::store
