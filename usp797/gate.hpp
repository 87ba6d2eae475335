// The compliance gate: "may this person start a preparation of this category (hazardous or not) in
// this PEC of this room now, and which refusals may a pharmacist override?", answered from facts
// gathered by the caller (the store builds them) with EVERY reason when not. The one place that
// decides it: USP <797> (personnel, garbing, cleaning, room conditions, certification) and USP <800>
// (a hazardous drug only in a containment PEC of a hazardous-drug room, by a person garbed with the
// hazardous-drug procedure). Pure functions of (request, facts, policy): deterministic, thread-safe,
// testable without a database. Which reasons a pharmacist may override is site policy
// (gate.override.<code>); reasons about the request itself (unknown person, PEC not for this
// category or this room, hazardous drug outside containment) are never overridable.
#pragma once

#include "formulas/time.hpp"
#include "usp797/excursion.hpp"
#include "usp797/garbing.hpp"
#include "usp797/personnel.hpp"
#include "usp797/policy.hpp"
#include "usp797/site.hpp"

#include <optional>
#include <string>
#include <vector>

namespace admix::usp797 {

struct GateRequest {
    std::string person;
    Category category = Category::Cat1;
    std::string pec; // empty for immediate use outside a PEC
    TimePoint at;
    bool hazardousDrug = false; // USP <800>: needs a containment PEC in a hazardous-drug room
    std::string room;           // where the person stands (the station's room); empty: the PEC's room
};

// What the gate needs to know, as of the request time. Latest readings are those of the request's
// (local) day.
struct GateFacts {
    std::optional<std::string> personRole; // nullopt: unknown person
    bool personActive = true;
    std::vector<QualEvent> qualifications;
    std::optional<GarbingSession> garbing; // the person's latest session in this room (open or ended)
    std::optional<Room> room;
    std::optional<Pec> pec;
    std::optional<Date> lastDailyCleaningRoom;
    std::optional<Date> lastDailyCleaningPec;
    std::optional<double> pressureToday; // latest reading of the day
    std::optional<double> temperatureToday;
    std::optional<double> humidityToday;
    std::vector<CorrectiveAction> openExcursions;    // open records in the room
    std::vector<std::string> preparationsInProgress; // at this PEC (their numbers), oldest first
};

struct GateReason {
    std::string code;    // "qualification_lapsed", "not_garbed", ...
    std::string message; // one line for the screen
    bool overridable = false;
};

struct GateDecision {
    bool allowed = false;
    std::vector<GateReason> reasons;
    // True when there are reasons and a pharmacist may override every one of them.
    [[nodiscard]] bool overridable() const;
};

[[nodiscard]] GateDecision evaluateGate(const GateRequest& request, const GateFacts& facts,
                                        const SitePolicy& policy);

// The reason codes of `codes` that site policy does not let a pharmacist override now (policy is
// read again at override time: a flag turned off since the decision is not overridable).
[[nodiscard]] std::vector<std::string> notOverridable(const std::vector<std::string>& codes,
                                                      const SitePolicy& policy);

// True when an override recorded for the reasons `overridden` lifts `current`: every current reason
// was among those overridden and policy still allows overriding each of them.
[[nodiscard]] bool overrideCovers(const std::vector<std::string>& overridden, const GateDecision& current,
                                  const SitePolicy& policy);

} // namespace admix::usp797
