// ComplianceStore: policy, people (station users), rooms, PECs and certification.
#include "station/store/compliance_internal.hpp"

#include "formulas/text.hpp"
#include "station/store/user_repo.hpp"

namespace admix::store {

using namespace compliance_detail;
using nlohmann::json;

namespace compliance_detail {

Status requireRole(ComplianceStore& store, const std::string& user,
                   std::initializer_list<std::string_view> roles, const std::string& what) {
    const auto p = store.person(user);
    if (!p)
        return Status::fail("'" + user + "' is not a station user", "user");
    if (!p->active)
        return Status::fail(user + " is disabled", "user");
    for (std::string_view r : roles) {
        if (p->role == r)
            return Status::success();
    }
    std::string allowed;
    for (std::string_view r : roles)
        allowed += (allowed.empty() ? "" : " or ") + std::string(r);
    return Status::fail(user + " is " + p->role + "; only " + allowed + " may " + what, "user");
}

} // namespace compliance_detail

// [SECTION] Policy

usp797::SitePolicy ComplianceStore::policy() {
    std::map<std::string, double> values;
    {
        Statement s = m_db.prepare("SELECT key, value FROM policy_values");
        while (s.step())
            values[s.columnText(0)] = s.columnDouble(1);
    }
    // Seed keys the database does not have yet (first use, or a newer build's new keys) from the defaults.
    std::vector<std::string> missing;
    for (const auto& key : usp797::policyKeys()) {
        if (!values.contains(std::string(key.key)))
            missing.emplace_back(key.key);
    }
    if (!missing.empty()) {
        const auto& defaults = usp797::SitePolicy::defaults();
        const std::string now = formatIsoUtc(nowUtc());
        Transaction tx(m_db);
        Statement insert = m_db.prepare(
            "INSERT INTO policy_values(key, value, updated_utc, updated_by) VALUES (?1, ?2, ?3, 'defaults')");
        json seeded = json::object();
        for (const auto& key : missing) {
            const double v = defaults.number(key);
            insert.reset();
            insert.bind(1, key).bind(2, v).bind(3, now);
            insert.run();
            values[key] = v;
            seeded[key] = v;
        }
        m_audit.append("system", "policy.seed", "policy",
                       json{{"source", "assets/policy/usp797_defaults.toml"}, {"values", seeded}}.dump());
        tx.commit();
    }
    // Keys this build no longer knows are ignored, not fatal.
    std::map<std::string, double> known;
    for (const auto& [k, v] : values) {
        if (usp797::findPolicyKey(k))
            known[k] = v;
    }
    auto built = usp797::SitePolicy::fromValues(known);
    if (!built)
        throw StoreError("site policy in the database is invalid: " + built.error().text());
    return std::move(built).value();
}

std::vector<PolicyRow> ComplianceStore::policyRows() {
    (void)policy(); // seeds when empty
    std::vector<PolicyRow> rows;
    Statement s = m_db.prepare("SELECT key, value, updated_utc, updated_by FROM policy_values ORDER BY key");
    while (s.step())
        rows.push_back({s.columnText(0), s.columnDouble(1), s.columnText(2), s.columnText(3)});
    return rows;
}

Status ComplianceStore::setPolicy(const std::string& key, const std::string& valueText,
                                  const std::string& user, const std::string& reason, TimePoint at) {
    const usp797::PolicyKey* known = usp797::findPolicyKey(key);
    if (!known)
        return Status::fail("unknown policy key (see `admix policy show`)", key);
    if (auto ok = requireRole(*this, user, {"quality"}, "change site policy"); !ok)
        return ok;
    if (formulas::trim(reason).empty())
        return Status::fail("a policy change needs a reason", "reason");
    const auto value = usp797::parsePolicyValue(*known, valueText);
    if (!value)
        return value.error();
    const usp797::SitePolicy current = policy();
    const double old = current.number(key);
    Transaction tx(m_db);
    Statement s =
        m_db.prepare("UPDATE policy_values SET value = ?2, updated_utc = ?3, updated_by = ?4 WHERE key = ?1");
    s.bind(1, key).bind(2, *value).bind(3, formatIsoUtc(at)).bind(4, user);
    s.run();
    m_audit.append(user, "policy.set", "policy:" + key,
                   json{{"key", key},
                        {"old", usp797::formatPolicyValue(*known, old)},
                        {"new", usp797::formatPolicyValue(*known, *value)},
                        {"reason", reason}}
                       .dump(),
                   at);
    tx.commit();
    return Status::success();
}

Result<size_t> ComplianceStore::importPolicy(std::string_view tomlText, const std::string& sourceName,
                                             const std::string& user, const std::string& reason,
                                             TimePoint at) {
    if (auto ok = requireRole(*this, user, {"quality"}, "change site policy"); !ok)
        return ok.error();
    if (formulas::trim(reason).empty())
        return Result<size_t>::fail("a policy change needs a reason", "reason");
    const auto values = usp797::parsePolicyToml(tomlText, sourceName);
    if (!values)
        return values.error();
    const usp797::SitePolicy current = policy();
    Transaction tx(m_db);
    Statement s =
        m_db.prepare("UPDATE policy_values SET value = ?2, updated_utc = ?3, updated_by = ?4 WHERE key = ?1");
    size_t changed = 0;
    for (const auto& [key, value] : *values) {
        const double old = current.number(key);
        if (old == value)
            continue;
        const usp797::PolicyKey* known = usp797::findPolicyKey(key);
        s.reset();
        s.bind(1, key).bind(2, value).bind(3, formatIsoUtc(at)).bind(4, user);
        s.run();
        m_audit.append(user, "policy.set", "policy:" + key,
                       json{{"key", key},
                            {"old", usp797::formatPolicyValue(*known, old)},
                            {"new", usp797::formatPolicyValue(*known, value)},
                            {"reason", reason},
                            {"file", sourceName},
                            {"sha256", sha256Hex(tomlText)}}
                           .dump(),
                       at);
        ++changed;
    }
    tx.commit();
    return changed;
}

// [SECTION] People

std::optional<CompliancePerson> ComplianceStore::person(const std::string& username) {
    const auto row = UserRepo(m_db).byUsername(username);
    if (!row)
        return std::nullopt;
    return CompliancePerson{row->username, row->displayName, row->role, row->active};
}

std::vector<CompliancePerson> ComplianceStore::people() {
    std::vector<CompliancePerson> out;
    for (const auto& row : UserRepo(m_db).all())
        out.push_back({row.username, row.displayName, row.role, row.active});
    return out;
}

// [SECTION] Rooms and PECs

namespace {

usp797::Room readRoom(const Statement& s) {
    usp797::Room r;
    r.code = s.columnText(0);
    r.name = s.columnText(1);
    r.iso = static_cast<usp797::IsoClass>(s.columnInt(2));
    r.pressure = usp797::parsePressureRegime(s.columnText(3)).value();
    r.hazardous = s.columnInt(4) != 0;
    r.certified = optionalDate(s, 5);
    return r;
}

usp797::Pec readPec(const Statement& s) {
    usp797::Pec p;
    p.code = s.columnText(0);
    p.room = s.columnText(1);
    const auto type = usp797::parsePecType(s.columnText(2));
    const auto cats = usp797::parseCategoryList(s.columnText(3));
    if (!type || !cats)
        throw StoreError("corrupt PEC row " + p.code);
    p.type = *type;
    p.categories = *cats;
    p.hazardous = s.columnInt(4) != 0;
    p.certified = optionalDate(s, 5);
    return p;
}

constexpr const char* kRoomColumns =
    "SELECT code, name, iso_class, pressure, hazardous, certified_date FROM rooms ";
constexpr const char* kPecColumns =
    "SELECT code, room, type, categories, hazardous, certified_date FROM pecs ";

} // namespace

Status ComplianceStore::addRoom(const usp797::Room& r, const std::string& actor, TimePoint at) {
    if (auto ok = requireRole(*this, actor, {"admin", "quality"}, "register rooms"); !ok)
        return ok;
    if (auto ok = usp797::validateRoom(r); !ok)
        return ok;
    if (room(r.code) || pec(r.code))
        return Status::fail("already registered", r.code);
    Transaction tx(m_db);
    Statement s = m_db.prepare("INSERT INTO rooms(code, name, iso_class, pressure, hazardous, "
                               "certified_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, r.code)
        .bind(2, r.name)
        .bind(3, static_cast<int>(r.iso))
        .bind(4, usp797::pressureRegimeName(r.pressure));
    s.bind(5, r.hazardous ? 1 : 0);
    bindOptional(s, 6, r.certified ? std::optional<std::string>(formatDate(*r.certified)) : std::nullopt);
    s.run();
    m_audit.append(actor, "site.room.add", "room:" + r.code,
                   json{{"name", r.name},
                        {"iso", usp797::isoClassName(r.iso)},
                        {"pressure", usp797::pressureRegimeName(r.pressure)},
                        {"hazardous", r.hazardous},
                        {"certified", dateText(r.certified)}}
                       .dump(),
                   at);
    tx.commit();
    return Status::success();
}

Status ComplianceStore::addPec(const usp797::Pec& p, const std::string& actor, TimePoint at) {
    if (auto ok = requireRole(*this, actor, {"admin", "quality"}, "register PECs"); !ok)
        return ok;
    const auto r = room(p.room);
    if (!r)
        return Status::fail("room '" + p.room + "' is not registered", p.code.empty() ? "pec" : p.code);
    if (auto ok = usp797::validatePec(p, *r); !ok)
        return ok;
    if (room(p.code) || pec(p.code))
        return Status::fail("already registered", p.code);
    Transaction tx(m_db);
    Statement s = m_db.prepare("INSERT INTO pecs(code, room, type, categories, hazardous, certified_date) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, p.code)
        .bind(2, p.room)
        .bind(3, usp797::pecTypeName(p.type))
        .bind(4, usp797::categoryListText(p.categories));
    s.bind(5, p.hazardous ? 1 : 0);
    bindOptional(s, 6, p.certified ? std::optional<std::string>(formatDate(*p.certified)) : std::nullopt);
    s.run();
    m_audit.append(actor, "site.pec.add", "pec:" + p.code,
                   json{{"room", p.room},
                        {"type", usp797::pecTypeName(p.type)},
                        {"categories", usp797::categoryListText(p.categories)},
                        {"hazardous", p.hazardous},
                        {"certified", dateText(p.certified)}}
                       .dump(),
                   at);
    tx.commit();
    return Status::success();
}

std::optional<usp797::Room> ComplianceStore::room(const std::string& code) {
    Statement s = m_db.prepare(std::string(kRoomColumns) + "WHERE code = ?1");
    s.bind(1, code);
    if (!s.step())
        return std::nullopt;
    return readRoom(s);
}

std::optional<usp797::Pec> ComplianceStore::pec(const std::string& code) {
    Statement s = m_db.prepare(std::string(kPecColumns) + "WHERE code = ?1");
    s.bind(1, code);
    if (!s.step())
        return std::nullopt;
    return readPec(s);
}

std::vector<usp797::Room> ComplianceStore::rooms() {
    std::vector<usp797::Room> out;
    Statement s = m_db.prepare(std::string(kRoomColumns) + "ORDER BY code");
    while (s.step())
        out.push_back(readRoom(s));
    return out;
}

std::vector<usp797::Pec> ComplianceStore::pecs() {
    std::vector<usp797::Pec> out;
    Statement s = m_db.prepare(std::string(kPecColumns) + "ORDER BY code");
    while (s.step())
        out.push_back(readPec(s));
    return out;
}

Status ComplianceStore::recordCertification(const std::string& code, Date date, const std::string& user,
                                            TimePoint at) {
    if (auto ok = requireRole(*this, user, {"quality"}, "record a certification"); !ok)
        return ok;
    const bool isRoom = room(code).has_value();
    if (!isRoom && !pec(code))
        return Status::fail("no room or PEC with this code", code);
    if (std::chrono::sys_days{date} > std::chrono::sys_days{localDate(at)})
        return Status::fail("a certification date cannot be in the future", "date");
    Transaction tx(m_db);
    Statement s = m_db.prepare(isRoom ? "UPDATE rooms SET certified_date = ?2 WHERE code = ?1"
                                      : "UPDATE pecs SET certified_date = ?2 WHERE code = ?1");
    s.bind(1, code).bind(2, formatDate(date));
    s.run();
    m_audit.append(user, "site.certified", (isRoom ? "room:" : "pec:") + code,
                   json{{"date", formatDate(date)}}.dump(), at);
    tx.commit();
    return Status::success();
}

} // namespace admix::store
