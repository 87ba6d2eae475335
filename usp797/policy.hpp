// Site policy: every limit the compliance engine applies (action levels, frequencies, BUD days,
// garbing timers, which gate refusals may be overridden), as data. The keys and their types and
// sane ranges are known to the code; the values come from assets/policy/usp797_defaults.toml (embedded
// at build time) and, at a station, from the database where QA edits them. A SitePolicy always holds
// every known key (construction fails otherwise), so a missing limit can never read as "no limit".
// Value type, thread-safe for concurrent reads. Errors are Result values naming the key (and, for
// TOML, the line and column).
#pragma once

#include "formulas/result.hpp"

#include <map>
#include <span>
#include <string>
#include <string_view>

namespace admix::usp797 {

enum class PolicyType { Number, Whole, Flag };

struct PolicyKey {
    std::string_view key;
    PolicyType type;
    double min;
    double max;
    std::string_view meaning;
};

// Every key the engine reads, in a stable order.
[[nodiscard]] std::span<const PolicyKey> policyKeys();
[[nodiscard]] const PolicyKey* findPolicyKey(std::string_view key);

// Text of a value for people and for storage ("true", "12", "0.02").
[[nodiscard]] std::string formatPolicyValue(const PolicyKey& key, double value);
// Parses text typed for a key ("true"/"false" for flags, whole numbers for Whole) and checks its range.
[[nodiscard]] Result<double> parsePolicyValue(const PolicyKey& key, std::string_view text);

class SitePolicy {
public:
    // Every known key must be present and in range; unknown keys are refused.
    [[nodiscard]] static Result<SitePolicy> fromValues(const std::map<std::string, double>& values);
    // The built-in defaults (the embedded TOML). Aborts only if the shipped file is broken, which the
    // test suite checks.
    [[nodiscard]] static const SitePolicy& defaults();

    [[nodiscard]] double number(std::string_view key) const;
    [[nodiscard]] int whole(std::string_view key) const { return static_cast<int>(number(key)); }
    [[nodiscard]] bool flag(std::string_view key) const { return number(key) != 0.0; }
    [[nodiscard]] const std::map<std::string, double, std::less<>>& values() const { return m_values; }

    // Returns a copy with one key changed, after checking the key and the range.
    [[nodiscard]] Result<SitePolicy> with(std::string_view key, double value) const;

private:
    std::map<std::string, double, std::less<>> m_values;
};

// Parses a policy TOML document (nested tables or dotted keys). Errors name source:line:column: key.
[[nodiscard]] Result<std::map<std::string, double>> parsePolicyToml(std::string_view text,
                                                                    const std::string& sourceName);
// The text of assets/policy/usp797_defaults.toml as built into this binary.
[[nodiscard]] std::string_view defaultPolicyToml();

} // namespace admix::usp797
