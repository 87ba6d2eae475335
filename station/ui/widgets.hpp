// Touch widgets shared by the screens: big buttons with a minimum physical size, and status chips
// that say a state in colour, icon and words (never colour alone). UI thread only.
#pragma once

#include <imgui.h>

#include <string>

namespace admix::ui {

enum class Tone { Neutral, Primary, Pass, Fail, Attention, Hazard };

// A button at least `minEdgePx` high and wide (pass ScreenContext::touchPx(kMinTouchMm)).
bool touchButton(const char* label, ImVec2 size, Tone tone = Tone::Neutral, bool enabled = true);
// The same, with a label that wraps at word boundaries to `width` (0 or less: the rest of the row
// minus that much); the button grows taller than `minHeight` to hold every line.
bool touchButtonWrapped(const std::string& label, float width, float minHeight, Tone tone = Tone::Neutral,
                        bool enabled = true);
// `text` with line breaks at spaces (each line it already has wraps on its own) so that no line is
// wider than `width` in the current font (a word wider than that stays whole on its own line).
std::string wrapToWidth(const std::string& text, float width);
// A rounded chip: "✓ Room in spec" on green, "✗ Balance offline" on red, ...
void statusChip(const char* text, Tone tone);
// Text centred horizontally in the current window/child.
void centeredText(const char* text, ImVec4 color = ImGui::GetStyle().Colors[ImGuiCol_Text]);

// A 3x4 PIN keypad (digits, Clear, Back) filling `width`; typed digits from a physical keypad count
// too. Returns true when Enter was pressed on a physical keyboard.
bool pinKeypad(std::string& pin, float width, float keyHeight, ImFont* digitsFont, size_t maxLength = 12);
// A panel (an ImGui child window with a border) whose background is painted by a scissored
// glClear instead of a blended rectangle: under software OpenGL a large blended fill costs
// milliseconds a frame, a clear far less. Square corners. Always pair with endPanel().
void beginPanel(const char* id, ImVec2 size, ImVec4 background, ImGuiWindowFlags flags = 0);
void beginPanel(const char* id, ImVec2 size, ImGuiWindowFlags flags = 0); // the theme's panel colour
void endPanel();
// Call once a frame before drawing (drops the previous frame's panel fills).
void panelsBeginFrame();

// "* * * *" for a PIN, or the placeholder.
std::string maskedPin(const std::string& pin);

} // namespace admix::ui
