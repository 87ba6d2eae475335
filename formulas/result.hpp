// Result<T>: the value of an operation that can fail in an expected way (a bad barcode field, an
// unplugged balance, an order that does not fit a recipe). The error is a message written for the
// person at the station, naming what is wrong and where. Not thread-safe beyond what T is; never
// throws except when value() is called on an error, which is a programmer error.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace admix {

// Error: what went wrong, in words a technician or pharmacist understands, and where (a field, a
// line and column, a config key). `where` may be empty when the message says it all.
struct Error {
    std::string message;
    std::string where;

    [[nodiscard]] std::string text() const { return where.empty() ? message : where + ": " + message; }
};

template <typename T> class [[nodiscard]] Result {
public:
    Result(T value) : m_data(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_data(std::in_place_index<1>, std::move(error)) {}

    static Result fail(std::string message, std::string where = {}) {
        return Result(Error{std::move(message), std::move(where)});
    }

    [[nodiscard]] bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    [[nodiscard]] const T& value() const& {
        assert(ok());
        return std::get<0>(m_data);
    }
    [[nodiscard]] T& value() & {
        assert(ok());
        return std::get<0>(m_data);
    }
    [[nodiscard]] T&& value() && {
        assert(ok());
        return std::get<0>(std::move(m_data));
    }
    const T& operator*() const& { return value(); }
    T& operator*() & { return value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }

    [[nodiscard]] const Error& error() const {
        assert(!ok());
        return std::get<1>(m_data);
    }

private:
    std::variant<T, Error> m_data;
};

// Result<void>: success or an Error.
template <> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}
    static Result success() { return {}; }
    static Result fail(std::string message, std::string where = {}) {
        return Result(Error{std::move(message), std::move(where)});
    }
    [[nodiscard]] bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    [[nodiscard]] const Error& error() const {
        assert(!m_ok);
        return m_error;
    }

private:
    Error m_error;
    bool m_ok = true;
};

using Status = Result<void>;

} // namespace admix
