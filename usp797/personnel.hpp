// Personnel qualification: training, initial gloved fingertip and thumb sampling (3 separate passes at
// 0 CFU), gloved fingertip after media fill (> 3 CFU fails), media fill and garbing competency; the
// resulting state per person and category, with the date it lapses. Limits from site policy. Pure,
// thread-safe.
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

enum class QualKind { Training, InitialFingertip, MediaFill, PostMediaFillFingertip, GarbingCompetency };
// "training", "initial_fingertip", "media_fill", "post_media_fill_fingertip", "garbing"
[[nodiscard]] std::string_view qualKindName(QualKind kind);
[[nodiscard]] Result<QualKind> parseQualKind(std::string_view text);

// Which requalification level an event belongs to: a Cat 3 media fill also covers Cat 1/2.
enum class QualLevel { Cat12, Cat3 };
[[nodiscard]] std::string_view qualLevelName(QualLevel level);         // "cat12", "cat3"
[[nodiscard]] Result<QualLevel> parseQualLevel(std::string_view text); // "cat12", "1", "2", "cat3", "3"

struct QualEvent {
    QualKind kind = QualKind::Training;
    Date date;
    QualLevel level = QualLevel::Cat12;
    std::optional<int> cfu; // fingertip kinds: CFU counted (both hands together)
    bool passed = false;    // training, media fill, garbing: the recorded outcome; fingertip: derived
};

// Fills `passed` for fingertip events from their CFU against policy; checks a fingertip event has a
// CFU and other kinds have none.
[[nodiscard]] Result<QualEvent> judgeQualEvent(QualEvent event, const SitePolicy& policy);

struct QualificationState {
    Category category = Category::Cat1;
    bool qualified = false;
    std::optional<Date> lapses;       // last day the person is qualified (when qualified, or lapsed on)
    std::vector<std::string> reasons; // why not, every one
    bool lapsed = false;              // was qualified, one requirement ran out (vs never qualified)
};

// State for one category on `today`. Immediate use needs current training; Cat 1/2/3 need training,
// the initial fingertip passes, and a current pass of media fill, post-media-fill fingertip and
// garbing competency at the category's level. The latest event of a kind decides (a fail after a
// pass disqualifies until a new pass).
[[nodiscard]] QualificationState qualificationFor(const std::vector<QualEvent>& events, Category category,
                                                  Date today, const SitePolicy& policy);

} // namespace admix::usp797
