// The demo camera: a frame source showing what the current step expects in the hood (the vial, the
// syringe beside it, the bag), rendered by vision's synthetic hood scene with real GS1 DataMatrix
// labels, moving a little from frame to frame; or, on demand, a wrong vial. The hand's movement is a
// loop of kLoopFrames frames: each is rendered once per scene, on first use, and then replayed, so
// the demo does not spend a core rendering 1080p scenes that the station (UI, software OpenGL,
// decoding) shares. The UI thread sets the scene; the vision capture thread reads frames.
// setScene() and read() are thread-safe; frames handed out are shared and must not be written.
#pragma once

#include "vision/frame_source.hpp"
#include "vision/synthetic_scene.hpp"

#include <chrono>
#include <mutex>

namespace admix::ui {

class DemoHoodCamera final : public vision::FrameSource {
public:
    explicit DemoHoodCamera(double fps = 12) : m_fps(fps) {}
    [[nodiscard]] Status open() override;
    [[nodiscard]] Result<cv::Mat> read() override;
    void close() override { m_open = false; }
    [[nodiscard]] bool isOpen() const override { return m_open; }
    [[nodiscard]] std::string describe() const override { return "demo hood camera"; }

    // The objects on the work surface; an empty list shows the bare hood.
    void setScene(std::vector<vision::SceneObject> objects, uint64_t seed);

    static constexpr int kLoopFrames = 24; // one slow circle of the hand, 2 s at 12 frames a second

private:
    double m_fps;
    bool m_open = false;
    std::mutex m_mutex; // guards m_objects, m_seed, m_version
    std::vector<vision::SceneObject> m_objects;
    uint64_t m_seed = 1;
    uint64_t m_version = 0; // bumped by setScene
    // Capture thread only:
    uint64_t m_frame = 0;
    uint64_t m_loopVersion = ~uint64_t{0};
    std::vector<cv::Mat> m_loop; // rendered frames of the current scene, by loop position
    std::chrono::steady_clock::time_point m_due{};
};

// A vial whose label carries the GS1 code of `gtin` with `lot` and expiry `yymmdd`.
[[nodiscard]] vision::SceneObject demoVial(const std::string& gtin, const std::string& lot,
                                           const std::string& yymmdd, const std::string& label,
                                           cv::Point2f centre);
[[nodiscard]] vision::SceneObject demoBag(const std::string& gtin, const std::string& lot,
                                          const std::string& yymmdd, const std::string& label,
                                          cv::Point2f centre);
[[nodiscard]] vision::SceneObject demoSyringe(cv::Point2f centre);

} // namespace admix::ui
