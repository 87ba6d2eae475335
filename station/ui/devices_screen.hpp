// Devices: every configured device with its state in words (connected, reading, error and why), the
// balance's identity and counters (readings, rejected lines, disconnects), and the camera's state.
// Read from snapshots only: never waits on a device. UI thread only.
#pragma once

#include "station/ui/screen.hpp"
#include "station/ui/station_controller.hpp"

namespace admix::ui {

class DevicesScreen final : public Screen {
public:
    explicit DevicesScreen(StationController& station) : m_station(station) {}
    [[nodiscard]] const char* title() const override { return "Devices"; }
    void drawContent(const ScreenContext& context) override;

private:
    StationController& m_station;
};

// History: the latest preparations of this station with their state, newest first.
class HistoryScreen final : public Screen {
public:
    explicit HistoryScreen(StationController& station) : m_station(station) {}
    [[nodiscard]] const char* title() const override { return "History"; }
    void onOpen() override;
    void drawContent(const ScreenContext& context) override;

private:
    StationController& m_station;
    std::vector<store::PrepRow> m_rows;
};

} // namespace admix::ui
