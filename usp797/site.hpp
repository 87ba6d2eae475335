// The compounding site: CSP categories, rooms (ISO class, pressure regime, hazardous-drug room or
// not) and primary engineering controls (PECs: laminar-flow workbench, biological safety cabinet,
// compounding aseptic isolator / containment isolator), with the categories each may be used for
// and their certification dates. Plain values, thread-safe to read; parse functions return errors
// naming what was wrong.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "usp797/iso_class.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace admix::usp797 {

// USP <797> CSP categories. Immediate use is listed so a caller can ask about it; it needs no PEC.
enum class Category { Immediate, Cat1, Cat2, Cat3 };
[[nodiscard]] std::string_view categoryName(Category c);  // "immediate", "1", "2", "3"
[[nodiscard]] std::string_view categoryLabel(Category c); // "immediate use", "Category 1", ...
// Accepts "immediate", "1", "cat1", "Category 2", ...
[[nodiscard]] Result<Category> parseCategory(std::string_view text);

enum class PressureRegime { Positive, Negative, None };
[[nodiscard]] std::string_view pressureRegimeName(PressureRegime p); // "positive", "negative", "none"
[[nodiscard]] Result<PressureRegime> parsePressureRegime(std::string_view text);

enum class PecType { Lafw, Bsc, Cai, Caci };
[[nodiscard]] std::string_view pecTypeName(PecType t); // "lafw", "bsc", "cai", "caci"
[[nodiscard]] Result<PecType> parsePecType(std::string_view text);

struct Room {
    std::string code;
    std::string name;
    IsoClass iso = IsoClass::Iso7;
    PressureRegime pressure = PressureRegime::Positive;
    bool hazardous = false;
    std::optional<Date> certified;
};

struct Pec {
    std::string code;
    std::string room;
    PecType type = PecType::Lafw;
    std::vector<Category> categories; // what it may be used for
    bool hazardous = false;           // a containment PEC (BSC, CACI) used for hazardous drugs
    std::optional<Date> certified;

    [[nodiscard]] bool allows(Category c) const;
};

// "1,2,3" or "immediate,1" -> categories (no duplicates); an empty or bad list is an error.
[[nodiscard]] Result<std::vector<Category>> parseCategoryList(std::string_view text);
[[nodiscard]] std::string categoryListText(const std::vector<Category>& categories);

// A room or PEC definition that cannot be right (HD room without negative pressure, a PEC that is
// not ISO 5 used in an ISO 8 room for Cat 2, a hazardous PEC that is a laminar-flow workbench).
[[nodiscard]] Status validateRoom(const Room& room);
[[nodiscard]] Status validatePec(const Pec& pec, const Room& room);

} // namespace admix::usp797
