#include "station/ui/login_screen.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/ui_map.hpp"
#include "station/ui/widgets.hpp"

#include <algorithm>

namespace admix::ui {

namespace {

// The demo users' badges (see the README's demo section); shown only in demo mode.
struct DemoBadge {
    const char* label;
    const char* badge;
    const char* pin;
};
constexpr DemoBadge kDemoBadges[] = {{"T. Nguyen - technician", "B-1001", "4821"},
                                     {"J. Smith - technician", "B-1002", "5532"},
                                     {"R. Patel - pharmacist", "B-2001", "7350"}};

} // namespace

void LoginScreen::onOpen() {
    m_badge.clear();
    m_pin.clear();
    m_message.clear();
}

void LoginScreen::submit() {
    if (m_badge.empty()) {
        m_message = "Scan your badge first.";
        return;
    }
    const Status result = m_station.signIn(m_badge, m_pin);
    m_pin.clear();
    if (!result)
        m_message = result.error().text();
    else
        onOpen();
}

void LoginScreen::drawContent(const ScreenContext& context) {
    for (const std::string& scan : m_station.takeBadgeScans()) {
        m_badge = scan;
        m_pin.clear();
        m_message.clear();
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float touch = context.touchPx(kMinTouchMm);
    const float padWidth = std::min(avail.x * 0.42f, touch * 7.0f);

    beginPanel("instructions", ImVec2(avail.x - padWidth - ImGui::GetStyle().ItemSpacing.x, avail.y));
    ImGui::PushTextWrapPos(0);
    ImGui::PushFont(context.fonts.huge);
    ImGui::TextUnformatted(m_badge.empty() ? "Scan your badge" : "Enter your PIN");
    ImGui::PopFont();
    ImGui::PushFont(context.fonts.large);
    ImGui::TextColored(colors::kMuted, "%s",
                       m_badge.empty() ? "Hold your badge under the scanner." : "Then press Sign in.");
    ImGui::PopFont();
    ImGui::PopTextWrapPos();
    ImGui::Spacing();
    statusChip(m_badge.empty() ? "Badge: waiting" : "Badge: read",
               m_badge.empty() ? Tone::Attention : Tone::Pass);
    // On the ui-map for GUI tests: whether a badge was read (never the badge itself).
    uiMapRecord(m_badge.empty() ? "text:badge=waiting" : "text:badge=read", ImGui::GetItemRectMin(),
                ImGui::GetItemRectMax(), true);
    ImGui::SameLine();
    statusChip(m_pin.empty() ? "PIN: waiting" : "PIN: entered", m_pin.empty() ? Tone::Neutral : Tone::Pass);
    if (!m_message.empty()) {
        ImGui::PushFont(context.fonts.bold);
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextColored(colors::kFail, "%s", m_message.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
    }
    if (context.demo) {
        ImGui::Spacing();
        ImGui::Separator();
        ImGui::TextColored(colors::kMuted, "Demo: tap a badge (PIN shown for the demo only)");
        for (const DemoBadge& b : kDemoBadges) {
            const std::string label = std::string(b.label) + "  (PIN " + b.pin + ")";
            if (touchButtonWrapped(label, -1, touch, m_badge == b.badge ? Tone::Primary : Tone::Neutral)) {
                m_badge = b.badge;
                m_pin.clear();
                m_message.clear();
            }
        }
    }
    endPanel();
    ImGui::SameLine();

    beginPanel("keypad", ImVec2(0, avail.y));
    ImGui::PushFont(context.fonts.large);
    const std::string dots = maskedPin(m_pin);
    centeredText(dots.empty() ? "PIN" : dots.c_str(), dots.empty() ? colors::kMuted : colors::kText);
    ImGui::PopFont();
    ImGui::Separator();
    const float width = ImGui::GetContentRegionAvail().x;
    const float keyHeight = std::max(touch, (ImGui::GetContentRegionAvail().y - touch * 1.4f) / 4.0f -
                                                ImGui::GetStyle().ItemSpacing.y);
    const bool enter = pinKeypad(m_pin, width, keyHeight, context.fonts.large);
    ImGui::PushFont(context.fonts.large);
    if (touchButton("Sign in", ImVec2(width, touch * 1.2f), Tone::Primary, !m_pin.empty()) ||
        (enter && !m_pin.empty()))
        submit();
    ImGui::PopFont();
    endPanel();
}

} // namespace admix::ui
