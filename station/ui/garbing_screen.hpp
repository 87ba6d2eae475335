// Garbing at entry: the site's USP <797> (or, for a hazardous-drug room, USP <800>) procedure as
// ordered steps, one big "Done" button for the next step only, and a count-up timer for steps with a
// minimum time (hand washing >= 30 s) whose button unlocks only when the time is reached. Each step
// is recorded by the compliance store as it is done. UI thread only.
#pragma once

#include "station/ui/screen.hpp"
#include "station/ui/station_controller.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace admix::ui {

class GarbingScreen final : public Screen {
public:
    explicit GarbingScreen(StationController& station) : m_station(station) {}
    [[nodiscard]] const char* title() const override { return "Garbing"; }
    void onOpen() override;
    void drawContent(const ScreenContext& context) override;

private:
    StationController& m_station;
    std::optional<std::chrono::steady_clock::time_point> m_timerStart;
    std::string m_timerStep;
    std::string m_message;
};

} // namespace admix::ui
