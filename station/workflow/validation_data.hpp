// What the validation scenarios run with, picked from the data of the sandbox they run on (a copy
// of the site's database, or fresh demo data): the site's own people, room and PEC, approved
// recipes and products, as named values the scenario files use ("$technician", "$order", ...).
//
// The site's people sign in to the sandbox with passwords made for this run (their real secrets are
// never known to the kit); a role the site has not got twice (a second pharmacist) or a person who
// must have no records (an unqualified technician) is a validation account added to the sandbox
// only. Every such change is made through the Authenticator, in the sandbox, and listed in the
// report. A value this data cannot give is listed with the reason ("no hazardous recipe in this
// formulary"): the scenarios that use it are skipped, never passed.
//
// Only ever given a store::Sandbox: nothing here can reach the site's own database.
// Not thread-safe. Storage failures: StoreError.
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/time.hpp"
#include "station/store/sandbox.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace admix::workflow {

struct ValidationPlace {
    std::string room; // the station's room and PEC (its configuration)
    std::string pec;
};

struct ValidationData {
    std::map<std::string, nlohmann::json> values;     // name -> value, e.g. "technician" -> "tech"
    std::map<std::string, std::string> unavailable;   // name -> why this data cannot give it
    nlohmann::json report = nlohmann::json::object(); // what was picked and what was added, for people
};

// Picks the run's values from `sandbox` and prepares it (sandbox passwords, validation accounts).
// `formulary` and `policy`: the station's approved formulary and stored formulas policy;
// `reference`: the shipped formulas policy, whose tolerance bands the draw scenarios test against
// (a site policy looser than it makes those scenarios fail: that is what they are for).
[[nodiscard]] ValidationData prepareValidationData(store::Sandbox& sandbox,
                                                   const formulas::Formulary& formulary,
                                                   const formulas::FormulasPolicy& policy,
                                                   const formulas::FormulasPolicy& reference,
                                                   const ValidationPlace& place, TimePoint now);

// Whether a scenario that uses `name` only does not apply when this data has not got it (another
// strength, a hazardous recipe or PEC, a pharmacist qualified to compound: skipped, with the
// reason). Any other value missing (a qualified technician, a pharmacist, the station's room and
// PEC, a recipe to prepare) means the site cannot be validated as it stands: its scenarios fail.
[[nodiscard]] bool notApplicableWhenMissing(const std::string& name);

// The GS1 check digit of the first 13 digits of a GTIN-14 (mod 10, weights 3 and 1 from the right).
[[nodiscard]] char gtinCheckDigit(std::string_view first13);

} // namespace admix::workflow
