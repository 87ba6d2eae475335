#include "usp797/personnel.hpp"

#include "formulas/text.hpp"
#include "usp797/schedule.hpp"

#include <algorithm>

namespace admix::usp797 {

std::string_view qualKindName(QualKind kind) {
    switch (kind) {
    case QualKind::Training:
        return "training";
    case QualKind::InitialFingertip:
        return "initial_fingertip";
    case QualKind::MediaFill:
        return "media_fill";
    case QualKind::PostMediaFillFingertip:
        return "post_media_fill_fingertip";
    case QualKind::GarbingCompetency:
        return "garbing";
    }
    return "?";
}

Result<QualKind> parseQualKind(std::string_view text) {
    const std::string key = formulas::toLower(formulas::trim(text));
    for (auto k : {QualKind::Training, QualKind::InitialFingertip, QualKind::MediaFill,
                   QualKind::PostMediaFillFingertip, QualKind::GarbingCompetency}) {
        if (key == qualKindName(k))
            return k;
    }
    return Result<QualKind>::fail(
        "'" + std::string(text) +
        "' is not a qualification kind; use training, initial_fingertip, media_fill, "
        "post_media_fill_fingertip or garbing");
}

std::string_view qualLevelName(QualLevel level) {
    return level == QualLevel::Cat3 ? "cat3" : "cat12";
}

Result<QualLevel> parseQualLevel(std::string_view text) {
    const std::string key = formulas::toLower(formulas::trim(text));
    if (key == "cat12" || key == "1" || key == "2" || key == "12")
        return QualLevel::Cat12;
    if (key == "cat3" || key == "3")
        return QualLevel::Cat3;
    return Result<QualLevel>::fail("'" + std::string(text) +
                                   "' is not a qualification level; use cat12 or cat3");
}

Result<QualEvent> judgeQualEvent(QualEvent event, const SitePolicy& policy) {
    const bool fingertip =
        event.kind == QualKind::InitialFingertip || event.kind == QualKind::PostMediaFillFingertip;
    if (fingertip) {
        if (!event.cfu)
            return Result<QualEvent>::fail("a gloved fingertip result needs the CFU count", "cfu");
        if (*event.cfu < 0)
            return Result<QualEvent>::fail("a CFU count cannot be negative", "cfu");
        const int limit = event.kind == QualKind::InitialFingertip
                              ? policy.whole("personnel.initial_gft_max_cfu")
                              : policy.whole("personnel.post_media_fill_gft_max_cfu");
        event.passed = *event.cfu <= limit;
    } else if (event.cfu) {
        return Result<QualEvent>::fail("only gloved fingertip results carry a CFU count", "cfu");
    }
    return event;
}

QualificationState qualificationFor(const std::vector<QualEvent>& events, Category category, Date today,
                                    const SitePolicy& policy) {
    QualificationState state;
    state.category = category;
    using std::chrono::sys_days;
    const bool cat3 = category == Category::Cat3;
    // latest event of a kind usable for this category (Cat 3 needs Cat 3 level; Cat 3 level covers Cat 1/2)
    const auto latest = [&](QualKind kind, bool levelMatters) -> const QualEvent* {
        const QualEvent* best = nullptr;
        for (const QualEvent& e : events) {
            if (e.kind != kind || sys_days{e.date} > sys_days{today})
                continue;
            if (levelMatters && cat3 && e.level != QualLevel::Cat3)
                continue;
            if (!best || sys_days{e.date} >= sys_days{best->date})
                best = &e;
        }
        return best;
    };
    std::optional<Date> lapse;
    bool anyExpired = false;
    const auto require = [&](QualKind kind, bool levelMatters, Interval interval, const std::string& label) {
        const QualEvent* e = latest(kind, levelMatters);
        if (!e) {
            state.reasons.push_back("no " + label + " on record");
            return;
        }
        if (!e->passed) {
            state.reasons.push_back("latest " + label + " (" + formatDate(e->date) + ") failed");
            return;
        }
        const Date until = addInterval(e->date, interval);
        if (!lapse || sys_days{until} < sys_days{*lapse})
            lapse = until;
        if (sys_days{today} > sys_days{until}) {
            anyExpired = true;
            state.reasons.push_back(label + " lapsed on " + formatDate(until) + " (every " +
                                    intervalText(interval) + ")");
        }
    };

    require(QualKind::Training, false, scheduleInterval(ScheduleTask::Training, false, policy), "training");
    if (category != Category::Immediate) {
        const int needed = policy.whole("personnel.initial_gft_passes");
        const auto passes = std::count_if(events.begin(), events.end(), [&](const QualEvent& e) {
            return e.kind == QualKind::InitialFingertip && e.passed && sys_days{e.date} <= sys_days{today};
        });
        if (passes < needed)
            state.reasons.push_back("initial gloved fingertip sampling: " + std::to_string(passes) + " of " +
                                    std::to_string(needed) + " passes");
        const Interval competency = scheduleInterval(ScheduleTask::Competency, cat3, policy);
        const std::string level = cat3 ? " (Category 3 level)" : "";
        require(QualKind::MediaFill, true, competency, "media fill" + level);
        require(QualKind::PostMediaFillFingertip, true, competency,
                "gloved fingertip after media fill" + level);
        require(QualKind::GarbingCompetency, true, competency, "garbing competency" + level);
    }
    state.lapses = lapse;
    state.qualified = state.reasons.empty();
    state.lapsed = anyExpired;
    return state;
}

} // namespace admix::usp797
