#include "usp797/gate.hpp"

#include "usp797/em.hpp"
#include "usp797/schedule.hpp"

#include <algorithm>

namespace admix::usp797 {

bool GateDecision::overridable() const {
    if (reasons.empty())
        return false;
    for (const auto& r : reasons) {
        if (!r.overridable)
            return false;
    }
    return true;
}

namespace {

bool policyAllowsOverride(const std::string& code, const SitePolicy& policy) {
    const std::string key = "gate.override." + code;
    return findPolicyKey(key) != nullptr && policy.flag(key);
}

} // namespace

std::vector<std::string> notOverridable(const std::vector<std::string>& codes, const SitePolicy& policy) {
    std::vector<std::string> out;
    for (const auto& code : codes) {
        if (!policyAllowsOverride(code, policy) && std::find(out.begin(), out.end(), code) == out.end())
            out.push_back(code);
    }
    return out;
}

bool overrideCovers(const std::vector<std::string>& overridden, const GateDecision& current,
                    const SitePolicy& policy) {
    if (current.reasons.empty())
        return false;
    for (const auto& r : current.reasons) {
        if (std::find(overridden.begin(), overridden.end(), r.code) == overridden.end() ||
            !policyAllowsOverride(r.code, policy))
            return false;
    }
    return true;
}

GateDecision evaluateGate(const GateRequest& req, const GateFacts& f, const SitePolicy& policy) {
    GateDecision d;
    const auto add = [&](const std::string& code, std::string message) {
        d.reasons.push_back({code, std::move(message), policyAllowsOverride(code, policy)});
    };
    const Date today = localDate(req.at); // the station's calendar day
    const std::string cat(categoryLabel(req.category));

    // The person
    if (!f.personRole) {
        add("unknown_person", "'" + req.person + "' is not a registered person");
    } else {
        if (!f.personActive)
            add("person_inactive", req.person + " is not active");
        if (*f.personRole != "technician" && *f.personRole != "pharmacist")
            add("role_may_not_compound",
                req.person + " is " + *f.personRole + "; only technicians and pharmacists compound");
        const QualificationState q = qualificationFor(f.qualifications, req.category, today, policy);
        if (!q.qualified) {
            std::string text = req.person + " is not qualified for " + cat + ": ";
            for (size_t i = 0; i < q.reasons.size(); ++i)
                text += (i ? "; " : "") + q.reasons[i];
            add(q.lapsed ? "qualification_lapsed" : "not_qualified", text);
        }
    }

    if (req.category == Category::Immediate && req.pec.empty()) {
        d.allowed = d.reasons.empty();
        return d;
    }

    // The PEC and its room
    if (!f.pec) {
        add("unknown_pec", "'" + req.pec + "' is not a registered PEC");
        d.allowed = false;
        return d;
    }
    if (!f.pec->allows(req.category))
        add("pec_not_for_category", f.pec->code + " is not approved for " + cat +
                                        " (allowed: " + categoryListText(f.pec->categories) + ")");
    if (!req.room.empty() && f.pec->room != req.room)
        add("pec_not_in_room", f.pec->code + " stands in room " + f.pec->room + ", not " + req.room);
    const bool containment = f.pec->type == PecType::Bsc || f.pec->type == PecType::Caci;
    if (req.hazardousDrug && (!f.pec->hazardous || !containment))
        add("pec_not_for_hazardous",
            "hazardous drug (USP <800>): needs a biological safety cabinet or containment "
            "isolator for hazardous drugs; " +
                f.pec->code + " is a " + std::string(pecTypeName(f.pec->type)) +
                (f.pec->hazardous ? "" : " not for hazardous drugs"));
    if (!f.room) {
        add("unknown_room", f.pec->code + " stands in room '" + f.pec->room + "', which is not registered");
        d.allowed = false;
        return d;
    }
    const Room& room = *f.room;
    const bool cat3 = req.category == Category::Cat3;
    if (req.hazardousDrug && !room.hazardous)
        add("room_not_for_hazardous",
            "hazardous drug (USP <800>): room " + room.code + " is not a hazardous-drug room");

    const auto certification = [&](const std::optional<Date>& last, const std::string& subject,
                                   const std::string& code) {
        const DueItem due = dueItem(ScheduleTask::Certification, subject, last,
                                    scheduleInterval(ScheduleTask::Certification, cat3, policy), today);
        if (!isCompliant(due.state))
            add(code, due.text);
    };
    certification(f.pec->certified, f.pec->code, "pec_certification_overdue");
    certification(room.certified, room.code, "room_certification_overdue");

    // Garbing (not needed for immediate use)
    if (req.category != Category::Immediate) {
        if (!f.garbing) {
            add("not_garbed", req.person + " has no garbing record for this entry into " + room.code);
        } else if (f.garbing->room != room.code) {
            add("not_garbed", req.person + " is garbed for " + f.garbing->room + ", not " + room.code);
        } else if ((room.hazardous || req.hazardousDrug) && !f.garbing->hazardous) {
            add("not_garbed", req.person + " garbed with the USP <797> procedure; " +
                                  (room.hazardous ? room.code + " is a hazardous-drug room"
                                                  : std::string("this is a hazardous drug")) +
                                  " (USP <800> procedure)");
        } else {
            for (const auto& p : garbingProblems(*f.garbing, req.at, policy))
                add(p.code, p.message);
        }
    }

    // Daily cleaning of the room and the PEC today
    const auto daily = [&](const std::optional<Date>& last, const std::string& area) {
        const DueItem due =
            dueItem(ScheduleTask::DailyCleaning, area, last, {1, Interval::Unit::Days}, today);
        if (due.state != DueState::Ok)
            add("daily_cleaning_missing", "daily cleaning of " + area + " not logged today");
    };
    daily(f.lastDailyCleaningRoom, room.code);
    daily(f.lastDailyCleaningPec, f.pec->code);

    // Room conditions today
    const SampledArea area{room.iso, room.pressure};
    const auto condition = [&](EmKind kind, const std::optional<double>& value, const std::string& notLogged,
                               const std::string& outOfRange, const std::string& label) {
        if (!value) {
            if (!notLogged.empty())
                add(notLogged, label + " of " + room.code + " not logged today");
            return;
        }
        EmSample s;
        s.at = req.at;
        s.kind = kind;
        s.room = room.code;
        s.value = *value;
        s.person = "gate";
        const auto e = evaluateSample(s, area, policy);
        if (!e)
            add(outOfRange, label + " of " + room.code + ": " + e.error().message);
        else if (e->excursion)
            add(outOfRange, label + " of " + room.code + " today: " + e->message);
    };
    if (room.pressure != PressureRegime::None)
        condition(EmKind::Pressure, f.pressureToday, "pressure_not_logged", "pressure_out_of_range",
                  "pressure");
    condition(EmKind::Temperature, f.temperatureToday, "temperature_not_logged", "temperature_out_of_range",
              "temperature");
    // Humidity is checked when logged; USP lists it as a recommendation logged with temperature.
    condition(EmKind::Humidity, f.humidityToday, "", "humidity_out_of_range", "relative humidity");

    // One preparation at a time per PEC (hood), unless the site lets a technician park one.
    if (!f.preparationsInProgress.empty() && !policy.flag("hood.parking_allowed")) {
        std::string busy;
        for (const auto& number : f.preparationsInProgress)
            busy += (busy.empty() ? "" : ", ") + number;
        add("pec_busy", f.pec->code + " already has preparation " + busy +
                            " in progress: finish or cancel it first (site policy hood.parking_allowed)");
    }

    for (const CorrectiveAction& ca : f.openExcursions) {
        if (ca.open() && ca.blocksRoom)
            add("open_excursion", "open excursion #" + std::to_string(ca.id) + " in " + room.code + " (" +
                                      ca.kind + ", sampled " + formatLocal(ca.sampledAt) +
                                      "): " + ca.summary + "; QA must close it");
    }

    d.allowed = d.reasons.empty();
    return d;
}

} // namespace admix::usp797
