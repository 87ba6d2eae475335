// The station shell: a top bar (station, mode, clock, the signed-in person) over the current screen.
// Screens are owned here and switched by name; the workflow's state reaches them through their own
// setters. UI thread only.
#pragma once

#include "station/ui/screen.hpp"

#include <memory>
#include <string>
#include <vector>

namespace admix::ui {

struct BarChip {
    std::string text;
    int tone = 0; // a ui::Tone value
};

class StationUi {
public:
    StationUi(std::string stationName, bool demo);

    void addScreen(std::unique_ptr<Screen> screen);
    void show(const std::string& title);
    [[nodiscard]] Screen* current() const { return m_current; }
    void setChips(std::vector<BarChip> chips) { m_chips = std::move(chips); }

    // Draws one frame of the whole station into the full window.
    void draw(const Window& window);

private:
    void drawTopBar(const ScreenContext& context);

    std::string m_stationName;
    bool m_demo;
    std::vector<std::unique_ptr<Screen>> m_screens;
    Screen* m_current = nullptr;
    std::vector<BarChip> m_chips;
};

} // namespace admix::ui
