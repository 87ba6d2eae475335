// Typed values at the workflow boundary: what the station and the web hand to the preparation engine
// (a ScannedCode, a WeighReading), the one weigh-step assessment both the preparation screen and the
// engine use (WeighStep), and the preparation status and step state as enums. Text spellings of the
// enums exist only for the store and HTTP edges (...Name / parse...). Plain values, pure functions,
// thread-safe; parsing never throws (a bad spelling is std::nullopt).
#pragma once

#include "devices/balance.hpp"
#include "formulas/gs1.hpp"
#include "formulas/units.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace admix::vision {
struct ReadCode;
}
namespace admix::devices {
struct ScanEvent;
}

namespace admix::workflow {

// [SECTION] Preparation status and step state

enum class PrepStatus { InProgress, AwaitingCheck, Released, Rejected, Cancelled };
enum class StepState { Pending, Active, Passed, Overridden };

[[nodiscard]] std::string_view prepStatusName(PrepStatus status); // "in_progress", "awaiting_check", ...
[[nodiscard]] std::string_view stepStateName(StepState state); // "pending", "active", "passed", "overridden"
[[nodiscard]] std::optional<PrepStatus> parsePrepStatus(std::string_view text);
[[nodiscard]] std::optional<StepState> parseStepState(std::string_view text);
// "in progress", "awaiting check": for sentences a person reads.
[[nodiscard]] std::string describe(PrepStatus status);
// A step that is done: passed or overridden.
[[nodiscard]] inline bool isDone(StepState state) {
    return state == StepState::Passed || state == StepState::Overridden;
}

// [SECTION] A scanned code

enum class ScanSource { Scanner, Camera, Keyboard };
[[nodiscard]] std::string_view scanSourceName(ScanSource source); // "scanner", "camera", "keyboard"

// One code as it was read: where from, the AIM symbology identifier (kept apart from the data), the
// symbol's content exactly as read (GS kept, no AIM prefix), and its GS1 parse, made once where the
// code was read (the camera's decoder; scannedText for a scanner or keyboard). `gs1Problem` says why
// it is not a GS1 element string when `gs1` is empty.
struct ScannedCode {
    ScanSource source = ScanSource::Keyboard;
    std::string device;                   // scanner or camera name, for the audit trail
    std::string aim;                      // "]d2", "]C1", "]Q3" ...; empty when the reader gave none
    std::string text;                     // the symbol's content without the AIM prefix
    std::optional<formulas::Gs1Data> gs1; // parsed GS1 fields, when the content is GS1
    std::string gs1Problem;               // why gs1 is empty

    // The code as a scanner would send it (AIM prefix + content), e.g. for de-duplication keys.
    [[nodiscard]] std::string raw() const { return aim + text; }
};

// A code from a scanner or typed text: a leading AIM identifier ("]d2") is split off and kept, and
// the rest is parsed as GS1 once.
[[nodiscard]] ScannedCode scannedText(std::string_view data, ScanSource source, std::string device = {});
// A hand scanner's scan: its AIM identifier and bytes as received.
[[nodiscard]] ScannedCode scannedFromScanner(const devices::ScanEvent& scan);
// A code the camera confirmed: its symbology, content and the GS1 parse the decoder already made.
[[nodiscard]] ScannedCode scannedFromCamera(const vision::ReadCode& code, std::string device = "camera");

// [SECTION] A balance reading

enum class WeighRange { InRange, Overload, Underload };
[[nodiscard]] std::string_view weighRangeName(WeighRange range); // "in_range", "overload", "underload"

// One balance reading as the engine takes it: the value in the balance's own unit (converted to a
// Mass only through mass()), whether it was stable, whether the load was in the balance's range,
// and which balance said so.
struct WeighReading {
    double value = 0.0; // as displayed, in `unit`; meaningless out of range
    devices::MassUnit unit = devices::MassUnit::Gram;
    int decimals = 4; // displayed resolution
    bool stable = false;
    WeighRange range = WeighRange::InRange;
    devices::BalanceIdentity balance;

    [[nodiscard]] formulas::Mass mass() const { return devices::toMass(value, unit); }
    // "12.3456 g", "12345.6 mg": what the balance shows.
    [[nodiscard]] std::string shown() const;
    // "XS205 #B1234 (bal1)" for the audit trail.
    [[nodiscard]] std::string balanceText() const;
};

// A devices reading as the workflow takes it (unit, stability, range and identity kept).
[[nodiscard]] WeighReading weighReading(const devices::BalanceReading& reading);

// [SECTION] The weigh step

struct WeighGate;

// What one reading means at a weigh step: the one rule used by the engine (to decide) and by the
// preparation screen (to show the draw as it happens), so the two can never disagree. Masses are
// grams; the volume is the net mass over the step's density.
struct WeighStep {
    enum class Kind {
        Unstable,  // not settled: refused, recorded
        Overload,  // over the balance's range: refused, recorded
        Underload, // under its range (pan off, negative): refused, recorded
        Tare,      // no empty-syringe weight yet: this reading becomes it
        Empty,     // net below the step's minimum: no draw yet
        Under,     // below the band
        Over,      // above the band
        InBand,    // within the band (inclusive)
    };
    Kind kind = Kind::Unstable;
    double grossG = 0.0;
    std::optional<double> tareG;
    std::optional<double> netG;
    std::optional<double> volumeMl;
    // Where the volume stands against the band (Under, Over or InBand) whenever it is known, also
    // while the reading settles: what the screen's bar shows.
    std::optional<Kind> band;

    // Assesses `reading` against `gate`, given the empty syringe's weight if already taken.
    [[nodiscard]] static WeighStep assess(const WeighGate& gate, std::optional<double> tareG,
                                          const WeighReading& reading);
    [[nodiscard]] bool refused() const {
        return kind == Kind::Unstable || kind == Kind::Overload || kind == Kind::Underload;
    }
};

[[nodiscard]] std::string_view weighKindName(WeighStep::Kind kind);

} // namespace admix::workflow
