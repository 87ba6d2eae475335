#include "station/ui/devices_screen.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

namespace admix::ui {

void DevicesScreen::drawContent(const ScreenContext& context) {
    ImGui::PushFont(context.fonts.large);
    ImGui::TextUnformatted("Devices");
    ImGui::PopFont();
    ImGui::PushTextWrapPos(0);
    for (const auto& d : m_station.deviceStatuses()) {
        const bool ok =
            d.state == devices::ConnectionState::Connected || d.state == devices::ConnectionState::Reading;
        const std::string text = d.name + " (" + std::string(devices::deviceKindName(d.kind)) +
                                 "): " + std::string(devices::connectionStateName(d.state)) +
                                 (d.detail.empty() ? "" : " - " + d.detail);
        statusChip(text.c_str(), ok                                           ? Tone::Pass
                                 : d.state == devices::ConnectionState::Error ? Tone::Fail
                                                                              : Tone::Attention);
    }
    if (m_station.deviceStatuses().empty())
        ImGui::TextColored(colors::kMuted,
                           "No devices configured (see the README: [[devices]] in the config file).");
    if (const auto b = m_station.balance()) {
        ImGui::Separator();
        ImGui::Text("Balance %s, serial %s", b->identity.model.c_str(), b->identity.serial.c_str());
        ImGui::Text("%llu readings, %llu rejected lines (never used as weights), %llu disconnects",
                    static_cast<unsigned long long>(b->readings),
                    static_cast<unsigned long long>(b->rejectedLines),
                    static_cast<unsigned long long>(b->disconnects));
        if (!b->lastRejected.empty())
            ImGui::TextColored(colors::kMuted, "last rejected: %s", b->lastRejected.c_str());
    }
    ImGui::Separator();
    ImGui::Text("Camera: %s", m_station.cameraStatus().c_str());
    if (const auto d = m_station.decoded())
        ImGui::Text("Decoding: %.1f ms per frame, %llu frames decoded", d->decodeMs,
                    static_cast<unsigned long long>(d->framesDecoded));
    ImGui::PopTextWrapPos();
    if (context.demo) {
        ImGui::Separator();
        const float touch = context.touchPx(kMinTouchMm);
        if (touchButton("Demo: unplug the balance", ImVec2(0, touch), Tone::Fail))
            m_station.demoUnplugBalance(true);
        ImGui::SameLine();
        if (touchButton("Demo: plug it back", ImVec2(0, touch), Tone::Pass))
            m_station.demoUnplugBalance(false);
    }
}

void HistoryScreen::onOpen() {
    m_rows = m_station.recentPreparations();
}

void HistoryScreen::drawContent(const ScreenContext& context) {
    ImGui::PushFont(context.fonts.large);
    ImGui::TextUnformatted("Recent preparations");
    ImGui::PopFont();
    if (ImGui::BeginTable("history", 5,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_BordersInnerH)) {
        ImGui::TableSetupColumn("Preparation");
        ImGui::TableSetupColumn("Recipe");
        ImGui::TableSetupColumn("Started");
        ImGui::TableSetupColumn("By");
        ImGui::TableSetupColumn("State");
        ImGui::TableHeadersRow();
        for (const auto& r : m_rows) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(r.prepNumber.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(r.recipeId.c_str());
            ImGui::TableNextColumn();
            const auto started = parseIsoUtc(r.startedUtc);
            ImGui::TextUnformatted(started ? formatLocal(*started).c_str() : r.startedUtc.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(r.technician.c_str());
            ImGui::TableNextColumn();
            const ImVec4 color = r.status == "released"                              ? colors::kPass
                                 : r.status == "rejected" || r.status == "cancelled" ? colors::kFail
                                                                                     : colors::kAttention;
            ImGui::TextColored(color, "%s", r.status.c_str());
        }
        ImGui::EndTable();
    }
}

} // namespace admix::ui
