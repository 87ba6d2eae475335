#include "station/ui/camera_view.hpp"

#include "station/ui/theme.hpp"

#include <GLFW/glfw3.h>

#include <algorithm>

namespace admix::ui {

CameraView::~CameraView() {
    if (m_texture)
        glDeleteTextures(1, &m_texture);
}

void CameraView::upload(const vision::Frame& frame) {
    const bool preview = !frame.preview.empty() && frame.preview.type() == CV_8UC4;
    const cv::Mat& image = preview ? frame.preview : frame.image;
    if (image.empty() || (!preview && image.type() != CV_8UC3))
        return;
    if (!m_texture) {
        glGenTextures(1, &m_texture);
        glBindTexture(GL_TEXTURE_2D, m_texture);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    }
    glBindTexture(GL_TEXTURE_2D, m_texture);
    glPixelStorei(GL_UNPACK_ALIGNMENT, preview ? 4 : 1);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, static_cast<GLint>(image.step / image.elemSize()));
    const GLenum format = preview ? GL_RGBA : GL_BGR;
    if (image.cols != m_textureWidth || image.rows != m_textureHeight) {
        m_textureWidth = image.cols;
        m_textureHeight = image.rows;
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, m_textureWidth, m_textureHeight, 0, format, GL_UNSIGNED_BYTE,
                     image.data);
    } else {
        glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, m_textureWidth, m_textureHeight, format, GL_UNSIGNED_BYTE,
                        image.data);
    }
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    m_width = frame.image.empty() ? image.cols : frame.image.cols;
    m_height = frame.image.empty() ? image.rows : frame.image.rows;
    m_sequence = frame.sequence;
}

void CameraView::draw(const std::shared_ptr<const vision::Frame>& frame,
                      const std::shared_ptr<const vision::DecodeSnapshot>& codes, ImVec2 size,
                      const char* placeholder) {
    if (frame && frame->sequence != m_sequence)
        upload(*frame);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    if (!m_texture || m_width == 0 || !frame) {
        draw->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), IM_COL32(0, 0, 0, 255),
                            6.0f);
        const ImVec2 text = ImGui::CalcTextSize(placeholder);
        draw->AddText(ImVec2(origin.x + (size.x - text.x) / 2, origin.y + (size.y - text.y) / 2),
                      ImGui::GetColorU32(colors::kMuted), placeholder);
        ImGui::Dummy(size);
        return;
    }
    const float scale = std::min(size.x / static_cast<float>(m_width), size.y / static_cast<float>(m_height));
    const ImVec2 shown(static_cast<float>(m_width) * scale, static_cast<float>(m_height) * scale);
    const ImVec2 topLeft(origin.x + (size.x - shown.x) / 2, origin.y + (size.y - shown.y) / 2);
    // Black bands only where the picture does not cover the box (each covered pixel is drawn once:
    // under software OpenGL every layer costs).
    const ImU32 black = IM_COL32(0, 0, 0, 255);
    if (topLeft.x - origin.x >= 1) {
        draw->AddRectFilled(origin, ImVec2(topLeft.x, origin.y + size.y), black);
        draw->AddRectFilled(ImVec2(topLeft.x + shown.x, origin.y),
                            ImVec2(origin.x + size.x, origin.y + size.y), black);
    }
    if (topLeft.y - origin.y >= 1) {
        draw->AddRectFilled(origin, ImVec2(origin.x + size.x, topLeft.y), black);
        draw->AddRectFilled(ImVec2(origin.x, topLeft.y + shown.y),
                            ImVec2(origin.x + size.x, origin.y + size.y), black);
    }
    draw->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(m_texture)), topLeft,
                   ImVec2(topLeft.x + shown.x, topLeft.y + shown.y));
    if (codes && codes->frame && codes->frame->sequence + 30 >= frame->sequence) {
        const auto outline = [&](const vision::ReadCode& code, ImU32 color) {
            ImVec2 pts[4];
            for (int i = 0; i < 4; ++i)
                pts[i] = ImVec2(topLeft.x + code.code.corners[static_cast<size_t>(i)].x * scale,
                                topLeft.y + code.code.corners[static_cast<size_t>(i)].y * scale);
            draw->AddPolyline(pts, 4, color, ImDrawFlags_Closed, 4.0f);
        };
        for (const auto& code : codes->codes)
            outline(code, code.usable() ? ImGui::GetColorU32(colors::kAttention)
                                        : ImGui::GetColorU32(colors::kFail));
        for (const auto& code : codes->confirmed)
            outline(code,
                    code.usable() ? ImGui::GetColorU32(colors::kPass) : ImGui::GetColorU32(colors::kFail));
    }
    ImGui::Dummy(size);
}

} // namespace admix::ui
