// The server's TLS certificate: when none is configured, a self-signed one (EC P-256, SHA-256,
// CN=localhost, subjectAltName localhost, 127.0.0.1 and ::1, valid for 825 days) is made with
// OpenSSL on first run and kept in the data directory (key file owner-only). Thread-safe (no shared
// state); errors are Results naming the file.
#pragma once

#include "formulas/result.hpp"

#include <filesystem>

struct ssl_ctx_st; // OpenSSL's SSL_CTX

namespace admix::remote {

struct CertificatePaths {
    std::filesystem::path cert;
    std::filesystem::path key;
};

// Returns the existing pair under `dir` (cert.pem, key.pem) or makes one there.
[[nodiscard]] Result<CertificatePaths> ensureSelfSignedCertificate(const std::filesystem::path& dir);

// The server's protocol floor and ciphers, set explicitly rather than left to OpenSSL's security
// level: TLS 1.2 or 1.3 only; for TLS 1.2 only ECDHE key exchange with AEAD ciphers (AES-GCM,
// ChaCha20-Poly1305), so every session has forward secrecy and no CBC/MAC-then-encrypt suite is
// offered; TLS 1.3's suites are all AEAD. No renegotiation, no compression.
[[nodiscard]] Status restrictServerTls(ssl_ctx_st* ctx);

// The TLS 1.2 cipher list restrictServerTls sets (OpenSSL names), for the documentation and tests.
inline constexpr const char* kTls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                             "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                             "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

} // namespace admix::remote
