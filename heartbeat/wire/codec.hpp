// SPDX-License-Identifier: GPL-2.0-or-later
// Wire codec for heartbeat messages, sans-IO. Encodes the netstring form heartbeat 3.0.6
// (cluster-glue >= 1.0.10) puts in every datagram, and the classic `>>>`/`<<<` text used
// for the inner `auth` digest and by older senders. Decoding is total: any byte string gives
// a message or a named error, within fixed limits, never a crash or an unbounded allocation.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "wire/message.hpp"

namespace hb::wire {

/// How a datagram was framed.
enum class Format { netstring, classic };

/// Why a datagram could not be decoded.
enum class DecodeError {
    empty,
    too_large,
    unknown_format,     ///< starts with neither `###\n` nor `>>>\n`
    bad_length,         ///< a netstring length that is not a number or runs past the end
    missing_separator,  ///< no `:` after a length or no `,` after the data
    bad_field_header,   ///< not `(T)name=value`
    unsupported_type,   ///< a type digit we do not accept
    empty_name,
    name_too_long,
    too_many_fields,
    missing_end,     ///< no `%%%\n` / `<<<\n`
    bad_trailer,     ///< the auth trailer after `%%%\n` is malformed
    trailing_bytes,  ///< bytes after the message (and its trailer)
    bad_base64,
    bad_line,  ///< a classic line without `=` or with a forbidden byte
};

/// Lower-case name of a decode error, for counters and logs.
std::string_view to_string(DecodeError error);

/// The `N hexdigest` that authenticates a message.
struct AuthToken {
    int index = 0;
    std::string digest;
};

/// Parses `N hexdigest` (the trailer's content, or the classic `auth` field's value).
std::optional<AuthToken> parse_auth_token(std::string_view text);

/// Decoding limits; defaults follow heartbeat's (MAXMSG 256 KiB, names up to 255 bytes).
struct Limits {
    std::size_t max_datagram = 256 * 1024;
    std::size_t max_fields = 1024;
    std::size_t max_name = 255;
};

/// A decoded datagram and what authenticates it.
struct Decoded {
    Message message;
    Format format = Format::netstring;
    /// netstring: the bytes from `###\n` through `%%%\n`, which the trailer signs.
    std::string signed_bytes;
    /// netstring: the trailer, when present.
    std::optional<AuthToken> trailer;
};

/// Decodes one datagram.
base::Result<Decoded, DecodeError> decode(std::string_view bytes, const Limits& limits = {});

/// The netstring body: `###\n`, one `len:(T)name=value,` per field, `%%%\n`.
std::string encode_netstring(const Message& message);

/// The classic text: `>>>\n`, one `[(T)]name=value\n` per field (binary as base64), `<<<\n`.
std::string encode_classic(const Message& message);

/// True when encode_classic(message) decodes back to `message`: string and binary fields
/// only, names that hold no `=`, newline or NUL and do not start with `(`, string values
/// without newline or NUL. Anything else needs the netstring form.
bool classic_can_carry(const Message& message);

/// The classic lines without the `>>>`/`<<<` frame and without any field called `skip`:
/// what heartbeat signs for the inner `auth` field.
std::string classic_lines(const Message& message, std::string_view skip);

/// Standard base64 with padding, as cluster-glue writes binary fields in classic text.
std::string base64_encode(std::string_view bytes);
/// Decodes standard base64 with padding; nullopt on any invalid input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace hb::wire
