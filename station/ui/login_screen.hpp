// Login: scan a badge, then enter the PIN on a large on-screen keypad (or a physical keypad).
// The screen only collects input; whether the badge and PIN are right is the authenticator's call
// (the workflow's user store), and its message is shown as given. UI thread only.
#pragma once

#include "formulas/result.hpp"
#include "station/ui/screen.hpp"

#include <functional>
#include <string>

namespace admix::ui {

class LoginScreen final : public Screen {
public:
    using Authenticator = std::function<Status(const std::string& badge, const std::string& pin)>;

    explicit LoginScreen(Authenticator authenticate) : m_authenticate(std::move(authenticate)) {}

    [[nodiscard]] const char* title() const override { return "Sign in"; }
    void onOpen() override;
    void drawContent(const ScreenContext& context) override;

    // Input from a badge scanner (the device layer posts scans as events to the UI thread).
    void badgeScanned(const std::string& badge);

private:
    void drawKeypad(const ScreenContext& context, float width);
    void submit();

    Authenticator m_authenticate;
    std::string m_badge;
    std::string m_pin;
    std::string m_message;
    bool m_messageIsError = false;
};

} // namespace admix::ui
