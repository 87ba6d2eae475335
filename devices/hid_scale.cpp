#include "devices/hid_scale.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <libusb.h>

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

} // namespace

HidScaleBalance::HidScaleBalance(BalanceOptions options, UsbId id, HidScaleReportIds ids)
    : BalanceDevice(std::move(options)), m_id(id), m_ids(ids) {}

HidScaleBalance::~HidScaleBalance() {
    stop();
}

Status HidScaleBalance::runSession(std::stop_token stop) {
    char where[32];
    std::snprintf(where, sizeof where, "USB %04x:%04x", m_id.vendor, m_id.product);
    libusb_context* rawContext = nullptr;
    if (const int rc = libusb_init(&rawContext); rc != 0)
        return Status::fail("cannot start libusb: " + usbError(rc), where);
    ContextPtr context(rawContext);
    HandlePtr handle(libusb_open_device_with_vid_pid(context.get(), m_id.vendor, m_id.product));
    if (!handle)
        return Status::fail("scale not found or not accessible (unplugged, or no permission)", where);
    libusb_set_auto_detach_kernel_driver(handle.get(), 1);

    // Find the HID interface's interrupt IN endpoint.
    libusb_device* device = libusb_get_device(handle.get());
    libusb_config_descriptor* rawConfig = nullptr;
    if (const int rc = libusb_get_active_config_descriptor(device, &rawConfig); rc != 0)
        return Status::fail("cannot read the configuration: " + usbError(rc), where);
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
        return Status::fail("no HID interrupt endpoint: not a HID scale", where);
    if (const int rc = libusb_claim_interface(handle.get(), interfaceNumber); rc != 0)
        return Status::fail("cannot claim the scale: " + usbError(rc), where);
    ClaimedInterface claim(handle.get(), interfaceNumber);

    BalanceIdentity identity;
    libusb_device_descriptor desc{};
    if (libusb_get_device_descriptor(device, &desc) == 0) {
        unsigned char text[128];
        if (desc.iProduct &&
            libusb_get_string_descriptor_ascii(handle.get(), desc.iProduct, text, sizeof text) > 0)
            identity.model = reinterpret_cast<char*>(text);
        if (desc.iSerialNumber &&
            libusb_get_string_descriptor_ascii(handle.get(), desc.iSerialNumber, text, sizeof text) > 0)
            identity.serial = reinterpret_cast<char*>(text);
    }
    setIdentity(identity);
    setState(ConnectionState::Connected, "connected");

    std::vector<uint8_t> buffer(std::max<uint16_t>(packetSize, 8));
    while (!stop.stop_requested()) {
        for (const auto command : takeCommands()) {
            if (command == Command::Tare) {
                publishCommandResult(false, "a HID POS scale has no tare command");
                continue;
            }
            auto report = encodeHidZeroReport(m_ids);
            // SET_REPORT (output) on the control endpoint.
            const int rc = libusb_control_transfer(handle.get(), 0x21, 0x09,
                                                   static_cast<uint16_t>(0x0200 | m_ids.control),
                                                   static_cast<uint16_t>(interfaceNumber), report.data(),
                                                   static_cast<uint16_t>(report.size()), 1000);
            publishCommandResult(rc >= 0, rc >= 0 ? "zero sent" : "zero failed: " + usbError(rc));
        }
        int transferred = 0;
        const int rc = libusb_interrupt_transfer(handle.get(), endpoint, buffer.data(),
                                                 static_cast<int>(buffer.size()), &transferred, 200);
        if (rc == LIBUSB_ERROR_TIMEOUT)
            continue;
        if (rc != 0)
            return Status::fail("read failed (unplugged?): " + usbError(rc), where);
        const auto reply = decodeHidScaleReport(
            std::span<const uint8_t>(buffer.data(), static_cast<size_t>(transferred)), m_ids);
        std::string hex;
        for (int i = 0; i < transferred; ++i) {
            char b[4];
            std::snprintf(b, sizeof b, "%02x ", buffer[static_cast<size_t>(i)]);
            hex += b;
        }
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
        reading.at = std::chrono::system_clock::now();
        reading.raw = hex;
        publishReading(std::move(reading));
    }
    return {};
}

} // namespace admix::devices
