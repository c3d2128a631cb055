// SPDX-License-Identifier: GPL-2.0-or-later
// Result<T, E>: a value or a typed error, for operations whose failure is an ordinary
// outcome (a bad packet, a bad request) rather than a bug.
#pragma once

#include <utility>
#include <variant>

namespace hb::base {

/// Holds either a T (success) or an E (why not). T and E must be different types.
template <class T, class E>
class Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

    /// True when this holds a value.
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    /// The value; only when ok().
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    /// The error; only when !ok().
    const E& error() const { return std::get<1>(v_); }

private:
    std::variant<T, E> v_;
};

}  // namespace hb::base
