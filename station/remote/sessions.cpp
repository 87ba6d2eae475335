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

bool LoginThrottle::allowed(const std::string& address, TimePoint now) {
    std::lock_guard lock(m_mutex);
    auto& times = m_failures[address];
    prune(times, now);
    return static_cast<int>(times.size()) < m_max;
}

void LoginThrottle::failed(const std::string& address, TimePoint now) {
    std::lock_guard lock(m_mutex);
    auto& times = m_failures[address];
    prune(times, now);
    times.push_back(now);
}

} // namespace admix::remote
