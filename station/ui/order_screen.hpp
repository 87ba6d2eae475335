// New order: a pharmacist enters an order at the hood by touch. First the recipe, picked from this
// station's approved formulary (searchable with the keyboard); then the patient (name, MRN, date of
// birth, sex, weight, and height or serum creatinine where the recipe's dose needs them), the dose,
// route, priority, due time, prescriber, the order's own id and a comment, each typed on the
// on-screen keyboard or pad (a physical keyboard types into the field being edited too). The order
// goes through StationController::enterOrder, the path of `admix order add`: a refusal names its
// field (highlighted here) and stores nothing; the plan's warnings are shown and entered only once
// acknowledged. The screen holds only what is being typed. UI thread only.
#pragma once

#include "station/ui/screen.hpp"
#include "station/ui/station_controller.hpp"
#include "station/ui/touch_keyboard.hpp"

#include <string>
#include <vector>

namespace admix::ui {

class OrderScreen final : public Screen {
public:
    explicit OrderScreen(StationController& station) : m_station(station) {}
    [[nodiscard]] const char* title() const override { return "New order"; }
    void onOpen() override;
    void drawContent(const ScreenContext& context) override;

    enum class Field {
        OrderId,
        Name,
        Mrn,
        BirthDate,
        Sex,
        Weight,
        Height,
        Scr,
        Dose,
        Route,
        Priority,
        Due,
        Prescriber,
        Comment
    };

private:
    void drawRecipePicker(const ScreenContext& context, float rightWidth);
    void drawForm(const ScreenContext& context, float rightWidth);
    void drawEditor(const ScreenContext& context);
    void chooseRecipe(const std::string& id);
    void submit(bool acknowledge);
    std::string* value(Field field);
    [[nodiscard]] bool shown(Field field) const;

    StationController& m_station;
    workflow::OrderFormFields m_fields;
    workflow::RecipeNeeds m_needs;
    bool m_pickRecipe = true;
    std::string m_search;
    Field m_active = Field::Name;
    bool m_hasBadField = false;
    Field m_badField = Field::Name;
    std::string m_message;
    bool m_messageGood = false;
    std::string m_pendingWarnings; // the plan's warnings as shown; entering acknowledges exactly these
    std::vector<std::string> m_warningLines;
    bool m_showWarnings = false; // the warnings in place of the keyboard
};

} // namespace admix::ui
