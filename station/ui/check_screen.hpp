// The pharmacist's check at the station: the preparations awaiting check, and for the one selected
// the plan against what was measured per step (product, lot, expiry, target and measured volume,
// photos), overrides highlighted; approve or reject, each with an e-signature (badge and PIN).
// UI thread only.
#pragma once

#include "station/ui/screen.hpp"
#include "station/ui/signature_pad.hpp"
#include "station/ui/station_controller.hpp"

#include <optional>

namespace admix::ui {

class CheckScreen final : public Screen {
public:
    explicit CheckScreen(StationController& station) : m_station(station) {}
    [[nodiscard]] const char* title() const override { return "Check"; }
    void onOpen() override;
    void drawContent(const ScreenContext& context) override;

private:
    StationController& m_station;
    std::vector<store::PrepRow> m_waiting;
    std::optional<workflow::PrepView> m_selected;
    SignaturePad m_pad;
    bool m_rejecting = false;
    std::string m_message;
};

} // namespace admix::ui
