// The headless `admix` command line: every command registers itself on the CLI11 app from its own
// station/app/cli_<area>.cpp (picked up by CMake) and reads the shared options below. Commands print results
// on stdout (one JSON document, or JSON lines, with --json), errors on stderr, and signal failure by throwing
// CliFailure (exit status 1) or CLI::ValidationError (exit status 2, wrong usage).
#pragma once

#include "formulas/result.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace admix::app {

struct CliOptions {
    bool json = false;
    std::string dataDir;    // empty: the config's, else the XDG default
    std::string configPath; // empty: the default config path if present
};

// A command failed for a reason the user can act on; main prints "admix: <message>" and exits 1.
class CliFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The value of an expected-failure Result, else the command fails with its error: CliFailure
// ("where: message"), or with `option` ("--date") a usage error (CLI::ValidationError) naming it.
template <typename T> T need(Result<T> result, const std::string& option = {}) {
    if (!result) {
        if (!option.empty())
            throw CLI::ValidationError(option, result.error().message);
        throw CliFailure(result.error().text());
    }
    return std::move(result).value();
}

// The whole file at `path`, bytes as they are; CliFailure "cannot read PATH" when it cannot be opened,
// and "PATH: larger than N MiB" past `maxBytes` (read no further, so an endless input such as a FIFO
// or /dev/zero is refused instead of filling memory). Every input file of the CLI is text a person
// or a pharmacy system wrote: 16 MiB is far above any of them.
inline constexpr size_t kMaxInputFileBytes = 16u << 20;
[[nodiscard]] std::string readWholeFile(const std::string& path, size_t maxBytes = kMaxInputFileBytes);

// The data directory the command works on (options, then config, then XDG default); created if missing.
[[nodiscard]] std::filesystem::path resolveDataDir(const CliOptions& options);
// Prints a JSON document on one line.
void printJson(const nlohmann::json& value);

// Each cli_<area>.cpp registers its commands with a static CommandRegistration; main() adds them
// to the app in ascending `order` (the order `admix --help` lists them).
using CommandRegistrar = void (*)(CLI::App& app, CliOptions& options);
struct CommandRegistration {
    CommandRegistration(int order, CommandRegistrar registrar);
};
void registerAllCommands(CLI::App& app, CliOptions& options);

} // namespace admix::app
