// admix users add | list | disable
// Secrets never go on the command line (it is visible to every process): they are read from
// standard input, one per line, in the order: the new user's PIN (with --pin), their password
// (with --password), then the administrator's password (with --admin).
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
    auto* users = app.add_subcommand("users", "Station users: add, list, disable");
    users->require_subcommand(1);

    static AddArgs add;
    auto* addCmd = users->add_subcommand("add", "Add a user (secrets read from standard input)");
    addCmd->add_option("--username", add.username, "Sign-in name")->required();
    addCmd->add_option("--name", add.name, "Name shown on screens and labels")->required();
    addCmd->add_option("--role", add.role, "technician, pharmacist, quality or admin")->required();
    addCmd->add_option("--badge", add.badge, "Badge code (signs in with a PIN)");
    addCmd->add_flag("--pin", add.pin, "Read a PIN from standard input");
    addCmd->add_flag("--password", add.password, "Read a password from standard input");
    addCmd->add_option("--admin", add.admin, "Administrator authorising this (not needed for the first user)");
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
            printJson({{"id", created->id}, {"username", created->username}, {"role", workflow::roleName(created->role)}});
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
                printJson({{"id", u.id}, {"username", u.username}, {"name", u.displayName},
                           {"role", workflow::roleName(u.role)}, {"active", u.active}});
            else
                std::cout << u.username << "\t" << workflow::roleName(u.role) << "\t" << (u.active ? "active" : "disabled")
                          << "\t" << u.displayName << '\n';
        }
    });

    static std::string disableName, disableAdmin;
    auto* disable = users->add_subcommand("disable", "Disable a user (the administrator's password on stdin)");
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

const CommandRegistration kUsers(50, registerUserCommands);

} // namespace

} // namespace admix::app
