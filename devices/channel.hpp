// How a device thread hands its state to the UI thread without the UI ever waiting on the device.
// SnapshotCell<T>: the latest value, swapped atomically (readers get a shared_ptr to an immutable
// snapshot; a writer never blocks a reader beyond the atomic swap). EventQueue<T>: a bounded queue
// whose drain() moves every pending event out in one short critical section; when full the oldest
// event is dropped and counted (a device never blocks on a slow consumer). Both thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace admix::devices {

template <typename T> class SnapshotCell {
public:
    SnapshotCell() : m_value(std::make_shared<const T>()) {}
    void publish(T value) {
        m_value.store(std::make_shared<const T>(std::move(value)), std::memory_order_release);
    }
    [[nodiscard]] std::shared_ptr<const T> load() const { return m_value.load(std::memory_order_acquire); }

private:
    std::atomic<std::shared_ptr<const T>> m_value;
};

template <typename T> class EventQueue {
public:
    explicit EventQueue(size_t capacity = 1024) : m_capacity(capacity) {}

    void push(T event) {
        std::lock_guard lock(m_mutex);
        if (m_events.size() >= m_capacity) {
            m_events.pop_front();
            m_dropped.fetch_add(1, std::memory_order_relaxed);
        }
        m_events.push_back(std::move(event));
    }
    // Moves all pending events out (the critical section is a swap).
    [[nodiscard]] std::vector<T> drain() {
        std::deque<T> taken;
        {
            std::lock_guard lock(m_mutex);
            taken.swap(m_events);
        }
        return std::vector<T>(std::make_move_iterator(taken.begin()), std::make_move_iterator(taken.end()));
    }
    [[nodiscard]] size_t dropped() const { return m_dropped.load(std::memory_order_relaxed); }

private:
    size_t m_capacity;
    mutable std::mutex m_mutex;
    std::deque<T> m_events;
    std::atomic<size_t> m_dropped{0};
};

// Reconnection delays: start, doubling up to a ceiling; reset after a good connection. Pure.
class Backoff {
public:
    Backoff(std::chrono::milliseconds first, std::chrono::milliseconds ceiling)
        : m_first(first), m_ceiling(ceiling), m_next(first) {}
    std::chrono::milliseconds next() {
        const auto current = m_next;
        m_next = std::min(m_ceiling, m_next * 2);
        return current;
    }
    void reset() { m_next = m_first; }

private:
    std::chrono::milliseconds m_first;
    std::chrono::milliseconds m_ceiling;
    std::chrono::milliseconds m_next;
};

} // namespace admix::devices
