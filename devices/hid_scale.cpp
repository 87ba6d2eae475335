#include "devices/hid_scale.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <libusb.h>
#include <thread>

namespace admix::devices {

namespace {

std::optional<MassUnit> hidUnit(uint8_t code) {
    // Weight Unit selectors 0x51..0x5C in order: mg, g, kg, carat, tael, grain, pennyweight,
    // metric ton, avoirdupois ton, troy ounce, ounce, pound. Tons are not balance units here.
    switch (code) {
    case 1:
        return MassUnit::Milligram;
    case 2:
        return MassUnit::Gram;
    case 3:
        return MassUnit::Kilogram;
    case 4:
        return MassUnit::Carat;
    case 5:
        return MassUnit::Tael;
    case 6:
        return MassUnit::Grain;
    case 7:
        return MassUnit::Pennyweight;
    case 10:
        return MassUnit::TroyOunce;
    case 11:
        return MassUnit::Ounce;
    case 12:
        return MassUnit::Pound;
    default:
        return std::nullopt;
    }
}

} // namespace

Result<BalanceReply> decodeHidScaleReport(std::span<const uint8_t> report, HidScaleReportIds ids) {
    using R = Result<BalanceReply>;
    if (report.size() < 6)
        return R::fail("a scale data report has 6 bytes, got " + std::to_string(report.size()), "HID scale");
    if (report[0] != ids.data)
        return R::fail("not a scale data report (id " + std::to_string(report[0]) + ")", "HID scale");
    BalanceReply r;
    r.kind = BalanceReply::Kind::Weight;
    const auto status = report[1];
    const auto exponent = static_cast<int8_t>(report[3]);
    const unsigned raw = static_cast<unsigned>(report[4]) | (static_cast<unsigned>(report[5]) << 8);
    switch (status) {
    case static_cast<uint8_t>(HidScaleStatus::Fault):
        r.kind = BalanceReply::Kind::NotExecutable;
        r.detail = "the scale reports a fault";
        return r;
    case static_cast<uint8_t>(HidScaleStatus::RequiresCalibration):
        r.kind = BalanceReply::Kind::NotExecutable;
        r.detail = "the scale requires calibration";
        return r;
    case static_cast<uint8_t>(HidScaleStatus::RequiresRezeroing):
        r.kind = BalanceReply::Kind::NotExecutable;
        r.detail = "the scale requires re-zeroing";
        return r;
    case static_cast<uint8_t>(HidScaleStatus::OverWeightLimit):
        r.status = WeightStatus::Overload;
        return r;
    case static_cast<uint8_t>(HidScaleStatus::UnderZero):
        r.status = WeightStatus::Underload;
        return r;
    case static_cast<uint8_t>(HidScaleStatus::InMotion):
        r.status = WeightStatus::Unstable;
        break;
    case static_cast<uint8_t>(HidScaleStatus::WeightStable):
    case static_cast<uint8_t>(HidScaleStatus::StableAtZero):
        r.status = WeightStatus::Stable;
        break;
    default:
        return R::fail("unknown scale status " + std::to_string(status), "HID scale");
    }
    const auto unit = hidUnit(report[2]);
    if (!unit)
        return R::fail("unsupported weight unit code " + std::to_string(report[2]), "HID scale");
    if (exponent < -9 || exponent > 9)
        return R::fail("implausible scaling exponent " + std::to_string(exponent), "HID scale");
    r.unit = *unit;
    r.value = static_cast<double>(raw) * std::pow(10.0, exponent);
    r.decimals = exponent < 0 ? -exponent : 0;
    if (status == static_cast<uint8_t>(HidScaleStatus::StableAtZero))
        r.value = 0.0;
    return r;
}

std::vector<uint8_t> encodeHidZeroReport(HidScaleReportIds ids) {
    return {ids.control, 0x01};
}

std::optional<UsbId> parseUsbId(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 4 || text.size() - colon - 1 == 0 ||
        text.size() - colon - 1 > 4)
        return std::nullopt;
    UsbId id;
    const auto v = std::from_chars(text.data(), text.data() + colon, id.vendor, 16);
    const auto p = std::from_chars(text.data() + colon + 1, text.data() + text.size(), id.product, 16);
    if (v.ec != std::errc() || v.ptr != text.data() + colon || p.ec != std::errc() ||
        p.ptr != text.data() + text.size())
        return std::nullopt;
    return id;
}

// [SECTION] libusb transport -----------------------------------------------------------------------

namespace {

struct ContextDeleter {
    void operator()(libusb_context* c) const { libusb_exit(c); }
};
struct HandleDeleter {
    void operator()(libusb_device_handle* h) const { libusb_close(h); }
};
using ContextPtr = std::unique_ptr<libusb_context, ContextDeleter>;
using HandlePtr = std::unique_ptr<libusb_device_handle, HandleDeleter>;

// Releases the claimed interface (and gives the kernel driver back) when the session ends.
class ClaimedInterface {
public:
    ClaimedInterface(libusb_device_handle* h, int number) : m_handle(h), m_number(number) {}
    ~ClaimedInterface() {
        libusb_release_interface(m_handle, m_number);
        libusb_attach_kernel_driver(m_handle, m_number); // may fail if none was attached: ignored
    }
    ClaimedInterface(const ClaimedInterface&) = delete;
    ClaimedInterface& operator=(const ClaimedInterface&) = delete;

private:
    libusb_device_handle* m_handle;
    int m_number;
};

std::string usbError(int code) {
    return libusb_strerror(static_cast<libusb_error>(code));
}

// One open HID scale through libusb: the context, the device handle and the claimed interface are
// owned here and released in reverse order.
class LibusbReportSource final : public HidReportSource {
public:
    LibusbReportSource(ContextPtr context, HandlePtr handle, int interfaceNumber, uint8_t endpoint,
                       uint16_t packetSize, std::string where)
        : m_context(std::move(context)), m_handle(std::move(handle)),
          m_claim(std::make_unique<ClaimedInterface>(m_handle.get(), interfaceNumber)),
          m_interface(interfaceNumber), m_endpoint(endpoint), m_packetSize(packetSize),
          m_where(std::move(where)) {}
    ~LibusbReportSource() override {
        m_claim.reset(); // release the interface before the handle closes
        m_handle.reset();
    }

    Result<std::vector<uint8_t>> read(std::chrono::milliseconds timeout) override {
        std::vector<uint8_t> buffer(std::max<uint16_t>(m_packetSize, 8));
        int transferred = 0;
        const int rc = libusb_interrupt_transfer(m_handle.get(), m_endpoint, buffer.data(),
                                                 static_cast<int>(buffer.size()), &transferred,
                                                 static_cast<unsigned>(timeout.count()));
        if (rc == LIBUSB_ERROR_TIMEOUT)
            return std::vector<uint8_t>();
        if (rc != 0)
            return Result<std::vector<uint8_t>>::fail("read failed (unplugged?): " + usbError(rc), m_where);
        buffer.resize(static_cast<size_t>(transferred));
        return buffer;
    }

    Status sendReport(const std::vector<uint8_t>& report) override {
        std::vector<uint8_t> bytes = report;
        // SET_REPORT (output report) on the control endpoint.
        const int rc = libusb_control_transfer(
            m_handle.get(), 0x21, 0x09, static_cast<uint16_t>(0x0200 | bytes.at(0)),
            static_cast<uint16_t>(m_interface), bytes.data(), static_cast<uint16_t>(bytes.size()), 1000);
        if (rc < 0)
            return Status::fail("cannot send the report: " + usbError(rc), m_where);
        return {};
    }

    BalanceIdentity identity() override {
        BalanceIdentity id;
        libusb_device_descriptor desc{};
        if (libusb_get_device_descriptor(libusb_get_device(m_handle.get()), &desc) == 0) {
            unsigned char text[128];
            if (desc.iProduct &&
                libusb_get_string_descriptor_ascii(m_handle.get(), desc.iProduct, text, sizeof text) > 0)
                id.model = reinterpret_cast<char*>(text);
            if (desc.iSerialNumber &&
                libusb_get_string_descriptor_ascii(m_handle.get(), desc.iSerialNumber, text, sizeof text) > 0)
                id.serial = reinterpret_cast<char*>(text);
        }
        return id;
    }

private:
    ContextPtr m_context;
    HandlePtr m_handle;
    std::unique_ptr<ClaimedInterface> m_claim;
    int m_interface;
    uint8_t m_endpoint;
    uint16_t m_packetSize;
    std::string m_where;
};

} // namespace

Result<std::unique_ptr<HidReportSource>> openLibusbScale(UsbId id) {
    using R = Result<std::unique_ptr<HidReportSource>>;
    char where[32];
    std::snprintf(where, sizeof where, "USB %04x:%04x", id.vendor, id.product);
    libusb_context* rawContext = nullptr;
    if (const int rc = libusb_init(&rawContext); rc != 0)
        return R::fail("cannot start libusb: " + usbError(rc), where);
    ContextPtr context(rawContext);
    HandlePtr handle(libusb_open_device_with_vid_pid(context.get(), id.vendor, id.product));
    if (!handle)
        return R::fail("scale not found or not accessible (unplugged, or no permission)", where);
    libusb_set_auto_detach_kernel_driver(handle.get(), 1);

    // Find the HID interface's interrupt IN endpoint.
    libusb_config_descriptor* rawConfig = nullptr;
    if (const int rc = libusb_get_active_config_descriptor(libusb_get_device(handle.get()), &rawConfig);
        rc != 0)
        return R::fail("cannot read the configuration: " + usbError(rc), where);
    std::unique_ptr<libusb_config_descriptor, void (*)(libusb_config_descriptor*)> config(
        rawConfig, libusb_free_config_descriptor);
    int interfaceNumber = -1;
    uint8_t endpoint = 0;
    uint16_t packetSize = 8;
    for (int i = 0; i < config->bNumInterfaces && interfaceNumber < 0; ++i) {
        const auto& alt = config->interface[i].altsetting[0];
        if (alt.bInterfaceClass != LIBUSB_CLASS_HID)
            continue;
        for (int e = 0; e < alt.bNumEndpoints; ++e) {
            const auto& ep = alt.endpoint[e];
            if ((ep.bEndpointAddress & LIBUSB_ENDPOINT_IN) &&
                (ep.bmAttributes & 0x3) == LIBUSB_TRANSFER_TYPE_INTERRUPT) {
                interfaceNumber = alt.bInterfaceNumber;
                endpoint = ep.bEndpointAddress;
                packetSize = ep.wMaxPacketSize;
                break;
            }
        }
    }
    if (interfaceNumber < 0)
        return R::fail("no HID interrupt endpoint: not a HID scale", where);
    if (const int rc = libusb_claim_interface(handle.get(), interfaceNumber); rc != 0)
        return R::fail("cannot claim the scale: " + usbError(rc), where);
    return R(std::make_unique<LibusbReportSource>(std::move(context), std::move(handle), interfaceNumber,
                                                  endpoint, packetSize, where));
}

// [SECTION] HidScaleBalance ------------------------------------------------------------------------

HidScaleBalance::HidScaleBalance(BalanceOptions options, UsbId id, HidScaleReportIds ids)
    : HidScaleBalance(
          std::move(options), [id] { return openLibusbScale(id); }, ids) {}

HidScaleBalance::HidScaleBalance(BalanceOptions options, Opener opener, HidScaleReportIds ids)
    : BalanceDevice(std::move(options)), m_opener(std::move(opener)), m_ids(ids) {}

HidScaleBalance::~HidScaleBalance() {
    stop();
}

Status HidScaleBalance::runSession(std::stop_token stop) {
    auto opened = m_opener();
    if (!opened)
        return opened.error();
    std::unique_ptr<HidReportSource> source = std::move(opened).value();
    setIdentity(source->identity());
    setState(ConnectionState::Connected, "connected");
    auto lastReport = std::chrono::steady_clock::now();
    while (!stop.stop_requested()) {
        for (const auto command : takeCommands()) {
            if (command == Command::Tare) {
                publishCommandResult(false, "a HID POS scale has no tare command");
                continue;
            }
            const auto sent = source->sendReport(encodeHidZeroReport(m_ids));
            publishCommandResult(sent.ok(), sent.ok() ? "zero sent" : sent.error().text());
        }
        auto report = source->read(std::chrono::milliseconds(100));
        if (!report)
            return report.error();
        if (report->empty()) {
            if (std::chrono::steady_clock::now() - lastReport > options().silenceTimeout)
                return Status::fail("no report from the scale for " +
                                        std::to_string(options().silenceTimeout.count()) + " ms",
                                    options().name);
            continue;
        }
        lastReport = std::chrono::steady_clock::now();
        std::string hex;
        for (const uint8_t b : *report) {
            char text[4];
            std::snprintf(text, sizeof text, "%02x ", b);
            hex += text;
        }
        const auto reply = decodeHidScaleReport(*report, m_ids);
        if (!reply) {
            publishRejected(hex, reply.error());
            continue;
        }
        if (reply->kind != BalanceReply::Kind::Weight) {
            setState(ConnectionState::Error, reply->detail);
            continue;
        }
        BalanceReading reading;
        reading.status = reply->status;
        reading.value = reply->value;
        reading.unit = reply->unit;
        reading.decimals = reply->decimals;
        reading.at = std::chrono::system_clock::now();
        reading.raw = hex;
        publishReading(std::move(reading));
    }
    return {};
}

// [SECTION] HidScaleSimulator ----------------------------------------------------------------------

std::vector<uint8_t> HidScaleSimulator::currentReport() const {
    std::lock_guard lock(m_mutex);
    const double grams = m_grams;
    uint8_t status = static_cast<uint8_t>(HidScaleStatus::WeightStable);
    if (m_fault)
        status = static_cast<uint8_t>(HidScaleStatus::Fault);
    else if (m_overload)
        status = static_cast<uint8_t>(HidScaleStatus::OverWeightLimit);
    else if (grams < 0)
        status = static_cast<uint8_t>(HidScaleStatus::UnderZero);
    else if (m_unstable)
        status = static_cast<uint8_t>(HidScaleStatus::InMotion);
    else if (grams == 0)
        status = static_cast<uint8_t>(HidScaleStatus::StableAtZero);
    // Grams with one decimal: exponent -1, as a 5 kg x 0.1 g postal scale reports.
    const auto raw = static_cast<unsigned>(std::lround(std::clamp(grams, 0.0, 6553.5) * 10.0));
    return {m_ids.data, status, 0x02, 0xFF, static_cast<uint8_t>(raw & 0xff), static_cast<uint8_t>(raw >> 8)};
}

namespace {

class SimulatedReportSource final : public HidReportSource {
public:
    explicit SimulatedReportSource(HidScaleSimulator& sim) : m_sim(sim) {}
    Result<std::vector<uint8_t>> read(std::chrono::milliseconds timeout) override {
        std::this_thread::sleep_for(
            std::min(timeout, std::chrono::milliseconds(20))); // a report every ~20 ms
        if (!m_sim.plugged())
            return Result<std::vector<uint8_t>>::fail("read failed (unplugged?): no device",
                                                      "simulated HID scale");
        if (m_sim.takeGarbage())
            return std::vector<uint8_t>{0x07, 0x42};
        return m_sim.currentReport();
    }
    Status sendReport(const std::vector<uint8_t>& report) override {
        if (report.size() == 2 && report[1] == 0x01)
            m_sim.setLoad(0.0);
        return {};
    }
    BalanceIdentity identity() override { return {"Simulated HID scale", "HID0001", {}}; }

private:
    HidScaleSimulator& m_sim;
};

} // namespace

HidScaleBalance::Opener HidScaleSimulator::opener() {
    return [this]() -> Result<std::unique_ptr<HidReportSource>> {
        if (!plugged())
            return Result<std::unique_ptr<HidReportSource>>::fail("scale not found (unplugged)",
                                                                  "simulated HID scale");
        return std::unique_ptr<HidReportSource>(std::make_unique<SimulatedReportSource>(*this));
    };
}

} // namespace admix::devices
