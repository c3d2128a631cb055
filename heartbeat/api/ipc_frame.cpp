// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/ipc_frame.hpp"

namespace hb::api {
namespace {

std::uint32_t read_le32(std::string_view bytes)
{
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
        v = (v << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    }
    return v;
}

void append_le32(std::string& out, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i) {
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
}

}  // namespace

std::string_view to_string(FrameError error)
{
    switch (error) {
    case FrameError::bad_magic: return "bad magic";
    case FrameError::too_large: return "frame too large";
    case FrameError::empty: return "empty frame";
    }
    return "?";
}

void FrameDecoder::feed(std::string_view bytes)
{
    if (failed_) {
        return;
    }
    if (start_ > 0 && start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    }
    buffer_.append(bytes);
}

base::Result<std::optional<std::string>, FrameError> FrameDecoder::next()
{
    if (failed_) {
        return *failed_;
    }
    const std::string_view pending = std::string_view(buffer_).substr(start_);
    if (pending.size() < frame_header_size) {
        return std::optional<std::string>{};
    }
    const std::uint32_t length = read_le32(pending.substr(0, 4));
    const std::uint32_t magic = read_le32(pending.substr(4, 4));
    if (magic != frame_magic) {
        failed_ = FrameError::bad_magic;
    } else if (length > max_body_) {
        failed_ = FrameError::too_large;
    } else if (length == 0) {
        failed_ = FrameError::empty;
    }
    if (failed_) {
        buffer_.clear();
        start_ = 0;
        return *failed_;
    }
    if (pending.size() < frame_header_size + length) {
        return std::optional<std::string>{};
    }
    std::string body(pending.substr(frame_header_size, length));
    start_ += frame_header_size + length;
    if (start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    } else if (start_ > max_body_) {
        buffer_.erase(0, start_);
        start_ = 0;
    }
    return std::optional<std::string>(std::move(body));
}

std::string encode_frame(const wire::Message& message)
{
    // Classic, as 3.0.6 writes it, unless a field cannot be written that way; 3.0.6 then
    // uses netstring for struct/list/compressed fields but turns a newline in a string into
    // byte 0x13. We send every such message as netstring, which its client library also
    // reads: the value arrives as sent, and a newline from a peer cannot add a field.
    const std::string text = wire::classic_can_carry(message) ? wire::encode_classic(message)
                                                              : wire::encode_netstring(message);
    std::string out;
    out.reserve(frame_header_size + text.size() + 1);
    append_le32(out, static_cast<std::uint32_t>(text.size() + 1));
    append_le32(out, frame_magic);
    out += text;
    out.push_back('\0');
    return out;
}

base::Result<wire::Message, BodyError> decode_body(std::string_view body)
{
    if (!body.empty() && body.back() == '\0') {
        body.remove_suffix(1);
    }
    auto decoded = wire::decode(body);
    if (!decoded) {
        return BodyError{std::string(wire::to_string(decoded.error()))};
    }
    return std::move(decoded.value().message);
}

}  // namespace hb::api
