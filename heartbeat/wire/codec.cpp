// SPDX-License-Identifier: GPL-2.0-or-later
// Wire codec. Netstring datagram layout (what heartbeat 3.0.6 sends):
//
//   ###\n  12:(0)t=status,  …  27:(1)srcuuid=<16 raw bytes>,  …  %%%\n  42:1 <hex>,
//   └start┘ └──── one netstring per field: len counts "(T)name=value" ───┘ └end┘ └trailer┘
//
// Classic layout: `>>>\n` then `[(T)]name=value\n` lines then `<<<\n`, optionally followed
// by one NUL (old senders include the C string terminator).
#include "wire/codec.hpp"

#include <algorithm>
#include <array>

namespace hb::wire {

std::string_view to_string(DecodeError error)
{
    switch (error) {
    case DecodeError::empty: return "empty";
    case DecodeError::too_large: return "too_large";
    case DecodeError::unknown_format: return "unknown_format";
    case DecodeError::bad_length: return "bad_length";
    case DecodeError::missing_separator: return "missing_separator";
    case DecodeError::bad_field_header: return "bad_field_header";
    case DecodeError::unsupported_type: return "unsupported_type";
    case DecodeError::empty_name: return "empty_name";
    case DecodeError::name_too_long: return "name_too_long";
    case DecodeError::too_many_fields: return "too_many_fields";
    case DecodeError::missing_end: return "missing_end";
    case DecodeError::bad_trailer: return "bad_trailer";
    case DecodeError::trailing_bytes: return "trailing_bytes";
    case DecodeError::bad_base64: return "bad_base64";
    case DecodeError::bad_line: return "bad_line";
    }
    return "unknown";
}

namespace {

constexpr std::string_view netstring_start = "###\n";
constexpr std::string_view netstring_end = "%%%\n";
constexpr std::string_view classic_start = ">>>\n";
constexpr std::string_view classic_end = "<<<\n";
constexpr std::size_t max_length_digits = 9;

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

char type_digit(FieldType type)
{
    return static_cast<char>('0' + static_cast<int>(type));
}

/// Reads one netstring `len:data,` at `pos`; on success moves `pos` past it.
base::Result<std::string_view, DecodeError> read_netstring(std::string_view bytes, std::size_t& pos)
{
    std::size_t digits = 0;
    std::size_t length = 0;
    while (pos + digits < bytes.size() && is_digit(bytes[pos + digits])) {
        if (digits == max_length_digits) {
            return DecodeError::bad_length;
        }
        length = length * 10 + static_cast<std::size_t>(bytes[pos + digits] - '0');
        ++digits;
    }
    if (digits == 0) {
        return DecodeError::bad_length;
    }
    std::size_t at = pos + digits;
    if (at >= bytes.size() || bytes[at] != ':') {
        return DecodeError::missing_separator;
    }
    ++at;
    if (length > bytes.size() - at) {
        return DecodeError::bad_length;
    }
    const std::string_view data = bytes.substr(at, length);
    at += length;
    if (at >= bytes.size() || bytes[at] != ',') {
        return DecodeError::missing_separator;
    }
    pos = at + 1;
    return data;
}

std::optional<DecodeError> check_name(std::string_view name, const Limits& limits)
{
    if (name.empty()) {
        return DecodeError::empty_name;
    }
    if (name.size() > limits.max_name) {
        return DecodeError::name_too_long;
    }
    return std::nullopt;
}

/// Parses `(T)name=value` from a netstring field.
base::Result<Field, DecodeError> parse_netstring_field(std::string_view data, const Limits& limits)
{
    if (data.size() < 4 || data[0] != '(' || !is_digit(data[1]) || data[2] != ')') {
        return DecodeError::bad_field_header;
    }
    const int type = data[1] - '0';
    if (type > static_cast<int>(FieldType::uncompressed)) {
        return DecodeError::unsupported_type;
    }
    const std::string_view rest = data.substr(3);
    const std::size_t eq = rest.find('=');
    if (eq == std::string_view::npos) {
        return DecodeError::bad_field_header;
    }
    const std::string_view name = rest.substr(0, eq);
    if (const auto error = check_name(name, limits)) {
        return *error;
    }
    return Field{std::string(name), static_cast<FieldType>(type), std::string(rest.substr(eq + 1))};
}

bool only_terminator_left(std::string_view bytes, std::size_t pos)
{
    return pos == bytes.size() || (pos + 1 == bytes.size() && bytes[pos] == '\0');
}

base::Result<Decoded, DecodeError> decode_netstring(std::string_view bytes, const Limits& limits)
{
    Decoded out;
    out.format = Format::netstring;
    std::size_t pos = netstring_start.size();
    while (true) {
        if (bytes.substr(pos, netstring_end.size()) == netstring_end) {
            pos += netstring_end.size();
            break;
        }
        if (pos >= bytes.size()) {
            return DecodeError::missing_end;
        }
        if (out.message.size() >= limits.max_fields) {
            return DecodeError::too_many_fields;
        }
        auto data = read_netstring(bytes, pos);
        if (!data) {
            return data.error();
        }
        auto field = parse_netstring_field(data.value(), limits);
        if (!field) {
            return field.error();
        }
        Field& f = field.value();
        out.message.add(std::move(f.name), std::move(f.value), f.type);
    }
    out.signed_bytes = std::string(bytes.substr(0, pos));
    if (only_terminator_left(bytes, pos)) {
        return out;
    }
    auto trailer = read_netstring(bytes, pos);
    if (!trailer) {
        return DecodeError::bad_trailer;
    }
    out.trailer = parse_auth_token(trailer.value());
    if (!out.trailer) {
        return DecodeError::bad_trailer;
    }
    if (!only_terminator_left(bytes, pos)) {
        return DecodeError::trailing_bytes;
    }
    return out;
}

base::Result<Decoded, DecodeError> decode_classic(std::string_view bytes, const Limits& limits)
{
    Decoded out;
    out.format = Format::classic;
    std::size_t pos = classic_start.size();
    while (true) {
        if (bytes.substr(pos, classic_end.size()) == classic_end) {
            pos += classic_end.size();
            break;
        }
        const std::size_t nl = bytes.find('\n', pos);
        if (nl == std::string_view::npos) {
            return DecodeError::missing_end;
        }
        if (out.message.size() >= limits.max_fields) {
            return DecodeError::too_many_fields;
        }
        std::string_view line = bytes.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.find('\0') != std::string_view::npos) {
            return DecodeError::bad_line;
        }
        FieldType type = FieldType::string;
        if (!line.empty() && line[0] == '(') {
            if (line.size() < 3 || !is_digit(line[1]) || line[2] != ')') {
                return DecodeError::bad_field_header;
            }
            const int digit = line[1] - '0';
            // Nested and compressed fields in classic text use their own escaping, which no
            // heartbeat v1 message needs; refuse them rather than guess.
            if (digit != static_cast<int>(FieldType::string) &&
                digit != static_cast<int>(FieldType::binary)) {
                return DecodeError::unsupported_type;
            }
            type = static_cast<FieldType>(digit);
            line.remove_prefix(3);
        }
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            return DecodeError::bad_line;
        }
        const std::string_view name = line.substr(0, eq);
        if (const auto error = check_name(name, limits)) {
            return *error;
        }
        std::string value(line.substr(eq + 1));
        if (type == FieldType::binary) {
            auto raw = base64_decode(value);
            if (!raw) {
                return DecodeError::bad_base64;
            }
            value = std::move(*raw);
        }
        out.message.add(std::string(name), std::move(value), type);
    }
    if (!only_terminator_left(bytes, pos)) {
        return DecodeError::trailing_bytes;
    }
    return out;
}

void append_classic_line(std::string& out, const Field& f)
{
    if (f.type != FieldType::string) {
        out += '(';
        out += type_digit(f.type);
        out += ')';
    }
    out += f.name;
    out += '=';
    out += f.type == FieldType::binary ? base64_encode(f.value) : f.value;
    out += '\n';
}

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

}  // namespace

std::optional<AuthToken> parse_auth_token(std::string_view text)
{
    const std::size_t space = text.find(' ');
    if (space == 0 || space == std::string_view::npos || space > 2) {
        return std::nullopt;
    }
    int index = 0;
    for (std::size_t i = 0; i < space; ++i) {
        if (!is_digit(text[i])) {
            return std::nullopt;
        }
        index = index * 10 + (text[i] - '0');
    }
    const std::string_view digest = text.substr(space + 1);
    if (digest.empty() || digest.size() > 128) {
        return std::nullopt;
    }
    for (const char c : digest) {
        if (!is_digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F')) {
            return std::nullopt;
        }
    }
    return AuthToken{index, std::string(digest)};
}

base::Result<Decoded, DecodeError> decode(std::string_view bytes, const Limits& limits)
{
    if (bytes.empty()) {
        return DecodeError::empty;
    }
    if (bytes.size() > limits.max_datagram) {
        return DecodeError::too_large;
    }
    if (bytes.substr(0, netstring_start.size()) == netstring_start) {
        return decode_netstring(bytes, limits);
    }
    if (bytes.substr(0, classic_start.size()) == classic_start) {
        return decode_classic(bytes, limits);
    }
    return DecodeError::unknown_format;
}

std::string encode_netstring(const Message& message)
{
    std::string out(netstring_start);
    for (const Field& f : message.fields()) {
        const std::size_t length = 3 + f.name.size() + 1 + f.value.size();
        out += std::to_string(length);
        out += ":(";
        out += type_digit(f.type);
        out += ')';
        out += f.name;
        out += '=';
        out += f.value;
        out += ',';
    }
    out += netstring_end;
    return out;
}

std::string classic_lines(const Message& message, std::string_view skip)
{
    std::string out;
    for (const Field& f : message.fields()) {
        if (f.name != skip) {
            append_classic_line(out, f);
        }
    }
    return out;
}

bool classic_can_carry(const Message& message)
{
    const auto clean = [](std::string_view text) {
        return text.find('\n') == std::string_view::npos &&
               text.find('\0') == std::string_view::npos;
    };
    return std::all_of(message.fields().begin(), message.fields().end(), [&](const Field& f) {
        const bool carried =
            f.type == FieldType::binary || (f.type == FieldType::string && clean(f.value));
        return carried && clean(f.name) && f.name.find('=') == std::string::npos &&
               !f.name.starts_with('(');
    });
}

std::string encode_classic(const Message& message)
{
    return std::string(classic_start) + classic_lines(message, {}) + std::string(classic_end);
}

std::string base64_encode(std::string_view bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const auto n = (static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U) |
                       (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8U) |
                       static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
        out += base64_alphabet[(n >> 18U) & 63U];
        out += base64_alphabet[(n >> 12U) & 63U];
        out += base64_alphabet[(n >> 6U) & 63U];
        out += base64_alphabet[n & 63U];
    }
    const std::size_t left = bytes.size() - i;
    if (left > 0) {
        unsigned n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U;
        if (left == 2) {
            n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
        }
        out += base64_alphabet[(n >> 18U) & 63U];
        out += base64_alphabet[(n >> 12U) & 63U];
        out += left == 2 ? base64_alphabet[(n >> 6U) & 63U] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text)
{
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::array<int, 4> v{};
        int padding = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            if (c == '=' && i + 4 == text.size() && j >= 2) {
                v[j] = 0;
                ++padding;
                continue;
            }
            if (padding > 0) {
                return std::nullopt;  // data after padding
            }
            v[j] = base64_value(c);
            if (v[j] < 0) {
                return std::nullopt;
            }
        }
        const auto n = (static_cast<unsigned>(v[0]) << 18U) | (static_cast<unsigned>(v[1]) << 12U) |
                       (static_cast<unsigned>(v[2]) << 6U) | static_cast<unsigned>(v[3]);
        out += static_cast<char>((n >> 16U) & 0xffU);
        if (padding < 2) {
            out += static_cast<char>((n >> 8U) & 0xffU);
        }
        if (padding < 1) {
            out += static_cast<char>(n & 0xffU);
        }
    }
    return out;
}

}  // namespace hb::wire
