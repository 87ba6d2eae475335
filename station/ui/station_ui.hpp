// The station shell: a top bar (station, demo mark, person, room, clock), a row of large navigation
// buttons for what the signed-in role may do, and the current screen below. The controller says
// which screen is up; the shell only draws it. UI thread only.
#pragma once

#include "station/ui/screen.hpp"
#include "station/ui/station_controller.hpp"

#include <memory>
#include <string>
#include <vector>

namespace admix::ui {

class StationUi {
public:
    StationUi(StationController& station, std::string stationName, bool demo);

    // Draws one frame of the whole station into the full window.
    void draw(const Window& window);
    [[nodiscard]] const std::string& currentTitle() const { return m_shown; }

private:
    void drawTopBar(const ScreenContext& context);
    void drawNavigation(const ScreenContext& context);
    Screen* find(const std::string& title);

    StationController& m_station;
    std::string m_stationName;
    bool m_demo;
    std::vector<std::unique_ptr<Screen>> m_screens;
    std::string m_shown;
};

} // namespace admix::ui
