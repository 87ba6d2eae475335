// Scanners: serial bytes kept intact (GS and AIM prefix), the keyboard wedge rebuilding GS, and the
// report of GS1 data that lost its separators. AIM identifiers: ISO/IEC 15424 (]d2 GS1 DataMatrix,
// ]C1 GS1-128, ]Q3 GS1 QR); GS1 element strings: GS1 General Specifications, section 7.8 (FNC1/GS ends
// a variable-length field unless it is last). GTIN 00304093977035 from DOMAIN.md (NDC 0409-3977-03).
#include "devices/scanner.hpp"
#include "devices/simulators.hpp"
#include "tests/test_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <functional>
#include <linux/input.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace admix::devices;
using namespace std::chrono_literals;

namespace {

const std::string kGs1 = "]d2"
                         "0100304093977035"
                         "17261231"
                         "10A1B2C3"
                         "\x1d"
                         "2112345";
const std::string kGs1NoGs = "]d2"
                             "0100304093977035"
                             "17261231"
                             "10A1B2C3"
                             "2112345";

std::optional<ScanEvent> typeInto(KeyboardWedgeDecoder& d, const std::string& text, bool altCode = false) {
    std::optional<ScanEvent> out;
    for (const auto& [code, value] : keyEventsFor(text, altCode))
        if (auto e = d.feed(code, value))
            out = e;
    return out;
}

} // namespace

TEST_CASE("serial scans keep their bytes") {
    ScanFramer f;
    auto scans = f.feed(kGs1 + "\r\n" +
                        "]C1"
                        "0100304093977035"
                        "\r");
    REQUIRE(scans.size() == 2);
    CHECK(scans[0].data == kGs1);
    CHECK(scans[0].aim == "]d2");
    CHECK(scans[1].aim == "]C1");
    CHECK_FALSE(scans[0].gs1SeparatorsMissing);
    CHECK(f.feed(kGs1NoGs + "\r\n").at(0).gs1SeparatorsMissing);
    CHECK(f.feed("\n").empty()); // the LF of a CR LF split across reads ends nothing new
    CHECK(f.feed("12345").empty());
    scans = f.feed("678\n");
    REQUIRE(scans.size() == 1);
    CHECK(scans[0].data == "12345678");
    CHECK(scans[0].aim.empty());
}

TEST_CASE("GS1 data without separators is reported, not guessed") {
    CHECK_FALSE(gs1SeparatorsAmbiguous(kGs1.substr(3)));
    CHECK(gs1SeparatorsAmbiguous(kGs1NoGs.substr(3)));
    CHECK_FALSE(gs1SeparatorsAmbiguous("0100304093977035"
                                       "17261231"
                                       "10A1B2C3")); // lot last: unambiguous
    CHECK_FALSE(gs1SeparatorsAmbiguous("0100304093977035"));
    CHECK(gs1SeparatorsAmbiguous("0100304093977035"
                                 "10"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ")); // longer than 20
    CHECK_FALSE(gs1SeparatorsAmbiguous("hello world"));
    CHECK(isGs1Aim("]d2"));
    CHECK_FALSE(isGs1Aim("]d1"));
}

TEST_CASE("keyboard wedge: characters, GS rebuilt, separators missing reported") {
    KeyboardWedgeDecoder d;
    auto e = typeInto(d, kGs1);
    REQUIRE(e.has_value());
    CHECK(e->data == kGs1);
    CHECK_FALSE(e->gs1SeparatorsMissing);
    e = typeInto(d, kGs1, true); // GS as Alt+0,2,9 on the keypad
    REQUIRE(e.has_value());
    CHECK(e->data == kGs1);
    e = typeInto(d, kGs1NoGs);
    REQUIRE(e.has_value());
    CHECK(e->data == kGs1NoGs);
    CHECK(e->gs1SeparatorsMissing);
    e = typeInto(d, "Lot: a-B_c/9?");
    REQUIRE(e.has_value());
    CHECK(e->data == "Lot: a-B_c/9?");
    // An unknown key (F5) makes the scan untrustworthy: it comes back empty and is counted.
    d.feed(KEY_1, 1);
    d.feed(KEY_F5, 1);
    e = d.feed(KEY_ENTER, 1);
    REQUIRE(e.has_value());
    CHECK(e->data.empty());
    CHECK(d.unmappedKeys() == 1);
    CHECK_FALSE(d.feed(KEY_ENTER, 1).has_value()); // an empty Enter is no scan
}

TEST_CASE("a serial scanner on a pty delivers scans with GS and AIM intact") {
    auto sim = ScannerSimulator::start("\r");
    REQUIRE(sim.ok());
    SerialScanner scanner("hood-1 scanner", sim.value()->path(), SerialSettings{});
    scanner.start();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (scanner.snapshot()->status.state != ConnectionState::Connected &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(2ms);
    REQUIRE(scanner.snapshot()->status.state == ConnectionState::Connected);
    REQUIRE(sim.value()->emit(kGs1).ok());
    REQUIRE(sim.value()
                ->emit("]C1"
                       "0100304093977035")
                .ok());
    std::vector<ScanEvent> scans;
    while (scans.size() < 2 && std::chrono::steady_clock::now() < deadline) {
        for (auto& s : scanner.drainScans())
            scans.push_back(std::move(s));
        std::this_thread::sleep_for(2ms);
    }
    REQUIRE(scans.size() == 2);
    CHECK(scans[0].data == kGs1);
    CHECK(scans[0].source == "hood-1 scanner");
    CHECK(scans[1].aim == "]C1");
    sim.value()->unplug();
    while (scanner.snapshot()->status.state != ConnectionState::Error &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(2ms);
    CHECK(scanner.snapshot()->status.state == ConnectionState::Error);
    scanner.stop();
    scanner.stop();
}

TEST_CASE("the evdev scanner reads input_event records (through a FIFO: no /dev/input in the test sandbox)") {
    admix::test::TempDir dir;
    const auto fifo = (dir / "event-kbd").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    EvdevScanner scanner("wedge", fifo, EvdevScanner::Grab::Skip);
    scanner.start();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (scanner.snapshot()->status.state != ConnectionState::Connected &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(2ms);
    REQUIRE(scanner.snapshot()->status.state == ConnectionState::Connected);
    const int writer = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(writer >= 0);
    std::vector<input_event> events;
    for (const auto& [code, value] : keyEventsFor(kGs1)) {
        input_event e{};
        e.type = EV_KEY;
        e.code = code;
        e.value = value;
        events.push_back(e);
        input_event sync{}; // a real device interleaves SYN reports: they must be ignored
        sync.type = EV_SYN;
        events.push_back(sync);
    }
    const auto bytes = events.size() * sizeof(input_event);
    size_t written = 0;
    const auto* data = reinterpret_cast<const char*>(events.data());
    while (written < bytes) {
        const auto n = ::write(writer, data + written, std::min<size_t>(bytes - written, 4080));
        REQUIRE(n > 0);
        written += static_cast<size_t>(n);
    }
    std::vector<ScanEvent> scans;
    while (scans.empty() && std::chrono::steady_clock::now() < deadline) {
        scans = scanner.drainScans();
        std::this_thread::sleep_for(2ms);
    }
    REQUIRE(scans.size() == 1);
    CHECK(scans[0].data == kGs1);
    CHECK(scans[0].aim == "]d2");
    ::close(writer); // the device goes away
    while (scanner.snapshot()->status.state != ConnectionState::Error &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(2ms);
    CHECK(scanner.snapshot()->status.detail.find("unplugged") != std::string::npos);
    scanner.stop();
}
