#include "usp797/bud.hpp"

#include "formulas/text.hpp"

namespace admix::usp797 {

Result<PrepMethod> parsePrepMethod(std::string_view text) {
    const std::string key = formulas::toLower(formulas::trim(text));
    if (key == "aseptic")
        return PrepMethod::Aseptic;
    if (key == "terminal" || key == "terminally-sterilized" || key == "terminal-sterilization")
        return PrepMethod::TerminalSterilization;
    return Result<PrepMethod>::fail(
        "'" + std::string(text) + "' is not a preparation method; use aseptic or terminal", "method");
}

Result<Storage> parseStorage(std::string_view text) {
    const std::string key = formulas::toLower(formulas::trim(text));
    if (key == "room")
        return Storage::Room;
    if (key == "fridge" || key == "refrigerator")
        return Storage::Fridge;
    if (key == "freezer")
        return Storage::Freezer;
    return Result<Storage>::fail(
        "'" + std::string(text) + "' is not a storage condition; use room, fridge or freezer", "storage");
}

std::string_view storageName(Storage s) {
    switch (s) {
    case Storage::Room:
        return "room";
    case Storage::Fridge:
        return "fridge";
    case Storage::Freezer:
        return "freezer";
    }
    return "?";
}

namespace {

std::string_view storageText(Storage s) {
    switch (s) {
    case Storage::Room:
        return "room temperature";
    case Storage::Fridge:
        return "refrigerator";
    case Storage::Freezer:
        return "freezer";
    }
    return "?";
}

} // namespace

Result<BudResult> computeBud(const BudRequest& req, const SitePolicy& policy) {
    using namespace std::chrono;
    BudResult r;
    std::string base;
    const std::string store(storageName(req.storage));
    switch (req.category) {
    case Category::Immediate:
        r.unit = BudResult::Unit::Hours;
        r.amount = policy.whole("bud.immediate_hours");
        r.tableRule = "USP <797> immediate use: administration begins within " + std::to_string(r.amount) +
                      " h of the start of preparation";
        break;
    case Category::Cat1:
        if (req.storage == Storage::Freezer)
            return Result<BudResult>::fail(
                "Category 1 CSPs may be stored at room temperature or refrigerated, not frozen", "storage");
        r.unit = BudResult::Unit::Hours;
        r.amount =
            policy.whole(req.storage == Storage::Room ? "bud.cat1.room_hours" : "bud.cat1.fridge_hours");
        r.tableRule = "USP <797> Category 1, " + std::string(storageText(req.storage)) + ": " +
                      std::to_string(r.amount) + " h";
        break;
    case Category::Cat2: {
        std::string key;
        std::string text;
        if (req.method == PrepMethod::Aseptic) {
            if (req.sterilityTested) {
                key = "bud.cat2.aseptic_tested.";
                text = "aseptically prepared, sterility-tested and passed";
            } else if (req.nonsterileComponents) {
                key = "bud.cat2.aseptic_nonsterile_untested.";
                text =
                    "aseptically prepared, not sterility-tested, one or more nonsterile starting components";
            } else {
                key = "bud.cat2.aseptic_sterile_untested.";
                text = "aseptically prepared, not sterility-tested, only sterile starting components";
            }
        } else if (req.sterilityTested) {
            key = "bud.cat2.terminal_tested.";
            text = "terminally sterilized, sterility-tested and passed";
        } else {
            key = "bud.cat2.terminal_untested.";
            text = "terminally sterilized, not sterility-tested";
        }
        r.unit = BudResult::Unit::Days;
        r.amount = policy.whole(key + store + "_days");
        r.tableRule = "USP <797> Category 2, " + text + ", " + std::string(storageText(req.storage)) + ": " +
                      std::to_string(r.amount) + " days";
        break;
    }
    case Category::Cat3: {
        if (!req.sterilityTested)
            return Result<BudResult>::fail(
                "Category 3 CSPs must be sterility-tested (and pass) to carry a Category 3 BUD",
                "sterility-tested");
        const bool aseptic = req.method == PrepMethod::Aseptic;
        r.unit = BudResult::Unit::Days;
        r.amount =
            policy.whole(std::string(aseptic ? "bud.cat3.aseptic." : "bud.cat3.terminal.") + store + "_days");
        r.tableRule = std::string("USP <797> Category 3, ") +
                      (aseptic ? "aseptically prepared" : "terminally sterilized") + ", sterility-tested, " +
                      std::string(storageText(req.storage)) + ": " + std::to_string(r.amount) + " days";
        break;
    }
    }
    r.bud = req.preparedAt + (r.unit == BudResult::Unit::Hours ? hours{r.amount} : hours{24 * r.amount});
    r.rule = r.tableRule;

    for (const ComponentLimit& c : req.components) {
        TimePoint limit = c.at;
        std::string why;
        switch (c.kind) {
        case ComponentLimit::Kind::Expiry:
            why = "earliest component expiry: " + c.label + " expires " + formatLocal(c.at);
            break;
        case ComponentLimit::Kind::SingleDoseVialPunctured: {
            const int h = policy.whole("bud.vial.single_dose_iso5_hours");
            limit = c.at + hours{h};
            why = "single-dose vial " + c.label + " punctured " + formatLocal(c.at) +
                  " in ISO 5: " + std::to_string(h) + " h";
            break;
        }
        case ComponentLimit::Kind::MultiDoseVialPunctured: {
            const int d = c.labelledDays.value_or(policy.whole("bud.vial.multi_dose_days"));
            limit = c.at + hours{24 * d};
            why = "multiple-dose vial " + c.label + " first punctured " + formatLocal(c.at) + ": " +
                  std::to_string(d) + " days" + (c.labelledDays ? " (per its label)" : "");
            break;
        }
        }
        if (limit < r.bud) {
            r.bud = limit;
            r.rule = why;
            r.limitedByComponent = true;
        }
    }
    if (r.limitedByComponent) {
        if (r.bud <= req.preparedAt)
            return Result<BudResult>::fail(
                "a component is already expired or past its limit at preparation: " + r.rule, "components");
        r.unit = BudResult::Unit::Hours;
        r.amount = static_cast<int>(duration_cast<hours>(r.bud - req.preparedAt).count());
    }
    return r;
}

} // namespace admix::usp797
