#include "usp797/site.hpp"

#include "formulas/text.hpp"

#include <algorithm>

namespace admix::usp797 {

std::string_view categoryName(Category c) {
    switch (c) {
    case Category::Immediate:
        return "immediate";
    case Category::Cat1:
        return "1";
    case Category::Cat2:
        return "2";
    case Category::Cat3:
        return "3";
    }
    return "?";
}

std::string_view categoryLabel(Category c) {
    switch (c) {
    case Category::Immediate:
        return "immediate use";
    case Category::Cat1:
        return "Category 1";
    case Category::Cat2:
        return "Category 2";
    case Category::Cat3:
        return "Category 3";
    }
    return "?";
}

Result<Category> parseCategory(std::string_view text) {
    std::string key = formulas::toLower(formulas::trim(text));
    std::erase(key, ' ');
    for (std::string_view prefix : {"category", "cat"}) {
        if (key.starts_with(prefix)) {
            key.erase(0, prefix.size());
            break;
        }
    }
    if (key == "immediate" || key == "immediateuse" || key == "iu")
        return Category::Immediate;
    if (key == "1")
        return Category::Cat1;
    if (key == "2")
        return Category::Cat2;
    if (key == "3")
        return Category::Cat3;
    return Result<Category>::fail("'" + std::string(text) +
                                  "' is not a CSP category; use 1, 2, 3 or immediate");
}

std::string_view pressureRegimeName(PressureRegime p) {
    switch (p) {
    case PressureRegime::Positive:
        return "positive";
    case PressureRegime::Negative:
        return "negative";
    case PressureRegime::None:
        return "none";
    }
    return "?";
}

Result<PressureRegime> parsePressureRegime(std::string_view text) {
    const std::string key = formulas::toLower(formulas::trim(text));
    for (auto p : {PressureRegime::Positive, PressureRegime::Negative, PressureRegime::None}) {
        if (key == pressureRegimeName(p))
            return p;
    }
    return Result<PressureRegime>::fail("'" + std::string(text) +
                                        "' is not a pressure regime; use positive, negative or none");
}

std::string_view pecTypeName(PecType t) {
    switch (t) {
    case PecType::Lafw:
        return "lafw";
    case PecType::Bsc:
        return "bsc";
    case PecType::Cai:
        return "cai";
    case PecType::Caci:
        return "caci";
    }
    return "?";
}

Result<PecType> parsePecType(std::string_view text) {
    const std::string key = formulas::toLower(formulas::trim(text));
    for (auto t : {PecType::Lafw, PecType::Bsc, PecType::Cai, PecType::Caci}) {
        if (key == pecTypeName(t))
            return t;
    }
    return Result<PecType>::fail("'" + std::string(text) + "' is not a PEC type; use lafw, bsc, cai or caci");
}

bool Pec::allows(Category c) const {
    return std::find(categories.begin(), categories.end(), c) != categories.end();
}

Result<std::vector<Category>> parseCategoryList(std::string_view text) {
    std::vector<Category> out;
    for (std::string_view part : formulas::split(text, ',')) {
        if (formulas::trim(part).empty())
            continue;
        auto c = parseCategory(part);
        if (!c)
            return c.error();
        if (std::find(out.begin(), out.end(), *c) == out.end())
            out.push_back(*c);
    }
    if (out.empty())
        return Result<std::vector<Category>>::fail("no category given; use a list such as 1,2 or 1,2,3");
    std::sort(out.begin(), out.end());
    return out;
}

std::string categoryListText(const std::vector<Category>& categories) {
    std::string out;
    for (Category c : categories) {
        if (!out.empty())
            out += ',';
        out += categoryName(c);
    }
    return out;
}

Status validateRoom(const Room& room) {
    if (formulas::trim(room.code).empty())
        return Status::fail("a room needs a code", "room");
    if (room.hazardous && room.pressure != PressureRegime::Negative)
        return Status::fail("a hazardous-drug room must be under negative pressure (USP <800>)", room.code);
    return Status::success();
}

Status validatePec(const Pec& pec, const Room& room) {
    if (formulas::trim(pec.code).empty())
        return Status::fail("a PEC needs a code", "pec");
    if (pec.categories.empty())
        return Status::fail("a PEC must allow at least one category", pec.code);
    if (pec.hazardous && (pec.type == PecType::Lafw || pec.type == PecType::Cai))
        return Status::fail("hazardous drugs need a containment PEC (bsc or caci), not a " +
                                std::string(pecTypeName(pec.type)),
                            pec.code);
    if (pec.hazardous && !room.hazardous)
        return Status::fail("a hazardous-drug PEC must stand in a hazardous-drug room", pec.code);
    // Cat 2 and 3 need the PEC inside a classified buffer room (ISO 7 or better); an SCA is Cat 1 only.
    const bool classifiedRoom = room.iso == IsoClass::Iso5 || room.iso == IsoClass::Iso7;
    if ((pec.allows(Category::Cat2) || pec.allows(Category::Cat3)) && !classifiedRoom)
        return Status::fail("Category 2 and 3 need a PEC in an ISO 7 (or cleaner) buffer room; " + room.code +
                                " is " + std::string(isoClassName(room.iso)),
                            pec.code);
    return Status::success();
}

} // namespace admix::usp797
