// SPDX-License-Identifier: GPL-2.0-or-later
// The tutorial's two set-ups in ha.d-examples/ load cleanly for both directors, read the way
// the tutorial means them, and are Debian's templates with the tutorial's lines appended.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/ha_cf.hpp"
#include "daemon/config_loader.hpp"
#include "support/examples.hpp"

using namespace hb::config;

namespace {

const std::string examples = std::string(HB_SOURCE_DIR) + "/ha.d-examples";
using hb::test::load_example;
using hb::test::slurp;

}  // namespace

TEST_CASE("the example set-ups load for lvs-01 and lvs-02 with only the crc warning",
          "[config][examples]")
{
    for (const std::string name : {"lvs-dr", "lvs-nat"}) {
        for (const std::string node : {"lvs-01", "lvs-02"}) {
            INFO(name << " as " << node);
            hb::test::TempDir dir;
            hb::test::FakeSystem system;
            const auto result = load_example(name, node, dir, system);
            for (const auto& d : result.diagnostics.all()) {
                INFO(hb::base::format(d));
                CHECK(d.severity == hb::base::Severity::warning);
                CHECK(d.message.find("crc authenticates nothing") != std::string::npos);
            }
            CHECK(result.diagnostics.all().size() == 1);
            REQUIRE(result.config.has_value());

            const Config& cfg = *result.config;
            CHECK(cfg.node_name == node);
            CHECK(cfg.ha_cf.keepalive == Milliseconds(2000));
            CHECK(cfg.ha_cf.deadtime == Milliseconds(30000));
            CHECK(cfg.ha_cf.warntime == Milliseconds(15000));
            CHECK(cfg.ha_cf.initdead == Milliseconds(120000));
            CHECK(cfg.ha_cf.udpport == 694);
            CHECK(cfg.ha_cf.auto_failback == AutoFailback::on);
            CHECK(cfg.ha_cf.logfacility == "local0");
            REQUIRE(cfg.ha_cf.media.size() == 1);
            CHECK(cfg.ha_cf.media[0].type == MediumType::bcast);
            CHECK(cfg.ha_cf.media[0].interface == "ens32");
            CHECK(cfg.ha_cf.media[0].port == 694);
            REQUIRE(cfg.ha_cf.nodes.size() == 2);
            CHECK(cfg.ha_cf.nodes[0].name == "lvs-01");
            CHECK(cfg.ha_cf.nodes[1].name == "lvs-02");
            CHECK(cfg.authkeys.active().method == AuthMethod::crc);
            REQUIRE(cfg.groups.size() == 1);
            CHECK(cfg.groups[0].node == "lvs-01");
            CHECK(cfg.groups[0].key() == "IPaddr::192.168.219.100/24/ens32:0/192.168.219.255");
            CHECK(cfg.groups[0].resources[0].script == "IPaddr");
            CHECK(cfg.groups[0].resources[0].args ==
                  std::vector<std::string>{"192.168.219.100/24/ens32:0/192.168.219.255"});
            const auto& resources = cfg.groups[0].resources;
            if (name == "lvs-nat") {
                REQUIRE(resources.size() == 3);
                CHECK(resources[1].args ==
                      std::vector<std::string>{"192.168.56.100/24/ens34:0/192.168.56.255"});
            } else {
                REQUIRE(resources.size() == 2);
            }
            CHECK(resources.back().script == "ipvsadm-wrapper");
            CHECK(resources.back().args == std::vector<std::string>{dir.path() + "/ipvsadm.rules"});
        }
    }
}

TEST_CASE("each example file is the template followed by the tutorial's lines",
          "[config][examples]")
{
    for (const std::string name : {"lvs-dr", "lvs-nat"}) {
        for (const std::string file : {"ha.cf", "authkeys", "haresources"}) {
            INFO(name << "/" << file);
            const std::string templ = slurp(examples + "/templates/" + file);
            const std::string example = slurp(examples + "/" + name + "/" + file);
            REQUIRE(example.size() > templ.size());
            CHECK(example.compare(0, templ.size(), templ) == 0);
        }
    }
}

TEST_CASE("the templates alone hold only Debian's two active ha.cf lines", "[config][examples]")
{
    const auto r = parse_ha_cf(slurp(examples + "/templates/ha.cf"), "ha.cf");
    CHECK(r.config.logfacility == "local0");
    CHECK(r.config.auto_failback == AutoFailback::on);
    CHECK(r.config.set_at.size() == 2);
    CHECK(r.config.nodes.empty());
    CHECK(r.config.media.empty());
}
