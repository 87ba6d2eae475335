#include "station/ui/home_screen.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

#include <nlohmann/json.hpp>

#include <optional>

namespace admix::ui {

namespace {

Tone priorityTone(const std::string& p) {
    return p == "stat" ? Tone::Fail : p == "urgent" ? Tone::Attention : Tone::Neutral;
}

std::string recipeName(const StationController& station, const std::string& id) {
    const auto* recipe = station.deps().formulary.recipe(id);
    return recipe ? station.deps().formulary.tallMan(recipe->name) : id;
}

} // namespace

void HomeScreen::drawContent(const ScreenContext& context) {
    const float touch = context.touchPx(kMinTouchMm);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const bool compounds = m_station.user() && workflow::mayCompound(m_station.user()->role);

    beginPanel("queue", ImVec2(avail.x * 0.6f, 0));
    ImGui::PushFont(context.fonts.large);
    ImGui::Text("To prepare (%zu)", m_station.queue().size());
    ImGui::PopFont();
    if (m_station.user() && workflow::mayEnterOrders(m_station.user()->role)) {
        // A pharmacist enters an order here, on the touch order form.
        const float newWidth = touch * 3.4f;
        ImGui::SameLine(ImGui::GetContentRegionMax().x - newWidth);
        if (touchButton("New order", ImVec2(newWidth, touch), Tone::Primary))
            m_station.go("New order");
    }
    if (!m_message.empty()) {
        ImGui::PushTextWrapPos(0);
        ImGui::TextColored(colors::kFail, "%s", m_message.c_str());
        ImGui::PopTextWrapPos();
    }
    const float buttonWidth = touch * 2.4f;
    std::optional<int64_t> startNow; // acted on after the loop: starting refreshes the queue being drawn
    if (ImGui::BeginTable("orders", 2, ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_PadOuterX)) {
        ImGui::TableSetupColumn("order", ImGuiTableColumnFlags_WidthStretch);
        ImGui::TableSetupColumn("action", ImGuiTableColumnFlags_WidthFixed, buttonWidth);
        for (const auto& order : m_station.queue()) {
            ImGui::PushID(static_cast<int>(order.id));
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            std::string priority = order.priority;
            for (char& c : priority)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            statusChip(priority.c_str(), priorityTone(order.priority));
            ImGui::SameLine();
            ImGui::PushFont(context.fonts.bold);
            ImGui::PushTextWrapPos(0);
            ImGui::TextUnformatted(recipeName(m_station, order.recipeId).c_str());
            ImGui::PopTextWrapPos();
            ImGui::PopFont();
            const auto due = parseIsoUtc(order.dueUtc);
            ImGui::PushTextWrapPos(0);
            ImGui::TextColored(colors::kMuted, "%s  %s  due %s%s", order.patientName.c_str(),
                               order.patientMrn.c_str(),
                               due ? formatLocal(*due).substr(11).c_str() : order.dueUtc.c_str(),
                               order.status == "in_progress" ? "  (in progress)" : "");
            ImGui::PopTextWrapPos();
            ImGui::TableNextColumn();
            if (compounds) {
                // The same gate decision the start will make: a refused order says so on its button.
                const usp797::GateDecision* gate =
                    order.status == "in_progress" ? nullptr : m_station.gateFor(order.id);
                const bool refused = gate && !gate->allowed;
                const std::string label = std::string(order.status == "in_progress" ? "Resume"
                                                      : refused                     ? "Blocked"
                                                                                    : "Start") +
                                          "##" + order.orderNumber;
                if (touchButton(label.c_str(), ImVec2(buttonWidth, touch),
                                refused ? Tone::Fail : Tone::Primary))
                    startNow = order.id;
            }
            ImGui::PopID();
        }
        ImGui::EndTable();
    }
    if (startNow) {
        const Status s = m_station.startOrder(*startNow);
        m_message = s ? "" : s.error().text();
    }
    if (m_station.queue().empty())
        ImGui::TextColored(colors::kMuted, "Nothing to prepare.");
    if (!m_station.cancellations().empty()) {
        // A cancelled preparation stays visible with who cancelled it and why.
        ImGui::Spacing();
        ImGui::PushFont(context.fonts.bold);
        ImGui::TextUnformatted("Cancelled (last 24 hours)");
        ImGui::PopFont();
        ImGui::PushTextWrapPos(0);
        for (const auto& c : m_station.cancellations()) {
            const auto at = parseIsoUtc(c.atUtc);
            ImGui::TextColored(colors::kAttention, "%s %s, %s by %s: %s", c.prepNumber.c_str(),
                               recipeName(m_station, c.recipeId).c_str(),
                               at ? formatLocal(*at).substr(11, 5).c_str() : c.atUtc.c_str(), c.by.c_str(),
                               c.reason.c_str());
        }
        ImGui::PopTextWrapPos();
    }
    endPanel();
    ImGui::SameLine();

    beginPanel("compliance", ImVec2(0, 0));
    ImGui::PushFont(context.fonts.large);
    ImGui::TextUnformatted("Compliance");
    ImGui::PopFont();
    ImGui::TextColored(colors::kMuted, "Room %s, PEC %s", m_station.deps().room.c_str(),
                       m_station.deps().pec.c_str());
    if (compounds) {
        if (m_station.bannerOrder().empty()) {
            ImGui::TextColored(colors::kMuted, "No open order to check.");
        } else if (m_station.blockers().empty()) {
            statusChip(("OK to start " + m_station.bannerOrder()).c_str(), Tone::Pass);
        } else {
            ImGui::TextColored(colors::kMuted, "Next order %s:", m_station.bannerOrder().c_str());
            statusChip("STOP: not now", Tone::Fail);
            ImGui::PushTextWrapPos(0);
            for (const auto& reason : m_station.blockers())
                ImGui::TextColored(colors::kFail, "- %s", reason.c_str());
            ImGui::PopTextWrapPos();
            if (!m_station.garbed() && touchButton("Garbing", ImVec2(-1, touch), Tone::Attention))
                m_station.go("Garbing");
        }
    }
    const auto& status = m_station.compliance();
    if (!status.openExcursions.empty()) {
        ImGui::Spacing();
        statusChip((std::to_string(status.openExcursions.size()) + " open excursion(s)").c_str(), Tone::Fail);
    }
    ImGui::Spacing();
    ImGui::PushFont(context.fonts.bold);
    ImGui::TextUnformatted("Due today or overdue");
    ImGui::PopFont();
    ImGui::PushTextWrapPos(0);
    int shown = 0;
    for (const auto& item : status.due) {
        if (item.state == usp797::DueState::Ok || shown >= 8)
            continue;
        ++shown;
        const bool late =
            item.state == usp797::DueState::Overdue || item.state == usp797::DueState::NeverDone;
        ImGui::TextColored(late ? colors::kFail : colors::kAttention, "%s %s", late ? "!" : "-",
                           item.text.c_str());
    }
    if (shown == 0)
        ImGui::TextColored(colors::kPass, "Nothing due today.");
    ImGui::PopTextWrapPos();
    endPanel();
}

} // namespace admix::ui
