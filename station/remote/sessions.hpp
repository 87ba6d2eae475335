// Web sessions and the per-address sign-in throttle of the remote server. Sessions live in memory
// only (a restart signs everyone out): a random 256-bit token in the cookie, a separate random CSRF
// token sent back in a header on every state change, the user and role as signed in, and the last
// activity for the idle timeout. Thread-safe: every method takes the table's mutex. No errors: a
// missing or expired session is nullopt.
#pragma once

#include "formulas/time.hpp"
#include "station/workflow/auth.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace admix::remote {

struct WebSession {
    std::string token; // cookie value (64 hex)
    std::string csrf;  // X-CSRF-Token value (64 hex)
    workflow::User user;
    std::string address;
    TimePoint created{};
    TimePoint lastSeen{};
};

// 64 lower-case hex digits from the operating system's random source (libsodium).
[[nodiscard]] std::string randomToken();
// Constant-time comparison of two tokens.
[[nodiscard]] bool tokensEqual(const std::string& a, const std::string& b);

class SessionTable {
public:
    WebSession create(const workflow::User& user, const std::string& address, TimePoint now);
    // The session for `token` if it has been used within `idle`; with `activity` its last activity
    // becomes `now` (automatic polling passes false, so an unattended page still times out).
    // An expired session is removed.
    std::optional<WebSession> touch(const std::string& token, TimePoint now, std::chrono::minutes idle,
                                    bool activity = true);
    void end(const std::string& token);
    [[nodiscard]] size_t size() const;

private:
    mutable std::mutex m_mutex;
    std::map<std::string, WebSession> m_sessions;
};

// Failed sign-ins per client address and user name within a sliding window. A valid sign-in of one
// person is not held up by someone else's guesses from the same address (a shared workstation);
// guesses at many user names from one address meet a cap on the address as a whole. The check
// reserves its place (`begin`), so parallel guesses cannot all pass one check before any of them
// is counted; a right password gives the place back (`succeeded`). Refused attempts are counted,
// not audited one by one: the first refusal of a burst is reported as such, the rest as one summary
// once the window has passed (`takeSummaries`). Thread-safe.
class LoginThrottle {
public:
    // The address as a whole may fail `addressFactor` times what one user name may.
    static constexpr int kAddressFactor = 5;
    LoginThrottle(int maxFailures, std::chrono::seconds window) : m_max(maxFailures), m_window(window) {}

    enum class Verdict { Allowed, Refused, RefusedFirst };
    [[nodiscard]] Verdict begin(const std::string& address, const std::string& username, TimePoint now);
    void succeeded(const std::string& address, const std::string& username);

    struct Summary {
        std::string address;
        int refused = 0; // after the first, which was reported when it happened
        TimePoint from{};
        TimePoint to{};
    };
    [[nodiscard]] std::vector<Summary> takeSummaries(TimePoint now);

private:
    void prune(std::deque<TimePoint>& times, TimePoint now) const;
    std::mutex m_mutex;
    int m_max;
    std::chrono::seconds m_window;
    std::map<std::pair<std::string, std::string>, std::deque<TimePoint>> m_byUser;
    std::map<std::string, std::deque<TimePoint>> m_byAddress;
    std::map<std::string, Summary> m_refused;
};

} // namespace admix::remote
