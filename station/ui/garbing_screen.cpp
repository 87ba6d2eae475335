#include "station/ui/garbing_screen.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

namespace admix::ui {

void GarbingScreen::onOpen() {
    m_timerStart.reset();
    m_message.clear();
}

void GarbingScreen::drawContent(const ScreenContext& context) {
    const auto procedure = m_station.garbingProcedure();
    const auto session = m_station.garbing();
    const size_t done = session ? session->stepsDone() : 0;
    const float touch = context.touchPx(kMinTouchMm);

    ImGui::PushFont(context.fonts.large);
    ImGui::TextUnformatted(done >= procedure.size() ? "Garbing complete" : "Garb up before you enter");
    ImGui::PopFont();
    ImGui::TextColored(colors::kMuted, "Room %s - in this order, dirtiest to cleanest. Step %zu of %zu.",
                       m_station.deps().room.c_str(), std::min(done + 1, procedure.size()), procedure.size());
    ImGui::Separator();

    const float listWidth = ImGui::GetContentRegionAvail().x * 0.5f;
    beginPanel("steps", ImVec2(listWidth, 0));
    for (size_t i = 0; i < procedure.size(); ++i) {
        const bool isDone = i < done;
        const bool isNext = i == done;
        const ImVec4 color = isDone ? colors::kPass : isNext ? colors::kText : colors::kMuted;
        ImGui::PushFont(isNext ? context.fonts.bold : context.fonts.body);
        ImGui::PushStyleColor(ImGuiCol_Text, color);
        ImGui::TextWrapped("%s %zu. %s",
                           isDone   ? "[x]"
                           : isNext ? " > "
                                    : "[ ]",
                           i + 1, procedure[i].text.c_str());
        ImGui::PopStyleColor();
        ImGui::PopFont();
    }
    endPanel();
    ImGui::SameLine();
    beginPanel("next", ImVec2(0, 0));
    if (done >= procedure.size()) {
        ImGui::PushFont(context.fonts.large);
        ImGui::TextColored(colors::kPass, "All %zu steps recorded.", procedure.size());
        if (touchButton("Go to the queue", ImVec2(-1, touch * 1.3f), Tone::Primary))
            m_station.go("Home");
        ImGui::PopFont();
    } else {
        const auto& step = procedure[done];
        ImGui::PushFont(context.fonts.large);
        ImGui::PushTextWrapPos(0);
        ImGui::TextUnformatted(step.text.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
        int seconds = 0;
        bool ready = true;
        if (step.minSeconds > 0) {
            if (m_timerStep != step.id)
                m_timerStart.reset();
            if (!m_timerStart) {
                if (touchButton(("Start " + std::to_string(step.minSeconds) + " s timer").c_str(),
                                ImVec2(-1, touch * 1.3f), Tone::Primary)) {
                    m_timerStart = std::chrono::steady_clock::now();
                    m_timerStep = step.id;
                }
                ready = false;
            } else {
                seconds = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::steady_clock::now() - *m_timerStart)
                                               .count());
                ready = seconds >= step.minSeconds;
                ImGui::PushFont(context.fonts.huge);
                ImGui::TextColored(ready ? colors::kPass : colors::kAttention, "%d s", seconds);
                ImGui::PopFont();
                ImGui::TextColored(colors::kMuted, ready ? "Long enough." : "Keep going: at least %d s.",
                                   step.minSeconds);
            }
        }
        ImGui::PushFont(context.fonts.large);
        if (touchButtonWrapped("Done: " + step.text + "##garb", -1, touch * 1.5f, Tone::Pass, ready)) {
            const Status s = m_station.garbingStep(step.id, seconds);
            m_message = s ? "" : s.error().text();
            m_timerStart.reset();
        }
        ImGui::PopFont();
        if (!m_message.empty())
            ImGui::TextColored(colors::kFail, "%s", m_message.c_str());
    }
    endPanel();
}

} // namespace admix::ui
