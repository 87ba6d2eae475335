// The preparation in the hood: the current step large (what to pick, how much to draw), the live
// camera with the codes it reads outlined, the balance reading large against the target band, the
// station's last answer (pass/fail by colour, mark and words), the progress through the steps, and
// the pharmacist override. Scans, stable readings and photos advance it by themselves; the only
// buttons during a preparation are for deliberate acts (done, print) and exceptions. UI thread only.
#pragma once

#include "station/ui/camera_view.hpp"
#include "station/ui/screen.hpp"
#include "station/ui/signature_pad.hpp"
#include "station/ui/station_controller.hpp"

#include <optional>
#include <string>

namespace admix::ui {

class PrepScreen final : public Screen {
public:
    explicit PrepScreen(StationController& station) : m_station(station) {}
    [[nodiscard]] const char* title() const override { return "Preparation"; }
    void onOpen() override {
        m_pad.close();
        m_cancelling = false;
        m_cancelReason.clear();
    }
    void onClose() override { m_station.expectBadge(false); }
    void drawContent(const ScreenContext& context) override;

private:
    void drawStep(const ScreenContext& context, const workflow::PrepView& prep);
    // Pharmacist override and Cancel: below the step, never scrolled away or squeezed.
    void drawExceptions(const ScreenContext& context, const workflow::PrepView& prep);
    void drawBalance(const ScreenContext& context, const workflow::StepView& step);
    void drawProgress(const ScreenContext& context, const workflow::PrepView& prep);
    void drawDemoControls(const ScreenContext& context, const workflow::StepView& step);
    // The cancel dialog: a reason must be picked (the pharmacist sees it) before Confirm cancel.
    void drawCancel(const ScreenContext& context);

    StationController& m_station;
    CameraView m_camera;
    SignaturePad m_pad;
    bool m_cancelling = false;
    std::string m_cancelReason;
    // A confirmed cancel runs at the start of the next frame, before anything holds a reference to
    // the preparation it ends (cancelling inside the draw left the rest of the frame reading freed memory).
    std::optional<std::string> m_cancelNow;
    std::string m_cancelMessage;
};

} // namespace admix::ui
