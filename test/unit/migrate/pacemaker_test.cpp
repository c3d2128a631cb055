// SPDX-License-Identifier: GPL-2.0-or-later
// hb2pacemaker's conversion (migrate/pacemaker): the tutorial's set-ups become the
// corosync.conf and CIB a Pacemaker administrator would write, and everything ha.cf says
// that has no equivalent is a manual step naming its line — nothing is dropped.
#include <catch2/catch.hpp>

#include <string>

#include "migrate/pacemaker.hpp"
#include "support/diagnostics.hpp"
#include "support/examples.hpp"

using hb::migrate::convert;
using hb::migrate::Options;
using hb::migrate::Result;

namespace {

bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// The step mentioning `part`, with its line, or "" when none does.
std::string step_with(const Result& r, const std::string& part)
{
    for (const auto& s : r.manual_steps) {
        if (has(s.text, part)) {
            return std::to_string(s.where.line) + ": " + s.text;
        }
    }
    return {};
}

Options tutorial_addresses()
{
    Options o;
    o.addresses["lvs-01"] = {"192.168.219.11"};
    o.addresses["lvs-02"] = {"192.168.219.12"};
    return o;
}

/// A configuration of our own: ha.cf, authkeys and haresources as given.
hb::daemon::LoadResult load_texts(const std::string& ha_cf, const std::string& authkeys,
                                  const std::string& haresources, hb::test::TempDir& dir,
                                  hb::test::FakeSystem& system)
{
    dir.write("ha.cf", ha_cf);
    dir.write("authkeys", authkeys);
    dir.write("haresources", haresources);
    for (const char* script : {"IPaddr", "IPaddr2", "Filesystem", "apache2"}) {
        system.executables.insert(dir.path() + "/resource.d/" + script);
    }
    hb::daemon::LoadOptions options;
    options.config_dir = dir.path();
    options.node_name = "alpha";
    options.init_dir = dir.path() + "/init.d";
    return hb::daemon::load_config(options, system);
}

}  // namespace

TEST_CASE("the LVS-DR tutorial becomes a two-node corosync cluster and one group", "[migrate]")
{
    hb::test::TempDir dir;
    hb::test::FakeSystem system;
    const auto loaded = hb::test::load_example("lvs-dr", "lvs-01", dir, system);
    REQUIRE(loaded.config);
    const auto r = convert(*loaded.config, tutorial_addresses());
    REQUIRE(r.ok());

    const auto& c = r.corosync_conf;
    CHECK(has(c, "transport: knet"));
    CHECK(has(c, "crypto_cipher: aes256"));
    CHECK(has(c, "crypto_hash: sha256"));
    CHECK(has(c, "token: 13636"));       // deadtime 30 s / 2.2
    CHECK(has(c, "token_warning: 50"));  // warntime 15 s of 30 s
    CHECK(has(c, "linknumber: 0"));
    CHECK(has(c, "# heartbeat: bcast ens32"));
    CHECK(has(c, "name: lvs-01\n        nodeid: 1\n        ring0_addr: 192.168.219.11"));
    CHECK(has(c, "name: lvs-02\n        nodeid: 2\n        ring0_addr: 192.168.219.12"));
    CHECK(has(c, "two_node: 1"));
    CHECK(has(c, "syslog_facility: local0"));

    const auto& crm = r.crm_script;
    CHECK(has(crm,
              "primitive ip-192.168.219.100 ocf:heartbeat-ng:IPaddr \\\n    params "
              "ip=192.168.219.100 cidr_netmask=24 nic=ens32 iflabel=0 "
              "broadcast=192.168.219.255"));
    CHECK(has(crm, "primitive lvs-ipvsadm ocf:heartbeat-ng:ipvsadm-wrapper \\\n    params rules=" +
                       dir.path() + "/ipvsadm.rules"));
    // The table first, as heartbeat-ng starts it before the address; the group is named by
    // the line's first resource, and prefers the line's node.
    CHECK(has(crm, "group g-ip-192.168.219.100 lvs-ipvsadm ip-192.168.219.100\n"));
    CHECK(has(crm, "location loc-g-ip-192.168.219.100 g-ip-192.168.219.100 100: lvs-01"));
    CHECK(has(crm, "resource-stickiness=0"));  // auto_failback on
    CHECK(has(crm, "dc-deadtime=120s"));       // initdead 120
    CHECK_FALSE(has(crm, "stonith-enabled"));  // fencing stays mandatory

    const auto& pcs = r.pcs_script;
    CHECK(has(pcs,
              "pcs \"$@\" resource create ip-192.168.219.100 ocf:heartbeat-ng:IPaddr "
              "ip=192.168.219.100 cidr_netmask=24 nic=ens32 iflabel=0"));
    CHECK(has(pcs, "--group g-ip-192.168.219.100"));
    CHECK(has(pcs, "pcs \"$@\" constraint location g-ip-192.168.219.100 prefers lvs-01=100"));
    CHECK(has(pcs, "resource defaults update resource-stickiness=0"));

    CHECK_FALSE(step_with(r, "configure fencing").empty());
    CHECK_FALSE(step_with(r, "authkeys crc").empty());
    CHECK_FALSE(step_with(r, "UDP 5405").empty());
    CHECK_FALSE(step_with(r, "ipvsadm.rules to every node").empty());
}

TEST_CASE("a third director: no two_node, and it needs an address", "[migrate]")
{
    hb::test::TempDir dir;
    hb::test::FakeSystem system;
    const auto loaded = hb::test::load_example("lvs-nat", "lvs-01", dir, system);
    REQUIRE(loaded.config);
    auto o = tutorial_addresses();
    o.extra_nodes = {"LVS-03"};
    o.without_fencing = true;

    auto missing = convert(*loaded.config, o);
    CHECK_FALSE(missing.ok());
    REQUIRE(missing.diagnostics.all().size() == 1);
    CHECK(has(missing.diagnostics.all()[0].message, "no address for lvs-03 on ens32"));
    CHECK(missing.diagnostics.all()[0].where.line > 0);  // the bcast line
    CHECK(missing.corosync_conf.empty());

    o.addresses["lvs-03"] = {"192.168.219.13"};
    const auto r = convert(*loaded.config, o);
    REQUIRE(r.ok());
    CHECK(has(r.corosync_conf,
              "name: lvs-03\n        nodeid: 3\n        ring0_addr: 192.168.219.13"));
    CHECK_FALSE(has(r.corosync_conf, "two_node"));
    // NAT: two addresses and the table in one group, stonith off as asked, with the warning.
    CHECK(has(r.crm_script,
              "group g-ip-192.168.219.100 lvs-ipvsadm ip-192.168.219.100 "
              "ip-192.168.56.100\n"));
    CHECK(has(r.crm_script, "stonith-enabled=false"));
    CHECK_FALSE(step_with(r, "--without-fencing").empty());
    CHECK(step_with(r, "configure fencing (a stonith").empty());
    CHECK(r.nodes == std::vector<std::string>{"lvs-01", "lvs-02", "lvs-03"});
}

TEST_CASE("what has no equivalent is a manual step with its line, never dropped", "[migrate]")
{
    hb::test::TempDir dir;
    hb::test::FakeSystem system;
    system.interfaces = {"eth0", "eth1"};
    system.users = {"hacluster"};
    system.host_names = {"gw"};
    system.executables.insert("/usr/lib/heartbeat/ipfail");
    const auto loaded = load_texts(
        "logfacility daemon\nkeepalive 1\ndeadtime 5\nwarntime 3\ninitdead 10\n"
        "auto_failback legacy\n"
        "bcast eth0\n"
        "bcast eth1\n"
        "ping gw\n"
        "respawn hacluster /usr/lib/heartbeat/ipfail\n"
        "hopfudge 2\n"
        "node alpha beta\n",
        "auth 1\n1 sha1 secret\n",
        "alpha 10.0.0.100/24/eth0 Filesystem::/dev/sdb1::/srv::ext4 apache2\n"
        "beta IPaddr2::10.0.0.101\n",
        dir, system);
    INFO(hb::test::diagnostics_text(loaded.diagnostics));
    REQUIRE(loaded.config);
    Options o;
    o.addresses["alpha"] = {"10.0.0.1"};  // eth1's addresses not given: link 1 not written
    o.addresses["beta"] = {"10.0.0.2"};
    const auto r = convert(*loaded.config, o);
    REQUIRE(r.ok());

    CHECK(has(step_with(r, "ping gw"), "ocf:pacemaker:ping"));
    CHECK(has(step_with(r, "respawn hacluster /usr/lib/heartbeat/ipfail"), "ocf:pacemaker:ping"));
    CHECK(has(step_with(r, "hopfudge 2"), "nothing to do"));
    CHECK(has(step_with(r, "auto_failback legacy"), "INFINITY"));
    CHECK(has(step_with(r, "link 1 (eth1) not written"), "beta"));
    const auto fs = step_with(r, "Filesystem::/dev/sdb1::/srv::ext4");
    CHECK(has(fs, "not written"));
    CHECK(fs.rfind("1: ", 0) == 0);  // haresources line 1
    CHECK(has(step_with(r, "apache2: written as lsb:apache2"), "/etc/init.d/apache2"));
    CHECK_FALSE(has(r.crm_script, "Filesystem"));
    CHECK(has(r.crm_script, "primitive apache2 lsb:apache2"));
    CHECK(has(r.crm_script, "group g-ip-10.0.0.100 ip-10.0.0.100 apache2\n"));
    CHECK(has(r.crm_script,
              "primitive ip-10.0.0.101 ocf:heartbeat-ng:IPaddr2 \\\n    params "
              "ip=10.0.0.101 \\\n    op start"));
    CHECK(has(r.crm_script, "location loc-g-ip-10.0.0.101 g-ip-10.0.0.101 100: beta"));
    CHECK(has(r.crm_script, "resource-stickiness=INFINITY"));
    CHECK(has(r.corosync_conf, "token: 2272"));  // 5 s / 2.2
    CHECK_FALSE(has(r.corosync_conf, "linknumber: 1"));
    CHECK(step_with(r, "authkeys crc").empty());  // sha1 had a key
}

TEST_CASE("token follows deadtime, 1000 ms at least", "[migrate]")
{
    using hb::base::Milliseconds;
    CHECK(hb::migrate::token_for(Milliseconds(30000)) == 13636);
    CHECK(hb::migrate::token_for(Milliseconds(2200)) == 1000);
    CHECK(hb::migrate::token_for(Milliseconds(500)) == 1000);
}
