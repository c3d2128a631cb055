// SPDX-License-Identifier: GPL-2.0-or-later
// A heartbeat `status` message as a peer sends it (fields in 3.0.6's order), for the
// membership tests that hand messages to Membership::receive.
#pragma once

#include <cstdint>
#include <string>

#include "wire/message.hpp"

namespace hb::test {

inline wire::Message status_message(const std::string& src, std::uint64_t generation,
                                    std::uint64_t seq, std::uint64_t unix_time,
                                    const std::string& st = "active")
{
    wire::Message m;
    m.add("t", "status");
    m.add("st", st);
    m.add("dt", "1388");
    m.add("protocol", "1");
    m.add("src", src);
    m.add("seq", wire::to_hex(seq));
    m.add("hg", wire::to_hex(generation));
    m.add("ts", wire::to_hex(unix_time));
    m.add("ld", "0.00 0.01 0.05 1/123 4567");
    m.add("ttl", "3");
    return m;
}

}  // namespace hb::test
