// Helpers shared by the site commands (formulary, orders, recalls, policy): reading a secret from
// standard input, reading a file, opening the station database with its audit trail, and signing.
#pragma once

#include "station/app/cli.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"

#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

namespace admix::app::site {

inline std::string readSecretLine(const std::string& what) {
    std::string line;
    if (!std::getline(std::cin, line))
        throw CliFailure("expected " + what + " on standard input (one per line)");
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

// The station database of the command's data directory, with its audit trail and sign-in.
struct Station {
    store::Database db;
    store::AuditLog audit;
    workflow::Authenticator auth;
    explicit Station(const CliOptions& options)
        : db(store::openStationDatabase(store::databasePath(resolveDataDir(options)).string())), audit(db),
          auth(db, audit) {}
};

// An e-signature by `who` (badge or user name) with the secret read from stdin; CliFailure when refused.
inline workflow::Signature signOrFail(Station& st, const std::string& who, std::optional<workflow::Role> role,
                                      const std::string& action, const std::string& subject,
                                      const std::string& meaning) {
    if (who.empty())
        throw CliFailure(
            action +
            " needs an e-signature: give --pharmacist USER (or --by USER) and the password or PIN on "
            "standard input");
    const std::string secret = readSecretLine("the password or PIN of " + who);
    auto sig = st.auth.sign(who, secret, role, action, subject, meaning);
    if (!sig)
        throw CliFailure(who + ": " + sig.error().text());
    return *sig;
}

// Signs in `who` with the secret from stdin (password, or PIN when `who` is a badge).
inline workflow::User signInOrFail(Station& st, const std::string& who) {
    if (who.empty())
        throw CliFailure("give --by USER (the password or PIN on standard input)");
    const std::string secret = readSecretLine("the password or PIN of " + who);
    auto user = st.auth.findByUsername(who) ? st.auth.signInWithPassword(who, secret)
                                            : st.auth.signInWithBadge(who, secret);
    if (!user)
        throw CliFailure(who + ": " + user.error().text());
    return *user;
}

} // namespace admix::app::site
