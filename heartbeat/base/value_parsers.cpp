// SPDX-License-Identifier: GPL-2.0-or-later
// Scalar value parsers for heartbeat's configuration files.
#include "base/value_parsers.hpp"

#include <arpa/inet.h>

#include <array>
#include <cmath>
#include <string>

#include "base/text.hpp"

namespace hb::base {

namespace {
bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
}  // namespace

std::optional<Milliseconds> parse_duration(std::string_view text)
{
    // The number: digits with at most one decimal point and at least one digit.
    std::size_t i = 0;
    bool seen_digit = false;
    bool seen_point = false;
    for (; i < text.size(); ++i) {
        if (is_digit(text[i])) {
            seen_digit = true;
        } else if (text[i] == '.' && !seen_point) {
            seen_point = true;
        } else {
            break;
        }
    }
    if (!seen_digit || i > 32) {
        return std::nullopt;
    }
    const std::string_view number = text.substr(0, i);
    const std::string_view unit = text.substr(i);

    double scale_to_ms = 1000.0;  // no unit: seconds
    if (unit.empty()) {
        scale_to_ms = 1000.0;
    } else if (iequals(unit, "ms") || iequals(unit, "msec")) {
        scale_to_ms = 1.0;
    } else if (iequals(unit, "us") || iequals(unit, "usec")) {
        scale_to_ms = 0.001;
    } else {
        return std::nullopt;
    }
    const double value = std::stod(std::string(number)) * scale_to_ms;
    // Keep the result representable and well away from overflow in later arithmetic.
    constexpr double max_ms = 1e12;
    if (!std::isfinite(value) || value > max_ms) {
        return std::nullopt;
    }
    return Milliseconds(static_cast<long long>(value + 0.5));
}

std::optional<bool> parse_boolean(std::string_view text)
{
    static constexpr std::array<std::string_view, 5> yes = {"true", "on", "yes", "y", "1"};
    static constexpr std::array<std::string_view, 5> no = {"false", "off", "no", "n", "0"};
    for (const auto word : yes) {
        if (iequals(text, word)) {
            return true;
        }
    }
    for (const auto word : no) {
        if (iequals(text, word)) {
            return false;
        }
    }
    return std::nullopt;
}

std::optional<long> parse_integer(std::string_view text, long min, long max, bool allow_sign)
{
    bool negative = false;
    if (allow_sign && !text.empty() && (text[0] == '-' || text[0] == '+')) {
        negative = text[0] == '-';
        text.remove_prefix(1);
    }
    if (text.empty() || text.size() > 18) {
        return std::nullopt;
    }
    long value = 0;
    for (const char c : text) {
        if (!is_digit(c)) {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    if (negative) {
        value = -value;
    }
    if (value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text)
{
    // inet_pton reads exactly RFC 4291's forms; it needs a terminated string, and the
    // longest form (eight groups and an embedded IPv4 address) is 45 characters.
    if (text.empty() || text.size() > 45) {
        return std::nullopt;
    }
    const std::string terminated(text);
    std::array<std::uint8_t, 16> bytes{};
    if (::inet_pton(AF_INET6, terminated.c_str(), bytes.data()) != 1) {
        return std::nullopt;
    }
    return bytes;
}

std::optional<std::uint32_t> parse_ipv4(std::string_view text)
{
    std::uint32_t address = 0;
    int octets = 0;
    std::size_t pos = 0;
    while (octets < 4) {
        std::size_t end = pos;
        while (end < text.size() && is_digit(text[end])) {
            ++end;
        }
        const auto octet = parse_integer(text.substr(pos, end - pos), 0, 255);
        if (!octet || end - pos > 3) {
            return std::nullopt;
        }
        address = (address << 8) | static_cast<std::uint32_t>(*octet);
        ++octets;
        if (octets < 4) {
            if (end >= text.size() || text[end] != '.') {
                return std::nullopt;
            }
            pos = end + 1;
        } else if (end != text.size()) {
            return std::nullopt;
        }
    }
    return address;
}

std::string format_ms(Milliseconds value)
{
    return std::to_string(value.count()) + "ms";
}

}  // namespace hb::base
