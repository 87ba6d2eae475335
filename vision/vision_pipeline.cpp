#include "vision/vision_pipeline.hpp"

#include <opencv2/imgproc.hpp>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <exception>

namespace admix::vision {

namespace {

// Lowers the calling thread's scheduling priority (Linux: nice applies per thread), so that on a
// busy machine the interface - and software OpenGL's rasterizer threads - run first and camera work
// waits a little instead. Best effort: where it is refused the thread keeps the caller's priority.
void yieldToInterface(int nice) {
    if (nice <= 0)
        return;
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    (void)::setpriority(PRIO_PROCESS, tid, nice);
}

} // namespace

cv::Mat makePreview(const cv::Mat& image, cv::Size fit) {
    if (image.empty() || fit.width <= 0 || fit.height <= 0 || image.depth() != CV_8U)
        return {};
    const double scale = std::min(
        {1.0, static_cast<double>(fit.width) / image.cols, static_cast<double>(fit.height) / image.rows});
    const cv::Size size(std::max(1, static_cast<int>(image.cols * scale + 0.5)),
                        std::max(1, static_cast<int>(image.rows * scale + 0.5)));
    cv::Mat scaled;
    if (size == image.size())
        scaled = image;
    else
        cv::resize(image, scaled, size, 0, 0, cv::INTER_AREA);
    cv::Mat rgba;
    switch (scaled.channels()) {
    case 1:
        cv::cvtColor(scaled, rgba, cv::COLOR_GRAY2RGBA);
        break;
    case 3:
        cv::cvtColor(scaled, rgba, cv::COLOR_BGR2RGBA);
        break;
    case 4:
        cv::cvtColor(scaled, rgba, cv::COLOR_BGRA2RGBA);
        break;
    default:
        return {};
    }
    return rgba;
}

VisionPipeline::VisionPipeline(std::unique_ptr<FrameSource> source, PipelineOptions options)
    : m_source(std::move(source)), m_options(options), m_reader(options.reader), m_filter(options.stability) {
    m_latestResults.store(std::make_shared<const DecodeSnapshot>());
    setPreviewSize(options.previewSize);
}

void VisionPipeline::setPreviewSize(cv::Size size) {
    m_previewWidth = std::max(0, size.width);
    m_previewHeight = std::max(0, size.height);
}

VisionPipeline::~VisionPipeline() {
    stop();
}

void VisionPipeline::start() {
    if (m_running.exchange(true))
        return;
    setStatus(SourceState::Connecting, "");
    m_captureThread = std::thread([this] {
        yieldToInterface(m_options.workerNice);
        captureLoop();
    });
    m_decodeThread = std::thread([this] {
        yieldToInterface(m_options.workerNice);
        decodeLoop();
    });
}

void VisionPipeline::stop() {
    if (!m_running.exchange(false))
        return;
    m_wake.notify_all();
    if (m_captureThread.joinable())
        m_captureThread.join();
    if (m_decodeThread.joinable())
        m_decodeThread.join();
    m_source->close();
    setStatus(SourceState::Stopped, "");
}

SourceStatus VisionPipeline::status() const {
    std::lock_guard lock(m_mutex);
    return m_status;
}

std::vector<ReadCode> VisionPipeline::takeConfirmedCodes() {
    std::lock_guard lock(m_mutex);
    std::vector<ReadCode> out;
    out.swap(m_queue);
    return out;
}

void VisionPipeline::setStatus(SourceState state, std::string message) {
    std::lock_guard lock(m_mutex);
    if (state == SourceState::Reconnecting && m_status.state == SourceState::Running)
        ++m_status.reconnects;
    m_status.state = state;
    m_status.message = std::move(message);
}

void VisionPipeline::captureLoop() {
    uint64_t sequence = 0;
    const auto waitBeforeRetry = [this] {
        // Sleep in short steps so that stop() is not held up by a long reconnect interval.
        const auto until = std::chrono::steady_clock::now() + m_options.reconnectInterval;
        while (m_running && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    };
    while (m_running) {
        try {
            if (!m_source->isOpen()) {
                const Status opened = m_source->open();
                if (!opened) {
                    setStatus(SourceState::Reconnecting, opened.error().text());
                    waitBeforeRetry();
                    continue;
                }
                setStatus(SourceState::Running, "");
            }
            auto image = m_source->read();
            if (!image) {
                // Unplugged or broken: close, and reopen until it is back.
                m_source->close();
                setStatus(SourceState::Reconnecting, image.error().text());
                waitBeforeRetry();
                continue;
            }
            auto frame = std::make_shared<Frame>();
            frame->image = std::move(*image);
            frame->preview =
                makePreview(frame->image, cv::Size(m_previewWidth.load(), m_previewHeight.load()));
            frame->sequence = ++sequence;
            frame->capturedAt = std::chrono::steady_clock::now();
            frame->source = m_source->describe();
            m_latestFrame.store(std::move(frame));
            {
                std::lock_guard lock(m_mutex);
                ++m_status.framesCaptured;
            }
            {
                std::lock_guard lock(m_wakeMutex);
                m_published = sequence;
            }
            m_wake.notify_one();
        } catch (const std::exception& e) {
            // A source that throws (OpenCV on a broken device) is treated as unplugged.
            m_source->close();
            setStatus(SourceState::Reconnecting, std::string("camera error: ") + e.what());
            waitBeforeRetry();
        }
    }
}

void VisionPipeline::decodeLoop() {
    uint64_t done = 0;
    uint64_t decoded = 0;
    while (m_running) {
        {
            std::unique_lock lock(m_wakeMutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(100),
                            [&] { return !m_running || m_published != done; });
        }
        if (!m_running)
            break;
        auto frame = m_latestFrame.load();
        if (!frame || frame->sequence == done)
            continue;
        done = frame->sequence;
        try {
            const auto t0 = std::chrono::steady_clock::now();
            auto codes = interpretCodes(m_reader.decode(frame->image));
            const auto t1 = std::chrono::steady_clock::now();
            auto confirmedNow = m_filter.update(codes);
            auto snapshot = std::make_shared<DecodeSnapshot>();
            snapshot->frame = frame;
            snapshot->codes = std::move(codes);
            snapshot->confirmed = m_filter.confirmed();
            snapshot->decodeMs = std::chrono::duration<double, std::milli>(t1 - t0).count();
            snapshot->framesDecoded = ++decoded;
            m_latestResults.store(std::move(snapshot));
            if (!confirmedNow.empty()) {
                std::lock_guard lock(m_mutex);
                for (auto& c : confirmedNow)
                    if (m_queue.size() < m_options.maxQueuedCodes)
                        m_queue.push_back(std::move(c));
            }
        } catch (const std::exception&) {
            // A frame that cannot be decoded (out of memory, OpenCV error) is skipped: no codes from it,
            // and the stability count restarts so nothing is confirmed across the gap.
            m_filter.reset();
        }
    }
}

} // namespace admix::vision
