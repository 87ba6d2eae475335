// An e-signature on the touchscreen: the signer's badge (scanned, or a demo badge tapped) and PIN
// on the keypad, or, where the site has no badges, their user name and password (on-screen keys or a
// keyboard); and, where the action needs one, a reason picked from a list. The pad only collects;
// the Authenticator re-authenticates and records the signature bound to the action. UI thread only.
#pragma once

#include "station/ui/screen.hpp"

#include <string>
#include <vector>

namespace admix::ui {

struct SignatureRequest {
    std::string title;                                           // "Pharmacist override: step 4"
    std::vector<std::string> reasons;                            // empty: no reason asked
    std::vector<std::pair<std::string, std::string>> demoBadges; // (label, badge) for demo mode
};

class SignaturePad {
public:
    void open(SignatureRequest request);
    void close();
    [[nodiscard]] bool isOpen() const { return m_open; }
    void badgeScanned(const std::string& badge);
    void setMessage(std::string message) { m_message = std::move(message); }
    // Draws the pad; returns true when the person pressed Sign with a badge and PIN (or a user name
    // and password) and, if asked, a reason.
    bool draw(const ScreenContext& context);

    // Who signs and their secret: the badge and PIN, or with byPassword() the user name and password.
    [[nodiscard]] bool byPassword() const { return m_byPassword; }
    [[nodiscard]] const std::string& signer() const { return m_byPassword ? m_username : m_badge; }
    [[nodiscard]] const std::string& secret() const { return m_byPassword ? m_password : m_pin; }
    [[nodiscard]] const std::string& badge() const { return m_badge; }
    [[nodiscard]] const std::string& pin() const { return m_pin; }
    [[nodiscard]] const std::string& reason() const { return m_reason; }

private:
    void drawPasswordFields(float touch);
    void drawKeys(float touch);
    void clearSecrets();

    SignatureRequest m_request;
    bool m_open = false;
    bool m_byPassword = false;
    bool m_typingPassword = false; // the on-screen keys type into the password (else the user name)
    bool m_shift = false;
    std::string m_badge;
    std::string m_pin;
    std::string m_username;
    std::string m_password;
    std::string m_reason;
    std::string m_message;
};

} // namespace admix::ui
