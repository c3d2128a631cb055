// SPDX-License-Identifier: GPL-2.0-or-later
// The heartbeat message (cluster-glue's ha_msg): an ordered list of named, typed fields.
// Order matters: it is part of what gets signed. This is only the model; codec.hpp turns
// it into bytes and back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::wire {

/// Field types as the wire writes them in `(T)name=value`.
enum class FieldType : std::uint8_t {
    string = 0,
    binary = 1,
    structure = 2,  ///< a nested message
    list = 3,
    compressed = 4,
    uncompressed = 5,  ///< a nested message that was decompressed
};

/// One field: name, type and raw value bytes (binary values are not base64 here).
struct Field {
    std::string name;
    FieldType type = FieldType::string;
    std::string value;

    bool operator==(const Field&) const = default;
};

/// Well-known field names (cluster-glue's F_* constants).
namespace field {
inline constexpr std::string_view type = "t";
inline constexpr std::string_view status = "st";
inline constexpr std::string_view deadtime = "dt";
inline constexpr std::string_view protocol = "protocol";
inline constexpr std::string_view origin = "src";
inline constexpr std::string_view origin_uuid = "srcuuid";
inline constexpr std::string_view sequence = "seq";
inline constexpr std::string_view generation = "hg";
inline constexpr std::string_view timestamp = "ts";
inline constexpr std::string_view load = "ld";
inline constexpr std::string_view ttl = "ttl";
inline constexpr std::string_view auth = "auth";
inline constexpr std::string_view destination = "dest";
inline constexpr std::string_view destination_uuid = "destuuid";
inline constexpr std::string_view first_seq = "firstseq";
inline constexpr std::string_view last_seq = "lastseq";
inline constexpr std::string_view ack_seq = "ackseq";
inline constexpr std::string_view comment = "info";
inline constexpr std::string_view resources_held = "rsc_hold";
}  // namespace field

/// An ordered list of fields. Names may repeat; lookups find the first.
class Message {
public:
    /// Appends a field.
    void add(std::string name, std::string value, FieldType type = FieldType::string);
    /// Replaces the first field called `name`, or appends it.
    void set(std::string_view name, std::string value, FieldType type = FieldType::string);
    /// Removes every field called `name`; returns how many were removed.
    std::size_t remove(std::string_view name);

    /// The first field called `name`, or nullptr.
    const Field* find(std::string_view name) const;
    /// The value of the first field called `name`, if any.
    std::optional<std::string_view> get(std::string_view name) const;
    /// The value of `name` parsed as an unsigned hex number (heartbeat's %lx fields).
    std::optional<std::uint64_t> get_hex(std::string_view name) const;
    /// The value of `name` parsed as an unsigned decimal number.
    std::optional<std::uint64_t> get_decimal(std::string_view name) const;

    /// All fields in order.
    const std::vector<Field>& fields() const { return fields_; }
    /// Number of fields.
    std::size_t size() const { return fields_.size(); }

    bool operator==(const Message&) const = default;

private:
    std::vector<Field> fields_;
};

/// An unsigned number as lower-case hex without leading zeros (`%lx`).
std::string to_hex(std::uint64_t value);

/// Parses a whole string of hex digits (at most 16), as heartbeat's `%lx` writes them.
std::optional<std::uint64_t> parse_hex(std::string_view text);

/// Parses a whole string of decimal digits (at most 19).
std::optional<std::uint64_t> parse_decimal(std::string_view text);

}  // namespace hb::wire
