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
    ImGui::PushFont(context.fonts.large);
    const float clockWidth = ImGui::CalcTextSize(clock.c_str()).x;
    ImGui::PopFont();
    const float clockX = ImGui::GetWindowContentRegionMax().x - clockWidth;
    // The room and PEC when they fit before the clock (they are on the home screen too).
    if (ImGui::GetCursorPosX() + ImGui::CalcTextSize(where.c_str()).x + ImGui::GetStyle().ItemSpacing.x < clockX)
        ImGui::TextColored(colors::kMuted, "%s", where.c_str());
    else
        ImGui::NewLine();
    ImGui::SameLine(clockX);
    ImGui::PushFont(context.fonts.large);
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
    const float touch = context.touchPx(kMinTouchMm);
    const float width = ImGui::GetContentRegionAvail().x;
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float button = (width - gap * static_cast<float>(items.size())) / static_cast<float>(items.size() + 1);
    for (const std::string& item : items) {
        if (touchButton((item + "##nav").c_str(), ImVec2(button, touch), m_station.screen() == item ? Tone::Primary : Tone::Neutral))
            m_station.go(item);
        ImGui::SameLine();
    }
    // Who is signed in, on the button that ends it.
    if (touchButton(("Sign out " + user->username + "##nav").c_str(), ImVec2(-1, touch)))
        m_station.signOut();
}

void StationUi::draw(const Window& window) {
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    // No background of its own: the frame is cleared to the window colour (Window::endFrame), and
    // under software OpenGL a blended full-screen rectangle costs milliseconds a frame.
    constexpr ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                       ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
                                       ImGuiWindowFlags_NoBackground;
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
}

} // namespace admix::ui
