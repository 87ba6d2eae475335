// A map of the touch targets drawn in the last frame (label and screen rectangle), written as JSON
// when the station runs with --ui-map FILE, so that GUI tests can click a button by its label with
// real input events (xdotool) rather than by guessed coordinates. It also says what a person could
// not read: a target whose label does not fit inside it ("clipped"), and every window whose content
// runs past its visible edge ("overflows"), so a test can refuse cut-off text. UI thread only.
#pragma once

#include <imgui.h>

#include <string>

namespace admix::ui {

// What a touch target looked like in this frame, beyond its label and visible rectangle.
struct UiMapTargetInfo {
    ImVec2 fullSize{0, 0}; // its whole size, also when part of it is scrolled out of its panel
    bool clipped = false;  // its label is wider or taller than the space inside it
    bool isText = false;   // a line of text recorded for tests to read, not something to touch
};

void uiMapBeginFrame();
void uiMapRecord(const std::string& label, ImVec2 min, ImVec2 max, bool enabled,
                 const UiMapTargetInfo& info = {});
void uiMapSetScreen(const std::string& screen);
// The smallest edge a touch target may have on this panel, in pixels (kMinTouchMm at its density).
void uiMapSetMinTouch(float px);
// Call after the frame's windows are built (before the next frame begins): records every window
// whose items reach past its visible width, or past its height where it cannot scroll.
void uiMapRecordOverflows();
// Writes the map when it changed since the last write (atomically: temp file, rename).
void uiMapWrite(const std::string& path);

} // namespace admix::ui
