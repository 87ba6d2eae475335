#include "station/ui/prep_screen.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace admix::ui {

using workflow::StepKind;

namespace {

std::string ml(double v) {
    return formulas::format(formulas::Volume::mL(v));
}

const std::vector<std::string> kOverrideReasons = {
    "Balance down: volume verified visually by the pharmacist",
    "Label unreadable by scanner: product verified by the pharmacist",
    "Photo not possible: verified by the pharmacist in person",
    "Printer down: label printed at the backup printer"};

const std::vector<std::string> kCancelReasons = {
    "Vial dropped or broken", "Contaminated: touched or punctured wrongly",
    "Wrong product pulled: starting again", "Order changed or on hold", "Device failure: cannot continue"};

} // namespace

void PrepScreen::drawContent(const ScreenContext& context) {
    if (m_cancelNow) {
        const std::string reason = *std::exchange(m_cancelNow, std::nullopt);
        const Status s = m_station.cancelPrep(reason);
        m_cancelMessage = s ? "" : s.error().text();
        if (s)
            return; // the controller went Home; nothing of the preparation is drawn any more
    }
    const auto& prep = m_station.prep();
    const float touch = context.touchPx(kMinTouchMm);
    if (!prep) {
        ImGui::TextUnformatted("No preparation is open.");
        if (touchButton("Back to the queue", ImVec2(touch * 5, touch)))
            m_station.go("Home");
        return;
    }
    if (m_cancelling) {
        drawCancel(context);
        return;
    }
    m_station.expectBadge(m_pad.isOpen());
    if (m_pad.isOpen()) {
        for (const std::string& scan : m_station.takeBadgeScans())
            m_pad.badgeScanned(scan);
        if (m_pad.draw(context)) {
            const Status s =
                m_station.overrideStep(m_pad.signer(), m_pad.secret(), m_pad.reason(), m_pad.byPassword());
            if (s)
                m_pad.close();
            else
                m_pad.setMessage(s.error().text());
        }
        return;
    }

    // Header: what is being made, for whom.
    ImGui::PushFont(context.fonts.bold);
    ImGui::Text("%s  %s", prep->number.c_str(), prep->spec.title.c_str());
    ImGui::PopFont();
    if (const std::string& comments = m_station.orderComments(); !comments.empty()) {
        // The prescriber's or the pharmacy system's comments (HL7 NTE) travel with the order.
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(colors::kAttention, "Order comment: %s", comments.c_str());
        ImGui::PopTextWrapPos();
    }
    if (prep->spec.hazardous) {
        ImGui::SameLine();
        statusChip("HAZARDOUS DRUG - USP <800>", Tone::Hazard);
    }
    ImGui::SameLine();
    ImGui::TextColored(colors::kMuted, "Step %d of %zu",
                       std::min(prep->currentStep + 1, static_cast<int>(prep->steps.size())),
                       prep->steps.size());

    const ImVec2 avail = ImGui::GetContentRegionAvail();
    beginPanel("step", ImVec2(avail.x * 0.52f, 0));
    const bool inProgress = prep->status == workflow::PrepStatus::InProgress;
    const float exceptions = inProgress ? touch + ImGui::GetStyle().ItemSpacing.y : 0.0f;
    // The step scrolls on its own when it is taller than the panel; the exception buttons stay put.
    ImGui::BeginChild("body", ImVec2(0, -exceptions), false, ImGuiWindowFlags_NoBackground);
    drawStep(context, *prep);
    ImGui::EndChild();
    if (inProgress)
        drawExceptions(context, *prep);
    endPanel();
    ImGui::SameLine();
    ImGui::BeginChild("side", ImVec2(0, 0), false,
                      ImGuiWindowFlags_NoBackground); // the window colour (cleared), not one more layer
    const float cameraWidth = ImGui::GetContentRegionAvail().x;
    m_camera.draw(m_station.frame(), m_station.decoded(), ImVec2(cameraWidth, cameraWidth * 9.0f / 16.0f),
                  m_station.cameraStatus().c_str());
    if (context.demo && prep->status == workflow::PrepStatus::InProgress)
        drawDemoControls(context, prep->steps[static_cast<size_t>(prep->currentStep)]);
    drawProgress(context, *prep);
    ImGui::EndChild();
}

void PrepScreen::drawStep(const ScreenContext& context, const workflow::PrepView& prep) {
    const float touch = context.touchPx(kMinTouchMm);
    if (prep.status != workflow::PrepStatus::InProgress) {
        ImGui::PushFont(context.fonts.huge);
        ImGui::TextColored(colors::kPass, "Done");
        ImGui::PopFont();
        ImGui::PushTextWrapPos(0);
        ImGui::Text("%s waits for the pharmacist's check.", prep.number.c_str());
        ImGui::PopTextWrapPos();
        if (touchButton("Next preparation", ImVec2(-1, touch * 1.3f), Tone::Primary))
            m_station.go("Home");
        return;
    }
    const auto& step = prep.steps[static_cast<size_t>(prep.currentStep)];

    ImGui::PushFont(context.fonts.large);
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(step.spec.title.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(colors::kMuted, "%s", step.spec.instruction.c_str());
    ImGui::PopTextWrapPos();
    if (step.spec.flagForPharmacist)
        statusChip("Checked by the pharmacist from the photo", Tone::Attention);
    ImGui::Spacing();

    switch (step.spec.kind) {
    case StepKind::Scan:
        ImGui::PushFont(context.fonts.bold);
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(colors::kAttention, ">> Scan or show: %s", step.spec.scan.productName.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
        break;
    case StepKind::Weigh:
        drawBalance(context, step);
        break;
    case StepKind::Photo:
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(colors::kAttention, ">> Hold %s in view: the photo is taken by itself.",
                           step.spec.photo.subject.c_str());
        ImGui::PopTextWrapPos();
        if (touchButton(m_station.photoInFlight() ? "Taking photo..." : "Take photo now", ImVec2(-1, touch),
                        Tone::Neutral, !m_station.photoInFlight()))
            m_station.takePhoto();
        break;
    case StepKind::Confirm:
        ImGui::PushFont(context.fonts.large);
        if (touchButton("Done", ImVec2(-1, touch * 1.6f), Tone::Pass))
            m_station.confirmStep();
        ImGui::PopFont();
        break;
    case StepKind::Label: {
        const bool printed = step.result.is_object() && step.result.value("printed", false);
        if (printed && step.spec.labelScan) {
            ImGui::PushFont(context.fonts.bold);
            ImGui::PushTextWrapPos(0);
            ImGui::TextColored(colors::kAttention, ">> Apply the label, then scan its code.");
            ImGui::PopTextWrapPos();
            ImGui::PopFont();
        }
        ImGui::PushFont(context.fonts.large);
        if (touchButton(printed ? "Print again" : "Print label", ImVec2(-1, touch * 1.6f), Tone::Primary))
            m_station.printLabel();
        ImGui::PopFont();
        break;
    }
    }

    // The station's last answer, unmistakable: colour, mark and words.
    if (const auto& notice = m_station.notice()) {
        const bool fail = notice->tone == Notice::Tone::Fail;
        const bool pass = notice->tone == Notice::Tone::Pass;
        const ImVec4 bg = fail ? colors::kFail : pass ? colors::kPass : colors::kPanel;
        beginPanel("notice", ImVec2(0, touch * 2.8f), ImVec4(bg.x * 0.45f, bg.y * 0.45f, bg.z * 0.45f, 1.0f));
        ImGui::PushFont(context.fonts.large);
        ImGui::TextColored(fail   ? colors::kFail
                           : pass ? colors::kPass
                                  : colors::kText,
                           "%s",
                           fail   ? "X"
                           : pass ? "OK"
                                  : "i");
        ImGui::PopFont();
        ImGui::SameLine();
        ImGui::PushFont(context.fonts.bold);
        ImGui::PushTextWrapPos(0);
        ImGui::TextUnformatted(notice->text.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopFont();
        endPanel();
    }
    for (const auto& problem : prep.deviceProblems)
        statusChip(("Device: " + problem).c_str(), Tone::Fail);
}

void PrepScreen::drawExceptions(const ScreenContext& context, const workflow::PrepView& prep) {
    const float touch = context.touchPx(kMinTouchMm);
    // Exceptions, at the bottom, away from the flow.
    if (touchButton("Pharmacist override", ImVec2(ImGui::GetContentRegionAvail().x * 0.55f, touch),
                    Tone::Attention)) {
        std::vector<std::pair<std::string, std::string>> badges;
        if (context.demo)
            badges = {{"R. Patel (PIN 7350)", "B-2001"}};
        m_pad.open(
            {"Pharmacist override: step " + std::to_string(prep.currentStep + 1), kOverrideReasons, badges});
    }
    ImGui::SameLine();
    if (touchButton("Cancel##prep", ImVec2(-1, touch), Tone::Neutral)) {
        m_cancelling = true;
        m_cancelReason.clear();
        m_cancelMessage.clear();
    }
}

void PrepScreen::drawCancel(const ScreenContext& context) {
    const float touch = context.touchPx(kMinTouchMm);
    beginPanel("cancel", ImVec2(0, 0));
    ImGui::PushFont(context.fonts.large);
    ImGui::TextColored(colors::kAttention, "Cancel this preparation?");
    ImGui::PopFont();
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(colors::kMuted,
                       "Pick the reason: the pharmacist sees it, and the order goes back to the queue.");
    ImGui::PopTextWrapPos();
    for (const std::string& reason : kCancelReasons) {
        if (touchButtonWrapped(reason, -1, touch, m_cancelReason == reason ? Tone::Primary : Tone::Neutral))
            m_cancelReason = reason;
    }
    if (!m_cancelMessage.empty()) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(colors::kFail, "%s", m_cancelMessage.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::Spacing();
    const float half = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
    if (touchButton("Confirm cancel##prep", ImVec2(half, touch), Tone::Fail, !m_cancelReason.empty())) {
        m_cancelNow = m_cancelReason; // acted on at the start of the next frame
        m_cancelling = false;
    }
    ImGui::SameLine();
    if (touchButton("Keep preparing##prep", ImVec2(-1, touch), Tone::Neutral))
        m_cancelling = false;
    endPanel();
}

void PrepScreen::drawBalance(const ScreenContext& context, const workflow::StepView& step) {
    const auto snap = m_station.balance();
    const auto& w = step.spec.weigh;
    const bool tared = step.result.is_object() && step.result.contains("tare_g");
    ImGui::PushTextWrapPos(0);
    ImGui::PushFont(context.fonts.bold);
    ImGui::Text("Target %s   (%s to %s)", ml(w.targetMl).c_str(), ml(w.lowMl).c_str(), ml(w.highMl).c_str());
    ImGui::PopFont();
    ImGui::TextColored(colors::kAttention, ">> %s",
                       tared ? "Now put the FILLED syringe on the balance."
                       : m_station.waitingForEmptyPan()
                           ? "Clear the balance first (lift the last syringe off)."
                           : "Put the EMPTY syringe on the balance.");
    ImGui::PopTextWrapPos();
    if (!snap) {
        statusChip("No balance configured", Tone::Fail);
        return;
    }
    const bool connected = snap->status.state == devices::ConnectionState::Connected ||
                           snap->status.state == devices::ConnectionState::Reading;
    if (!connected) {
        statusChip(("Balance offline: " + snap->status.detail).c_str(), Tone::Fail);
        return;
    }
    if (!snap->latest) {
        ImGui::TextColored(colors::kMuted, "Waiting for the balance...");
        return;
    }
    // The balance's value in its own unit, judged by the engine's own rule (WeighStep).
    const workflow::WeighReading r = workflow::weighReading(*snap->latest);
    std::optional<double> tare;
    if (tared)
        tare = step.result["tare_g"].get<double>();
    const workflow::WeighStep assessed = workflow::WeighStep::assess(w, tare, r);
    const bool stable = assessed.kind != workflow::WeighStep::Kind::Unstable && !assessed.refused();
    ImGui::PushFont(context.fonts.huge);
    ImGui::TextColored(stable ? colors::kText : colors::kMuted, "%s",
                       r.range == workflow::WeighRange::InRange ? r.shown().c_str() : "----");
    ImGui::PopFont();
    ImGui::SameLine();
    if (assessed.kind == workflow::WeighStep::Kind::Overload ||
        assessed.kind == workflow::WeighStep::Kind::Underload)
        statusChip(assessed.kind == workflow::WeighStep::Kind::Overload ? "OVERLOAD: clear the pan"
                                                                        : "UNDERLOAD: clear the pan",
                   Tone::Fail);
    else
        statusChip(stable ? "stable" : "settling...", stable ? Tone::Pass : Tone::Attention);
    if (!assessed.volumeMl)
        return;
    // Where the draw stands against the band: a bar from 0 to 1.3 x target with the band marked.
    const double volume = *assessed.volumeMl;
    ImGui::Text("Drawn: %s", ml(std::max(0.0, volume)).c_str());
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float width = ImGui::GetContentRegionAvail().x;
    const float height = context.touchPx(6);
    const double full = w.targetMl * 1.3;
    const auto x = [&](double v) {
        return origin.x + static_cast<float>(std::clamp(v / full, 0.0, 1.0)) * width;
    };
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(origin, ImVec2(origin.x + width, origin.y + height),
                        ImGui::GetColorU32(colors::kPanel), 4);
    draw->AddRectFilled(ImVec2(x(w.lowMl), origin.y), ImVec2(x(w.highMl), origin.y + height),
                        ImGui::GetColorU32(colors::kPass), 0);
    const bool inBand = assessed.band == workflow::WeighStep::Kind::InBand;
    draw->AddRectFilled(ImVec2(x(volume) - 4, origin.y - 6), ImVec2(x(volume) + 4, origin.y + height + 6),
                        ImGui::GetColorU32(inBand ? colors::kText : colors::kFail));
    ImGui::Dummy(ImVec2(width, height + 8));
}

void PrepScreen::drawProgress(const ScreenContext& context, const workflow::PrepView& prep) {
    beginPanel("progress", ImVec2(0, 0));
    for (const auto& s : prep.steps) {
        const bool current = s.index == prep.currentStep && prep.status == workflow::PrepStatus::InProgress;
        const bool overridden = s.state == workflow::StepState::Overridden;
        const bool passed = s.state == workflow::StepState::Passed;
        const ImVec4 color = overridden ? colors::kAttention
                             : passed   ? colors::kPass
                             : current  ? colors::kText
                                        : colors::kMuted;
        ImGui::PushFont(current ? context.fonts.bold : context.fonts.body);
        ImGui::PushStyleColor(ImGuiCol_Text, color);
        ImGui::TextWrapped("%s %d. %s%s",
                           passed       ? "[x]"
                           : overridden ? "[!]"
                           : current    ? " > "
                                        : "[ ]",
                           s.index + 1, s.spec.title.c_str(),
                           s.attempts ? (" (" + std::to_string(s.attempts) + " refused)").c_str() : "");
        ImGui::PopStyleColor();
        ImGui::PopFont();
    }
    endPanel();
}

void PrepScreen::drawDemoControls(const ScreenContext& context, const workflow::StepView& step) {
    const float touch = context.touchPx(kMinTouchMm);
    ImGui::TextColored(colors::kMuted, "Demo: simulated camera, scanner, balance");
    // Up to four across the camera's width, in the body font (the padding gives way to the words).
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const int across = step.spec.kind == StepKind::Weigh ? 4 : 3;
    const ImVec2 size((ImGui::GetContentRegionAvail().x - static_cast<float>(across - 1) * gap) /
                          static_cast<float>(across),
                      touch);
    switch (step.spec.kind) {
    case StepKind::Scan:
        if (touchButton("Scan it", size))
            m_station.demoScanExpected();
        ImGui::SameLine();
        if (touchButton("Show right", size))
            m_station.demoShowExpected();
        ImGui::SameLine();
        if (touchButton("Show WRONG", size, Tone::Fail))
            m_station.demoShowWrong();
        break;
    case StepKind::Weigh:
        if (touchButton("Empty", size))
            m_station.demoEmptySyringe();
        ImGui::SameLine();
        if (touchButton("Draw", size, Tone::Pass))
            m_station.demoDraw(1.0);
        ImGui::SameLine();
        if (touchButton("Misdraw", size, Tone::Fail))
            m_station.demoDraw(0.85);
        ImGui::SameLine();
        if (touchButton("Lift", size))
            m_station.demoLift();
        break;
    case StepKind::Photo:
        if (touchButton("Show the product", ImVec2(-1, touch)))
            m_station.demoShowExpected();
        break;
    case StepKind::Label:
        if (step.spec.labelScan && step.result.is_object() && step.result.value("printed", false)) {
            if (touchButton("Scan the label", size))
                m_station.demoScanExpected();
            break;
        }
        ImGui::TextColored(colors::kMuted, "(press the big button)");
        break;
    case StepKind::Confirm:
        ImGui::TextColored(colors::kMuted, "(press the big button)");
        break;
    }
}

} // namespace admix::ui
