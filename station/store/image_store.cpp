#include "station/store/image_store.hpp"

#include "station/store/audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace admix::store {

namespace fs = std::filesystem;

namespace {

std::string extensionFor(const std::string& mime) {
    if (mime == "image/jpeg")
        return ".jpg";
    if (mime == "image/png")
        return ".png";
    return ".bin";
}

void fsyncPath(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags);
    if (fd < 0)
        throw StoreError("cannot open " + path.string() + " to sync it: " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int savedErrno = errno;
    ::close(fd);
    if (rc != 0)
        throw StoreError("cannot sync " + path.string() + ": " + std::strerror(savedErrno));
}

} // namespace

bool isSha256Hex(std::string_view text) {
    if (text.size() != 64)
        return false;
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

fs::path imageFilePath(const fs::path& imagesDir, const std::string& sha256, const std::string& mime) {
    return imagesDir / sha256.substr(0, 2) / (sha256 + extensionFor(mime));
}

std::string writeImageFile(const fs::path& imagesDir, const std::vector<uint8_t>& bytes,
                           const std::string& mime) {
    const std::string sha =
        sha256Hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    const fs::path final = imageFilePath(imagesDir, sha, mime);
    std::error_code ec;
    fs::create_directories(final.parent_path(), ec);
    if (ec)
        throw StoreError("cannot create " + final.parent_path().string() + ": " + ec.message());
    if (fs::exists(final, ec) && fs::file_size(final, ec) == bytes.size())
        return sha; // content-addressed: the same bytes are already there
    const fs::path temp = final.string() + ".tmp" + std::to_string(::getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        throw StoreError("cannot write " + temp.string() + ": " + std::strerror(errno));
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int savedErrno = errno;
            ::close(fd);
            fs::remove(temp, ec);
            throw StoreError("cannot write " + temp.string() + ": " + std::strerror(savedErrno));
        }
        written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int savedErrno = errno;
        ::close(fd);
        fs::remove(temp, ec);
        throw StoreError("cannot sync " + temp.string() + ": " + std::strerror(savedErrno));
    }
    ::close(fd);
    fs::rename(temp, final, ec);
    if (ec)
        throw StoreError("cannot move " + temp.string() + " into place: " + ec.message());
    fsyncPath(final.parent_path(), O_RDONLY | O_DIRECTORY);
    return sha;
}

StoredImage ImageStore::put(const std::vector<uint8_t>& bytes, const std::string& mime, int width, int height,
                            const std::string& atUtc) {
    StoredImage image{writeImageFile(m_dir, bytes, mime), static_cast<int64_t>(bytes.size()), mime, width,
                      height};
    index(image, atUtc);
    return image;
}

void ImageStore::index(const StoredImage& image, const std::string& atUtc) {
    if (!isSha256Hex(image.sha256))
        throw StoreError("not a SHA-256 image name: " + image.sha256);
    Statement s = m_db.prepare("INSERT OR IGNORE INTO images(sha256, bytes, mime, width, height, stored_utc)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind(1, image.sha256)
        .bind(2, image.bytes)
        .bind(3, image.mime)
        .bind(4, image.width)
        .bind(5, image.height);
    s.bind(6, atUtc);
    s.run();
}

std::optional<StoredImage> ImageStore::find(const std::string& sha256) {
    if (!isSha256Hex(sha256))
        return std::nullopt;
    Statement s = m_db.prepare("SELECT sha256, bytes, mime, width, height FROM images WHERE sha256 = ?1");
    s.bind(1, sha256);
    if (!s.step())
        return std::nullopt;
    return StoredImage{s.columnText(0), s.columnInt(1), s.columnText(2), static_cast<int>(s.columnInt(3)),
                       static_cast<int>(s.columnInt(4))};
}

std::optional<fs::path> ImageStore::pathOf(const std::string& sha256) {
    const auto image = find(sha256);
    if (!image)
        return std::nullopt;
    fs::path path = imageFilePath(m_dir, image->sha256, image->mime);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        return std::nullopt;
    return path;
}

std::optional<std::vector<uint8_t>> ImageStore::read(const std::string& sha256) {
    const auto path = pathOf(sha256);
    if (!path)
        return std::nullopt;
    std::ifstream in(*path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Content addressing doubles as an integrity check.
    if (sha256Hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())) != sha256)
        return std::nullopt;
    return bytes;
}

} // namespace admix::store
