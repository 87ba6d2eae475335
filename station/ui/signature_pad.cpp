#include "station/ui/signature_pad.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/ui_map.hpp"
#include "station/ui/widgets.hpp"

#include <imgui_stdlib.h>

#include <algorithm>

namespace admix::ui {

namespace {

constexpr size_t kMaxSecret = 128;

// The field's rectangle on the ui-map, so that a test can tap it like a finger would.
void recordField(const char* label) {
    if (ImGui::IsItemVisible())
        uiMapRecord(label, ImGui::GetItemRectMin(), ImGui::GetItemRectMax(), true);
}

} // namespace

void SignaturePad::open(SignatureRequest request) {
    m_request = std::move(request);
    m_open = true;
    m_badge.clear();
    m_username.clear();
    m_reason.clear();
    m_message.clear();
    m_typingPassword = false;
    m_shift = false;
    clearSecrets();
}

void SignaturePad::close() {
    m_open = false;
    clearSecrets();
}

void SignaturePad::clearSecrets() {
    std::fill(m_pin.begin(), m_pin.end(), '\0');
    m_pin.clear();
    std::fill(m_password.begin(), m_password.end(), '\0');
    m_password.clear();
}

void SignaturePad::badgeScanned(const std::string& badge) {
    // A badge scanned is the way to sign, whichever mode was up.
    m_badge = badge;
    if (m_byPassword) {
        m_byPassword = false;
        clearSecrets();
    }
}

void SignaturePad::drawPasswordFields(float touch) {
    // Fields as tall as a touch target: the frame padding makes the height.
    const float padY = std::max(ImGui::GetStyle().FramePadding.y, (touch - ImGui::GetFontSize()) * 0.5f);
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(ImGui::GetStyle().FramePadding.x, padY));
    ImGui::TextUnformatted("User name");
    ImGui::SetNextItemWidth(-1);
    ImGui::InputText("##sig-username", &m_username, ImGuiInputTextFlags_AutoSelectAll);
    if (ImGui::IsItemActivated())
        m_typingPassword = false;
    recordField("Username field");
    ImGui::TextUnformatted("Password");
    ImGui::SetNextItemWidth(-1);
    ImGui::InputText("##sig-password", &m_password,
                     ImGuiInputTextFlags_Password | ImGuiInputTextFlags_AutoSelectAll);
    if (ImGui::IsItemActivated())
        m_typingPassword = true;
    recordField("Password field");
    ImGui::PopStyleVar();
    if (m_username.size() > kMaxSecret)
        m_username.resize(kMaxSecret);
    if (m_password.size() > kMaxSecret)
        m_password.resize(kMaxSecret);
}

void SignaturePad::drawKeys(float touch) {
    // On-screen keys for a touchscreen without a keyboard: they type into the field last chosen.
    ImGui::Spacing();
    ImGui::TextColored(colors::kMuted, "Keys type into the %s.", m_typingPassword ? "password" : "user name");
    // Keys at least a touch target wide: as many to a row as fit, the rest flowing to the next row.
    static const std::string kKeys = "1234567890qwertyuiopasdfghjklzxcvbnm.-_@";
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float width = ImGui::GetContentRegionAvail().x;
    const int perRow = std::max(1, static_cast<int>((width + gap) / (touch + gap)));
    const ImVec2 key(
        std::max(touch, (width - static_cast<float>(perRow - 1) * gap) / static_cast<float>(perRow)), touch);
    std::string& target = m_typingPassword ? m_password : m_username;
    ImGui::PushID("keys");
    for (size_t i = 0; i < kKeys.size(); ++i) {
        if (i % static_cast<size_t>(perRow) != 0)
            ImGui::SameLine();
        char c = kKeys[i];
        if (m_shift && c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
        const std::string label(1, c);
        ImGui::PushID(static_cast<int>(i));
        if (touchButton((label + "##key").c_str(), key) && target.size() < kMaxSecret) {
            target += c;
            m_shift = false;
        }
        ImGui::PopID();
    }
    const float third = (width - 2 * gap) / 3.0f;
    if (touchButton("Shift##key", ImVec2(third, touch), m_shift ? Tone::Primary : Tone::Neutral))
        m_shift = !m_shift;
    ImGui::SameLine();
    if (touchButton("Back##key", ImVec2(third, touch)) && !target.empty())
        target.pop_back();
    ImGui::SameLine();
    if (touchButton(m_typingPassword ? "To user name##key" : "To password##key", ImVec2(third, touch)))
        m_typingPassword = !m_typingPassword;
    ImGui::PopID();
}

bool SignaturePad::draw(const ScreenContext& context) {
    if (!m_open)
        return false;
    bool signedNow = false;
    const float touch = context.touchPx(kMinTouchMm);
    beginPanel("signature", ImVec2(0, 0));
    ImGui::PushFont(context.fonts.large);
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(colors::kAttention, "%s", m_request.title.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    ImGui::Separator();
    const float half = ImGui::GetContentRegionAvail().x * 0.5f;

    ImGui::BeginChild("who", ImVec2(half, 0), false,
                      ImGuiWindowFlags_NoBackground); // inside a panel: its colour
    ImGui::PushTextWrapPos(0);
    if (!m_byPassword) {
        ImGui::TextUnformatted("1. Scan the signer's badge");
        statusChip(m_badge.empty() ? "Badge: waiting" : ("Badge: " + m_badge).c_str(),
                   m_badge.empty() ? Tone::Attention : Tone::Pass);
        uiMapRecord(m_badge.empty() ? "text:badge=waiting" : "text:badge=read", ImGui::GetItemRectMin(),
                    ImGui::GetItemRectMax(), true);
        for (const auto& [label, badge] : m_request.demoBadges) {
            if (touchButton(("Demo badge: " + label).c_str(), ImVec2(-1, touch)))
                m_badge = badge;
        }
    } else {
        ImGui::TextUnformatted("1. Your user name and password (a badge scanned now signs by badge instead)");
    }
    // A site without badges signs with the account's user name and password.
    if (touchButton(m_byPassword ? "Sign with badge and PIN" : "Sign with username and password",
                    ImVec2(-1, touch))) {
        m_byPassword = !m_byPassword;
        m_typingPassword = false;
        m_message.clear();
        clearSecrets();
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
        ImGui::TextColored(colors::kFail, "%s", m_message.c_str());
        uiMapRecord("text:signature-refused=" + m_message, ImGui::GetItemRectMin(), ImGui::GetItemRectMax(),
                    true);
    }
    // The on-screen keys where there is room: under the mode button when no reason is asked.
    const bool keysLeft = m_byPassword && m_request.reasons.empty();
    if (keysLeft)
        drawKeys(touch);
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("pin", ImVec2(0, 0), false,
                      ImGuiWindowFlags_NoBackground); // inside a panel: its colour
    bool enter = false;
    if (m_byPassword) {
        drawPasswordFields(touch);
        enter = ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) ||
                ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_KeyPadEnter));
    } else {
        ImGui::PushFont(context.fonts.large);
        const std::string dots = maskedPin(m_pin);
        centeredText(dots.empty() ? "PIN" : dots.c_str(), dots.empty() ? colors::kMuted : colors::kText);
        ImGui::PopFont();
        enter = pinKeypad(m_pin, ImGui::GetContentRegionAvail().x, touch, context.fonts.large);
    }
    const float width = ImGui::GetContentRegionAvail().x;
    const bool who =
        m_byPassword ? !m_username.empty() && !m_password.empty() : !m_badge.empty() && !m_pin.empty();
    const bool ready = who && (m_request.reasons.empty() || !m_reason.empty());
    ImGui::PushFont(context.fonts.large);
    // As tall as the check screen's Approve/Reject: the large font with its padding needs 1.2 keys.
    if (touchButton("Sign", ImVec2(width * 0.6f, touch * 1.2f), Tone::Primary, ready) || (enter && ready))
        signedNow = true;
    ImGui::SameLine();
    if (touchButton("Cancel##signature", ImVec2(0, touch * 1.2f)))
        close();
    ImGui::PopFont();
    // Below Sign, so that Sign stays in view when the keys need to scroll on a small panel.
    if (m_byPassword && m_open && !keysLeft)
        drawKeys(touch);
    ImGui::EndChild();
    endPanel();
    return signedNow;
}

} // namespace admix::ui
