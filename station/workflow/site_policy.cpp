#include "station/workflow/site_policy.hpp"

#include "formulas/policy_keys.hpp"
#include "formulas/text.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/formulas_policy_repo.hpp"
#include "usp797/policy.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace admix::workflow {

using nlohmann::json;

std::string policySubject(const std::string& key) {
    return "policy:" + key;
}

std::optional<Role> SitePolicyService::roleFor(std::string_view key) {
    if (usp797::findPolicyKey(key))
        return Role::Quality;
    if (const auto* k = formulas::findFormulasPolicyKey(key)) {
        if (const auto role = parseRole(k->role))
            return *role;
    }
    return std::nullopt;
}

std::vector<PolicyEntry> SitePolicyService::entries() {
    std::vector<PolicyEntry> out;
    store::ComplianceStore compliance(m_db, m_audit);
    for (const auto& row : compliance.policyRows()) {
        const auto* key = usp797::findPolicyKey(row.key);
        if (!key)
            continue; // a key an older build stored and this one no longer reads
        out.push_back({row.key, usp797::formatPolicyValue(*key, row.value), row.updatedUtc, row.updatedBy,
                       Role::Quality, std::string(key->meaning), false});
    }
    for (const auto& row : store::FormulasPolicyRepo(m_db, m_audit).rows()) {
        const auto* key = formulas::findFormulasPolicyKey(row.key);
        if (!key)
            continue;
        out.push_back({row.key, row.value, row.updatedUtc, row.updatedBy,
                       roleFor(row.key).value_or(Role::Quality), std::string(key->meaning), true});
    }
    return out;
}

formulas::FormulasPolicy SitePolicyService::formulasPolicy() {
    return store::FormulasPolicyRepo(m_db, m_audit).policy();
}

Result<PolicyChange> SitePolicyService::checkSet(const std::string& key, const std::string& valueText) {
    if (const auto* k = usp797::findPolicyKey(key)) {
        const auto value = usp797::parsePolicyValue(*k, valueText);
        if (!value)
            return value.error();
        const double old = store::ComplianceStore(m_db, m_audit).policy().number(key);
        return PolicyChange{key, usp797::formatPolicyValue(*k, old), usp797::formatPolicyValue(*k, *value),
                            Role::Quality};
    }
    const auto* k = formulas::findFormulasPolicyKey(key);
    if (!k)
        return Result<PolicyChange>::fail("unknown policy key (see `admix policy show`)", key);
    auto value = formulas::normalizeFormulasPolicyValue(*k, valueText);
    if (!value)
        return value.error();
    store::FormulasPolicyRepo repo(m_db, m_audit);
    std::map<std::string, std::string> values;
    for (const auto& row : repo.rows())
        values[row.key] = row.value;
    const std::string old = values[key];
    values[key] = *value;
    std::erase_if(values, [](const auto& kv) { return !formulas::findFormulasPolicyKey(kv.first); });
    // The whole policy must still hold together (bands in order, the last one open-ended, ...).
    if (auto whole = formulas::formulasPolicyFromValues(values, "site policy"); !whole)
        return whole.error();
    return PolicyChange{key, old, *value, roleFor(key).value_or(Role::Quality)};
}

Result<PolicyImportPlan> SitePolicyService::checkImport(std::string_view tomlText,
                                                        const std::string& sourceName) {
    const auto kind = formulas::holdsFormulasPolicy(tomlText, sourceName);
    if (!kind)
        return kind.error();
    PolicyImportPlan plan;
    plan.formulas = *kind;
    if (plan.formulas) {
        const auto loaded = formulas::loadFormulasPolicy(tomlText, sourceName);
        if (!loaded)
            return loaded.error();
        std::map<std::string, std::string> stored;
        for (const auto& row : store::FormulasPolicyRepo(m_db, m_audit).rows())
            stored[row.key] = row.value;
        for (const auto& [key, value] : formulas::formulasPolicyValues(*loaded)) {
            if (stored[key] != value)
                plan.changes.push_back({key, stored[key], value, roleFor(key).value_or(Role::Quality)});
        }
    } else {
        const auto values = usp797::parsePolicyToml(tomlText, sourceName);
        if (!values)
            return values.error();
        const auto current = store::ComplianceStore(m_db, m_audit).policy();
        for (const auto& [key, value] : *values) {
            const auto* k = usp797::findPolicyKey(key);
            if (current.number(key) != value)
                plan.changes.push_back({key, usp797::formatPolicyValue(*k, current.number(key)),
                                        usp797::formatPolicyValue(*k, value), Role::Quality});
        }
    }
    for (const auto& c : plan.changes) {
        if (!plan.role) {
            plan.role = c.role;
            continue;
        }
        if (*plan.role != c.role && !plan.roleConflict) {
            const auto first = std::find_if(plan.changes.begin(), plan.changes.end(),
                                            [&](const auto& x) { return x.role == *plan.role; });
            plan.roleConflict = sourceName + ": the file changes " + first->key + " (" +
                                std::string(roleName(*plan.role)) + ") and " + c.key + " (" +
                                std::string(roleName(c.role)) +
                                "): one signature cannot change both; import the changes of each role "
                                "separately (or use `admix policy set`)";
        }
    }
    return plan;
}

Status SitePolicyService::checkSignature(const Signature& sig, const std::string& action,
                                         const std::string& subject, Role role) {
    if (sig.signer.role != role)
        return Status::fail("needs the e-signature of a " + std::string(roleName(role)) + "; " +
                            sig.signer.displayName + " is a " + std::string(roleName(sig.signer.role)));
    if (sig.action != action || sig.subject != subject)
        return Status::fail("the signature was given for " + sig.action + " on " + sig.subject + ", not " +
                            action + " on " + subject);
    for (const auto& row : m_audit.forSubject(subject)) {
        if (row.id != sig.auditId)
            continue;
        const json details = json::parse(row.details, nullptr, false);
        if (row.action == "esign" && row.actor == sig.signer.username && details.is_object() &&
            details.value("action", "") == action)
            return Status::success();
    }
    return Status::fail("no matching e-signature in the audit trail");
}

void SitePolicyService::recordRefusal(const std::string& who, const std::string& subject,
                                      const std::vector<PolicyChange>& asked, const std::string& why,
                                      TimePoint at) {
    json changes = json::array();
    for (const auto& c : asked)
        changes.push_back(
            {{"key", c.key}, {"old", c.oldValue}, {"new", c.newValue}, {"role", roleName(c.role)}});
    m_audit.append(who.empty() ? "unknown" : who, "policy.refused", subject,
                   json{{"changes", changes}, {"why", why}}.dump(), at);
}

Status SitePolicyService::set(const std::string& key, const std::string& valueText,
                              const Signature& signature, const std::string& reason, TimePoint at) {
    const auto change = checkSet(key, valueText);
    if (!change)
        return change.error();
    if (formulas::trim(reason).empty())
        return Status::fail("a policy change needs a reason", "reason");
    if (auto ok = checkSignature(signature, kPolicySetAction, policySubject(key), change->role); !ok) {
        recordRefusal(signature.signer.username, policySubject(key), {*change}, ok.error().message, at);
        return Status::fail(ok.error().message, key);
    }
    if (change->oldValue == change->newValue)
        return Status::success();
    if (!formulas::findFormulasPolicyKey(key))
        return store::ComplianceStore(m_db, m_audit)
            .setPolicy(key, valueText, signature.signer.username, reason, at);
    store::FormulasPolicyRepo(m_db, m_audit)
        .write({{key, change->newValue}}, signature.signer.username, reason,
               json{{"signature_audit_id", signature.auditId}}, at);
    return Status::success();
}

Result<size_t> SitePolicyService::import(std::string_view tomlText, const std::string& sourceName,
                                         const Signature& signature, const std::string& reason,
                                         TimePoint at) {
    const auto plan = checkImport(tomlText, sourceName);
    if (!plan)
        return plan.error();
    if (plan->roleConflict)
        return Result<size_t>::fail(*plan->roleConflict);
    if (formulas::trim(reason).empty())
        return Result<size_t>::fail("a policy change needs a reason", "reason");
    // The role the changes need; a file that changes nothing still needs a pharmacist's or quality signature.
    Role required = plan->role.value_or(signature.signer.role);
    if (!plan->role && required != Role::Pharmacist && required != Role::Quality)
        required = Role::Quality;
    if (auto ok = checkSignature(signature, kPolicyImportAction, "policy", required); !ok) {
        recordRefusal(signature.signer.username, "policy", plan->changes, ok.error().message, at);
        return ok.error();
    }
    if (plan->changes.empty())
        return size_t{0};
    if (!plan->formulas) {
        // USP limits: the compliance store checks the quality role again and audits each key.
        return store::ComplianceStore(m_db, m_audit)
            .importPolicy(tomlText, sourceName, signature.signer.username, reason, at);
    }
    std::map<std::string, std::string> changes;
    for (const auto& c : plan->changes)
        changes[c.key] = c.newValue;
    store::FormulasPolicyRepo(m_db, m_audit)
        .write(changes, signature.signer.username, reason,
               json{{"file", sourceName},
                    {"sha256", store::sha256Hex(tomlText)},
                    {"signature_audit_id", signature.auditId}},
               at);
    return plan->changes.size();
}

} // namespace admix::workflow
