// SPDX-License-Identifier: GPL-2.0-or-later
// Framing of heartbeat's client API socket (cluster-glue's IPC over a Unix stream socket):
// every message is an 8-byte header — the body length and the magic 0xabcd, both 32-bit
// little-endian on the machines heartbeat runs on — followed by the body, an ha_msg in
// classic text (`>>>\n` … `<<<\n`; netstring when a field cannot be written so) ending
// with one NUL byte, which the length counts.
// Sans-IO: bytes in, bodies out; the decoder's buffer is bounded by the largest frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "wire/codec.hpp"
#include "wire/message.hpp"

namespace hb::api {

inline constexpr std::uint32_t frame_magic = 0xabcd;
inline constexpr std::size_t frame_header_size = 8;
/// The largest body we accept or send (heartbeat's MAXMSG).
inline constexpr std::size_t max_frame_body = 256 * 1024;

/// Why the byte stream cannot be read any further; the connection should be closed.
enum class FrameError { bad_magic, too_large, empty };

std::string_view to_string(FrameError error);

/// Splits a byte stream into frame bodies.
class FrameDecoder {
public:
    explicit FrameDecoder(std::size_t max_body = max_frame_body) : max_body_(max_body) {}

    /// Appends received bytes. Bytes after an error are ignored.
    void feed(std::string_view bytes);
    /// The next complete body (with its NUL), nothing when more bytes are needed, or the
    /// error that ended the stream.
    base::Result<std::optional<std::string>, FrameError> next();
    /// Bytes buffered and not yet returned.
    std::size_t buffered() const { return buffer_.size() - start_; }

private:
    std::size_t max_body_;
    std::string buffer_;
    std::size_t start_ = 0;
    std::optional<FrameError> failed_;
};

/// One frame carrying `message` as classic text plus NUL.
std::string encode_frame(const wire::Message& message);

/// Why a frame body is not a message.
struct BodyError {
    std::string what;
};

/// Decodes a frame body: classic (or netstring) text, one optional trailing NUL.
base::Result<wire::Message, BodyError> decode_body(std::string_view body);

}  // namespace hb::api
