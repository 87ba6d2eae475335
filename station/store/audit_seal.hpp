// Signing the audit trail so that a holder of the database file cannot rewrite it unnoticed.
//
// The SHA-256 chain (audit_log.hpp) shows an edit only to someone who trusts the chain; anyone who
// can write the file can recompute it. So the station signs checkpoints: every `everyRows` rows or
// `everyMinutes`, and when a connection closes cleanly, an Ed25519 signature (libsodium) over the
// id and hash of the newest row goes into audit_checkpoints, and the same signed head is written
// to a file beside the key. The key lives in a key directory outside the data directory (0700,
// files 0600, readable only by the service account): `<data dir>-keys` beside the data directory
// unless configured. Key creation and rotation are rows in the trail; every public key ever used
// stays in the directory's trusted-keys file.
//
// verifyAuditTrail() is what `admix audit verify` (and `admix backup`) run: the chain, each
// checkpoint's signature against the trusted keys, the head file (rows removed at the end of the
// trail are named), the keys the trail names, and whether every checked preparation's state fits
// its decision row and the e-signature that row cites.
//
// Thread-safety: an AuditSealer belongs to the connection it observes (one thread). The key
// directory may be shared by processes: a checkpoint is written while holding SQLite's write lock.
// Errors: storage failures throw StoreError; a sealer never throws from a commit or close (it keeps
// the reason, sealError(), and refuses to sign a trail that does not chain to its last head).
#pragma once

#include "station/store/database.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

// [SECTION] Key directory -------------------------------------------------------------------------

// Where the audit key, trusted public keys, signed head and the PIN pepper of a database are kept:
// the process-wide override when set, else `<dir of the database>-keys` beside that directory.
[[nodiscard]] std::filesystem::path auditKeyDirFor(const std::string& databasePath);
void setAuditKeyDirOverride(std::optional<std::filesystem::path> dir);
// Whether openStationDatabase attaches a sealer to file databases (the admix and admix-station
// entry points turn it on; library users and unit tests opt in per connection with attachSealer).
void setAuditSealingEnabled(bool enabled);
[[nodiscard]] bool auditSealingEnabled();

struct TrustedKey {
    std::string keyId;     // first 16 hex digits of SHA-256 of the public key
    std::string publicHex; // 32-byte Ed25519 public key, hex
    std::string createdUtc;
};

// The files of one key directory. Creating writes with owner-only permissions (dir 0700, files 0600)
// and tightens an existing directory. Not thread-safe.
class AuditKeyDir {
public:
    explicit AuditKeyDir(std::filesystem::path dir) : m_dir(std::move(dir)) {}
    [[nodiscard]] const std::filesystem::path& path() const { return m_dir; }

    [[nodiscard]] bool hasSigningKey() const;
    // Makes a new signing key (the old one's public key stays trusted); returns the new public key.
    TrustedKey createSigningKey(const std::string& atUtc);
    [[nodiscard]] std::optional<TrustedKey> signingPublicKey() const;
    [[nodiscard]] std::vector<TrustedKey> trustedKeys() const;
    // Detached Ed25519 signature (hex) of `message` with the current signing key. Throws StoreError
    // when there is no key or it cannot be read.
    [[nodiscard]] std::string sign(const std::string& message) const;

    // The secret mixed into PIN hashes and badge lookups (32 random bytes, created on first use).
    [[nodiscard]] std::string pepper(bool create);

    struct Head {
        int64_t uptoId = 0;
        std::string uptoHash;
        std::string atUtc;
        std::string keyId;
        std::string signature;
    };
    [[nodiscard]] std::optional<Head> readHead() const;
    void writeHead(const Head& head); // atomically (temp file, fsync, rename)

    // Keeps a file of this directory 0600 and the directory 0700.
    void tighten() const;

private:
    std::filesystem::path m_dir;
};

// The text a checkpoint signs.
[[nodiscard]] std::string checkpointMessage(int64_t uptoId, const std::string& uptoHash,
                                            const std::string& atUtc, const std::string& keyId);
[[nodiscard]] bool verifySignature(const std::string& publicHex, const std::string& message,
                                   const std::string& signatureHex);

// [SECTION] Sealing -------------------------------------------------------------------------------

struct SealPolicy {
    int everyRows = 50;
    std::chrono::minutes everyMinutes{10};
};

class AuditSealer : public DatabaseObserver {
public:
    AuditSealer(std::filesystem::path keyDir, SealPolicy policy)
        : m_keys(std::move(keyDir)), m_policy(policy) {}

    void afterCommit(Database& db) override;
    void beforeClose(Database& db) noexcept override;

    // Signs a checkpoint of the newest row now (if any row is unsigned). False, with sealError()
    // set, when the trail does not continue the last signed head (it was rewritten or cut).
    bool sealNow(Database& db);
    // Rotates the signing key: a new key, the rotation recorded in the trail and sealed by the new
    // key; the old public key stays trusted.
    void rotateKey(Database& db, const std::string& actor);
    [[nodiscard]] const std::string& sealError() const { return m_error; }
    [[nodiscard]] AuditKeyDir& keys() { return m_keys; }

private:
    void ensureKey(Database& db);
    AuditKeyDir m_keys;
    SealPolicy m_policy;
    bool m_keyChecked = false;
    int64_t m_lastSealedId = -1;
    std::chrono::steady_clock::time_point m_lastSealAt = std::chrono::steady_clock::now();
    std::string m_error;
    bool m_warned = false;
    bool m_sealing = false; // our own checkpoint commit is not a write to seal
};

// Attaches a sealer (creating the key, recorded in the trail, when there is none yet).
std::shared_ptr<AuditSealer> attachSealer(Database& db, const std::filesystem::path& keyDir,
                                          SealPolicy policy = {});

// The pepper of the key directory whose sealer watches `db` (created on first use), or nullopt when
// the connection has none (unit tests, :memory:). PIN hashes and badge lookups mix it in, so a copy
// of the database file alone cannot be brute-forced.
[[nodiscard]] std::optional<std::string> secretPepper(Database& db);
// A keyed digest (HMAC-SHA-256, hex) of `text` under `key`.
[[nodiscard]] std::string keyedDigestHex(const std::string& key, const std::string& text);

// [SECTION] Verification --------------------------------------------------------------------------

struct AuditFinding {
    std::string what;    // "chain", "checkpoint", "head", "key", "preparation"
    int64_t rowId = 0;   // the audit row concerned (0: none)
    std::string subject; // e.g. the preparation number
    std::string message; // for a person
};

struct AuditReport {
    int64_t rows = 0;
    std::string headHash;
    int64_t checkpoints = 0;
    int64_t signedUpTo = 0; // newest row covered by a valid signature
    int64_t preparationsChecked = 0;
    std::vector<AuditFinding> findings;
    [[nodiscard]] bool ok() const { return findings.empty(); }
    // The lowest row id any finding names (0: none).
    [[nodiscard]] int64_t firstBadId() const;
};

// Everything `admix audit verify` checks; `keyDir` holds the trusted public keys and the head.
[[nodiscard]] AuditReport verifyAuditTrail(Database& db, const std::filesystem::path& keyDir);

} // namespace admix::store
