// Personnel qualification. Source: ../shared/DOMAIN.md "USP <797> (2023) defaults", Personnel:
// initial gloved fingertip and thumb 3 separate times with 0 CFU (> 0 fails); after media fill > 3 CFU
// fails; garbing, glove and media-fill competency every 6 months (Cat 1/2) or 3 months (Cat 3);
// training every 12 months; a lapsed person cannot start a preparation of that category.
#include "usp797/personnel.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::usp797;
using std::chrono::days;
using std::chrono::sys_days;

namespace {

Date d(const char* text) {
    return parseDate(text).value();
}
Date plus(Date x, int n) {
    return Date{sys_days{x} + days{n}};
}

QualEvent judged(QualKind kind, const char* date, std::optional<int> cfu, bool passed = true,
                 QualLevel level = QualLevel::Cat12) {
    return judgeQualEvent({kind, d(date), level, cfu, passed}, SitePolicy::defaults()).value();
}

std::vector<QualEvent> qualifiedPerson(QualLevel level, const char* competencyDate) {
    return {
        judged(QualKind::Training, "2026-01-05", std::nullopt),
        judged(QualKind::InitialFingertip, "2026-01-06", 0),
        judged(QualKind::InitialFingertip, "2026-01-07", 0),
        judged(QualKind::InitialFingertip, "2026-01-08", 0),
        judged(QualKind::MediaFill, competencyDate, std::nullopt, true, level),
        judged(QualKind::PostMediaFillFingertip, competencyDate, 2, true, level),
        judged(QualKind::GarbingCompetency, competencyDate, std::nullopt, true, level),
    };
}

} // namespace

TEST_CASE("gloved fingertip: initial 0 CFU passes / 1 fails / after media fill 3 passes / 4 fails") {
    CHECK(judged(QualKind::InitialFingertip, "2026-01-01", 0).passed);
    CHECK_FALSE(judged(QualKind::InitialFingertip, "2026-01-01", 1).passed);
    CHECK(judged(QualKind::PostMediaFillFingertip, "2026-01-01", 2).passed);
    CHECK(judged(QualKind::PostMediaFillFingertip, "2026-01-01", 3).passed);
    CHECK_FALSE(judged(QualKind::PostMediaFillFingertip, "2026-01-01", 4).passed);
    CHECK_FALSE(
        judgeQualEvent({QualKind::InitialFingertip, d("2026-01-01"), QualLevel::Cat12, std::nullopt, true},
                       SitePolicy::defaults())
            .ok());
    CHECK_FALSE(judgeQualEvent({QualKind::Training, d("2026-01-01"), QualLevel::Cat12, 0, true},
                               SitePolicy::defaults())
                    .ok());
}

TEST_CASE("three separate initial passes are needed") {
    auto events = qualifiedPerson(QualLevel::Cat12, "2026-01-10");
    CHECK(qualificationFor(events, Category::Cat2, d("2026-02-01"), SitePolicy::defaults()).qualified);
    events.erase(events.begin() + 3); // only 2 initial passes
    const auto state = qualificationFor(events, Category::Cat2, d("2026-02-01"), SitePolicy::defaults());
    CHECK_FALSE(state.qualified);
    REQUIRE(state.reasons.size() == 1);
    CHECK(state.reasons[0] == "initial gloved fingertip sampling: 2 of 3 passes");
}

TEST_CASE("Cat 1/2 competency lapses 6 months after: day before / of / after") {
    const auto events = qualifiedPerson(QualLevel::Cat12, "2026-01-10");
    const Date lapse = d("2026-07-10");
    for (auto c : {Category::Cat1, Category::Cat2}) {
        CHECK(qualificationFor(events, c, plus(lapse, -1), SitePolicy::defaults()).qualified);
        const auto on = qualificationFor(events, c, lapse, SitePolicy::defaults());
        CHECK(on.qualified);
        CHECK(sys_days{*on.lapses} == sys_days{lapse});
        const auto after = qualificationFor(events, c, plus(lapse, 1), SitePolicy::defaults());
        CHECK_FALSE(after.qualified);
        CHECK(after.lapsed);
        CHECK(after.reasons.size() == 3); // media fill, post-media-fill fingertip, garbing
    }
    // A Cat 1/2 media fill never qualifies for Cat 3
    CHECK_FALSE(qualificationFor(events, Category::Cat3, d("2026-02-01"), SitePolicy::defaults()).qualified);
}

TEST_CASE("Cat 3 competency lapses 3 months after / a Cat 3 media fill also covers Cat 1/2") {
    const auto events = qualifiedPerson(QualLevel::Cat3, "2026-01-10");
    const Date lapse = d("2026-04-10");
    CHECK(qualificationFor(events, Category::Cat3, plus(lapse, -1), SitePolicy::defaults()).qualified);
    CHECK(qualificationFor(events, Category::Cat3, lapse, SitePolicy::defaults()).qualified);
    CHECK_FALSE(qualificationFor(events, Category::Cat3, plus(lapse, 1), SitePolicy::defaults()).qualified);
    CHECK(qualificationFor(events, Category::Cat2, plus(lapse, 1), SitePolicy::defaults()).qualified);
}

TEST_CASE("training lapses 12 months after / immediate use needs only training") {
    const auto events = qualifiedPerson(QualLevel::Cat12, "2026-06-01");
    const Date lapse = d("2027-01-05");
    CHECK(qualificationFor(events, Category::Immediate, lapse, SitePolicy::defaults()).qualified);
    const auto after = qualificationFor(events, Category::Immediate, plus(lapse, 1), SitePolicy::defaults());
    CHECK_FALSE(after.qualified);
    CHECK(after.reasons.at(0) == "training lapsed on 2027-01-05 (every 12 months)");
}

TEST_CASE("a failed requalification after a pass disqualifies") {
    auto events = qualifiedPerson(QualLevel::Cat12, "2026-01-10");
    events.push_back(judged(QualKind::PostMediaFillFingertip, "2026-03-01", 5));
    const auto state = qualificationFor(events, Category::Cat1, d("2026-03-02"), SitePolicy::defaults());
    CHECK_FALSE(state.qualified);
    CHECK(state.reasons.at(0).find("failed") != std::string::npos);
}
