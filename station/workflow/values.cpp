#include "station/workflow/values.hpp"

#include "devices/scanner.hpp"
#include "formulas/text.hpp"
#include "station/workflow/prep_spec.hpp"
#include "vision/code_filter.hpp"

#include <algorithm>
#include <cstdio>

namespace admix::workflow {

// [SECTION] Preparation status and step state

std::string_view prepStatusName(PrepStatus status) {
    switch (status) {
    case PrepStatus::InProgress:
        return "in_progress";
    case PrepStatus::AwaitingCheck:
        return "awaiting_check";
    case PrepStatus::Released:
        return "released";
    case PrepStatus::Rejected:
        return "rejected";
    case PrepStatus::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

std::string_view stepStateName(StepState state) {
    switch (state) {
    case StepState::Pending:
        return "pending";
    case StepState::Active:
        return "active";
    case StepState::Passed:
        return "passed";
    case StepState::Overridden:
        return "overridden";
    }
    return "unknown";
}

std::optional<PrepStatus> parsePrepStatus(std::string_view text) {
    for (const auto s : {PrepStatus::InProgress, PrepStatus::AwaitingCheck, PrepStatus::Released,
                         PrepStatus::Rejected, PrepStatus::Cancelled}) {
        if (prepStatusName(s) == text)
            return s;
    }
    return std::nullopt;
}

std::optional<StepState> parseStepState(std::string_view text) {
    for (const auto s : {StepState::Pending, StepState::Active, StepState::Passed, StepState::Overridden}) {
        if (stepStateName(s) == text)
            return s;
    }
    return std::nullopt;
}

std::string describe(PrepStatus status) {
    std::string text(prepStatusName(status));
    for (char& c : text) {
        if (c == '_')
            c = ' ';
    }
    return text;
}

// [SECTION] A scanned code

std::string_view scanSourceName(ScanSource source) {
    switch (source) {
    case ScanSource::Scanner:
        return "scanner";
    case ScanSource::Camera:
        return "camera";
    case ScanSource::Keyboard:
        return "keyboard";
    }
    return "unknown";
}

ScannedCode scannedText(std::string_view data, ScanSource source, std::string device) {
    ScannedCode code;
    code.source = source;
    code.device = std::move(device);
    code.aim = devices::aimPrefix(data);
    code.text = std::string(data.substr(code.aim.size()));
    // The GS1 parser reads the AIM prefix to name the symbology; give it the code as it came.
    if (auto parsed = formulas::parseGs1(data))
        code.gs1 = std::move(*parsed);
    else
        code.gs1Problem = parsed.error().text();
    return code;
}

ScannedCode scannedFromScanner(const devices::ScanEvent& scan) {
    ScannedCode code = scannedText(scan.data, ScanSource::Scanner, scan.source);
    if (!scan.aim.empty() && code.aim.empty())
        code.aim = scan.aim; // the scanner reported it apart from the data
    return code;
}

ScannedCode scannedFromCamera(const vision::ReadCode& read, std::string device) {
    ScannedCode code;
    code.source = ScanSource::Camera;
    code.device = std::move(device);
    code.aim = read.code.symbology;
    code.text = read.code.text;
    code.gs1 = read.gs1;
    if (!code.gs1)
        code.gs1Problem =
            !read.rejection.empty() ? read.rejection : "a " + read.code.format + " code without GS1 content";
    return code;
}

// [SECTION] A balance reading

std::string_view weighRangeName(WeighRange range) {
    switch (range) {
    case WeighRange::InRange:
        return "in_range";
    case WeighRange::Overload:
        return "overload";
    case WeighRange::Underload:
        return "underload";
    }
    return "unknown";
}

std::string WeighReading::shown() const {
    // As the balance displays it: its own number of decimals.
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", std::clamp(decimals, 0, 9), value);
    return std::string(text) + " " + std::string(devices::massUnitSymbol(unit));
}

std::string WeighReading::balanceText() const {
    std::string text = balance.model;
    if (!balance.serial.empty())
        text += (text.empty() ? "#" : " #") + balance.serial;
    if (!balance.device.empty())
        text += (text.empty() ? "" : " ") + ("(" + balance.device + ")");
    return text;
}

WeighReading weighReading(const devices::BalanceReading& r) {
    WeighReading w;
    w.value = r.value;
    w.unit = r.unit;
    w.decimals = r.decimals;
    w.stable = r.status == devices::WeightStatus::Stable;
    w.range = r.status == devices::WeightStatus::Overload    ? WeighRange::Overload
              : r.status == devices::WeightStatus::Underload ? WeighRange::Underload
                                                             : WeighRange::InRange;
    w.balance = r.identity;
    return w;
}

// [SECTION] The weigh step

std::string_view weighKindName(WeighStep::Kind kind) {
    switch (kind) {
    case WeighStep::Kind::Unstable:
        return "unstable";
    case WeighStep::Kind::Overload:
        return "overload";
    case WeighStep::Kind::Underload:
        return "underload";
    case WeighStep::Kind::Tare:
        return "tare";
    case WeighStep::Kind::Empty:
        return "empty";
    case WeighStep::Kind::Under:
        return "under";
    case WeighStep::Kind::Over:
        return "over";
    case WeighStep::Kind::InBand:
        return "in_band";
    }
    return "unknown";
}

WeighStep WeighStep::assess(const WeighGate& gate, std::optional<double> tareG, const WeighReading& reading) {
    WeighStep w;
    w.tareG = tareG;
    if (reading.range == WeighRange::Overload) {
        w.kind = Kind::Overload;
        return w;
    }
    if (reading.range == WeighRange::Underload) {
        w.kind = Kind::Underload;
        return w;
    }
    // Net and volume whenever a tare is known, also while settling: the screen shows the draw live.
    w.grossG = reading.mass().inG();
    if (tareG) {
        w.netG = w.grossG - *tareG;
        if (gate.densityGPerMl > 0) {
            w.volumeMl = *w.netG / gate.densityGPerMl;
            // The band is inclusive. kFloatGuard only absorbs binary rounding of (gross - tare) / density
            // so that a reading exactly on the edge counts as on it; it is 10^-9 mL, not a tolerance.
            constexpr double kFloatGuard = 1e-9;
            w.band = *w.volumeMl < gate.lowMl - kFloatGuard    ? Kind::Under
                     : *w.volumeMl > gate.highMl + kFloatGuard ? Kind::Over
                                                               : Kind::InBand;
        }
    }
    if (!reading.stable) {
        w.kind = Kind::Unstable;
        return w;
    }
    if (!tareG) {
        w.kind = Kind::Tare;
        return w;
    }
    // A plan without a density cannot turn a mass into a volume: never a pass.
    if (*w.netG < gate.minNetG || !w.volumeMl) {
        w.kind = Kind::Empty;
        return w;
    }
    w.kind = *w.band;
    return w;
}

} // namespace admix::workflow
