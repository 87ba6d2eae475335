#include "usp797/em_csv.hpp"

#include "formulas/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>

namespace admix::usp797 {

namespace {

enum Column { AtUtc, Kind, RoomCol, Value, Person, Location, Litres, DeviceOrLot, Notes, ColumnCount };
constexpr std::array<std::string_view, ColumnCount> kColumnNames{
    "at_utc", "kind", "room", "value", "person", "location", "litres", "device_or_lot", "notes"};
constexpr int kRequired = 5; // the first five columns

struct Record {
    size_t line = 0;
    std::vector<std::string> fields;
};

// Splits the text into records; a quote left open is a problem for the record where it started.
void splitRecords(std::string_view text, std::vector<Record>& records, std::vector<CsvProblem>& problems) {
    if (text.starts_with("\xEF\xBB\xBF"))
        text.remove_prefix(3);
    size_t i = 0;
    size_t line = 1;
    while (i < text.size()) {
        Record rec;
        rec.line = line;
        std::string field;
        bool inQuotes = false;
        bool quotedField = false;
        bool endOfRecord = false;
        bool bad = false;
        while (i < text.size() && !endOfRecord) {
            const char c = text[i];
            if (inQuotes) {
                if (c == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    inQuotes = false;
                    ++i;
                    continue;
                }
                if (c == '\n')
                    ++line;
                field += c;
                ++i;
                continue;
            }
            switch (c) {
            case '"':
                if (!field.empty() || quotedField) {
                    // A stray quote: report it and read on as plain text, so that the lines after it
                    // are still checked (and reported) one by one.
                    if (!bad)
                        problems.push_back(
                            {rec.line, {}, "a quote inside an unquoted field (quote the whole field)"});
                    bad = true;
                    field += c;
                    ++i;
                    break;
                }
                inQuotes = true;
                quotedField = true;
                ++i;
                break;
            case ',':
                rec.fields.push_back(std::move(field));
                field.clear();
                quotedField = false;
                ++i;
                break;
            case '\r':
                ++i;
                break;
            case '\n':
                ++line;
                ++i;
                endOfRecord = true;
                break;
            default:
                if (quotedField) {
                    if (!bad)
                        problems.push_back({rec.line, {}, "text after a closing quote"});
                    bad = true;
                }
                field += c;
                ++i;
                break;
            }
        }
        if (inQuotes) {
            problems.push_back({rec.line, {}, "a quoted field is never closed"});
            return;
        }
        rec.fields.push_back(std::move(field));
        if (bad)
            continue;
        const bool blank = rec.fields.size() == 1 && formulas::trim(rec.fields[0]).empty();
        if (!blank)
            records.push_back(std::move(rec));
    }
}

std::optional<double> parseNumber(std::string_view text) {
    text = formulas::trim(text);
    if (text.empty())
        return std::nullopt;
    if (text.front() == '+')
        text.remove_prefix(1);
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return std::nullopt;
    return value;
}

std::string num(double v) {
    std::ostringstream out;
    out.precision(10);
    out << v;
    return out.str();
}

} // namespace

std::string CsvProblem::text() const {
    std::string out = line == 0 ? std::string() : "line " + std::to_string(line);
    if (!column.empty())
        out += (out.empty() ? "" : ", ") + std::string(column == "user" ? "" : "column ") + column;
    return out.empty() ? message : out + ": " + message;
}

EmCsvParse parseEmCsv(std::string_view text, const SitePolicy& policy) {
    EmCsvParse result;
    std::vector<Record> records;
    splitRecords(text, records, result.problems);
    if (records.empty()) {
        if (result.problems.empty())
            result.problems.push_back(
                {1,
                 {},
                 "no header row (expected " + emCsvHeader().substr(0, emCsvHeader().size() - 1) + ")"});
        return result;
    }
    const Record& header = records.front();
    const size_t syntaxProblems = result.problems.size();
    std::array<int, ColumnCount> index;
    index.fill(-1);
    for (size_t c = 0; c < header.fields.size(); ++c) {
        const std::string name = formulas::toLower(formulas::trim(header.fields[c]));
        bool known = false;
        for (int k = 0; k < ColumnCount; ++k) {
            if (name == kColumnNames[k]) {
                if (index[k] >= 0)
                    result.problems.push_back({header.line, name, "column named twice in the header"});
                index[k] = static_cast<int>(c);
                known = true;
            }
        }
        if (!known)
            result.problems.push_back(
                {header.line, name.empty() ? "#" + std::to_string(c + 1) : name,
                 "unknown column (expected at_utc, kind, room, value, person, location, litres, "
                 "device_or_lot, notes)"});
    }
    for (int k = 0; k < kRequired; ++k) {
        if (index[k] < 0)
            result.problems.push_back(
                {header.line, std::string(kColumnNames[k]), "required column missing from the header"});
    }
    if (result.problems.size() > syntaxProblems)
        return result; // without a usable header no row can be read

    for (size_t r = 1; r < records.size(); ++r) {
        const Record& rec = records[r];
        if (rec.fields.size() != header.fields.size()) {
            result.problems.push_back({rec.line,
                                       {},
                                       "has " + std::to_string(rec.fields.size()) +
                                           " fields, the header has " +
                                           std::to_string(header.fields.size())});
            continue;
        }
        const auto field = [&](Column c) -> std::string_view {
            return index[c] < 0 ? std::string_view{}
                                : formulas::trim(rec.fields[static_cast<size_t>(index[c])]);
        };
        const auto problem = [&](Column c, std::string message) {
            result.problems.push_back({rec.line, std::string(kColumnNames[c]), std::move(message)});
        };
        EmSample s;
        const auto at = parseIsoUtc(field(AtUtc));
        if (!at) {
            problem(AtUtc, at.error().message);
            continue;
        }
        s.at = *at;
        const auto kind = parseEmKind(field(Kind));
        if (!kind) {
            problem(Kind, kind.error().message);
            continue;
        }
        s.kind = *kind;
        const auto value = parseNumber(field(Value));
        if (!value) {
            problem(Value, "'" + std::string(field(Value)) + "' is not a number");
            continue;
        }
        s.value = *value;
        if (!field(Litres).empty()) {
            const auto litres = parseNumber(field(Litres));
            if (!litres) {
                problem(Litres, "'" + std::string(field(Litres)) + "' is not a number");
                continue;
            }
            s.litres = *litres;
        }
        s.room = std::string(field(RoomCol));
        s.person = std::string(field(Person));
        s.location = std::string(field(Location));
        s.deviceOrLot = std::string(field(DeviceOrLot));
        s.notes = std::string(field(Notes));
        if (auto ok = validateSample(s, policy); !ok) {
            result.problems.push_back({rec.line, ok.error().where, ok.error().message});
            continue;
        }
        result.rows.push_back({rec.line, std::move(s)});
    }
    std::stable_sort(result.problems.begin(), result.problems.end(),
                     [](const CsvProblem& a, const CsvProblem& b) { return a.line < b.line; });
    return result;
}

std::string csvField(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos)
        return std::string(text);
    std::string out = "\"";
    for (char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + '"';
}

std::string emCsvHeader() {
    return "at_utc,kind,room,location,value,litres,person,device_or_lot,notes\n";
}

std::string emCsvLine(const EmSample& s) {
    std::string out = formatIsoUtc(s.at) + ',' + std::string(emKindName(s.kind)) + ',' + csvField(s.room) +
                      ',' + csvField(s.location) + ',' + num(s.value) + ',' +
                      (s.litres ? num(*s.litres) : std::string()) + ',' + csvField(s.person) + ',' +
                      csvField(s.deviceOrLot) + ',' + csvField(s.notes) + '\n';
    return out;
}

} // namespace admix::usp797
