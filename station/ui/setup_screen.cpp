#include "station/ui/setup_screen.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/ui_map.hpp"

#include <imgui.h>

namespace admix::ui {

namespace {

// Wrapped text, recorded in the UI map (disabled: not a touch target) so tests read what it says.
void line(const std::string& text, ImVec4 color) {
    const ImVec2 min = ImGui::GetCursorScreenPos();
    ImGui::PushStyleColor(ImGuiCol_Text, color);
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PopStyleColor();
    const ImVec2 max(min.x + ImGui::GetContentRegionAvail().x, ImGui::GetItemRectMax().y);
    uiMapRecord(text, min, max, false, {ImVec2(0, 0), false, true});
}

} // namespace

void SetupScreen::drawContent(const ScreenContext& context) {
    ImGui::PushFont(context.fonts.large);
    line("This station cannot prepare yet. Missing:", ImGui::GetStyle().Colors[ImGuiCol_Text]);
    ImGui::PopFont();
    ImGui::Spacing();
    for (const auto& gap : m_station.deps().setupGaps) {
        line(gap.missing, colors::kFail);
        ImGui::Indent(context.touchPx(4.0f));
        line(gap.command, colors::kMuted);
        ImGui::Unindent(context.touchPx(4.0f));
        ImGui::Spacing();
    }
    ImGui::Spacing();
    line("Run these commands on this computer (README: Setting up a real site); this screen checks again "
         "every two seconds and gives way to sign-in once nothing is missing.",
         ImGui::GetStyle().Colors[ImGuiCol_Text]);
}

} // namespace admix::ui
