// A screen of the touchscreen app: one class per thing the technician sees (login, home, prep, ...),
// drawn from state it is given, never owning workflow state. UI thread only.
#pragma once

#include "station/ui/window.hpp"

#include <string>

namespace admix::ui {

// What every screen may read while drawing: fonts, the panel's pixel density, the station name.
struct ScreenContext {
    const Fonts& fonts;
    float pixelsPerMm;
    std::string stationName;
    bool demo = false;

    // The edge of a touch target of at least kMinTouchMm on this panel, in pixels.
    [[nodiscard]] float touchPx(float mm) const { return mm * pixelsPerMm; }
};

class Screen {
public:
    virtual ~Screen() = default;
    [[nodiscard]] virtual const char* title() const = 0;
    virtual void onOpen() {}
    virtual void onClose() {}
    // Draws the screen's content inside the area below the station's top bar.
    virtual void drawContent(const ScreenContext& context) = 0;
};

} // namespace admix::ui
