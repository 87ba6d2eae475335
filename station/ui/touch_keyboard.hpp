// An on-screen keyboard for gloved fingers: every key at least `minKeyPx` wide and high. Text gets
// a QWERTY layout when ten keys fit the width, else an alphabetical one of seven columns; numbers,
// dates and local times get a large 3-column pad with only the keys they need. Typing on a physical
// keyboard edits the same text (characters, Backspace). UI thread only; holds no state.
#pragma once

#include <imgui.h>

#include <string>

namespace admix::ui {

enum class KeySet { Text, Number, Date, DateTime };

// The width a text keyboard needs for `columns` keys of `minKeyPx` (plus the item spacing between).
[[nodiscard]] float keyboardWidth(int columns, float minKeyPx);

// Draws the keys for `set` filling `width`, edits `text` (at most `maxLength` bytes); true when the
// text changed this frame.
bool touchKeyboard(std::string& text, KeySet set, float width, float minKeyPx, size_t maxLength);

} // namespace admix::ui
