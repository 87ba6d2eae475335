#include "station/ui/station_ui.hpp"

#include "formulas/time.hpp"
#include "station/ui/check_screen.hpp"
#include "station/ui/compliance_screen.hpp"
#include "station/ui/devices_screen.hpp"
#include "station/ui/garbing_screen.hpp"
#include "station/ui/home_screen.hpp"
#include "station/ui/login_screen.hpp"
#include "station/ui/order_screen.hpp"
#include "station/ui/prep_screen.hpp"
#include "station/ui/setup_screen.hpp"
#include "station/ui/theme.hpp"
#include "station/ui/ui_map.hpp"
#include "station/ui/widgets.hpp"

namespace admix::ui {

StationUi::StationUi(StationController& station, std::string stationName, bool demo)
    : m_station(station), m_stationName(std::move(stationName)), m_demo(demo) {
    m_screens.push_back(std::make_unique<LoginScreen>(station));
    m_screens.push_back(std::make_unique<GarbingScreen>(station));
    m_screens.push_back(std::make_unique<HomeScreen>(station));
    m_screens.push_back(std::make_unique<OrderScreen>(station));
    m_screens.push_back(std::make_unique<PrepScreen>(station));
    m_screens.push_back(std::make_unique<CheckScreen>(station));
    m_screens.push_back(std::make_unique<HistoryScreen>(station));
    m_screens.push_back(std::make_unique<ComplianceScreen>(station));
    m_screens.push_back(std::make_unique<DevicesScreen>(station));
    m_screens.push_back(std::make_unique<SetupScreen>(station));
}

Screen* StationUi::find(const std::string& title) {
    for (const auto& s : m_screens) {
        if (title == s->title())
            return s.get();
    }
    return nullptr;
}

void StationUi::drawTopBar(const ScreenContext& context) {
    ImGui::PushFont(context.fonts.large);
    ImGui::TextUnformatted(m_stationName.c_str());
    ImGui::PopFont();
    ImGui::SameLine();
    if (m_demo) {
        statusChip("DEMO - not for patient use", Tone::Attention);
        ImGui::SameLine();
    }
    const std::string where = m_station.deps().room + " / " + m_station.deps().pec;
    const std::string clock = formatLocal(nowUtc());
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    // The clock in the large font where it fits after the name (and the demo chip), else in bold.
    ImFont* clockFont = context.fonts.large;
    ImGui::PushFont(clockFont);
    float clockWidth = ImGui::CalcTextSize(clock.c_str()).x;
    ImGui::PopFont();
    if (ImGui::GetCursorPosX() + spacing + clockWidth > ImGui::GetWindowContentRegionMax().x) {
        clockFont = context.fonts.bold;
        ImGui::PushFont(clockFont);
        clockWidth = ImGui::CalcTextSize(clock.c_str()).x;
        ImGui::PopFont();
    }
    const float clockX = ImGui::GetWindowContentRegionMax().x - clockWidth;
    // The room and PEC when they fit before the clock (they are on the home screen too).
    if (ImGui::GetCursorPosX() + ImGui::CalcTextSize(where.c_str()).x + spacing < clockX)
        ImGui::TextColored(colors::kMuted, "%s", where.c_str());
    else
        ImGui::NewLine();
    ImGui::SameLine(clockX);
    ImGui::PushFont(clockFont);
    ImGui::TextUnformatted(clock.c_str());
    ImGui::PopFont();
}

void StationUi::drawNavigation(const ScreenContext& context) {
    const auto& user = m_station.user();
    if (!user)
        return;
    const bool preparing = m_station.prep() && m_station.prep()->status == workflow::PrepStatus::InProgress;
    std::vector<std::string> items = {"Home"};
    if (preparing)
        items.push_back("Preparation");
    if (user->role == workflow::Role::Pharmacist)
        items.push_back("Check");
    if (workflow::mayCompound(user->role))
        items.push_back("Garbing");
    items.push_back("Room log");
    items.push_back("History");
    items.push_back("Devices");
    // Who is signed in, on the button that ends it.
    items.push_back("Sign out " + user->username);
    const float touch = context.touchPx(kMinTouchMm);
    const float width = ImGui::GetContentRegionAvail().x;
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float padding = ImGui::GetStyle().FramePadding.x * 2;
    // Each button as wide as its words need, and the rest of the row shared out equally.
    std::vector<float> widths;
    float needed = gap * static_cast<float>(items.size() - 1);
    for (const std::string& item : items) {
        widths.push_back(ImGui::CalcTextSize(item.c_str()).x + padding);
        needed += widths.back();
    }
    const float spare = std::max(0.0f, width - needed) / static_cast<float>(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
        const bool last = i + 1 == items.size();
        const float w = last ? -1.0f : widths[i] + spare;
        if (last) {
            if (touchButton((items[i] + "##nav").c_str(), ImVec2(w, touch)))
                m_station.signOut();
        } else {
            if (touchButton((items[i] + "##nav").c_str(), ImVec2(w, touch),
                            m_station.screen() == items[i] ? Tone::Primary : Tone::Neutral))
                m_station.go(items[i]);
            ImGui::SameLine();
        }
    }
}

void StationUi::draw(const Window& window) {
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    // No background of its own: the frame is cleared to the window colour (Window::endFrame), and
    // under software OpenGL a blended full-screen rectangle costs milliseconds a frame.
    constexpr ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                       ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings |
                                       ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground;
    uiMapBeginFrame();
    ImGui::Begin("station", nullptr, flags);
    const ScreenContext context{window.fonts(), window.pixelsPerMm(), m_stationName, m_demo};
    // The idle lock: an unattended signed-in station returns to the sign-in screen.
    if (m_station.user() && m_station.idleLocked())
        m_station.signOut();
    if (ImGui::GetIO().MouseClicked[0])
        m_station.touch();
    drawTopBar(context);
    drawNavigation(context);
    ImGui::Separator();
    std::string wanted = m_station.user() ? m_station.screen() : std::string("Sign in");
    if (!m_station.deps().setupGaps.empty())
        wanted = "Setup needed";
    Screen* screen = find(wanted);
    if (!screen)
        screen = find("Sign in");
    if (screen->title() != m_shown) {
        if (Screen* old = find(m_shown))
            old->onClose();
        screen->onOpen();
        m_shown = screen->title();
    }
    uiMapSetScreen(m_shown);
    ImGui::PushFont(context.fonts.body);
    screen->drawContent(context);
    ImGui::PopFont();
    ImGui::End();
    uiMapSetMinTouch(context.touchPx(kMinTouchMm));
    uiMapRecordOverflows();
}

} // namespace admix::ui
