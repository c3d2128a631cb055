// SPDX-License-Identifier: GPL-2.0-or-later
// A fixed wall clock and the settings of lvs-01 in a two-node ha.cf with one medium, for the
// membership tests that drive one Membership by hand.
#pragma once

#include <cstdint>
#include <string>

#include "membership/membership.hpp"

namespace hb::test {

class FixedHost final : public membership::HostInfo {
public:
    std::uint64_t unix_time() const override { return 1'795'568'434ULL; }
    std::string load_average() const override { return "0.00 0.01 0.05 1/123 4567"; }
};

inline membership::Settings pair_settings()
{
    membership::Settings s;
    s.self = "lvs-01";
    s.self_uuid = std::string(16, 'a');
    s.generation = 7;
    s.nodes = {"lvs-01", "lvs-02"};
    s.media = {"eth0"};
    s.keepalive = membership::Milliseconds(1000);
    s.deadtime = membership::Milliseconds(5000);
    s.warntime = membership::Milliseconds(3000);
    s.initdead = membership::Milliseconds(10000);
    return s;
}

}  // namespace hb::test
