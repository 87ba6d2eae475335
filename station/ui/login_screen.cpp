#include "station/ui/login_screen.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

#include <algorithm>

namespace admix::ui {

namespace {
constexpr size_t kMaxPinLength = 12;
}

void LoginScreen::onOpen() {
    m_badge.clear();
    m_pin.clear();
    m_message.clear();
}

void LoginScreen::badgeScanned(const std::string& badge) {
    m_badge = badge;
    m_pin.clear();
    m_message = "Badge read. Enter your PIN.";
    m_messageIsError = false;
}

void LoginScreen::submit() {
    if (m_badge.empty()) {
        m_message = "Scan your badge first.";
        m_messageIsError = true;
        return;
    }
    const Status result = m_authenticate(m_badge, m_pin);
    m_pin.clear();
    if (!result) {
        m_message = result.error().text();
        m_messageIsError = true;
    }
}

void LoginScreen::drawKeypad(const ScreenContext& context, float width) {
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float key = std::max(context.touchPx(kMinTouchMm * 1.4f), (width - 2 * gap) / 3.0f);
    const ImVec2 size(key, key * 0.72f);
    static const char* const kKeys[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "Back"};
    for (int i = 0; i < 12; ++i) {
        if (i % 3 != 0)
            ImGui::SameLine();
        ImGui::PushID(i);
        ImGui::PushFont(context.fonts.large);
        const std::string label = kKeys[i];
        const bool digit = label.size() == 1;
        if (!digit)
            ImGui::PopFont(), ImGui::PushFont(context.fonts.bold);
        if (touchButton(label.c_str(), size)) {
            if (digit && m_pin.size() < kMaxPinLength)
                m_pin += label;
            else if (label == "Clear")
                m_pin.clear();
            else if (label == "Back" && !m_pin.empty())
                m_pin.pop_back();
        }
        ImGui::PopFont();
        ImGui::PopID();
    }
    // A physical keypad or keyboard works too (ImGui 1.86 delivers typed digits as characters).
    const ImGuiIO& io = ImGui::GetIO();
    for (ImWchar c : io.InputQueueCharacters) {
        if (c >= '0' && c <= '9' && m_pin.size() < kMaxPinLength)
            m_pin += static_cast<char>(c);
    }
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Backspace)) && !m_pin.empty())
        m_pin.pop_back();
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_KeyPadEnter)))
        submit();
}

void LoginScreen::drawContent(const ScreenContext& context) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float padWidth = std::min(avail.x * 0.42f, context.touchPx(kMinTouchMm) * 3.0f * 2.2f);

    // Left: what to do, in a few large words.
    ImGui::BeginChild("instructions", ImVec2(avail.x - padWidth - ImGui::GetStyle().ItemSpacing.x * 3, avail.y), true);
    ImGui::PushFont(context.fonts.huge);
    ImGui::TextUnformatted(m_badge.empty() ? "Scan your badge" : "Enter your PIN");
    ImGui::PopFont();
    ImGui::Spacing();
    ImGui::PushFont(context.fonts.large);
    ImGui::TextColored(colors::kMuted, "%s", m_badge.empty() ? "Hold your badge under the scanner." : "Then press Sign in.");
    ImGui::PopFont();
    ImGui::Spacing();
    ImGui::Spacing();
    ImGui::TextColored(colors::kMuted, "Step 1");
    ImGui::SameLine();
    statusChip(m_badge.empty() ? "Badge: waiting" : "Badge: read", m_badge.empty() ? Tone::Attention : Tone::Pass);
    ImGui::TextColored(colors::kMuted, "Step 2");
    ImGui::SameLine();
    statusChip(m_pin.empty() ? "PIN: waiting" : "PIN: entered", m_pin.empty() ? Tone::Neutral : Tone::Pass);
    if (!m_message.empty()) {
        ImGui::Spacing();
        ImGui::PushFont(context.fonts.bold);
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextColored(m_messageIsError ? colors::kFail : colors::kPass, "%s", m_message.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
    }
    ImGui::EndChild();

    ImGui::SameLine();

    // Right: the PIN, masked, over the keypad and the Sign in button.
    ImGui::BeginChild("keypad", ImVec2(0, avail.y), true);
    ImGui::PushFont(context.fonts.large);
    std::string dots;
    for (size_t i = 0; i < m_pin.size(); ++i)
        dots += "* ";
    centeredText(dots.empty() ? "PIN" : dots.c_str(), dots.empty() ? colors::kMuted : colors::kText);
    ImGui::PopFont();
    ImGui::Separator();
    drawKeypad(context, ImGui::GetContentRegionAvail().x);
    ImGui::PushFont(context.fonts.large);
    if (touchButton("Sign in", ImVec2(ImGui::GetContentRegionAvail().x, context.touchPx(kMinTouchMm * 1.3f)),
                    Tone::Primary, !m_pin.empty()))
        submit();
    ImGui::PopFont();
    ImGui::EndChild();
}

} // namespace admix::ui
