// The station's look: a high-contrast dark theme for the hood (bright text on near-black, status in
// colour plus icon and words), large paddings so every control is a gloved-finger target, and the
// colours screens use for pass / fail / attention. UI thread only.
#pragma once

#include <imgui.h>

namespace admix::ui {

namespace colors {
inline const ImVec4 kPass{0.16f, 0.72f, 0.33f, 1.0f};      // green: gate passed
inline const ImVec4 kFail{0.86f, 0.18f, 0.18f, 1.0f};      // red: blocked, out of tolerance
inline const ImVec4 kAttention{0.98f, 0.72f, 0.10f, 1.0f}; // amber: waiting, due soon
inline const ImVec4 kHazard{0.62f, 0.20f, 0.80f, 1.0f};    // purple: hazardous drug (USP <800>)
inline const ImVec4 kText{0.96f, 0.96f, 0.96f, 1.0f};
inline const ImVec4 kMuted{0.70f, 0.72f, 0.76f, 1.0f};
inline const ImVec4 kPanel{0.13f, 0.14f, 0.17f, 1.0f};
inline const ImVec4 kAccent{0.18f, 0.45f, 0.85f, 1.0f}; // primary action
} // namespace colors

// Minimum edge of a touch target in millimetres (gloved finger; ISO 9241-9 and common clinical
// touchscreen guidance ask for 15 mm or more).
inline constexpr float kMinTouchMm = 15.0f;

void applyTheme(float fontSize);

} // namespace admix::ui
