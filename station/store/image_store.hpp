// Content-addressed evidence images: each image is a file named by the SHA-256 of its bytes under
// <data-dir>/images/<first two hex digits>/<sha256>.<ext>, indexed in the images table. put() returns
// only once the file and its directory entry are fsynced, so an image that put() acknowledged
// survives a crash; storing the same bytes twice is one file. Paths are built only from a validated
// 64-hex-digit hash: no caller-supplied name ever reaches the file system.
// Not thread-safe (holds the caller's Database); the file writing itself may run on a worker thread
// through writeImageFile(). Storage failures throw StoreError.
#pragma once

#include "station/store/database.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace admix::store {

struct StoredImage {
    std::string sha256;
    int64_t bytes = 0;
    std::string mime;
    int width = 0;
    int height = 0;
};

[[nodiscard]] bool isSha256Hex(std::string_view text);

// Writes bytes durably under `imagesDir` (temp file, fsync, rename, fsync directory) and returns the
// SHA-256. Safe to call from any thread. Throws StoreError.
std::string writeImageFile(const std::filesystem::path& imagesDir, const std::vector<uint8_t>& bytes,
                           const std::string& mime);

class ImageStore {
public:
    ImageStore(Database& db, std::filesystem::path imagesDir) : m_db(db), m_dir(std::move(imagesDir)) {}

    StoredImage put(const std::vector<uint8_t>& bytes, const std::string& mime, int width, int height,
                    const std::string& atUtc);
    // Records an image already written by writeImageFile (e.g. on a worker thread).
    void index(const StoredImage& image, const std::string& atUtc);
    [[nodiscard]] std::optional<StoredImage> find(const std::string& sha256);
    // The file of a stored image; nullopt when the hash is malformed, unknown, or its file is missing.
    [[nodiscard]] std::optional<std::filesystem::path> pathOf(const std::string& sha256);
    [[nodiscard]] std::optional<std::vector<uint8_t>> read(const std::string& sha256);

private:
    Database& m_db;
    std::filesystem::path m_dir;
};

[[nodiscard]] std::filesystem::path imageFilePath(const std::filesystem::path& imagesDir,
                                                  const std::string& sha256, const std::string& mime);

} // namespace admix::store
