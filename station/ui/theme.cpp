#include "station/ui/theme.hpp"

namespace admix::ui {

void applyTheme(float fontSize) {
    ImGuiStyle& style = ImGui::GetStyle();
    ImGui::StyleColorsDark(&style);
    const float unit = fontSize / 28.0f;
    style.WindowPadding = ImVec2(24 * unit, 20 * unit);
    style.FramePadding = ImVec2(22 * unit, 18 * unit);
    style.ItemSpacing = ImVec2(18 * unit, 16 * unit);
    style.ItemInnerSpacing = ImVec2(12 * unit, 10 * unit);
    style.ScrollbarSize = 36 * unit; // a scrollbar a finger can drag
    style.GrabMinSize = 36 * unit;
    style.FrameRounding = 8 * unit;
    style.WindowRounding = 0;
    style.ChildRounding = 8 * unit;
    style.WindowBorderSize = 0;
    style.AntiAliasedLinesUseTex =
        false; // the font texture is sampled nearest (Window), so lines are shaded, not textured
    style.FrameBorderSize = 2;
    style.TouchExtraPadding = ImVec2(4 * unit, 4 * unit);

    ImVec4* c = style.Colors;
    c[ImGuiCol_Text] = colors::kText;
    c[ImGuiCol_TextDisabled] = colors::kMuted;
    c[ImGuiCol_WindowBg] = ImVec4(0.06f, 0.07f, 0.09f, 1.0f);
    c[ImGuiCol_ChildBg] = colors::kPanel;
    c[ImGuiCol_Border] = ImVec4(0.35f, 0.37f, 0.42f, 1.0f);
    c[ImGuiCol_FrameBg] = ImVec4(0.18f, 0.19f, 0.23f, 1.0f);
    c[ImGuiCol_Button] = ImVec4(0.22f, 0.24f, 0.29f, 1.0f);
    c[ImGuiCol_ButtonHovered] = ImVec4(0.30f, 0.33f, 0.40f, 1.0f);
    c[ImGuiCol_ButtonActive] = colors::kAccent;
    c[ImGuiCol_Header] = ImVec4(0.22f, 0.24f, 0.29f, 1.0f);
    c[ImGuiCol_HeaderHovered] = ImVec4(0.30f, 0.33f, 0.40f, 1.0f);
    c[ImGuiCol_HeaderActive] = colors::kAccent;
    c[ImGuiCol_Separator] = ImVec4(0.35f, 0.37f, 0.42f, 1.0f);
}

} // namespace admix::ui
