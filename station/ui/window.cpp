#include "station/ui/window.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace admix::ui {

namespace {

void glfwErrorToStderr(int code, const char* description) {
    std::fprintf(stderr, "GLFW error %d: %s\n", code, description);
}

ImFont* loadFont(const std::string& path, float size) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw std::runtime_error("font file not found: " + path +
                                 " (install fonts-dejavu-core or set display.font)");
    ImFontConfig config;
    config.OversampleH = 2;
    config.OversampleV = 2;
    // Latin-1 plus the few symbols the screens use (arrows, check and cross marks, micro, degree).
    static const ImWchar ranges[] = {0x0020, 0x00FF, 0x2013, 0x2014, 0x2022, 0x2022, 0x2190, 0x2193,
                                     0x2264, 0x2265, 0x2713, 0x2718, 0x25B2, 0x25BC, 0};
    ImFont* font = ImGui::GetIO().Fonts->AddFontFromFileTTF(path.c_str(), size, &config, ranges);
    if (!font)
        throw std::runtime_error("cannot load font " + path);
    return font;
}

} // namespace

Window::Window(const WindowOptions& options) {
    glfwSetErrorCallback(glfwErrorToStderr);
    if (!glfwInit())
        throw std::runtime_error(
            "cannot start GLFW: is there a display? (set DISPLAY, or run under xvfb-run)");
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_DEPTH_BITS, 0); // 2D only: no depth or stencil buffer to keep up
    glfwWindowHint(GLFW_STENCIL_BITS, 0);

    GLFWmonitor* monitor = glfwGetPrimaryMonitor();
    int width = options.width;
    int height = options.height;
    if (options.fullscreen && monitor) {
        const GLFWvidmode* mode = glfwGetVideoMode(monitor);
        width = mode->width;
        height = mode->height;
    }
    m_window = glfwCreateWindow(width, height, options.title.c_str(), options.fullscreen ? monitor : nullptr,
                                nullptr);
    if (!m_window) {
        glfwTerminate();
        throw std::runtime_error("cannot create an OpenGL 3.3 window (on a headless machine use xvfb-run; "
                                 "Mesa's llvmpipe provides OpenGL 3.3 in software)");
    }
    glfwMakeContextCurrent(m_window);
    glfwSwapInterval(1);

    if (monitor) {
        int widthMm = 0, heightMm = 0;
        glfwGetMonitorPhysicalSize(monitor, &widthMm, &heightMm);
        const GLFWvidmode* mode = glfwGetVideoMode(monitor);
        // Xvfb reports a nominal size; trust only plausible panel sizes (10 to 40 inches).
        if (mode && widthMm >= 200 && widthMm <= 900)
            m_pixelsPerMm = static_cast<float>(mode->width) / static_cast<float>(widthMm);
    }

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // the layout is fixed; nothing to remember between runs
    io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
    m_fonts.body = loadFont(options.font, options.fontSize);
    m_fonts.bold = loadFont(options.fontBold, options.fontSize);
    m_fonts.large = loadFont(options.fontBold, options.fontSize * 1.6f);
    m_fonts.huge = loadFont(options.fontBold, options.fontSize * 2.6f);
    applyTheme(options.fontSize);

    ImGui_ImplGlfw_InitForOpenGL(m_window, true);
    ImGui_ImplOpenGL3_Init("#version 330 core");
}

Window::~Window() {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(m_window);
    glfwTerminate();
}

void Window::framebufferSize(int& width, int& height) const {
    glfwGetFramebufferSize(m_window, &width, &height);
}

bool Window::shouldClose() const {
    return glfwWindowShouldClose(m_window);
}
void Window::requestClose() {
    glfwSetWindowShouldClose(m_window, GLFW_TRUE);
}

void Window::beginFrame() {
    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame(); // makes the font texture on the first frame
    sampleFontTextureNearest();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    panelsBeginFrame();
}

void Window::sampleFontTextureNearest() {
    // Glyphs are drawn at their atlas size on whole pixels, and every filled shape samples one white
    // texel, so nearest sampling draws the same pixels as bilinear; under software OpenGL it is a
    // quarter of the texture reads for every pixel the interface covers.
    const auto texture = static_cast<GLuint>(reinterpret_cast<intptr_t>(ImGui::GetIO().Fonts->TexID));
    if (texture == 0 || texture == m_nearestFontTexture)
        return;
    GLint previous = 0;
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &previous);
    glBindTexture(GL_TEXTURE_2D, texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previous));
    m_nearestFontTexture = texture;
}

void Window::endFrame(const std::string& screenshotPath) {
    ImGui::Render();
    int width = 0, height = 0;
    glfwGetFramebufferSize(m_window, &width, &height);
    glViewport(0, 0, width, height);
    const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    glClearColor(bg.x, bg.y, bg.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (!screenshotPath.empty() && !saveFramebufferPng(screenshotPath, width, height))
        throw std::runtime_error("cannot write screenshot " + screenshotPath);
    glfwSwapBuffers(m_window);
}

bool saveFramebufferPng(const std::string& path, int width, int height) {
    if (width <= 0 || height <= 0)
        return false;
    std::vector<unsigned char> pixels(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
    // OpenGL's origin is bottom-left; PNG rows run top to bottom.
    stbi_flip_vertically_on_write(1);
    return stbi_write_png(path.c_str(), width, height, 3, pixels.data(), width * 3) != 0;
}

} // namespace admix::ui
