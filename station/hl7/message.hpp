// HL7 v2 messages: a pure parser (bytes in, segments and decoded field values out, no I/O) for the
// versions 2.3 to 2.8. Encoding characters come from MSH-1/MSH-2; segments end with CR (LF and CRLF
// are accepted too); escape sequences \F\ \S\ \T\ \R\ \E\ \Xhh..\ (and \.br\) are decoded; the
// character set of MSH-18 (ASCII, 8859/1, UNICODE UTF-8) is converted so that every value handed out
// is UTF-8. A Message is an immutable value, safe to share read-only across threads. Never throws:
// a message that cannot be read gives a Problem naming the segment, the field and the reason.
//
// [SECTION] index: Delimiters | Problems | Message | Parsing and encoding
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace admix::hl7 {

// [SECTION] Delimiters ----------------------------------------------------------------------------

struct Delimiters {
    char field = '|';
    char component = '^';
    char repetition = '~';
    char escape = '\\';
    char subcomponent = '&';
    char truncation = 0; // 2.7+: the optional fifth encoding character, 0 when absent

    // MSH-2 as it is written: "^~\&" (and the truncation character when present).
    [[nodiscard]] std::string encodingCharacters() const;
};

enum class Charset { Ascii, Latin1, Utf8 };

// [SECTION] Problems ------------------------------------------------------------------------------

// Why a message (or one of its fields) is refused, and where: what an ERR segment reports. `code` is
// from HL7 table 0357 (100 segment sequence error, 101 required field missing, 102 data type error,
// 103 table value not found, 200 unsupported message type, 201 unsupported event code, 203
// unsupported version id, 207 application internal error).
struct Problem {
    std::string segment; // "RXE"; empty when the message as a whole is meant
    int sequence = 1;    // which occurrence of that segment (1-based)
    int field = 0;       // 0: the segment as a whole
    int component = 0;   // 0: the field as a whole
    std::string code = "207";
    std::string reason; // in words, for the sender's interface analyst

    // "RXE-2.1: reason", "RXE: reason", "reason"
    [[nodiscard]] std::string text() const;
    [[nodiscard]] std::string location() const; // "RXE-2.1", "RXE", ""
};

// A value or the Problem that prevented it.
template <typename T> class Checked {
public:
    Checked(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
    Checked(Problem problem) : m_data(std::in_place_index<1>, std::move(problem)) {}
    [[nodiscard]] bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const T& value() const { return std::get<0>(m_data); }
    [[nodiscard]] T& value() { return std::get<0>(m_data); }
    const T& operator*() const { return value(); }
    T& operator*() { return value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }
    [[nodiscard]] const Problem& problem() const { return std::get<1>(m_data); }

private:
    std::variant<T, Problem> m_data;
};

// [SECTION] Message -------------------------------------------------------------------------------

// One segment: its id and its fields as written (still escaped). fields[n] is SEG-n; fields[0] is
// the segment id. For MSH, fields[1] is the field separator and fields[2] the encoding characters.
struct Segment {
    std::string id;
    std::vector<std::string> fields;
    int sequence = 1; // occurrence of this id in the message (1-based)
};

// What MSH says about a message: enough to answer it even when the rest cannot be read.
struct Header {
    Delimiters delimiters;
    std::string sendingApplication;   // MSH-3 as written (escaped, with components)
    std::string sendingFacility;      // MSH-4
    std::string receivingApplication; // MSH-5
    std::string receivingFacility;    // MSH-6
    std::string dateTime;             // MSH-7
    std::string messageType;          // MSH-9.1 "RDE"
    std::string triggerEvent;         // MSH-9.2 "O11"
    std::string structure;            // MSH-9.3 "RDE_O11"
    std::string controlId;            // MSH-10 decoded
    std::string processingId;         // MSH-11.1 "P"
    std::string version;              // MSH-12.1 "2.5.1"
    std::string charsetName;          // MSH-18 as written ("" when absent)
    Charset charset = Charset::Utf8;

    // Who sent it, for recognising a resend: MSH-3 and MSH-4 as written, joined by '|'.
    [[nodiscard]] std::string sender() const;
};

class Message {
public:
    [[nodiscard]] const Header& header() const { return m_header; }
    [[nodiscard]] const std::vector<Segment>& segments() const { return m_segments; }
    [[nodiscard]] const Delimiters& delimiters() const { return m_header.delimiters; }

    // The n-th (0-based) segment with this id, or nullptr.
    [[nodiscard]] const Segment* find(std::string_view id, int nth = 0) const;
    [[nodiscard]] int count(std::string_view id) const;

    // The decoded UTF-8 text of SEG-field, repetition `rep` (0-based), component and subcomponent
    // (1-based); "" when absent. For MSH-1 and MSH-2 the separator and encoding characters.
    [[nodiscard]] std::string value(const Segment& segment, int field, int component = 1,
                                    int subcomponent = 1, int rep = 0) const;
    // The number of repetitions of a field (0 when empty).
    [[nodiscard]] int repetitions(const Segment& segment, int field) const;
    // The field as written (escaped), "" when absent.
    [[nodiscard]] std::string_view raw(const Segment& segment, int field) const;
    // The UTF-8 text of the whole message with segments ended by CR (as converted from MSH-18).
    [[nodiscard]] const std::string& text() const { return m_text; }
    // The same message (header, delimiters, text) with only the segments at `indices`, in that order:
    // one order group of a message with several. Each segment keeps its sequence in the whole message.
    [[nodiscard]] Message withSegments(const std::vector<size_t>& indices) const;

private:
    friend Checked<Message> parseMessage(std::string_view bytes);
    Header m_header;
    std::vector<Segment> m_segments;
    std::string m_text;
};

// [SECTION] Parsing and encoding ------------------------------------------------------------------

// The versions this interface reads: 2.3, 2.3.1, 2.4, 2.5, 2.5.1, 2.6, 2.7, 2.7.1, 2.8, 2.8.1, 2.8.2.
[[nodiscard]] bool supportedVersion(std::string_view version);

// Parses a whole message. Refuses (Problem) a message that does not start with MSH, has bad encoding
// characters, lacks MSH-9, MSH-10 or MSH-12, has an unsupported version or character set, bytes
// that do not fit its character set, or a line that is not a segment.
[[nodiscard]] Checked<Message> parseMessage(std::string_view bytes);

// Reads as much of MSH as it can (for answering a message that cannot be parsed): nullopt when the
// bytes do not even start with "MSH" and a separator.
[[nodiscard]] std::optional<Header> readHeader(std::string_view bytes);

// Decodes the escape sequences of one value (a component or subcomponent as written) into UTF-8.
[[nodiscard]] std::string unescape(std::string_view raw, const Delimiters& d,
                                   Charset charset = Charset::Utf8);
// Escapes UTF-8 text for a field of an outgoing message: delimiters and the escape character
// become \F\ \S\ \T\ \R\ \E\; CR and LF become \X0D\ and \X0A\.
[[nodiscard]] std::string escape(std::string_view text, const Delimiters& d);

// 8859/1 bytes to UTF-8.
[[nodiscard]] std::string latin1ToUtf8(std::string_view bytes);
[[nodiscard]] bool validUtf8(std::string_view bytes);
// UTF-8 to 8859/1; a character outside it becomes '?'.
[[nodiscard]] std::string utf8ToLatin1(std::string_view text);

} // namespace admix::hl7
