// SPDX-License-Identifier: GPL-2.0-or-later
// Parsers for the scalar value forms of heartbeat's files: time values (cl_get_msec),
// booleans (cl_str_to_boolean), bounded integers and IPv4 addresses. They accept exactly
// the documented forms and report anything else as invalid; they never guess.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hb::base {

using Milliseconds = std::chrono::milliseconds;

/// A heartbeat time value: `10` and `1.5` are seconds, `500ms`/`500msec` milliseconds,
/// `100us`/`100usec` microseconds (suffixes case-insensitive), rounded to the nearest ms.
std::optional<Milliseconds> parse_duration(std::string_view text);

/// A heartbeat boolean: true, on, yes, y, 1 / false, off, no, n, 0 (case-insensitive).
std::optional<bool> parse_boolean(std::string_view text);

/// A decimal integer made of digits only (optionally signed when `allow_sign`), within
/// [min, max].
std::optional<long> parse_integer(std::string_view text, long min, long max,
                                  bool allow_sign = false);

/// A dotted-quad IPv4 address (four decimal octets 0-255), in host byte order.
std::optional<std::uint32_t> parse_ipv4(std::string_view text);

/// An IPv6 address in its text forms (RFC 4291: `2001:db8::100`, `::ffff:192.0.2.1`; no
/// zone, no brackets), as its 16 bytes in network order.
std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text);
/// True when `text` is an IPv6 address as parse_ipv6 reads it.
inline bool is_ipv6_literal(std::string_view text)
{
    return parse_ipv6(text).has_value();
}

/// Renders a duration as heartbeat records derived ones, e.g. `15000ms`.
std::string format_ms(Milliseconds value);

}  // namespace hb::base
