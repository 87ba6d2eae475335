#include "station/remote/sessions.hpp"

#include <sodium.h>

#include <array>

namespace admix::remote {

std::string randomToken() {
    std::array<unsigned char, 32> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    std::string hex(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
    hex.pop_back();
    return hex;
}

bool tokensEqual(const std::string& a, const std::string& b) {
    return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

WebSession SessionTable::create(const workflow::User& user, const std::string& address, TimePoint now) {
    WebSession s{randomToken(), randomToken(), user, address, now, now};
    std::lock_guard lock(m_mutex);
    m_sessions[s.token] = s;
    return s;
}

std::optional<WebSession> SessionTable::touch(const std::string& token, TimePoint now,
                                              std::chrono::minutes idle, bool activity) {
    std::lock_guard lock(m_mutex);
    // Drop every idle session while here, so that the table does not grow with abandoned ones.
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if (now - it->second.lastSeen >= idle)
            it = m_sessions.erase(it);
        else
            ++it;
    }
    auto it = m_sessions.find(token);
    if (it == m_sessions.end())
        return std::nullopt;
    if (activity)
        it->second.lastSeen = now;
    return it->second;
}

void SessionTable::end(const std::string& token) {
    std::lock_guard lock(m_mutex);
    m_sessions.erase(token);
}

size_t SessionTable::size() const {
    std::lock_guard lock(m_mutex);
    return m_sessions.size();
}

void LoginThrottle::prune(std::deque<TimePoint>& times, TimePoint now) const {
    while (!times.empty() && now - times.front() >= m_window)
        times.pop_front();
}

LoginThrottle::Verdict LoginThrottle::begin(const std::string& address, const std::string& username,
                                            TimePoint now) {
    std::lock_guard lock(m_mutex);
    auto& mine = m_byUser[{address, username}];
    auto& all = m_byAddress[address];
    prune(mine, now);
    prune(all, now);
    if (static_cast<int>(mine.size()) >= m_max || static_cast<int>(all.size()) >= m_max * kAddressFactor) {
        auto [it, first] = m_refused.try_emplace(address, Summary{address, 0, now, now});
        if (!first) {
            ++it->second.refused;
            it->second.to = now;
        }
        return first ? Verdict::RefusedFirst : Verdict::Refused;
    }
    // Counted as a failure until it proves right.
    mine.push_back(now);
    all.push_back(now);
    return Verdict::Allowed;
}

void LoginThrottle::succeeded(const std::string& address, const std::string& username) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_byUser.find({address, username}); it != m_byUser.end() && !it->second.empty())
        it->second.pop_back();
    if (auto it = m_byAddress.find(address); it != m_byAddress.end() && !it->second.empty())
        it->second.pop_back();
}

std::vector<LoginThrottle::Summary> LoginThrottle::takeSummaries(TimePoint now) {
    std::lock_guard lock(m_mutex);
    std::vector<Summary> out;
    for (auto it = m_refused.begin(); it != m_refused.end();) {
        if (now - it->second.to >= m_window) {
            if (it->second.refused > 0)
                out.push_back(it->second);
            it = m_refused.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

} // namespace admix::remote
