// The station window: GLFW + OpenGL 3.3 core + Dear ImGui, fonts sized for touch, and screenshots.
// Owns the GLFW window and the ImGui context; create and use it on the UI thread only. Setup
// failures (no display, no OpenGL 3.3, missing font) throw std::runtime_error with the reason.
#pragma once

#include <functional>
#include <memory>
#include <string>

struct GLFWwindow;
struct ImFont;

namespace admix::ui {

struct WindowOptions {
    std::string title = "Admix";
    int width = 1280;
    int height = 800;
    bool fullscreen = false;
    std::string font;
    std::string fontBold;
    float fontSize = 28.0f;
};

// The fonts screens use: body text, bold labels, and large figures (doses, balance readings).
struct Fonts {
    ImFont* body = nullptr;
    ImFont* bold = nullptr;
    ImFont* large = nullptr;
    ImFont* huge = nullptr;
};

class Window {
public:
    explicit Window(const WindowOptions& options);
    ~Window();
    Window(const Window&) = delete;
    Window& operator=(const Window&) = delete;

    [[nodiscard]] bool shouldClose() const;
    void requestClose();
    // Polls events and starts an ImGui frame.
    void beginFrame();
    // Renders the ImGui frame; when screenshotPath is non-empty, saves the rendered frame as PNG
    // before presenting it (throws std::runtime_error naming the file if it cannot be written).
    void endFrame(const std::string& screenshotPath = {});
    [[nodiscard]] const Fonts& fonts() const { return m_fonts; }
    void framebufferSize(int& width, int& height) const;
    // Pixels per millimetre on the panel (from the monitor's reported size; 3.8 when unknown, i.e.
    // a 96 dpi panel), so that touch targets can be given in millimetres.
    [[nodiscard]] float pixelsPerMm() const { return m_pixelsPerMm; }

private:
    void sampleFontTextureNearest();

    GLFWwindow* m_window = nullptr;
    Fonts m_fonts;
    float m_pixelsPerMm = 3.8f;
    unsigned m_nearestFontTexture = 0;
};

// Writes the current OpenGL back buffer (width x height) as an RGB PNG. Returns false on failure.
bool saveFramebufferPng(const std::string& path, int width, int height);

} // namespace admix::ui
