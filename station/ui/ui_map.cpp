#include "station/ui/ui_map.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace admix::ui {

namespace {
nlohmann::json g_targets = nlohmann::json::array();
std::string g_screen;
std::string g_written;
} // namespace

void uiMapBeginFrame() { g_targets = nlohmann::json::array(); }

void uiMapSetScreen(const std::string& screen) { g_screen = screen; }

void uiMapRecord(const std::string& label, ImVec2 min, ImVec2 max, bool enabled) {
    // "Sign in##login" is shown as "Sign in": tests use what a person reads.
    const std::string shown = label.substr(0, label.find("##"));
    g_targets.push_back({{"label", shown}, {"x", (min.x + max.x) / 2}, {"y", (min.y + max.y) / 2}, {"w", max.x - min.x},
                         {"h", max.y - min.y}, {"enabled", enabled}});
}

void uiMapWrite(const std::string& path) {
    const std::string text = nlohmann::json{{"screen", g_screen}, {"targets", g_targets}}.dump();
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
