#include "station/store/prep_repo.hpp"

namespace admix::store {

namespace {

void bindOptional(Statement& s, int index, const std::optional<std::string>& value) {
    if (value)
        s.bind(index, *value);
    else
        s.bindNull(index);
}

constexpr const char* kOrderColumns =
    "SELECT id, order_number, patient_name, patient_mrn, patient_json, recipe_id, dose_json, route, "
    "final_volume_ml,"
    " priority, due_utc, prescriber, entered_by, created_utc, status FROM orders ";

OrderRow readOrder(const Statement& s) {
    OrderRow r;
    r.id = s.columnInt(0);
    r.orderNumber = s.columnText(1);
    r.patientName = s.columnText(2);
    r.patientMrn = s.columnText(3);
    r.patientJson = s.columnText(4);
    r.recipeId = s.columnText(5);
    r.doseJson = s.columnText(6);
    r.route = s.columnText(7);
    if (!s.isNull(8))
        r.finalVolumeMl = s.columnDouble(8);
    r.priority = s.columnText(9);
    r.dueUtc = s.columnText(10);
    r.prescriber = s.columnText(11);
    r.enteredBy = s.columnText(12);
    r.createdUtc = s.columnText(13);
    r.status = s.columnText(14);
    return r;
}

constexpr const char* kPrepColumns = "SELECT id, prep_number, order_id, recipe_id, recipe_version, "
                                     "spec_json, status, current_step, technician, station,"
                                     " room, pec, started_utc, completed_utc, checked_by, checked_utc, "
                                     "check_outcome, check_reason FROM preparations ";

PrepRow readPrep(const Statement& s) {
    PrepRow r;
    r.id = s.columnInt(0);
    r.prepNumber = s.columnText(1);
    r.orderId = s.columnInt(2);
    r.recipeId = s.columnText(3);
    r.recipeVersion = static_cast<int>(s.columnInt(4));
    r.specJson = s.columnText(5);
    r.status = s.columnText(6);
    r.currentStep = static_cast<int>(s.columnInt(7));
    r.technician = s.columnText(8);
    r.station = s.columnText(9);
    r.room = s.columnText(10);
    r.pec = s.columnText(11);
    r.startedUtc = s.columnText(12);
    r.completedUtc = s.columnOptionalText(13);
    r.checkedBy = s.columnOptionalText(14);
    r.checkedUtc = s.columnOptionalText(15);
    r.checkOutcome = s.columnOptionalText(16);
    r.checkReason = s.columnOptionalText(17);
    return r;
}

constexpr const char* kEvidenceColumns =
    "SELECT id, prep_id, step_index, event_key, kind, outcome, message, data_json,"
    " image_sha256, actor, at_utc FROM evidence ";

EvidenceRow readEvidence(const Statement& s) {
    EvidenceRow r;
    r.id = s.columnInt(0);
    r.prepId = s.columnInt(1);
    r.stepIndex = static_cast<int>(s.columnInt(2));
    r.eventKey = s.columnText(3);
    r.kind = s.columnText(4);
    r.outcome = s.columnText(5);
    r.message = s.columnText(6);
    r.dataJson = s.columnText(7);
    r.imageSha256 = s.columnOptionalText(8);
    r.actor = s.columnText(9);
    r.atUtc = s.columnText(10);
    return r;
}

} // namespace

int64_t PrepRepo::insertOrder(const OrderRow& r) {
    Statement s =
        m_db.prepare("INSERT INTO orders(order_number, patient_name, patient_mrn, patient_json, recipe_id, "
                     "dose_json, route,"
                     " final_volume_ml, priority, due_utc, prescriber, entered_by, created_utc, status)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    s.bind(1, r.orderNumber)
        .bind(2, r.patientName)
        .bind(3, r.patientMrn)
        .bind(4, r.patientJson)
        .bind(5, r.recipeId);
    s.bind(6, r.doseJson).bind(7, r.route);
    if (r.finalVolumeMl)
        s.bind(8, *r.finalVolumeMl);
    else
        s.bindNull(8);
    s.bind(9, r.priority)
        .bind(10, r.dueUtc)
        .bind(11, r.prescriber)
        .bind(12, r.enteredBy)
        .bind(13, r.createdUtc);
    s.bind(14, r.status);
    s.run();
    return m_db.lastInsertRowId();
}

std::optional<OrderRow> PrepRepo::order(int64_t id) {
    Statement s = m_db.prepare(std::string(kOrderColumns) + "WHERE id = ?1");
    s.bind(1, id);
    if (!s.step())
        return std::nullopt;
    return readOrder(s);
}

std::optional<OrderRow> PrepRepo::orderByNumber(const std::string& number) {
    Statement s = m_db.prepare(std::string(kOrderColumns) + "WHERE order_number = ?1");
    s.bind(1, number);
    if (!s.step())
        return std::nullopt;
    return readOrder(s);
}

std::vector<OrderRow> PrepRepo::queue() {
    Statement s =
        m_db.prepare(std::string(kOrderColumns) +
                     "WHERE status IN ('open', 'in_progress') ORDER BY CASE priority WHEN 'stat' THEN 0"
                     " WHEN 'urgent' THEN 1 ELSE 2 END, due_utc, id");
    std::vector<OrderRow> rows;
    while (s.step())
        rows.push_back(readOrder(s));
    return rows;
}

void PrepRepo::setOrderStatus(int64_t id, const std::string& status) {
    Statement s = m_db.prepare("UPDATE orders SET status = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, status);
    s.run();
}

int64_t PrepRepo::nextOrderSequence(const std::string& prefix) {
    Statement s = m_db.prepare("SELECT count(*) FROM orders WHERE order_number LIKE ?1 || '%'");
    s.bind(1, prefix);
    s.step();
    return s.columnInt(0) + 1;
}

void PrepRepo::setOrderComments(int64_t id, const std::string& comments) {
    Statement s = m_db.prepare("UPDATE orders SET comments = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, comments);
    s.run();
}

std::string PrepRepo::orderComments(int64_t id) {
    Statement s = m_db.prepare("SELECT comments FROM orders WHERE id = ?1");
    s.bind(1, id);
    return s.step() ? s.columnText(0) : std::string();
}

int64_t PrepRepo::insertPrep(const PrepRow& r) {
    Statement s = m_db.prepare("INSERT INTO preparations(prep_number, order_id, recipe_id, recipe_version, "
                               "spec_json, status, current_step,"
                               " technician, station, room, pec, started_utc) VALUES (?1, ?2, ?3, ?4, ?5, "
                               "?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    s.bind(1, r.prepNumber)
        .bind(2, r.orderId)
        .bind(3, r.recipeId)
        .bind(4, r.recipeVersion)
        .bind(5, r.specJson);
    s.bind(6, r.status).bind(7, r.currentStep).bind(8, r.technician).bind(9, r.station).bind(10, r.room);
    s.bind(11, r.pec).bind(12, r.startedUtc);
    s.run();
    return m_db.lastInsertRowId();
}

std::optional<PrepRow> PrepRepo::prep(int64_t id) {
    Statement s = m_db.prepare(std::string(kPrepColumns) + "WHERE id = ?1");
    s.bind(1, id);
    if (!s.step())
        return std::nullopt;
    return readPrep(s);
}

std::optional<PrepRow> PrepRepo::prepByNumber(const std::string& number) {
    Statement s = m_db.prepare(std::string(kPrepColumns) + "WHERE prep_number = ?1");
    s.bind(1, number);
    if (!s.step())
        return std::nullopt;
    return readPrep(s);
}

std::vector<PrepRow> PrepRepo::prepsWithStatus(const std::string& status, int limit) {
    Statement s =
        m_db.prepare(std::string(kPrepColumns) + "WHERE status = ?1 ORDER BY started_utc, id LIMIT ?2");
    s.bind(1, status).bind(2, limit);
    std::vector<PrepRow> rows;
    while (s.step())
        rows.push_back(readPrep(s));
    return rows;
}

std::vector<PrepRow> PrepRepo::inProgressAtPec(const std::string& pec) {
    Statement s = m_db.prepare(std::string(kPrepColumns) +
                               "WHERE status = 'in_progress' AND pec = ?1 ORDER BY started_utc, id");
    s.bind(1, pec);
    std::vector<PrepRow> rows;
    while (s.step())
        rows.push_back(readPrep(s));
    return rows;
}

std::vector<PrepRow> PrepRepo::cancelledSince(const std::string& station, const std::string& sinceUtc,
                                              int limit) {
    Statement s = m_db.prepare(
        std::string(kPrepColumns) +
        "WHERE status = 'cancelled' AND station = ?1 AND started_utc >= ?2 ORDER BY started_utc DESC, id DESC"
        " LIMIT ?3");
    s.bind(1, station).bind(2, sinceUtc).bind(3, limit);
    std::vector<PrepRow> rows;
    while (s.step())
        rows.push_back(readPrep(s));
    return rows;
}

std::optional<PrepRow> PrepRepo::activePrepForOrder(int64_t orderId) {
    Statement s =
        m_db.prepare(std::string(kPrepColumns) +
                     "WHERE order_id = ?1 AND status IN ('in_progress', 'awaiting_check', 'released')"
                     " ORDER BY id DESC LIMIT 1");
    s.bind(1, orderId);
    if (!s.step())
        return std::nullopt;
    return readPrep(s);
}

void PrepRepo::setPrepStatus(int64_t id, const std::string& status, int currentStep) {
    Statement s = m_db.prepare("UPDATE preparations SET status = ?2, current_step = ?3 WHERE id = ?1");
    s.bind(1, id).bind(2, status).bind(3, currentStep);
    s.run();
}

void PrepRepo::setPrepCompleted(int64_t id, const std::string& atUtc) {
    Statement s = m_db.prepare("UPDATE preparations SET completed_utc = ?2 WHERE id = ?1");
    s.bind(1, id).bind(2, atUtc);
    s.run();
}

void PrepRepo::setPrepChecked(int64_t id, const std::string& status, const std::string& by,
                              const std::string& atUtc, const std::string& outcome,
                              const std::string& reason) {
    Statement s = m_db.prepare("UPDATE preparations SET status = ?2, checked_by = ?3, checked_utc = ?4,"
                               " check_outcome = ?5, check_reason = ?6 WHERE id = ?1");
    s.bind(1, id).bind(2, status).bind(3, by).bind(4, atUtc).bind(5, outcome).bind(6, reason);
    s.run();
}

int64_t PrepRepo::countPrepsStartedWith(const std::string& prefix) {
    Statement s = m_db.prepare("SELECT count(*) FROM preparations WHERE prep_number LIKE ?1 || '%'");
    s.bind(1, prefix);
    s.step();
    return s.columnInt(0);
}

void PrepRepo::insertStep(const StepRow& r) {
    Statement s =
        m_db.prepare("INSERT INTO prep_steps(prep_id, step_index, kind, state, attempts, result_json)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, r.prepId)
        .bind(2, r.stepIndex)
        .bind(3, r.kind)
        .bind(4, r.state)
        .bind(5, r.attempts)
        .bind(6, r.resultJson);
    s.run();
}

std::vector<StepRow> PrepRepo::steps(int64_t prepId) {
    Statement s =
        m_db.prepare("SELECT prep_id, step_index, kind, state, attempts, result_json, done_utc, done_by"
                     " FROM prep_steps WHERE prep_id = ?1 ORDER BY step_index");
    s.bind(1, prepId);
    std::vector<StepRow> rows;
    while (s.step()) {
        rows.push_back(StepRow{s.columnInt(0), static_cast<int>(s.columnInt(1)), s.columnText(2),
                               s.columnText(3), static_cast<int>(s.columnInt(4)), s.columnText(5),
                               s.columnOptionalText(6), s.columnOptionalText(7)});
    }
    return rows;
}

void PrepRepo::updateStep(const StepRow& r) {
    Statement s =
        m_db.prepare("UPDATE prep_steps SET state = ?3, attempts = ?4, result_json = ?5, done_utc = ?6,"
                     " done_by = ?7 WHERE prep_id = ?1 AND step_index = ?2");
    s.bind(1, r.prepId).bind(2, r.stepIndex).bind(3, r.state).bind(4, r.attempts).bind(5, r.resultJson);
    bindOptional(s, 6, r.doneUtc);
    bindOptional(s, 7, r.doneBy);
    s.run();
}

std::optional<int64_t> PrepRepo::addEvidence(const EvidenceRow& r) {
    Statement s = m_db.prepare(
        "INSERT OR IGNORE INTO evidence(prep_id, step_index, event_key, kind, outcome, message,"
        " data_json, image_sha256, actor, at_utc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    s.bind(1, r.prepId)
        .bind(2, r.stepIndex)
        .bind(3, r.eventKey)
        .bind(4, r.kind)
        .bind(5, r.outcome)
        .bind(6, r.message);
    s.bind(7, r.dataJson);
    bindOptional(s, 8, r.imageSha256);
    s.bind(9, r.actor).bind(10, r.atUtc);
    s.run();
    if (m_db.changes() == 0)
        return std::nullopt;
    return m_db.lastInsertRowId();
}

std::optional<EvidenceRow> PrepRepo::evidenceByKey(int64_t prepId, const std::string& eventKey) {
    Statement s = m_db.prepare(std::string(kEvidenceColumns) + "WHERE prep_id = ?1 AND event_key = ?2");
    s.bind(1, prepId).bind(2, eventKey);
    if (!s.step())
        return std::nullopt;
    return readEvidence(s);
}

std::vector<EvidenceRow> PrepRepo::evidence(int64_t prepId) {
    Statement s = m_db.prepare(std::string(kEvidenceColumns) + "WHERE prep_id = ?1 ORDER BY id");
    s.bind(1, prepId);
    std::vector<EvidenceRow> rows;
    while (s.step())
        rows.push_back(readEvidence(s));
    return rows;
}

void PrepRepo::addRecall(const std::string& gtin, const std::string& lot, const std::string& reason,
                         const std::string& by, const std::string& atUtc) {
    Statement s =
        m_db.prepare("INSERT INTO recalls(gtin, lot, reason, added_by, added_utc) VALUES (?1, ?2, ?3, ?4, ?5)"
                     " ON CONFLICT(gtin, lot) DO UPDATE SET reason = excluded.reason");
    s.bind(1, gtin).bind(2, lot).bind(3, reason).bind(4, by).bind(5, atUtc);
    s.run();
}

std::optional<std::string> PrepRepo::recallReason(const std::string& gtin, const std::string& lot) {
    Statement s =
        m_db.prepare("SELECT reason FROM recalls WHERE gtin = ?1 AND (lot = '' OR lot = ?2) LIMIT 1");
    s.bind(1, gtin).bind(2, lot);
    if (!s.step())
        return std::nullopt;
    return s.columnText(0);
}

} // namespace admix::store
