#include "station/ui/widgets.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/ui_map.hpp"

#include <GLFW/glfw3.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cmath>
#include <deque>

namespace admix::ui {

namespace {

ImVec4 toneColor(Tone tone) {
    switch (tone) {
    case Tone::Neutral:
        return ImGui::GetStyle().Colors[ImGuiCol_Button];
    case Tone::Primary:
        return colors::kAccent;
    case Tone::Pass:
        return colors::kPass;
    case Tone::Fail:
        return colors::kFail;
    case Tone::Attention:
        return colors::kAttention;
    case Tone::Hazard:
        return colors::kHazard;
    }
    return colors::kAccent;
}

ImVec4 scaled(ImVec4 c, float k) {
    return ImVec4(c.x * k, c.y * k, c.z * k, c.w);
}

// Panel fills of the frame being built: ImGui keeps only a pointer until it renders, so they live
// here (a deque: pointers stay valid as it grows) until the next frame begins.
struct PanelFill {
    ImVec2 min;
    ImVec2 max;
    ImVec4 colour;
};
std::deque<PanelFill> g_panelFills;

// Runs inside ImGui's OpenGL renderer, in draw order: clears the panel's rectangle (within the
// command's clip rectangle) to its colour. The renderer sets its own scissor for the next command.
void clearPanel(const ImDrawList*, const ImDrawCmd* cmd) {
    const auto* fill = static_cast<const PanelFill*>(cmd->UserCallbackData);
    const ImDrawData* data = ImGui::GetDrawData();
    if (fill == nullptr || data == nullptr)
        return;
    const float x0 = std::max(fill->min.x, cmd->ClipRect.x);
    const float y0 = std::max(fill->min.y, cmd->ClipRect.y);
    const float x1 = std::min(fill->max.x, cmd->ClipRect.z);
    const float y1 = std::min(fill->max.y, cmd->ClipRect.w);
    if (x1 <= x0 || y1 <= y0)
        return;
    const ImVec2 scale = data->FramebufferScale;
    const auto fx = [&](float x) {
        return static_cast<int>(std::lround((x - data->DisplayPos.x) * scale.x));
    };
    const auto fy = [&](float y) {
        return static_cast<int>(std::lround((y - data->DisplayPos.y) * scale.y));
    };
    const int height = static_cast<int>(std::lround(data->DisplaySize.y * scale.y));
    glScissor(fx(x0), height - fy(y1), fx(x1) - fx(x0), fy(y1) - fy(y0));
    glClearColor(fill->colour.x, fill->colour.y, fill->colour.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
}

} // namespace

void panelsBeginFrame() {
    g_panelFills.clear();
}

void beginPanel(const char* id, ImVec2 size, ImVec4 background, ImGuiWindowFlags flags) {
    // The panel's rectangle, resolved as BeginChild does: whole pixels (truncated), then 0 or less
    // is the rest of the region minus that much, at least 4 pixels.
    size = ImVec2(static_cast<float>(static_cast<int>(size.x)), static_cast<float>(static_cast<int>(size.y)));
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 extent(size.x > 0 ? size.x : std::max(avail.x + size.x, 4.0f),
                        size.y > 0 ? size.y : std::max(avail.y + size.y, 4.0f));
    // The clear goes into the parent's list, which is drawn before the child's: the child's border,
    // scroll bar and content then come on top of it.
    g_panelFills.push_back({pos, ImVec2(pos.x + extent.x, pos.y + extent.y), background});
    ImGui::GetWindowDrawList()->AddCallback(clearPanel, &g_panelFills.back());
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0, 0, 0, 0));
    ImGui::PushStyleVar(ImGuiStyleVar_ChildRounding, 0.0f);
    ImGui::BeginChild(id, size, true, flags);
    ImGui::PopStyleVar();
    ImGui::PopStyleColor();
}

void beginPanel(const char* id, ImVec2 size, ImGuiWindowFlags flags) {
    beginPanel(id, size, colors::kPanel, flags);
}

void endPanel() {
    ImGui::EndChild();
}

namespace {

// The smallest gap left between a label and its button's edge: closer than this it reads as cut.
float minLabelGap() {
    return ImGui::GetStyle().ItemInnerSpacing.y * 0.5f;
}

// Draws the button with `drawn` as its (possibly wrapped) label and records it on the ui-map as
// `shown`. The frame padding shrinks, down to minLabelGap(), where the theme's padding would push
// a label that fits the button off its centre or cut it.
bool drawTouchButton(const char* drawn, const std::string& shown, ImVec2 size, Tone tone, bool enabled) {
    const ImVec4 base = toneColor(tone);
    const ImGuiStyle& style = ImGui::GetStyle();
    const ImVec2 text = ImGui::CalcTextSize(drawn, nullptr, true);
    const ImVec2 full =
        ImGui::CalcItemSize(size, text.x + style.FramePadding.x * 2, text.y + style.FramePadding.y * 2);
    const ImVec2 pad(std::clamp((full.x - text.x) * 0.5f, 0.0f, style.FramePadding.x),
                     std::clamp((full.y - text.y) * 0.5f, 0.0f, style.FramePadding.y));
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, pad);
    ImGui::PushStyleColor(ImGuiCol_Button, base);
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, scaled(base, 1.15f));
    ImGui::PushStyleColor(ImGuiCol_ButtonActive, scaled(base, 0.8f));
    // Dark text on the bright amber, white on everything else, for contrast.
    ImGui::PushStyleColor(ImGuiCol_Text, tone == Tone::Attention ? ImVec4(0, 0, 0, 1) : colors::kText);
    if (!enabled)
        ImGui::BeginDisabled();
    const bool pressed = ImGui::Button(drawn, full);
    // Only what a finger can reach now: a button scrolled out of its panel is not on the map.
    if (ImGui::IsItemVisible()) {
        ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
        const float gap = minLabelGap();
        const bool clipped = text.x > full.x - 2 * gap + 0.5f || text.y > full.y - 2 * gap + 0.5f;
        const ImVec2 clipMin = ImGui::GetWindowDrawList()->GetClipRectMin(),
                     clipMax = ImGui::GetWindowDrawList()->GetClipRectMax();
        min = ImVec2(std::max(min.x, clipMin.x), std::max(min.y, clipMin.y));
        max = ImVec2(std::min(max.x, clipMax.x), std::min(max.y, clipMax.y));
        if (max.x - min.x >= 8 && max.y - min.y >= 8)
            uiMapRecord(shown, min, max, enabled, {ImGui::GetItemRectSize(), clipped, false});
    }
    if (!enabled)
        ImGui::EndDisabled();
    ImGui::PopStyleColor(4);
    ImGui::PopStyleVar();
    return pressed && enabled;
}

} // namespace

bool touchButton(const char* label, ImVec2 size, Tone tone, bool enabled) {
    return drawTouchButton(label, label, size, tone, enabled);
}

std::string wrapToWidth(const std::string& text, float width) {
    // Each paragraph (a line the text already breaks) wraps on its own, at spaces only: ImGui's own
    // wrapping also breaks after '.', which splits "0.9%".
    std::string out;
    size_t start = 0;
    while (true) {
        const size_t end = std::min(text.find('\n', start), text.size());
        std::string line;
        for (size_t pos = start; pos <= end;) {
            const size_t space = std::min(text.find(' ', pos), end);
            const std::string word = text.substr(pos, space - pos);
            const std::string candidate = line.empty() ? word : line + " " + word;
            if (!line.empty() && ImGui::CalcTextSize(candidate.c_str()).x > width) {
                out += line + "\n";
                line = word;
            } else {
                line = candidate;
            }
            pos = space + 1;
        }
        out += line;
        if (end >= text.size())
            return out;
        out += "\n";
        start = end + 1;
    }
}

bool touchButtonWrapped(const std::string& label, float width, float minHeight, Tone tone, bool enabled) {
    const size_t hashes = label.find("##");
    const std::string shown = label.substr(0, hashes);
    const std::string id = hashes == std::string::npos ? std::string() : label.substr(hashes);
    const ImGuiStyle& style = ImGui::GetStyle();
    const float full = width > 0 ? width : std::max(ImGui::GetContentRegionAvail().x + width, 4.0f);
    const std::string wrapped = wrapToWidth(shown, full - 2 * style.FramePadding.x);
    const float height =
        std::max(minHeight, ImGui::CalcTextSize(wrapped.c_str()).y + 2 * style.FramePadding.y);
    return drawTouchButton((wrapped + id).c_str(), label, ImVec2(full, height), tone, enabled);
}

void statusChip(const char* text, Tone tone) {
    const ImVec4 color = toneColor(tone);
    const ImVec2 pad = ImGui::GetStyle().FramePadding;
    // Too long for the rest of the row: the words wrap inside a taller chip.
    const float room = ImGui::GetContentRegionAvail().x - pad.x * 2;
    const std::string shown =
        ImGui::CalcTextSize(text).x > room ? wrapToWidth(text, room) : std::string(text);
    const ImVec2 textSize = ImGui::CalcTextSize(shown.c_str());
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const ImVec2 size(textSize.x + pad.x * 2, textSize.y + pad.y);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y), ImGui::GetColorU32(color),
                        (ImGui::GetTextLineHeight() + pad.y) * 0.5f);
    const ImU32 textColor = tone == Tone::Attention ? IM_COL32(0, 0, 0, 255) : IM_COL32(255, 255, 255, 255);
    draw->AddText(ImVec2(pos.x + pad.x, pos.y + pad.y * 0.5f), textColor, shown.c_str());
    ImGui::Dummy(size);
}

void centeredText(const char* text, ImVec4 color) {
    const float width = ImGui::CalcTextSize(text).x;
    const float avail = ImGui::GetContentRegionAvail().x;
    if (avail > width)
        ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (avail - width) * 0.5f);
    ImGui::TextColored(color, "%s", text);
}

bool pinKeypad(std::string& pin, float width, float keyHeight, ImFont* digitsFont, size_t maxLength) {
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const ImVec2 size((width - 2 * gap) / 3.0f, keyHeight);
    // Centre the large digits in keys that may be shorter than the font plus the theme's padding.
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(ImGui::GetStyle().FramePadding.x, 0));
    static const char* const kKeys[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "Back"};
    for (int i = 0; i < 12; ++i) {
        if (i % 3 != 0)
            ImGui::SameLine();
        const std::string label = kKeys[i];
        const bool digit = label.size() == 1;
        ImGui::PushID(i);
        if (digit)
            ImGui::PushFont(digitsFont);
        if (touchButton((label + "##pinkey").c_str(), size)) {
            if (digit && pin.size() < maxLength)
                pin += label;
            else if (label == "Clear")
                pin.clear();
            else if (label == "Back" && !pin.empty())
                pin.pop_back();
        }
        if (digit)
            ImGui::PopFont();
        ImGui::PopID();
    }
    ImGui::PopStyleVar();
    // A physical keypad works too (ImGui 1.86 delivers typed digits as characters).
    for (ImWchar c : ImGui::GetIO().InputQueueCharacters) {
        if (c >= '0' && c <= '9' && pin.size() < maxLength)
            pin += static_cast<char>(c);
    }
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Backspace)) && !pin.empty())
        pin.pop_back();
    return ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) ||
           ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_KeyPadEnter));
}

std::string maskedPin(const std::string& pin) {
    std::string dots;
    for (size_t i = 0; i < pin.size(); ++i)
        dots += "* ";
    return dots;
}

} // namespace admix::ui
