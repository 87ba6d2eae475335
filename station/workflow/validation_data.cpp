#include "station/workflow/validation_data.hpp"

#include "station/store/audit_log.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/compliance_gate.hpp"
#include "station/workflow/order_json.hpp"
#include "station/workflow/plan_steps.hpp"

#include <sodium.h>

#include <algorithm>
#include <set>

namespace admix::workflow {

using nlohmann::json;

bool notApplicableWhenMissing(const std::string& name) {
    static const std::set<std::string> optional = {"wrong_drug_gtin",
                                                   "wrong_strength_gtin",
                                                   "hd_order",
                                                   "hd_room",
                                                   "hd_pec",
                                                   "compounding_pharmacist",
                                                   "compounding_pharmacist_password",
                                                   "checking_pharmacist",
                                                   "checking_pharmacist_password"};
    return optional.count(name) > 0;
}

char gtinCheckDigit(std::string_view first13) {
    int sum = 0;
    for (size_t i = 0; i < first13.size(); ++i) {
        const int digit = first13[first13.size() - 1 - i] - '0';
        sum += digit * (i % 2 == 0 ? 3 : 1);
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

namespace {

// [SECTION] People --------------------------------------------------------------------------------

std::string sandboxPassword() {
    unsigned char bytes[12];
    randombytes_buf(bytes, sizeof bytes);
    char hex[sizeof bytes * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
    return std::string("validation-") + hex;
}

// Why `person` may not compound at the place (qualifications, role, account), ignoring what the
// scenario itself does (garbing) and the state of the room (which the scenarios check).
std::string personRefusal(ComplianceGate& gate, const std::string& person, const ValidationPlace& place,
                          TimePoint now) {
    usp797::GateRequest request;
    request.person = person;
    request.category = usp797::Category::Cat2;
    request.pec = place.pec;
    request.room = place.room;
    request.at = now;
    static const std::set<std::string> personal = {"unknown_person", "person_inactive",
                                                   "role_may_not_compound", "qualification_lapsed",
                                                   "not_qualified"};
    for (const auto& reason : gate.check(request, false).decision.reasons)
        if (personal.count(reason.code))
            return reason.message;
    return {};
}

class People {
public:
    People(store::Database& db, store::AuditLog& audit, store::ComplianceStore& compliance,
           ValidationData& data, TimePoint now)
        : m_auth(db, audit), m_compliance(compliance), m_data(data), m_now(now) {
        for (const auto& u : m_auth.users())
            if (u.active) {
                m_users.push_back(u);
                if (u.role == Role::Admin && !m_admin)
                    m_admin = u;
            }
        std::sort(m_users.begin(), m_users.end(),
                  [](const User& a, const User& b) { return a.username < b.username; });
    }

    [[nodiscard]] std::vector<User> withRole(Role role) const {
        std::vector<User> out;
        for (const auto& u : m_users)
            if (u.role == role)
                out.push_back(u);
        return out;
    }

    // `name` (and "<name>_password") is the site's `user`, given a password for this sandbox.
    void use(const std::string& name, const User& user, std::string why) {
        if (!m_admin) {
            unavailable(name,
                        "no active administrator among this site's users (the kit gives the people it uses a "
                        "sandbox password through one)");
            return;
        }
        // One password per person, however many parts they play.
        auto known = m_passwords.find(user.username);
        if (known == m_passwords.end()) {
            const std::string fresh = sandboxPassword();
            const auto reset = m_auth.resetSecrets(user.username, std::nullopt, fresh, *m_admin, m_now);
            if (!reset) {
                unavailable(name, user.username + ": " + reset.error().text());
                return;
            }
            known = m_passwords.emplace(user.username, fresh).first;
            // Every scenario starts with its people outside the room: one garbed at the station
            // right now leaves it in the sandbox (the scenarios garb them where they need it).
            if (const auto garbed = m_compliance.latestGarbing(user.username, m_now);
                garbed && !garbed->ended) {
                if (const auto ended = m_compliance.endGarbing(garbed->id, m_now); !ended) {
                    unavailable(name, user.username + ": cannot end the garbing session in the sandbox: " +
                                          ended.error().text());
                    return;
                }
                why += "; was garbed for " + garbed->room + ", left the room in the sandbox";
            }
        }
        const std::string& password = known->second;
        m_data.values[name] = user.username;
        m_data.values[name + "_password"] = password;
        m_data.report["people"].push_back({{"as", name},
                                           {"user", user.username},
                                           {"role", roleName(user.role)},
                                           {"from", "site"},
                                           {"why", why}});
    }

    // A validation account that exists only in the sandbox.
    void add(const std::string& name, Role role, const std::string& why) {
        if (!m_admin) {
            unavailable(
                name,
                "no active administrator among this site's users to add a validation account in the sandbox");
            return;
        }
        std::string username = "validation-" + name;
        for (int n = 2; m_auth.findByUsername(username); ++n)
            username = "validation-" + name + "-" + std::to_string(n);
        NewUser nu;
        nu.username = username;
        nu.displayName = "VALIDATION ACCOUNT (" + name + ")";
        nu.role = role;
        nu.password = sandboxPassword();
        const auto added = m_auth.addUser(nu, m_admin, m_now);
        if (!added) {
            unavailable(name, "validation account: " + added.error().text());
            return;
        }
        m_data.values[name] = username;
        m_data.values[name + "_password"] = *nu.password;
        m_data.report["people"].push_back({{"as", name},
                                           {"user", username},
                                           {"role", roleName(role)},
                                           {"from", "validation account, sandbox only"},
                                           {"why", why}});
    }

    void unavailable(const std::string& name, const std::string& why) {
        m_data.unavailable[name] = why;
        m_data.unavailable[name + "_password"] = why;
    }

private:
    Authenticator m_auth;
    store::ComplianceStore& m_compliance;
    ValidationData& m_data;
    TimePoint m_now;
    std::vector<User> m_users;
    std::optional<User> m_admin;
    std::map<std::string, std::string> m_passwords; // username -> sandbox password
};

// [SECTION] Recipes -------------------------------------------------------------------------------

json validationOrder(const formulas::Recipe& recipe, const json& dose) {
    json order{{"recipe", recipe.id},
               {"route", recipe.route},
               {"patient",
                {{"mrn", "VAL-0001"},
                 {"name", "VALIDATION, PATIENT"},
                 {"sex", "male"},
                 {"birth_date", "1956-03-14"},
                 {"weight_kg", 74},
                 {"height_cm", 172},
                 {"age_years", 70},
                 {"scr_mg_dl", 1.1}}},
               {"priority", "routine"},
               {"due", "2099-01-01T00:00:00Z"},
               {"prescriber", "Dr. V. Alidation"},
               {"comment", "validation order"}};
    if (!dose.is_null())
        order["dose"] = dose;
    return order;
}

struct Planned {
    json order;
    PrepSpec spec;
};

std::optional<Planned> plan(const formulas::Recipe& recipe, const formulas::Formulary& formulary,
                            const formulas::FormulasPolicy& policy) {
    std::vector<json> doses{json()};
    if (!recipe.ingredients.empty()) {
        const auto& rule = recipe.ingredients.front().dose;
        for (const auto& v : {rule.defaultValue, rule.minDose, rule.maxDose})
            if (v)
                doses.push_back({{"value", *v}, {"unit", rule.unit.text()}});
    }
    for (const auto& dose : doses) {
        const json order = validationOrder(recipe, dose);
        const auto input = parseOrderJson(order);
        if (!input)
            continue;
        store::OrderRow row;
        row.orderNumber = "VALIDATION";
        row.patientName = input->patientName;
        row.patientMrn = input->patientMrn;
        row.patientJson = input->patient.dump();
        row.recipeId = input->recipeId;
        row.doseJson = input->dose.dump();
        row.route = input->route;
        row.finalVolumeMl = input->finalVolumeMl;
        auto spec = specForOrder(row, formulary, policy);
        if (spec)
            return Planned{order, std::move(*spec)};
    }
    return std::nullopt;
}

// One vial drawn into one final container: the shape the full-flow scenarios walk through.
bool oneVialShape(const PrepSpec& spec) {
    static const std::vector<StepKind> shape = {StepKind::Scan, StepKind::Weigh,   StepKind::Photo,
                                                StepKind::Scan, StepKind::Confirm, StepKind::Photo,
                                                StepKind::Label};
    if (spec.steps.size() != shape.size())
        return false;
    for (size_t i = 0; i < shape.size(); ++i)
        if (spec.steps[i].kind != shape[i])
            return false;
    return spec.steps[0].scan.count == 1 && !spec.steps[0].scan.acceptedGtins.empty();
}

std::vector<const formulas::Recipe*> latestRecipes(const formulas::Formulary& formulary) {
    std::vector<const formulas::Recipe*> out;
    for (const auto& id : formulary.recipeIds())
        if (const auto* r = formulary.recipe(id))
            out.push_back(r);
    std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
    return out;
}

std::string place(const ValidationPlace& p) {
    return p.room + " / " + p.pec;
}

} // namespace

ValidationData prepareValidationData(store::Sandbox& sandbox, const formulas::Formulary& formulary,
                                     const formulas::FormulasPolicy& policy,
                                     const formulas::FormulasPolicy& reference, const ValidationPlace& where,
                                     TimePoint now) {
    ValidationData data;
    data.report = {{"people", json::array()}, {"recipes", json::array()}, {"products", json::array()}};
    store::Database db = store::openStationDatabase(store::databasePath(sandbox.dir()).string());
    store::AuditLog audit(db);
    store::ComplianceStore compliance(db, audit);
    StoreComplianceGate gate(compliance);

    // The room and the PEC of this station.
    const auto pecs = compliance.pecs();
    const auto pecIt =
        std::find_if(pecs.begin(), pecs.end(), [&](const usp797::Pec& p) { return p.code == where.pec; });
    if (where.room.empty() || where.pec.empty()) {
        data.unavailable["room"] = data.unavailable["pec"] =
            "the configuration names no room and PEC for this station ([station] room, pec)";
    } else if (pecIt == pecs.end()) {
        data.unavailable["room"] = data.unavailable["pec"] =
            "PEC " + where.pec + " of the configuration is not in this site's records";
    } else {
        data.values["room"] = where.room;
        data.values["pec"] = where.pec;
    }
    // A containment PEC for hazardous drugs, in its own room.
    const auto hd = std::find_if(pecs.begin(), pecs.end(), [](const usp797::Pec& p) { return p.hazardous; });
    if (hd == pecs.end()) {
        data.unavailable["hd_room"] = data.unavailable["hd_pec"] =
            "no containment PEC for hazardous drugs (BSC, CACI) in this site's records";
    } else {
        data.values["hd_room"] = hd->room;
        data.values["hd_pec"] = hd->code;
    }

    // People: the site's own, qualified where the scenario needs it; validation accounts for the rest.
    People people(db, audit, compliance, data, now);
    const ValidationPlace here = where;
    const auto qualified = [&](Role role) -> std::optional<User> {
        for (const auto& u : people.withRole(role))
            if (personRefusal(gate, u.username, here, now).empty())
                return u;
        return std::nullopt;
    };
    if (const auto tech = qualified(Role::Technician)) {
        people.use("technician", *tech, "qualified to compound in " + place(here));
    } else {
        const auto all = people.withRole(Role::Technician);
        people.unavailable("technician",
                           all.empty() ? "no active technician among this site's users"
                                       : "no technician of this site is qualified to compound in " +
                                             place(here) + " (" + all.front().username + ": " +
                                             personRefusal(gate, all.front().username, here, now) + ")");
    }
    const auto pharmacists = people.withRole(Role::Pharmacist);
    if (pharmacists.empty())
        people.unavailable("pharmacist", "no active pharmacist among this site's users");
    else
        people.use("pharmacist", pharmacists.front(), "enters the orders and checks the preparations");
    if (const auto rph = qualified(Role::Pharmacist)) {
        people.use("compounding_pharmacist", *rph, "a pharmacist qualified to compound in " + place(here));
        const auto other = std::find_if(pharmacists.begin(), pharmacists.end(),
                                        [&](const User& u) { return u.username != rph->username; });
        if (other != pharmacists.end())
            people.use("checking_pharmacist", *other, "a second pharmacist");
        else
            people.add("checking_pharmacist", Role::Pharmacist,
                       "this site has one pharmacist; the check needs a second one");
    } else {
        people.unavailable("compounding_pharmacist",
                           "no pharmacist of this site is qualified to compound in " + place(here) +
                               " (a pharmacist checking their own preparation needs one who made it)");
        people.unavailable("checking_pharmacist", "needed only with a compounding pharmacist");
    }
    people.add("unqualified_technician", Role::Technician, "a technician with no qualification records");

    // Recipes from the approved formulary: the one-vial recipe whose drug the formulary also holds in
    // another strength, and beside another drug, so that the most scenarios can run; the first
    // hazardous recipe that plans.
    const auto otherProducts = [&](const PrepSpec& spec) {
        const auto& scan = spec.steps[0].scan;
        const std::set<std::string> accepted(scan.acceptedGtins.begin(), scan.acceptedGtins.end());
        std::pair<const formulas::Product*, const formulas::Product*> found{
            nullptr, nullptr}; // other drug, other strength
        for (const auto& p : formulary.products()) {
            if (p.gtin.empty() || accepted.count(p.gtin))
                continue;
            if (p.drug != scan.drug && !found.first)
                found.first = &p;
            if (p.drug == scan.drug && !found.second)
                found.second = &p;
        }
        return found;
    };
    const formulas::Recipe* simple = nullptr;
    std::optional<Planned> simplePlan;
    int simpleScore = -1;
    const formulas::Recipe* hazardous = nullptr;
    std::optional<Planned> hazardousPlan;
    for (const auto* r : latestRecipes(formulary)) {
        if (r->hazardous() && hazardous)
            continue;
        auto planned = plan(*r, formulary, policy);
        if (!planned)
            continue;
        if (r->hazardous()) {
            hazardous = r;
            hazardousPlan = std::move(planned);
        } else if (oneVialShape(planned->spec)) {
            const auto [drug, strength] = otherProducts(planned->spec);
            const int score = (drug ? 1 : 0) + (strength ? 2 : 0);
            if (score > simpleScore) {
                simple = r;
                simplePlan = std::move(planned);
                simpleScore = score;
            }
        }
    }
    if (simple) {
        const auto& spec = simplePlan->spec;
        const auto& scan = spec.steps[0].scan;
        const double target = spec.steps[1].weigh.targetMl;
        // The draw scenarios test the shipped tolerance (a site band looser than it fails them).
        const double percent = reference.tolerancePercentFor(formulas::Volume::mL(target));
        data.values["order"] = simplePlan->order;
        data.values["recipe"] = simple->id;
        data.values["vial_gtin"] = scan.acceptedGtins.front();
        data.values["draw_over"] = 1.0 + 1.5 * percent / 100.0;
        data.values["draw_under"] = 1.0 - 1.5 * percent / 100.0;
        data.report["recipes"].push_back({{"as", "recipe"},
                                          {"recipe", simple->id},
                                          {"version", simple->version},
                                          {"title", spec.title},
                                          {"dose", spec.doseText},
                                          {"draw_ml", target},
                                          {"reference_tolerance_percent", percent}});
        // Products of another drug and of the same drug in another strength.
        const auto [otherDrug, otherStrength] = otherProducts(spec);
        if (otherDrug) {
            data.values["wrong_drug_gtin"] = otherDrug->gtin;
            data.report["products"].push_back(
                {{"as", "wrong drug"}, {"product", otherDrug->id}, {"gtin", otherDrug->gtin}});
        } else {
            data.unavailable["wrong_drug_gtin"] =
                "no product of a drug other than " + scan.drug + " in this formulary";
        }
        if (otherStrength) {
            data.values["wrong_strength_gtin"] = otherStrength->gtin;
            data.report["products"].push_back(
                {{"as", "wrong strength"}, {"product", otherStrength->id}, {"gtin", otherStrength->gtin}});
        } else {
            data.unavailable["wrong_strength_gtin"] =
                "no other strength of " + scan.drug + " in this formulary";
        }
    } else {
        const std::string why =
            "no approved non-hazardous recipe in this formulary that plans as one vial drawn into one "
            "final container (scan, weigh, photo, scan, mix, photo, label) for the validation patient";
        for (const char* name : {"order", "recipe", "vial_gtin", "draw_over", "draw_under", "wrong_drug_gtin",
                                 "wrong_strength_gtin"})
            data.unavailable[name] = why;
    }
    if (hazardous) {
        data.values["hd_order"] = hazardousPlan->order;
        data.report["recipes"].push_back({{"as", "hd_recipe"},
                                          {"recipe", hazardous->id},
                                          {"version", hazardous->version},
                                          {"title", hazardousPlan->spec.title},
                                          {"dose", hazardousPlan->spec.doseText}});
    } else {
        data.unavailable["hd_order"] =
            "no approved hazardous recipe in this formulary that plans for the validation patient";
    }
    // A well-formed GTIN that names no product of the formulary.
    for (int n = 0; n < 1000; ++n) {
        const std::string first13 = "0039999" + std::to_string(777770 + n); // 7 + 6 digits
        const std::string gtin = first13 + gtinCheckDigit(first13);
        if (formulary.productsForGtin(gtin).empty()) {
            data.values["unknown_gtin"] = gtin;
            break;
        }
    }
    json unavailable = json::object();
    for (const auto& [name, why] : data.unavailable)
        if (name.size() < 9 || name.compare(name.size() - 9, 9, "_password") != 0)
            unavailable[name] = why;
    data.report["unavailable"] = unavailable;
    return data;
}

} // namespace admix::workflow
