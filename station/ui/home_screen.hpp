// Home: the orders to prepare (STAT first, then by due time) with one big Start per order, a
// compliance banner that says whether this person may compound here now (and every reason not), and
// what is due or overdue today. UI thread only.
#pragma once

#include "station/ui/screen.hpp"
#include "station/ui/station_controller.hpp"

#include <string>

namespace admix::ui {

class HomeScreen final : public Screen {
public:
    explicit HomeScreen(StationController& station) : m_station(station) {}
    [[nodiscard]] const char* title() const override { return "Home"; }
    void onOpen() override {
        m_station.refresh();
        m_message.clear();
    }
    void drawContent(const ScreenContext& context) override;

private:
    StationController& m_station;
    std::string m_message;
};

} // namespace admix::ui
