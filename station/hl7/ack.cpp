#include "station/hl7/ack.hpp"

namespace admix::hl7 {

std::string_view ackCodeName(AckCode code) {
    switch (code) {
    case AckCode::Accept:
        return "AA";
    case AckCode::Error:
        return "AE";
    case AckCode::Reject:
        return "AR";
    }
    return "AR";
}

std::string hl7Time(TimePoint t) {
    const std::string iso = formatIsoUtc(t); // 2026-11-21T22:03:43Z
    std::string out;
    for (char c : iso)
        if (c >= '0' && c <= '9')
            out += c;
    return out + "+0000";
}

namespace {

// Versions before 2.5 report errors in ERR-1 (ELD); 2.5 and later in ERR-2/3/4/8.
bool modernErr(const std::string& version) {
    return !(version.rfind("2.3", 0) == 0 || version.rfind("2.4", 0) == 0);
}

} // namespace

std::string buildAck(const std::optional<Header>& in, AckCode code, const std::optional<Problem>& error,
                     const std::string& controlId, TimePoint now) {
    const Header h = in.value_or(Header{});
    const Delimiters& d = h.delimiters;
    const std::string version = supportedVersion(h.version) ? h.version : "2.5";
    const char f = d.field;
    const char c = d.component;
    auto esc = [&d](std::string_view text) {
        return escape(text, d);
    };

    std::string msh = "MSH";
    msh += f;
    msh += d.encodingCharacters();
    // MSH-3..6: the receiver answers as the application it was addressed as.
    msh += f + h.receivingApplication + f + h.receivingFacility + f + h.sendingApplication + f +
           h.sendingFacility;
    msh += f + hl7Time(now) + f; // MSH-7, MSH-8 empty
    msh += f + std::string("ACK");
    if (!h.triggerEvent.empty())
        msh += c + esc(h.triggerEvent);
    if (version != "2.3" && version != "2.3.1")
        msh += (h.triggerEvent.empty() ? std::string(1, c) : std::string()) + c + std::string("ACK");
    msh += f + esc(controlId);
    msh += f + (h.processingId.empty() ? std::string("P") : esc(h.processingId));
    msh += f + version;
    if (!h.charsetName.empty() &&
        (h.charsetName == "ASCII" || h.charsetName == "8859/1" || h.charsetName == "UNICODE UTF-8"))
        msh += std::string(6, f) + h.charsetName; // MSH-13..17 empty, MSH-18

    std::string out = msh + '\r';
    out += "MSA" + std::string(1, f) + std::string(ackCodeName(code)) + f + esc(h.controlId);
    if (error && !modernErr(version))
        out += f + esc(error->text()); // MSA-3 text message (withdrawn in 2.5)
    out += '\r';
    if (error) {
        const Problem& p = *error;
        const std::string codeText = p.code == "100"   ? "Segment sequence error"
                                     : p.code == "101" ? "Required field missing"
                                     : p.code == "102" ? "Data type error"
                                     : p.code == "103" ? "Table value not found"
                                     : p.code == "200" ? "Unsupported message type"
                                     : p.code == "201" ? "Unsupported event code"
                                     : p.code == "203" ? "Unsupported version id"
                                     : p.code == "204" ? "Unknown key identifier"
                                     : p.code == "205" ? "Duplicate key identifier"
                                                       : "Application internal error";
        const char s = d.subcomponent;
        std::string err = "ERR";
        if (modernErr(version)) {
            err += f; // ERR-1 (ELD) withdrawn
            err += f;
            if (!p.segment.empty()) {
                err += p.segment + c + std::to_string(p.sequence);
                if (p.field > 0) {
                    err += c + std::to_string(p.field) + c + "1";
                    if (p.component > 0)
                        err += c + std::to_string(p.component);
                }
            }
            err += f + p.code + c + codeText + c + "HL70357";
            err += f + std::string("E");              // ERR-4 severity: error
            err += std::string(4, f) + esc(p.reason); // ERR-5..7 empty, ERR-8 user message
        } else {
            err += f;
            err += p.segment + c + (p.segment.empty() ? std::string() : std::to_string(p.sequence)) + c +
                   (p.field > 0 ? std::to_string(p.field) : std::string()) + c + p.code + s + esc(codeText) +
                   s + "HL70357";
        }
        out += err + '\r';
    }
    // The ACK is written in the character set it declares.
    if (h.charsetName == "8859/1")
        return utf8ToLatin1(out);
    if (h.charsetName == "ASCII")
        for (char& ch : out)
            if (static_cast<unsigned char>(ch) >= 0x80)
                ch = '?';
    return out;
}

} // namespace admix::hl7
