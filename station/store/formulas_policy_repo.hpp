// The formulas policy as stored at a station (formulas_policy_values): one text value per key of
// formulas/policy_keys.hpp, seeded from the built-in assets/policy/formulas.toml on first use
// (audited "policy.seed"; keys a newer build adds are seeded the same way). Who may change a key is
// the workflow's decision (workflow::SitePolicyService); this repository stores the change and its
// audit rows (old -> new, who, why) in one transaction.
// Not thread-safe: one per connection. A stored value the policy rules refuse throws StoreError
// (fail closed: the station does not run on a policy it cannot read).
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/time.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace admix::store {

struct FormulasPolicyRow {
    std::string key;
    std::string value;
    std::string updatedUtc;
    std::string updatedBy;
};

class FormulasPolicyRepo {
public:
    FormulasPolicyRepo(Database& db, AuditLog& audit) : m_db(db), m_audit(audit) {}

    // The stored policy (seeding missing keys first).
    [[nodiscard]] formulas::FormulasPolicy policy();
    // Every stored key with who set it and when, by key (seeding missing keys first).
    [[nodiscard]] std::vector<FormulasPolicyRow> rows();
    // Stores new values (key -> canonical text, already checked by the caller), each audited as
    // "policy.set" on "policy:KEY" with old, new, reason and `extra`'s fields; one transaction.
    void write(const std::map<std::string, std::string>& changes, const std::string& user,
               const std::string& reason, const nlohmann::json& extra, TimePoint at = nowUtc());

private:
    std::map<std::string, std::string> values();

    Database& m_db;
    AuditLog& m_audit;
};

} // namespace admix::store
