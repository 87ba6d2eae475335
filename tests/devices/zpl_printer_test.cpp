// ZPL printers. ~HS reply layout: ZPL II Programming Guide (Zebra, 45541L-004 Rev. A), ~HS Host Status
// Return, pp. 171-172: String 1 <STX>aaa,b,c,dddd,eee,f,g,h,iii,j,k,l<ETX><CR><LF>, String 2
// <STX>mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www<ETX><CR><LF>, String 3 <STX>xxxx,y<ETX><CR><LF>. The guide
// gives the layout, not a captured reply; the bytes below fill it in field by field. The current
// online guide adds that a printer with media out, ribbon out or head open does not answer ~HS.
#include "devices/simulators.hpp"
#include "devices/zpl_printer.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

using namespace admix::devices;
using namespace std::chrono_literals;

namespace {
const std::string kReady = "\x02"
                           "030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n"
                           "\x02"
                           "001,0,0,0,1,2,6,0,00000000,1,000\x03\r\n"
                           "\x02"
                           "1234,0\x03\r\n";
const std::string kLabel = "^XA^FO50,50^A0N,40,40^FDCefazolin 1 g^FS^XZ";

// The label printer at the simulator's port, with a timeout a loaded test machine meets.
PrinterConfig simulatorConfig(const PrinterSimulator& sim) {
    PrinterConfig c;
    c.name = "label printer";
    c.port = sim.port();
    c.timeout = 1500ms;
    return c;
}
} // namespace

TEST_CASE("~HS replies") {
    auto st = parseHostStatus(kReady);
    REQUIRE(st.ok());
    CHECK(st->labelLengthDots == 1245);
    CHECK(st->thermalTransfer);
    CHECK(st->printMode == 2);
    CHECK(st->problems().empty());

    const std::string paperOutPaused = "\x02"
                                       "030,1,1,1245,002,0,0,0,000,0,0,0\x03\r\n"
                                       "\x02"
                                       "001,0,1,1,1,2,6,0,00000003,1,000\x03\r\n"
                                       "\x02"
                                       "1234,0\x03\r\n";
    st = parseHostStatus(paperOutPaused);
    REQUIRE(st.ok());
    CHECK(st->paperOut);
    CHECK(st->paused);
    CHECK(st->headUp);
    CHECK(st->ribbonOut);
    CHECK(st->formatsInBuffer == 2);
    CHECK(st->labelsRemaining == 3);
    CHECK(st->problems() == "paper out, print head open, ribbon out, paused");

    CHECK_FALSE(parseHostStatus("").ok());
    CHECK_FALSE(parseHostStatus("\x02"
                                "030,0,0\x03\r\n\x02"
                                "001\x03")
                    .ok());
    CHECK_FALSE(parseHostStatus("\x02"
                                "030,2,0,1245,000,0,0,0,000,0,0,0\x03\r\n\x02"
                                "001,0,0,0,1,2,6,0,00000000,1,000\x03")
                    .ok());
    CHECK_FALSE(parseHostStatus("\x02"
                                "030,0,0,12x5,000,0,0,0,000,0,0,0\x03\r\n\x02"
                                "001,0,0,0,1,2,6,0,00000000,1,000\x03")
                    .ok());
    CHECK_FALSE(parseHostStatus("\x02"
                                "030,0,0,1245,000,0,0,0,000,0,0,0")
                    .ok());
}

TEST_CASE("a print is done only when the printer accepted it") {
    auto sim = PrinterSimulator::start();
    REQUIRE(sim.ok());
    const PrinterConfig c = simulatorConfig(*sim.value());
    LabelPrinter printer(c);

    auto r = printer.print(kLabel);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().text()));
    CHECK(r->statusConfirmed);
    CHECK(sim.value()->formats() == std::vector<std::string>{kLabel});
    CHECK(sim.value()->statusQueries() == 2);

    sim.value()->setPaperOut(true); // a real printer does not answer ~HS now
    r = printer.print(kLabel);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("did not answer") != std::string::npos);
    CHECK(sim.value()->formats().size() == 1);
    sim.value()->setPaperOut(false);

    sim.value()->setPaused(true);
    r = printer.print(kLabel);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("paused") != std::string::npos);
    sim.value()->setPaused(false);

    CHECK_FALSE(printer.print("hello").ok()); // not ZPL

    PrintQueue queue(c);
    const auto job = queue.submit(kLabel);
    std::vector<PrintEvent> events;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (events.empty() && std::chrono::steady_clock::now() < deadline) {
        events = queue.drainEvents();
        std::this_thread::sleep_for(2ms);
    }
    REQUIRE(events.size() == 1);
    CHECK(events[0].job == job);
    CHECK(events[0].ok);
}

TEST_CASE("printer transports: file, refused connection") {
    admix::test::TempDir dir;
    PrinterConfig f;
    f.transport = PrinterTransport::File;
    f.path = (dir / "label.zpl").string();
    auto r = LabelPrinter(f).print(kLabel);
    REQUIRE(r.ok());
    CHECK(admix::test::readFile(dir / "label.zpl") == kLabel);

    PrinterConfig closed;
    closed.port = 1; // nothing listens on 127.0.0.1:1
    closed.timeout = 500ms;
    r = LabelPrinter(closed).print(kLabel);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("cannot reach") != std::string::npos);
}

TEST_CASE("probe: a printer that is off, paused or out of paper needs action before a label is due") {
    auto sim = PrinterSimulator::start();
    REQUIRE(sim.ok());
    const PrinterConfig c = simulatorConfig(*sim.value());
    const LabelPrinter printer(c);

    auto p = printer.probe();
    REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().text()));
    CHECK(p->find("ready") != std::string::npos);
    CHECK(sim.value()->formats().empty()); // probing prints nothing
    CHECK(sim.value()->statusQueries() == 1);

    sim.value()->setPaused(true);
    p = printer.probe();
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message.find("paused") != std::string::npos);
    CHECK(p.error().where.find("label printer") != std::string::npos);
    sim.value()->setPaused(false);

    sim.value()->setPaperOut(true); // silent, as a real printer with no media
    p = printer.probe();
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message.find("did not answer") != std::string::npos);
    sim.value()->setPaperOut(false);

    PrinterConfig quiet = c; // a printer configured as one that never answers ~HS: reachable is all
    quiet.queryStatus = false;
    p = LabelPrinter(quiet).probe();
    REQUIRE(p.ok());
    CHECK(p->find("does not report status") != std::string::npos);

    PrinterConfig closed;
    closed.port = 1;
    closed.timeout = 500ms;
    p = LabelPrinter(closed).probe();
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message.find("cannot reach") != std::string::npos);

    admix::test::TempDir dir;
    PrinterConfig f;
    f.transport = PrinterTransport::File;
    f.path = (dir / "label.zpl").string();
    CHECK(LabelPrinter(f).probe().ok());
    CHECK_FALSE(std::filesystem::exists(dir / "label.zpl"));
    f.path = (dir / "no-such-folder" / "label.zpl").string();
    CHECK_FALSE(LabelPrinter(f).probe().ok());

    PrinterConfig usb;
    usb.transport = PrinterTransport::UsbLp;
    usb.path = (dir / "no-such-lp0").string();
    p = LabelPrinter(usb).probe();
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message.find("cannot open the USB printer") != std::string::npos);
}
