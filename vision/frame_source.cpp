#include "vision/frame_source.hpp"

#include "vision/image_file.hpp"

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <thread>

// [SECTION] index: pacing -> camera -> camera list -> image files -> video file -> synthetic -> factory

namespace admix::vision {

namespace {

using Clock = std::chrono::steady_clock;

// Sleeps until `due`, then moves it on by one frame interval (never into the past by more than one).
void pace(Clock::time_point& due, double fps) {
    const auto interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / std::max(0.1, fps)));
    const auto now = Clock::now();
    if (due > now)
        std::this_thread::sleep_until(due);
    due = std::max(due, now) + interval;
}

} // namespace

// [SECTION] Camera
struct CameraSource::Impl {
    cv::VideoCapture capture;
};

CameraSource::CameraSource(CameraSettings settings)
    : m_settings(std::move(settings)), m_impl(std::make_unique<Impl>()) {}

CameraSource::~CameraSource() {
    close();
}

Status CameraSource::open() {
    close();
    m_notes.clear();
    const std::string& dev = m_settings.device;
    const bool isIndex =
        !dev.empty() && std::all_of(dev.begin(), dev.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!isIndex) {
        std::error_code ec;
        if (!std::filesystem::exists(dev, ec))
            return Status::fail("no camera connected at this port (plug it in; it will be picked up)", dev);
    }
    bool opened = false;
    try {
        opened = isIndex ? m_impl->capture.open(std::stoi(dev), cv::CAP_V4L2)
                         : m_impl->capture.open(dev, cv::CAP_V4L2);
    } catch (const cv::Exception& e) {
        return Status::fail(std::string("the camera could not be opened: ") + e.what(), dev);
    }
    if (!opened)
        return Status::fail(
            "the camera could not be opened (in use by another program, or not a video device)", dev);
    auto& cap = m_impl->capture;
    if (m_settings.mjpeg)
        cap.set(cv::CAP_PROP_FOURCC, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'));
    cap.set(cv::CAP_PROP_FRAME_WIDTH, m_settings.width);
    cap.set(cv::CAP_PROP_FRAME_HEIGHT, m_settings.height);
    cap.set(cv::CAP_PROP_FPS, m_settings.fps);
    cap.set(cv::CAP_PROP_BUFFERSIZE, 1); // the latest frame, not a queue of old ones
    if (m_settings.exposure) {
        // V4L2: 1 = manual exposure, 3 = aperture priority (automatic).
        if (!cap.set(cv::CAP_PROP_AUTO_EXPOSURE, 1) || !cap.set(cv::CAP_PROP_EXPOSURE, *m_settings.exposure))
            m_notes.push_back("the camera does not allow manual exposure");
    }
    if (m_settings.focus) {
        if (!cap.set(cv::CAP_PROP_AUTOFOCUS, 0) || !cap.set(cv::CAP_PROP_FOCUS, *m_settings.focus))
            m_notes.push_back("the camera does not allow manual focus");
    }
    const int w = static_cast<int>(cap.get(cv::CAP_PROP_FRAME_WIDTH));
    const int h = static_cast<int>(cap.get(cv::CAP_PROP_FRAME_HEIGHT));
    if (w != m_settings.width || h != m_settings.height)
        m_notes.push_back("the camera delivers " + std::to_string(w) + "x" + std::to_string(h) +
                          " instead of " + std::to_string(m_settings.width) + "x" +
                          std::to_string(m_settings.height));
    return Status::success();
}

Result<cv::Mat> CameraSource::read() {
    if (!isOpen())
        return Result<cv::Mat>::fail("the camera is not open", m_settings.device);
    cv::Mat frame;
    bool ok = false;
    try {
        ok = m_impl->capture.read(frame);
    } catch (const cv::Exception&) {
        ok = false;
    }
    if (!ok || frame.empty())
        return Result<cv::Mat>::fail("the camera stopped delivering pictures (unplugged?)",
                                     m_settings.device);
    if (frame.channels() == 1)
        cv::cvtColor(frame, frame, cv::COLOR_GRAY2BGR);
    return frame;
}

void CameraSource::close() {
    if (m_impl && m_impl->capture.isOpened())
        m_impl->capture.release();
}

bool CameraSource::isOpen() const {
    return m_impl && m_impl->capture.isOpened();
}

std::string CameraSource::describe() const {
    return "camera " + m_settings.device;
}

// [SECTION] Camera list
std::vector<CameraInfo> listCameras() {
    std::vector<CameraInfo> out;
    std::error_code ec;
    std::vector<std::filesystem::path> nodes;
    for (const auto& entry : std::filesystem::directory_iterator("/dev", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("video", 0) == 0)
            nodes.push_back(entry.path());
    }
    std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) {
        const auto num = [](const std::filesystem::path& p) {
            return std::atoi(p.filename().string().c_str() + 5);
        };
        return num(a) < num(b);
    });
    for (const auto& node : nodes) {
        CameraInfo info;
        info.device = node.string();
        const int fd = ::open(info.device.c_str(), O_RDONLY | O_NONBLOCK);
        if (fd < 0) {
            info.name = "(cannot open: permission?)";
            out.push_back(info);
            continue;
        }
        v4l2_capability cap{};
        if (::ioctl(fd, VIDIOC_QUERYCAP, &cap) == 0) {
            info.name = reinterpret_cast<const char*>(cap.card);
            info.driver = reinterpret_cast<const char*>(cap.driver);
            info.bus = reinterpret_cast<const char*>(cap.bus_info);
            const uint32_t caps =
                (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
            info.capture = (caps & V4L2_CAP_VIDEO_CAPTURE) != 0;
        }
        ::close(fd);
        out.push_back(info);
    }
    return out;
}

// [SECTION] Image files
ImageFilesSource::ImageFilesSource(std::vector<std::filesystem::path> files, double fps, bool loop)
    : m_files(std::move(files)), m_fps(fps), m_loop(loop) {}

Status ImageFilesSource::open() {
    if (m_files.empty())
        return Status::fail("no image files to replay");
    m_open = true;
    m_next = 0;
    m_due = Clock::now();
    return Status::success();
}

Result<cv::Mat> ImageFilesSource::read() {
    if (!m_open)
        return Result<cv::Mat>::fail("the image replay is not open");
    if (m_next >= m_files.size()) {
        if (!m_loop)
            return Result<cv::Mat>::fail("end of the image files");
        m_next = 0;
    }
    pace(m_due, m_fps);
    return loadImage(m_files[m_next++].string());
}

void ImageFilesSource::close() {
    m_open = false;
}

std::string ImageFilesSource::describe() const {
    return std::to_string(m_files.size()) + " image file(s)";
}

// [SECTION] Video file
struct VideoFileSource::Impl {
    cv::VideoCapture capture;
    double fps = 25;
};

VideoFileSource::VideoFileSource(std::filesystem::path file, bool loop)
    : m_file(std::move(file)), m_loop(loop), m_impl(std::make_unique<Impl>()) {}

VideoFileSource::~VideoFileSource() {
    close();
}

Status VideoFileSource::open() {
    close();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(m_file, ec))
        return Status::fail("no such video file", m_file.string());
    bool ok = false;
    try {
        ok = m_impl->capture.open(m_file.string(), cv::CAP_ANY);
    } catch (const cv::Exception&) {
        ok = false;
    }
    if (!ok)
        return Status::fail("not a video this build can play", m_file.string());
    const double fps = m_impl->capture.get(cv::CAP_PROP_FPS);
    m_impl->fps = fps > 0 && fps < 1000 ? fps : 25;
    m_due = Clock::now();
    return Status::success();
}

Result<cv::Mat> VideoFileSource::read() {
    if (!isOpen())
        return Result<cv::Mat>::fail("the video is not open", m_file.string());
    pace(m_due, m_impl->fps);
    cv::Mat frame;
    if (!m_impl->capture.read(frame) || frame.empty()) {
        if (!m_loop)
            return Result<cv::Mat>::fail("end of the video", m_file.string());
        m_impl->capture.set(cv::CAP_PROP_POS_FRAMES, 0);
        if (!m_impl->capture.read(frame) || frame.empty())
            return Result<cv::Mat>::fail("the video has no readable frames", m_file.string());
    }
    if (frame.channels() == 1)
        cv::cvtColor(frame, frame, cv::COLOR_GRAY2BGR);
    return frame;
}

void VideoFileSource::close() {
    if (m_impl && m_impl->capture.isOpened())
        m_impl->capture.release();
}

bool VideoFileSource::isOpen() const {
    return m_impl && m_impl->capture.isOpened();
}

std::string VideoFileSource::describe() const {
    return "video " + m_file.string();
}

// [SECTION] Synthetic hood scene
SyntheticSource::SyntheticSource(SyntheticOptions options) : m_options(options) {}

Status SyntheticSource::open() {
    if (m_unplugged)
        return Status::fail("no camera connected (simulated unplug)", "synthetic camera");
    m_open = true;
    m_due = Clock::now();
    return Status::success();
}

Result<cv::Mat> SyntheticSource::read() {
    if (m_unplugged) {
        m_open = false;
        return Result<cv::Mat>::fail("the camera stopped delivering pictures (simulated unplug)",
                                     "synthetic camera");
    }
    if (!m_open)
        return Result<cv::Mat>::fail("the camera is not open", "synthetic camera");
    if (m_options.realTime)
        pace(m_due, m_options.fps);
    const double t = static_cast<double>(m_frame++) / std::max(1.0, m_options.fps);
    SceneSpec spec;
    spec.width = m_options.width;
    spec.height = m_options.height;
    spec.seed = m_options.seed;
    const float w = static_cast<float>(spec.width);
    const float h = static_cast<float>(spec.height);
    const double scale = spec.width / 1920.0;
    // Vials drift slowly on Lissajous paths and turn; one syringe moves in and out.
    for (int i = 0; i < std::max(0, m_options.products); ++i) {
        SceneObject v;
        v.kind = ObjectKind::Vial;
        v.scale = 0.75 * scale;
        const double phase = i * 2.1 + static_cast<double>(m_options.seed % 7);
        v.centre =
            cv::Point2f(w * static_cast<float>(0.25 + 0.5 * i / std::max(1, m_options.products - 1 + 1) +
                                               0.08 * std::sin(0.4 * t + phase)),
                        h * static_cast<float>(0.35 + 0.12 * std::cos(0.3 * t + phase)));
        v.angleDeg = std::fmod(20 * t + 70 * i, 360.0);
        v.codes = {LabelCode{CodeKind::DataMatrixGs1, demoGs1(static_cast<int>(m_options.seed % 1000) + i),
                             std::max(2, static_cast<int>(std::lround(4 * scale)))}};
        spec.objects.push_back(v);
    }
    SceneObject s;
    s.kind = ObjectKind::Syringe;
    s.scale = 0.8 * scale;
    s.centre = cv::Point2f(w * static_cast<float>(0.5 + 0.15 * std::sin(0.25 * t)), h * 0.78f);
    s.angleDeg = 10 * std::sin(0.2 * t);
    spec.objects.push_back(s);
    spec.effects.noiseSigma = 2.5;
    spec.effects.motionPx = 1.5;
    auto scene = renderScene(spec);
    if (!scene)
        return scene.error();
    m_lastCodes = scene->codes;
    return scene->image;
}

void SyntheticSource::close() {
    m_open = false;
}

std::string SyntheticSource::describe() const {
    return "synthetic hood camera (seed " + std::to_string(m_options.seed) + ")";
}

// [SECTION] Factory
Result<std::unique_ptr<FrameSource>> makeFrameSource(const std::string& d, const CameraSettings& camera) {
    using R = Result<std::unique_ptr<FrameSource>>;
    const auto colon = d.find(':');
    const std::string kind = d.substr(0, colon);
    const std::string arg = colon == std::string::npos ? "" : d.substr(colon + 1);
    if (kind == "camera") {
        CameraSettings s = camera;
        if (!arg.empty())
            s.device = arg;
        return R(std::make_unique<CameraSource>(s));
    }
    if (kind == "images") {
        std::vector<std::filesystem::path> files;
        std::error_code ec;
        if (std::filesystem::is_directory(arg, ec)) {
            for (const auto& e : std::filesystem::directory_iterator(arg, ec)) {
                const auto ext = e.path().extension().string();
                if (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tif" ||
                    ext == ".tiff")
                    files.push_back(e.path());
            }
            std::sort(files.begin(), files.end());
        } else if (std::filesystem::is_regular_file(arg, ec)) {
            files.push_back(arg);
        }
        if (files.empty())
            return R::fail("no images found", d);
        return R(std::make_unique<ImageFilesSource>(files));
    }
    if (kind == "video") {
        if (arg.empty())
            return R::fail("name the video file: video:FILE", d);
        return R(std::make_unique<VideoFileSource>(arg));
    }
    if (kind == "synthetic") {
        SyntheticOptions o;
        if (!arg.empty()) {
            char* end = nullptr;
            o.seed = std::strtoull(arg.c_str(), &end, 10);
            if (end == arg.c_str() || *end != '\0')
                return R::fail("the synthetic camera takes a number (seed)", d);
        }
        return R(std::make_unique<SyntheticSource>(o));
    }
    return R::fail("unknown frame source (camera:DEVICE, images:PATH, video:FILE, synthetic[:SEED])", d);
}

} // namespace admix::vision
