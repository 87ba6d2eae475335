// admix policy show | set | import
// The site policy from the command line: every USP <797>/<800> limit and the formulas policy
// (tolerance bands, balance, syringes, BSA method, GFR cap, rounding) in the station database.
// Rules and storage live in workflow::SitePolicyService; this file reads options and files, asks
// for the signature of the role the key names (PIN or password on standard input, never on the
// command line) and prints. Every check runs before the signature is asked for.
#include "station/app/cli.hpp"

#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/site_policy.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

namespace admix::app {

namespace {

using nlohmann::json;

struct PolicyStation {
    store::Database db;
    store::AuditLog audit;
    workflow::SitePolicyService policy;
    explicit PolicyStation(const CliOptions& options)
        : db(store::openStationDatabase(store::databasePath(resolveDataDir(options)).string())), audit(db),
          policy(db, audit) {}
};

std::string readPolicySecret(const std::string& who) {
    std::string line;
    if (!std::getline(std::cin, line))
        throw CliFailure("expected the PIN or password of " + who +
                         " on standard input (re-authentication for the signature)");
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

// The e-signature of `user` in `role`; a refusal is recorded with what was asked, then reported.
workflow::Signature signChange(PolicyStation& s, const std::string& user, workflow::Role role,
                               const std::string& action, const std::string& subject,
                               const std::string& meaning, const std::vector<workflow::PolicyChange>& changes,
                               const std::string& what) {
    workflow::Authenticator auth(s.db, s.audit);
    auto sig = auth.sign(user, readPolicySecret(user), role, action, subject, meaning);
    if (!sig) {
        s.policy.recordRefusal(user, subject, changes, sig.error().text());
        throw CliFailure(what + ": refused, nothing changed: " + sig.error().text());
    }
    return *sig;
}

std::string readPolicyFile(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw CliFailure(file + ": cannot read the file");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void registerPolicyCommands(CLI::App& app, CliOptions& options) {
    auto* policy = app.add_subcommand(
        "policy", "Site policy: every USP limit and the formulas policy (audited; each key names its role)");
    policy->require_subcommand(1);

    static std::string showKey;
    auto* show = policy->add_subcommand(
        "show", "List every policy key, its value, who set it and when, and who may change it");
    show->add_option("key", showKey, "Only this key");
    show->callback([&options] {
        PolicyStation s(options);
        bool found = false;
        for (const auto& e : s.policy.entries()) {
            if (!showKey.empty() && e.key != showKey)
                continue;
            found = true;
            if (options.json)
                printJson({{"key", e.key},
                           {"value", e.value},
                           {"updated", e.updatedUtc},
                           {"by", e.updatedBy},
                           {"role", workflow::roleName(e.role)},
                           {"meaning", e.meaning},
                           {"group", e.formulas ? "formulas" : "usp797"}});
            else
                std::cout << e.key << " = " << e.value << "   (" << e.updatedBy << ", " << e.updatedUtc
                          << "; changed by " << workflow::roleName(e.role) << ")\n";
        }
        if (!found)
            throw CliFailure(showKey + ": unknown policy key (see `admix policy show`)");
    });

    static std::string key, value, user, reason;
    auto* set = policy->add_subcommand(
        "set", "Change one value (the key's role: quality or pharmacist; PIN/password on standard input)");
    set->add_option("key", key, "Policy key (see policy show)")->required();
    set->add_option("value", value, "New value (as policy show prints it)")->required();
    set->add_option("--user", user, "The quality user or pharmacist making the change")->required();
    set->add_option("--reason", reason, "Why (SOP reference)")->required();
    set->callback([&options] {
        PolicyStation s(options);
        const auto change = s.policy.checkSet(key, value);
        if (!change)
            throw CliFailure(change.error().text() + " (nothing changed)");
        const auto sig =
            signChange(s, user, change->role, workflow::kPolicySetAction, workflow::policySubject(key),
                       "set " + key + " = " + change->newValue + ": " + reason, {*change}, key);
        if (const auto ok = s.policy.set(key, value, sig, reason); !ok)
            throw CliFailure(ok.error().text());
        if (options.json)
            printJson({{"key", key}, {"old", change->oldValue}, {"value", change->newValue}, {"by", user}});
        else
            std::cout << key << " = " << change->newValue << " (was " << change->oldValue << ")\n";
    });

    static std::string file;
    static bool dryRun = false;
    auto* import =
        policy->add_subcommand("import", "Load a policy TOML: USP limits (as usp797_defaults.toml) or the "
                                         "whole formulas policy (as formulas.toml)");
    import->add_option("file", file)->required();
    import->add_option("--user", user, "The quality user or pharmacist making the change");
    import->add_option("--reason", reason, "Why (SOP reference)");
    import->add_flag("--dry-run", dryRun, "Check the file and show what would change; store nothing");
    import->callback([&options] {
        const std::string text = readPolicyFile(file);
    PolicyStation s(options);
    // Every key is checked before anyone is asked to sign.
    const auto plan = s.policy.checkImport(text, file);
    if (!plan)
        throw CliFailure(plan.error().text() + " (nothing was stored)");
    for (const auto& c : plan->changes) {
        if (!options.json)
            std::cout << (dryRun ? "would change " : "change ") << c.key << ": " << c.oldValue << " -> "
                      << c.newValue << '\n';
    }
    if (plan->roleConflict && !dryRun)
        throw CliFailure(*plan->roleConflict + " (nothing was stored)");
    if (plan->roleConflict)
        std::cout << "cannot be imported as it is: " << *plan->roleConflict << '\n';
    if (dryRun || plan->changes.empty()) {
        if (options.json)
            printJson({{"file", file}, {"changes", plan->changes.size()}, {"dry_run", dryRun}});
        else if (plan->changes.empty())
            std::cout << "no changes against the stored policy\n";
        return;
    }
    if (user.empty() || reason.empty())
        throw CLI::ValidationError(user.empty() ? "--user" : "--reason",
                                   "is required to import (or use --dry-run)");
    const workflow::Role role = *plan->role;
    const auto sig = signChange(s, user, role, workflow::kPolicyImportAction, "policy",
                                "load " + file + ": " + reason, plan->changes, file);
    const auto changed = s.policy.import(text, file, sig, reason);
    if (!changed)
        throw CliFailure(changed.error().text() + " (nothing was stored)");
    if (options.json)
        printJson({{"file", file}, {"changed", *changed}});
    else
        std::cout << *changed << " policy value(s) changed from " << file << '\n';
});
} // namespace

const CommandRegistration kPolicy(39, registerPolicyCommands);

} // namespace admix::app

} // namespace admix::app
