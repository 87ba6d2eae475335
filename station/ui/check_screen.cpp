#include "station/ui/check_screen.hpp"

#include "station/ui/theme.hpp"
#include "station/ui/ui_map.hpp"
#include "station/ui/widgets.hpp"

#include <GLFW/glfw3.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace admix::ui {

namespace {

const std::vector<std::string> kRejectReasons = {"WRONG-VOLUME: remake",  "WRONG-PRODUCT: remake",
                                                 "PHOTO-UNCLEAR: remake", "PARTICULATES: waste",
                                                 "LABEL-ERROR: remake",   "ORDER-CHANGED: waste"};

constexpr double kQueueRefreshSeconds = 5.0;
constexpr int kThumbHeightPx = 240; // the thumbnail texture's height (shown smaller)

std::string ml(double v) {
    return formulas::format(formulas::Volume::mL(v));
}

std::string localTime(const std::string& iso) {
    const auto t = parseIsoUtc(iso);
    return t ? formatLocal(*t) : iso;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

// Text wrapped at spaces only, to the rest of the row (widgets' wrapToWidth).
void wrappedText(const std::string& text) {
    const std::string lines = wrapToWidth(text, ImGui::GetContentRegionAvail().x);
    ImGui::TextUnformatted(lines.c_str());
}

// Text wrapped at word boundaries, recorded on the ui-map as "text:<key>=<text>" so that GUI tests
// can read what the pharmacist is shown.
void fact(const std::string& key, const std::string& text, ImVec4 color = colors::kText) {
    ImGui::PushStyleColor(ImGuiCol_Text, color);
    wrappedText(text);
    ImGui::PopStyleColor();
    if (ImGui::IsItemVisible())
        uiMapRecord("text:" + key + "=" + text, ImGui::GetItemRectMin(), ImGui::GetItemRectMax(), true);
}

void heading(const ScreenContext& context, const char* text) {
    ImGui::Spacing();
    ImGui::PushFont(context.fonts.bold);
    ImGui::TextUnformatted(text);
    ImGui::PopFont();
}

unsigned uploadTexture(const cv::Mat& bgr) {
    GLuint texture = 0;
    glGenTextures(1, &texture);
    glBindTexture(GL_TEXTURE_2D, texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, static_cast<GLint>(bgr.step / bgr.elemSize()));
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, bgr.cols, bgr.rows, 0, GL_BGR, GL_UNSIGNED_BYTE, bgr.data);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    return texture;
}

ImTextureID textureId(unsigned texture) {
    return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture));
}

} // namespace

CheckScreen::~CheckScreen() {
    dropTextures();
}

void CheckScreen::onOpen() {
    m_waiting = m_station.checkQueue();
    m_waitingLoaded = ImGui::GetTime();
    m_selected.reset();
    m_zoomed.clear();
    dropTextures();
    m_pad.close();
}

void CheckScreen::onClose() {
    m_station.expectBadge(false);
    m_pad.close();
    m_selected.reset();
    m_zoomed.clear();
    dropTextures();
}

void CheckScreen::select(int64_t prepId) {
    dropTextures();
    m_zoomed.clear();
    m_selected = m_station.checkReview(prepId);
}

void CheckScreen::dropTextures() {
    for (auto& [sha, t] : m_textures) {
        if (t.thumb)
            glDeleteTextures(1, &t.thumb);
        if (t.full)
            glDeleteTextures(1, &t.full);
    }
    m_textures.clear();
}

const CheckScreen::PhotoTexture& CheckScreen::texture(const std::string& sha256) {
    auto it = m_textures.find(sha256);
    if (it != m_textures.end())
        return it->second;
    PhotoTexture t;
    const auto bytes = m_selected ? m_station.evidencePhoto(m_selected->view.id, sha256) : std::nullopt;
    cv::Mat image;
    if (bytes && !bytes->empty())
        image = cv::imdecode(*bytes, cv::IMREAD_COLOR);
    if (image.empty() || image.type() != CV_8UC3) {
        t.missing = true;
    } else {
        t.width = image.cols;
        t.height = image.rows;
        t.full = uploadTexture(image);
        cv::Mat small;
        const double scale = std::min(1.0, static_cast<double>(kThumbHeightPx) / image.rows);
        cv::resize(image, small, cv::Size(), scale, scale, cv::INTER_AREA);
        t.thumb = uploadTexture(small);
    }
    return m_textures.emplace(sha256, t).first->second;
}

void CheckScreen::signIfDone(const ScreenContext& context) {
    // A scan while the signature is asked for is the signer's badge.
    for (const std::string& scan : m_station.takeBadgeScans())
        m_pad.badgeScanned(scan);
    if (!m_pad.draw(context))
        return;
    const auto& v = m_selected->view;
    Status s = Status::success();
    if (m_rejecting) {
        const std::string code = m_pad.reason().substr(0, m_pad.reason().find(':'));
        s = m_station.reject(v.id, m_pad.signer(), m_pad.secret(), code,
                             m_pad.reason().find("remake") != std::string::npos, m_pad.byPassword());
    } else {
        s = m_station.approve(v.id, m_pad.signer(), m_pad.secret(), m_pad.byPassword());
    }
    if (s) {
        const std::string done = v.number + (m_rejecting ? " rejected." : " released.");
        onOpen();
        m_message = done;
    } else {
        m_pad.setMessage(s.error().text());
    }
}

void CheckScreen::drawContent(const ScreenContext& context) {
    const float touch = context.touchPx(kMinTouchMm);
    m_station.expectBadge(m_pad.isOpen() && m_selected.has_value());
    if (m_pad.isOpen() && m_selected) {
        signIfDone(context);
        return;
    }
    if (ImGui::GetTime() - m_waitingLoaded > kQueueRefreshSeconds) {
        m_waiting = m_station.checkQueue();
        m_waitingLoaded = ImGui::GetTime();
    }
    if (m_selected && !m_zoomed.empty()) {
        drawZoom(context, touch);
        return;
    }
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    beginPanel("waiting", ImVec2(avail.x * 0.3f, 0));
    drawQueue(context, touch);
    endPanel();
    ImGui::SameLine();
    beginPanel("detail", ImVec2(0, 0), ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    drawDetail(context, touch);
    endPanel();
}

void CheckScreen::drawQueue(const ScreenContext& context, float touch) {
    ImGui::PushFont(context.fonts.bold);
    ImGui::Text("Awaiting check (%zu)", m_waiting.size());
    ImGui::PopFont();
    ImGui::BeginChild("queue", ImVec2(0, 0), false,
                      ImGuiWindowFlags_NoBackground); // inside a panel: its colour
    ImGui::PushTextWrapPos(0);
    if (!m_message.empty())
        ImGui::TextColored(colors::kPass, "%s", m_message.c_str());
    if (m_waiting.empty())
        ImGui::TextColored(colors::kMuted, "Nothing waits for a check.");
    // The queue's order: STAT, then urgent, then routine; earliest due; longest waiting.
    for (const auto& p : m_waiting) {
        const bool selected = m_selected && m_selected->view.id == p.prepId;
        const bool urgent = p.priority == "stat" || p.priority == "urgent";
        if (touchButton((p.number + "##" + std::to_string(p.prepId)).c_str(), ImVec2(-1, touch),
                        selected ? Tone::Primary : (urgent ? Tone::Attention : Tone::Neutral)))
            select(p.prepId);
        fact("queue:" + p.number, upper(p.priority) + ": " + p.title + (p.hazardous ? " (HAZARDOUS)" : ""),
             urgent ? colors::kAttention : colors::kText);
        ImGui::PushStyleColor(ImGuiCol_Text, colors::kMuted);
        wrappedText("waiting " + workflow::waitingText(p.waitingMinutes) + ", prepared by " + p.technician);
        ImGui::PopStyleColor();
        ImGui::Spacing();
    }
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
}

void CheckScreen::drawDetail(const ScreenContext& context, float touch) {
    if (!m_selected) {
        ImGui::TextColored(colors::kMuted, "Pick a preparation on the left.");
        return;
    }
    const auto& r = *m_selected;
    const auto& v = r.view;
    // Scrolls above the Approve / Reject row, which stays in view.
    const float buttons = touch * 1.2f + ImGui::GetStyle().ItemSpacing.y * 2;
    ImGui::BeginChild("review", ImVec2(0, -buttons), false,
                      ImGuiWindowFlags_NoBackground); // inside a panel: its colour
    ImGui::PushTextWrapPos(0);
    ImGui::PushFont(context.fonts.large);
    wrappedText(v.spec.title);
    ImGui::PopFont();
    if (r.order) {
        fact("patient", "Patient: " + r.order->patientName + "   MRN " + r.order->patientMrn);
        fact("order", "Order " + r.order->orderNumber + ", " + upper(r.order->priority) + ": ordered dose " +
                          (r.orderedDose.empty() ? v.spec.doseText : r.orderedDose) + " " + r.order->route +
                          (r.order->prescriber.empty() ? "" : ", prescribed by " + r.order->prescriber));
    } else {
        fact("patient", "No order is on record for this preparation.", colors::kFail);
    }
    fact("prepared",
         v.number + " prepared by " + v.technician + " in " + v.room + " / " + v.pec +
             (r.completedUtc ? ", finished " + localTime(*r.completedUtc) : std::string()),
         colors::kMuted);
    if (!r.comments.empty())
        fact("comments", "Order comments: " + r.comments, colors::kAttention);
    if (!r.stop.empty())
        fact("stop", "STOP on the order (" + r.stop + "): approval will be refused.", colors::kFail);
    if (r.recalled)
        fact("recalled",
             "RECALLED since it was scanned: " + *r.recalled + ". Approval is refused; quarantine it.",
             colors::kFail);
    if (r.recipeRetired)
        fact("recipe-retired",
             "RECIPE RETIRED since this was made: " + *r.recipeRetired +
                 ". Check it against the current formulary before you approve.",
             colors::kFail);
    if (v.anyOverride)
        statusChip("OVERRIDE - a gate was passed by a pharmacist's override", Tone::Attention);

    heading(context, "Ingredients: target and measured");
    if (r.ingredients.empty())
        ImGui::TextColored(colors::kMuted, "No weighed draws in this preparation.");
    for (const auto& i : r.ingredients) {
        const std::string name = i.product.empty() ? i.what : i.product;
        fact("ingredient:" + std::to_string(i.step + 1), std::to_string(i.step + 1) + ". " + name);
        const std::string measured = i.measuredMl ? ml(*i.measuredMl) : std::string("not measured");
        ImGui::Indent();
        fact("measured:" + std::to_string(i.step + 1),
             "target " + ml(i.targetMl) + " (" + ml(i.lowMl) + " to " + ml(i.highMl) + "), measured " +
                 measured + (i.measuredMl && i.pass ? "  OK" : "  OUT OF RANGE"),
             i.measuredMl && i.pass ? colors::kPass : colors::kFail);
        fact("lot:" + std::to_string(i.step + 1),
             "lot " + (i.lot.empty() ? std::string("not scanned") : i.lot) + ", expires " +
                 (i.expiry.empty() ? std::string("unknown") : i.expiry),
             i.lot.empty() ? colors::kFail : colors::kMuted);
        if (i.state == workflow::StepState::Overridden)
            ImGui::TextColored(colors::kAttention, "overridden by a pharmacist");
        ImGui::Unindent();
    }

    heading(context, "Overrides");
    if (r.overrides.empty())
        ImGui::TextColored(colors::kMuted, "None.");
    for (const auto& o : r.overrides)
        fact("override:" + std::to_string(o.step + 1),
             "Step " + std::to_string(o.step + 1) + " (" + o.stepTitle + "): " + o.pharmacist + ", " +
                 o.reason + " (" + localTime(o.atUtc) + ")",
             colors::kAttention);

    heading(context, "Refused attempts");
    if (r.refusals.empty())
        ImGui::TextColored(colors::kMuted, "None: every step passed at the first attempt.");
    for (const auto& f : r.refusals)
        fact("refused:" + std::to_string(f.step + 1),
             "Step " + std::to_string(f.step + 1) + " (" + f.stepTitle + "): " + f.reason + " (" + f.by +
                 ", " + localTime(f.atUtc) + ")",
             colors::kFail);

    heading(context, "Photos (tap to zoom)");
    drawPhotos(context, touch);

    heading(context, "Steps");
    for (const auto& s : v.steps) {
        const bool overridden = s.state == workflow::StepState::Overridden;
        ImGui::PushStyleColor(ImGuiCol_Text, overridden ? colors::kAttention : colors::kPass);
        wrappedText(std::string(overridden ? "[!] " : "[x] ") + std::to_string(s.index + 1) + ". " +
                    s.spec.title +
                    (s.attempts ? " (" + std::to_string(s.attempts) + " refused)" : std::string()));
        ImGui::PopStyleColor();
    }
    ImGui::PopTextWrapPos();
    ImGui::EndChild();

    const std::vector<std::pair<std::string, std::string>> badges =
        context.demo ? std::vector<std::pair<std::string, std::string>>{{"R. Patel (PIN 7350)", "B-2001"},
                                                                        {"M. Okafor (PIN 8162)", "B-2002"}}
                     : std::vector<std::pair<std::string, std::string>>{};
    ImGui::PushFont(context.fonts.large);
    if (touchButton("Approve", ImVec2(ImGui::GetContentRegionAvail().x * 0.5f, touch * 1.2f), Tone::Pass)) {
        m_rejecting = false;
        m_message.clear();
        m_pad.open({"Approve " + v.number + ": your signature", {}, badges});
    }
    ImGui::SameLine();
    if (touchButton("Reject", ImVec2(-1, touch * 1.2f), Tone::Fail)) {
        m_rejecting = true;
        m_message.clear();
        m_pad.open({"Reject " + v.number + ": reason and signature", kRejectReasons, badges});
    }
    ImGui::PopFont();
}

void CheckScreen::drawPhotos(const ScreenContext& context, float touch) {
    const auto& r = *m_selected;
    if (r.photos.empty()) {
        ImGui::TextColored(colors::kMuted, "No photos.");
        return;
    }
    const float height = std::max(touch * 1.6f, context.touchPx(30.0f));
    const float right = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
    bool first = true;
    int n = 0;
    for (const auto& p : r.photos) {
        ++n;
        const PhotoTexture& t = texture(p.sha256);
        const float aspect =
            t.height > 0 ? static_cast<float>(t.width) / static_cast<float>(t.height) : 4.0f / 3.0f;
        const ImVec2 size(std::max(touch, height * aspect), height);
        if (!first) {
            ImGui::SameLine();
            if (ImGui::GetCursorScreenPos().x + size.x > right)
                ImGui::NewLine();
        }
        first = false;
        ImGui::BeginGroup();
        const std::string label = "Photo " + std::to_string(n) + ": step " + std::to_string(p.step + 1);
        ImGui::PushID(p.sha256.c_str());
        const bool tapped = ImGui::InvisibleButton("thumb", size);
        ImGui::PopID();
        const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
        ImDrawList* draw = ImGui::GetWindowDrawList();
        if (t.thumb) {
            draw->AddImage(textureId(t.thumb), min, max);
        } else {
            draw->AddRectFilled(min, max, ImGui::GetColorU32(colors::kPanel));
            draw->AddText(ImVec2(min.x + 8, min.y + 8), ImGui::GetColorU32(colors::kFail), "photo missing");
        }
        draw->AddRect(min, max, ImGui::GetColorU32(p.outcome == "pass" ? colors::kPass : colors::kFail), 0, 0,
                      3.0f);
        if (ImGui::IsItemVisible())
            uiMapRecord(label, min, max, t.thumb != 0);
        if (tapped && t.full)
            m_zoomed = p.sha256;
        ImGui::PushStyleColor(ImGuiCol_Text, p.outcome == "pass" ? colors::kMuted : colors::kFail);
        const std::string caption = std::to_string(n) + ". step " + std::to_string(p.step + 1) + ", " +
                                    p.stepTitle + (p.outcome == "pass" ? "" : " (refused)");
        ImGui::TextUnformatted(wrapToWidth(caption, size.x).c_str());
        ImGui::PopStyleColor();
        ImGui::EndGroup();
    }
}

void CheckScreen::drawZoom(const ScreenContext& context, float touch) {
    const auto it = m_textures.find(m_zoomed);
    if (it == m_textures.end() || !it->second.full) {
        m_zoomed.clear();
        return;
    }
    const PhotoTexture& t = it->second;
    beginPanel("zoom", ImVec2(0, 0));
    std::string caption = "Photo";
    for (const auto& p : m_selected->photos) {
        if (p.sha256 == m_zoomed)
            caption = "Step " + std::to_string(p.step + 1) + ": " + p.stepTitle + ", " + localTime(p.atUtc) +
                      " (" + std::to_string(t.width) + " x " + std::to_string(t.height) + ")";
    }
    ImGui::PushTextWrapPos(0);
    ImGui::PushFont(context.fonts.bold);
    wrappedText(caption);
    ImGui::PopFont();
    ImGui::PopTextWrapPos();
    ImGui::TextColored(colors::kMuted, "Tap the photo to close it.");
    // Full size when it fits, else as large as the panel allows.
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float scale =
        std::min({1.0f, avail.x / static_cast<float>(t.width), avail.y / static_cast<float>(t.height)});
    const ImVec2 size(std::max(touch, static_cast<float>(t.width) * scale),
                      std::max(touch, static_cast<float>(t.height) * scale));
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + std::max(0.0f, (avail.x - size.x) * 0.5f));
    const bool tapped = ImGui::InvisibleButton("zoomed", size);
    const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
    ImGui::GetWindowDrawList()->AddImage(textureId(t.full), min, max);
    uiMapRecord("Close photo", min, max, true);
    if (tapped)
        m_zoomed.clear();
    endPanel();
}

} // namespace admix::ui
