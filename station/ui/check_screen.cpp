#include "station/ui/check_screen.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

namespace admix::ui {

namespace {

const std::vector<std::string> kRejectReasons = {"WRONG-VOLUME: remake", "WRONG-PRODUCT: remake", "PHOTO-UNCLEAR: remake",
                                                 "PARTICULATES: waste", "LABEL-ERROR: remake", "ORDER-CHANGED: waste"};

std::string ml(double v) { return formulas::format(formulas::Volume::mL(v)); }

} // namespace

void CheckScreen::onOpen() {
    m_waiting = m_station.awaitingCheck();
    m_selected.reset();
    m_pad.close();
    m_message.clear();
}

void CheckScreen::drawContent(const ScreenContext& context) {
    const float touch = context.touchPx(kMinTouchMm);
    if (m_pad.isOpen() && m_selected) {
        // A scan while the signature is asked for is the signer's badge.
        for (const std::string& scan : m_station.takeBadgeScans())
            m_pad.badgeScanned(scan);
        if (m_pad.draw(context)) {
            Status s = Status::success();
            if (m_rejecting) {
                const std::string code = m_pad.reason().substr(0, m_pad.reason().find(':'));
                s = m_station.reject(m_selected->id, m_pad.badge(), m_pad.pin(), code, m_pad.reason().find("remake") != std::string::npos);
            } else {
                s = m_station.approve(m_selected->id, m_pad.badge(), m_pad.pin());
            }
            if (s) {
                m_message = m_selected->number + (m_rejecting ? " rejected." : " released.");
                onOpen();
                m_message = m_message.empty() ? m_message : m_message;
            } else {
                m_pad.setMessage(s.error().text());
            }
        }
        return;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    beginPanel("waiting", ImVec2(avail.x * 0.32f, 0));
    ImGui::PushFont(context.fonts.bold);
    ImGui::Text("Awaiting check (%zu)", m_waiting.size());
    ImGui::PopFont();
    // Newest first: the one just finished at this hood is on top.
    for (auto it = m_waiting.rbegin(); it != m_waiting.rend(); ++it) {
        const auto& p = *it;
        const bool selected = m_selected && m_selected->id == p.id;
        if (touchButton((p.prepNumber + "##" + std::to_string(p.id)).c_str(), ImVec2(-1, touch), selected ? Tone::Primary : Tone::Neutral))
            m_selected = m_station.deps().engine.view(p.id);
        if (ImGui::IsItemHovered() || selected)
            ImGui::TextColored(colors::kMuted, "%s, by %s", p.recipeId.c_str(), p.technician.c_str());
    }
    if (m_waiting.empty())
        ImGui::TextColored(colors::kMuted, "Nothing waits for a check.");
    if (!m_message.empty())
        ImGui::TextColored(colors::kPass, "%s", m_message.c_str());
    endPanel();
    ImGui::SameLine();
    beginPanel("detail", ImVec2(0, 0));
    if (!m_selected) {
        ImGui::TextColored(colors::kMuted, "Pick a preparation on the left.");
        endPanel();
        return;
    }
    const auto& v = *m_selected;
    ImGui::PushTextWrapPos(0);
    ImGui::PushFont(context.fonts.large);
    ImGui::TextUnformatted(v.spec.title.c_str());
    ImGui::PopFont();
    ImGui::Text("%s   prepared by %s in %s / %s", v.number.c_str(), v.technician.c_str(), v.room.c_str(), v.pec.c_str());
    ImGui::PopTextWrapPos();
    if (v.anyOverride)
        statusChip("OVERRIDE - a gate was passed by a pharmacist's override", Tone::Attention);
    ImGui::Separator();
    ImGui::BeginChild("steps", ImVec2(0, -touch * 1.4f), false, ImGuiWindowFlags_NoBackground); // inside a panel: its colour
    ImGui::PushTextWrapPos(0);
    for (const auto& s : v.steps) {
        const bool overridden = s.state == workflow::StepState::Overridden;
        ImGui::PushFont(context.fonts.bold);
        ImGui::TextColored(overridden ? colors::kAttention : colors::kPass, "%s %d. %s", overridden ? "[!]" : "[x]", s.index + 1,
                           s.spec.title.c_str());
        ImGui::PopFont();
        const auto& r = s.result;
        if (!r.is_object())
            continue;
        if (r.contains("lot"))
            ImGui::Text("     lot %s, expires %s, GTIN %s", r.value("lot", "").c_str(), r.value("expiry", "").c_str(), r.value("gtin", "").c_str());
        if (r.contains("volume_ml"))
            ImGui::Text("     measured %s, target %s (%s to %s), net %.4f g", ml(r["volume_ml"].get<double>()).c_str(),
                        ml(s.spec.weigh.targetMl).c_str(), ml(s.spec.weigh.lowMl).c_str(), ml(s.spec.weigh.highMl).c_str(),
                        r.value("net_g", 0.0));
        if (r.contains("sha256"))
            ImGui::TextColored(colors::kMuted, "     photo %s", r["sha256"].get<std::string>().substr(0, 16).c_str());
        if (overridden)
            ImGui::TextColored(colors::kAttention, "     override by %s: %s", r.value("pharmacist", "").c_str(), r.value("reason", "").c_str());
        if (s.attempts)
            ImGui::TextColored(colors::kFail, "     %d refused attempt(s) before it passed", s.attempts);
    }
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
    const std::vector<std::pair<std::string, std::string>> badges =
        context.demo ? std::vector<std::pair<std::string, std::string>>{{"R. Patel (PIN 7350)", "B-2001"}, {"M. Okafor (PIN 8162)", "B-2002"}}
                     : std::vector<std::pair<std::string, std::string>>{};
    ImGui::PushFont(context.fonts.large);
    if (touchButton("Approve", ImVec2(ImGui::GetContentRegionAvail().x * 0.5f, touch * 1.2f), Tone::Pass)) {
        m_rejecting = false;
        m_pad.open({"Approve " + v.number + ": your signature", {}, badges});
    }
    ImGui::SameLine();
    if (touchButton("Reject", ImVec2(-1, touch * 1.2f), Tone::Fail)) {
        m_rejecting = true;
        m_pad.open({"Reject " + v.number + ": reason and signature", kRejectReasons, badges});
    }
    ImGui::PopFont();
    endPanel();
}

} // namespace admix::ui
