#include "formulas/gs1.hpp"

#include <algorithm>

#include "formulas/text.hpp"

#include <array>
#include <chrono>

// [SECTION] index: AI table | check digits and dates | input normalisation | field validation |
//                  raw parser | human-readable parser | parseGs1 | output

namespace admix::formulas {

namespace {

constexpr char kGs = '\x1D';

// [SECTION] AI table ------------------------------------------------------------------------------
// From the GS1 General Specifications (section 3, AI definitions). `predefined` marks AIs whose
// length is fixed by their first two digits (figure 7.8.5-2), which need no GS after them; a GS
// after any other fixed-length field is still accepted, as many encoders put one there.

enum class Charset { Numeric, Alphanumeric };
enum class Check { None, Mod10, Date, DateTime };

struct AiSpec {
    std::string_view ai;
    std::string_view title;
    int minLen;
    int maxLen;
    Charset charset;
    Check check;
    bool predefined;
};

constexpr std::array kAis = {
    AiSpec{"00", "SSCC", 18, 18, Charset::Numeric, Check::Mod10, true},
    AiSpec{"01", "GTIN", 14, 14, Charset::Numeric, Check::Mod10, true},
    AiSpec{"02", "CONTENT", 14, 14, Charset::Numeric, Check::Mod10, true},
    AiSpec{"10", "BATCH/LOT", 1, 20, Charset::Alphanumeric, Check::None, false},
    AiSpec{"11", "PROD DATE", 6, 6, Charset::Numeric, Check::Date, true},
    AiSpec{"12", "DUE DATE", 6, 6, Charset::Numeric, Check::Date, true},
    AiSpec{"13", "PACK DATE", 6, 6, Charset::Numeric, Check::Date, true},
    AiSpec{"15", "BEST BEFORE", 6, 6, Charset::Numeric, Check::Date, true},
    AiSpec{"16", "SELL BY", 6, 6, Charset::Numeric, Check::Date, true},
    AiSpec{"17", "USE BY OR EXPIRY", 6, 6, Charset::Numeric, Check::Date, true},
    AiSpec{"20", "VARIANT", 2, 2, Charset::Numeric, Check::None, true},
    AiSpec{"21", "SERIAL", 1, 20, Charset::Alphanumeric, Check::None, false},
    AiSpec{"22", "CPV", 1, 20, Charset::Alphanumeric, Check::None, false},
    AiSpec{"235", "TPX", 1, 28, Charset::Alphanumeric, Check::None, false},
    AiSpec{"240", "ADDITIONAL ID", 1, 30, Charset::Alphanumeric, Check::None, false},
    AiSpec{"241", "CUST. PART No.", 1, 30, Charset::Alphanumeric, Check::None, false},
    AiSpec{"242", "MTO VARIANT", 1, 6, Charset::Numeric, Check::None, false},
    AiSpec{"250", "SECONDARY SERIAL", 1, 30, Charset::Alphanumeric, Check::None, false},
    AiSpec{"30", "VAR. COUNT", 1, 8, Charset::Numeric, Check::None, false},
    AiSpec{"37", "COUNT", 1, 8, Charset::Numeric, Check::None, false},
    AiSpec{"400", "ORDER NUMBER", 1, 30, Charset::Alphanumeric, Check::None, false},
    AiSpec{"410", "SHIP TO LOC", 13, 13, Charset::Numeric, Check::Mod10, true},
    AiSpec{"411", "BILL TO", 13, 13, Charset::Numeric, Check::Mod10, true},
    AiSpec{"412", "PURCHASE FROM", 13, 13, Charset::Numeric, Check::Mod10, true},
    AiSpec{"413", "SHIP FOR LOC", 13, 13, Charset::Numeric, Check::Mod10, true},
    AiSpec{"414", "LOC No.", 13, 13, Charset::Numeric, Check::Mod10, true},
    AiSpec{"415", "PAY TO", 13, 13, Charset::Numeric, Check::Mod10, true},
    AiSpec{"416", "PROD/SERV LOC", 13, 13, Charset::Numeric, Check::Mod10, true},
    AiSpec{"422", "ORIGIN", 3, 3, Charset::Numeric, Check::None, false},
    AiSpec{"7003", "EXPIRY TIME", 10, 10, Charset::Numeric, Check::DateTime, false},
    AiSpec{"710", "NHRN PZN", 1, 20, Charset::Alphanumeric, Check::None, false},
    AiSpec{"711", "NHRN CIP", 1, 20, Charset::Alphanumeric, Check::None, false},
    AiSpec{"712", "NHRN CN", 1, 20, Charset::Alphanumeric, Check::None, false},
    AiSpec{"713", "NHRN DRN", 1, 20, Charset::Alphanumeric, Check::None, false},
    AiSpec{"714", "NHRN AIM", 1, 20, Charset::Alphanumeric, Check::None, false},
    AiSpec{"715", "NHRN NDC", 1, 20, Charset::Alphanumeric, Check::None, false},
    AiSpec{"90", "INTERNAL", 1, 30, Charset::Alphanumeric, Check::None, false},
    AiSpec{"91", "INTERNAL", 1, 90, Charset::Alphanumeric, Check::None, false},
    AiSpec{"92", "INTERNAL", 1, 90, Charset::Alphanumeric, Check::None, false},
    AiSpec{"93", "INTERNAL", 1, 90, Charset::Alphanumeric, Check::None, false},
    AiSpec{"94", "INTERNAL", 1, 90, Charset::Alphanumeric, Check::None, false},
    AiSpec{"95", "INTERNAL", 1, 90, Charset::Alphanumeric, Check::None, false},
    AiSpec{"96", "INTERNAL", 1, 90, Charset::Alphanumeric, Check::None, false},
    AiSpec{"97", "INTERNAL", 1, 90, Charset::Alphanumeric, Check::None, false},
    AiSpec{"98", "INTERNAL", 1, 90, Charset::Alphanumeric, Check::None, false},
    AiSpec{"99", "INTERNAL", 1, 90, Charset::Alphanumeric, Check::None, false},
};

// Trade measures 310n..369n: four digits, n = implied decimal places, six digits of value. Their
// length is predefined by the first two digits (31-36).
constexpr AiSpec kMeasure{"", "MEASURE", 6, 6, Charset::Numeric, Check::None, true};

bool isMeasureAi(std::string_view ai) {
    return ai.size() == 4 && isAllDigits(ai) && ai[0] == '3' && ai[1] >= '1' && ai[1] <= '6';
}

// The AI at the start of `text`, if any. GS1 AIs are prefix-free, so at most one length matches.
std::optional<AiSpec> lookupPrefix(std::string_view text) {
    for (const auto& spec : kAis) {
        if (text.substr(0, spec.ai.size()) == spec.ai)
            return spec;
    }
    if (text.size() >= 4 && isMeasureAi(text.substr(0, 4))) {
        AiSpec s = kMeasure;
        s.ai = text.substr(0, 4);
        return s;
    }
    return std::nullopt;
}

std::optional<AiSpec> lookupExact(std::string_view ai) {
    for (const auto& spec : kAis) {
        if (spec.ai == ai)
            return spec;
    }
    if (isMeasureAi(ai)) {
        AiSpec s = kMeasure;
        s.ai = ai;
        return s;
    }
    return std::nullopt;
}

std::string label(const AiSpec& spec, std::string_view ai) {
    return "AI (" + std::string(ai) + ") " + std::string(spec.title);
}

// GS1 AI encodable character set 82 (General Specifications figure 7.11-1).
bool inCharset82(char c) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '"':
    case '%':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case '-':
    case '.':
    case '/':
    case ':':
    case ';':
    case '<':
    case '=':
    case '>':
    case '?':
    case '_':
        return true;
    default:
        return false;
    }
}

} // namespace

// [SECTION] check digits and dates ----------------------------------------------------------------

int gs1CheckDigit(std::string_view digits) {
    if (!isAllDigits(digits))
        return -1;
    int sum = 0;
    int weight = 3;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        sum += (*it - '0') * weight;
        weight = weight == 3 ? 1 : 3;
    }
    return (10 - sum % 10) % 10;
}

bool gs1CheckDigitValid(std::string_view digits) {
    if (digits.size() < 2 || !isAllDigits(digits))
        return false;
    return gs1CheckDigit(digits.substr(0, digits.size() - 1)) == digits.back() - '0';
}

namespace {

int twoDigits(std::string_view s, size_t pos) {
    return (s[pos] - '0') * 10 + (s[pos + 1] - '0');
}

// GS1 General Specifications 7.12: the century that puts YY within -49..+50 years of today.
int fullYear(int yy, int referenceYear) {
    const int century = referenceYear - ((referenceYear % 100) + 100) % 100;
    const int diff = yy - ((referenceYear % 100) + 100) % 100;
    if (diff >= 51)
        return century - 100 + yy;
    if (diff <= -50)
        return century + 100 + yy;
    return century + yy;
}

constexpr std::array<std::string_view, 12> kMonths = {"January",   "February", "March",    "April",
                                                      "May",       "June",     "July",     "August",
                                                      "September", "October",  "November", "December"};

} // namespace

Result<Date> parseGs1Date(std::string_view yymmdd, int referenceYear, bool dayZeroAllowed) {
    if (yymmdd.size() != 6 || !isAllDigits(yymmdd))
        return Result<Date>::fail("a date must be 6 digits YYMMDD, not '" + printable(yymmdd) + "'");
    const int yy = twoDigits(yymmdd, 0);
    const int mm = twoDigits(yymmdd, 2);
    const int dd = twoDigits(yymmdd, 4);
    if (mm < 1 || mm > 12)
        return Result<Date>::fail("'" + std::string(yymmdd) + "' has month " + std::to_string(mm) +
                                  ", which does not exist (YYMMDD)");
    using namespace std::chrono;
    const year y{fullYear(yy, referenceYear)};
    const month m{static_cast<unsigned>(mm)};
    if (dd == 0) {
        if (!dayZeroAllowed)
            return Result<Date>::fail("'" + std::string(yymmdd) + "' has day 00, which is not allowed here");
        return Date{year_month_day_last{y, month_day_last{m}}};
    }
    const Date date{y, m, day{static_cast<unsigned>(dd)}};
    if (!date.ok())
        return Result<Date>::fail("'" + std::string(yymmdd) +
                                  "' is not a real date: " + std::string(kMonths[mm - 1]) + " " +
                                  std::to_string(static_cast<int>(y)) + " has no day " + std::to_string(dd));
    return date;
}

std::optional<std::string> Gs1Data::get(std::string_view ai) const {
    for (const auto& e : ais) {
        if (e.ai == ai)
            return e.value;
    }
    return std::nullopt;
}

namespace {

// [SECTION] input normalisation -------------------------------------------------------------------

std::string replaceAll(const std::string& text, std::string_view from) {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    for (;;) {
        // Case-insensitive search so that "<gs>" and "<GS>" both work.
        size_t hit = std::string::npos;
        for (size_t i = pos; i + from.size() <= text.size(); ++i) {
            if (iequals(std::string_view(text).substr(i, from.size()), from)) {
                hit = i;
                break;
            }
        }
        if (hit == std::string::npos) {
            out.append(text, pos, std::string::npos);
            return out;
        }
        out.append(text, pos, hit - pos);
        out += kGs;
        pos = hit + from.size();
    }
}

std::string unescapeGs(std::string_view text) {
    std::string s(text);
    for (const std::string_view esc :
         {"^]", "<GS>", "{GS}", "[GS]", "\\x1D", "\\u001D", "<FNC1>", "{FNC1}", "[FNC1]"})
        s = replaceAll(s, esc);
    return s;
}

struct Stripped {
    std::string_view body;
    std::string symbology;
};

Result<Stripped> stripAim(std::string_view text) {
    if (text.size() < 3 || text[0] != ']')
        return Stripped{text, ""};
    const std::string_view id = text.substr(0, 3);
    if (id == "]d2")
        return Stripped{text.substr(3), "GS1 DataMatrix"};
    if (id == "]C1")
        return Stripped{text.substr(3), "GS1-128"};
    if (id == "]Q3")
        return Stripped{text.substr(3), "GS1 QR"};
    if (id == "]e0")
        return Stripped{text.substr(3), "GS1 DataBar"};
    if (id == "]J1")
        return Stripped{text.substr(3), "GS1 DotCode"};
    if (id == "]E0")
        return Stripped{text.substr(3), "EAN/UPC"};
    return Result<Stripped>::fail("the scanner reports symbology " + printable(id) +
                                  ", which is not a GS1 barcode (expected ]d2, ]C1, ]Q3, ]e0 or ]E0)");
}

// [SECTION] field validation ----------------------------------------------------------------------

Status checkValue(const AiSpec& spec, std::string_view ai, std::string_view value, int referenceYear) {
    const std::string where = label(spec, ai);
    const int len = static_cast<int>(value.size());
    if (len == 0)
        return Status::fail("the field is empty", where);
    if (spec.minLen == spec.maxLen && len != spec.minLen)
        return Status::fail("must be exactly " + std::to_string(spec.minLen) + " characters, found " +
                                std::to_string(len) + " ('" + printable(value) +
                                "'); the code is damaged or was misread",
                            where);
    if (len > spec.maxLen)
        return Status::fail("is " + std::to_string(len) + " characters long but may have at most " +
                                std::to_string(spec.maxLen) + " ('" + printable(value) +
                                "'); a group separator (GS) may be missing after it",
                            where);
    if (len < spec.minLen)
        return Status::fail("is too short: " + std::to_string(len) + " characters, needs at least " +
                                std::to_string(spec.minLen),
                            where);
    if (spec.charset == Charset::Numeric) {
        if (!isAllDigits(value))
            return Status::fail("must be digits only, found '" + printable(value) + "'", where);
    } else {
        for (size_t i = 0; i < value.size(); ++i) {
            if (!inCharset82(value[i]))
                return Status::fail("contains '" + printable(value.substr(i, 1)) + "' at position " +
                                        std::to_string(i + 1) + ", which a GS1 barcode may not carry",
                                    where);
        }
    }
    switch (spec.check) {
    case Check::None:
        break;
    case Check::Mod10: {
        const int expected = gs1CheckDigit(value.substr(0, value.size() - 1));
        if (expected != value.back() - '0')
            return Status::fail(std::string(value) + " has check digit " + std::string(1, value.back()) +
                                    " but should end in " + std::to_string(expected) +
                                    ": the code is damaged or was misread, scan again",
                                where);
        break;
    }
    case Check::Date: {
        const auto date = parseGs1Date(value, referenceYear, true);
        if (!date)
            return Status::fail(date.error().message, where);
        break;
    }
    case Check::DateTime: {
        const auto date = parseGs1Date(value.substr(0, 6), referenceYear, false);
        if (!date)
            return Status::fail(date.error().message, where);
        const int hh = twoDigits(value, 6);
        const int mi = twoDigits(value, 8);
        if (hh > 23 || mi > 59)
            return Status::fail("time " + std::string(value.substr(6)) + " is not a real time (HHMM)", where);
        break;
    }
    }
    return Status::success();
}

// [SECTION] raw parser ----------------------------------------------------------------------------

Result<std::vector<Gs1Element>> parseRaw(std::string_view s, int referenceYear) {
    std::vector<Gs1Element> out;
    size_t pos = 0;
    while (pos < s.size()) {
        if (s[pos] == kGs) { // separators between fields (and a leading FNC1) carry no data
            ++pos;
            continue;
        }
        const auto spec = lookupPrefix(s.substr(pos));
        if (!spec) {
            const std::string_view head = s.substr(pos, 4);
            return Result<std::vector<Gs1Element>>::fail(
                "no GS1 application identifier starts with '" + printable(head) + "' (at character " +
                std::to_string(pos + 1) + "); this is not a GS1 code, or a separator is missing before it");
        }
        const std::string ai(spec->ai);
        pos += ai.size();
        std::string_view value;
        if (spec->minLen == spec->maxLen) {
            const size_t avail = std::min(s.size() - pos, static_cast<size_t>(spec->maxLen));
            const size_t gs = s.substr(pos, avail).find(kGs);
            const size_t got = gs == std::string_view::npos ? avail : gs;
            if (got < static_cast<size_t>(spec->maxLen))
                return Result<std::vector<Gs1Element>>::fail(
                    "is cut short: needs " + std::to_string(spec->maxLen) + " characters, found " +
                        std::to_string(got) + " ('" + printable(s.substr(pos, got)) +
                        "'); scan the whole code",
                    label(*spec, ai));
            value = s.substr(pos, got);
            pos += got;
        } else {
            size_t end = s.find(kGs, pos);
            if (end == std::string_view::npos)
                end = s.size();
            value = s.substr(pos, end - pos);
            pos = end;
        }
        if (auto ok = checkValue(*spec, ai, value, referenceYear); !ok)
            return ok.error();
        out.push_back({ai, std::string(spec->title), std::string(value)});
    }
    return out;
}

// [SECTION] human-readable parser -----------------------------------------------------------------

// "(AI)" at `pos` with a known AI; returns the AI and the position after ')'.
std::optional<std::pair<std::string, size_t>> aiInParens(std::string_view s, size_t pos) {
    if (pos >= s.size() || s[pos] != '(')
        return std::nullopt;
    const size_t close = s.find(')', pos + 1);
    if (close == std::string_view::npos || close - pos - 1 < 2 || close - pos - 1 > 4)
        return std::nullopt;
    const std::string_view ai = s.substr(pos + 1, close - pos - 1);
    if (!isAllDigits(ai))
        return std::nullopt;
    return std::make_pair(std::string(ai), close + 1);
}

Result<std::vector<Gs1Element>> parseHumanReadable(std::string_view s, int referenceYear) {
    std::vector<Gs1Element> out;
    size_t pos = 0;
    while (pos < s.size()) {
        if (s[pos] == kGs || s[pos] == ' ') {
            ++pos;
            continue;
        }
        const auto head = aiInParens(s, pos);
        if (!head)
            return Result<std::vector<Gs1Element>>::fail(
                "expected an application identifier in parentheses like (01) at character " +
                std::to_string(pos + 1) + ", found '" + printable(s.substr(pos, 6)) + "'");
        const auto spec = lookupExact(head->first);
        if (!spec)
            return Result<std::vector<Gs1Element>>::fail(
                "(" + head->first + ") is not a GS1 application identifier this station knows",
                "character " + std::to_string(pos + 1));
        // The value runs to the next "(AI)" with a known AI, or to the end. Fixed-length fields stop
        // at their length so that a '(' inside a lot does not end the field early.
        size_t end = head->second;
        if (spec->minLen == spec->maxLen) {
            end = std::min(s.size(), head->second + static_cast<size_t>(spec->maxLen));
        } else {
            while (end < s.size()) {
                if (s[end] == kGs)
                    break;
                if (const auto next = aiInParens(s, end); next && lookupExact(next->first))
                    break;
                ++end;
            }
        }
        std::string_view value = s.substr(head->second, end - head->second);
        if (const size_t gs = value.find(kGs); gs != std::string_view::npos) {
            value = value.substr(0, gs);
            end = head->second + gs;
        }
        // Labels print spaces between groups; a space is never part of a GS1 value.
        while (!value.empty() && value.back() == ' ')
            value.remove_suffix(1);
        if (auto ok = checkValue(*spec, head->first, value, referenceYear); !ok)
            return ok.error();
        out.push_back({head->first, std::string(spec->title), std::string(value)});
        pos = end;
    }
    return out;
}

// A variable-length field swallows the rest of the code when the scanner drops a GS: a lot
// "A1B217271231" may really be lot "A1B2" and expiry 2027-12-31. GS1 cannot tell these apart, so
// say so instead of guessing.
void warnIfSwallowed(const Gs1Element& e, int referenceYear, std::vector<std::string>& warnings) {
    for (size_t i = 1; i + 8 <= e.value.size(); ++i) {
        const std::string_view tail = std::string_view(e.value).substr(i);
        const std::string_view ai = tail.substr(0, 2);
        if ((ai == "17" || ai == "11") && tail.size() >= 8 && isAllDigits(tail.substr(2, 6)) &&
            parseGs1Date(tail.substr(2, 6), referenceYear).ok()) {
            warnings.push_back("AI (" + e.ai + ") '" + e.value + "' contains '" +
                               std::string(tail.substr(0, 8)) + "', which reads like AI (" + std::string(ai) +
                               ") with a date: check that the scanner sends GS separators");
            return;
        }
    }
}

int currentUtcYear() {
    const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    return static_cast<int>(std::chrono::year_month_day{today}.year());
}

} // namespace

// [SECTION] parseGs1 ------------------------------------------------------------------------------

Result<Gs1Data> parseGs1(std::string_view text) {
    return parseGs1(text, currentUtcYear());
}

Result<Gs1Data> parseGs1(std::string_view text, int referenceYear) {
    // Scanners end a read with CR and/or LF; people paste spaces around it.
    const std::string_view trimmed = trim(text);
    if (trimmed.empty())
        return Result<Gs1Data>::fail("nothing was scanned (the code is empty)");
    if (trimmed.size() > 512)
        return Result<Gs1Data>::fail(
            "the code is " + std::to_string(trimmed.size()) +
            " characters long, far more than a GS1 label carries; this is not one barcode");
    const std::string unescaped = unescapeGs(trimmed);
    const auto stripped = stripAim(unescaped);
    if (!stripped)
        return stripped.error();
    std::string_view body = stripped->body;
    while (!body.empty() && body.front() == kGs)
        body.remove_prefix(1);
    if (body.empty())
        return Result<Gs1Data>::fail("the code holds no data after its symbology identifier");
    if (stripped->symbology == "EAN/UPC") {
        // A linear UPC-A (12 digits, or 13 with a leading 0) or EAN-13: a GTIN alone, no lot, no
        // expiry. A US drug's UPC-A is 3 + the NDC's 10 digits + a check digit.
        const bool digits =
            std::all_of(body.begin(), body.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || (body.size() != 12 && body.size() != 13))
            return Result<Gs1Data>::fail(
                "a UPC-A has 12 digits and an EAN-13 13, not '" + printable(body) + "'", "EAN/UPC barcode");
        if (!gs1CheckDigitValid(body))
            return Result<Gs1Data>::fail("the check digit is wrong: the barcode was misread, scan it again",
                                         "EAN/UPC barcode");
        Gs1Data data;
        const std::string gtin14 = std::string(14 - body.size(), '0') + std::string(body);
        data.symbology = gtin14[1] == '0' ? "UPC-A" : "EAN-13";
        data.gtin = gtin14;
        data.ais.push_back({"01", "GTIN", gtin14});
        return data;
    }

    const auto elements =
        body.front() == '(' ? parseHumanReadable(body, referenceYear) : parseRaw(body, referenceYear);
    if (!elements)
        return elements.error();

    Gs1Data data;
    data.symbology = stripped->symbology;
    for (const auto& e : *elements) {
        for (const auto& seen : data.ais) {
            if (seen.ai == e.ai && seen.value != e.value)
                return Result<Gs1Data>::fail("appears twice with different values ('" +
                                                 printable(seen.value) + "' and '" + printable(e.value) +
                                                 "'); the label is not valid",
                                             "AI (" + e.ai + ") " + e.title);
        }
        if (e.ai == "01")
            data.gtin = e.value;
        else if (e.ai == "17")
            data.expiry = parseGs1Date(e.value, referenceYear).value();
        else if (e.ai == "11")
            data.productionDate = parseGs1Date(e.value, referenceYear).value();
        else if (e.ai == "10")
            data.lot = e.value;
        else if (e.ai == "21")
            data.serial = e.value;
        else if (e.ai.size() == 3 && e.ai >= "710" && e.ai <= "715") {
            if (!data.nationalCode.empty() && data.nationalCodeAi != e.ai)
                return Result<Gs1Data>::fail("the code carries two national reimbursement numbers (AI " +
                                             data.nationalCodeAi + " and AI " + e.ai +
                                             "); a GS1 label carries at most one");
            data.nationalCode = e.value;
            data.nationalCodeAi = e.ai;
        }
        data.ais.push_back(e);
    }
    for (const auto& e : data.ais) {
        const auto spec = lookupExact(e.ai);
        if (spec && spec->minLen != spec->maxLen)
            warnIfSwallowed(e, referenceYear, data.warnings);
    }
    return data;
}

// [SECTION] output --------------------------------------------------------------------------------

std::string toHumanReadable(const std::vector<Gs1Element>& ais) {
    std::string out;
    for (const auto& e : ais)
        out += "(" + e.ai + ")" + e.value;
    return out;
}

std::string toRaw(const std::vector<Gs1Element>& ais) {
    std::string out;
    for (size_t i = 0; i < ais.size(); ++i) {
        out += ais[i].ai + ais[i].value;
        const auto spec = lookupExact(ais[i].ai);
        const bool needsSeparator = !spec || !spec->predefined;
        if (needsSeparator && i + 1 < ais.size())
            out += kGs;
    }
    return out;
}

} // namespace admix::formulas
