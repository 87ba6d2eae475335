#include "station/ui/order_screen.hpp"

#include "formulas/text.hpp"
#include "formulas/time.hpp"
#include "station/ui/theme.hpp"
#include "station/ui/widgets.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace admix::ui {

namespace {

using Field = OrderScreen::Field;

struct FieldInfo {
    Field field;
    const char* caption; // on its tile
    const char* prompt;  // above the keyboard while it is edited
    KeySet keys;
    bool choice = false; // picked from buttons, not typed
    size_t maxLength = 120;
};

constexpr std::array<FieldInfo, 14> kFields = {{
    {Field::Name, "Name", "Patient name (LAST, FIRST)", KeySet::Text},
    {Field::Mrn, "MRN", "Medical record number", KeySet::Text, false, 40},
    {Field::BirthDate, "Born", "Date of birth (YYYY-MM-DD)", KeySet::Date, false, 10},
    {Field::Sex, "Sex", "Sex", KeySet::Text, true},
    {Field::Weight, "Weight kg", "Weight in kg", KeySet::Number, false, 8},
    {Field::Height, "Height cm", "Height in cm", KeySet::Number, false, 8},
    {Field::Scr, "SCr", "Serum creatinine in mg/dL", KeySet::Number, false, 8},
    {Field::Dose, "Dose", "Dose", KeySet::Number, false, 12},
    {Field::Route, "Route", "Route", KeySet::Text, false, 20},
    {Field::Priority, "Priority", "Priority", KeySet::Text, true},
    {Field::Due, "Due", "Due, local time (YYYY-MM-DD HH:MM)", KeySet::DateTime, false, 16},
    {Field::Prescriber, "Prescriber", "Prescriber", KeySet::Text},
    {Field::OrderId, "Order id", "The order's own id (optional; the order number is made here)", KeySet::Text,
     false, 40},
    {Field::Comment, "Comment", "Comment for the technician (optional)", KeySet::Text, false, 500},
}};

const FieldInfo& infoOf(Field f) {
    for (const auto& i : kFields)
        if (i.field == f)
            return i;
    return kFields.front();
}

// The field an error names ("patient.weight_kg", "patient name", "order id", "dose.value", ...).
std::optional<Field> fieldOfError(const std::string& where) {
    struct Name {
        const char* prefix;
        Field field;
    };
    static constexpr Name kNames[] = {
        {"patient.mrn", Field::Mrn},
        {"medical record number", Field::Mrn},
        {"patient.name", Field::Name},
        {"patient name", Field::Name},
        {"patient.birth_date", Field::BirthDate},
        {"patient.age_years", Field::BirthDate},
        {"patient.sex", Field::Sex},
        {"patient.weight_kg", Field::Weight},
        {"patient.height_cm", Field::Height},
        {"patient.scr_mg_dl", Field::Scr},
        {"dose", Field::Dose},
        {"route", Field::Route},
        {"priority", Field::Priority},
        {"due", Field::Due},
        {"prescriber", Field::Prescriber},
        {"order id", Field::OrderId},
        {"id", Field::OrderId},
        {"comment", Field::Comment},
    };
    for (const Name& n : kNames) {
        const std::string p = n.prefix;
        if (where == p || where.rfind(p + ".", 0) == 0)
            return n.field;
    }
    return std::nullopt;
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string numberText(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.')
        s.pop_back();
    return s;
}

// `text` cut to `width` with "..." when it does not fit (a tile shows the start of a long value; the
// whole of it is above the keyboard while it is edited).
std::string fitText(const std::string& text, float width) {
    if (ImGui::CalcTextSize(text.c_str()).x <= width)
        return text;
    std::string cut = text;
    while (!cut.empty() && ImGui::CalcTextSize((cut + "...").c_str()).x > width)
        cut.pop_back();
    return cut + "...";
}

// `text` broken at word boundaries into lines no wider than `width` (for multi-line button labels).
std::string wrapWords(const std::string& text, float width) {
    std::string out, line, word;
    const auto flush = [&] {
        if (word.empty())
            return;
        const std::string candidate = line.empty() ? word : line + " " + word;
        if (!line.empty() && ImGui::CalcTextSize(candidate.c_str()).x > width) {
            out += (out.empty() ? "" : "\n") + line;
            line = word;
        } else {
            line = candidate;
        }
        word.clear();
    };
    for (char c : text) {
        if (c == ' ')
            flush();
        else
            word += c;
    }
    flush();
    if (!line.empty())
        out += (out.empty() ? "" : "\n") + line;
    return out;
}

void wrapped(const std::string& text, ImVec4 colour) {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored(colour, "%s", text.c_str());
    ImGui::PopTextWrapPos();
}

} // namespace

void OrderScreen::onOpen() {
    m_fields = {};
    m_fields.dueLocal = formatLocal(nowUtc() + std::chrono::hours(1));
    m_needs = {};
    m_pickRecipe = true;
    m_search.clear();
    m_message.clear();
    m_messageGood = false;
    m_pendingWarnings.clear();
    m_warningLines.clear();
    m_showWarnings = false;
    m_hasBadField = false;
    m_active = Field::Name;
}

std::string* OrderScreen::value(Field f) {
    switch (f) {
    case Field::OrderId:
        return &m_fields.orderId;
    case Field::Name:
        return &m_fields.patientName;
    case Field::Mrn:
        return &m_fields.mrn;
    case Field::BirthDate:
        return &m_fields.birthDate;
    case Field::Sex:
        return &m_fields.sex;
    case Field::Weight:
        return &m_fields.weightKg;
    case Field::Height:
        return &m_fields.heightCm;
    case Field::Scr:
        return &m_fields.scrMgDl;
    case Field::Dose:
        return &m_fields.doseValue;
    case Field::Route:
        return &m_fields.route;
    case Field::Priority:
        return &m_fields.priority;
    case Field::Due:
        return &m_fields.dueLocal;
    case Field::Prescriber:
        return &m_fields.prescriber;
    case Field::Comment:
        return &m_fields.comment;
    }
    return &m_fields.comment;
}

bool OrderScreen::shown(Field f) const {
    if (f == Field::Height)
        return m_needs.height;
    if (f == Field::Scr)
        return m_needs.scr;
    return true;
}

void OrderScreen::chooseRecipe(const std::string& id) {
    const auto* recipe = m_station.deps().formulary.recipe(id);
    if (recipe == nullptr)
        return;
    m_fields.recipe = id;
    m_needs = workflow::recipeNeeds(*recipe);
    m_fields.doseUnit = m_needs.doseUnit;
    m_fields.route = m_needs.route;
    m_fields.doseValue = m_needs.defaultDose ? numberText(*m_needs.defaultDose) : "";
    if (!m_needs.height)
        m_fields.heightCm.clear();
    if (!m_needs.scr)
        m_fields.scrMgDl.clear();
    m_pickRecipe = false;
    m_pendingWarnings.clear();
    m_message.clear();
    m_active = Field::Name;
}

void OrderScreen::submit(bool acknowledge) {
    m_hasBadField = false;
    const auto order = workflow::orderFormJson(m_fields);
    workflow::OrderSubmission answer;
    if (!order)
        answer.error = order.error();
    else
        answer = m_station.enterOrder(*order, acknowledge ? m_pendingWarnings : std::string());
    if (answer.ok()) {
        spdlog::info("order form: entered {} ({}) by {}", answer.entered->orderNumber, m_fields.orderId,
                     m_station.user() ? m_station.user()->username : "");
        m_messageGood = true;
        m_message = "Entered order " + answer.entered->orderNumber +
                    (m_fields.orderId.empty() ? std::string()
                                              : " (" + std::string(formulas::trim(m_fields.orderId)) + ")") +
                    " for " + std::string(formulas::trim(m_fields.patientName)) + ".";
        for (const auto& w : answer.entered->warnings)
            m_message += " Acknowledged: " + w.code + ".";
        m_pendingWarnings.clear();
        // The next order is often for the next patient: keep the recipe, prescriber, due and priority.
        for (Field f : {Field::OrderId, Field::Name, Field::Mrn, Field::BirthDate, Field::Sex, Field::Weight,
                        Field::Height, Field::Scr, Field::Comment})
            value(f)->clear();
        m_active = Field::Name;
        return;
    }
    m_messageGood = false;
    m_message = answer.error.text();
    // The log names the field and the rule, never what was typed (a date of birth is echoed in quotes).
    spdlog::info("order form: refused: {}", m_message.substr(0, m_message.find('"')));
    m_pendingWarnings = answer.warningsToAcknowledge;
    m_warningLines.clear();
    for (const auto& w : answer.warnings)
        m_warningLines.push_back(w.code + ": " + w.message);
    m_showWarnings = !m_pendingWarnings.empty();
    if (!m_pendingWarnings.empty())
        m_message = "The plan warns (" + std::to_string(answer.warnings.size()) +
                    "): read the warnings, then press \"Acknowledge and enter\", or change the order.";
    if (const auto f = fieldOfError(answer.error.where); f && shown(*f)) {
        m_hasBadField = true;
        m_badField = *f;
        m_active = *f;
    } else if (answer.error.where == "recipe") {
        m_pickRecipe = true;
    }
}

void OrderScreen::drawContent(const ScreenContext& context) {
    const float touch = context.touchPx(kMinTouchMm);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float padding = ImGui::GetStyle().WindowPadding.x * 2;
    // The keyboard's panel: ten keys across when half the screen has room for them, else seven.
    const float ten = keyboardWidth(10, touch) + padding;
    const float rightWidth = avail.x * 0.5f >= ten ? ten : keyboardWidth(7, touch) + padding;
    if (m_pickRecipe)
        drawRecipePicker(context, rightWidth);
    else
        drawForm(context, rightWidth);
}

void OrderScreen::drawRecipePicker(const ScreenContext& context, float rightWidth) {
    const float touch = context.touchPx(kMinTouchMm);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const auto& formulary = m_station.deps().formulary;

    beginPanel("recipes", ImVec2(avail.x - rightWidth - gap, avail.y));
    ImGui::PushFont(context.fonts.large);
    ImGui::TextUnformatted("New order");
    ImGui::PopFont();
    const float backWidth = ImGui::CalcTextSize("Back to the queue").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SameLine(ImGui::GetContentRegionMax().x - backWidth);
    if (touchButton("Back to the queue", ImVec2(backWidth, touch)))
        m_station.go("Home");
    const auto ids = formulary.recipeIds();
    if (ids.empty()) {
        wrapped("This station has no approved recipe: a pharmacist approves one with `admix formulary "
                "approve RECIPE` "
                "(or on the web formulary page); this list shows it within seconds.",
                colors::kFail);
        endPanel();
        ImGui::SameLine();
        beginPanel("search", ImVec2(0, avail.y));
        endPanel();
        return;
    }
    wrapped("Approved recipes of this station's formulary. Type on the keyboard to narrow the list.",
            colors::kMuted);
    ImGui::PushFont(context.fonts.bold);
    ImGui::Text("Search: %s", m_search.empty() ? "(all)" : m_search.c_str());
    ImGui::PopFont();
    if (!m_message.empty())
        wrapped(m_message, m_messageGood ? colors::kPass : colors::kFail);
    ImGui::BeginChild("recipe-list", ImVec2(0, 0), false);
    const std::string needle = lower(std::string(formulas::trim(m_search)));
    int shownCount = 0;
    std::string picked;
    for (const auto& id : ids) {
        const auto* r = formulary.recipe(id);
        if (r == nullptr)
            continue;
        const std::string name = formulary.tallMan(r->name);
        if (!needle.empty() && lower(name + " " + id).find(needle) == std::string::npos)
            continue;
        ++shownCount;
        // A long name wraps inside its button, at word boundaries.
        const float inner = ImGui::GetContentRegionAvail().x - ImGui::GetStyle().FramePadding.x * 2;
        const std::string text = wrapWords(name + " (" + id + ")", inner);
        const float height =
            std::max(touch, ImGui::CalcTextSize(text.c_str()).y + ImGui::GetStyle().FramePadding.y * 2);
        ImGui::PushStyleVar(ImGuiStyleVar_ButtonTextAlign, ImVec2(0.0f, 0.5f));
        if (touchButton((text + "##recipe-" + id).c_str(), ImVec2(-1, height),
                        m_fields.recipe == id ? Tone::Primary : Tone::Neutral))
            picked = id;
        ImGui::PopStyleVar();
    }
    if (shownCount == 0)
        ImGui::TextColored(colors::kMuted, "No approved recipe matches \"%s\".", m_search.c_str());
    ImGui::EndChild();
    endPanel();
    if (!picked.empty())
        chooseRecipe(picked);
    ImGui::SameLine();

    beginPanel("search", ImVec2(0, avail.y));
    ImGui::PushFont(context.fonts.bold);
    ImGui::TextUnformatted("Search the recipes");
    ImGui::PopFont();
    touchKeyboard(m_search, KeySet::Text, ImGui::GetContentRegionAvail().x, touch, 40);
    endPanel();
}

void OrderScreen::drawForm(const ScreenContext& context, float rightWidth) {
    const float touch = context.touchPx(kMinTouchMm);
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const auto& formulary = m_station.deps().formulary;
    const auto* recipe = formulary.recipe(m_fields.recipe);

    // Tighter rows than the theme's: the fields, the answer and the actions fit 1280 x 800.
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(ImGui::GetStyle().WindowPadding.x, 12.0f));
    beginPanel("order", ImVec2(avail.x - rightWidth - gap, avail.y));
    ImGui::PopStyleVar();
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(gap, 8.0f));
    const float rowGap = 8.0f;
    int tiles = 0;
    for (const FieldInfo& info : kFields)
        tiles += shown(info.field) ? 1 : 0;
    const int rows = (tiles + 1) / 2;
    // The answer first (it is what the person must read), then the recipe and what it needs; this
    // area scrolls when a long answer does not fit, the tiles and actions below never move.
    const float infoHeight =
        ImGui::GetContentRegionAvail().y - static_cast<float>(rows + 1) * (touch + rowGap);
    ImGui::BeginChild("answer", ImVec2(0, std::max(infoHeight, ImGui::GetTextLineHeight())), false);
    if (!m_message.empty())
        wrapped(m_message, m_messageGood               ? colors::kPass
                           : m_pendingWarnings.empty() ? colors::kFail
                                                       : colors::kAttention);
    ImGui::PushFont(context.fonts.bold);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(
        recipe ? (formulary.tallMan(recipe->name) + " v" + std::to_string(recipe->version)).c_str()
               : m_fields.recipe.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    std::string needs = "Dose in " + m_needs.doseUnit;
    if (m_needs.weight)
        needs += "; needs the weight";
    if (m_needs.height)
        needs += " and height";
    if (m_needs.scr)
        needs += "; needs serum creatinine, date of birth and sex";
    wrapped(needs + ".", colors::kMuted);
    ImGui::EndChild();

    // The fields as tiles, two across; the one being edited is blue, the one an error names red.
    const float tileWidth = (ImGui::GetContentRegionAvail().x - gap) * 0.5f;
    const float tilePadding = 12.0f;
    ImGui::PushStyleVar(ImGuiStyleVar_ButtonTextAlign, ImVec2(0.0f, 0.5f));
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding, ImVec2(tilePadding, ImGui::GetStyle().FramePadding.y));
    int column = 0;
    for (const FieldInfo& info : kFields) {
        if (!shown(info.field))
            continue;
        if (column == 1)
            ImGui::SameLine();
        std::string caption = info.caption;
        if (info.field == Field::Dose)
            caption = "Dose " + m_needs.doseUnit;
        if (info.field == Field::Weight && m_needs.weight)
            caption = "Weight kg (needed)";
        std::string shownValue = *value(info.field);
        // Today's due time as "today 14:30": the tile has room for it.
        if (const std::string today = formatDate(localDate(nowUtc()));
            info.field == Field::Due && shownValue.rfind(today + " ", 0) == 0)
            shownValue = "today " + shownValue.substr(today.size() + 1);
        if (info.field == Field::Priority)
            for (char& c : shownValue)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        const std::string label =
            fitText(caption + ": " + shownValue, tileWidth - tilePadding * 2) + "##field-" + info.caption;
        const Tone tone = m_active == info.field                      ? Tone::Primary
                          : m_hasBadField && m_badField == info.field ? Tone::Fail
                                                                      : Tone::Neutral;
        if (touchButton(label.c_str(), ImVec2(tileWidth, touch), tone)) {
            m_active = info.field;
            m_showWarnings = false;
        }
        column = 1 - column;
    }
    if (column == 1)
        ImGui::NewLine();

    // Enter; once the plan has warned, only entering with its warnings acknowledged.
    if (m_pendingWarnings.empty()) {
        if (touchButton("Enter order", ImVec2(tileWidth, touch), Tone::Primary))
            submit(false);
    } else if (touchButton("Acknowledge, enter", ImVec2(tileWidth, touch), Tone::Attention)) {
        submit(true);
    }
    ImGui::PopStyleVar(2);
    ImGui::SameLine();
    if (touchButton("Change recipe", ImVec2(tileWidth, touch))) {
        m_pickRecipe = true;
        m_message.clear();
    }
    ImGui::PopStyleVar();
    endPanel();
    ImGui::SameLine();

    beginPanel("editor", ImVec2(0, avail.y));
    drawEditor(context);
    endPanel();
}

void OrderScreen::drawEditor(const ScreenContext& context) {
    const float touch = context.touchPx(kMinTouchMm);
    if (m_showWarnings && !m_pendingWarnings.empty()) {
        // The plan's warnings, each in its own words, instead of the keyboard until a field is touched.
        ImGui::PushFont(context.fonts.bold);
        ImGui::TextUnformatted("The plan warns");
        ImGui::PopFont();
        for (const auto& line : m_warningLines)
            wrapped("- " + line, colors::kAttention);
        ImGui::Spacing();
        wrapped("Entering the order records that you acknowledged these warnings. Touch a field to change "
                "the order.",
                colors::kMuted);
        return;
    }
    const FieldInfo& info = infoOf(m_active);
    std::string& text = *value(m_active);
    const float width = ImGui::GetContentRegionAvail().x;
    ImGui::PushFont(context.fonts.bold);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored(colors::kMuted, "%s",
                       m_active == Field::Dose ? ("Dose in " + m_needs.doseUnit).c_str() : info.prompt);
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
    ImGui::PushFont(context.fonts.large);
    if (text.empty())
        ImGui::TextColored(colors::kMuted, "(empty)");
    else
        wrapped(text, colors::kText);
    ImGui::PopFont();
    bool changed = false;
    if (info.choice) {
        struct Choice {
            const char* label;
            const char* value;
        };
        static constexpr Choice kPriorities[] = {
            {"Routine", "routine"}, {"Urgent", "urgent"}, {"STAT", "stat"}};
        static constexpr Choice kSexes[] = {{"Female", "female"}, {"Male", "male"}, {"Not given", ""}};
        const auto* choices = m_active == Field::Priority ? kPriorities : kSexes;
        for (int i = 0; i < 3; ++i) {
            const bool on = text == choices[i].value;
            if (touchButton((std::string(choices[i].label) + "##choice").c_str(), ImVec2(width, touch * 1.2f),
                            on ? Tone::Primary : Tone::Neutral) &&
                !on) {
                text = choices[i].value;
                changed = true;
            }
        }
    } else {
        if (m_active == Field::Due) {
            // The usual due times in one touch; anything else on the pad.
            const float half = (width - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
            if (touchButton("In 1 hour##due", ImVec2(half, touch))) {
                text = formatLocal(nowUtc() + std::chrono::hours(1));
                changed = true;
            }
            ImGui::SameLine();
            if (touchButton("In 4 hours##due", ImVec2(half, touch))) {
                text = formatLocal(nowUtc() + std::chrono::hours(4));
                changed = true;
            }
        }
        changed = touchKeyboard(text, info.keys, width, touch, info.maxLength) || changed;
    }
    if (changed) {
        m_pendingWarnings.clear(); // a new look at the plan
        if (!m_messageGood)
            m_message.clear();
        if (m_hasBadField && m_badField == m_active)
            m_hasBadField = false;
    }
}

} // namespace admix::ui
