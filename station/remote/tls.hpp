// The server's TLS certificate: when none is configured, a self-signed one (EC P-256, SHA-256,
// CN=localhost, subjectAltName localhost, 127.0.0.1 and ::1, valid for 825 days) is made with
// OpenSSL on first run and kept in the data directory (key file owner-only). Thread-safe (no shared
// state); errors are Results naming the file.
#pragma once

#include "formulas/result.hpp"

#include <filesystem>

namespace admix::remote {

struct CertificatePaths {
    std::filesystem::path cert;
    std::filesystem::path key;
};

// Returns the existing pair under `dir` (cert.pem, key.pem) or makes one there.
[[nodiscard]] Result<CertificatePaths> ensureSelfSignedCertificate(const std::filesystem::path& dir);

} // namespace admix::remote
