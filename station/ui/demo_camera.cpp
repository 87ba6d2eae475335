#include "station/ui/demo_camera.hpp"

#include <opencv2/core.hpp>

#include <cmath>
#include <thread>

namespace admix::ui {

namespace {

std::string gs1(const std::string& gtin, const std::string& lot, const std::string& yymmdd) {
    return "01" + gtin + "17" + yymmdd + "10" + lot + "\x1d" + "21DEMO" + lot;
}

} // namespace

Status DemoHoodCamera::open() {
    m_open = true;
    m_due = std::chrono::steady_clock::now();
    return Status::success();
}

void DemoHoodCamera::setScene(std::vector<vision::SceneObject> objects, uint64_t seed) {
    std::lock_guard lock(m_mutex);
    m_objects = std::move(objects);
    m_seed = seed;
    ++m_version;
}

Result<cv::Mat> DemoHoodCamera::read() {
    if (!m_open)
        return Result<cv::Mat>::fail("the demo camera is not open");
    // Pace frames like a real camera, on the capture thread.
    m_due += std::chrono::microseconds(static_cast<int64_t>(1e6 / m_fps));
    const auto now = std::chrono::steady_clock::now();
    if (m_due > now)
        std::this_thread::sleep_until(m_due);
    else
        m_due = now;
    vision::SceneSpec spec;
    uint64_t version = 0;
    {
        std::lock_guard lock(m_mutex);
        spec.objects = m_objects;
        spec.seed = m_seed;
        version = m_version;
    }
    if (version != m_loopVersion) {
        m_loop.assign(kLoopFrames, cv::Mat());
        m_loopVersion = version;
    }
    const auto position = static_cast<size_t>(m_frame++ % kLoopFrames);
    if (m_loop[position].empty()) {
        // Hands are never perfectly still: a slow drift and turn, closing on itself over the loop.
        const double phase = 2.0 * CV_PI * static_cast<double>(position) / kLoopFrames;
        for (size_t i = 0; i < spec.objects.size(); ++i) {
            auto& o = spec.objects[i];
            const double offset = static_cast<double>(i);
            o.centre.x += static_cast<float>(14.0 * std::sin(phase + offset));
            o.centre.y += static_cast<float>(9.0 * std::cos(phase + offset));
            o.angleDeg += 4.0 * std::sin(phase + 2.0 * offset);
        }
        spec.effects.noiseSigma = 2.0;
        auto rendered = vision::renderScene(spec);
        if (!rendered)
            return rendered.error();
        m_loop[position] = std::move(rendered->image);
    }
    return m_loop[position];
}

vision::SceneObject demoVial(const std::string& gtin, const std::string& lot, const std::string& yymmdd,
                             const std::string& label, cv::Point2f centre) {
    vision::SceneObject o;
    o.kind = vision::ObjectKind::Vial;
    o.centre = centre;
    o.scale = 1.3;
    o.drug = label;
    o.codes = {vision::LabelCode{vision::CodeKind::DataMatrixGs1, gs1(gtin, lot, yymmdd), 6}};
    return o;
}

vision::SceneObject demoBag(const std::string& gtin, const std::string& lot, const std::string& yymmdd,
                            const std::string& label, cv::Point2f centre) {
    vision::SceneObject o;
    o.kind = vision::ObjectKind::Bag;
    o.centre = centre;
    o.scale = 1.0;
    o.drug = label;
    o.codes = {vision::LabelCode{vision::CodeKind::DataMatrixGs1, gs1(gtin, lot, yymmdd), 6}};
    return o;
}

vision::SceneObject demoSyringe(cv::Point2f centre) {
    vision::SceneObject o;
    o.kind = vision::ObjectKind::Syringe;
    o.centre = centre;
    o.angleDeg = -15;
    o.scale = 1.2;
    o.drug = "";
    return o;
}

} // namespace admix::ui
