// admix users add | list | disable | enable | reset | role
// Secrets never go on the command line (it is visible to every process): they are read from
// standard input, one per line, in this order (README, "Secrets on standard input"):
//   add:     the new user's PIN (with --pin), their password (with --password), then the
//            administrator's password (with --admin)
//   reset:   the new PIN (with --pin), the new password (with --password), then the
//            administrator's password
//   disable, enable, role: the administrator's password
// Each administrator action is signed: the administrator re-authenticates and the e-signature row
// (action user.<command>, subject the user) is recorded beside the change.
#include "station/app/cli.hpp"

#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"

#include <iostream>

namespace admix::app {

namespace {

std::string readSecretLine(const char* what) {
    std::string line;
    if (!std::getline(std::cin, line))
        throw CliFailure(std::string("expected ") + what + " on standard input (one per line)");
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

struct AddArgs {
    std::string username, name, role, badge, admin;
    bool pin = false, password = false;
};

void registerUserCommands(CLI::App& app, CliOptions& options) {
    auto* users = app.add_subcommand("users", "Station users: add, list, disable, enable, reset, role");
    users->require_subcommand(1);

    static AddArgs add;
    auto* addCmd = users->add_subcommand("add", "Add a user (secrets read from standard input)");
    addCmd->add_option("--username", add.username, "Sign-in name")->required();
    addCmd->add_option("--name", add.name, "Name shown on screens and labels")->required();
    addCmd->add_option("--role", add.role, "technician, pharmacist, quality or admin")->required();
    addCmd->add_option("--badge", add.badge, "Badge code (signs in with a PIN)");
    addCmd->add_flag("--pin", add.pin, "Read a PIN from standard input");
    addCmd->add_flag("--password", add.password, "Read a password from standard input");
    addCmd->add_option("--admin", add.admin,
                       "Administrator authorising this (not needed for the first user)");
    addCmd->callback([&options] {
        const auto role = workflow::parseRole(add.role);
        if (!role)
            throw CLI::ValidationError("--role", role.error().message);
        workflow::NewUser user{add.username, add.name, *role, std::nullopt, std::nullopt, std::nullopt};
        if (!add.badge.empty())
            user.badge = add.badge;
        if (add.pin)
            user.pin = readSecretLine("the PIN");
        if (add.password)
            user.password = readSecretLine("the password");
        const auto dir = resolveDataDir(options);
        store::Database db = store::openStationDatabase(store::databasePath(dir).string());
        store::AuditLog audit(db);
        workflow::Authenticator auth(db, audit);
        std::optional<workflow::User> by;
        if (!add.admin.empty()) {
            const std::string secret = readSecretLine("the administrator's password");
            auto admin = auth.signInWithPassword(add.admin, secret);
            if (!admin)
                throw CliFailure("administrator " + add.admin + ": " + admin.error().text());
            by = *admin;
        }
        const auto created = auth.addUser(user, by);
        if (!created)
            throw CliFailure(created.error().text());
        if (options.json)
            printJson({{"id", created->id},
                       {"username", created->username},
                       {"role", workflow::roleName(created->role)}});
        else
            std::cout << "added " << created->username << " (" << workflow::roleName(created->role) << ")\n";
    });

    auto* list = users->add_subcommand("list", "List users and their roles");
    list->callback([&options] {
        const auto dir = resolveDataDir(options);
        store::Database db = store::openStationDatabase(store::databasePath(dir).string());
        store::AuditLog audit(db);
        workflow::Authenticator auth(db, audit);
        for (const auto& u : auth.users()) {
            if (options.json)
                printJson({{"id", u.id},
                           {"username", u.username},
                           {"name", u.displayName},
                           {"role", workflow::roleName(u.role)},
                           {"active", u.active}});
            else
                std::cout << u.username << "\t" << workflow::roleName(u.role) << "\t"
                          << (u.active ? "active" : "disabled") << "\t" << u.displayName << '\n';
        }
    });

    static std::string disableName, disableAdmin;
    auto* disable =
        users->add_subcommand("disable", "Disable a user (the administrator's password on stdin)");
    disable->add_option("username", disableName, "User to disable")->required();
    disable->add_option("--admin", disableAdmin, "Administrator authorising this")->required();
    disable->callback([&options] {
        const auto dir = resolveDataDir(options);
        store::Database db = store::openStationDatabase(store::databasePath(dir).string());
        store::AuditLog audit(db);
        workflow::Authenticator auth(db, audit);
        auto admin = auth.signInWithPassword(disableAdmin, readSecretLine("the administrator's password"));
        if (!admin)
            throw CliFailure("administrator " + disableAdmin + ": " + admin.error().text());
        const auto done = auth.disableUser(disableName, *admin);
        if (!done)
            throw CliFailure(done.error().text());
        if (options.json)
            printJson({{"username", disableName}, {"active", false}});
        else
            std::cout << "disabled " << disableName << '\n';
    });
}

// The administrator re-authenticates; the e-signature binds the action to the user concerned.
workflow::User adminSignature(workflow::Authenticator& auth, const std::string& admin,
                              const std::string& action, const std::string& subject,
                              const std::string& meaning) {
    const auto sig = auth.sign(admin, readSecretLine("the administrator's password"), workflow::Role::Admin,
                               action, subject, meaning);
    if (!sig)
        throw CliFailure("administrator " + admin + ": " + sig.error().text());
    return sig->signer;
}

void registerAdminCommands(CLI::App& app, CliOptions& options) {
    CLI::App* users = app.get_subcommand("users"); // registered just before (order 50)
    static std::string enableName, enableAdmin;
    auto* enable = users->add_subcommand(
        "enable", "Re-enable a user and clear a lockout (the administrator's password on stdin)");
    enable->add_option("username", enableName, "User to enable")->required();
    enable->add_option("--admin", enableAdmin, "Administrator authorising this")->required();
    enable->callback([&options] {
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        workflow::Authenticator auth(db, audit);
        const auto admin =
            adminSignature(auth, enableAdmin, "user.enable", enableName, "enable " + enableName);
        if (const auto done = auth.enableUser(enableName, admin); !done)
            throw CliFailure(done.error().text());
        if (options.json)
            printJson({{"username", enableName}, {"active", true}});
        else
            std::cout << "enabled " << enableName << '\n';
    });

    static std::string resetName, resetAdmin;
    static bool resetPin = false, resetPassword = false;
    auto* reset = users->add_subcommand("reset", "Give a user a new PIN and/or password (stdin: new PIN, new "
                                                 "password, then the administrator's password)");
    reset->add_option("username", resetName, "User whose secret is reset")->required();
    reset->add_flag("--pin", resetPin, "Read a new PIN from standard input");
    reset->add_flag("--password", resetPassword, "Read a new password from standard input");
    reset->add_option("--admin", resetAdmin, "Administrator authorising this")->required();
    reset->callback([&options] {
        if (!resetPin && !resetPassword)
            throw CLI::ValidationError("--pin", "give --pin, --password or both");
        std::optional<std::string> pin, password;
        if (resetPin)
            pin = readSecretLine("the new PIN");
        if (resetPassword)
            password = readSecretLine("the new password");
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        workflow::Authenticator auth(db, audit);
        const auto admin =
            adminSignature(auth, resetAdmin, "user.reset", resetName,
                           std::string("reset ") + (pin ? "PIN" : "") + (pin && password ? " and " : "") +
                               (password ? "password" : "") + " of " + resetName);
        if (const auto done = auth.resetSecrets(resetName, pin, password, admin); !done)
            throw CliFailure(done.error().text());
        if (options.json)
            printJson({{"username", resetName}, {"pin", resetPin}, {"password", resetPassword}});
        else
            std::cout << "reset " << (pin ? "PIN " : "") << (password ? "password " : "") << "of "
                      << resetName << '\n';
    });

    static std::string roleName, roleValue, roleAdmin;
    auto* role =
        users->add_subcommand("role", "Change a user's role (the administrator's password on stdin)");
    role->add_option("username", roleName, "User")->required();
    role->add_option("role", roleValue, "technician, pharmacist, quality or admin")->required();
    role->add_option("--admin", roleAdmin, "Administrator authorising this")->required();
    role->callback([&options] {
        const auto parsed = workflow::parseRole(roleValue);
        if (!parsed)
            throw CLI::ValidationError("role", parsed.error().message);
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        workflow::Authenticator auth(db, audit);
        const auto admin = adminSignature(auth, roleAdmin, "user.role", roleName,
                                          "role of " + roleName + " to " + roleValue);
        if (const auto done = auth.changeRole(roleName, *parsed, admin); !done)
            throw CliFailure(done.error().text());
        if (options.json)
            printJson({{"username", roleName}, {"role", roleValue}});
        else
            std::cout << roleName << " is now " << roleValue << '\n';
    });
}

const CommandRegistration kUsers(50, registerUserCommands);
const CommandRegistration kUserAdmin(51, registerAdminCommands);

} // namespace

} // namespace admix::app
