// SPDX-License-Identifier: GPL-2.0-or-later
// plan_reload: what a reload applies in place, what waits for a restart (named with its
// line), how the media carry over and how haresources changes, from pairs of real files.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/reload_plan.hpp"

namespace {

using hb::config::Change;
using hb::config::Config;
using hb::config::plan_reload;

const std::string base_cf =
    "keepalive 500ms\ndeadtime 3\nwarntime 2\ninitdead 6\nudpport 694\nbcast ens32\n"
    "auto_failback on\nnode lvs-01\nnode lvs-02\n";
const std::string base_rsc =
    "lvs-01 IPaddr::192.168.219.100/24/ens32\nlvs-02 IPaddr::192.168.219.101/24/ens32\n";

Config config(const std::string& ha_cf, const std::string& haresources = base_rsc)
{
    auto cf = hb::config::parse_ha_cf(ha_cf, "ha.cf");
    REQUIRE(cf.ok());
    auto rsc = hb::config::parse_haresources(haresources, "haresources");
    REQUIRE(rsc.ok());
    Config c;
    c.ha_cf = cf.config;
    c.groups = rsc.groups;
    c.node_name = "lvs-01";
    return c;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("reload: the same files change nothing", "[config][reload]")
{
    // A comment moves every line: where a value was written is not a change.
    const auto plan = plan_reload(config(base_cf), config("# moved\n" + base_cf));
    CHECK(plan.unchanged());
    CHECK(plan.summary() == "nothing in place");
    CHECK(plan.media_from == std::vector<std::optional<std::size_t>>{0});
}

TEST_CASE("reload: haresources groups added, removed and changed by key", "[config][reload]")
{
    const auto next = config(base_cf,
                             "lvs-01 IPaddr::192.168.219.100/24/ens32\n"
                             "lvs-01 IPaddr::192.168.219.101/24/ens32\n"
                             "lvs-01 IPaddr::192.168.219.102/24/ens32 httpd\n");
    const auto plan = plan_reload(config(base_cf), next);
    REQUIRE(plan.changes == std::vector<Change>{Change::groups});
    CHECK(plan.groups.added == Strings{"IPaddr::192.168.219.102/24/ens32"});
    CHECK(plan.groups.removed.empty());
    // Same first resource, another node: a changed group.
    CHECK(plan.groups.changed == Strings{"IPaddr::192.168.219.101/24/ens32"});
    CHECK(plan.summary() == "haresources (1 added, 0 removed, 1 changed)");
    CHECK(plan.applied.groups == next.groups);

    const auto back = plan_reload(next, config(base_cf));
    CHECK(back.groups.removed == Strings{"IPaddr::192.168.219.102/24/ens32"});
    CHECK(back.groups.changed == Strings{"IPaddr::192.168.219.101/24/ens32"});
    CHECK(back.groups.added.empty());
}

TEST_CASE("reload: timings and media apply in place; kept media keep their index",
          "[config][reload]")
{
    std::string cf = base_cf;
    cf.replace(cf.find("keepalive 500ms"), 15, "keepalive 200ms");
    cf = "ucast ens33 10.0.0.2\n" + cf;
    const auto plan = plan_reload(config(base_cf), config(cf));
    CHECK(plan.has(Change::timing));
    CHECK(plan.has(Change::media));
    CHECK(plan.has(Change::api));  // cl_status hbparameter reads the new keepalive
    CHECK(plan.restart_needed.empty());
    CHECK(plan.applied.ha_cf.keepalive == hb::config::Milliseconds(200));
    // The new ucast line comes first: the bcast it pushes down is still the running one.
    CHECK(plan.media_from == std::vector<std::optional<std::size_t>>{std::nullopt, 0});

    // A new udpport is a new socket for every medium.
    std::string port = base_cf;
    port.replace(port.find("udpport 694"), 11, "udpport 695");
    const auto moved = plan_reload(config(base_cf), config(port));
    CHECK(moved.media_from == std::vector<std::optional<std::size_t>>{std::nullopt});
}

TEST_CASE("reload: what only a restart applies is named with its line and kept",
          "[config][reload]")
{
    const auto next = config(base_cf + "realtime off\nnode lvs-03\nlogfile /tmp/x\nkeepalive 1\n");
    const auto plan = plan_reload(config(base_cf), next);
    Strings names;
    for (const auto& r : plan.restart_needed) {
        names.push_back(r.directive);
    }
    CHECK(names == Strings{"node", "logfile", "realtime"});
    REQUIRE(plan.restart_needed.size() == 3);
    CHECK(plan.restart_needed[0].where.line == 11);
    CHECK(plan.restart_needed[2].where.line == 10);
    // The running values stay, the rest applies.
    CHECK(plan.applied.ha_cf.realtime);
    CHECK(plan.applied.ha_cf.logfile.empty());
    CHECK(plan.applied.ha_cf.nodes.size() == 2);
    CHECK(plan.applied.ha_cf.parameter("realtime") == std::optional<std::string>("true"));
    CHECK(plan.applied.ha_cf.keepalive == hb::config::Milliseconds(1000));
    CHECK(plan.has(Change::timing));
}

TEST_CASE("reload: auto_failback on↔off applies, to or from legacy waits", "[config][reload]")
{
    std::string off = base_cf;
    off.replace(off.find("auto_failback on"), 16, "auto_failback off");
    std::string legacy = base_cf;
    legacy.replace(legacy.find("auto_failback on"), 16, "auto_failback legacy");
    const auto policy = plan_reload(config(base_cf), config(off));
    CHECK(policy.has(Change::auto_failback));
    CHECK(policy.restart_needed.empty());
    const auto protocol = plan_reload(config(base_cf), config(legacy));
    CHECK_FALSE(protocol.has(Change::auto_failback));
    REQUIRE(protocol.restart_needed.size() == 1);
    CHECK(protocol.restart_needed[0].directive == "auto_failback");
    CHECK(protocol.applied.ha_cf.auto_failback == hb::config::AutoFailback::on);
    CHECK(protocol.applied.ha_cf.parameter("auto_failback") == std::optional<std::string>("on"));
}

TEST_CASE("reload: ping nodes wait for a restart, respawn lines apply", "[config][reload]")
{
    const auto next =
        config(base_cf + "ping 192.168.219.1\nrespawn hacluster /usr/lib/heartbeat/ipfail\n");
    const auto plan = plan_reload(config(base_cf), next);
    REQUIRE(plan.restart_needed.size() == 1);
    CHECK(plan.restart_needed[0].directive == "ping");
    CHECK(plan.restart_needed[0].where.line == 10);
    CHECK(plan.has(Change::clients));
    CHECK(plan.applied.ha_cf.media.size() == 1);
    CHECK(plan.applied.ha_cf.nodes.size() == 2);
}
