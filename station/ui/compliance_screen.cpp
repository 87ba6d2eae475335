#include "station/ui/compliance_screen.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

namespace admix::ui {

void ComplianceScreen::record(usp797::EmKind kind) {
    if (!m_station.user() || m_value.empty())
        return;
    usp797::EmSample sample;
    sample.at = nowUtc();
    sample.kind = kind;
    sample.room = m_station.deps().room;
    sample.location = m_station.deps().room;
    try {
        sample.value = std::stod(m_value);
    } catch (const std::exception&) {
        m_message = "'" + m_value + "' is not a number";
        m_messageOk = false;
        return;
    }
    sample.person = m_station.user()->username;
    sample.deviceOrLot = "station " + m_station.deps().stationName;
    const auto recorded = m_station.deps().compliance.recordSample(sample, m_station.user()->username);
    if (!recorded) {
        m_message = recorded.error().text();
        m_messageOk = false;
        return;
    }
    m_messageOk = !recorded->evaluation.excursion;
    m_message =
        std::string(usp797::emKindName(kind)) + " " + m_value + " " + std::string(usp797::emValueUnit(kind)) +
        (m_messageOk ? ": in range, recorded." : ": OUT OF RANGE - excursion opened; quality is told.");
    m_value.clear();
    m_station.refresh();
}

void ComplianceScreen::clean(const std::string& area) {
    if (!m_station.user())
        return;
    usp797::CleaningRecord rec;
    rec.at = nowUtc();
    rec.area = area;
    rec.task = usp797::CleaningTask::Daily;
    const auto room = m_station.deps().compliance.room(m_station.deps().room);
    rec.actions = usp797::requiredCleaningActions(usp797::CleaningTask::Daily, room && room->hazardous);
    rec.agent = "site disinfectant (see SOP)";
    rec.lot = "on file";
    rec.person = m_station.user()->username;
    const auto logged = m_station.deps().compliance.logCleaning(rec);
    m_messageOk = logged.ok();
    m_message = logged ? "Daily cleaning of " + area + " recorded." : logged.error().text();
    m_station.refresh();
}

void ComplianceScreen::drawContent(const ScreenContext& context) {
    const float touch = context.touchPx(kMinTouchMm);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    beginPanel("entry", ImVec2(avail.x * 0.5f, 0));
    ImGui::PushFont(context.fonts.large);
    ImGui::TextUnformatted("Today's readings");
    ImGui::PopFont();
    struct Kind {
        usp797::EmKind kind;
        const char* label;
    };
    const Kind kinds[] = {{usp797::EmKind::Pressure, "Pressure (in. w.c.)"},
                          {usp797::EmKind::Temperature, "Temperature (C)"},
                          {usp797::EmKind::Humidity, "Humidity (%)"}};
    // One row of three: the words wrap inside each, so the keypad and Record still fit 800 px.
    const float third = (ImGui::GetContentRegionAvail().x - 2 * ImGui::GetStyle().ItemSpacing.x) / 3.0f;
    for (const Kind& k : kinds) {
        if (k.kind != kinds[0].kind)
            ImGui::SameLine();
        if (touchButtonWrapped(k.label, third, touch, m_kind == k.kind ? Tone::Primary : Tone::Neutral))
            m_kind = k.kind;
    }
    ImGui::PushFont(context.fonts.huge);
    centeredText(m_value.empty() ? "-" : m_value.c_str());
    ImGui::PopFont();
    const float width = ImGui::GetContentRegionAvail().x;
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    // Five across, three rows: every key a full touch target and the panel still fits 800 px.
    const ImVec2 key((width - 4 * gap) / 5.0f, touch);
    static const char* const kKeys[] = {"7", "8", "9",     ".", "Back", "4", "5",
                                        "6", "-", "Clear", "1", "2",    "3", "0"};
    for (int i = 0; i < 14; ++i) {
        if (i % 5 != 0)
            ImGui::SameLine();
        const std::string k = kKeys[i];
        ImGui::PushID(i);
        if (touchButton((k + "##num").c_str(), key)) {
            if (k == "Back" && !m_value.empty())
                m_value.pop_back();
            else if (k == "Clear")
                m_value.clear();
            else if (k.size() == 1 && m_value.size() < 10)
                m_value += k;
        }
        ImGui::PopID();
    }
    if (touchButton("Record reading", ImVec2(-1, touch), Tone::Primary, !m_value.empty()))
        record(m_kind);
    endPanel();
    ImGui::SameLine();
    beginPanel("cleaning", ImVec2(0, 0));
    ImGui::PushFont(context.fonts.large);
    ImGui::TextUnformatted("Daily cleaning");
    ImGui::PopFont();
    if (touchButton(("Room " + m_station.deps().room + " cleaned").c_str(), ImVec2(-1, touch)))
        clean(m_station.deps().room);
    if (touchButton(("PEC " + m_station.deps().pec + " cleaned").c_str(), ImVec2(-1, touch)))
        clean(m_station.deps().pec);
    if (!m_message.empty()) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(m_messageOk ? colors::kPass : colors::kFail, "%s", m_message.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::Separator();
    ImGui::PushFont(context.fonts.bold);
    ImGui::TextUnformatted("Still due");
    ImGui::PopFont();
    ImGui::PushTextWrapPos(0);
    for (const auto& item : m_station.compliance().due) {
        if (item.state == usp797::DueState::Ok)
            continue;
        ImGui::TextColored(item.state == usp797::DueState::DueToday ? colors::kAttention : colors::kFail,
                           "- %s", item.text.c_str());
    }
    ImGui::PopTextWrapPos();
    endPanel();
}

} // namespace admix::ui
