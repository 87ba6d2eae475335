// Setup needed: the first screen of a real (not demo) station that cannot prepare yet. It names each
// missing piece (users, a pharmacist, an approved formulary, rooms and PECs, this station's room and
// PEC) and the command that adds it; nothing demo is shown. Read-only. UI thread only.
#pragma once

#include "station/ui/screen.hpp"
#include "station/ui/station_controller.hpp"

namespace admix::ui {

class SetupScreen final : public Screen {
public:
    explicit SetupScreen(StationController& station) : m_station(station) {}
    [[nodiscard]] const char* title() const override { return "Setup needed"; }
    void drawContent(const ScreenContext& context) override;

private:
    StationController& m_station;
};

} // namespace admix::ui
