// A map of the touch targets drawn in the last frame (label and screen rectangle), written as JSON
// when the station runs with --ui-map FILE, so that GUI tests can click a button by its label with
// real input events (xdotool) rather than by guessed coordinates. UI thread only.
#pragma once

#include <imgui.h>

#include <string>

namespace admix::ui {

void uiMapBeginFrame();
void uiMapRecord(const std::string& label, ImVec2 min, ImVec2 max, bool enabled);
void uiMapSetScreen(const std::string& screen);
// Writes the map when it changed since the last write (atomically: temp file, rename).
void uiMapWrite(const std::string& path);

} // namespace admix::ui
