// What happens by itself at the hood, so that a gloved technician rarely touches the screen: a scan
// (hand scanner or camera) is offered to the scan gate; a new stable balance reading is offered to
// the weigh gate, and an overload or underload once per episode (the engine refuses and records it); an
// evidence photo is asked for when the step's product is in view and the balance is settled; a balance that
// drops out during a weigh step is reported to the engine, and its return too. The assistant only decides:
// the station carries the actions out (photos on a worker) and sends them to the engine. It remembers what it
// already offered per step so that a vial lingering in view or a reading sitting on the pan is offered once,
// not every frame. Event keys are derived from the content, so a repeat after a crash or a double delivery is
// recognised by the engine. UI-thread only; no I/O.
#pragma once

#include "formulas/units.hpp"
#include "station/workflow/engine.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace admix::workflow {

struct HoodInputs {
    std::vector<ScannedCode> scannerScans; // scans from the hand scanner (or typed) since the last frame
    std::vector<ScannedCode>
        cameraConfirmed; // codes the camera confirmed (stable over frames) since the last frame
    std::vector<std::string> codesInView; // GTIN-14s of the stable codes currently in view
    bool balancePresent = false;          // the station has a balance configured
    bool balanceConnected = false;
    std::optional<WeighReading>
        latestStable;            // the balance's latest stable reading, if it is the latest reading
    bool balanceSettled = false; // the latest reading is stable
    std::optional<WeighReading> outOfRange; // the latest reading, when it is an overload or underload
    bool photoInFlight = false;             // a capture is being made on the worker
    std::chrono::steady_clock::time_point now{};
};

struct HoodAction {
    enum class Kind { Scan, Reading, TakePhoto, DeviceDown, DeviceUp };
    Kind kind = Kind::Scan;
    std::string eventKey;
    std::string text; // the device detail
    ScannedCode scan;
    WeighReading reading;
};

struct HoodPolicy {
    double emptyPanG = 0.02;    // below this the pan is empty: the next load is a new placement
    double newReadingG = 0.005; // a stable reading must differ this much from the last offered one
    std::chrono::milliseconds photoRetry{2500}; // after a refused photo, wait before trying again
};

class HoodAssistant {
public:
    explicit HoodAssistant(HoodPolicy policy = {}) : m_policy(policy) {}

    // Decides what to send to the engine for the preparation's current step. Call once per frame.
    [[nodiscard]] std::vector<HoodAction> decide(const PrepView& prep, const HoodInputs& inputs);
    // The GTIN the current photo step wants in view (the product scanned for its ingredient, or the
    // final container); empty when any view will do.
    [[nodiscard]] static std::string expectedInView(const PrepView& prep);
    // Forget everything (a new preparation, a sign-out).
    void reset();
    // True while a weigh step waits for the pan to be cleared before it takes the empty syringe's
    // weight (the previous step's filled syringe may still be on it).
    [[nodiscard]] bool waitingForEmptyPan() const {
        return m_weighArmed == false && m_step >= 0 && m_weighStep;
    }

private:
    HoodPolicy m_policy;
    int64_t m_prepId = -1;
    int m_step = -1;
    std::set<std::string> m_offeredScans;
    std::optional<double> m_lastOfferedGross;
    bool m_deviceDownSent = false;
    bool m_outOfRangeSent = false; // this overload / underload episode was reported
    bool m_weighStep = false;
    bool m_weighArmed = false; // the pan was seen empty since this weigh step began
    int m_deviceEvents = 0;
    std::chrono::steady_clock::time_point m_lastPhotoAsk{};
};

} // namespace admix::workflow
