#include "station/workflow/auth.hpp"

#include "formulas/text.hpp"
#include "station/store/audit_seal.hpp"
#include "station/store/settings_repo.hpp"
#include "station/store/user_repo.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <semaphore>
#include <stdexcept>

namespace admix::workflow {

namespace {

void initSodium() {
    if (sodium_init() < 0)
        throw std::runtime_error("libsodium failed to initialise");
}

User toUser(const store::UserRow& row) {
    const auto role = parseRole(row.role);
    return User{row.id, row.username, row.displayName, role ? *role : Role::Technician, row.active};
}

// A hash of a random secret, verified against when the identity is unknown, so that an unknown
// badge and a wrong PIN take the same time and give the same answer.
const std::string& decoyHash() {
    static const std::string hash = hashSecret("decoy-secret-never-valid");
    return hash;
}

int settingInt(store::SettingsRepo& settings, const std::string& key, int fallback) {
    const auto value = settings.get(key);
    if (!value)
        return fallback;
    try {
        return std::stoi(*value);
    } catch (const std::exception&) {
        return fallback;
    }
}

} // namespace

constexpr std::string_view kPepperedPrefix = "$admix-peppered$";
constexpr std::string_view kBadgePrefix = "badge-hmac:";

std::optional<std::string> pinPolicyProblem(const std::string& pin, const AuthPolicy& p) {
    if (!formulas::isAllDigits(pin) || static_cast<int>(pin.size()) < p.pinMinDigits)
        return "must be at least " + std::to_string(p.pinMinDigits) + " digits";
    if (pin.size() > 12)
        return std::string("must be at most 12 digits");
    if (p.pinRefuseRepeated && pin.find_first_not_of(pin.front()) == std::string::npos)
        return std::string("must not be one digit repeated (site policy)");
    if (p.pinRefuseSequential) {
        bool up = true, down = true;
        for (size_t i = 1; i < pin.size(); ++i) {
            up = up && pin[i] == pin[i - 1] + 1;
            down = down && pin[i] == pin[i - 1] - 1;
        }
        if (up || down)
            return std::string("must not be a run of consecutive digits such as 1234 (site policy)");
    }
    return std::nullopt;
}

std::string hashSecret(const std::string& secret, const std::optional<std::string>& pepper) {
    if (!pepper)
        return hashSecret(secret);
    return std::string(kPepperedPrefix) + hashSecret(store::keyedDigestHex(*pepper, secret));
}

bool verifySecret(const std::string& hash, const std::string& secret,
                  const std::optional<std::string>& pepper) {
    if (hash.rfind(kPepperedPrefix, 0) == 0)
        return pepper &&
               verifySecret(hash.substr(kPepperedPrefix.size()), store::keyedDigestHex(*pepper, secret));
    return verifySecret(hash, secret);
}

namespace {
// Argon2id takes 64 MiB and a core for each hash: a burst of sign-ins waits its turn instead of
// taking the machine's memory (eight at once took 519 MB).
std::counting_semaphore<16> g_argon2Slots(2);
struct Argon2Slot {
    Argon2Slot() { g_argon2Slots.acquire(); }
    ~Argon2Slot() { g_argon2Slots.release(); }
    Argon2Slot(const Argon2Slot&) = delete;
    Argon2Slot& operator=(const Argon2Slot&) = delete;
};
} // namespace

std::string hashSecret(const std::string& secret) {
    initSodium();
    const Argon2Slot slot;
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("out of memory while hashing a secret");
    return out;
}

bool verifySecret(const std::string& hash, const std::string& secret) {
    initSodium();
    const Argon2Slot slot;
    return crypto_pwhash_str_verify(hash.c_str(), secret.data(), secret.size()) == 0;
}

Authenticator::Authenticator(store::Database& db, store::AuditLog& audit)
    : m_db(db), m_audit(audit), m_pepper(store::secretPepper(db)) {
    if (m_pepper)
        hashClearBadges();
}

std::string Authenticator::badgeKey(const std::string& badge) {
    return m_pepper ? std::string(kBadgePrefix) + store::keyedDigestHex(*m_pepper, "badge\x1f" + badge)
                    : badge;
}

std::optional<store::UserRow> Authenticator::userByBadge(const std::string& badge) {
    store::UserRepo repo(m_db);
    if (auto row = repo.byBadge(badgeKey(badge)))
        return row;
    return m_pepper ? std::nullopt : repo.byBadge(badge);
}

// Badges written before the station had a pepper are stored in clear: replace them by their digest.
void Authenticator::hashClearBadges() {
    store::UserRepo repo(m_db);
    std::vector<store::UserRow> clear;
    for (const auto& row : repo.all())
        if (row.badge && row.badge->rfind(kBadgePrefix, 0) != 0)
            clear.push_back(row);
    if (clear.empty())
        return;
    store::Transaction tx(m_db);
    for (const auto& row : clear)
        repo.setBadge(row.id, badgeKey(*row.badge));
    m_audit.append("station", "user.badges.hashed", "users", nlohmann::json{{"count", clear.size()}}.dump());
    tx.commit();
}

AuthPolicy Authenticator::policy() {
    store::SettingsRepo settings(m_db);
    AuthPolicy p;
    p.maxFailures = settingInt(settings, "auth.max_failures", p.maxFailures);
    p.lockout = std::chrono::minutes(
        settingInt(settings, "auth.lockout_minutes", static_cast<int>(p.lockout.count())));
    p.idleLock = std::chrono::minutes(
        settingInt(settings, "auth.idle_lock_minutes", static_cast<int>(p.idleLock.count())));
    p.pinMinDigits = settingInt(settings, "auth.pin_min_digits", p.pinMinDigits);
    p.passwordMinLength = settingInt(settings, "auth.password_min_length", p.passwordMinLength);
    p.pinRefuseRepeated = settingInt(settings, "auth.pin_refuse_repeated", p.pinRefuseRepeated ? 1 : 0) != 0;
    p.pinRefuseSequential =
        settingInt(settings, "auth.pin_refuse_sequential", p.pinRefuseSequential ? 1 : 0) != 0;
    return p;
}

Status Authenticator::setAuthPolicy(const User& by, const AuthPolicy& p, TimePoint now) {
    if (by.role != Role::Quality && by.role != Role::Admin)
        return Status::fail("only quality staff or an administrator may change the sign-in policy");
    if (p.maxFailures < 1 || p.maxFailures > 50 || p.lockout.count() < 1 || p.idleLock.count() < 1 ||
        p.idleLock.count() > 240 || p.pinMinDigits < 4 || p.passwordMinLength < 8)
        return Status::fail("policy out of range: failures 1-50, lockout >= 1 min, idle lock 1-240 min, "
                            "PIN >= 4 digits, password >= 8 characters");
    const AuthPolicy old = policy();
    store::SettingsRepo settings(m_db);
    store::Transaction tx(m_db);
    const std::string at = formatIsoUtc(now);
    settings.set("auth.max_failures", std::to_string(p.maxFailures), by.username, at);
    settings.set("auth.lockout_minutes", std::to_string(p.lockout.count()), by.username, at);
    settings.set("auth.idle_lock_minutes", std::to_string(p.idleLock.count()), by.username, at);
    settings.set("auth.pin_min_digits", std::to_string(p.pinMinDigits), by.username, at);
    settings.set("auth.password_min_length", std::to_string(p.passwordMinLength), by.username, at);
    settings.set("auth.pin_refuse_repeated", p.pinRefuseRepeated ? "1" : "0", by.username, at);
    settings.set("auth.pin_refuse_sequential", p.pinRefuseSequential ? "1" : "0", by.username, at);
    const auto asJson = [](const AuthPolicy& a) {
        return nlohmann::json{{"max_failures", a.maxFailures},
                              {"lockout_minutes", a.lockout.count()},
                              {"idle_lock_minutes", a.idleLock.count()},
                              {"pin_min_digits", a.pinMinDigits},
                              {"password_min_length", a.passwordMinLength},
                              {"pin_refuse_repeated", a.pinRefuseRepeated},
                              {"pin_refuse_sequential", a.pinRefuseSequential}};
    };
    m_audit.append(by.username, "policy.auth.change", "auth",
                   nlohmann::json{{"old", asJson(old)}, {"new", asJson(p)}}.dump(), now);
    tx.commit();
    return Status::success();
}

Result<User> Authenticator::addUser(const NewUser& user, const std::optional<User>& by, TimePoint now) {
    store::UserRepo repo(m_db);
    const bool firstUser = repo.count() == 0;
    if (!firstUser && (!by || by->role != Role::Admin))
        return Result<User>::fail("only an administrator may add users");
    if (firstUser && user.role != Role::Admin && by == std::nullopt)
        return Result<User>::fail("the first account on a station must be an administrator");
    const std::string username(formulas::trim(user.username));
    if (username.empty() || username.size() > 64 || username.find_first_of(" \t/\\'\"") != std::string::npos)
        return Result<User>::fail("must be 1 to 64 characters without spaces, quotes or slashes", "username");
    if (formulas::trim(user.displayName).empty())
        return Result<User>::fail("must not be empty", "display name");
    if (!user.pin && !user.password)
        return Result<User>::fail("a user needs a PIN (with a badge) or a password");
    const AuthPolicy p = policy();
    if (user.pin)
        if (const auto problem = pinPolicyProblem(*user.pin, p))
            return Result<User>::fail(*problem, "PIN");
    if (user.password && static_cast<int>(user.password->size()) < p.passwordMinLength)
        return Result<User>::fail("must be at least " + std::to_string(p.passwordMinLength) + " characters",
                                  "password");
    if (user.pin && !user.badge)
        return Result<User>::fail("a PIN signs in together with a badge: give the badge too", "badge");
    if (repo.byUsername(username))
        return Result<User>::fail("'" + username + "' is taken", "username");
    if (user.badge && userByBadge(*user.badge))
        return Result<User>::fail("this badge belongs to another user", "badge");

    store::UserRow row;
    row.username = username;
    row.displayName = std::string(formulas::trim(user.displayName));
    row.role = std::string(roleName(user.role));
    if (user.badge)
        row.badge = badgeKey(*user.badge);
    if (user.pin)
        row.pinHash = hashSecret(*user.pin, m_pepper);
    if (user.password)
        row.passwordHash = hashSecret(*user.password, m_pepper);
    row.createdUtc = formatIsoUtc(now);
    store::Transaction tx(m_db);
    row.id = repo.insert(row);
    m_audit.append(by ? by->username : "setup", "user.add", username,
                   nlohmann::json{{"role", row.role},
                                  {"display_name", row.displayName},
                                  {"badge", user.badge.has_value()}}
                       .dump(),
                   now);
    tx.commit();
    return toUser(row);
}

Status Authenticator::disableUser(const std::string& username, const User& by, TimePoint now) {
    if (by.role != Role::Admin)
        return Status::fail("only an administrator may disable users");
    store::UserRepo repo(m_db);
    const auto row = repo.byUsername(username);
    if (!row)
        return Status::fail("no such user", username);
    if (row->id == by.id)
        return Status::fail("you cannot disable your own account");
    store::Transaction tx(m_db);
    repo.setActive(row->id, false);
    m_audit.append(by.username, "user.disable", row->username, "{}", now);
    tx.commit();
    return Status::success();
}

Status Authenticator::enableUser(const std::string& username, const User& by, TimePoint now) {
    if (by.role != Role::Admin)
        return Status::fail("only an administrator may enable users");
    store::UserRepo repo(m_db);
    const auto row = repo.byUsername(username);
    if (!row)
        return Status::fail("no such user", username);
    store::Transaction tx(m_db);
    repo.setActive(row->id, true);
    repo.recordSuccess(row->id); // clears failures and any lock
    m_audit.append(
        by.username, "user.enable", row->username,
        nlohmann::json{{"was_active", row->active}, {"was_locked", row->lockedUntilUtc.has_value()}}.dump(),
        now);
    tx.commit();
    return Status::success();
}

Status Authenticator::resetSecrets(const std::string& username, const std::optional<std::string>& pin,
                                   const std::optional<std::string>& password, const User& by,
                                   TimePoint now) {
    if (by.role != Role::Admin)
        return Status::fail("only an administrator may reset a PIN or password");
    if (!pin && !password)
        return Status::fail("give a new PIN, a new password, or both");
    store::UserRepo repo(m_db);
    const auto row = repo.byUsername(username);
    if (!row)
        return Status::fail("no such user", username);
    const AuthPolicy p = policy();
    if (pin) {
        if (const auto problem = pinPolicyProblem(*pin, p))
            return Status::fail(*problem, "PIN");
        if (!row->badge)
            return Status::fail("a PIN signs in together with a badge, and " + username + " has none",
                                "badge");
    }
    if (password && static_cast<int>(password->size()) < p.passwordMinLength)
        return Status::fail("must be at least " + std::to_string(p.passwordMinLength) + " characters",
                            "password");
    store::Transaction tx(m_db);
    if (pin)
        repo.setPinHash(row->id, hashSecret(*pin, m_pepper));
    if (password)
        repo.setPasswordHash(row->id, hashSecret(*password, m_pepper));
    repo.recordSuccess(row->id);
    m_audit.append(by.username, "user.secret.reset", row->username,
                   nlohmann::json{{"pin", pin.has_value()}, {"password", password.has_value()}}.dump(), now);
    tx.commit();
    return Status::success();
}

Status Authenticator::changeRole(const std::string& username, Role role, const User& by, TimePoint now) {
    if (by.role != Role::Admin)
        return Status::fail("only an administrator may change roles");
    store::UserRepo repo(m_db);
    const auto row = repo.byUsername(username);
    if (!row)
        return Status::fail("no such user", username);
    if (row->id == by.id)
        return Status::fail("you cannot change your own role; another administrator must");
    if (row->role == roleName(role))
        return Status::fail(username + " is a " + row->role + " already");
    store::Transaction tx(m_db);
    repo.setRole(row->id, std::string(roleName(role)));
    m_audit.append(by.username, "user.role.change", row->username,
                   nlohmann::json{{"old", row->role}, {"new", roleName(role)}}.dump(), now);
    tx.commit();
    return Status::success();
}

std::vector<User> Authenticator::users() {
    std::vector<User> out;
    for (const auto& row : store::UserRepo(m_db).all())
        out.push_back(toUser(row));
    return out;
}

std::optional<User> Authenticator::findByUsername(const std::string& username) {
    const auto row = store::UserRepo(m_db).byUsername(username);
    if (!row)
        return std::nullopt;
    return toUser(*row);
}

Result<User> Authenticator::attempt(const std::string& identity, bool byBadge, const std::string& secret,
                                    TimePoint now, const char* what, bool pinByUsername) {
    store::UserRepo repo(m_db);
    if (pinByUsername)
        byBadge = true; // the PIN is checked, the person found by user name
    const auto row = byBadge && !pinByUsername ? userByBadge(identity) : repo.byUsername(identity);
    const char* refused = byBadge ? "badge or PIN not recognised" : "user name or password not recognised";
    if (!row) {
        (void)verifySecret(decoyHash(), secret);
        m_audit.append("unknown", std::string(what) + ".fail", "",
                       nlohmann::json{{"reason", "unknown identity"}}.dump(), now);
        return Result<User>::fail(refused);
    }
    if (!row->active) {
        m_audit.append(row->username, std::string(what) + ".fail", row->username,
                       nlohmann::json{{"reason", "account disabled"}}.dump(), now);
        return Result<User>::fail("this account is disabled; ask an administrator");
    }
    if (m_address)
        return attemptFromAddress(*row, byBadge, secret, now, what, refused);
    if (row->lockedUntilUtc) {
        const auto until = parseIsoUtc(*row->lockedUntilUtc);
        if (until && now < *until) {
            m_audit.append(row->username, std::string(what) + ".fail", row->username,
                           nlohmann::json{{"reason", "locked"}}.dump(), now);
            return Result<User>::fail("this account is locked after too many failed attempts until " +
                                      formatLocal(*until) + "; ask an administrator");
        }
    }
    const std::optional<std::string>& hash = byBadge ? row->pinHash : row->passwordHash;
    if (!hash || !verifySecret(*hash, secret, m_pepper)) {
        const AuthPolicy p = policy();
        // A lock that has run out starts a fresh count.
        const bool expiredLock = row->lockedUntilUtc.has_value();
        const int failures = (expiredLock ? 0 : row->failedAttempts) + 1;
        std::optional<std::string> lockedUntil;
        if (failures >= p.maxFailures)
            lockedUntil = formatIsoUtc(now + p.lockout);
        store::Transaction tx(m_db);
        repo.recordFailure(row->id, failures, lockedUntil);
        m_audit.append(row->username, std::string(what) + ".fail", row->username,
                       nlohmann::json{{"reason", "wrong secret"},
                                      {"failures", failures},
                                      {"locked", lockedUntil.has_value()}}
                           .dump(),
                       now);
        tx.commit();
        // The same words as for an unknown badge or user name: a count of attempts left would tell
        // a guesser which accounts exist.
        return Result<User>::fail(refused);
    }
    store::Transaction tx(m_db);
    repo.recordSuccess(row->id);
    // A hash made before the station had a pepper is replaced now that the secret is at hand.
    if (m_pepper && hash->rfind(kPepperedPrefix, 0) != 0) {
        if (byBadge)
            repo.setPinHash(row->id, hashSecret(secret, m_pepper));
        else
            repo.setPasswordHash(row->id, hashSecret(secret, m_pepper));
    }
    tx.commit();
    return toUser(*row);
}

Result<User> Authenticator::attemptFromAddress(const store::UserRow& row, bool byBadge,
                                               const std::string& secret, TimePoint now, const char* what,
                                               const char* refused) {
    store::UserRepo repo(m_db);
    const std::string& address = *m_address;
    const auto previous = repo.webFailure(row.username, address);
    if (previous && previous->lockedUntilUtc) {
        const auto until = parseIsoUtc(*previous->lockedUntilUtc);
        if (until && now < *until) {
            m_audit.append(
                row.username, std::string(what) + ".fail", row.username,
                nlohmann::json{{"reason", "locked from this address"}, {"address", address}}.dump(), now);
            return Result<User>::fail(
                "this account is locked from this address after too many failed attempts until " +
                formatLocal(*until) + "; sign in from another computer or ask an administrator");
        }
    }
    const std::optional<std::string>& hash = byBadge ? row.pinHash : row.passwordHash;
    if (!hash || !verifySecret(*hash, secret, m_pepper)) {
        const AuthPolicy p = policy();
        // A lock that has run out starts a fresh count.
        const bool fresh = !previous || previous->lockedUntilUtc.has_value();
        store::WebFailureRow next;
        next.failures = (fresh ? 0 : previous->failures) + 1;
        next.firstUtc = fresh ? formatIsoUtc(now) : previous->firstUtc;
        next.lastUtc = formatIsoUtc(now);
        if (next.failures >= p.maxFailures)
            next.lockedUntilUtc = formatIsoUtc(now + p.lockout);
        store::Transaction tx(m_db);
        repo.recordWebFailure(row.username, address, next);
        m_audit.append(row.username, std::string(what) + ".fail", row.username,
                       nlohmann::json{{"reason", "wrong secret"},
                                      {"address", address},
                                      {"failures", next.failures},
                                      {"locked", next.lockedUntilUtc.has_value()}}
                           .dump(),
                       now);
        // Guesses at one account from several places: quality staff hear of it once per address added.
        constexpr int kPatternAddresses = 3;
        const int addresses =
            repo.webFailureAddressesSince(row.username, formatIsoUtc(now - std::chrono::hours{1}));
        if (addresses >= kPatternAddresses && next.failures == 1)
            m_audit.append(
                "system", "security.alert", row.username,
                nlohmann::json{{"pattern", "failed sign-ins for one account from several addresses"},
                               {"addresses_last_hour", addresses},
                               {"latest_address", address}}
                    .dump(),
                now);
        tx.commit();
        return Result<User>::fail(refused);
    }
    store::Transaction tx(m_db);
    repo.clearWebFailures(row.username, address);
    if (m_pepper && hash->rfind(kPepperedPrefix, 0) != 0) {
        if (byBadge)
            repo.setPinHash(row.id, hashSecret(secret, m_pepper));
        else
            repo.setPasswordHash(row.id, hashSecret(secret, m_pepper));
    }
    tx.commit();
    return toUser(row);
}

Result<User> Authenticator::signInWithBadge(const std::string& badge, const std::string& pin, TimePoint now) {
    auto user = attempt(badge, true, pin, now, "signin");
    if (user)
        m_audit.append(user->username, "signin", user->username, R"({"method":"badge+pin"})", now);
    return user;
}

Result<User> Authenticator::signInWithUsernamePin(const std::string& username, const std::string& pin,
                                                  TimePoint now) {
    auto user = attempt(username, true, pin, now, "signin", true);
    if (user)
        m_audit.append(user->username, "signin", user->username, R"({"method":"username+pin"})", now);
    return user;
}

Result<User> Authenticator::signInWithPassword(const std::string& username, const std::string& password,
                                               TimePoint now) {
    auto user = attempt(username, false, password, now, "signin");
    if (user)
        m_audit.append(user->username, "signin", user->username, R"({"method":"password"})", now);
    return user;
}

Result<Signature> Authenticator::sign(const std::string& who, const std::string& secret,
                                      std::optional<Role> requiredRole, const std::string& action,
                                      const std::string& subject, const std::string& meaning, TimePoint now,
                                      bool pinByUsername) {
    if (formulas::trim(meaning).empty())
        return Result<Signature>::fail("an e-signature needs its meaning (a reason or decision)");
    // A badge or a user name may identify the signer.
    const bool byBadge = !pinByUsername && userByBadge(who).has_value();
    return signAs(who, byBadge, secret, requiredRole, action, subject, meaning, now, pinByUsername);
}

Result<Signature> Authenticator::signWithPassword(const std::string& username, const std::string& password,
                                                  std::optional<Role> requiredRole, const std::string& action,
                                                  const std::string& subject, const std::string& meaning,
                                                  TimePoint now) {
    if (formulas::trim(meaning).empty())
        return Result<Signature>::fail("an e-signature needs its meaning (a reason or decision)");
    if (formulas::trim(username).empty())
        return Result<Signature>::fail("type your user name to sign");
    return signAs(username, false, password, requiredRole, action, subject, meaning, now, false);
}

Result<User> Authenticator::verifySigner(const std::string& who, bool byBadge, const std::string& secret,
                                         std::optional<Role> requiredRole, const std::string& action,
                                         const std::string& subject, TimePoint now, bool pinByUsername) {
    auto user = attempt(who, byBadge, secret, now, "esign", pinByUsername);
    if (!user)
        return user.error();
    if (requiredRole && user->role != *requiredRole) {
        m_audit.append(user->username, "esign.refused", subject,
                       nlohmann::json{{"action", action}, {"required_role", roleName(*requiredRole)}}.dump(),
                       now);
        return Result<User>::fail("this needs the signature of a " + std::string(roleName(*requiredRole)) +
                                  "; " + user->displayName + " is a " + std::string(roleName(user->role)));
    }
    return user;
}

Signature Authenticator::recordSignature(const User& user, bool byBadge, const std::string& action,
                                         const std::string& subject, const std::string& meaning,
                                         TimePoint now) {
    Signature sig{user, action, subject, meaning, formatIsoUtc(now), 0};
    sig.auditId = m_audit.append(user.username, "esign", subject,
                                 nlohmann::json{{"action", action},
                                                {"meaning", meaning},
                                                {"role", roleName(user.role)},
                                                {"method", byBadge ? "badge+pin" : "password"}}
                                     .dump(),
                                 now);
    return sig;
}

Result<Signature> Authenticator::signAs(const std::string& who, bool byBadge, const std::string& secret,
                                        std::optional<Role> requiredRole, const std::string& action,
                                        const std::string& subject, const std::string& meaning, TimePoint now,
                                        bool pinByUsername) {
    auto user = verifySigner(who, byBadge, secret, requiredRole, action, subject, now, pinByUsername);
    if (!user)
        return user.error();
    return recordSignature(*user, byBadge, action, subject, meaning, now);
}

Result<Signature> Authenticator::signWithPasswordAnd(const std::string& username, const std::string& password,
                                                     std::optional<Role> requiredRole,
                                                     const std::string& action, const std::string& subject,
                                                     const std::string& meaning,
                                                     const std::function<Status(const Signature&)>& act,
                                                     TimePoint now) {
    if (formulas::trim(meaning).empty())
        return Result<Signature>::fail("an e-signature needs its meaning (a reason or decision)");
    if (formulas::trim(username).empty())
        return Result<Signature>::fail("type your user name to sign");
    return signThenAct(username, false, password, requiredRole, action, subject, meaning, act, now);
}

Result<Signature> Authenticator::signAnd(const std::string& who, const std::string& secret,
                                         std::optional<Role> requiredRole, const std::string& action,
                                         const std::string& subject, const std::string& meaning,
                                         const std::function<Status(const Signature&)>& act, TimePoint now) {
    if (formulas::trim(meaning).empty())
        return Result<Signature>::fail("an e-signature needs its meaning (a reason or decision)");
    const bool byBadge = userByBadge(who).has_value();
    return signThenAct(who, byBadge, secret, requiredRole, action, subject, meaning, act, now);
}

Result<Signature> Authenticator::signThenAct(const std::string& who, bool byBadge, const std::string& secret,
                                             std::optional<Role> requiredRole, const std::string& action,
                                             const std::string& subject, const std::string& meaning,
                                             const std::function<Status(const Signature&)>& act,
                                             TimePoint now) {
    auto user = verifySigner(who, byBadge, secret, requiredRole, action, subject, now, false);
    if (!user)
        return user.error();
    store::Transaction tx(m_db);
    Signature sig = recordSignature(*user, byBadge, action, subject, meaning, now);
    const Status done = act(sig);
    if (!done)
        return done.error(); // rolled back: the signature row goes with the refused act
    tx.commit();
    return sig;
}

} // namespace admix::workflow
