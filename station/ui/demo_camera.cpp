#include "station/ui/demo_camera.hpp"

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
    {
        std::lock_guard lock(m_mutex);
        spec.objects = m_objects;
        spec.seed = m_seed;
    }
    // Hands are never perfectly still: a slow drift and turn.
    const double t = static_cast<double>(m_frame++) / m_fps;
    for (size_t i = 0; i < spec.objects.size(); ++i) {
        auto& o = spec.objects[i];
        o.centre.x += static_cast<float>(14.0 * std::sin(0.7 * t + static_cast<double>(i)));
        o.centre.y += static_cast<float>(9.0 * std::cos(0.5 * t + static_cast<double>(i)));
        o.angleDeg += 4.0 * std::sin(0.3 * t + static_cast<double>(i));
    }
    spec.effects.noiseSigma = 2.0;
    auto rendered = vision::renderScene(spec);
    if (!rendered)
        return rendered.error();
    return std::move(rendered->image);
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
