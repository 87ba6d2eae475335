#include "station/remote/tls.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <memory>
#include <system_error>

namespace admix::remote {

namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct X509Free {
    void operator()(X509* x) const noexcept { X509_free(x); }
};
struct FileClose {
    void operator()(FILE* f) const noexcept { std::fclose(f); }
};

bool addExtension(X509* cert, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext)
        return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

} // namespace

Result<CertificatePaths> ensureSelfSignedCertificate(const std::filesystem::path& dir) {
    CertificatePaths paths{dir / "cert.pem", dir / "key.pem"};
    std::error_code ec;
    if (std::filesystem::exists(paths.cert, ec) && std::filesystem::exists(paths.key, ec))
        return paths;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return Result<CertificatePaths>::fail("cannot create " + dir.string() + ": " + ec.message());
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);

    std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
    if (!key)
        return Result<CertificatePaths>::fail("cannot generate a TLS key (OpenSSL EC P-256)");
    std::unique_ptr<X509, X509Free> cert(X509_new());
    if (!cert)
        return Result<CertificatePaths>::fail("cannot create a certificate (OpenSSL)");
    X509_set_version(cert.get(), 2);
    std::array<unsigned char, 16> serial{};
    {
        // A random positive serial number.
        std::unique_ptr<FILE, FileClose> urandom(std::fopen("/dev/urandom", "rb"));
        if (!urandom || std::fread(serial.data(), 1, serial.size(), urandom.get()) != serial.size())
            return Result<CertificatePaths>::fail(
                "cannot read /dev/urandom for the certificate serial number");
        serial[0] &= 0x7F;
    }
    BIGNUM* bn = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
    ASN1_INTEGER* sn = bn ? BN_to_ASN1_INTEGER(bn, nullptr) : nullptr;
    BN_free(bn);
    if (!sn)
        return Result<CertificatePaths>::fail("cannot set the certificate serial number");
    X509_set_serialNumber(cert.get(), sn);
    ASN1_INTEGER_free(sn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("Admix station (self-signed)"), -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"),
                               -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (!addExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
        !addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !addExtension(cert.get(), NID_key_usage, "critical,digitalSignature") ||
        !addExtension(cert.get(), NID_ext_key_usage, "serverAuth"))
        return Result<CertificatePaths>::fail("cannot add the certificate extensions (OpenSSL)");
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
        return Result<CertificatePaths>::fail("cannot sign the certificate (OpenSSL)");

    // The key first, created owner-only, then the certificate: a crash between them leaves no pair.
    const std::filesystem::path keyTmp = paths.key.string() + ".tmp";
    {
        const mode_t old = umask(077);
        std::unique_ptr<FILE, FileClose> f(std::fopen(keyTmp.c_str(), "wb"));
        umask(old);
        if (!f || PEM_write_PrivateKey(f.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
            return Result<CertificatePaths>::fail("cannot write " + keyTmp.string());
    }
    const std::filesystem::path certTmp = paths.cert.string() + ".tmp";
    {
        std::unique_ptr<FILE, FileClose> f(std::fopen(certTmp.c_str(), "wb"));
        if (!f || PEM_write_X509(f.get(), cert.get()) != 1)
            return Result<CertificatePaths>::fail("cannot write " + certTmp.string());
    }
    std::filesystem::rename(keyTmp, paths.key, ec);
    if (!ec)
        std::filesystem::rename(certTmp, paths.cert, ec);
    if (ec)
        return Result<CertificatePaths>::fail("cannot store the certificate in " + dir.string() + ": " +
                                              ec.message());
    return paths;
}

Status restrictServerTls(ssl_ctx_st* ctx) {
    if (ctx == nullptr)
        return Status::fail("TLS: no server context to configure");
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
        return Status::fail("TLS: cannot set TLS 1.2 as the lowest protocol version");
    if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1)
        return Status::fail("TLS: this OpenSSL offers none of the AEAD cipher suites for TLS 1.2");
    if (SSL_CTX_set_ciphersuites(
            ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1)
        return Status::fail("TLS: cannot set the TLS 1.3 cipher suites");
    SSL_CTX_set_options(ctx,
                        SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    return Status::success();
}

} // namespace admix::remote
