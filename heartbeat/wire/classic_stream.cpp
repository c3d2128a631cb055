// SPDX-License-Identifier: GPL-2.0-or-later
#include "wire/classic_stream.hpp"

namespace hb::wire {

namespace {
constexpr std::string_view block_start = ">>>";
constexpr std::string_view block_end = "<<<";
}  // namespace

ClassicStream::ClassicStream(std::size_t max_block) : max_block_(max_block) {}

void ClassicStream::feed(std::string_view bytes)
{
    while (!bytes.empty()) {
        const std::size_t nl = bytes.find('\n');
        const std::string_view piece = bytes.substr(0, nl);
        if (!skipping_line_) {
            if (line_.size() + piece.size() > max_block_) {
                // A line this long cannot be part of an acceptable block.
                skipping_line_ = true;
                line_.clear();
                if (in_block_) {
                    in_block_ = false;
                    block_.clear();
                    ++rejected_;
                }
            } else {
                line_.append(piece);
            }
        }
        if (nl == std::string_view::npos) {
            return;
        }
        bytes.remove_prefix(nl + 1);
        if (!skipping_line_) {
            on_line(line_);
        }
        skipping_line_ = false;
        line_.clear();
    }
}

void ClassicStream::on_line(std::string_view line)
{
    if (line == block_start) {
        if (in_block_) {
            ++rejected_;  // an unterminated block: the writer started over
        }
        in_block_ = true;
        block_.assign(block_start).push_back('\n');
        return;
    }
    if (!in_block_) {
        return;
    }
    if (block_.size() + line.size() + 1 > max_block_) {
        in_block_ = false;
        block_.clear();
        ++rejected_;
        return;
    }
    block_.append(line).push_back('\n');
    if (line != block_end) {
        return;
    }
    in_block_ = false;
    Limits limits;
    limits.max_datagram = max_block_;
    auto decoded = decode(block_, limits);
    block_.clear();
    if (decoded.ok()) {
        done_.push_back(std::move(decoded.value().message));
    } else {
        ++rejected_;
    }
}

std::vector<Message> ClassicStream::take()
{
    std::vector<Message> out;
    out.swap(done_);
    return out;
}

}  // namespace hb::wire
