// [[devices]] tables: what the station accepts, and errors that name line, column and key.
#include "devices/device_config.hpp"
#include "devices/device_manager.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace admix::devices;
using namespace std::chrono_literals;

TEST_CASE("device config parses every kind") {
    const auto r = parseDeviceConfigs(R"(
[[devices]]
name = "hood-1 balance"
kind = "balance"
transport = "serial"
port = "/dev/serial/by-id/usb-METTLER_TOLEDO-if00"
protocol = "mt-sics"
baud = 19200
parity = "even"
data_bits = 7
stop_bits = 2

[[devices]]
name = "pos scale"
kind = "balance"
transport = "usb-hid"
usb = "0922:8003"

[[devices]]
name = "wedge"
kind = "scanner"
transport = "evdev"
port = "/dev/input/by-id/usb-scanner-event-kbd"

[[devices]]
name = "labels"
kind = "printer"
transport = "tcp"
host = "127.0.0.1"
tcp_port = 9100
status = false
)",
                                      "station.toml");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().text()));
    REQUIRE(r->size() == 4);
    const auto& b = r->at(0);
    CHECK(b.kind == DeviceKind::Balance);
    CHECK(b.serial.baud == 19200);
    CHECK(b.serial.parity == Parity::Even);
    CHECK(b.serial.dataBits == 7);
    CHECK(b.serial.stopBits == 2);
    CHECK(b.line == 2);
    CHECK(r->at(1).protocol == BalanceProtocolKind::HidPos);
    CHECK(r->at(1).usbProduct == 0x8003);
    CHECK(r->at(2).transport == DeviceTransport::Evdev);
    CHECK_FALSE(r->at(3).queryStatus);
    CHECK(parseDeviceConfigs("", "empty.toml")->empty());
}

TEST_CASE("device config errors name where") {
    const auto err = [](const char* text) {
        const auto r = parseDeviceConfigs(text, "s.toml");
        REQUIRE_FALSE(r.ok());
        return r.error().text();
    };
    CHECK(err("[[devices]]\nname = \"b\"\nkind = \"balance\"\ntransport = \"serial\"\nport = "
              "\"/dev/x\"\nprotocol = \"mt-sics\"\nbaud = 9601\n")
              .rfind("s.toml:7:8: devices.baud: unsupported baud rate", 0) == 0);
    CHECK(
        err("[[devices]]\nname = \"b\"\nkind = \"balance\"\ntransport = \"serial\"\nprotocol = \"mt-sics\"\n")
            .find("s.toml:1:1: device \"b\": needs a port") == 0);
    CHECK(err("[[devices]]\nname = \"b\"\nkind = \"scale\"\n").find("s.toml:3:8: devices.kind") == 0);
    CHECK(err("[[devices]]\nname = \"b\"\ncolour = 1\n").find("s.toml:3:10: devices.colour: unknown key") ==
          0);
    CHECK(err("[[devices]]\nname = 3\n").find("devices.name: must be a string") != std::string::npos);
    CHECK(err("[[devices]]\nname = \"a\"\nkind = \"printer\"\ntransport = \"file\"\npath = \"x\"\n"
              "[[devices]]\nname = \"a\"\nkind = \"printer\"\ntransport = \"file\"\npath = \"y\"\n")
              .find("two devices are named \"a\"") != std::string::npos);
    CHECK(err("[[devices]\nname = \"b\"\n").rfind("s.toml:1:", 0) == 0);
    CHECK(err("devices = 3\n").find("array of tables") != std::string::npos);
    CHECK(err("[[devices]]\nname = \"b\"\nkind = \"balance\"\ntransport = \"usb-hid\"\nusb = \"zz\"\n")
              .find("VID:PID") != std::string::npos);
}

TEST_CASE("the device manager runs simulated devices and always disconnects") {
    const auto configs = parseDeviceConfigs(R"(
[[devices]]
name = "sim balance"
kind = "balance"
transport = "simulated"
protocol = "sbi"
[[devices]]
name = "sim scanner"
kind = "scanner"
transport = "simulated"
[[devices]]
name = "sim printer"
kind = "printer"
transport = "simulated"
)",
                                            "demo.toml");
    REQUIRE(configs.ok());
    DeviceManager manager(configs.value());
    for (const auto& s : manager.statuses())
        CHECK(s.detail == "not started");
    manager.start();
    manager.start(); // idempotent
    REQUIRE(manager.balanceSimulator("sim balance"));
    manager.balanceSimulator("sim balance")->setLoad(42.5);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    auto* balance = manager.balance("sim balance");
    REQUIRE(balance);
    while (std::chrono::steady_clock::now() < deadline) {
        auto snap = balance->snapshot();
        if (snap->latest && snap->latest->stable() && snap->latest->value == 42.5)
            break;
        std::this_thread::sleep_for(2ms);
    }
    CHECK(balance->snapshot()->latest->value == 42.5);
    auto* printer = manager.printer("sim printer");
    REQUIRE(printer);
    printer->submit("^XA^FDx^FS^XZ");
    std::vector<PrintEvent> events;
    while (events.empty() && std::chrono::steady_clock::now() < deadline) {
        events = printer->drainEvents();
        std::this_thread::sleep_for(2ms);
    }
    REQUIRE(events.size() == 1);
    CHECK(events[0].ok);
    const auto statuses = manager.statuses();
    REQUIRE(statuses.size() == 3);
    CHECK(statuses[0].state == ConnectionState::Reading);
    CHECK(statuses[2].kind == DeviceKind::Printer);
    manager.stop();
    manager.stop();
    CHECK(manager.balance("sim balance") == nullptr);
    CHECK(manager.statuses()[0].detail == "not started");
    CHECK(listSerialPortsById("/nonexistent/by-id").empty());
}

TEST_CASE("a configured USB scale that is absent is reported, not fatal") {
    const auto configs =
        parseDeviceConfigs("[[devices]]\nname = \"pos scale\"\nkind = \"balance\"\ntransport = \"usb-hid\"\n"
                           "usb = \"0922:8003\"\n",
                           "usb.toml");
    REQUIRE(configs.ok());
    DeviceManager manager(configs.value());
    manager.start();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (manager.statuses()[0].state != ConnectionState::Error &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(2ms);
    const auto status = manager.statuses()[0];
    CHECK(status.state == ConnectionState::Error);
    CHECK(status.detail.find("USB 0922:8003") != std::string::npos);
    MESSAGE("absent USB scale: " << status.detail << "; hot-plug: "
                                 << (manager.hotplugError().empty() ? "running" : manager.hotplugError()));
    manager.stop();
}
