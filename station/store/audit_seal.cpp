#include "station/store/audit_seal.hpp"

#include "formulas/time.hpp"
#include "station/store/audit_log.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>

namespace admix::store {

namespace fs = std::filesystem;
using nlohmann::json;

// [SECTION] Helpers -------------------------------------------------------------------------------

namespace {

std::mutex g_configMutex;
std::optional<fs::path> g_keyDirOverride;
bool g_sealingEnabled = false;

constexpr const char* kSigningKeyFile = "audit-signing.key";
constexpr const char* kTrustedKeysFile = "trusted-keys";
constexpr const char* kHeadFile = "audit-head.json";
constexpr const char* kPepperFile = "pin-pepper";

void initSodium() {
    if (sodium_init() < 0)
        throw StoreError("libsodium failed to initialise");
}

std::string toHex(const unsigned char* data, size_t size) {
    std::string out(size * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), data, size);
    out.pop_back();
    return out;
}

std::optional<std::string> fromHex(const std::string& hex, size_t expected) {
    std::string out(expected, '\0');
    size_t len = 0;
    if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), expected, hex.data(), hex.size(),
                       nullptr, &len, nullptr) != 0 ||
        len != expected)
        return std::nullopt;
    return out;
}

std::optional<std::string> readSmallFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
        s.pop_back();
    return s;
}

// Written to a temporary file, fsynced, renamed over the old one: a crash leaves the old or the new.
void writeFileAtomically(const fs::path& path, const std::string& content) {
    const fs::path tmp = path.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        throw StoreError("cannot write " + tmp.string() + ": " + std::strerror(errno));
    size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            throw StoreError("cannot write " + tmp.string() + ": " + std::strerror(err));
        }
        done += static_cast<size_t>(n);
    }
    ::fchmod(fd, 0600);
    if (::fsync(fd) != 0 || ::close(fd) != 0)
        throw StoreError("cannot write " + tmp.string() + ": " + std::strerror(errno));
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        throw StoreError("cannot replace " + path.string() + ": " + std::strerror(errno));
    const int dirFd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
}

std::string keyIdOf(const std::string& publicKey) {
    return sha256Hex(publicKey).substr(0, 16);
}

struct Row {
    int64_t id = 0;
    std::string hash;
};

std::optional<Row> newestRow(Database& db) {
    Statement s = db.prepare("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
    if (!s.step())
        return std::nullopt;
    return Row{s.columnInt(0), s.columnText(1)};
}

std::optional<std::string> hashOfRow(Database& db, int64_t id) {
    Statement s = db.prepare("SELECT hash FROM audit_log WHERE id = ?1");
    s.bind(1, id);
    if (!s.step())
        return std::nullopt;
    return s.columnText(0);
}

std::optional<AuditKeyDir::Head> latestCheckpoint(Database& db) {
    Statement s = db.prepare("SELECT upto_id, upto_hash, at_utc, key_id, signature FROM audit_checkpoints "
                             "ORDER BY id DESC LIMIT 1");
    if (!s.step())
        return std::nullopt;
    return AuditKeyDir::Head{s.columnInt(0), s.columnText(1), s.columnText(2), s.columnText(3),
                             s.columnText(4)};
}

// Why the rows after `anchor` do not continue it (empty: they do).
std::string continuesFrom(Database& db, const AuditKeyDir::Head& anchor, int64_t newestId) {
    if (newestId < anchor.uptoId)
        return "the trail ends at row " + std::to_string(newestId) + " but row " +
               std::to_string(anchor.uptoId) + " was signed: the newest rows were removed";
    std::string prev = AuditLog::kGenesisHash;
    if (anchor.uptoId > 0) {
        const auto hash = hashOfRow(db, anchor.uptoId);
        if (!hash || *hash != anchor.uptoHash)
            return "row " + std::to_string(anchor.uptoId) + " is not the row that was signed at " +
                   anchor.atUtc;
        prev = *hash;
    }
    Statement s =
        db.prepare("SELECT id, at_utc, actor, action, subject, details, prev_hash, hash FROM audit_log"
                   " WHERE id > ?1 ORDER BY id");
    s.bind(1, anchor.uptoId);
    while (s.step()) {
        const AuditEntry e{s.columnInt(0),  s.columnText(1), s.columnText(2), s.columnText(3),
                           s.columnText(4), s.columnText(5), s.columnText(6), s.columnText(7)};
        if (e.prevHash != prev || auditEntryHash(e) != e.hash)
            return "row " + std::to_string(e.id) + " does not fit the chain";
        prev = e.hash;
    }
    return {};
}

} // namespace

// [SECTION] Key directory -------------------------------------------------------------------------

fs::path auditKeyDirFor(const std::string& databasePath) {
    {
        std::lock_guard lock(g_configMutex);
        if (g_keyDirOverride)
            return *g_keyDirOverride;
    }
    fs::path dir = fs::absolute(fs::path(databasePath)).parent_path();
    const std::string name = dir.filename().string();
    return dir.parent_path() / (name.empty() ? std::string("admix-keys") : name + "-keys");
}

void setAuditKeyDirOverride(std::optional<fs::path> dir) {
    std::lock_guard lock(g_configMutex);
    g_keyDirOverride = std::move(dir);
}

void setAuditSealingEnabled(bool enabled) {
    std::lock_guard lock(g_configMutex);
    g_sealingEnabled = enabled;
}

bool auditSealingEnabled() {
    std::lock_guard lock(g_configMutex);
    return g_sealingEnabled;
}

void AuditKeyDir::tighten() const {
    std::error_code ec;
    if (!fs::exists(m_dir, ec)) {
        fs::create_directories(m_dir, ec);
        if (ec)
            throw StoreError("cannot create the audit key directory " + m_dir.string() + ": " + ec.message());
    }
    fs::permissions(m_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    for (const auto& entry : fs::directory_iterator(m_dir, ec))
        if (entry.is_regular_file())
            fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::owner_write,
                            fs::perm_options::replace, ec);
}

bool AuditKeyDir::hasSigningKey() const {
    return fs::exists(m_dir / kSigningKeyFile);
}

TrustedKey AuditKeyDir::createSigningKey(const std::string& atUtc) {
    initSodium();
    tighten();
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    const std::string publicKey(reinterpret_cast<const char*>(pk), sizeof pk);
    TrustedKey key{keyIdOf(publicKey), toHex(pk, sizeof pk), atUtc};
    // The public key is trusted before the secret key is used, so no signature is ever made by a
    // key that verify does not know.
    std::string trusted = readSmallFile(m_dir / kTrustedKeysFile).value_or("");
    if (!trusted.empty())
        trusted += '\n';
    trusted += key.keyId + ' ' + key.publicHex + ' ' + atUtc + '\n';
    writeFileAtomically(m_dir / kTrustedKeysFile, trusted);
    writeFileAtomically(m_dir / kSigningKeyFile, toHex(sk, sizeof sk) + '\n');
    sodium_memzero(sk, sizeof sk);
    return key;
}

std::optional<TrustedKey> AuditKeyDir::signingPublicKey() const {
    const auto text = readSmallFile(m_dir / kSigningKeyFile);
    if (!text)
        return std::nullopt;
    const auto sk = fromHex(*text, crypto_sign_SECRETKEYBYTES);
    if (!sk)
        throw StoreError("the audit signing key " + (m_dir / kSigningKeyFile).string() + " is damaged");
    // An Ed25519 secret key in libsodium ends with its public key.
    const std::string publicKey = sk->substr(crypto_sign_SECRETKEYBYTES - crypto_sign_PUBLICKEYBYTES);
    return TrustedKey{keyIdOf(publicKey),
                      toHex(reinterpret_cast<const unsigned char*>(publicKey.data()), publicKey.size()), ""};
}

std::vector<TrustedKey> AuditKeyDir::trustedKeys() const {
    std::vector<TrustedKey> out;
    std::istringstream lines(readSmallFile(m_dir / kTrustedKeysFile).value_or(""));
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        TrustedKey k;
        if (fields >> k.keyId >> k.publicHex) {
            fields >> k.createdUtc;
            const auto pk = fromHex(k.publicHex, crypto_sign_PUBLICKEYBYTES);
            if (pk && keyIdOf(*pk) == k.keyId)
                out.push_back(k);
        }
    }
    return out;
}

std::string AuditKeyDir::sign(const std::string& message) const {
    initSodium();
    const auto text = readSmallFile(m_dir / kSigningKeyFile);
    if (!text)
        throw StoreError("no audit signing key in " + m_dir.string());
    auto sk = fromHex(*text, crypto_sign_SECRETKEYBYTES);
    if (!sk)
        throw StoreError("the audit signing key " + (m_dir / kSigningKeyFile).string() + " is damaged");
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                         reinterpret_cast<const unsigned char*>(sk->data()));
    sodium_memzero(sk->data(), sk->size());
    return toHex(sig, sizeof sig);
}

std::string AuditKeyDir::pepper(bool create) {
    if (const auto text = readSmallFile(m_dir / kPepperFile)) {
        if (const auto bytes = fromHex(*text, 32))
            return *bytes;
        throw StoreError("the PIN pepper " + (m_dir / kPepperFile).string() + " is damaged");
    }
    if (!create)
        return {};
    initSodium();
    tighten();
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    writeFileAtomically(m_dir / kPepperFile, toHex(bytes, sizeof bytes) + '\n');
    return std::string(reinterpret_cast<const char*>(bytes), sizeof bytes);
}

std::optional<AuditKeyDir::Head> AuditKeyDir::readHead() const {
    const auto text = readSmallFile(m_dir / kHeadFile);
    if (!text)
        return std::nullopt;
    const json j = json::parse(*text, nullptr, false);
    if (!j.is_object() || !j.contains("upto_id") || !j["upto_id"].is_number_integer())
        throw StoreError("the audit head " + (m_dir / kHeadFile).string() + " is damaged");
    return Head{j["upto_id"].get<int64_t>(), j.value("upto_hash", ""), j.value("at_utc", ""),
                j.value("key_id", ""), j.value("signature", "")};
}

void AuditKeyDir::writeHead(const Head& head) {
    tighten();
    writeFileAtomically(m_dir / kHeadFile, json{{"upto_id", head.uptoId},
                                                {"upto_hash", head.uptoHash},
                                                {"at_utc", head.atUtc},
                                                {"key_id", head.keyId},
                                                {"signature", head.signature}}
                                                   .dump() +
                                               "\n");
}

std::string checkpointMessage(int64_t uptoId, const std::string& uptoHash, const std::string& atUtc,
                              const std::string& keyId) {
    return "admix-audit-checkpoint-v1\n" + std::to_string(uptoId) + "\n" + uptoHash + "\n" + atUtc + "\n" +
           keyId;
}

bool verifySignature(const std::string& publicHex, const std::string& message,
                     const std::string& signatureHex) {
    initSodium();
    const auto pk = fromHex(publicHex, crypto_sign_PUBLICKEYBYTES);
    const auto sig = fromHex(signatureHex, crypto_sign_BYTES);
    if (!pk || !sig)
        return false;
    return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig->data()),
                                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                       reinterpret_cast<const unsigned char*>(pk->data())) == 0;
}

// [SECTION] Sealing -------------------------------------------------------------------------------

void AuditSealer::ensureKey(Database& db) {
    if (m_keyChecked)
        return;
    m_keyChecked = true;
    if (m_keys.hasSigningKey()) {
        m_keys.tighten();
        return;
    }
    const std::string at = formatIsoUtc(nowUtc());
    const int64_t earlier = db.queryInt("SELECT count(*) FROM audit_checkpoints").value_or(0);
    const TrustedKey key = m_keys.createSigningKey(at);
    AuditLog(db).append("station", "audit.key.create", "audit",
                        json{{"key_id", key.keyId},
                             {"public_key", key.publicHex},
                             {"key_dir", m_keys.path().string()},
                             {"earlier_checkpoints", earlier}}
                            .dump());
}

bool AuditSealer::sealNow(Database& db) {
    if (!sqlite3_get_autocommit(db.handle()))
        return true; // inside the caller's transaction: sealed after it commits
    ensureKey(db);
    Transaction tx(db);
    const auto newest = newestRow(db);
    const auto last = latestCheckpoint(db);
    if (!newest || (last && last->uptoId == newest->id && last->uptoHash == newest->hash)) {
        m_lastSealedId = newest ? newest->id : 0;
        return true;
    }
    // Sign only a trail that continues the last head signed (the file outside the database first:
    // the table inside could have been emptied along with the rows).
    std::optional<AuditKeyDir::Head> anchor = m_keys.readHead();
    if (!anchor || (last && last->uptoId > anchor->uptoId))
        anchor = last ? last : std::optional<AuditKeyDir::Head>(AuditKeyDir::Head{0, "", "", "", ""});
    if (const std::string why = continuesFrom(db, *anchor, newest->id); !why.empty()) {
        m_error = "the audit trail was not sealed: " + why + " (run `admix audit verify`)";
        if (!m_warned)
            std::cerr << "admix: " << m_error << '\n';
        m_warned = true;
        return false;
    }
    const auto key = m_keys.signingPublicKey();
    if (!key)
        throw StoreError("no audit signing key in " + m_keys.path().string());
    AuditKeyDir::Head head{newest->id, newest->hash, formatIsoUtc(nowUtc()), key->keyId, ""};
    head.signature = m_keys.sign(checkpointMessage(head.uptoId, head.uptoHash, head.atUtc, head.keyId));
    Statement insert =
        db.prepare("INSERT INTO audit_checkpoints(upto_id, upto_hash, at_utc, key_id, signature)"
                   " VALUES (?1, ?2, ?3, ?4, ?5)");
    insert.bind(1, head.uptoId)
        .bind(2, head.uptoHash)
        .bind(3, head.atUtc)
        .bind(4, head.keyId)
        .bind(5, head.signature);
    insert.run();
    // Written while the write lock is held, so two processes never leave an older head behind.
    m_keys.writeHead(head);
    m_sealing = true;
    try {
        tx.commit();
    } catch (...) {
        m_sealing = false;
        throw;
    }
    m_sealing = false;
    m_lastSealedId = head.uptoId;
    m_lastSealAt = std::chrono::steady_clock::now();
    m_error.clear();
    return true;
}

void AuditSealer::afterCommit(Database& db) {
    if (m_sealing)
        return;
    try {
        if (m_lastSealedId < 0) {
            const auto last = latestCheckpoint(db);
            m_lastSealedId = last ? last->uptoId : 0;
        }
        const int64_t newest = db.queryInt("SELECT max(id) FROM audit_log").value_or(0);
        const bool rowsDue = newest - m_lastSealedId >= m_policy.everyRows;
        const bool timeDue = newest > m_lastSealedId &&
                             std::chrono::steady_clock::now() - m_lastSealAt >= m_policy.everyMinutes;
        if (rowsDue || timeDue)
            sealNow(db);
    } catch (const std::exception& e) {
        m_error = std::string("the audit trail was not sealed: ") + e.what();
        if (!m_warned)
            std::cerr << "admix: " << m_error << '\n';
        m_warned = true;
    }
}

void AuditSealer::beforeClose(Database& db) noexcept {
    try {
        sealNow(db);
    } catch (const std::exception& e) {
        std::cerr << "admix: the audit trail was not sealed at close: " << e.what() << '\n';
    } catch (...) {
    }
}

void AuditSealer::rotateKey(Database& db, const std::string& actor) {
    ensureKey(db);
    if (!sealNow(db))
        throw StoreError(m_error);
    const auto old = m_keys.signingPublicKey();
    const std::string at = formatIsoUtc(nowUtc());
    const TrustedKey fresh = m_keys.createSigningKey(at);
    // Everything before the rotation was sealed by the old key just above; the rotation row and
    // what follows are sealed by the new one. Both public keys stay in trusted-keys.
    AuditLog(db).append(actor, "audit.key.rotate", "audit",
                        json{{"key_id", fresh.keyId},
                             {"public_key", fresh.publicHex},
                             {"previous_key_id", old ? old->keyId : ""},
                             {"key_dir", m_keys.path().string()}}
                            .dump());
    if (!sealNow(db))
        throw StoreError(m_error);
}

std::shared_ptr<AuditSealer> attachSealer(Database& db, const fs::path& keyDir, SealPolicy policy) {
    auto sealer = std::make_shared<AuditSealer>(keyDir, policy);
    db.setObserver(sealer);
    return sealer;
}

std::optional<std::string> secretPepper(Database& db) {
    auto* sealer = dynamic_cast<AuditSealer*>(db.observer());
    if (!sealer)
        return std::nullopt;
    return sealer->keys().pepper(true);
}

std::string keyedDigestHex(const std::string& key, const std::string& text) {
    initSodium();
    unsigned char out[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    crypto_auth_hmacsha256_final(&state, out);
    return toHex(out, sizeof out);
}

// [SECTION] Verification --------------------------------------------------------------------------

int64_t AuditReport::firstBadId() const {
    int64_t first = 0;
    for (const auto& f : findings)
        if (f.rowId > 0 && (first == 0 || f.rowId < first))
            first = f.rowId;
    return first;
}

namespace {

struct Decision {
    int64_t rowId;
    std::string action; // prep.release / prep.reject
    std::string actor;
    json details;
};

void checkPreparations(Database& db, AuditReport& report) {
    // Decision rows and e-signature rows about preparations, by subject.
    std::map<std::string, std::vector<Decision>> decisions;
    std::map<int64_t, AuditEntry> esigns;
    Statement rows =
        db.prepare("SELECT id, at_utc, actor, action, subject, details, prev_hash, hash FROM audit_log"
                   " WHERE action IN ('prep.release', 'prep.reject', 'esign') ORDER BY id");
    while (rows.step()) {
        AuditEntry e{rows.columnInt(0),  rows.columnText(1), rows.columnText(2), rows.columnText(3),
                     rows.columnText(4), rows.columnText(5), rows.columnText(6), rows.columnText(7)};
        if (e.action == "esign")
            esigns.emplace(e.id, e);
        else
            decisions[e.subject].push_back(
                Decision{e.id, e.action, e.actor, json::parse(e.details, nullptr, false)});
    }
    const auto add = [&report](int64_t rowId, const std::string& subject, const std::string& message) {
        report.findings.push_back(AuditFinding{"preparation", rowId, subject, message});
    };
    Statement preps =
        db.prepare("SELECT prep_number, status, checked_by, check_outcome FROM preparations ORDER BY id");
    while (preps.step()) {
        ++report.preparationsChecked;
        const std::string number = preps.columnText(0);
        const std::string status = preps.columnText(1);
        const std::string checkedBy = preps.columnText(2);
        const std::string outcome = preps.columnText(3);
        const auto it = decisions.find(number);
        const std::vector<Decision> none;
        const std::vector<Decision>& list = it == decisions.end() ? none : it->second;
        for (const Decision& d : list) {
            const std::string wanted = d.action == "prep.release" ? "prep.approve" : "prep.reject";
            const int64_t sigId =
                d.details.is_object() ? d.details.value("signature_audit_id", int64_t{0}) : 0;
            const auto sig = esigns.find(sigId);
            if (sig == esigns.end()) {
                add(d.rowId, number,
                    number + ": the " + d.action + " in row " + std::to_string(d.rowId) +
                        " cites e-signature row " + std::to_string(sigId) + ", which is not an e-signature");
                continue;
            }
            const json sd = json::parse(sig->second.details, nullptr, false);
            const std::string signedAction = sd.is_object() ? sd.value("action", "") : "";
            if (sig->second.subject != number || signedAction != wanted || sig->second.actor != d.actor)
                add(d.rowId, number,
                    number + ": row " + std::to_string(d.rowId) + " records " + d.action + " by " + d.actor +
                        ", but the e-signature it cites (row " + std::to_string(sigId) + ") is " +
                        sig->second.actor + "'s signature of " + signedAction + " on " + sig->second.subject);
        }
        const bool decided = status == "released" || status == "rejected";
        if (!decided) {
            if (!list.empty())
                add(list.back().rowId, number,
                    number + " is " + status + ", but row " + std::to_string(list.back().rowId) +
                        " records its " + list.back().action);
            continue;
        }
        const std::string wantedAction = status == "released" ? "prep.release" : "prep.reject";
        const std::string wantedOutcome = status == "released" ? "approved" : "rejected";
        if (list.empty()) {
            add(0, number, number + " is " + status + " but the trail has no decision row for it");
            continue;
        }
        const Decision& last = list.back();
        if (last.action != wantedAction)
            add(last.rowId, number,
                number + " is " + status + " but its last decision in the trail (row " +
                    std::to_string(last.rowId) + ") is " + last.action);
        else if (last.actor != checkedBy || outcome != wantedOutcome)
            add(last.rowId, number,
                number + ": checked by " + checkedBy + " (" + outcome + ") in the table, but row " +
                    std::to_string(last.rowId) + " records " + last.action + " by " + last.actor);
    }
}

} // namespace

AuditReport verifyAuditTrail(Database& db, const fs::path& keyDir) {
    AuditReport report;
    AuditLog log(db);
    report.rows = log.count();
    const auto newest = newestRow(db);
    report.headHash = newest ? newest->hash : "";
    if (const auto broken = log.verify())
        report.findings.push_back(AuditFinding{"chain", broken->id, "",
                                               "row " + std::to_string(broken->id) + ": " + broken->reason});

    AuditKeyDir keys(keyDir);
    std::map<std::string, TrustedKey> trusted;
    for (const auto& k : keys.trustedKeys())
        trusted.emplace(k.keyId, k);
    // A trail that was never sealed (no checkpoint: a database written without the station's key, such
    // as a test driver's) has no signature to check; the chain above is all there is. Once sealed, a
    // missing key directory is a finding.
    const bool everSealed = db.prepare("SELECT 1 FROM audit_checkpoints LIMIT 1").step();
    if (trusted.empty() && everSealed)
        report.findings.push_back(AuditFinding{"key", 0, "",
                                               "no trusted audit key in " + keyDir.string() +
                                                   ": the signatures cannot be checked (give the "
                                                   "station's key directory)"});

    // Checkpoints: signed by a trusted key, and the row they sign still carries the signed hash.
    int64_t lastGood = 0;
    Statement cps = db.prepare(
        "SELECT id, upto_id, upto_hash, at_utc, key_id, signature FROM audit_checkpoints ORDER BY id");
    while (cps.step()) {
        ++report.checkpoints;
        const int64_t id = cps.columnInt(0);
        const int64_t upto = cps.columnInt(1);
        const std::string hash = cps.columnText(2), at = cps.columnText(3), keyId = cps.columnText(4),
                          sig = cps.columnText(5);
        const auto key = trusted.find(keyId);
        if (key == trusted.end()) {
            if (!trusted.empty())
                report.findings.push_back(AuditFinding{"checkpoint", upto, "",
                                                       "checkpoint " + std::to_string(id) +
                                                           " is signed by key " + keyId +
                                                           ", which is not a trusted key"});
            continue;
        }
        if (!verifySignature(key->second.publicHex, checkpointMessage(upto, hash, at, keyId), sig)) {
            report.findings.push_back(AuditFinding{"checkpoint", upto, "",
                                                   "checkpoint " + std::to_string(id) +
                                                       ": the signature does not verify (forged)"});
            continue;
        }
        const auto rowHash = hashOfRow(db, upto);
        if (!rowHash) {
            report.findings.push_back(AuditFinding{"checkpoint", upto, "",
                                                   "row " + std::to_string(upto) + " was signed at " + at +
                                                       " (checkpoint " + std::to_string(id) +
                                                       ") and is missing"});
        } else if (*rowHash != hash) {
            report.findings.push_back(AuditFinding{"checkpoint", lastGood + 1, "",
                                                   "rows " + std::to_string(lastGood + 1) + " to " +
                                                       std::to_string(upto) + " were rewritten: row " +
                                                       std::to_string(upto) + " is not the row signed at " +
                                                       at + " (checkpoint " + std::to_string(id) + ")"});
        } else {
            lastGood = std::max(lastGood, upto);
        }
    }
    report.signedUpTo = lastGood;

    // The head kept outside the database: the newest rows cannot be cut off unnoticed.
    try {
        if (const auto head = keys.readHead()) {
            const auto key = trusted.find(head->keyId);
            if (key == trusted.end() ||
                !verifySignature(key->second.publicHex,
                                 checkpointMessage(head->uptoId, head->uptoHash, head->atUtc, head->keyId),
                                 head->signature)) {
                report.findings.push_back(AuditFinding{"head", 0, "",
                                                       "the signed head in " + keyDir.string() +
                                                           " does not verify against the trusted keys"});
            } else if (!newest || newest->id < head->uptoId) {
                const int64_t from = newest ? newest->id + 1 : 1;
                report.findings.push_back(
                    AuditFinding{"head", from, "",
                                 "the trail ends at row " + std::to_string(newest ? newest->id : 0) +
                                     ", but row " + std::to_string(head->uptoId) + " was signed at " +
                                     head->atUtc + ": rows " + std::to_string(from) + " to " +
                                     std::to_string(head->uptoId) + " were removed (truncated)"});
            } else if (const auto rowHash = hashOfRow(db, head->uptoId);
                       !rowHash || *rowHash != head->uptoHash) {
                report.findings.push_back(
                    AuditFinding{"head", head->uptoId, "",
                                 "row " + std::to_string(head->uptoId) +
                                     " is not the row of the signed head kept outside the database (" +
                                     head->atUtc + "): the trail was rewritten"});
            } else {
                report.signedUpTo = std::max(report.signedUpTo, head->uptoId);
            }
        } else if (!trusted.empty()) {
            report.findings.push_back(AuditFinding{"head", 0, "",
                                                   "no signed head in " + keyDir.string() +
                                                       ": cannot tell whether the newest rows were removed"});
        }
    } catch (const StoreError& e) {
        report.findings.push_back(AuditFinding{"head", 0, "", e.what()});
    }

    // The keys the trail names must be the trusted ones (a forger's own key would be named here).
    Statement keyRows = db.prepare(
        "SELECT id, details FROM audit_log WHERE action IN ('audit.key.create', 'audit.key.rotate')"
        " ORDER BY id");
    while (keyRows.step()) {
        const json d = json::parse(keyRows.columnText(1), nullptr, false);
        const std::string keyId = d.is_object() ? d.value("key_id", "") : "";
        const std::string pub = d.is_object() ? d.value("public_key", "") : "";
        const auto key = trusted.find(keyId);
        if (!trusted.empty() && (key == trusted.end() || key->second.publicHex != pub))
            report.findings.push_back(AuditFinding{"key", keyRows.columnInt(0), "",
                                                   "row " + std::to_string(keyRows.columnInt(0)) +
                                                       " records audit key " + keyId +
                                                       ", which is not among the trusted keys"});
    }

    checkPreparations(db, report);
    return report;
}

} // namespace admix::store
