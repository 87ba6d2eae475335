// The live camera picture on screen: the latest frame uploaded to an OpenGL texture (only when a new
// frame arrived; the frame's small RGBA preview when the pipeline made one, else the full frame),
// drawn to fit, with the codes read in it outlined (green: confirmed and usable, amber: seen, not yet
// confirmed, red: rejected). UI thread only; owns its texture.
#pragma once

#include "vision/vision_pipeline.hpp"

#include <imgui.h>

#include <memory>

namespace admix::ui {

class CameraView {
public:
    CameraView() = default;
    ~CameraView();
    CameraView(const CameraView&) = delete;
    CameraView& operator=(const CameraView&) = delete;

    // Draws the frame into a box of `size` (keeps the aspect ratio). Shows `placeholder` when there
    // is no frame.
    void draw(const std::shared_ptr<const vision::Frame>& frame,
              const std::shared_ptr<const vision::DecodeSnapshot>& codes, ImVec2 size,
              const char* placeholder);

private:
    void upload(const vision::Frame& frame);
    unsigned m_texture = 0;
    uint64_t m_sequence = ~uint64_t{0};
    int m_textureWidth = 0; // the texture's pixels
    int m_textureHeight = 0;
    int m_width = 0; // the frame's pixels (code corners are in these)
    int m_height = 0;
};

} // namespace admix::ui
