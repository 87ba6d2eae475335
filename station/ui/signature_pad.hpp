// An e-signature on the touchscreen: the signer's badge (scanned, or a demo badge tapped), their
// PIN on the keypad, and, where the action needs one, a reason picked from a list. The pad only
// collects; the Authenticator re-authenticates and records the signature bound to the action.
// UI thread only.
#pragma once

#include "station/ui/screen.hpp"

#include <string>
#include <vector>

namespace admix::ui {

struct SignatureRequest {
    std::string title;                 // "Pharmacist override: step 4"
    std::vector<std::string> reasons;  // empty: no reason asked
    std::vector<std::pair<std::string, std::string>> demoBadges; // (label, badge) for demo mode
};

class SignaturePad {
public:
    void open(SignatureRequest request);
    void close();
    [[nodiscard]] bool isOpen() const { return m_open; }
    void badgeScanned(const std::string& badge) { m_badge = badge; }
    void setMessage(std::string message) { m_message = std::move(message); }
    // Draws the pad; returns true when the person pressed Sign with a badge, a PIN and (if asked) a reason.
    bool draw(const ScreenContext& context);

    [[nodiscard]] const std::string& badge() const { return m_badge; }
    [[nodiscard]] const std::string& pin() const { return m_pin; }
    [[nodiscard]] const std::string& reason() const { return m_reason; }

private:
    SignatureRequest m_request;
    bool m_open = false;
    std::string m_badge;
    std::string m_pin;
    std::string m_reason;
    std::string m_message;
};

} // namespace admix::ui
