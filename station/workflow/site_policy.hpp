// The site policy as one audited store: the USP <797>/<800> limits (usp797/policy.hpp, kept by
// store::ComplianceStore) and the formulas policy (formulas/policy_keys.hpp: tolerance bands,
// balance, syringes, BSA method, GFR cap, rounding; store::FormulasPolicyRepo). Both are seeded from
// the shipped TOML files into a new database and read from the database from then on.
//
// Each key names the role that changes it (USP limits: quality; formulas keys: pharmacist or
// quality). A change is checked first (key known, value of the right form and in range, the whole
// policy still valid), then stored only with an e-signature of that role for the action on the
// key's subject (sign with Authenticator::sign: kPolicySetAction on policySubject(KEY), or
// kPolicyImportAction on "policy"). Every change is audited (old -> new, who, why); a refused one
// is recorded too ("policy.refused"). Nothing is written on any error.
// Not thread-safe: the caller's Database. Expected refusals are Results; storage failures throw.
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/roles.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace admix::workflow {

inline constexpr const char* kPolicySetAction = "policy.set";       // subject policySubject(KEY)
inline constexpr const char* kPolicyImportAction = "policy.import"; // subject "policy"
[[nodiscard]] std::string policySubject(const std::string& key);

struct PolicyEntry {
    std::string key;
    std::string value; // as people type it ("true", "0.01", "2:10, *:5")
    std::string updatedUtc;
    std::string updatedBy; // "defaults" until someone changes it
    Role role = Role::Quality;
    std::string meaning;
    bool formulas = false; // a formulas policy key (else a USP limit)
};

struct PolicyChange {
    std::string key;
    std::string oldValue;
    std::string newValue;
    Role role = Role::Quality;
};

struct PolicyImportPlan {
    bool formulas = false;                   // a formulas policy file (else USP limits)
    std::vector<PolicyChange> changes;       // only the values that differ from the stored ones
    std::optional<Role> role;                // the role that signs it (nullopt: nothing changes)
    std::optional<std::string> roleConflict; // set: the changes need two roles, the file cannot be imported
};

class SitePolicyService {
public:
    SitePolicyService(store::Database& db, store::AuditLog& audit) : m_db(db), m_audit(audit) {}

    // Every key, USP limits first, then the formulas policy.
    [[nodiscard]] std::vector<PolicyEntry> entries();
    // The stored formulas policy: what plans, weigh steps and labels use at this station.
    [[nodiscard]] formulas::FormulasPolicy formulasPolicy();
    // The role that changes `key`; nullopt: no such key.
    [[nodiscard]] static std::optional<Role> roleFor(std::string_view key);

    // Checks one change against the stored policy; writes nothing. Errors name the key.
    [[nodiscard]] Result<PolicyChange> checkSet(const std::string& key, const std::string& valueText);
    // Checks a whole file (file:line:column: key: message); writes nothing. A file whose changes
    // need two roles gets `roleConflict` (naming a key of each) and is refused by import().
    [[nodiscard]] Result<PolicyImportPlan> checkImport(std::string_view tomlText,
                                                       const std::string& sourceName);

    Status set(const std::string& key, const std::string& valueText, const Signature& signature,
               const std::string& reason, TimePoint at = nowUtc());
    Result<size_t> import(std::string_view tomlText, const std::string& sourceName,
                          const Signature& signature, const std::string& reason, TimePoint at = nowUtc());

    // Records a change that was refused before it reached the store (a signature refused, a wrong
    // role): who asked, the subject, what they asked for, and why it was refused.
    void recordRefusal(const std::string& who, const std::string& subject,
                       const std::vector<PolicyChange>& asked, const std::string& why,
                       TimePoint at = nowUtc());

private:
    Status checkSignature(const Signature& sig, const std::string& action, const std::string& subject,
                          Role role);

    store::Database& m_db;
    store::AuditLog& m_audit;
};

} // namespace admix::workflow
