#include "station/app/config.hpp"

#include "formulas/input_limits.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <vector>

namespace admix::app {

namespace fs = std::filesystem;

namespace {

std::string where(const std::string& source, const toml::source_region& region, const std::string& key) {
    return source + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column) +
           ": " + key;
}

// One setter per known key: checks the node's type and range and stores it, or returns the error.
using Setter = std::function<std::optional<std::string>(const toml::node&, Config&)>;

template <typename Field> Setter stringKey(Field field) {
    return [field](const toml::node& node, Config& c) -> std::optional<std::string> {
        if (!node.is_string())
            return "must be a string in quotes";
        field(c) = node.as_string()->get();
        return std::nullopt;
    };
}

template <typename Field> Setter intKey(Field field, int64_t lo, int64_t hi) {
    return [=](const toml::node& node, Config& c) -> std::optional<std::string> {
        if (!node.is_integer())
            return "must be a whole number";
        const int64_t v = node.as_integer()->get();
        if (v < lo || v > hi)
            return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", not " +
                   std::to_string(v);
        field(c) = static_cast<int>(v);
        return std::nullopt;
    };
}

template <typename Field> Setter floatKey(Field field, double lo, double hi) {
    return [=](const toml::node& node, Config& c) -> std::optional<std::string> {
        if (!node.is_number())
            return "must be a number";
        const double v = node.is_integer() ? static_cast<double>(node.as_integer()->get())
                                           : node.as_floating_point()->get();
        if (v < lo || v > hi) {
            std::ostringstream msg;
            msg << "must be between " << lo << " and " << hi << ", not " << v;
            return msg.str();
        }
        field(c) = static_cast<float>(v);
        return std::nullopt;
    };
}

template <typename Field> Setter boolKey(Field field) {
    return [field](const toml::node& node, Config& c) -> std::optional<std::string> {
        if (!node.is_boolean())
            return "must be true or false";
        field(c) = node.as_boolean()->get();
        return std::nullopt;
    };
}

const std::map<std::string, Setter>& knownKeys() {
    static const std::map<std::string, Setter> keys = {
        {"station.name", stringKey([](Config& c) -> std::string& { return c.station.name; })},
        {"station.data_dir", stringKey([](Config& c) -> std::string& { return c.station.dataDir; })},
        {"station.room", stringKey([](Config& c) -> std::string& { return c.station.room; })},
        {"station.pec", stringKey([](Config& c) -> std::string& { return c.station.pec; })},
        {"camera.source", stringKey([](Config& c) -> std::string& { return c.camera.source; })},
        {"camera.width", intKey([](Config& c) -> int& { return c.camera.width; }, 320, 7680)},
        {"camera.height", intKey([](Config& c) -> int& { return c.camera.height; }, 240, 4320)},
        {"display.width", intKey([](Config& c) -> int& { return c.display.width; }, 640, 7680)},
        {"display.height", intKey([](Config& c) -> int& { return c.display.height; }, 480, 4320)},
        {"display.fullscreen", boolKey([](Config& c) -> bool& { return c.display.fullscreen; })},
        {"display.font", stringKey([](Config& c) -> std::string& { return c.display.font; })},
        {"display.font_bold", stringKey([](Config& c) -> std::string& { return c.display.fontBold; })},
        {"display.font_size", floatKey([](Config& c) -> float& { return c.display.fontSize; }, 16.0, 72.0)},
        {"server.enabled", boolKey([](Config& c) -> bool& { return c.server.enabled; })},
        {"server.listen_address",
         stringKey([](Config& c) -> std::string& { return c.server.listenAddress; })},
        {"server.port", intKey([](Config& c) -> int& { return c.server.port; }, 1, 65535)},
        {"server.tls_cert", stringKey([](Config& c) -> std::string& { return c.server.tlsCert; })},
        {"server.tls_key", stringKey([](Config& c) -> std::string& { return c.server.tlsKey; })},
        {"server.behind_proxy", boolKey([](Config& c) -> bool& { return c.server.behindProxy; })},
        {"server.front_listen_address",
         stringKey([](Config& c) -> std::string& { return c.server.frontListenAddress; })},
        {"server.front_port", intKey([](Config& c) -> int& { return c.server.frontPort; }, 1, 65535)},
        {"server.front_server_name",
         stringKey([](Config& c) -> std::string& { return c.server.frontServerName; })},
        {"hl7.enabled", boolKey([](Config& c) -> bool& { return c.hl7.enabled; })},
        {"hl7.listen_address", stringKey([](Config& c) -> std::string& { return c.hl7.listenAddress; })},
        {"hl7.port", intKey([](Config& c) -> int& { return c.hl7.port; }, 1, 65535)},
        {"hl7.tls_cert", stringKey([](Config& c) -> std::string& { return c.hl7.tlsCert; })},
        {"hl7.tls_key", stringKey([](Config& c) -> std::string& { return c.hl7.tlsKey; })},
        {"hl7.max_message_bytes",
         intKey([](Config& c) -> int& { return c.hl7.maxMessageBytes; }, 1024, 64 << 20)},
        {"hl7.application", stringKey([](Config& c) -> std::string& { return c.hl7.application; })},
        {"hl7.facility", stringKey([](Config& c) -> std::string& { return c.hl7.facility; })},
        {"hl7.outbound_host", stringKey([](Config& c) -> std::string& { return c.hl7.outboundHost; })},
        {"hl7.outbound_port", intKey([](Config& c) -> int& { return c.hl7.outboundPort; }, 1, 65535)},
        {"hl7.outbound_application",
         stringKey([](Config& c) -> std::string& { return c.hl7.outboundApplication; })},
        {"hl7.outbound_facility",
         stringKey([](Config& c) -> std::string& { return c.hl7.outboundFacility; })},
        {"hl7.retry_max_seconds", intKey([](Config& c) -> int& { return c.hl7.retryMaxSeconds; }, 1, 86400)},
        {"hl7.tls_ca", stringKey([](Config& c) -> std::string& { return c.hl7.tlsCa; })},
        {"hl7.outbound_tls", boolKey([](Config& c) -> bool& { return c.hl7.outboundTls; })},
        {"hl7.outbound_tls_ca", stringKey([](Config& c) -> std::string& { return c.hl7.outboundTlsCa; })},
        {"hl7.outbound_tls_cert", stringKey([](Config& c) -> std::string& { return c.hl7.outboundTlsCert; })},
        {"hl7.outbound_tls_key", stringKey([](Config& c) -> std::string& { return c.hl7.outboundTlsKey; })},
        {"hl7.outbound_tls_server_name",
         stringKey([](Config& c) -> std::string& { return c.hl7.outboundTlsServerName; })},
        {"log.level", stringKey([](Config& c) -> std::string& { return c.log.level; })},
    };
    return keys;
}

// Depth-first over the tables with an explicit stack (no recursion, whatever the file's depth),
// visiting keys in the order a recursive walk would.
std::optional<Error> walk(const toml::table& root, const std::string& source, Config& config) {
    struct Frame {
        const toml::table* table;
        toml::table::const_iterator next;
        std::string prefix;
    };
    std::vector<Frame> stack{{&root, root.cbegin(), ""}};
    while (!stack.empty()) {
        Frame& top = stack.back();
        if (top.next == top.table->cend()) {
            stack.pop_back();
            continue;
        }
        const auto& [key, node] = *top.next;
        ++top.next;
        const std::string name =
            top.prefix.empty() ? std::string(key.str()) : top.prefix + "." + std::string(key.str());
        if (name == "devices")
            continue; // [[devices]] tables: read and checked by the devices layer (parseDeviceConfigs)
        if (node.is_table()) {
            const toml::table* child = node.as_table();
            stack.push_back(Frame{child, child->cbegin(), name}); // `top` is not used after this
            continue;
        }
        const auto& keys = knownKeys();
        const auto it = keys.find(name);
        if (it == keys.end())
            return Error{"unknown setting (check the spelling; see the README's configuration section)",
                         where(source, key.source(), name)};
        if (auto message = it->second(node, config))
            return Error{*message, where(source, key.source(), name)};
    }
    return std::nullopt;
}

} // namespace

fs::path defaultConfigPath() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
        return fs::path(xdg) / "admix" / "admix.toml";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".config" / "admix" / "admix.toml";
    return "admix.toml";
}

Result<Config> parseConfig(std::string_view tomlText, const std::string& sourceName) {
    // Debian's toml++ is built with exceptions: a syntax error arrives as toml::parse_error.
    if (const auto problem = formulas::tomlShapeProblem(tomlText, formulas::InputLimits{1u << 20, 16}))
        return Result<Config>::fail(*problem, sourceName);
    toml::table table;
    try {
        table = toml::parse(tomlText, sourceName);
    } catch (const toml::parse_error& err) {
        return Result<Config>::fail(std::string(err.description()),
                                    sourceName + ":" + std::to_string(err.source().begin.line) + ":" +
                                        std::to_string(err.source().begin.column));
    }
    Config config;
    if (auto err = walk(table, sourceName, config))
        return *err;
    if (const auto level = config.log.level;
        level != "trace" && level != "debug" && level != "info" && level != "warn" && level != "error")
        return Result<Config>::fail("must be one of trace, debug, info, warn, error",
                                    sourceName + ": log.level");
    config.sourcePath = sourceName;
    config.text = std::string(tomlText);
    return config;
}

Result<Config> loadConfigFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Result<Config>::fail("cannot read the configuration file", path.string());
    // Read at most one byte past the limit: an endless file (a FIFO, /dev/zero) is refused, not read.
    std::string text((1u << 20) + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    return parseConfig(text, path.string());
}

Result<Config> loadConfig(const std::optional<fs::path>& explicitPath) {
    if (explicitPath)
        return loadConfigFile(*explicitPath);
    const fs::path fallback = defaultConfigPath();
    std::error_code ec;
    if (fs::exists(fallback, ec))
        return loadConfigFile(fallback);
    return Config{};
}

} // namespace admix::app
