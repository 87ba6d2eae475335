// Beyond-use dates (USP <797> 2023): Category 1, 2, 3 and immediate use by preparation method,
// sterility testing, starting components and storage, from the day/hour tables in site policy; never
// later than the earliest component expiry (or component CSP's BUD) or a punctured vial's limit. The
// result names the rule that set it. Pure, thread-safe. Combinations USP does not allow (Category 1 in
// a freezer, Category 3 without a sterility test) are Errors, never a guessed date.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "usp797/policy.hpp"
#include "usp797/site.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace admix::usp797 {

enum class PrepMethod { Aseptic, TerminalSterilization };
enum class Storage { Room, Fridge, Freezer };
[[nodiscard]] Result<PrepMethod> parsePrepMethod(std::string_view text); // "aseptic", "terminal"
[[nodiscard]] Result<Storage> parseStorage(std::string_view text);       // "room", "fridge", "freezer"
[[nodiscard]] std::string_view storageName(Storage s);

// A limit a component puts on the BUD: its expiry, a component CSP's BUD, or a vial's puncture.
struct ComponentLimit {
    enum class Kind { Expiry, SingleDoseVialPunctured, MultiDoseVialPunctured };
    Kind kind = Kind::Expiry;
    TimePoint at;      // expiry / BUD, or the time of first puncture
    std::string label; // "component 2", a product name
    // Multi-dose vials: the label's own in-use period, when it says otherwise than the policy default.
    std::optional<int> labelledDays;
};

struct BudRequest {
    Category category = Category::Cat1;
    PrepMethod method = PrepMethod::Aseptic;
    bool sterilityTested = false;
    bool nonsterileComponents = false;
    Storage storage = Storage::Room;
    TimePoint preparedAt; // start of preparation (immediate use counts from here)
    std::vector<ComponentLimit> components;
};

struct BudResult {
    TimePoint bud;
    enum class Unit { Hours, Days };
    Unit unit = Unit::Hours;
    int amount = 0;        // the table's value in `unit` when the table set it, else whole hours to `bud`
    std::string rule;      // which rule set it, for the label audit and the screen
    std::string tableRule; // the category rule, even when a component cut it short
    bool limitedByComponent = false;
};

// Returns the BUD or an error naming the field (category/storage/sterility) that makes it impossible.
[[nodiscard]] Result<BudResult> computeBud(const BudRequest& request, const SitePolicy& policy);

} // namespace admix::usp797
