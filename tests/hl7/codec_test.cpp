// The pure HL7 codecs: the v2 parser (delimiters, terminators, escapes, repetitions, character
// sets, versions), the MLLP framer and the ACK builder, against fixed byte strings.
#include "station/hl7/ack.hpp"
#include "station/hl7/message.hpp"
#include "station/hl7/mllp.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::hl7;

namespace {

const std::string kRde =
    "MSH|^~\\&|PHARM|GENHOSP|ADMIX|IVROOM|20261121100000||RDE^O11^RDE_O11|MSG00001|P|2.5.1\r"
    "PID|1||MRN123^^^GENHOSP^MR~ALT9^^^OTHER||DOE^JANE^Q||19800315|F\r"
    "PV1|1|I|ICU^12^B\r"
    "ORC|NW|PL100^PHARM|FL200^ADMIX|||||||||1234^SMITH^ANNA\r"
    "RXE||cefazolin-ns^Cefazolin 2 g in NS^LOCAL|2||g\r";

TimePoint at(int64_t s) {
    return TimePoint{std::chrono::seconds(s)};
}

} // namespace

TEST_CASE("parse: header, segments, components, repetitions") {
    const auto m = parseMessage(kRde);
    REQUIRE(m.ok());
    const Header& h = m->header();
    CHECK(h.messageType == "RDE");
    CHECK(h.triggerEvent == "O11");
    CHECK(h.structure == "RDE_O11");
    CHECK(h.controlId == "MSG00001");
    CHECK(h.version == "2.5.1");
    CHECK(h.sendingApplication == "PHARM");
    CHECK(h.sender() == "PHARM|GENHOSP");
    CHECK(m->segments().size() == 5);
    const Segment* msh = m->find("MSH");
    REQUIRE(msh);
    CHECK(m->value(*msh, 1) == "|");
    CHECK(m->value(*msh, 2) == "^~\\&");
    CHECK(m->value(*msh, 9, 2) == "O11");
    const Segment* pid = m->find("PID");
    REQUIRE(pid);
    CHECK(m->repetitions(*pid, 3) == 2);
    CHECK(m->value(*pid, 3) == "MRN123");
    CHECK(m->value(*pid, 3, 4) == "GENHOSP");
    CHECK(m->value(*pid, 3, 1, 1, 1) == "ALT9");
    CHECK(m->value(*pid, 3, 1, 1, 2) == "");
    CHECK(m->value(*pid, 5, 2) == "JANE");
    CHECK(m->value(*pid, 7) == "19800315");
    CHECK(m->value(*pid, 8) == "F");
    CHECK(m->value(*pid, 99) == "");
    CHECK(m->find("RXE")->sequence == 1);
    CHECK(m->find("NTE") == nullptr);
}

TEST_CASE("parse: LF and CRLF terminators give the same segments") {
    std::string lf = kRde, crlf;
    for (char& c : lf)
        if (c == '\r')
            c = '\n';
    for (char c : kRde)
        crlf += c == '\r' ? std::string("\r\n") : std::string(1, c);
    for (const auto& text : {lf, crlf}) {
        const auto m = parseMessage(text);
        REQUIRE(m.ok());
        CHECK(m->segments().size() == 5);
        CHECK(m->value(*m->find("RXE"), 2) == "cefazolin-ns");
        CHECK(m->text() == kRde);
    }
}

TEST_CASE("parse: other encoding characters and escapes") {
    const std::string text = "MSH#*@!%#A#B#C#D#20261121##RDE*O11#X1#P#2.4\r"
                             "NTE#1##Dose !F! per !S! site !T! and !R! or !E!!X41C3A9!!.br!next\r"
                             "PID#1##M1*x%sub";
    const auto m = parseMessage(text);
    REQUIRE(m.ok());
    CHECK(m->delimiters().field == '#');
    CHECK(m->delimiters().component == '*');
    CHECK(m->delimiters().repetition == '@');
    CHECK(m->delimiters().escape == '!');
    CHECK(m->delimiters().subcomponent == '%');
    CHECK(m->header().triggerEvent == "O11");
    CHECK(m->value(*m->find("NTE"), 3) == "Dose # per * site % and @ or !A\xC3\xA9\nnext");
    CHECK(m->value(*m->find("PID"), 3, 2, 2) == "sub");
    // Escapes round-trip through escape().
    const Delimiters& d = m->delimiters();
    CHECK(unescape(escape("a#b*c%d@e!f\rg", d), d) == "a#b*c%d@e!f\rg");
}

TEST_CASE("parse: character sets from MSH-18") {
    const std::string base = "MSH|^~\\&|P|F|A|R|20261121||RDE^O11|C1|P|2.6|||||";
    SUBCASE("8859/1 is converted to UTF-8, \\Xhh\\ too") {
        const auto m = parseMessage(base + "|8859/1\rPID|1||M||M\xFCller^J\\XE9\\");
        REQUIRE(m.ok());
        CHECK(m->header().charset == Charset::Latin1);
        CHECK(m->value(*m->find("PID"), 5) == "M\xC3\xBCller");
        CHECK(m->value(*m->find("PID"), 5, 2) == "J\xC3\xA9");
    }
    SUBCASE("UNICODE UTF-8 is kept and checked") {
        const auto m = parseMessage(base + "|UNICODE UTF-8\rPID|1||M||M\xC3\xBCller");
        REQUIRE(m.ok());
        CHECK(m->value(*m->find("PID"), 5) == "M\xC3\xBCller");
        const auto bad = parseMessage(base + "|UNICODE UTF-8\rPID|1||M||M\xFCller");
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.problem().location() == "MSH-18");
    }
    SUBCASE("ASCII refuses 8-bit bytes") {
        CHECK(parseMessage(base + "|ASCII\rPID|1||M||Muller").ok());
        const auto bad = parseMessage(base + "|ASCII\rPID|1||M||M\xFCller");
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.problem().field == 18);
        CHECK(bad.problem().reason.find("0xFC") != std::string::npos);
    }
    SUBCASE("unknown character set") {
        const auto bad = parseMessage(base + "|ISO IR87\rPID|1");
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.problem().code == "103");
    }
}

TEST_CASE("parse: versions 2.3 to 2.8 and the refusals") {
    for (const char* v :
         {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2"})
        CHECK(parseMessage(std::string("MSH|^~\\&|||||||ORM^O01|X|P|") + v + "\r").ok());
    const auto v22 = parseMessage("MSH|^~\\&|||||||ORM^O01|X|P|2.2\r");
    REQUIRE_FALSE(v22.ok());
    CHECK(v22.problem().code == "203");
    CHECK(v22.problem().location() == "MSH-12");
    CHECK(parseMessage("MSH|^~\\&|||||||ORM^O01||P|2.5\r").problem().location() == "MSH-10");
    CHECK(parseMessage("MSH|^~\\&|||||||||X|P|2.5\r").problem().location() == "MSH-9");
    CHECK(parseMessage("PID|1\rMSH|^~\\&").problem().location() == "MSH");
    CHECK(parseMessage("MSH|^~|||").problem().location() == "MSH-2");
    CHECK(parseMessage("MSH|^^\\&|||").problem().location() == "MSH-2");
    const auto badSeg = parseMessage("MSH|^~\\&|||||||ORM^O01|X|P|2.5\rpid|1\r");
    REQUIRE_FALSE(badSeg.ok());
    CHECK(badSeg.problem().reason.find("segment 2") != std::string::npos);
    CHECK_FALSE(parseMessage("MSH|^~\\&|||||||ORM^O01|X|P|2.5\rMSH|^~\\&\r").ok());
    CHECK_FALSE(readHeader("garbage").has_value());
    const auto header = readHeader("MSH|^~\\&|A|B|C|D||||CTRL9|P|2.2\rxx");
    REQUIRE(header.has_value());
    CHECK(header->controlId == "CTRL9");
}

TEST_CASE("mllp: frames, pieces, garbage, interruption, size cap") {
    SUBCASE("one frame fed a byte at a time") {
        MllpDecoder d;
        const std::string framed = mllpFrame("MSH|a\rPID|b\r");
        std::vector<MllpEvent> events;
        for (char c : framed)
            for (auto& e : d.feed(std::string_view(&c, 1)))
                events.push_back(e);
        REQUIRE(events.size() == 1);
        CHECK(events[0].kind == MllpEvent::Kind::Message);
        CHECK(events[0].bytes == "MSH|a\rPID|b\r");
        CHECK_FALSE(d.inFrame());
    }
    SUBCASE("two frames in one read, garbage before, resync") {
        MllpDecoder d;
        const auto events = d.feed("junk" + mllpFrame("ONE") + "\r\n" + mllpFrame("TWO"));
        REQUIRE(events.size() == 3);
        CHECK(events[0].kind == MllpEvent::Kind::Garbage);
        CHECK(events[0].bytes == "junk");
        CHECK(events[1].bytes == "ONE");
        CHECK(events[2].bytes == "TWO");
    }
    SUBCASE("a start byte inside a frame interrupts it") {
        MllpDecoder d;
        const auto events = d.feed(std::string("\x0bHALF") + mllpFrame("WHOLE"));
        REQUIRE(events.size() == 2);
        CHECK(events[0].kind == MllpEvent::Kind::Interrupted);
        CHECK(events[0].bytes == "HALF");
        CHECK(events[1].kind == MllpEvent::Kind::Message);
        CHECK(events[1].bytes == "WHOLE");
    }
    SUBCASE("end byte without CR still ends the frame") {
        MllpDecoder d;
        const auto events = d.feed(std::string("\x0b"
                                               "A\x1c\x0b"
                                               "B\x1c"));
        REQUIRE(events.size() == 2);
        CHECK(events[0].bytes == "A");
        CHECK(events[1].bytes == "B");
    }
    SUBCASE("an oversize frame is dropped to its end and the next one is read") {
        MllpDecoder d(8);
        const auto events = d.feed(mllpFrame("0123456789ABC") + mllpFrame("small"));
        REQUIRE(events.size() == 2);
        CHECK(events[0].kind == MllpEvent::Kind::Oversize);
        CHECK(events[0].bytes == "01234567");
        CHECK(events[1].kind == MllpEvent::Kind::Message);
        CHECK(events[1].bytes == "small");
        const auto exact = MllpDecoder(5).feed(mllpFrame("small"));
        REQUIRE(exact.size() == 1);
        CHECK(exact[0].kind == MllpEvent::Kind::Message);
    }
    SUBCASE("a frame left open is pending") {
        MllpDecoder d;
        CHECK(d.feed("\x0bMSH|partial").empty());
        CHECK(d.inFrame());
        CHECK(d.pending() == "MSH|partial");
    }
}

TEST_CASE("ack: AA, AE with ERR, AR without a header; versions and swaps") {
    const auto m = parseMessage(kRde);
    REQUIRE(m.ok());
    SUBCASE("AA") {
        const std::string ack = buildAck(m->header(), AckCode::Accept, std::nullopt, "ACK1", at(1795255200));
        const auto a = parseMessage(ack);
        REQUIRE(a.ok());
        const Segment& msh = *a->find("MSH");
        CHECK(a->value(msh, 3) == "ADMIX");
        CHECK(a->value(msh, 4) == "IVROOM");
        CHECK(a->value(msh, 5) == "PHARM");
        CHECK(a->value(msh, 6) == "GENHOSP");
        CHECK(a->value(msh, 9, 1) == "ACK");
        CHECK(a->value(msh, 9, 2) == "O11");
        CHECK(a->value(msh, 9, 3) == "ACK");
        CHECK(a->value(msh, 10) == "ACK1");
        CHECK(a->value(msh, 12) == "2.5.1");
        CHECK(a->value(msh, 7) == "20261121100000+0000");
        const Segment& msa = *a->find("MSA");
        CHECK(a->value(msa, 1) == "AA");
        CHECK(a->value(msa, 2) == "MSG00001");
        CHECK(a->find("ERR") == nullptr);
    }
    SUBCASE("AE names segment, field and reason") {
        Problem p;
        p.segment = "RXE";
        p.field = 2;
        p.code = "103";
        p.reason = "no recipe is mapped to give code x^y|z";
        const auto a = parseMessage(buildAck(m->header(), AckCode::Error, p, "ACK2", at(0)));
        REQUIRE(a.ok());
        CHECK(a->value(*a->find("MSA"), 1) == "AE");
        const Segment& err = *a->find("ERR");
        CHECK(a->value(err, 2, 1) == "RXE");
        CHECK(a->value(err, 2, 2) == "1");
        CHECK(a->value(err, 2, 3) == "2");
        CHECK(a->value(err, 3, 1) == "103");
        CHECK(a->value(err, 3, 2) == "Table value not found");
        CHECK(a->value(err, 4) == "E");
        CHECK(a->value(err, 8) == "no recipe is mapped to give code x^y|z");
    }
    SUBCASE("2.3 uses ERR-1 and MSA-3, other delimiters kept") {
        const auto old = parseMessage("MSH#*@!%#P#F#A#R#20261121##ORM*O01#OLD7#P#2.3\r");
        REQUIRE(old.ok());
        Problem p{"ORC", 1, 1, 0, "103", "order control ZZ is not supported"};
        const std::string text = buildAck(old->header(), AckCode::Error, p, "K", at(0));
        CHECK(text.rfind("MSH#*@!%#A#R#P#F#", 0) == 0);
        const auto a = parseMessage(text);
        REQUIRE(a.ok());
        CHECK(a->value(*a->find("MSH"), 9, 2) == "O01");
        CHECK(a->value(*a->find("MSH"), 9, 3) == "");
        CHECK(a->value(*a->find("MSA"), 2) == "OLD7");
        CHECK(a->value(*a->find("MSA"), 3) == "ORC-1: order control ZZ is not supported");
        const Segment& err = *a->find("ERR");
        CHECK(a->value(err, 1, 1) == "ORC");
        CHECK(a->value(err, 1, 3) == "1");
        CHECK(a->value(err, 1, 4, 1) == "103");
    }
    SUBCASE("AR for unreadable bytes") {
        Problem p{"MSH", 1, 0, 0, "100", "the message must start with an MSH segment"};
        const auto a = parseMessage(buildAck(readHeader("xyz"), AckCode::Reject, p, "K", at(0)));
        REQUIRE(a.ok());
        CHECK(a->value(*a->find("MSA"), 1) == "AR");
        CHECK(a->value(*a->find("MSA"), 2) == "");
        CHECK(a->header().version == "2.5");
    }
    SUBCASE("8859/1 ACK is written in 8859/1") {
        const auto l = parseMessage("MSH|^~\\&|P\xC9|F|A|R|||RDE^O11|C|P|2.5||||||8859/1\r");
        REQUIRE(l.ok());
        const std::string text = buildAck(l->header(), AckCode::Accept, std::nullopt, "K", at(0));
        CHECK(text.find("P\xC9") != std::string::npos);
        CHECK(parseMessage(text).ok());
    }
}
