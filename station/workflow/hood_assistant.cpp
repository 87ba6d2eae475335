#include "station/workflow/hood_assistant.hpp"

#include "station/store/audit_log.hpp"

#include <cmath>

namespace admix::workflow {

namespace {

std::string shortHash(const std::string& text) {
    return store::sha256Hex(text).substr(0, 16);
}

std::string stepTag(const PrepView& prep) {
    return "s" + std::to_string(prep.currentStep);
}

} // namespace

void HoodAssistant::reset() {
    m_prepId = -1;
    m_step = -1;
    m_offeredScans.clear();
    m_lastOfferedGross.reset();
    m_deviceDownSent = false;
    m_outOfRangeSent = false;
    m_weighStep = false;
    m_weighArmed = false;
    m_lastPhotoAsk = {};
}

std::string HoodAssistant::expectedInView(const PrepView& prep) {
    if (prep.currentStep < 0 || prep.currentStep >= static_cast<int>(prep.steps.size()))
        return {};
    const int ingredient = prep.steps[static_cast<size_t>(prep.currentStep)].spec.ingredient;
    // The latest scan step for the same ingredient (-1: the final container) that passed.
    std::string gtin;
    for (const StepView& s : prep.steps) {
        if (s.index >= prep.currentStep)
            break;
        if (s.spec.kind == StepKind::Scan && s.spec.ingredient == ingredient && s.result.is_object() &&
            s.result.contains("gtin"))
            gtin = s.result["gtin"].get<std::string>();
    }
    return gtin;
}

std::vector<HoodAction> HoodAssistant::decide(const PrepView& prep, const HoodInputs& in) {
    std::vector<HoodAction> actions;
    if (prep.status != PrepStatus::InProgress || prep.currentStep >= static_cast<int>(prep.steps.size()))
        return actions;
    if (prep.id != m_prepId || prep.currentStep != m_step) {
        reset();
        m_prepId = prep.id;
        m_step = prep.currentStep;
    }
    const StepView& step = prep.steps[static_cast<size_t>(prep.currentStep)];
    const std::string tag = stepTag(prep);
    m_weighStep = step.spec.kind == StepKind::Weigh;

    const bool labelScan = step.spec.kind == StepKind::Label && step.spec.labelScan;
    switch (labelScan ? StepKind::Scan : step.spec.kind) {
    case StepKind::Scan: {
        // Hand scans first (a deliberate act), then camera reads; each distinct code once per step.
        std::vector<ScannedCode> scans = in.scannerScans;
        scans.insert(scans.end(), in.cameraConfirmed.begin(), in.cameraConfirmed.end());
        for (const ScannedCode& code : scans) {
            const std::string raw = code.raw();
            if (!m_offeredScans.insert(raw).second)
                continue;
            actions.push_back({HoodAction::Kind::Scan, "scan-" + tag + "-" + shortHash(raw), {}, code, {}});
            break; // one scan per frame: the engine's answer decides what the next one means
        }
        break;
    }
    case StepKind::Weigh: {
        if (in.balancePresent && !in.balanceConnected) {
            if (!m_deviceDownSent) {
                m_deviceDownSent = true;
                ++m_deviceEvents;
                actions.push_back({HoodAction::Kind::DeviceDown,
                                   "device-" + tag + "-down-" + std::to_string(m_deviceEvents),
                                   "balance disconnected",
                                   {},
                                   {}});
            }
            break;
        }
        if (m_deviceDownSent && in.balanceConnected) {
            m_deviceDownSent = false;
            ++m_deviceEvents;
            actions.push_back({HoodAction::Kind::DeviceUp,
                               "device-" + tag + "-up-" + std::to_string(m_deviceEvents),
                               "balance reconnected",
                               {},
                               {}});
        }
        if (in.outOfRange) {
            // Over or under the balance's range: the engine refuses it and records it, once per episode.
            if (!m_outOfRangeSent) {
                m_outOfRangeSent = true;
                ++m_deviceEvents;
                actions.push_back({HoodAction::Kind::Reading,
                                   "weigh-" + tag + "-" + std::string(weighRangeName(in.outOfRange->range)) +
                                       "-" + std::to_string(m_deviceEvents),
                                   {},
                                   {},
                                   *in.outOfRange});
            }
            break;
        }
        m_outOfRangeSent = false;
        if (!in.latestStable || !in.balanceSettled)
            break;
        const double gross = in.latestStable->mass().inG();
        if (std::fabs(gross) < m_policy.emptyPanG) {
            // The pan is empty: whatever is placed next is a new placement, even the same syringe.
            m_lastOfferedGross.reset();
            m_weighArmed = true;
            break;
        }
        // The empty syringe's weight is taken only after the pan was cleared in this step: the
        // filled syringe of the step before must never pass for the next step's empty one.
        const bool tared = step.result.is_object() && step.result.contains("tare_g");
        if (!tared && !m_weighArmed)
            break;
        m_weighArmed = true;
        if (m_lastOfferedGross && std::fabs(gross - *m_lastOfferedGross) < m_policy.newReadingG)
            break;
        m_lastOfferedGross = gross;
        const long long mg = std::llround(gross * 10000.0); // 0.1 mg steps
        actions.push_back({HoodAction::Kind::Reading,
                           "weigh-" + tag + "-a" + std::to_string(step.attempts) + (tared ? "-g" : "-t") +
                               "-" + std::to_string(mg),
                           {},
                           {},
                           *in.latestStable});
        break;
    }
    case StepKind::Photo: {
        if (in.photoInFlight)
            break;
        const std::string expected = expectedInView(prep);
        bool inView = expected.empty() ? !in.codesInView.empty() : false;
        for (const std::string& gtin : in.codesInView)
            inView = inView || gtin == expected;
        const bool settled = !in.balancePresent || !in.balanceConnected || in.balanceSettled;
        if (inView && settled && in.now - m_lastPhotoAsk >= m_policy.photoRetry) {
            m_lastPhotoAsk = in.now;
            actions.push_back({HoodAction::Kind::TakePhoto, {}, {}, {}, {}});
        }
        break;
    }
    case StepKind::Confirm:
    case StepKind::Label:
        break; // a deliberate act: the technician presses the big button
    }
    return actions;
}

} // namespace admix::workflow
