// The audit trail of a preparation in words for the pharmacist's check page: each row's action and
// details as a sentence, numbers written as the label prints them (ISMP: leading zero, no trailing
// zero, at most the label's decimals; formulas::formatNumber), and whether the row is a refused
// attempt (with its reason). Pure functions; thread-safe. Internal to station/remote.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace admix::remote::detail {

struct AuditWords {
    std::string text;     // "Step 4 refused: ..." / "Released by the pharmacist's e-signature (audit #31)"
    bool refused = false; // an attempt the station refused (the text carries the reason)
};

// `action` and `details` as stored in the audit trail (details may be any JSON, or discarded).
[[nodiscard]] AuditWords auditWords(const std::string& action, const nlohmann::json& details);
// A JSON value in words: numbers ISMP-formatted (a key ending _ml in mL, _g in g), text as is,
// objects as "key value, key value".
[[nodiscard]] std::string valueWords(const std::string& key, const nlohmann::json& value);

} // namespace admix::remote::detail
