// Environmental monitoring: one sample or reading (viable air, surface, total particles, pressure
// differential, room temperature and humidity, refrigerator and freezer temperature) and its
// evaluation against the site's action levels. Pure values and functions, thread-safe. An invalid
// sample (negative CFU, an air sample under the policy volume) is an Error naming the field.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "usp797/iso_class.hpp"
#include "usp797/policy.hpp"
#include "usp797/site.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace admix::usp797 {

enum class EmKind { ViableAir, Surface, Particles, Pressure, Temperature, Humidity, Fridge, Freezer };
// "viable_air", "surface", "particles", "pressure", "temperature", "humidity", "fridge", "freezer"
[[nodiscard]] std::string_view emKindName(EmKind kind);
[[nodiscard]] Result<EmKind> parseEmKind(std::string_view text);
// The unit of the recorded value: "CFU", "particles/m3", "in. w.c.", "C", "%".
[[nodiscard]] std::string_view emValueUnit(EmKind kind);
[[nodiscard]] bool isMicrobial(EmKind kind);

// One recorded result. `value` is CFU for viable air and surface, particles per m3 for particles,
// signed inches of water column for pressure (negative rooms read negative), degrees C, or % RH.
struct EmSample {
    TimePoint at;
    EmKind kind = EmKind::Temperature;
    std::string room;
    std::string location; // sampling site, PEC code, or fridge/freezer id
    double value = 0;
    std::optional<double> litres; // viable air only
    std::string person;
    std::string deviceOrLot; // instrument id or media lot
    std::string notes;
};

// What the area sampled is: its ISO class (a PEC is ISO 5) and its room's pressure regime.
struct SampledArea {
    IsoClass iso = IsoClass::Iso7;
    PressureRegime pressure = PressureRegime::Positive;
};

struct EmEvaluation {
    double measured = 0; // CFU/m3 for viable air, otherwise the value as recorded
    std::string unit;    // unit of `measured`
    bool excursion = false;
    std::string limit;   // the rule applied, e.g. "ISO 5 action level: > 1 CFU/m3"
    std::string message; // one line for people, e.g. "3 CFU/m3 exceeds ISO 5 action level 1 CFU/m3"
};

// Checks the fields for the kind (CFU whole and >= 0, litres present and >= the policy minimum for
// viable air, humidity 0-100, ...). Errors name the field.
[[nodiscard]] Status validateSample(const EmSample& sample, const SitePolicy& policy);
// Validates, then evaluates against the policy's limits for the area.
[[nodiscard]] Result<EmEvaluation> evaluateSample(const EmSample& sample, SampledArea area,
                                                  const SitePolicy& policy);

} // namespace admix::usp797
