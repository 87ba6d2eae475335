#include "devices/scanner.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace admix::devices {

// [SECTION] GS1 and AIM ----------------------------------------------------------------------------

std::string aimPrefix(std::string_view data) {
    if (data.size() >= 3 && data[0] == ']' && data[1] >= 'A' && data[1] <= 'z' && data[2] >= '0' &&
        data[2] <= 'z')
        return std::string(data.substr(0, 3));
    return {};
}

bool isGs1Aim(std::string_view aim) {
    return aim == "]C1" || aim == "]e0" || aim == "]d2" || aim == "]Q3" || aim == "]J1";
}

namespace {

struct AiSpec {
    std::string_view ai;
    int fixedLength; // data length; 0 for variable
    int maxLength;
};

// The application identifiers found on drug packages, with their data lengths (GS1 General
// Specifications, AI table). Enough to tell whether a tail reads as complete fields.
constexpr AiSpec kAis[] = {
    {"00", 18, 18}, {"01", 14, 14}, {"02", 14, 14}, {"11", 6, 6},   {"12", 6, 6},   {"13", 6, 6},
    {"15", 6, 6},   {"16", 6, 6},   {"17", 6, 6},   {"20", 2, 2},   {"10", 0, 20},  {"21", 0, 20},
    {"22", 0, 20},  {"30", 0, 8},   {"37", 0, 8},   {"240", 0, 30}, {"241", 0, 30}, {"250", 0, 30},
    {"710", 0, 20}, {"711", 0, 20}, {"712", 0, 20}, {"713", 0, 20}, {"714", 0, 20},
};

const AiSpec* matchAi(std::string_view s) {
    for (const auto& a : kAis) {
        if (s.substr(0, a.ai.size()) == a.ai)
            return &a;
    }
    return nullptr;
}

bool allDigits(std::string_view s) {
    for (const char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

// Does `s` read completely as AI fields, the last one variable-length (no separators inside)?
bool readsAsFields(std::string_view s, int depth) {
    if (s.empty())
        return true;
    if (depth > 8)
        return false;
    const AiSpec* a = matchAi(s);
    if (!a)
        return false;
    const auto rest = s.substr(a->ai.size());
    if (a->fixedLength > 0) {
        if (rest.size() < static_cast<size_t>(a->fixedLength) ||
            !allDigits(rest.substr(0, static_cast<size_t>(a->fixedLength))))
            return false;
        return readsAsFields(rest.substr(static_cast<size_t>(a->fixedLength)), depth + 1);
    }
    return !rest.empty() && rest.size() <= static_cast<size_t>(a->maxLength);
}

} // namespace

bool gs1SeparatorsAmbiguous(std::string_view s) {
    if (s.find('\x1d') != std::string_view::npos)
        return false;
    // Walk the fixed-length fields; at the first variable-length one, see whether its value could end
    // early with the remainder reading as further fields.
    for (int guard = 0; guard < 16 && !s.empty(); ++guard) {
        const AiSpec* a = matchAi(s);
        if (!a)
            return false; // not GS1 element data we know: nothing to say
        s.remove_prefix(a->ai.size());
        if (a->fixedLength > 0) {
            if (s.size() < static_cast<size_t>(a->fixedLength))
                return false;
            s.remove_prefix(static_cast<size_t>(a->fixedLength));
            continue;
        }
        for (size_t cut = 1; cut < s.size(); ++cut) {
            if (readsAsFields(s.substr(cut), 0))
                return true;
        }
        // Longer than the field allows: another field must follow, and nothing marks where.
        return s.size() > static_cast<size_t>(a->maxLength);
    }
    return false;
}

namespace {

ScanEvent makeScan(std::string data) {
    ScanEvent e;
    e.aim = aimPrefix(data);
    e.data = std::move(data);
    e.at = std::chrono::system_clock::now();
    return e;
}

} // namespace

std::vector<ScanEvent> ScanFramer::feed(std::string_view bytes) {
    std::vector<ScanEvent> scans;
    for (auto& line : m_framer.feed(bytes)) {
        if (line.empty())
            continue;
        ScanEvent e = makeScan(std::move(line));
        // A scanner set up to drop FNC1 loses GS here too: report it the same way.
        e.gs1SeparatorsMissing =
            isGs1Aim(e.aim) && gs1SeparatorsAmbiguous(std::string_view(e.data).substr(e.aim.size()));
        scans.push_back(std::move(e));
    }
    return scans;
}

// [SECTION] Keyboard wedge -------------------------------------------------------------------------

namespace {

struct KeyChars {
    uint16_t code;
    char normal;
    char shifted;
};

constexpr KeyChars kKeys[] = {
    {KEY_1, '1', '!'},          {KEY_2, '2', '@'},           {KEY_3, '3', '#'},
    {KEY_4, '4', '$'},          {KEY_5, '5', '%'},           {KEY_6, '6', '^'},
    {KEY_7, '7', '&'},          {KEY_8, '8', '*'},           {KEY_9, '9', '('},
    {KEY_0, '0', ')'},          {KEY_MINUS, '-', '_'},       {KEY_EQUAL, '=', '+'},
    {KEY_Q, 'q', 'Q'},          {KEY_W, 'w', 'W'},           {KEY_E, 'e', 'E'},
    {KEY_R, 'r', 'R'},          {KEY_T, 't', 'T'},           {KEY_Y, 'y', 'Y'},
    {KEY_U, 'u', 'U'},          {KEY_I, 'i', 'I'},           {KEY_O, 'o', 'O'},
    {KEY_P, 'p', 'P'},          {KEY_LEFTBRACE, '[', '{'},   {KEY_RIGHTBRACE, ']', '}'},
    {KEY_A, 'a', 'A'},          {KEY_S, 's', 'S'},           {KEY_D, 'd', 'D'},
    {KEY_F, 'f', 'F'},          {KEY_G, 'g', 'G'},           {KEY_H, 'h', 'H'},
    {KEY_J, 'j', 'J'},          {KEY_K, 'k', 'K'},           {KEY_L, 'l', 'L'},
    {KEY_SEMICOLON, ';', ':'},  {KEY_APOSTROPHE, '\'', '"'}, {KEY_GRAVE, '`', '~'},
    {KEY_BACKSLASH, '\\', '|'}, {KEY_Z, 'z', 'Z'},           {KEY_X, 'x', 'X'},
    {KEY_C, 'c', 'C'},          {KEY_V, 'v', 'V'},           {KEY_B, 'b', 'B'},
    {KEY_N, 'n', 'N'},          {KEY_M, 'm', 'M'},           {KEY_COMMA, ',', '<'},
    {KEY_DOT, '.', '>'},        {KEY_SLASH, '/', '?'},       {KEY_SPACE, ' ', ' '},
    {KEY_KPSLASH, '/', '/'},    {KEY_KPASTERISK, '*', '*'},  {KEY_KPMINUS, '-', '-'},
    {KEY_KPPLUS, '+', '+'},     {KEY_KPDOT, '.', '.'},
};

std::optional<char> keypadDigit(uint16_t code) {
    switch (code) {
    case KEY_KP0:
        return '0';
    case KEY_KP1:
        return '1';
    case KEY_KP2:
        return '2';
    case KEY_KP3:
        return '3';
    case KEY_KP4:
        return '4';
    case KEY_KP5:
        return '5';
    case KEY_KP6:
        return '6';
    case KEY_KP7:
        return '7';
    case KEY_KP8:
        return '8';
    case KEY_KP9:
        return '9';
    default:
        return std::nullopt;
    }
}

bool isKeypadKey(uint16_t code) {
    return code == KEY_KPSLASH || code == KEY_KPASTERISK || code == KEY_KPMINUS || code == KEY_KPPLUS ||
           code == KEY_KPDOT;
}

const KeyChars* keyFor(uint16_t code) {
    for (const auto& k : kKeys)
        if (k.code == code)
            return &k;
    return nullptr;
}

} // namespace

std::optional<ScanEvent> KeyboardWedgeDecoder::feed(uint16_t code, int32_t value) {
    const bool down = value != 0;
    switch (code) {
    case KEY_LEFTSHIFT:
    case KEY_RIGHTSHIFT:
        m_shift = down;
        return std::nullopt;
    case KEY_LEFTCTRL:
    case KEY_RIGHTCTRL:
        m_ctrl = down;
        return std::nullopt;
    case KEY_LEFTALT:
    case KEY_RIGHTALT:
        m_alt = down;
        if (!down && !m_altDigits.empty()) {
            // Alt held while typing a decimal code on the keypad, e.g. Alt+0,2,9 for GS.
            const int c = std::atoi(m_altDigits.c_str());
            m_altDigits.clear();
            if (c > 0 && c < 128)
                m_buffer.push_back(static_cast<char>(c));
            else {
                m_bad = true;
                ++m_unmapped;
            }
        }
        return std::nullopt;
    case KEY_CAPSLOCK:
        if (value == 1)
            m_capsLock = !m_capsLock;
        return std::nullopt;
    default:
        break;
    }
    if (value != 1)
        return std::nullopt; // releases and auto-repeats carry no characters
    if (code == KEY_ENTER || code == KEY_KPENTER) {
        if (m_buffer.empty())
            return std::nullopt;
        ScanEvent e = makeScan(std::exchange(m_buffer, {}));
        const bool bad = std::exchange(m_bad, false);
        const std::string_view body = std::string_view(e.data).substr(e.aim.size());
        // A wedge often loses GS; if the data is GS1 and could end a field in two places, say so.
        if ((isGs1Aim(e.aim) || (e.aim.empty() && body.substr(0, 2) == "01")) && gs1SeparatorsAmbiguous(body))
            e.gs1SeparatorsMissing = true;
        if (bad)
            e.data.clear(); // a key that maps to no character: the scan is not trustworthy
        return e;
    }
    if (m_alt) {
        if (const auto d = keypadDigit(code)) {
            m_altDigits.push_back(*d);
            return std::nullopt;
        }
    }
    if (m_ctrl && code == KEY_RIGHTBRACE) {
        m_buffer.push_back('\x1d'); // Ctrl+] is GS, as on a terminal
        return std::nullopt;
    }
    if (const auto d = keypadDigit(code)) {
        m_buffer.push_back(*d);
        return std::nullopt;
    }
    const KeyChars* k = keyFor(code);
    if (!k) {
        ++m_unmapped;
        m_bad = true;
        return std::nullopt;
    }
    bool upper = m_shift;
    if (m_capsLock && k->normal >= 'a' && k->normal <= 'z')
        upper = !upper;
    m_buffer.push_back(upper ? k->shifted : k->normal);
    return std::nullopt;
}

std::vector<std::pair<uint16_t, int32_t>> keyEventsFor(std::string_view text, bool gsAsAltCode) {
    std::vector<std::pair<uint16_t, int32_t>> events;
    const auto tap = [&](uint16_t code) {
        events.emplace_back(code, 1);
        events.emplace_back(code, 0);
    };
    for (const char c : text) {
        if (c == '\x1d') {
            if (gsAsAltCode) {
                events.emplace_back(KEY_LEFTALT, 1);
                tap(KEY_KP0);
                tap(KEY_KP2);
                tap(KEY_KP9);
                events.emplace_back(KEY_LEFTALT, 0);
            } else {
                events.emplace_back(KEY_LEFTCTRL, 1);
                tap(KEY_RIGHTBRACE);
                events.emplace_back(KEY_LEFTCTRL, 0);
            }
            continue;
        }
        for (const auto& k : kKeys) {
            if (k.normal == c && !isKeypadKey(k.code)) {
                tap(k.code);
                break;
            }
            if (k.shifted == c && !isKeypadKey(k.code)) {
                events.emplace_back(KEY_LEFTSHIFT, 1);
                tap(k.code);
                events.emplace_back(KEY_LEFTSHIFT, 0);
                break;
            }
        }
    }
    tap(KEY_ENTER);
    return events;
}

// [SECTION] Scanner devices ------------------------------------------------------------------------

ScannerDevice::ScannerDevice(std::string name) : m_name(std::move(name)) {
    m_state.status.name = m_name;
    m_state.status.kind = DeviceKind::Scanner;
    m_snapshot.publish(m_state);
}

ScannerDevice::~ScannerDevice() {
    stop();
}

void ScannerDevice::start() {
    if (!m_thread.joinable())
        m_thread = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

void ScannerDevice::stop() {
    if (!m_thread.joinable())
        return;
    m_thread.request_stop();
    m_cv.notify_all();
    m_thread.join();
    m_thread = std::jthread();
    setState(ConnectionState::Disconnected, "stopped");
}

void ScannerDevice::setState(ConnectionState state, std::string detail) {
    std::lock_guard lock(m_mutex);
    m_state.status.state = state;
    m_state.status.detail = std::move(detail);
    m_snapshot.publish(m_state);
}

void ScannerDevice::publishScan(ScanEvent scan) {
    scan.source = m_name;
    {
        std::lock_guard lock(m_mutex);
        ++m_state.scans;
        m_state.status.state = ConnectionState::Reading;
        m_snapshot.publish(m_state);
    }
    m_scans.push(std::move(scan));
}

void ScannerDevice::countRejected() {
    std::lock_guard lock(m_mutex);
    ++m_state.rejected;
    m_snapshot.publish(m_state);
}

void ScannerDevice::run(const std::stop_token& stop) {
    Backoff backoff(std::chrono::milliseconds(200), std::chrono::milliseconds(5000));
    while (!stop.stop_requested()) {
        setState(ConnectionState::Connecting, "connecting");
        Status result;
        try {
            result = runSession(stop);
        } catch (const std::exception& e) {
            result = Status::fail(std::string("internal error: ") + e.what(), m_name);
        } catch (...) {
            result = Status::fail("internal error", m_name);
        }
        if (stop.stop_requested() || result.ok())
            continue;
        {
            std::lock_guard lock(m_mutex);
            m_state.status.state = ConnectionState::Error;
            m_state.status.detail = result.error().text();
            ++m_state.disconnects;
            m_snapshot.publish(m_state);
        }
        std::mutex waitMutex;
        std::unique_lock lock(waitMutex);
        m_cv.wait_for(lock, stop, backoff.next(), [] { return false; });
    }
}

SerialScanner::SerialScanner(std::string name, std::string port, SerialSettings settings)
    : ScannerDevice(std::move(name)), m_port(std::move(port)), m_settings(settings) {}

SerialScanner::~SerialScanner() {
    stop();
}

Status SerialScanner::runSession(std::stop_token stop) {
    auto opened = SerialPort::open(m_port, m_settings);
    if (!opened)
        return opened.error();
    auto port = std::move(opened).value();
    setState(ConnectionState::Connected, "connected");
    ScanFramer framer;
    size_t overlong = 0;
    while (!stop.stop_requested()) {
        auto bytes = port->read(std::chrono::milliseconds(50));
        if (!bytes)
            return bytes.error();
        for (auto& scan : framer.feed(*bytes))
            publishScan(std::move(scan));
        for (; overlong < framer.overlong(); ++overlong)
            countRejected();
    }
    return {};
}

EvdevScanner::EvdevScanner(std::string name, std::string path, Grab grab)
    : ScannerDevice(std::move(name)), m_path(std::move(path)), m_grab(grab) {}

EvdevScanner::~EvdevScanner() {
    stop();
}

Status EvdevScanner::runSession(std::stop_token stop) {
    const int raw = ::open(m_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (raw < 0)
        return Status::fail(std::string("cannot open the input device: ") + std::strerror(errno), m_path);
    struct Fd {
        int fd;
        bool grabbed = false;
        ~Fd() {
            if (grabbed)
                ::ioctl(fd, EVIOCGRAB, 0);
            ::close(fd);
        }
    } fd{raw};
    if (m_grab == Grab::Required) {
        if (::ioctl(fd.fd, EVIOCGRAB, 1) != 0)
            return Status::fail(std::string("cannot grab the scanner (another program holds it?): ") +
                                    std::strerror(errno),
                                m_path);
        fd.grabbed = true;
    }
    setState(ConnectionState::Connected, fd.grabbed ? "connected (grabbed)" : "connected");
    KeyboardWedgeDecoder decoder;
    while (!stop.stop_requested()) {
        pollfd pfd{fd.fd, POLLIN, 0};
        const int n = ::poll(&pfd, 1, 50);
        if (n < 0 && errno != EINTR)
            return Status::fail(std::string("poll failed: ") + std::strerror(errno), m_path);
        if (n <= 0)
            continue;
        if (!(pfd.revents & POLLIN) && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
            return Status::fail("the scanner was unplugged", m_path);
        input_event events[64];
        const ssize_t got = ::read(fd.fd, events, sizeof events);
        if (got < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            return Status::fail(std::string("read failed (unplugged?): ") + std::strerror(errno), m_path);
        }
        if (got == 0)
            return Status::fail("the scanner was unplugged", m_path);
        for (size_t i = 0; i < static_cast<size_t>(got) / sizeof(input_event); ++i) {
            if (events[i].type != EV_KEY)
                continue;
            if (auto scan = decoder.feed(events[i].code, events[i].value)) {
                if (scan->data.empty())
                    countRejected();
                else
                    publishScan(std::move(*scan));
            }
        }
    }
    return {};
}

} // namespace admix::devices
