#include "station/hl7/order_message.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <set>

namespace admix::hl7 {

namespace {

Problem at(const Segment* s, int field, std::string code, std::string reason, int component = 0) {
    Problem p;
    p.segment = s ? s->id : std::string();
    p.sequence = s ? s->sequence : 1;
    p.field = field;
    p.component = component;
    p.code = std::move(code);
    p.reason = std::move(reason);
    return p;
}

OrderProblem refuse(const Segment* s, int field, std::string code, std::string reason, int component = 0) {
    return OrderProblem{AckCode::Error, at(s, field, std::move(code), std::move(reason), component)};
}

// A required segment that is not there: the ERR names the segment missing.
OrderProblem missing(const std::string& segment, std::string reason) {
    OrderProblem p{AckCode::Error, at(nullptr, 0, "100", std::move(reason))};
    p.problem.segment = segment;
    return p;
}

std::optional<double> number(std::string_view text) {
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ')
        text.remove_suffix(1);
    if (text.empty())
        return std::nullopt;
    if (text.front() == '+')
        text.remove_prefix(1);
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

std::string joinName(const std::string& family, const std::string& given, const std::string& middle) {
    std::string out = family;
    if (!given.empty())
        out += (out.empty() ? "" : ", ") + given;
    if (!middle.empty())
        out += " " + middle;
    return out;
}

std::optional<std::string> priorityOf(const std::string& code) {
    if (code == "S")
        return "stat";
    if (code == "A")
        return "urgent";
    if (code == "R" || code.empty())
        return "routine";
    return std::nullopt;
}

// Segment order of the message structures read here. Before ORC: the patient group; after it the
// order group. A segment of the patient group after ORC, or an order segment before it, is a
// sequence error; so are RXR or RXC before the RXE/RXO they belong to and OBX before RXE (RDE).
std::optional<Problem> checkOrder(const Message& m, bool rde) {
    static const std::set<std::string> kBefore{"PID", "PD1", "PV1", "PV2", "IN1",
                                               "IN2", "IN3", "GT1", "AL1", "SFT"};
    static const std::set<std::string> kAfter{"TQ1", "TQ2", "RXO", "RXE", "RXR", "RXC",
                                              "OBX", "FT1", "BLG", "CTI", "CTD", "RXD"};
    bool seenOrc = false, seenPid = false, seenRxe = false, seenRxo = false;
    for (size_t i = 1; i < m.segments().size(); ++i) {
        const Segment& s = m.segments()[i];
        if (s.id == "NTE" || s.id[0] == 'Z')
            continue;
        if (s.id == "ORC") {
            if (seenOrc)
                return at(&s, 0, "100", "a second ORC in one order group");
            seenOrc = true;
            continue;
        }
        if (kBefore.count(s.id)) {
            if (seenOrc)
                return at(&s, 0, "100", s.id + " after ORC: the patient segments come before the order");
            if (s.id == "PID")
                seenPid = true;
            if ((s.id == "PV1" || s.id == "PV2" || s.id == "PD1") && !seenPid)
                return at(&s, 0, "100", s.id + " before PID");
            continue;
        }
        if (kAfter.count(s.id)) {
            if (!seenOrc)
                return at(&s, 0, "100", s.id + " before ORC: the order segments follow ORC");
            if (s.id == "RXE") {
                if (seenRxe)
                    return at(&s, 0, "100", "a second RXE after one ORC: each order starts with its own ORC");
                seenRxe = true;
            } else if (s.id == "RXO") {
                if (seenRxe || seenRxo)
                    return at(&s, 0, "100", seenRxe ? "RXO after RXE" : "a second RXO");
                seenRxo = true;
            } else if ((s.id == "RXR" || s.id == "RXC") && !seenRxe && !seenRxo) {
                return at(&s, 0, "100", s.id + " before the RXE (or RXO) it belongs to");
            } else if (s.id == "OBX" && rde && !seenRxe) {
                return at(&s, 0, "100", "OBX before RXE: observations follow the encoded order");
            }
        }
    }
    if (!seenOrc) {
        Problem p = at(nullptr, 0, "100", "the message has no ORC segment");
        p.segment = "ORC";
        return p;
    }
    return std::nullopt;
}

} // namespace

const MixtureComponent* PharmacyOrder::firstAdditive() const {
    for (const auto& c : components)
        if (!c.base)
            return &c;
    return nullptr;
}

const MixtureComponent* PharmacyOrder::baseComponent() const {
    for (const auto& c : components)
        if (c.base)
            return &c;
    return nullptr;
}

std::optional<TimePoint> parseHl7Time(std::string_view text) {
    // Split off a +/-ZZZZ offset and a fraction of seconds.
    std::optional<int> offsetMinutes;
    const size_t sign = text.find_first_of("+-");
    if (sign != std::string_view::npos) {
        const std::string_view z = text.substr(sign + 1);
        if (z.size() != 4)
            return std::nullopt;
        for (char c : z)
            if (c < '0' || c > '9')
                return std::nullopt;
        const int minutes = ((z[0] - '0') * 10 + (z[1] - '0')) * 60 + (z[2] - '0') * 10 + (z[3] - '0');
        offsetMinutes = text[sign] == '-' ? -minutes : minutes;
        text = text.substr(0, sign);
    }
    if (const size_t dot = text.find('.'); dot != std::string_view::npos)
        text = text.substr(0, dot);
    if (text.size() < 8 || text.size() > 14 || text.size() % 2 == 1)
        return std::nullopt;
    for (char c : text)
        if (c < '0' || c > '9')
            return std::nullopt;
    auto num = [&text](size_t pos, size_t len) {
        int v = 0;
        for (size_t i = pos; i < pos + len && i < text.size(); ++i)
            v = v * 10 + (text[i] - '0');
        return v;
    };
    const int year = num(0, 4), month = num(4, 2), day = num(6, 2);
    const int hour = text.size() >= 10 ? num(8, 2) : 0;
    const int minute = text.size() >= 12 ? num(10, 2) : 0;
    const int second = text.size() >= 14 ? num(12, 2) : 0;
    const std::chrono::year_month_day ymd{std::chrono::year(year),
                                          std::chrono::month(static_cast<unsigned>(month)),
                                          std::chrono::day(static_cast<unsigned>(day))};
    if (!ymd.ok() || hour > 23 || minute > 59 || second > 59)
        return std::nullopt;
    if (offsetMinutes) {
        const auto t = std::chrono::sys_days(ymd) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                       std::chrono::seconds(second) - std::chrono::minutes(*offsetMinutes);
        return std::chrono::time_point_cast<std::chrono::seconds>(t);
    }
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    tm.tm_isdst = -1;
    const std::time_t t = std::mktime(&tm);
    if (t == static_cast<std::time_t>(-1))
        return std::nullopt;
    return TimePoint{std::chrono::seconds(t)};
}

std::variant<PharmacyOrder, OrderProblem> readPharmacyOrder(const Message& m) {
    const Header& h = m.header();
    const Segment* msh = m.find("MSH");
    const bool rde = h.messageType == "RDE" && h.triggerEvent == "O11";
    const bool orm = h.messageType == "ORM" && h.triggerEvent == "O01";
    if (!rde && !orm)
        return OrderProblem{
            AckCode::Reject,
            at(msh, 9, h.messageType == "RDE" || h.messageType == "ORM" ? "201" : "200",
               "message " + h.messageType + "^" + h.triggerEvent + " is not supported (RDE^O11, ORM^O01)")};
    if (auto p = checkOrder(m, rde))
        return OrderProblem{AckCode::Error, *p};

    PharmacyOrder o;
    const Segment* orc = m.find("ORC");
    o.control = m.value(*orc, 1);
    if (o.control != "NW" && o.control != "XO" && o.control != "DC" && o.control != "CA")
        return refuse(orc, 1, "103",
                      "order control '" + o.control +
                          "' is not supported (NW new, XO change, DC discontinue, CA cancel)");
    o.placer = m.value(*orc, 2, 1);
    if (o.placer.empty())
        return refuse(orc, 2, "101", "the placer order number is missing: it is the order's id");
    if (const std::string ns = m.value(*orc, 2, 2); !ns.empty())
        o.placer += "^" + ns;
    o.filler = m.value(*orc, 3, 1);
    if (o.control == "DC" || o.control == "CA")
        return o; // a discontinue needs only the order's id

    const Segment* pid = m.find("PID");
    if (!pid)
        return missing("PID", "the message has no PID segment: the patient is required");
    for (int r = 0; r < m.repetitions(*pid, 3); ++r) {
        if (m.value(*pid, 3, 5, 1, r) == "MR" || o.mrn.empty())
            o.mrn = m.value(*pid, 3, 1, 1, r);
        if (m.value(*pid, 3, 5, 1, r) == "MR")
            break;
    }
    if (o.mrn.empty())
        return refuse(pid, 3, "101", "the patient's medical record number is missing");
    o.patientName = joinName(m.value(*pid, 5, 1), m.value(*pid, 5, 2), m.value(*pid, 5, 3));
    if (o.patientName.empty())
        return refuse(pid, 5, "101", "the patient's name is missing");
    if (const std::string dob = m.value(*pid, 7); !dob.empty()) {
        const auto t = parseHl7Time(dob.substr(0, 8));
        if (!t || dob.size() < 8)
            return refuse(pid, 7, "102", "birth date '" + dob + "' is not a date (YYYYMMDD)");
        o.birthDate = Date{std::chrono::floor<std::chrono::days>(*t + std::chrono::hours(12))};
    }
    const std::string sex = m.value(*pid, 8);
    o.sex = sex == "M" ? "male" : sex == "F" ? "female" : "";
    if (const Segment* pv1 = m.find("PV1")) {
        o.location = m.value(*pv1, 3, 1);
        if (const std::string room = m.value(*pv1, 3, 2); !room.empty())
            o.location += " " + room;
        if (const std::string bed = m.value(*pv1, 3, 3); !bed.empty())
            o.location += "-" + bed;
    }
    o.prescriber = joinName(m.value(*orc, 12, 2), m.value(*orc, 12, 3), "");
    if (const std::string id = m.value(*orc, 12, 1); !id.empty())
        o.prescriber = o.prescriber.empty() ? id : o.prescriber + " (" + id + ")";

    const Segment* rxe = m.find("RXE");
    const Segment* rxo = m.find("RXO");
    if (rde && !rxe)
        return missing("RXE", "RDE^O11 needs an RXE segment");
    if (!rxe && !rxo)
        return missing("RXO", "ORM^O01 needs an RXO or RXE segment");
    if (o.prescriber.empty()) {
        if (rxe && !m.value(*rxe, 13, 1).empty())
            o.prescriber =
                joinName(m.value(*rxe, 13, 2), m.value(*rxe, 13, 3), "") + " (" + m.value(*rxe, 13, 1) + ")";
        else
            return refuse(orc, 12, "101", "the ordering provider is missing");
    }

    // Timing: TQ1 (2.5 and later), else ORC-7 / RXE-1 (TQ data type: .4 start, .6 priority).
    std::string priorityCode;
    std::string startText;
    const Segment* prioritySeg = nullptr;
    int priorityField = 0;
    if (const Segment* tq1 = m.find("TQ1")) {
        priorityCode = m.value(*tq1, 9, 1);
        startText = m.value(*tq1, 7, 1);
        prioritySeg = tq1;
        priorityField = 9;
    } else {
        const Segment* tqSeg = !m.raw(*orc, 7).empty() ? orc : rxe;
        const int tqField = tqSeg == orc ? 7 : 1;
        if (tqSeg) {
            priorityCode = m.value(*tqSeg, tqField, 6);
            startText = m.value(*tqSeg, tqField, 4);
            prioritySeg = tqSeg;
            priorityField = tqField;
        }
    }
    const auto priority = priorityOf(priorityCode);
    if (!priority)
        return refuse(prioritySeg, priorityField, "103",
                      "priority '" + priorityCode + "' is not supported (S stat, A ASAP, R routine)");
    o.priority = *priority;
    if (!startText.empty()) {
        o.start = parseHl7Time(startText);
        if (!o.start)
            return refuse(prioritySeg, priorityField == 9 ? 7 : priorityField, "102",
                          "start time '" + startText + "' is not a date/time (YYYYMMDDHHMM[SS][+ZZZZ])");
    }

    // What to give.
    if (rxe) {
        std::string raw;
        for (size_t i = 0; i < rxe->fields.size(); ++i)
            raw += (i ? std::string(1, m.delimiters().field) : std::string()) + rxe->fields[i];
        o.rxe = raw;
        o.giveCode = m.value(*rxe, 2, 1);
        o.giveText = m.value(*rxe, 2, 2);
        if (const std::string a = m.value(*rxe, 3); !a.empty()) {
            o.giveAmount = number(a);
            if (!o.giveAmount || *o.giveAmount <= 0)
                return refuse(rxe, 3, "102", "give amount '" + a + "' is not a positive number");
        }
        o.giveUnits = m.value(*rxe, 5, 1);
        if (o.giveAmount && o.giveUnits.empty())
            return refuse(rxe, 5, "101", "the give amount has no units");
        if (const std::string r = m.value(*rxe, 23); !r.empty()) {
            o.rate = number(r);
            if (!o.rate || *o.rate <= 0)
                return refuse(rxe, 23, "102", "rate '" + r + "' is not a positive number");
            o.rateUnits = m.value(*rxe, 24, 1);
        }
    } else {
        o.giveCode = m.value(*rxo, 1, 1);
        o.giveText = m.value(*rxo, 1, 2);
        if (const std::string a = m.value(*rxo, 2); !a.empty()) {
            o.giveAmount = number(a);
            if (!o.giveAmount || *o.giveAmount <= 0)
                return refuse(rxo, 2, "102", "requested give amount '" + a + "' is not a positive number");
        }
        o.giveUnits = m.value(*rxo, 4, 1);
    }

    // Route and components: those after RXE (RDE), else after RXO.
    bool afterGive = false;
    for (const auto& s : m.segments()) {
        if (&s == (rxe ? rxe : rxo))
            afterGive = true;
        if (!afterGive)
            continue;
        if (s.id == "RXR" && o.route.empty())
            o.route = m.value(s, 1, 1);
        if (s.id == "RXC") {
            MixtureComponent c;
            const std::string kind = m.value(s, 1);
            if (kind != "A" && kind != "B")
                return refuse(&s, 1, "103", "component type '" + kind + "' is not B (base) or A (additive)");
            c.base = kind == "B";
            c.code = m.value(s, 2, 1);
            c.text = m.value(s, 2, 2);
            if (c.code.empty())
                return refuse(&s, 2, "101", "the component has no code");
            const std::string a = m.value(s, 3);
            c.amount = number(a);
            if (!c.amount || *c.amount <= 0)
                return refuse(&s, 3, "102", "component amount '" + a + "' is not a positive number");
            c.units = m.value(s, 4, 1);
            if (c.units.empty())
                return refuse(&s, 4, "101", "the component amount has no units");
            o.components.push_back(std::move(c));
        }
    }
    if (rde && o.route.empty())
        return missing("RXR", "RDE^O11 needs an RXR segment with the route after RXE");
    if (o.giveCode.empty() && o.components.empty())
        return refuse(rxe ? rxe : rxo, rxe ? 2 : 1, "101", "the give code is missing");

    // Observations: weight, height, serum creatinine, units from OBX-6 converted.
    for (const auto& s : m.segments()) {
        if (s.id != "OBX")
            continue;
        const std::string code = m.value(s, 3, 1);
        const bool weight = code == "29463-7" || code == "3141-9";
        const bool height = code == "8302-2";
        const bool scr = code == "2160-0";
        if (!weight && !height && !scr)
            continue;
        const std::string text = m.value(s, 5);
        const auto v = number(text);
        if (!v || *v <= 0)
            return refuse(&s, 5, "102",
                          "observation " + code + " value '" + text + "' is not a positive number");
        const std::string unit = m.value(s, 6, 1);
        if (weight) {
            if (unit == "kg")
                o.weightKg = *v;
            else if (unit == "g")
                o.weightKg = *v / 1000.0;
            else if (unit == "[lb_av]" || unit == "lb" || unit == "lbs")
                o.weightKg = *v * 0.45359237;
            else
                return refuse(&s, 6, "103", "body weight unit '" + unit + "' is not known (kg, g, [lb_av])");
        } else if (height) {
            if (unit == "cm")
                o.heightCm = *v;
            else if (unit == "m")
                o.heightCm = *v * 100.0;
            else if (unit == "[in_i]" || unit == "in")
                o.heightCm = *v * 2.54;
            else
                return refuse(&s, 6, "103", "body height unit '" + unit + "' is not known (cm, m, [in_i])");
        } else {
            if (unit == "mg/dL")
                o.scrMgDl = *v;
            else if (unit == "umol/L")
                o.scrMgDl = *v / 88.42; // creatinine: 1 mg/dL = 88.42 umol/L
            else
                return refuse(&s, 6, "103",
                              "serum creatinine unit '" + unit + "' is not known (mg/dL, umol/L)");
        }
    }
    for (const auto& s : m.segments())
        if (s.id == "NTE")
            for (int r = 0; r < std::max(1, m.repetitions(s, 3)); ++r)
                if (const std::string note = m.value(s, 3, 1, 1, r); !note.empty())
                    o.notes.push_back(note);
    return o;
}

std::variant<std::vector<OrderGroup>, OrderProblem> readPharmacyOrders(const Message& m) {
    const auto& segments = m.segments();
    std::vector<size_t> orcs;
    for (size_t i = 0; i < segments.size(); ++i)
        if (segments[i].id == "ORC")
            orcs.push_back(i);
    std::vector<OrderGroup> out;
    if (orcs.size() <= 1) {
        auto one = readPharmacyOrder(m);
        if (auto* problem = std::get_if<OrderProblem>(&one))
            return *problem;
        out.push_back(OrderGroup{m, std::move(std::get<PharmacyOrder>(one))});
        return out;
    }
    std::vector<size_t> patient;
    for (size_t i = 0; i < orcs.front(); ++i)
        patient.push_back(i);
    for (size_t k = 0; k < orcs.size(); ++k) {
        std::vector<size_t> indices = patient;
        const size_t end = k + 1 < orcs.size() ? orcs[k + 1] : segments.size();
        for (size_t i = orcs[k]; i < end; ++i)
            indices.push_back(i);
        Message part = m.withSegments(indices);
        auto read = readPharmacyOrder(part);
        if (auto* problem = std::get_if<OrderProblem>(&read)) {
            problem->problem.reason = "order " + std::to_string(k + 1) + " of " +
                                      std::to_string(orcs.size()) + " (ORC(" + std::to_string(k + 1) +
                                      ")): " + problem->problem.reason;
            return *problem;
        }
        out.push_back(OrderGroup{std::move(part), std::move(std::get<PharmacyOrder>(read))});
    }
    return out;
}

} // namespace admix::hl7
