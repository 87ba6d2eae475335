// Environmental monitoring and cleaning entry at the station (gloved, no typing): today's room
// pressure, temperature and humidity on a numeric keypad, and the daily cleaning of the room and the
// PEC with one button each. Each entry is evaluated and stored by the compliance store (an excursion
// opens its corrective action there); the screen shows the answer and what is still due.
// UI thread only.
#pragma once

#include "station/ui/screen.hpp"
#include "station/ui/station_controller.hpp"

#include <string>

namespace admix::ui {

class ComplianceScreen final : public Screen {
public:
    explicit ComplianceScreen(StationController& station) : m_station(station) {}
    [[nodiscard]] const char* title() const override { return "Room log"; }
    void onOpen() override {
        m_value.clear();
        m_message.clear();
    }
    void drawContent(const ScreenContext& context) override;

private:
    void record(usp797::EmKind kind);
    void clean(const std::string& area);

    StationController& m_station;
    usp797::EmKind m_kind = usp797::EmKind::Pressure;
    std::string m_value;
    std::string m_message;
    bool m_messageOk = true;
};

} // namespace admix::ui
