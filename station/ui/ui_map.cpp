#include "station/ui/ui_map.hpp"

#include <imgui_internal.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace admix::ui {

namespace {
nlohmann::json g_targets = nlohmann::json::array();
nlohmann::json g_overflows = nlohmann::json::array();
std::string g_screen;
std::string g_written;
float g_minTouch = 0;

// Half a pixel of rounding either way is not a cut.
constexpr float kSlackPx = 1.0f;

// "station/detail_1A2B3C4D" -> "station/detail": ImGui's id hash says nothing to a person.
std::string readableWindowName(std::string_view name) {
    std::string out;
    size_t start = 0;
    while (true) {
        const size_t slash = name.find('/', start);
        std::string_view piece =
            name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        const size_t hash = piece.rfind('_');
        if (hash != std::string_view::npos && piece.size() - hash == 9)
            piece = piece.substr(0, hash);
        out += piece;
        if (slash == std::string_view::npos)
            return out;
        out += '/';
        start = slash + 1;
    }
}
} // namespace

void uiMapBeginFrame() {
    g_targets = nlohmann::json::array();
    g_overflows = nlohmann::json::array();
}

void uiMapSetScreen(const std::string& screen) {
    g_screen = screen;
}

void uiMapSetMinTouch(float px) {
    g_minTouch = px;
}

void uiMapRecord(const std::string& label, ImVec2 min, ImVec2 max, bool enabled,
                 const UiMapTargetInfo& info) {
    // "Sign in##login" is shown as "Sign in": tests use what a person reads.
    const std::string shown = label.substr(0, label.find("##"));
    const ImVec2 full = info.fullSize.x > 0 ? info.fullSize : ImVec2(max.x - min.x, max.y - min.y);
    g_targets.push_back({{"label", shown},
                         {"x", (min.x + max.x) / 2},
                         {"y", (min.y + max.y) / 2},
                         {"w", max.x - min.x},
                         {"h", max.y - min.y},
                         {"full_w", full.x},
                         {"full_h", full.y},
                         {"enabled", enabled},
                         {"clipped", info.clipped},
                         {"text", info.isText || shown.rfind("text:", 0) == 0}});
}

void uiMapRecordOverflows() {
    const ImGuiContext* context = ImGui::GetCurrentContext();
    if (context == nullptr)
        return;
    for (const ImGuiWindow* window : context->Windows) {
        if (!window->Active || window->Hidden || window->SkipItems)
            continue;
        const float right = window->DC.CursorMaxPos.x - window->WorkRect.Max.x;
        // A window that cannot scroll down cuts what lies below its inner rectangle.
        const bool canScrollY = window->ScrollbarY && !(window->Flags & ImGuiWindowFlags_NoScrollWithMouse);
        const float below = canScrollY ? 0.0f : window->DC.CursorMaxPos.y - window->InnerRect.Max.y;
        if ((right > kSlackPx && !window->ScrollbarX) || below > kSlackPx)
            g_overflows.push_back({{"window", readableWindowName(window->Name)},
                                   {"right_px", right > kSlackPx ? right : 0.0f},
                                   {"below_px", below > kSlackPx ? below : 0.0f}});
    }
}

void uiMapWrite(const std::string& path) {
    const std::string text = nlohmann::json{
        {"screen", g_screen},
        {"min_touch_px", g_minTouch},
        {"targets", g_targets},
        {"overflows",
         g_overflows}}.dump();
    if (text == g_written)
        return;
    const std::string temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << text;
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (!ec)
        g_written = text;
}

} // namespace admix::ui
