#include "station/ui/station_ui.hpp"

#include "formulas/time.hpp"
#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

namespace admix::ui {

StationUi::StationUi(std::string stationName, bool demo) : m_stationName(std::move(stationName)), m_demo(demo) {}

void StationUi::addScreen(std::unique_ptr<Screen> screen) {
    m_screens.push_back(std::move(screen));
    if (!m_current) {
        m_current = m_screens.back().get();
        m_current->onOpen();
    }
}

void StationUi::show(const std::string& title) {
    for (const auto& screen : m_screens) {
        if (title == screen->title() && screen.get() != m_current) {
            if (m_current)
                m_current->onClose();
            m_current = screen.get();
            m_current->onOpen();
        }
    }
}

void StationUi::drawTopBar(const ScreenContext& context) {
    ImGui::PushFont(context.fonts.large);
    ImGui::TextUnformatted(m_stationName.c_str());
    ImGui::PopFont();
    ImGui::SameLine();
    ImGui::SetCursorPosY(ImGui::GetCursorPosY() + ImGui::GetStyle().FramePadding.y * 0.5f);
    if (m_demo)
        statusChip("DEMO - not for patient use", Tone::Attention), ImGui::SameLine();
    for (const BarChip& chip : m_chips) {
        statusChip(chip.text.c_str(), static_cast<Tone>(chip.tone));
        ImGui::SameLine();
    }
    const std::string clock = formatLocal(nowUtc());
    ImGui::PushFont(context.fonts.large);
    const float clockWidth = ImGui::CalcTextSize(clock.c_str()).x;
    ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - clockWidth);
    ImGui::TextUnformatted(clock.c_str());
    ImGui::PopFont();
    ImGui::Separator();
}

void StationUi::draw(const Window& window) {
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    constexpr ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                       ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings |
                                       ImGuiWindowFlags_NoBringToFrontOnFocus;
    ImGui::Begin("station", nullptr, flags);
    const ScreenContext context{window.fonts(), window.pixelsPerMm(), m_stationName, m_demo};
    drawTopBar(context);
    if (m_current) {
        ImGui::PushFont(context.fonts.body);
        m_current->drawContent(context);
        ImGui::PopFont();
    }
    ImGui::End();
}

} // namespace admix::ui
