#include "station/ui/signature_pad.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

namespace admix::ui {

void SignaturePad::open(SignatureRequest request) {
    m_request = std::move(request);
    m_open = true;
    m_badge.clear();
    m_pin.clear();
    m_reason.clear();
    m_message.clear();
}

void SignaturePad::close() {
    m_open = false;
    m_pin.clear();
}

bool SignaturePad::draw(const ScreenContext& context) {
    if (!m_open)
        return false;
    bool signedNow = false;
    const float touch = context.touchPx(kMinTouchMm);
    beginPanel("signature", ImVec2(0, 0));
    ImGui::PushFont(context.fonts.large);
    ImGui::TextColored(colors::kAttention, "%s", m_request.title.c_str());
    ImGui::PopFont();
    ImGui::Separator();
    const float half = ImGui::GetContentRegionAvail().x * 0.5f;

    ImGui::BeginChild("who", ImVec2(half, 0), false, ImGuiWindowFlags_NoBackground); // inside a panel: its colour
    ImGui::TextUnformatted("1. Scan the signer's badge");
    statusChip(m_badge.empty() ? "Badge: waiting" : ("Badge: " + m_badge).c_str(), m_badge.empty() ? Tone::Attention : Tone::Pass);
    for (const auto& [label, badge] : m_request.demoBadges) {
        if (touchButton(("Demo badge: " + label).c_str(), ImVec2(-1, touch)))
            m_badge = badge;
    }
    if (!m_request.reasons.empty()) {
        ImGui::Spacing();
        ImGui::TextUnformatted("2. Reason");
        for (const std::string& reason : m_request.reasons) {
            if (touchButtonWrapped(reason, -1, touch, m_reason == reason ? Tone::Primary : Tone::Neutral))
                m_reason = reason;
        }
    }
    if (!m_message.empty()) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(colors::kFail, "%s", m_message.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("pin", ImVec2(0, 0), false, ImGuiWindowFlags_NoBackground); // inside a panel: its colour
    ImGui::PushFont(context.fonts.large);
    const std::string dots = maskedPin(m_pin);
    centeredText(dots.empty() ? "PIN" : dots.c_str(), dots.empty() ? colors::kMuted : colors::kText);
    ImGui::PopFont();
    const float width = ImGui::GetContentRegionAvail().x;
    const bool enter = pinKeypad(m_pin, width, touch, context.fonts.large);
    const bool ready = !m_badge.empty() && !m_pin.empty() && (m_request.reasons.empty() || !m_reason.empty());
    ImGui::PushFont(context.fonts.large);
    // As tall as the check screen's Approve/Reject: the large font with its padding needs 1.2 keys.
    if (touchButton("Sign", ImVec2(width * 0.6f, touch * 1.2f), Tone::Primary, ready) || (enter && ready))
        signedNow = true;
    ImGui::SameLine();
    if (touchButton("Cancel##signature", ImVec2(0, touch * 1.2f)))
        close();
    ImGui::PopFont();
    ImGui::EndChild();
    endPanel();
    return signedNow;
}

} // namespace admix::ui
