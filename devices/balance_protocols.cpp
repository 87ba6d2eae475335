// The four line-oriented balance codecs. Each follows its vendor's manual; the tests in
// tests/devices/balance_protocols_test.cpp name the manual and page behind every accepted line.
#include "devices/balance.hpp"

#include "formulas/text.hpp"

#include <cmath>

namespace admix::devices {

using formulas::printable;
using formulas::trim;

// [SECTION] Shared helpers ------------------------------------------------------------------------

std::string_view balanceProtocolName(BalanceProtocolKind kind) {
    switch (kind) {
    case BalanceProtocolKind::MtSics:
        return "mt-sics";
    case BalanceProtocolKind::Sbi:
        return "sbi";
    case BalanceProtocolKind::AandD:
        return "and";
    case BalanceProtocolKind::Ohaus:
        return "ohaus";
    case BalanceProtocolKind::HidPos:
        return "hid-pos";
    }
    return "unknown";
}

std::optional<BalanceProtocolKind> parseBalanceProtocol(std::string_view name) {
    for (auto kind : {BalanceProtocolKind::MtSics, BalanceProtocolKind::Sbi, BalanceProtocolKind::AandD,
                      BalanceProtocolKind::Ohaus, BalanceProtocolKind::HidPos}) {
        if (name == balanceProtocolName(kind))
            return kind;
    }
    return std::nullopt;
}

std::string_view weightStatusName(WeightStatus status) {
    switch (status) {
    case WeightStatus::Stable:
        return "stable";
    case WeightStatus::Unstable:
        return "unstable";
    case WeightStatus::Overload:
        return "overload";
    case WeightStatus::Underload:
        return "underload";
    }
    return "unknown";
}

std::unique_ptr<BalanceProtocol> makeBalanceProtocol(BalanceProtocolKind kind) {
    switch (kind) {
    case BalanceProtocolKind::MtSics:
        return std::make_unique<MtSicsProtocol>();
    case BalanceProtocolKind::Sbi:
        return std::make_unique<SbiProtocol>();
    case BalanceProtocolKind::AandD:
        return std::make_unique<AandDProtocol>();
    case BalanceProtocolKind::Ohaus:
        return std::make_unique<OhausProtocol>();
    case BalanceProtocolKind::HidPos:
        return nullptr; // binary reports: see hid_scale.hpp
    }
    return nullptr;
}

std::optional<double> parseBalanceDecimal(std::string_view text) {
    text = trim(text);
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text = trim(text.substr(1));
    }
    if (text.empty() || text.size() > 20)
        return std::nullopt;
    double value = 0.0;
    double scale = 1.0;
    bool point = false;
    int digits = 0;
    for (const char c : text) {
        if (c == '.') {
            if (point)
                return std::nullopt;
            point = true;
        } else if (c >= '0' && c <= '9') {
            ++digits;
            value = value * 10.0 + (c - '0');
            if (point)
                scale *= 10.0;
        } else {
            return std::nullopt;
        }
    }
    if (digits == 0 || digits > 15)
        return std::nullopt;
    value /= scale;
    return negative ? -value : value;
}

namespace {

bool isPrintableLine(std::string_view line) {
    for (const unsigned char c : line) {
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

Result<BalanceReply> reject(std::string_view why, std::string_view line) {
    return Result<BalanceReply>::fail(std::string(why), "reply \"" + printable(line.substr(0, 64)) + "\"");
}

// Digits after the decimal point: the balance prints as many as its readability shows.
int decimalsOf(std::string_view number) {
    const auto point = number.find('.');
    if (point == std::string_view::npos)
        return 0;
    int n = 0;
    for (const char c : number.substr(point + 1))
        n += c >= '0' && c <= '9';
    return n;
}

BalanceReply weightReply(WeightStatus status, double value, MassUnit unit, int decimals) {
    BalanceReply r;
    r.decimals = decimals;
    r.kind = BalanceReply::Kind::Weight;
    r.status = status;
    r.value = value;
    r.unit = unit;
    return r;
}

BalanceReply simpleReply(BalanceReply::Kind kind, std::string detail) {
    BalanceReply r;
    r.kind = kind;
    r.detail = std::move(detail);
    return r;
}

BalanceReply rangeReply(WeightStatus status) {
    BalanceReply r;
    r.kind = BalanceReply::Kind::Weight;
    r.status = status;
    return r;
}

// Splits on runs of spaces.
std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ')
            ++i;
        size_t j = i;
        while (j < text.size() && text[j] != ' ')
            ++j;
        if (j > i)
            out.push_back(text.substr(i, j - i));
        i = j;
    }
    return out;
}

} // namespace

std::optional<std::string> BalanceProtocol::decodeIdentity(std::string_view line, IdentityField field) const {
    const auto reply = decodeLine(line);
    if (reply.ok()) {
        if (reply->kind != BalanceReply::Kind::Identity)
            return std::nullopt;
        const std::string& text = field == IdentityField::Model ? reply->model : reply->serial;
        if (text.empty())
            return std::nullopt;
        return text;
    }
    const auto text = trim(line);
    if (text.empty() || text.size() > 40 || !isPrintableLine(text))
        return std::nullopt;
    return std::string(text);
}

// [SECTION] Mettler Toledo MT-SICS -----------------------------------------------------------------
// Replies: "<ID> <status> [<value> <unit>]" or a quoted text; ES/ET/EL for command errors.

namespace {

std::optional<std::string> quotedText(std::string_view rest) {
    rest = trim(rest);
    if (rest.size() < 2 || rest.front() != '"' || rest.back() != '"')
        return std::nullopt;
    return std::string(rest.substr(1, rest.size() - 2));
}

} // namespace

Result<BalanceReply> MtSicsProtocol::decodeLine(std::string_view line) const {
    if (!isPrintableLine(line))
        return reject("control characters in an MT-SICS reply", line);
    const std::string_view text = trim(line);
    if (text == "ES")
        return simpleReply(BalanceReply::Kind::CommandError,
                           "syntax error: the balance did not recognise the command (ES)");
    if (text == "ET")
        return simpleReply(BalanceReply::Kind::CommandError, "transmission error (ET)");
    if (text == "EL")
        return simpleReply(BalanceReply::Kind::CommandError,
                           "logical error: the command cannot be carried out (EL)");
    const auto w = words(text);
    if (w.size() < 2)
        return reject("not an MT-SICS reply", line);
    const std::string_view id = w[0];
    const std::string_view status = w[1];

    if (id == "S" || id == "SI" || id == "SIR") {
        if (w.size() == 2) {
            if (status == "I")
                return simpleReply(BalanceReply::Kind::NotExecutable,
                                   "the balance cannot send a weight now (busy, or not stable in time)");
            if (status == "+")
                return rangeReply(WeightStatus::Overload);
            if (status == "-")
                return rangeReply(WeightStatus::Underload);
            return reject("unknown MT-SICS weight status", line);
        }
        if (w.size() != 4 || (status != "S" && status != "D"))
            return reject("an MT-SICS weight reply is \"S S|D <value> <unit>\"", line);
        const auto value = parseBalanceDecimal(w[2]);
        if (!value)
            return reject("the weight value is not a number", line);
        const auto unit = parseMassUnit(w[3]);
        if (!unit)
            return reject("the unit is not a unit of mass", line);
        return weightReply(status == "S" ? WeightStatus::Stable : WeightStatus::Unstable, *value, *unit,
                           decimalsOf(w[2]));
    }
    if (id == "Z" && w.size() == 2) {
        if (status == "A")
            return simpleReply(BalanceReply::Kind::Acknowledged, "zero set");
        if (status == "I")
            return simpleReply(BalanceReply::Kind::NotExecutable,
                               "zero not possible now (busy or not stable)");
        if (status == "+")
            return simpleReply(BalanceReply::Kind::NotExecutable, "zero not possible: above the zero range");
        if (status == "-")
            return simpleReply(BalanceReply::Kind::NotExecutable, "zero not possible: below the zero range");
        return reject("unknown MT-SICS zero status", line);
    }
    if (id == "T") {
        if (w.size() == 4 && status == "S") {
            if (!parseBalanceDecimal(w[2]) || !parseMassUnit(w[3]))
                return reject("the tare value is not a mass", line);
            return simpleReply(BalanceReply::Kind::Acknowledged,
                               "tare set to " + std::string(w[2]) + " " + std::string(w[3]));
        }
        if (w.size() == 2 && status == "I")
            return simpleReply(BalanceReply::Kind::NotExecutable,
                               "tare not possible now (busy or not stable)");
        if (w.size() == 2 && status == "+")
            return simpleReply(BalanceReply::Kind::NotExecutable,
                               "tare not possible: above the weighing range");
        if (w.size() == 2 && status == "-")
            return simpleReply(BalanceReply::Kind::NotExecutable,
                               "tare not possible: below the weighing range");
        return reject("unknown MT-SICS tare reply", line);
    }
    if ((id == "I2" || id == "I4") && status == "A") {
        const auto pos = text.find('"');
        const auto quoted = pos == std::string_view::npos ? std::nullopt : quotedText(text.substr(pos));
        if (!quoted)
            return reject("an MT-SICS identity reply carries a quoted text", line);
        BalanceReply r;
        r.kind = BalanceReply::Kind::Identity;
        if (id == "I4") {
            r.serial = *quoted;
        } else {
            // I2 gives "<type> <capacity> <unit>": keep the type, drop the capacity.
            auto parts = words(*quoted);
            if (parts.size() >= 3 && parseBalanceDecimal(parts[parts.size() - 2]) &&
                parseMassUnit(parts.back()))
                parts.resize(parts.size() - 2);
            std::string model;
            for (const auto p : parts)
                model += (model.empty() ? "" : " ") + std::string(p);
            r.model = model;
        }
        r.detail = *quoted;
        return r;
    }
    if ((id == "I2" || id == "I4") && w.size() == 2 && status == "I")
        return simpleReply(BalanceReply::Kind::NotExecutable, "the balance cannot report its identity now");
    return reject("not an MT-SICS reply this station understands", line);
}

// [SECTION] Sartorius SBI --------------------------------------------------------------------------
// 16-character lines (14 + CR LF): sign, space, 8 value characters, space, 3 unit characters; the unit
// is present only once the reading is stable. 22-character lines prefix a 6-character ID code.

Result<BalanceReply> SbiProtocol::decodeLine(std::string_view line) const {
    if (!isPrintableLine(line))
        return reject("control characters in an SBI line", line);
    std::string_view body = line;
    if (body.size() == 20)
        body = body.substr(6); // the 6-character ID code ("N     ", "Qnt   ", "Stat  ", ...)
    else if (body.size() != 14)
        return reject("an SBI line has 14 or 20 characters before CR LF", line);
    const std::string_view head = line.size() == 20 ? trim(line.substr(0, 6)) : std::string_view{};
    const std::string_view t = trim(body);
    if (t == "H")
        return rangeReply(WeightStatus::Overload);
    if (t == "L")
        return rangeReply(WeightStatus::Underload);
    if (t == "HH" || t == "LL")
        return reject("a checkweighing limit is not a weight", line);
    if (t == "C")
        return simpleReply(BalanceReply::Kind::NotExecutable, "the balance is adjusting");
    if (t.empty())
        return simpleReply(BalanceReply::Kind::NotExecutable, "the balance sent a blank display");
    if (t.rfind("Err", 0) == 0 || t.rfind("ERR", 0) == 0)
        return simpleReply(BalanceReply::Kind::CommandError,
                           "balance error " + std::string(trim(t.substr(3))));
    if (head == "Stat")
        return simpleReply(BalanceReply::Kind::NotExecutable, "the balance reports status " + std::string(t));

    const char sign = body[0];
    if (sign != '+' && sign != '-' && sign != ' ')
        return reject("an SBI weight starts with its sign", line);
    std::string value(1, sign == '-' ? '-' : '+');
    for (const char c : body.substr(1, 10)) {
        if (c == '[' || c == ']' || c == ' ')
            continue; // brackets mark non-verified digits; spaces blank leading zeros
        value += c;
    }
    const auto number = parseBalanceDecimal(value);
    if (!number)
        return reject("the SBI weight value is not a number", line);
    const std::string_view unitText = trim(body.substr(11));
    if (unitText.empty())
        return weightReply(WeightStatus::Unstable, *number, MassUnit::Gram,
                           decimalsOf(value)); // no unit while unstable: Gram stands in, never a weight
    const auto unit = parseMassUnit(unitText);
    if (!unit)
        return reject("the unit is not a unit of mass", line);
    return weightReply(WeightStatus::Stable, *number, *unit, decimalsOf(value));
}

// [SECTION] A&D ------------------------------------------------------------------------------------
// "ST,+00123.45  g": header, comma, 9-character value, 3-character unit. OL carries +/-9999999E+19.

Result<BalanceReply> AandDProtocol::decodeLine(std::string_view line) const {
    if (line == "\x06")
        return simpleReply(BalanceReply::Kind::Acknowledged, "acknowledged (AK)");
    if (!isPrintableLine(line))
        return reject("control characters in an A&D line", line);
    const std::string_view text = line;
    if (text.size() >= 4 && text.substr(0, 3) == "EC,")
        return simpleReply(BalanceReply::Kind::CommandError,
                           "balance error code " + std::string(trim(text.substr(3))));
    if (text.size() >= 3 &&
        (text.substr(0, 3) == "TN," || text.substr(0, 3) == "SN," || text.substr(0, 3) == "ID,")) {
        const auto v = trim(text.substr(3));
        if (v.empty())
            return reject("an empty identity reply", line);
        BalanceReply r;
        r.kind = BalanceReply::Kind::Identity;
        if (text[0] == 'S')
            r.serial = std::string(v);
        else
            r.model = std::string(v);
        r.detail = std::string(v);
        return r;
    }
    if (text.size() < 3 || text[2] != ',')
        return reject("an A&D line starts with a two-letter header and a comma", line);
    const std::string_view header = text.substr(0, 2);
    std::string_view rest = text.substr(3);
    // An optional comparison header ("OK,", "HI,", "LO,", "--,") follows the first.
    if (rest.size() >= 3 && rest[2] == ',' && (rest[0] < '0' || rest[0] > '9') && rest[0] != '+' &&
        rest[0] != '-')
        rest = rest.substr(3);
    if (header == "QT")
        return reject("a count (QT) is not a weight", line);
    if (header != "ST" && header != "US" && header != "OL")
        return reject("unknown A&D header", line);
    if (rest.size() != 12)
        return reject("an A&D weight is 9 value characters and 3 unit characters", line);
    const std::string_view valueText = rest.substr(0, 9);
    const std::string_view unitText = trim(rest.substr(9));
    if (header == "OL") {
        if (valueText.empty() || (valueText[0] != '+' && valueText[0] != '-'))
            return reject("an A&D out-of-range line carries a sign", line);
        return rangeReply(valueText[0] == '-' ? WeightStatus::Underload : WeightStatus::Overload);
    }
    const auto number = parseBalanceDecimal(valueText);
    if (!number)
        return reject("the A&D weight value is not a number", line);
    const auto unit = parseMassUnit(unitText);
    if (!unit)
        return reject("the unit is not a unit of mass", line);
    return weightReply(header == "ST" ? WeightStatus::Stable : WeightStatus::Unstable, *number, *unit,
                       decimalsOf(valueText));
}

// [SECTION] Ohaus ----------------------------------------------------------------------------------
// "     192.21 g  " stable, "       0.01 g ?" unstable: a right-justified value, the unit, '?' when
// not stable, optionally a time "00:00:15"; "ES" for an invalid command, "OK!" for an accepted one.

Result<BalanceReply> OhausProtocol::decodeLine(std::string_view line) const {
    if (!isPrintableLine(line))
        return reject("control characters in an Ohaus line", line);
    const std::string_view text = trim(line);
    if (text == "ES")
        return simpleReply(BalanceReply::Kind::CommandError, "the balance did not accept the command (ES)");
    if (text == "OK!")
        return simpleReply(BalanceReply::Kind::Acknowledged, "OK");
    auto w = words(text);
    if (w.empty())
        return reject("an empty Ohaus line", line);
    bool unstable = false;
    // A time stamp "hh:mm:ss" may close an interval print.
    if (w.size() >= 3 && w.back().size() == 8 && w.back()[2] == ':' && w.back()[5] == ':')
        w.pop_back();
    if (!w.empty() && w.back() == "?") {
        unstable = true;
        w.pop_back();
    }
    // The sign may stand apart from the digits ("-   12.3 g").
    if (w.size() == 3 && (w[0] == "-" || w[0] == "+")) {
        const bool neg = w[0] == "-";
        const auto number = parseBalanceDecimal(w[1]);
        const auto unit = parseMassUnit(w[2]);
        if (!number || !unit || w[1].front() == '-' || w[1].front() == '+')
            return reject("not an Ohaus weight line", line);
        return weightReply(unstable ? WeightStatus::Unstable : WeightStatus::Stable, neg ? -*number : *number,
                           *unit, decimalsOf(w[1]));
    }
    if (w.size() != 2)
        return reject("not an Ohaus weight line (value, unit, optional ?)", line);
    const auto number = parseBalanceDecimal(w[0]);
    if (!number)
        return reject("the Ohaus weight value is not a number", line);
    const auto unit = parseMassUnit(w[1]);
    if (!unit)
        return reject("the unit is not a unit of mass", line);
    return weightReply(unstable ? WeightStatus::Unstable : WeightStatus::Stable, *number, *unit,
                       decimalsOf(w[0]));
}

} // namespace admix::devices
