#include "usp797/policy.hpp"

#include "formulas/input_limits.hpp"
#include "formulas/text.hpp"

#include <toml++/toml.h>

#include <array>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace admix::usp797 {

namespace {

#include "usp797/policy_defaults.inc"

using enum PolicyType;

// The keys are code (the engine reads them by name); the numbers live in the TOML file. Ranges only
// catch typing mistakes (a negative day count, a humidity of 600 %).
constexpr std::array kKeys{
    PolicyKey{"em.viable_air.iso5_cfu_m3", Number, 0, 1e4,
              "viable air action level, ISO 5 (CFU/m3, above is an excursion)"},
    PolicyKey{"em.viable_air.iso7_cfu_m3", Number, 0, 1e4, "viable air action level, ISO 7 (CFU/m3)"},
    PolicyKey{"em.viable_air.iso8_cfu_m3", Number, 0, 1e5, "viable air action level, ISO 8 (CFU/m3)"},
    PolicyKey{"em.viable_air.min_litres", Number, 1, 1e5, "smallest valid air sample (litres)"},
    PolicyKey{"em.surface.iso5_cfu_plate", Number, 0, 1e4, "surface action level, ISO 5 (CFU/plate)"},
    PolicyKey{"em.surface.iso7_cfu_plate", Number, 0, 1e4, "surface action level, ISO 7 (CFU/plate)"},
    PolicyKey{"em.surface.iso8_cfu_plate", Number, 0, 1e4, "surface action level, ISO 8 (CFU/plate)"},
    PolicyKey{"em.particles.iso5_per_m3", Number, 0, 1e9, "total particles >= 0.5 um, ISO 5 (per m3)"},
    PolicyKey{"em.particles.iso7_per_m3", Number, 0, 1e9, "total particles >= 0.5 um, ISO 7 (per m3)"},
    PolicyKey{"em.particles.iso8_per_m3", Number, 0, 1e10, "total particles >= 0.5 um, ISO 8 (per m3)"},
    PolicyKey{"em.pressure.positive_min_inwc", Number, 0, 1, "positive room: least differential (in. w.c.)"},
    PolicyKey{"em.pressure.negative_min_inwc", Number, 0, 1, "negative HD room: least magnitude (in. w.c.)"},
    PolicyKey{"em.pressure.negative_max_inwc", Number, 0, 1,
              "negative HD room: greatest magnitude (in. w.c.)"},
    PolicyKey{"em.room.temperature_max_c", Number, -10, 40,
              "room temperature above this is out of range (C)"},
    PolicyKey{"em.room.humidity_limit_pct", Number, 0, 100,
              "relative humidity at or above this is out of range (%)"},
    PolicyKey{"em.fridge.min_c", Number, -10, 20, "refrigerator lowest (C)"},
    PolicyKey{"em.fridge.max_c", Number, -10, 20, "refrigerator highest (C)"},
    PolicyKey{"em.freezer.min_c", Number, -90, 0, "freezer lowest (C)"},
    PolicyKey{"em.freezer.max_c", Number, -90, 0, "freezer highest (C)"},
    PolicyKey{"em.genus_id_required", Flag, 0, 1, "microbial excursions need the genus before closing"},
    PolicyKey{"em.excursion_blocks_room.viable_air", Flag, 0, 1,
              "an open viable air excursion blocks preparations in its room"},
    PolicyKey{"em.excursion_blocks_room.surface", Flag, 0, 1,
              "an open surface excursion blocks preparations in its room"},
    PolicyKey{"em.excursion_blocks_room.particles", Flag, 0, 1,
              "an open particles excursion blocks preparations in its room"},
    PolicyKey{"em.excursion_blocks_room.pressure", Flag, 0, 1,
              "an open pressure excursion blocks preparations in its room"},
    PolicyKey{"em.excursion_blocks_room.temperature", Flag, 0, 1,
              "an open temperature excursion blocks preparations in its room"},
    PolicyKey{"em.excursion_blocks_room.humidity", Flag, 0, 1,
              "an open humidity excursion blocks preparations in its room"},
    PolicyKey{"em.excursion_blocks_room.fridge", Flag, 0, 1,
              "an open fridge excursion blocks preparations in its room"},
    PolicyKey{"em.excursion_blocks_room.freezer", Flag, 0, 1,
              "an open freezer excursion blocks preparations in its room"},
    PolicyKey{"schedule.viable_air.cat12_months", Whole, 1, 24,
              "viable air sampling interval, Cat 1/2 (months)"},
    PolicyKey{"schedule.viable_air.cat3_months", Whole, 1, 24,
              "viable air sampling interval, Cat 3 (months)"},
    PolicyKey{"schedule.surface.cat12_months", Whole, 1, 24, "surface sampling interval, Cat 1/2 (months)"},
    PolicyKey{"schedule.surface.cat3_days", Whole, 1, 366, "surface sampling interval, Cat 3 (days)"},
    PolicyKey{"schedule.certification_months", Whole, 1, 24, "PEC and room certification interval (months)"},
    PolicyKey{"schedule.cleaning.monthly_months", Whole, 1, 12, "monthly cleaning interval (months)"},
    PolicyKey{"schedule.cleaning.sporicidal_cat12_months", Whole, 1, 12,
              "sporicidal interval, Cat 1/2 (months)"},
    PolicyKey{"schedule.cleaning.sporicidal_cat3_days", Whole, 1, 366, "sporicidal interval, Cat 3 (days)"},
    PolicyKey{"personnel.initial_gft_passes", Whole, 1, 10, "initial gloved fingertip passes needed"},
    PolicyKey{"personnel.initial_gft_max_cfu", Whole, 0, 100,
              "initial gloved fingertip: most CFU that passes"},
    PolicyKey{"personnel.post_media_fill_gft_max_cfu", Whole, 0, 100,
              "post-media-fill fingertip: most CFU that passes"},
    PolicyKey{"personnel.competency_cat12_months", Whole, 1, 24, "competency interval, Cat 1/2 (months)"},
    PolicyKey{"personnel.competency_cat3_months", Whole, 1, 24, "competency interval, Cat 3 (months)"},
    PolicyKey{"personnel.training_months", Whole, 1, 36, "training interval (months)"},
    PolicyKey{"garbing.hand_wash_min_seconds", Whole, 1, 600, "shortest hand wash (s)"},
    PolicyKey{"garbing.hd.outer_glove_change_minutes", Whole, 1, 600,
              "HD outer gloves changed at least every (min)"},
    PolicyKey{"garbing.hd.gown_change_minutes", Whole, 1, 1440, "HD gown changed at least every (min)"},
    PolicyKey{"hood.parking_allowed", Flag, 0, 1,
              "another preparation may start at a PEC while one is in progress there (the first one parked)"},
    PolicyKey{"garbing.session_max_hours", Whole, 1, 24, "a garbing session counts at most this long (h)"},
    PolicyKey{"bud.immediate_hours", Whole, 1, 24, "immediate use (h)"},
    PolicyKey{"bud.cat1.room_hours", Whole, 1, 48, "Cat 1 room (h)"},
    PolicyKey{"bud.cat1.fridge_hours", Whole, 1, 96, "Cat 1 refrigerator (h)"},
    PolicyKey{"bud.cat2.aseptic_sterile_untested.room_days", Whole, 1, 365,
              "Cat 2 aseptic, sterile components, untested, room (d)"},
    PolicyKey{"bud.cat2.aseptic_sterile_untested.fridge_days", Whole, 1, 365, "... refrigerator (d)"},
    PolicyKey{"bud.cat2.aseptic_sterile_untested.freezer_days", Whole, 1, 365, "... freezer (d)"},
    PolicyKey{"bud.cat2.aseptic_nonsterile_untested.room_days", Whole, 1, 365,
              "Cat 2 aseptic, nonsterile component, untested, room (d)"},
    PolicyKey{"bud.cat2.aseptic_nonsterile_untested.fridge_days", Whole, 1, 365, "... refrigerator (d)"},
    PolicyKey{"bud.cat2.aseptic_nonsterile_untested.freezer_days", Whole, 1, 365, "... freezer (d)"},
    PolicyKey{"bud.cat2.aseptic_tested.room_days", Whole, 1, 365,
              "Cat 2 aseptic, sterility-tested, room (d)"},
    PolicyKey{"bud.cat2.aseptic_tested.fridge_days", Whole, 1, 365, "... refrigerator (d)"},
    PolicyKey{"bud.cat2.aseptic_tested.freezer_days", Whole, 1, 365, "... freezer (d)"},
    PolicyKey{"bud.cat2.terminal_untested.room_days", Whole, 1, 365,
              "Cat 2 terminally sterilized, untested, room (d)"},
    PolicyKey{"bud.cat2.terminal_untested.fridge_days", Whole, 1, 365, "... refrigerator (d)"},
    PolicyKey{"bud.cat2.terminal_untested.freezer_days", Whole, 1, 365, "... freezer (d)"},
    PolicyKey{"bud.cat2.terminal_tested.room_days", Whole, 1, 365,
              "Cat 2 terminally sterilized, tested, room (d)"},
    PolicyKey{"bud.cat2.terminal_tested.fridge_days", Whole, 1, 365, "... refrigerator (d)"},
    PolicyKey{"bud.cat2.terminal_tested.freezer_days", Whole, 1, 365, "... freezer (d)"},
    PolicyKey{"bud.cat3.aseptic.room_days", Whole, 1, 365, "Cat 3 aseptic, room (d)"},
    PolicyKey{"bud.cat3.aseptic.fridge_days", Whole, 1, 365, "... refrigerator (d)"},
    PolicyKey{"bud.cat3.aseptic.freezer_days", Whole, 1, 365, "... freezer (d)"},
    PolicyKey{"bud.cat3.terminal.room_days", Whole, 1, 365, "Cat 3 terminally sterilized, room (d)"},
    PolicyKey{"bud.cat3.terminal.fridge_days", Whole, 1, 365, "... refrigerator (d)"},
    PolicyKey{"bud.cat3.terminal.freezer_days", Whole, 1, 365, "... freezer (d)"},
    PolicyKey{"bud.vial.multi_dose_days", Whole, 1, 365, "multiple-dose vial after first puncture (d)"},
    PolicyKey{"bud.vial.single_dose_iso5_hours", Whole, 1, 48, "single-dose vial punctured in ISO 5 (h)"},
    PolicyKey{"gate.override.not_qualified", Flag, 0, 1, "a pharmacist may override: person not qualified"},
    PolicyKey{"gate.override.qualification_lapsed", Flag, 0, 1, "... qualification lapsed"},
    PolicyKey{"gate.override.not_garbed", Flag, 0, 1, "... not garbed"},
    PolicyKey{"gate.override.garbing_incomplete", Flag, 0, 1, "... garbing incomplete"},
    PolicyKey{"gate.override.gloves_due", Flag, 0, 1, "... HD outer gloves due for change"},
    PolicyKey{"gate.override.gown_due", Flag, 0, 1, "... HD gown due for change"},
    PolicyKey{"gate.override.daily_cleaning_missing", Flag, 0, 1, "... daily cleaning not logged"},
    PolicyKey{"gate.override.pressure_not_logged", Flag, 0, 1, "... pressure not logged today"},
    PolicyKey{"gate.override.pressure_out_of_range", Flag, 0, 1, "... pressure out of range"},
    PolicyKey{"gate.override.temperature_not_logged", Flag, 0, 1, "... temperature not logged today"},
    PolicyKey{"gate.override.temperature_out_of_range", Flag, 0, 1, "... temperature out of range"},
    PolicyKey{"gate.override.humidity_out_of_range", Flag, 0, 1, "... humidity out of range"},
    PolicyKey{"gate.override.pec_certification_overdue", Flag, 0, 1, "... PEC certification overdue"},
    PolicyKey{"gate.override.room_certification_overdue", Flag, 0, 1, "... room certification overdue"},
    PolicyKey{"gate.override.open_excursion", Flag, 0, 1, "... open excursion in the room"},
    PolicyKey{"gate.override_valid_minutes", Whole, 1, 720,
              "a pharmacist's gate override lets one preparation start for this long (min)"},
    PolicyKey{"check.override_signer_may_release", Flag, 0, 1,
              "the pharmacist who signed an override of a preparation may also release it"},
};

std::string rangeText(const PolicyKey& key) {
    std::ostringstream out;
    out << "between " << key.min << " and " << key.max;
    return out.str();
}

Status checkValue(const PolicyKey& key, double value) {
    if (!std::isfinite(value) || value < key.min || value > key.max)
        return Status::fail("must be " + rangeText(key) + ", not " + formatPolicyValue(key, value),
                            std::string(key.key));
    if (key.type == Whole && std::floor(value) != value)
        return Status::fail("must be a whole number", std::string(key.key));
    if (key.type == Flag && value != 0.0 && value != 1.0)
        return Status::fail("must be true or false", std::string(key.key));
    return Status::success();
}

std::optional<Error> walk(const toml::table& table, const std::string& prefix, const std::string& source,
                          std::map<std::string, double>& out) {
    for (const auto& [key, node] : table) {
        const std::string name =
            prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
        const std::string where = source + ":" + std::to_string(key.source().begin.line) + ":" +
                                  std::to_string(key.source().begin.column) + ": " + name;
        if (node.is_table()) {
            if (auto err = walk(*node.as_table(), name, source, out))
                return err;
            continue;
        }
        const PolicyKey* known = findPolicyKey(name);
        if (!known)
            return Error{"unknown policy key (check the spelling)", where};
        double value = 0;
        if (known->type == Flag) {
            if (!node.is_boolean())
                return Error{"must be true or false", where};
            value = node.as_boolean()->get() ? 1.0 : 0.0;
        } else if (node.is_integer()) {
            value = static_cast<double>(node.as_integer()->get());
        } else if (node.is_floating_point() && known->type == Number) {
            value = node.as_floating_point()->get();
        } else {
            return Error{known->type == Whole ? "must be a whole number" : "must be a number", where};
        }
        if (auto ok = checkValue(*known, value); !ok)
            return Error{ok.error().message, where};
        out[name] = value;
    }
    return std::nullopt;
}

} // namespace

std::span<const PolicyKey> policyKeys() {
    return kKeys;
}

const PolicyKey* findPolicyKey(std::string_view key) {
    for (const PolicyKey& k : kKeys) {
        if (k.key == key)
            return &k;
    }
    return nullptr;
}

std::string formatPolicyValue(const PolicyKey& key, double value) {
    if (key.type == Flag)
        return value != 0.0 ? "true" : "false";
    std::ostringstream out;
    out.precision(12);
    out << value;
    return out.str();
}

Result<double> parsePolicyValue(const PolicyKey& key, std::string_view text) {
    const std::string t = formulas::toLower(formulas::trim(text));
    double value = 0;
    if (key.type == Flag) {
        if (t == "true" || t == "1" || t == "yes")
            value = 1;
        else if (t == "false" || t == "0" || t == "no")
            value = 0;
        else
            return Result<double>::fail("must be true or false, not '" + std::string(text) + "'",
                                        std::string(key.key));
    } else {
        char* end = nullptr;
        value = std::strtod(t.c_str(), &end);
        if (t.empty() || end != t.c_str() + t.size())
            return Result<double>::fail("must be a number, not '" + std::string(text) + "'",
                                        std::string(key.key));
    }
    if (auto ok = checkValue(key, value); !ok)
        return ok.error();
    return value;
}

Result<SitePolicy> SitePolicy::fromValues(const std::map<std::string, double>& values) {
    SitePolicy policy;
    for (const auto& [name, value] : values) {
        const PolicyKey* key = findPolicyKey(name);
        if (!key)
            return Result<SitePolicy>::fail("unknown policy key", name);
        if (auto ok = checkValue(*key, value); !ok)
            return ok.error();
        policy.m_values[name] = value;
    }
    for (const PolicyKey& key : kKeys) {
        if (!policy.m_values.contains(key.key))
            return Result<SitePolicy>::fail(
                "missing policy value (every limit must be set; see assets/policy/usp797_defaults.toml)",
                std::string(key.key));
    }
    return policy;
}

const SitePolicy& SitePolicy::defaults() {
    static const SitePolicy policy = [] {
        auto values = parsePolicyToml(defaultPolicyToml(), "usp797_defaults.toml");
        if (!values)
            std::abort(); // the shipped file is broken: the test suite catches this before release
        auto built = fromValues(*values);
        if (!built)
            std::abort();
        return std::move(built).value();
    }();
    return policy;
}

double SitePolicy::number(std::string_view key) const {
    const auto it = m_values.find(key);
    assert(it != m_values.end() && "policy key read by the engine but not declared in policyKeys()");
    if (it == m_values.end())
        std::abort(); // a programmer error that must not read as "no limit"
    return it->second;
}

Result<SitePolicy> SitePolicy::with(std::string_view key, double value) const {
    const PolicyKey* known = findPolicyKey(key);
    if (!known)
        return Result<SitePolicy>::fail("unknown policy key", std::string(key));
    if (auto ok = checkValue(*known, value); !ok)
        return ok.error();
    SitePolicy copy = *this;
    copy.m_values[std::string(key)] = value;
    return copy;
}

Result<std::map<std::string, double>> parsePolicyToml(std::string_view text, const std::string& sourceName) {
    if (const auto problem = formulas::tomlShapeProblem(text))
        return Error{*problem, sourceName};
    toml::table table;
    try {
        table = toml::parse(text, sourceName);
    } catch (const toml::parse_error& err) {
        return Error{std::string(err.description()), sourceName + ":" +
                                                         std::to_string(err.source().begin.line) + ":" +
                                                         std::to_string(err.source().begin.column)};
    }
    std::map<std::string, double> values;
    if (auto err = walk(table, "", sourceName, values))
        return *err;
    for (const PolicyKey& key : kKeys) {
        if (!values.contains(std::string(key.key)))
            return Error{"missing policy value (every limit must be set)",
                         sourceName + ": " + std::string(key.key)};
    }
    return values;
}

std::string_view defaultPolicyToml() {
    return kDefaultPolicyToml;
}

} // namespace admix::usp797
