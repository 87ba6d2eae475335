// Who is at the station: user accounts, sign-in by badge + PIN or username + password, lockout after
// repeated failures, idle lock, and e-signatures (a fresh re-authentication bound to the one action
// it signs, recorded in the audit trail). Secrets are hashed with Argon2id (libsodium) and never
// stored or logged in clear. Not thread-safe: use from the thread that owns the Database.
// Expected failures (wrong PIN, locked, disabled) are Results with a message for the person; storage
// failures throw store::StoreError.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/store/user_repo.hpp"
#include "station/workflow/roles.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace admix::workflow {

struct User {
    int64_t id = 0;
    std::string username;
    std::string displayName;
    Role role = Role::Technician;
    bool active = true;
};

// Site policy for sign-in; stored as station settings (auth.*), changed only through setAuthPolicy.
struct AuthPolicy {
    int maxFailures = 5;              // failed attempts before the account locks
    std::chrono::minutes lockout{15}; // how long it stays locked
    std::chrono::minutes idleLock{5}; // the station locks after this long untouched
    int pinMinDigits = 4;
    int passwordMinLength = 10;
    bool pinRefuseRepeated = true;   // "1111": one digit throughout
    bool pinRefuseSequential = true; // "1234", "9876": each digit one up (or one down) from the last
};

// Why `pin` breaks the site's PIN policy (nullopt: it does not).
[[nodiscard]] std::optional<std::string> pinPolicyProblem(const std::string& pin, const AuthPolicy& policy);

struct NewUser {
    std::string username;
    std::string displayName;
    Role role = Role::Technician;
    std::optional<std::string> badge;
    std::optional<std::string> pin;
    std::optional<std::string> password;
};

// An e-signature: who signed, what they signed (action + subject), what it means, and when. The
// audit row that records it is the durable proof; `auditId` points at it.
struct Signature {
    User signer;
    std::string action;
    std::string subject;
    std::string meaning; // e.g. "approve", "override: balance offline, verified by volume"
    std::string atUtc;
    int64_t auditId = 0;
};

// Argon2id (libsodium crypto_pwhash_str, interactive limits) of a secret, and its verification.
// With a pepper (the station's, kept outside the database), the secret is first keyed with it, and
// the hash is marked so that it is never verified without the pepper.
[[nodiscard]] std::string hashSecret(const std::string& secret);
[[nodiscard]] bool verifySecret(const std::string& hash, const std::string& secret);
[[nodiscard]] std::string hashSecret(const std::string& secret, const std::optional<std::string>& pepper);
[[nodiscard]] bool verifySecret(const std::string& hash, const std::string& secret,
                                const std::optional<std::string>& pepper);

class Authenticator {
public:
    Authenticator(store::Database& db, store::AuditLog& audit);

    [[nodiscard]] AuthPolicy policy();
    // Quality or admin only; the old and new values are audited.
    Status setAuthPolicy(const User& by, const AuthPolicy& policy, TimePoint now = nowUtc());

    // The first account of a fresh station may be created by "setup" (no users yet); after that an
    // admin must be given.
    Result<User> addUser(const NewUser& user, const std::optional<User>& by, TimePoint now = nowUtc());
    Status disableUser(const std::string& username, const User& by, TimePoint now = nowUtc());
    // Administrator's tools, each audited with the administrator as actor: re-enable an account
    // (and clear its lockout), give a new PIN and/or password (the policy applies; the lockout is
    // cleared), change a role. `by` must be an administrator and not the user themself for a role
    // change.
    Status enableUser(const std::string& username, const User& by, TimePoint now = nowUtc());
    Status resetSecrets(const std::string& username, const std::optional<std::string>& pin,
                        const std::optional<std::string>& password, const User& by, TimePoint now = nowUtc());
    Status changeRole(const std::string& username, Role role, const User& by, TimePoint now = nowUtc());
    [[nodiscard]] std::vector<User> users();
    [[nodiscard]] std::optional<User> findByUsername(const std::string& username);

    // From now on, failures and locks count for the account *from this client address* (the web
    // server passes the caller's address): a run of wrong passwords from one address locks the
    // account from that address only, never at the hood, nor from another desk. Without it they are
    // the station's (badge + PIN at the hood). Failures for one account from several addresses
    // within an hour raise a `security.alert` row in the trail for quality staff.
    void setClientAddress(std::string address) { m_address = std::move(address); }

    Result<User> signInWithBadge(const std::string& badge, const std::string& pin, TimePoint now = nowUtc());
    Result<User> signInWithPassword(const std::string& username, const std::string& password,
                                    TimePoint now = nowUtc());

    // Re-authenticates `who` (badge or username, with PIN or password) and, when they hold
    // `requiredRole`, records the signature bound to action + subject. Failures count toward lockout.
    // `pinByUsername`: `who` is a user name and `secret` that user's PIN (a script or interface that
    // knows the person, not the badge: badges are stored only as keyed digests).
    Result<Signature> sign(const std::string& who, const std::string& secret,
                           std::optional<Role> requiredRole, const std::string& action,
                           const std::string& subject, const std::string& meaning, TimePoint now = nowUtc(),
                           bool pinByUsername = false);
    // User name + password, for a site without badges (the station's "Sign with username and
    // password" and the web check): `username` is never taken for a badge. Same lockout and audit.
    Result<Signature> signWithPassword(const std::string& username, const std::string& password,
                                       std::optional<Role> requiredRole, const std::string& action,
                                       const std::string& subject, const std::string& meaning,
                                       TimePoint now = nowUtc());
    // The same signature and the act it signs as one unit: the password is checked first, outside
    // any transaction (a failure is recorded as for any signature), then the e-signature row and
    // `act` are written in one transaction. When `act` refuses (e.g. the preparation was decided by
    // a second click a moment earlier), neither is stored and its refusal is returned, so no
    // e-signature is ever left without the decision it signed.
    Result<Signature> signWithPasswordAnd(const std::string& username, const std::string& password,
                                          std::optional<Role> requiredRole, const std::string& action,
                                          const std::string& subject, const std::string& meaning,
                                          const std::function<Status(const Signature&)>& act,
                                          TimePoint now = nowUtc());
    // The same for a badge (or user name) and PIN at the hood: `who` is read as sign() reads it.
    Result<Signature> signAnd(const std::string& who, const std::string& secret,
                              std::optional<Role> requiredRole, const std::string& action,
                              const std::string& subject, const std::string& meaning,
                              const std::function<Status(const Signature&)>& act, TimePoint now = nowUtc());
    // User name + PIN, for the scripted session (same lockout and audit as a badge sign-in).
    Result<User> signInWithUsernamePin(const std::string& username, const std::string& pin,
                                       TimePoint now = nowUtc());

private:
    struct Attempt;
    Result<User> attemptFromAddress(const store::UserRow& row, bool byBadge, const std::string& secret,
                                    TimePoint now, const char* what, const char* refused);
    Result<User> attempt(const std::string& identity, bool byBadge, const std::string& secret, TimePoint now,
                         const char* what, bool pinByUsername = false);

    // The signer checked, then the e-signature row and `act` in one transaction (both *And forms).
    Result<Signature> signThenAct(const std::string& who, bool byBadge, const std::string& secret,
                                  std::optional<Role> requiredRole, const std::string& action,
                                  const std::string& subject, const std::string& meaning,
                                  const std::function<Status(const Signature&)>& act, TimePoint now);
    // signAs in two halves: the signer's secret and role, then the e-signature row.
    Result<User> verifySigner(const std::string& who, bool byBadge, const std::string& secret,
                              std::optional<Role> requiredRole, const std::string& action,
                              const std::string& subject, TimePoint now, bool pinByUsername);
    Signature recordSignature(const User& user, bool byBadge, const std::string& action,
                              const std::string& subject, const std::string& meaning, TimePoint now);
    Result<Signature> signAs(const std::string& who, bool byBadge, const std::string& secret,
                             std::optional<Role> requiredRole, const std::string& action,
                             const std::string& subject, const std::string& meaning, TimePoint now,
                             bool pinByUsername);
    // The badge as stored: a keyed digest when the station has a pepper, else as given.
    [[nodiscard]] std::string badgeKey(const std::string& badge);
    std::optional<store::UserRow> userByBadge(const std::string& badge);
    void hashClearBadges();

    store::Database& m_db;
    store::AuditLog& m_audit;
    std::optional<std::string> m_pepper;
    std::optional<std::string> m_address;
};

// The signed-in person at the station and the idle lock. Touch, scans and balance readings count as
// activity. Plain value, UI thread.
class Session {
public:
    void start(User user, TimePoint now) {
        m_user = std::move(user);
        m_lastActivity = now;
    }
    void end() { m_user.reset(); }
    void touch(TimePoint now) { m_lastActivity = now; }
    [[nodiscard]] const std::optional<User>& user() const { return m_user; }
    [[nodiscard]] bool idleLocked(TimePoint now, std::chrono::minutes idleLock) const {
        return m_user && now - m_lastActivity >= idleLock;
    }

private:
    std::optional<User> m_user;
    TimePoint m_lastActivity{};
};

} // namespace admix::workflow
