// Where frames come from: a V4L2 camera through OpenCV's videoio, image files or a video file
// replayed, or the synthetic hood scene (demo and tests). Every source has the same lifecycle,
// open -> read ... -> close, and reports an unplugged or failing device as a Result error rather than
// throwing, so that the capture thread can close, wait and reopen it (hot-plug recovery).
// A source is used by one thread at a time (the capture thread); close() is idempotent.
#pragma once

#include "formulas/result.hpp"
#include "vision/synthetic_scene.hpp"

#include <opencv2/core.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace admix::vision {

// One captured frame; immutable once published (shared between threads as shared_ptr<const Frame>).
struct Frame {
    cv::Mat image;   // 8-bit BGR, as captured (decoding, evidence photos)
    cv::Mat preview; // 8-bit RGBA, scaled down to fit PipelineOptions::previewSize, for the screen
                     // (made on the capture thread; empty when not asked for)
    uint64_t sequence = 0;
    std::chrono::steady_clock::time_point capturedAt{};
    std::string source;
};

class FrameSource {
public:
    virtual ~FrameSource() = default;
    [[nodiscard]] virtual Status open() = 0;
    // The next frame; blocks for at most about one frame interval. An error means the source is gone
    // or broken (the caller closes and reopens it later).
    [[nodiscard]] virtual Result<cv::Mat> read() = 0;
    virtual void close() = 0;
    [[nodiscard]] virtual bool isOpen() const = 0;
    [[nodiscard]] virtual std::string describe() const = 0;
};

// [SECTION] Camera
struct CameraSettings {
    std::string device = "/dev/video0"; // a path, or a number ("0") for OpenCV's index
    int width = 1920;
    int height = 1080;
    double fps = 30;
    std::optional<double> exposure; // V4L2 absolute exposure; unset = automatic
    std::optional<double> focus;    // manual focus; unset = autofocus where the camera has it
    bool mjpeg = true;              // ask for MJPG (USB bandwidth at 1080p)
};

class CameraSource final : public FrameSource {
public:
    explicit CameraSource(CameraSettings settings);
    ~CameraSource() override;
    CameraSource(const CameraSource&) = delete;
    CameraSource& operator=(const CameraSource&) = delete;
    [[nodiscard]] Status open() override;
    [[nodiscard]] Result<cv::Mat> read() override;
    void close() override;
    [[nodiscard]] bool isOpen() const override;
    [[nodiscard]] std::string describe() const override;
    // What the camera accepted (it may refuse a resolution or control): filled by open().
    [[nodiscard]] const std::vector<std::string>& notes() const { return m_notes; }

private:
    CameraSettings m_settings;
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::vector<std::string> m_notes;
};

struct CameraInfo {
    std::string device; // "/dev/video0"
    std::string name;   // the driver's card name
    std::string driver;
    std::string bus;
    bool capture = false; // can deliver video frames (metadata nodes cannot)
};
// The V4L2 devices present now (VIDIOC_QUERYCAP on /dev/video*). Never fails: no devices, no entries.
[[nodiscard]] std::vector<CameraInfo> listCameras();

// [SECTION] Files
class ImageFilesSource final : public FrameSource {
public:
    ImageFilesSource(std::vector<std::filesystem::path> files, double fps = 10, bool loop = true);
    [[nodiscard]] Status open() override;
    [[nodiscard]] Result<cv::Mat> read() override;
    void close() override;
    [[nodiscard]] bool isOpen() const override { return m_open; }
    [[nodiscard]] std::string describe() const override;

private:
    std::vector<std::filesystem::path> m_files;
    double m_fps;
    bool m_loop;
    bool m_open = false;
    size_t m_next = 0;
    std::chrono::steady_clock::time_point m_due{};
};

class VideoFileSource final : public FrameSource {
public:
    explicit VideoFileSource(std::filesystem::path file, bool loop = true);
    ~VideoFileSource() override;
    [[nodiscard]] Status open() override;
    [[nodiscard]] Result<cv::Mat> read() override;
    void close() override;
    [[nodiscard]] bool isOpen() const override;
    [[nodiscard]] std::string describe() const override;

private:
    std::filesystem::path m_file;
    bool m_loop;
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::chrono::steady_clock::time_point m_due{};
};

// [SECTION] Synthetic hood scene
struct SyntheticOptions {
    uint64_t seed = 1;
    int width = 1920;
    int height = 1080;
    double fps = 15;
    bool realTime = true; // pace frames at fps (false: as fast as rendered, for tests)
    int products = 2;     // vials in view, each with its own GS1 DataMatrix
};

// A technician's hands moving vials and a syringe through the hood: objects drift and turn from frame
// to frame, with a little motion blur and sensor noise. unplug()/replug() simulate a camera
// disconnected and connected again (thread-safe; for tests and the demo).
class SyntheticSource final : public FrameSource {
public:
    explicit SyntheticSource(SyntheticOptions options = {});
    [[nodiscard]] Status open() override;
    [[nodiscard]] Result<cv::Mat> read() override;
    void close() override;
    [[nodiscard]] bool isOpen() const override { return m_open; }
    [[nodiscard]] std::string describe() const override;
    void unplug() { m_unplugged = true; }
    void replug() { m_unplugged = false; }
    // The codes in the frame read() returned last (what a reader should report).
    [[nodiscard]] std::vector<ExpectedCode> lastCodes() const { return m_lastCodes; }

private:
    SyntheticOptions m_options;
    bool m_open = false;
    std::atomic<bool> m_unplugged{false};
    uint64_t m_frame = 0;
    std::vector<ExpectedCode> m_lastCodes;
    std::chrono::steady_clock::time_point m_due{};
};

// A source from a short description: "camera:/dev/video0", "camera:0", "images:DIR_OR_FILE",
// "video:FILE", "synthetic" or "synthetic:SEED". Fails naming the description.
[[nodiscard]] Result<std::unique_ptr<FrameSource>> makeFrameSource(const std::string& description,
                                                                   const CameraSettings& camera = {});

} // namespace admix::vision
