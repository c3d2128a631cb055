// SPDX-License-Identifier: GPL-2.0-or-later
// The pair the chain tests and the cluster fuzzer simulate: lvs-01 and lvs-02, one group
// each (an IPaddr and a service), keepalive 500 ms, deadtime 2 s, initdead 4 s, sha1 keys,
// scripts with 2 s start/stop and 1 s status timeouts and three stop retries.
#pragma once

#include <string>
#include <vector>

#include "base/assert.hpp"
#include "config/haresources.hpp"
#include "membership/membership.hpp"
#include "resources/resource_controller.hpp"

namespace hb::sim::pair {

inline const std::string n1 = "lvs-01";
inline const std::string n2 = "lvs-02";
inline const std::string& other(const std::string& n)
{
    return n == n1 ? n2 : n1;
}

inline constexpr membership::Milliseconds keepalive{500};
inline constexpr membership::Milliseconds deadtime{2000};
inline constexpr membership::Milliseconds initdead{4000};

inline std::vector<config::ResourceGroup> groups()
{
    auto parsed = config::parse_haresources(
        "lvs-01 IPaddr::10.0.0.100 web-a\nlvs-02 IPaddr::10.0.0.200 web-b\n", "haresources");
    HB_ASSERT(parsed.ok());
    return parsed.groups;
}
inline const config::ResourceGroup& group_a()
{
    static const auto g = groups();
    return g[0];
}
inline const config::ResourceGroup& group_b()
{
    static const auto g = groups();
    return g[1];
}

inline membership::Settings timings()
{
    membership::Settings s;
    s.keepalive = keepalive;
    s.deadtime = deadtime;
    s.warntime = membership::Milliseconds(1000);
    s.initdead = initdead;
    s.keep_replay_floors = true;  // sha1 keys (below): the engine keeps them across restarts
    return s;
}

inline config::AuthKeys keys()
{
    config::AuthKeys k;
    k.active_index = 1;
    k.keys[1] = config::AuthKey{1, config::AuthMethod::sha1, "secret", {}};
    return k;
}

inline resources::ControllerSettings settings_for(const std::string& self,
                                                  config::AutoFailback mode)
{
    resources::ControllerSettings s;
    s.manager.self = self;
    s.manager.peer = other(self);
    s.manager.groups = groups();
    s.manager.auto_failback = mode;
    s.limits.start_timeout = membership::Milliseconds(2000);
    s.limits.stop_timeout = membership::Milliseconds(2000);
    s.limits.status_timeout = membership::Milliseconds(1000);
    s.limits.stop_retries = 3;
    return s;
}

}  // namespace hb::sim::pair
