// Sign in: scan a badge, then enter the PIN on a large keypad (a physical keypad works too). In demo
// mode the demo badges are buttons, since there is no badge to scan. The controller checks the badge
// and PIN with the Authenticator; this screen only collects input and shows its answer. UI thread only.
#pragma once

#include "station/ui/screen.hpp"
#include "station/ui/station_controller.hpp"

#include <string>

namespace admix::ui {

class LoginScreen final : public Screen {
public:
    explicit LoginScreen(StationController& station) : m_station(station) {}
    [[nodiscard]] const char* title() const override { return "Sign in"; }
    void onOpen() override;
    void drawContent(const ScreenContext& context) override;

private:
    void submit();

    StationController& m_station;
    std::string m_badge;
    std::string m_pin;
    std::string m_message;
};

} // namespace admix::ui
