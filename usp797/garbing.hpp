// Garbing: the USP <797> procedure and the USP <800> hazardous-drug procedure as ordered steps (dirtiest
// to cleanest) with the hand-wash minimum, and a person's garbing session for one entry: steps done in
// order with their times, glove and gown changes, ended when the person leaves. Timers come from site
// policy. Pure, thread-safe. A step out of order or too short is an Error naming the step.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "usp797/policy.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::usp797 {

struct GarbingStep {
    std::string id;     // "hand_wash"
    std::string text;   // what the screen shows
    int minSeconds = 0; // > 0: the screen runs a timer and the step needs at least this long
};

// The ordered procedure: USP <797>, or USP <800> for a hazardous-drug room (HD gown, two pairs of
// chemotherapy gloves, second shoe covers).
[[nodiscard]] std::vector<GarbingStep> garbingProcedure(bool hazardous, const SitePolicy& policy);

struct GarbingEvent {
    enum class Kind { Step, GloveChange, GownChange };
    Kind kind = Kind::Step;
    std::string step; // Step only
    TimePoint at;
    int seconds = 0; // Step only: how long it took (the hand-wash timer)
};

struct GarbingSession {
    int64_t id = 0;
    std::string person;
    std::string room;
    bool hazardous = false;
    TimePoint started;
    std::optional<TimePoint> ended; // set when the person leaves
    std::vector<GarbingEvent> events;

    [[nodiscard]] size_t stepsDone() const;
    [[nodiscard]] bool complete(const std::vector<GarbingStep>& procedure) const;
    // When the (outer) gloves were last put on or changed, and the gown; nullopt before that step.
    [[nodiscard]] std::optional<TimePoint> glovesSince() const;
    [[nodiscard]] std::optional<TimePoint> gownSince() const;
};

// Checks that `step` is the next step of the procedure and lasted long enough.
[[nodiscard]] Status checkNextStep(const GarbingSession& session, const std::vector<GarbingStep>& procedure,
                                   const std::string& step, int seconds);

// Problems that stop compounding now: not complete (naming the next step), ended, HD outer gloves or
// gown past their change interval. Each as {code, message}; codes match the gate's.
struct GarbingProblem {
    std::string code;
    std::string message;
};
[[nodiscard]] std::vector<GarbingProblem> garbingProblems(const GarbingSession& session, TimePoint now,
                                                          const SitePolicy& policy);

} // namespace admix::usp797
