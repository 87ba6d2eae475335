#include "station/hl7/message.hpp"

#include <array>
#include <cstdint>

namespace admix::hl7 {

namespace {

constexpr std::array kVersions{"2.3", "2.3.1", "2.4", "2.5",   "2.5.1", "2.6",
                               "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2"};

std::vector<std::string_view> splitView(std::string_view text, char separator) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        const size_t at = text.find(separator, start);
        if (at == std::string_view::npos) {
            out.push_back(text.substr(start));
            return out;
        }
        out.push_back(text.substr(start, at - start));
        start = at + 1;
    }
}

// The n-th (0-based) piece of `text` split at `separator`, "" when there are fewer.
std::string_view piece(std::string_view text, char separator, int n) {
    size_t start = 0;
    for (int i = 0; i < n; ++i) {
        const size_t at = text.find(separator, start);
        if (at == std::string_view::npos)
            return {};
        start = at + 1;
    }
    const size_t end = text.find(separator, start);
    return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

bool isDelimiterCandidate(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f &&
           !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
}

bool segmentIdOk(std::string_view id) {
    if (id.size() != 3)
        return false;
    for (char c : id)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    return id[0] >= 'A' && id[0] <= 'Z';
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Bytes from \Xhh\ in the message's character set, as UTF-8 (invalid UTF-8 becomes U+FFFD).
void appendCharsetBytes(std::string& out, const std::string& bytes, Charset charset) {
    bool ascii = true;
    for (char c : bytes)
        ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (charset == Charset::Latin1)
        out += latin1ToUtf8(bytes);
    else if (ascii || (charset == Charset::Utf8 && validUtf8(bytes)))
        out += bytes;
    else
        out += "\xEF\xBF\xBD"; // U+FFFD: the bytes spell nothing in the declared set
}

Problem problem(std::string segment, int field, std::string code, std::string reason, int component = 0) {
    Problem p;
    p.segment = std::move(segment);
    p.field = field;
    p.component = component;
    p.code = std::move(code);
    p.reason = std::move(reason);
    return p;
}

std::string hexByte(unsigned char c) {
    constexpr char kDigits[] = "0123456789ABCDEF";
    return std::string{kDigits[c >> 4], kDigits[c & 0xF]};
}

} // namespace

// [SECTION] Small types ---------------------------------------------------------------------------

std::string Delimiters::encodingCharacters() const {
    std::string out{component, repetition, escape, subcomponent};
    if (truncation)
        out += truncation;
    return out;
}

std::string Problem::location() const {
    if (segment.empty())
        return {};
    std::string out = segment;
    if (field > 0) {
        out += "-" + std::to_string(field);
        if (component > 0)
            out += "." + std::to_string(component);
    }
    return out;
}

std::string Problem::text() const {
    const std::string where = location();
    return where.empty() ? reason : where + ": " + reason;
}

std::string Header::sender() const {
    return sendingApplication + "|" + sendingFacility;
}

bool supportedVersion(std::string_view version) {
    for (const char* v : kVersions)
        if (version == v)
            return true;
    return false;
}

// [SECTION] Character sets and escapes ------------------------------------------------------------

std::string latin1ToUtf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (char c : bytes)
        appendUtf8(out, static_cast<unsigned char>(c));
    return out;
}

std::string utf8ToLatin1(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if ((c & 0xE0) == 0xC0 && i + 1 < text.size()) {
            const uint32_t cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
            out += cp < 0x100 ? static_cast<char>(cp) : '?';
            ++i;
        } else {
            out += '?';
            while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80)
                ++i;
        }
    }
    return out;
}

bool validUtf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size())
                return false;
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

std::string unescape(std::string_view raw, const Delimiters& d, Charset charset) {
    std::string out;
    out.reserve(raw.size());
    size_t i = 0;
    while (i < raw.size()) {
        const char c = raw[i];
        if (c != d.escape) {
            out += c;
            ++i;
            continue;
        }
        const size_t end = raw.find(d.escape, i + 1);
        if (end == std::string_view::npos) { // a lone escape character is kept as written
            out += raw.substr(i);
            break;
        }
        const std::string_view seq = raw.substr(i + 1, end - i - 1);
        if (seq == "F")
            out += d.field;
        else if (seq == "S")
            out += d.component;
        else if (seq == "T")
            out += d.subcomponent;
        else if (seq == "R")
            out += d.repetition;
        else if (seq == "E")
            out += d.escape;
        else if (seq == "P" && d.truncation)
            out += d.truncation;
        else if (seq == ".br")
            out += '\n';
        else if (seq == "H" || seq == "N") {
            // highlighting on / off: no meaning in plain text
        } else if (seq.size() >= 3 && (seq[0] == 'X' || seq[0] == 'x') && seq.size() % 2 == 1) {
            std::string bytes;
            bool ok = true;
            for (size_t k = 1; k + 1 < seq.size(); k += 2) {
                const int hi = hexValue(seq[k]);
                const int lo = hexValue(seq[k + 1]);
                if (hi < 0 || lo < 0) {
                    ok = false;
                    break;
                }
                bytes += static_cast<char>(hi * 16 + lo);
            }
            if (ok)
                appendCharsetBytes(out, bytes, charset);
            else
                out += raw.substr(i, end - i + 1);
        } else {
            // An escape this interface does not know (\Cxxyy\, \Mxxyyzz\, \Zxx\) stays as written, visible.
            out += raw.substr(i, end - i + 1);
        }
        i = end + 1;
    }
    return out;
}

std::string escape(std::string_view text, const Delimiters& d) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c == d.escape)
            out += std::string{d.escape, 'E', d.escape};
        else if (c == d.field)
            out += std::string{d.escape, 'F', d.escape};
        else if (c == d.component)
            out += std::string{d.escape, 'S', d.escape};
        else if (c == d.subcomponent)
            out += std::string{d.escape, 'T', d.escape};
        else if (c == d.repetition)
            out += std::string{d.escape, 'R', d.escape};
        else if (d.truncation && c == d.truncation)
            out += std::string{d.escape, 'P', d.escape};
        else if (c == '\r' || c == '\n')
            out += std::string{d.escape, 'X'} + hexByte(static_cast<unsigned char>(c)) + d.escape;
        else
            out += c;
    }
    return out;
}

// [SECTION] Message -------------------------------------------------------------------------------

const Segment* Message::find(std::string_view id, int nth) const {
    for (const auto& s : m_segments)
        if (s.id == id && nth-- == 0)
            return &s;
    return nullptr;
}

Message Message::withSegments(const std::vector<size_t>& indices) const {
    Message part;
    part.m_header = m_header;
    part.m_text = m_text;
    for (size_t i : indices)
        if (i < m_segments.size())
            part.m_segments.push_back(m_segments[i]);
    return part;
}

int Message::count(std::string_view id) const {
    int n = 0;
    for (const auto& s : m_segments)
        n += s.id == id ? 1 : 0;
    return n;
}

std::string_view Message::raw(const Segment& segment, int field) const {
    if (field < 0 || static_cast<size_t>(field) >= segment.fields.size())
        return {};
    return segment.fields[static_cast<size_t>(field)];
}

std::string Message::value(const Segment& segment, int field, int component, int subcomponent,
                           int rep) const {
    const std::string_view f = raw(segment, field);
    if (segment.id == "MSH" && (field == 1 || field == 2))
        return std::string(f);
    const Delimiters& d = m_header.delimiters;
    const std::string_view r = piece(f, d.repetition, rep);
    const std::string_view c = piece(r, d.component, component - 1);
    const std::string_view s = piece(c, d.subcomponent, subcomponent - 1);
    return unescape(s, d, Charset::Utf8); // the text is UTF-8 already; \Xhh\ is read in MSH-18's set below
}

int Message::repetitions(const Segment& segment, int field) const {
    const std::string_view f = raw(segment, field);
    if (f.empty())
        return 0;
    if (segment.id == "MSH" && (field == 1 || field == 2))
        return 1;
    return static_cast<int>(splitView(f, m_header.delimiters.repetition).size());
}

// [SECTION] Parsing -------------------------------------------------------------------------------

namespace {

// MSH split into fields (fields[n] = MSH-n), from the first segment of `text`.
std::vector<std::string> mshFields(std::string_view text, const Delimiters& d) {
    const size_t end = text.find_first_of("\r\n");
    const std::string_view line = text.substr(0, end);
    std::vector<std::string> fields{"MSH", std::string(1, d.field)};
    const auto parts = splitView(line.substr(4), d.field);
    for (const auto& p : parts)
        fields.emplace_back(p);
    return fields;
}

std::optional<Delimiters> readDelimiters(std::string_view bytes, Problem& why) {
    if (bytes.size() < 4 || bytes.substr(0, 3) != "MSH") {
        why = problem("MSH", 0, "100", "the message must start with an MSH segment");
        return std::nullopt;
    }
    Delimiters d;
    d.field = bytes[3];
    if (!isDelimiterCandidate(d.field)) {
        why = problem("MSH", 1, "102", "the field separator must be a printable non-alphanumeric character");
        return std::nullopt;
    }
    const size_t end = bytes.find_first_of(std::string{d.field, '\r', '\n'}, 4);
    const std::string_view enc =
        bytes.substr(4, end == std::string_view::npos ? std::string_view::npos : end - 4);
    if (enc.size() != 4 && enc.size() != 5) {
        why = problem("MSH", 2, "102",
                      "the encoding characters must be 4 (or, from 2.7, 5) characters, e.g. ^~\\&");
        return std::nullopt;
    }
    std::string seen{d.field};
    for (char c : enc) {
        if (!isDelimiterCandidate(c) || seen.find(c) != std::string::npos) {
            why = problem("MSH", 2, "102",
                          "the encoding characters must be distinct printable non-alphanumeric characters");
            return std::nullopt;
        }
        seen += c;
    }
    d.component = enc[0];
    d.repetition = enc[1];
    d.escape = enc[2];
    d.subcomponent = enc[3];
    if (enc.size() == 5)
        d.truncation = enc[4];
    return d;
}

std::string componentOf(std::string_view field, const Delimiters& d, int component) {
    return unescape(
        piece(piece(piece(field, d.repetition, 0), d.component, component - 1), d.subcomponent, 0), d);
}

void fillHeader(Header& h, const std::vector<std::string>& f) {
    const auto at = [&f](size_t n) -> std::string_view {
        return n < f.size() ? std::string_view(f[n]) : std::string_view();
    };
    const Delimiters& d = h.delimiters;
    h.sendingApplication = std::string(at(3));
    h.sendingFacility = std::string(at(4));
    h.receivingApplication = std::string(at(5));
    h.receivingFacility = std::string(at(6));
    h.dateTime = componentOf(at(7), d, 1);
    h.messageType = componentOf(at(9), d, 1);
    h.triggerEvent = componentOf(at(9), d, 2);
    h.structure = componentOf(at(9), d, 3);
    h.controlId = componentOf(at(10), d, 1);
    h.processingId = componentOf(at(11), d, 1);
    h.version = componentOf(at(12), d, 1);
    h.charsetName = componentOf(at(18), d, 1);
}

} // namespace

std::optional<Header> readHeader(std::string_view bytes) {
    Problem why;
    const auto d = readDelimiters(bytes, why);
    if (!d)
        return std::nullopt;
    Header h;
    h.delimiters = *d;
    fillHeader(h, mshFields(bytes, *d));
    return h;
}

Checked<Message> parseMessage(std::string_view bytes) {
    Problem why;
    const auto d = readDelimiters(bytes, why);
    if (!d)
        return why;
    Message m;
    m.m_header.delimiters = *d;
    fillHeader(m.m_header, mshFields(bytes, *d));
    Header& h = m.m_header;
    if (h.messageType.empty())
        return problem("MSH", 9, "101", "the message type is missing");
    if (h.controlId.empty())
        return problem("MSH", 10, "101", "the message control id is missing");
    if (h.version.empty())
        return problem("MSH", 12, "101", "the version id is missing");
    if (!supportedVersion(h.version))
        return problem("MSH", 12, "203", "version " + h.version + " is not supported (2.3 to 2.8)");

    // The character set: every value handed out is UTF-8.
    std::string text;
    const std::string& cs = h.charsetName;
    if (cs == "8859/1") {
        h.charset = Charset::Latin1;
        text = latin1ToUtf8(bytes);
    } else if (cs == "UNICODE UTF-8" || cs.empty()) {
        h.charset = Charset::Utf8;
        if (!validUtf8(bytes))
            return problem("MSH", 18, "102",
                           cs.empty()
                               ? "the message is not valid UTF-8 and MSH-18 names no character set (8859/1?)"
                               : "the message is not valid UTF-8 as MSH-18 declares");
        text = std::string(bytes);
    } else if (cs == "ASCII") {
        h.charset = Charset::Ascii;
        for (size_t i = 0; i < bytes.size(); ++i)
            if (static_cast<unsigned char>(bytes[i]) >= 0x80)
                return problem("MSH", 18, "102",
                               "MSH-18 declares ASCII but byte " + std::to_string(i) + " is 0x" +
                                   hexByte(static_cast<unsigned char>(bytes[i])));
        text = std::string(bytes);
    } else {
        return problem("MSH", 18, "103",
                       "character set '" + cs + "' is not supported (ASCII, 8859/1, UNICODE UTF-8)");
    }
    {
        const Charset charset = h.charset;
        fillHeader(h, mshFields(text, *d)); // again, from the UTF-8 text
        h.charset = charset;
    }

    // Segments: CR, LF or CRLF end them; blank lines are skipped.
    std::vector<std::string_view> lines;
    size_t start = 0;
    const std::string_view all(text);
    while (start < all.size()) {
        size_t end = all.find_first_of("\r\n", start);
        if (end == std::string_view::npos)
            end = all.size();
        if (end > start)
            lines.push_back(all.substr(start, end - start));
        start = end + 1;
    }
    std::string normalised;
    int index = 0;
    for (const auto line : lines) {
        ++index;
        Segment s;
        if (index == 1) {
            s.fields = mshFields(line, *d);
        } else {
            for (const auto& p : splitView(line, d->field))
                s.fields.emplace_back(p);
        }
        s.id = s.fields.front();
        if (index > 1 && s.id == "MSH")
            return problem("MSH", 0, "100",
                           "segment " + std::to_string(index) + ": a second MSH (one message per frame)");
        if (!segmentIdOk(s.id))
            return problem("", 0, "100",
                           "segment " + std::to_string(index) + " starts with '" +
                               std::string(s.id.substr(0, 8)) +
                               "', not a segment id (three letters or digits)");
        s.sequence = m.count(s.id) + 1;
        // \Xhh\ is read in the message's own character set: decode it now, so values are plain UTF-8.
        if (h.charset != Charset::Utf8) {
            for (size_t f = (s.id == "MSH" ? 3 : 1); f < s.fields.size(); ++f) {
                std::string& field = s.fields[f];
                std::string out;
                size_t i = 0;
                while (i < field.size()) {
                    const size_t e = field.find(d->escape, i);
                    if (e == std::string::npos || e + 1 >= field.size() ||
                        (field[e + 1] != 'X' && field[e + 1] != 'x')) {
                        const size_t stop = e == std::string::npos ? field.size() : e + 1;
                        out += field.substr(i, stop - i);
                        i = stop;
                        continue;
                    }
                    const size_t close = field.find(d->escape, e + 1);
                    if (close == std::string::npos) {
                        out += field.substr(i);
                        break;
                    }
                    out += field.substr(i, e - i);
                    const std::string decoded =
                        unescape(std::string_view(field).substr(e, close - e + 1), *d, h.charset);
                    // Re-escape what the hex spelled out, so that delimiters stay data.
                    out += escape(decoded, *d);
                    i = close + 1;
                }
                field = std::move(out);
            }
        }
        normalised += line;
        normalised += '\r';
        m.m_segments.push_back(std::move(s));
    }
    m.m_text = std::move(normalised);
    return m;
}

} // namespace admix::hl7
