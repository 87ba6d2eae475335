#include "usp797/garbing.hpp"

namespace admix::usp797 {

std::vector<GarbingStep> garbingProcedure(bool hazardous, const SitePolicy& policy) {
    const int wash = policy.whole("garbing.hand_wash_min_seconds");
    std::vector<GarbingStep> steps{
        {"shoe_covers", "Put on shoe covers", 0},
        {"head_cover", "Put on head and facial-hair covers", 0},
        {"mask", "Put on a face mask", 0},
        {"hand_wash", "Wash hands and forearms to the elbows (timer), dry with lint-free towels", wash},
        {hazardous ? "hd_gown" : "gown",
         hazardous ? "Put on a hazardous-drug gown (impermeable, closes in back)" : "Put on a low-lint gown",
         0},
        {"hand_rub", "Apply alcohol-based antiseptic hand rub, let it dry", 0},
    };
    if (hazardous) {
        steps.push_back(
            {"second_shoe_covers", "Put on a second pair of shoe covers entering the HD area", 0});
        steps.push_back({"inner_gloves", "Put on the first pair of chemotherapy gloves (ASTM D6978)", 0});
        steps.push_back(
            {"outer_sterile_gloves", "Put on sterile chemotherapy gloves over the gown cuffs", 0});
    } else {
        steps.push_back({"sterile_gloves", "Put on sterile gloves", 0});
    }
    return steps;
}

size_t GarbingSession::stepsDone() const {
    size_t n = 0;
    for (const auto& e : events)
        n += e.kind == GarbingEvent::Kind::Step ? 1 : 0;
    return n;
}

bool GarbingSession::complete(const std::vector<GarbingStep>& procedure) const {
    return stepsDone() >= procedure.size();
}

std::optional<TimePoint> GarbingSession::glovesSince() const {
    std::optional<TimePoint> since;
    for (const auto& e : events) {
        if ((e.kind == GarbingEvent::Kind::Step &&
             (e.step == "sterile_gloves" || e.step == "outer_sterile_gloves")) ||
            e.kind == GarbingEvent::Kind::GloveChange)
            since = e.at;
    }
    return since;
}

std::optional<TimePoint> GarbingSession::gownSince() const {
    std::optional<TimePoint> since;
    for (const auto& e : events) {
        if ((e.kind == GarbingEvent::Kind::Step && (e.step == "gown" || e.step == "hd_gown")) ||
            e.kind == GarbingEvent::Kind::GownChange)
            since = e.at;
    }
    return since;
}

Status checkNextStep(const GarbingSession& session, const std::vector<GarbingStep>& procedure,
                     const std::string& step, int seconds) {
    if (session.ended)
        return Status::fail("the garbing session has ended (the person left); start a new one", "session");
    const size_t done = session.stepsDone();
    if (done >= procedure.size())
        return Status::fail("all garbing steps are already done", step);
    const GarbingStep& next = procedure[done];
    if (next.id != step)
        return Status::fail("out of order: the next step is " + next.id + " (" + next.text + ")", step);
    if (seconds < next.minSeconds)
        return Status::fail("took " + std::to_string(seconds) + " s; at least " +
                                std::to_string(next.minSeconds) + " s needed",
                            step);
    return Status::success();
}

std::vector<GarbingProblem> garbingProblems(const GarbingSession& session, TimePoint now,
                                            const SitePolicy& policy) {
    std::vector<GarbingProblem> out;
    if (session.ended) {
        out.push_back({"not_garbed", session.person + " left the clean area at " +
                                         formatLocal(*session.ended) + "; garbing must be repeated"});
        return out;
    }
    const auto maxAge = std::chrono::hours{policy.whole("garbing.session_max_hours")};
    if (now - session.started > maxAge) {
        out.push_back({"not_garbed", "the garbing session of " + session.person + " started " +
                                         formatLocal(session.started) + ", more than " +
                                         std::to_string(maxAge.count()) + " h ago; garb again"});
        return out;
    }
    const auto procedure = garbingProcedure(session.hazardous, policy);
    if (!session.complete(procedure)) {
        const GarbingStep& next = procedure[session.stepsDone()];
        out.push_back({"garbing_incomplete", "garbing incomplete: " + std::to_string(session.stepsDone()) +
                                                 " of " + std::to_string(procedure.size()) +
                                                 " steps, next: " + next.text});
        return out;
    }
    if (session.hazardous) {
        const auto gloveLimit = std::chrono::minutes{policy.whole("garbing.hd.outer_glove_change_minutes")};
        if (const auto gloves = session.glovesSince(); gloves && now - *gloves > gloveLimit)
            out.push_back(
                {"gloves_due",
                 "outer chemotherapy gloves not changed for " +
                     std::to_string(std::chrono::duration_cast<std::chrono::minutes>(now - *gloves).count()) +
                     " min (change every " + std::to_string(gloveLimit.count()) + " min)"});
        const auto gownLimit = std::chrono::minutes{policy.whole("garbing.hd.gown_change_minutes")};
        if (const auto gown = session.gownSince(); gown && now - *gown > gownLimit)
            out.push_back(
                {"gown_due",
                 "hazardous-drug gown worn for " +
                     std::to_string(std::chrono::duration_cast<std::chrono::minutes>(now - *gown).count()) +
                     " min (change every " + std::to_string(gownLimit.count()) + " min)"});
    }
    return out;
}

} // namespace admix::usp797
