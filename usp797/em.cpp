#include "usp797/em.hpp"

#include "formulas/text.hpp"

#include <cmath>
#include <sstream>

namespace admix::usp797 {

namespace {

constexpr EmKind kAllKinds[] = {EmKind::ViableAir,   EmKind::Surface,  EmKind::Particles, EmKind::Pressure,
                                EmKind::Temperature, EmKind::Humidity, EmKind::Fridge,    EmKind::Freezer};

std::string num(double v) {
    std::ostringstream out;
    out.precision(10);
    out << v;
    return out.str();
}

// The policy key for an ISO-class action level, or empty when the class has none (unclassified).
std::string isoKey(std::string_view prefix, IsoClass iso, std::string_view suffix) {
    switch (iso) {
    case IsoClass::Iso5:
        return std::string(prefix) + "iso5" + std::string(suffix);
    case IsoClass::Iso7:
        return std::string(prefix) + "iso7" + std::string(suffix);
    case IsoClass::Iso8:
        return std::string(prefix) + "iso8" + std::string(suffix);
    case IsoClass::Unclassified:
        return {};
    }
    return {};
}

EmEvaluation above(double measured, std::string unit, double limit, const std::string& what) {
    EmEvaluation e;
    e.measured = measured;
    e.unit = std::move(unit);
    e.excursion = measured > limit;
    e.limit = what + ": > " + num(limit) + " " + e.unit;
    e.message = num(measured) + " " + e.unit + (e.excursion ? " exceeds " : " within ") + what + " " +
                num(limit) + " " + e.unit;
    return e;
}

EmEvaluation range(double measured, std::string unit, double lo, double hi, const std::string& what) {
    EmEvaluation e;
    e.measured = measured;
    e.unit = std::move(unit);
    e.excursion = measured < lo || measured > hi;
    e.limit = what + ": " + num(lo) + " to " + num(hi) + " " + e.unit;
    e.message = num(measured) + " " + e.unit + (e.excursion ? " outside " : " within ") + what + " " +
                num(lo) + " to " + num(hi) + " " + e.unit;
    return e;
}

} // namespace

std::string_view emKindName(EmKind kind) {
    switch (kind) {
    case EmKind::ViableAir:
        return "viable_air";
    case EmKind::Surface:
        return "surface";
    case EmKind::Particles:
        return "particles";
    case EmKind::Pressure:
        return "pressure";
    case EmKind::Temperature:
        return "temperature";
    case EmKind::Humidity:
        return "humidity";
    case EmKind::Fridge:
        return "fridge";
    case EmKind::Freezer:
        return "freezer";
    }
    return "?";
}

Result<EmKind> parseEmKind(std::string_view text) {
    const std::string key = formulas::toLower(formulas::trim(text));
    for (EmKind k : kAllKinds) {
        if (key == emKindName(k))
            return k;
    }
    return Result<EmKind>::fail(
        "'" + std::string(text) +
        "' is not a monitoring kind; use viable_air, surface, particles, pressure, temperature, "
        "humidity, fridge or freezer");
}

std::string_view emValueUnit(EmKind kind) {
    switch (kind) {
    case EmKind::ViableAir:
    case EmKind::Surface:
        return "CFU";
    case EmKind::Particles:
        return "particles/m3";
    case EmKind::Pressure:
        return "in. w.c.";
    case EmKind::Temperature:
    case EmKind::Fridge:
    case EmKind::Freezer:
        return "C";
    case EmKind::Humidity:
        return "%";
    }
    return "?";
}

bool isMicrobial(EmKind kind) {
    return kind == EmKind::ViableAir || kind == EmKind::Surface;
}

Status validateSample(const EmSample& sample, const SitePolicy& policy) {
    if (!std::isfinite(sample.value))
        return Status::fail("must be a number", "value");
    if (formulas::trim(sample.room).empty())
        return Status::fail("missing", "room");
    if (formulas::trim(sample.person).empty())
        return Status::fail("missing (who took the sample)", "person");
    switch (sample.kind) {
    case EmKind::ViableAir:
    case EmKind::Surface:
        if (sample.value < 0 || std::floor(sample.value) != sample.value)
            return Status::fail("a CFU count must be a whole number >= 0, not " + num(sample.value), "value");
        if (formulas::trim(sample.location).empty())
            return Status::fail("missing (the sampling site)", "location");
        if (formulas::trim(sample.deviceOrLot).empty())
            return Status::fail("missing (the media lot)", "device_or_lot");
        break;
    case EmKind::Particles:
        if (sample.value < 0)
            return Status::fail("a particle count must be >= 0", "value");
        break;
    case EmKind::Humidity:
        if (sample.value < 0 || sample.value > 100)
            return Status::fail("relative humidity must be 0-100 %, not " + num(sample.value), "value");
        break;
    case EmKind::Fridge:
    case EmKind::Freezer:
        if (formulas::trim(sample.location).empty())
            return Status::fail("missing (which refrigerator or freezer)", "location");
        [[fallthrough]];
    case EmKind::Temperature:
        if (sample.value < -90 || sample.value > 60)
            return Status::fail("a temperature of " + num(sample.value) + " C is not plausible", "value");
        break;
    case EmKind::Pressure:
        if (std::fabs(sample.value) > 1.0)
            return Status::fail("a differential of " + num(sample.value) + " in. w.c. is not plausible",
                                "value");
        break;
    }
    if (sample.kind == EmKind::ViableAir) {
        if (!sample.litres || !std::isfinite(*sample.litres) || *sample.litres <= 0)
            return Status::fail("a viable air sample needs the litres sampled", "litres");
        const double minimum = policy.number("em.viable_air.min_litres");
        if (*sample.litres < minimum)
            return Status::fail(num(*sample.litres) + " L is less than the required air sample of " +
                                    num(minimum) + " L",
                                "litres");
    } else if (sample.litres) {
        return Status::fail("only viable air samples have litres", "litres");
    }
    return Status::success();
}

Result<EmEvaluation> evaluateSample(const EmSample& sample, SampledArea area, const SitePolicy& policy) {
    if (auto ok = validateSample(sample, policy); !ok)
        return ok.error();
    const std::string isoName(isoClassName(area.iso));
    switch (sample.kind) {
    case EmKind::ViableAir: {
        const std::string key = isoKey("em.viable_air.", area.iso, "_cfu_m3");
        if (key.empty())
            return Result<EmEvaluation>::fail("no viable air action level for an unclassified area", "room");
        const double perM3 = sample.value * 1000.0 / *sample.litres;
        return above(perM3, "CFU/m3", policy.number(key), isoName + " action level");
    }
    case EmKind::Surface: {
        const std::string key = isoKey("em.surface.", area.iso, "_cfu_plate");
        if (key.empty())
            return Result<EmEvaluation>::fail("no surface action level for an unclassified area", "room");
        return above(sample.value, "CFU/plate", policy.number(key), isoName + " action level");
    }
    case EmKind::Particles: {
        const std::string key = isoKey("em.particles.", area.iso, "_per_m3");
        if (key.empty())
            return Result<EmEvaluation>::fail("no particle limit for an unclassified area", "room");
        return above(sample.value, "particles/m3", policy.number(key), isoName + " limit");
    }
    case EmKind::Pressure:
        switch (area.pressure) {
        case PressureRegime::Positive: {
            const double lo = policy.number("em.pressure.positive_min_inwc");
            EmEvaluation e;
            e.measured = sample.value;
            e.unit = "in. w.c.";
            e.excursion = sample.value < lo;
            e.limit = "positive pressure: >= " + num(lo) + " in. w.c.";
            e.message = num(sample.value) + " in. w.c." + (e.excursion ? " below " : " meets ") +
                        "the positive-pressure minimum " + num(lo) + " in. w.c.";
            return e;
        }
        case PressureRegime::Negative:
            return range(sample.value, "in. w.c.", -policy.number("em.pressure.negative_max_inwc"),
                         -policy.number("em.pressure.negative_min_inwc"), "negative-pressure range");
        case PressureRegime::None:
            return Result<EmEvaluation>::fail(
                "the room has no pressure requirement; set its pressure regime first", "room");
        }
        break;
    case EmKind::Temperature:
        return above(sample.value, "C", policy.number("em.room.temperature_max_c"),
                     "room temperature maximum");
    case EmKind::Humidity: {
        const double limit = policy.number("em.room.humidity_limit_pct");
        EmEvaluation e;
        e.measured = sample.value;
        e.unit = "%";
        e.excursion = sample.value >= limit;
        e.limit = "relative humidity: < " + num(limit) + " %";
        e.message = num(sample.value) + " %" + (e.excursion ? " at or above " : " below ") +
                    "the humidity limit " + num(limit) + " %";
        return e;
    }
    case EmKind::Fridge:
        return range(sample.value, "C", policy.number("em.fridge.min_c"), policy.number("em.fridge.max_c"),
                     "refrigerator range");
    case EmKind::Freezer:
        return range(sample.value, "C", policy.number("em.freezer.min_c"), policy.number("em.freezer.max_c"),
                     "freezer range");
    }
    return Result<EmEvaluation>::fail("unknown monitoring kind", "kind");
}

} // namespace admix::usp797
