// SPDX-License-Identifier: GPL-2.0-or-later
// Messages written as classic text into a byte stream (heartbeat's FIFO, where scripts
// write `>>>`, `name=value` lines, `<<<` through ha_clustermsg): splits the stream into
// blocks and decodes each. Text outside a block is ignored; a block or line longer than the
// limit is dropped up to the next `>>>`; nothing the writer sends can make it grow without
// bound.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "wire/codec.hpp"
#include "wire/message.hpp"

namespace hb::wire {

class ClassicStream {
public:
    /// `max_block`: the largest block (frame lines included) accepted, in bytes.
    explicit ClassicStream(std::size_t max_block = 64 * 1024);

    /// Takes the next bytes of the stream (any split, partial lines included).
    void feed(std::string_view bytes);
    /// The messages completed so far, in order; clears them.
    std::vector<Message> take();
    /// Blocks dropped so far: too long or not decodable.
    std::size_t rejected() const { return rejected_; }

private:
    void on_line(std::string_view line);

    std::size_t max_block_;
    std::string line_;
    std::string block_;
    bool in_block_ = false;
    bool skipping_line_ = false;  ///< the current line is over the limit: drop it
    std::vector<Message> done_;
    std::size_t rejected_ = 0;
};

}  // namespace hb::wire
