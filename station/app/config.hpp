// The station's configuration: one TOML file (--config, else $XDG_CONFIG_HOME/admix/admix.toml if
// present, else built-in defaults). Unknown keys and wrong types are errors naming the key and its
// line, so a typo never silently falls back to a default. Plain value; thread-safe to copy.
#pragma once

#include "formulas/result.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace admix::app {

struct Config {
    struct Station {
        std::string name = "Admix station";
        std::string dataDir; // empty: the XDG default
        std::string room; // the room code this station stands in (site records); demo: the demo buffer room
        std::string pec;  // the primary engineering control at this station (site records)
    } station;
    struct Camera {
        // "camera:/dev/video0", "camera:0", "images:DIR", "video:FILE", "synthetic", or "" for none.
        // Demo mode uses its own simulated hood camera.
        std::string source;
        int width = 1920;
        int height = 1080;
    } camera;
    struct Display {
        int width = 1280;
        int height = 800;
        bool fullscreen = false;
        std::string font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        std::string fontBold = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
        // Body text in pixels. 28 px is about 7 mm on a 15.6-inch 1920x1080 panel: comfortably
        // legible at 70 cm (ISO 9241-303 asks for >= 20 arc minutes, about 4 mm at that distance).
        float fontSize = 28.0f;
    } display;
    struct Server {
        // The web check and quality review served by the station itself (as `admix serve` does).
        bool enabled = false;
        std::string listenAddress = "127.0.0.1";
        int port = 8443;
        std::string tlsCert; // empty: a self-signed certificate made on first run in the data directory
        std::string tlsKey;
        // Behind the nginx front (`admix nginx-config`): admix serve listens plain HTTP on
        // listenAddress:port (loopback only) and nginx serves HTTPS on frontListenAddress:frontPort
        // with tlsCert/tlsKey.
        bool behindProxy = false;
        std::string frontListenAddress = "127.0.0.1";
        int frontPort = 443;
        std::string frontServerName = "_";
    } server;
    struct Hl7 {
        // The HL7 v2 interface with the pharmacy system (`admix hl7 listen`): orders in over MLLP,
        // dispense messages (RDS^O13) out to the outbound system when one is named.
        bool enabled = false;
        std::string listenAddress = "127.0.0.1";
        int port = 2575;
        std::string tlsCert; // with tlsKey: MLLP over TLS
        std::string tlsKey;
        int maxMessageBytes = 1024 * 1024;
        std::string application = "ADMIX"; // how this station names itself in MSH-3 of what it sends
        std::string facility;
        std::string outboundHost; // empty: no dispense messages are sent
        int outboundPort = 2576;
        std::string outboundApplication;
        std::string outboundFacility;
        int retryMaxSeconds = 300; // retry waits double up to this
        std::string tlsCa; // with tls_cert: client certificates are required and must chain to this CA
        // Dispense messages over TLS: the receiver's certificate checked against outboundTlsCa (empty:
        // the system's CAs) for outboundTlsServerName (empty: outboundHost); optional client certificate.
        bool outboundTls = false;
        std::string outboundTlsCa;
        std::string outboundTlsCert;
        std::string outboundTlsKey;
        std::string outboundTlsServerName;
    } hl7;
    struct Log {
        std::string level = "info";
    } log;

    std::string sourcePath; // the file it came from; empty when built-in defaults
    std::string text;       // the file's text: the devices layer reads its own [[devices]] tables from it
};

// The config file to use when none is given: $XDG_CONFIG_HOME/admix/admix.toml or ~/.config/...
[[nodiscard]] std::filesystem::path defaultConfigPath();

[[nodiscard]] Result<Config> parseConfig(std::string_view tomlText, const std::string& sourceName);
[[nodiscard]] Result<Config> loadConfigFile(const std::filesystem::path& path);
// --config given: that file must exist and parse. Not given: the default path if it exists, else defaults.
[[nodiscard]] Result<Config> loadConfig(const std::optional<std::filesystem::path>& explicitPath);

} // namespace admix::app
