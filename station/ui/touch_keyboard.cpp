#include "station/ui/touch_keyboard.hpp"

#include "station/ui/widgets.hpp"

#include <algorithm>
#include <vector>

namespace admix::ui {

namespace {

struct Key {
    const char* label;  // what the key shows (and the ui map names)
    const char* insert; // what it types; nullptr for Back and Clear
    int units = 1;      // width in keys
};
using Row = std::vector<Key>;

// The key tables are laid out as the keyboards look.
// clang-format off
const std::vector<Row>& qwerty() {
    static const std::vector<Row> rows = {
        {{"1", "1"}, {"2", "2"}, {"3", "3"}, {"4", "4"}, {"5", "5"}, {"6", "6"}, {"7", "7"}, {"8", "8"}, {"9", "9"}, {"0", "0"}},
        {{"Q", "Q"}, {"W", "W"}, {"E", "E"}, {"R", "R"}, {"T", "T"}, {"Y", "Y"}, {"U", "U"}, {"I", "I"}, {"O", "O"}, {"P", "P"}},
        {{"A", "A"}, {"S", "S"}, {"D", "D"}, {"F", "F"}, {"G", "G"}, {"H", "H"}, {"J", "J"}, {"K", "K"}, {"L", "L"}, {"'", "'"}},
        {{"Z", "Z"}, {"X", "X"}, {"C", "C"}, {"V", "V"}, {"B", "B"}, {"N", "N"}, {"M", "M"}, {",", ","}, {".", "."}, {"-", "-"}},
        {{"/", "/"}, {":", ":"}, {"Space", " ", 4}, {"Back", nullptr, 2}, {"Clear", nullptr, 2}},
    };
    return rows;
}

const std::vector<Row>& alphabetical() {
    static const std::vector<Row> rows = {
        {{"A", "A"}, {"B", "B"}, {"C", "C"}, {"D", "D"}, {"E", "E"}, {"F", "F"}, {"G", "G"}},
        {{"H", "H"}, {"I", "I"}, {"J", "J"}, {"K", "K"}, {"L", "L"}, {"M", "M"}, {"N", "N"}},
        {{"O", "O"}, {"P", "P"}, {"Q", "Q"}, {"R", "R"}, {"S", "S"}, {"T", "T"}, {"U", "U"}},
        {{"V", "V"}, {"W", "W"}, {"X", "X"}, {"Y", "Y"}, {"Z", "Z"}, {",", ","}, {".", "."}},
        {{"1", "1"}, {"2", "2"}, {"3", "3"}, {"4", "4"}, {"5", "5"}, {"6", "6"}, {"7", "7"}},
        {{"8", "8"}, {"9", "9"}, {"0", "0"}, {"-", "-"}, {"/", "/"}, {":", ":"}, {"'", "'"}},
        {{"Space", " ", 3}, {"Back", nullptr, 2}, {"Clear", nullptr, 2}},
    };
    return rows;
}

const std::vector<Row>& pad(KeySet set) {
    static const std::vector<Row> number = {{{"1", "1"}, {"2", "2"}, {"3", "3"}},
                                            {{"4", "4"}, {"5", "5"}, {"6", "6"}},
                                            {{"7", "7"}, {"8", "8"}, {"9", "9"}},
                                            {{".", "."}, {"0", "0"}, {"Back", nullptr}},
                                            {{"Clear", nullptr, 3}}};
    static const std::vector<Row> date = {{{"1", "1"}, {"2", "2"}, {"3", "3"}},
                                          {{"4", "4"}, {"5", "5"}, {"6", "6"}},
                                          {{"7", "7"}, {"8", "8"}, {"9", "9"}},
                                          {{"-", "-"}, {"0", "0"}, {"Back", nullptr}},
                                          {{"Clear", nullptr, 3}}};
    static const std::vector<Row> dateTime = {{{"1", "1"}, {"2", "2"}, {"3", "3"}},
                                              {{"4", "4"}, {"5", "5"}, {"6", "6"}},
                                              {{"7", "7"}, {"8", "8"}, {"9", "9"}},
                                              {{"-", "-"}, {"0", "0"}, {":", ":"}},
                                              {{"Space", " "}, {"Back", nullptr}, {"Clear", nullptr}}};
    return set == KeySet::Date ? date : set == KeySet::DateTime ? dateTime : number;
}
// clang-format on

// What a physical keyboard may type into this kind of field.
bool accepts(KeySet set, ImWchar c) {
    switch (set) {
    case KeySet::Text:
        return c >= 32 && c < 127;
    case KeySet::Number:
        return (c >= '0' && c <= '9') || c == '.';
    case KeySet::Date:
        return (c >= '0' && c <= '9') || c == '-';
    case KeySet::DateTime:
        return (c >= '0' && c <= '9') || c == '-' || c == ':' || c == ' ' || c == 'T';
    }
    return false;
}

} // namespace

float keyboardWidth(int columns, float minKeyPx) {
    return static_cast<float>(columns) * minKeyPx +
           static_cast<float>(columns - 1) * ImGui::GetStyle().ItemSpacing.x;
}

bool touchKeyboard(std::string& text, KeySet set, float width, float minKeyPx, size_t maxLength) {
    const std::string before = text;
    const std::vector<Row>* rows = &pad(set);
    if (set == KeySet::Text)
        rows = width >= keyboardWidth(10, minKeyPx) ? &qwerty() : &alphabetical();
    int columns = 0;
    for (const Key& k : rows->front())
        columns += k.units;
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float unit =
        std::max(minKeyPx, (width - gap * static_cast<float>(columns - 1)) / static_cast<float>(columns));
    // Pads are for numbers: taller keys, easier with gloves.
    const float height = set == KeySet::Text ? minKeyPx : minKeyPx * 1.2f;
    // Rows closer together than the theme's spacing: seven rows of gloved-finger keys fit 800 px.
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(gap, std::min(gap, 8.0f)));
    int id = 0;
    for (const Row& row : *rows) {
        bool first = true;
        for (const Key& k : row) {
            if (!first)
                ImGui::SameLine();
            first = false;
            ImGui::PushID(id++);
            const float w = unit * static_cast<float>(k.units) + gap * static_cast<float>(k.units - 1);
            if (touchButton((std::string(k.label) + "##key").c_str(), ImVec2(w, height))) {
                const std::string label = k.label;
                if (k.insert != nullptr) {
                    if (text.size() < maxLength)
                        text += k.insert;
                } else if (label == "Back") {
                    if (!text.empty())
                        text.pop_back();
                } else {
                    text.clear();
                }
            }
            ImGui::PopID();
        }
    }
    ImGui::PopStyleVar();
    for (ImWchar c : ImGui::GetIO().InputQueueCharacters)
        if (accepts(set, c) && text.size() < maxLength)
            text += static_cast<char>(c);
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Backspace)) && !text.empty())
        text.pop_back();
    return text != before;
}

} // namespace admix::ui
