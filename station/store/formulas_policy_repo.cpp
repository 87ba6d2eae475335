#include "station/store/formulas_policy_repo.hpp"

#include "formulas/policy_keys.hpp"

namespace admix::store {

using nlohmann::json;

std::map<std::string, std::string> FormulasPolicyRepo::values() {
    std::map<std::string, std::string> stored;
    {
        Statement s = m_db.prepare("SELECT key, value FROM formulas_policy_values");
        while (s.step())
            stored[s.columnText(0)] = s.columnText(1);
    }
    std::vector<std::string> missing;
    for (const auto& key : formulas::formulasPolicyKeys()) {
        if (!stored.contains(std::string(key.key)))
            missing.emplace_back(key.key);
    }
    if (missing.empty())
        return stored;
    const auto defaults = formulas::loadDefaultFormulasPolicy();
    if (!defaults)
        throw StoreError("the built-in formulas policy does not load: " + defaults.error().text());
    const auto defaultValues = formulas::formulasPolicyValues(*defaults);
    const std::string now = formatIsoUtc(nowUtc());
    Transaction tx(m_db);
    Statement insert = m_db.prepare("INSERT INTO formulas_policy_values(key, value, updated_utc, updated_by) "
                                    "VALUES (?1, ?2, ?3, 'defaults')");
    json seeded = json::object();
    for (const auto& key : missing) {
        const std::string& v = defaultValues.at(key);
        insert.reset();
        insert.bind(1, key).bind(2, v).bind(3, now);
        insert.run();
        stored[key] = v;
        seeded[key] = v;
    }
    m_audit.append("system", "policy.seed", "policy",
                   json{{"source", "assets/policy/formulas.toml"}, {"values", seeded}}.dump());
    tx.commit();
    return stored;
}

formulas::FormulasPolicy FormulasPolicyRepo::policy() {
    std::map<std::string, std::string> known;
    for (const auto& [k, v] : values()) {
        if (formulas::findFormulasPolicyKey(k))
            known[k] = v; // keys this build no longer knows are ignored, not fatal
    }
    auto built = formulas::formulasPolicyFromValues(known, "site policy (station database)");
    if (!built)
        throw StoreError("formulas policy in the database is invalid: " + built.error().text());
    return std::move(built).value();
}

std::vector<FormulasPolicyRow> FormulasPolicyRepo::rows() {
    (void)values(); // seeds when empty
    std::vector<FormulasPolicyRow> rows;
    Statement s =
        m_db.prepare("SELECT key, value, updated_utc, updated_by FROM formulas_policy_values ORDER BY key");
    while (s.step())
        rows.push_back({s.columnText(0), s.columnText(1), s.columnText(2), s.columnText(3)});
    return rows;
}

void FormulasPolicyRepo::write(const std::map<std::string, std::string>& changes, const std::string& user,
                               const std::string& reason, const json& extra, TimePoint at) {
    const auto current = values();
    Transaction tx(m_db);
    Statement s = m_db.prepare(
        "UPDATE formulas_policy_values SET value = ?2, updated_utc = ?3, updated_by = ?4 WHERE key = ?1");
    for (const auto& [key, value] : changes) {
        const auto old = current.find(key);
        if (old == current.end())
            throw StoreError("formulas policy key " + key + " is not stored");
        s.reset();
        s.bind(1, key).bind(2, value).bind(3, formatIsoUtc(at)).bind(4, user);
        s.run();
        json details{{"key", key}, {"old", old->second}, {"new", value}, {"reason", reason}};
        for (const auto& [k, v] : extra.items())
            details[k] = v;
        m_audit.append(user, "policy.set", "policy:" + key, details.dump(), at);
    }
    tx.commit();
}

} // namespace admix::store
