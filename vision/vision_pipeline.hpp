// The camera pipeline: a capture thread pulls frames from a FrameSource and publishes the latest one;
// a decode worker reads codes in the newest frame it has not seen (frames that arrive while it is
// busy are skipped, never queued), confirms them over consecutive frames (StableCodeFilter) and
// publishes the results. The UI thread reads both through atomically swapped shared_ptr snapshots
// and never waits; confirmed codes for the workflow are taken from a short queue. A source that
// fails (a camera unplugged) is closed and reopened every `reconnectInterval` until it is back.
// Thread-safety: all public members may be called from any thread; start/stop from one owner.
// Errors from the source are state (SourceState and a message), never exceptions.
#pragma once

#include "vision/barcode_reader.hpp"
#include "vision/code_filter.hpp"
#include "vision/frame_source.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace admix::vision {

enum class SourceState { Stopped, Connecting, Running, Reconnecting };

struct SourceStatus {
    SourceState state = SourceState::Stopped;
    std::string message; // why it is reconnecting, in words
    uint64_t framesCaptured = 0;
    uint64_t reconnects = 0;
};

// The decode worker's latest results.
struct DecodeSnapshot {
    std::shared_ptr<const Frame> frame; // the frame these results belong to
    std::vector<ReadCode> codes;        // read in that frame (not yet confirmed)
    std::vector<ReadCode> confirmed;    // stable codes in view
    double decodeMs = 0;
    uint64_t framesDecoded = 0;
};

struct PipelineOptions {
    ReaderOptions reader;
    StabilityOptions stability;
    std::chrono::milliseconds reconnectInterval{1000};
    // When set, each frame also carries a preview that fits this size (never enlarged), in the
    // layout OpenGL takes without conversion, so that showing a 1080p camera costs the UI thread a
    // small texture upload instead of a conversion of the full frame.
    cv::Size previewSize{0, 0};
    // Niceness the capture and decode threads set for themselves (an absolute value; 0 leaves them
    // as started). On the station they yield to the interface: a frame decoded a few milliseconds
    // later is not noticed, a late screen frame is. OpenCV's own worker threads keep their priority
    // (making OpenCV single-threaded instead measured worse frame times on 2 cores).
    int workerNice = 0;
    size_t maxQueuedCodes = 64;
};

// `image` (8-bit grey, BGR or BGRA) scaled down with area averaging to fit `fit` (never enlarged),
// as 8-bit RGBA; empty for an empty image or size.
[[nodiscard]] cv::Mat makePreview(const cv::Mat& image, cv::Size fit);

class VisionPipeline {
public:
    VisionPipeline(std::unique_ptr<FrameSource> source, PipelineOptions options = {});
    ~VisionPipeline();
    VisionPipeline(const VisionPipeline&) = delete;
    VisionPipeline& operator=(const VisionPipeline&) = delete;

    void start();
    void stop(); // joins both threads; idempotent

    // Non-blocking reads for the UI thread.
    [[nodiscard]] std::shared_ptr<const Frame> latestFrame() const { return m_latestFrame.load(); }
    [[nodiscard]] std::shared_ptr<const DecodeSnapshot> latestResults() const {
        return m_latestResults.load();
    }
    [[nodiscard]] SourceStatus status() const;
    // Codes confirmed since the last call, oldest first (the workflow's barcode events).
    [[nodiscard]] std::vector<ReadCode> takeConfirmedCodes();
    // The size previews fit from the next frame on (PipelineOptions::previewSize; {0, 0}: none).
    void setPreviewSize(cv::Size size);

private:
    void captureLoop();
    void decodeLoop();
    void setStatus(SourceState state, std::string message);

    std::unique_ptr<FrameSource> m_source;
    PipelineOptions m_options;
    BarcodeReader m_reader;
    StableCodeFilter m_filter;

    std::atomic<std::shared_ptr<const Frame>> m_latestFrame;
    std::atomic<std::shared_ptr<const DecodeSnapshot>> m_latestResults;

    mutable std::mutex m_mutex; // guards m_status, m_queue; short critical sections only
    SourceStatus m_status;
    std::vector<ReadCode> m_queue;

    std::mutex m_wakeMutex;
    std::condition_variable m_wake;
    uint64_t m_published = 0; // frame sequence published (under m_wakeMutex)

    std::atomic<int> m_previewWidth{0};
    std::atomic<int> m_previewHeight{0};
    std::atomic<bool> m_running{false};
    std::thread m_captureThread;
    std::thread m_decodeThread;
};

} // namespace admix::vision
