// SPDX-License-Identifier: GPL-2.0-or-later
// parse_haresources and looks_like_ip_resource on their own: resource token forms, node
// names, comments, backslash continuation with physical line numbers, CRLF, several groups.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/haresources.hpp"
#include "support/diagnostics.hpp"

namespace {

using hb::config::HaResourcesResult;
using hb::config::looks_like_ip_resource;
using hb::config::parse_haresources;

const std::string path = "/etc/ha.d/haresources";

HaResourcesResult parse(const std::string& text)
{
    return parse_haresources(text, path);
}

std::string dump(const HaResourcesResult& result)
{
    return hb::test::diagnostics_text(result.diagnostics, "  ");
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("haresources: the tutorial's IPaddr line", "[config][haresources]")
{
    const auto result = parse("lvs-01 IPaddr::192.168.219.100/24/ens32:0/192.168.219.255\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    CHECK(result.diagnostics.all().empty());
    REQUIRE(result.groups.size() == 1);
    const auto& group = result.groups.front();
    CHECK(group.node == "lvs-01");
    CHECK(group.where.file == path);
    CHECK(group.where.line == 1);
    REQUIRE(group.resources.size() == 1);
    const auto& r = group.resources.front();
    CHECK(r.script == "IPaddr");
    CHECK(r.args == Strings{"192.168.219.100/24/ens32:0/192.168.219.255"});
    CHECK(r.text == "IPaddr::192.168.219.100/24/ens32:0/192.168.219.255");
    CHECK(r.where.line == 1);
    CHECK(group.key() == "IPaddr::192.168.219.100/24/ens32:0/192.168.219.255");
}

TEST_CASE("haresources: a bare address means IPaddr, and is kept as written",
          "[config][haresources]")
{
    const auto result = parse("lvs-01 192.168.219.100\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 1);
    REQUIRE(result.groups[0].resources.size() == 1);
    const auto& r = result.groups[0].resources[0];
    CHECK(r.script == "IPaddr");
    CHECK(r.args == Strings{"192.168.219.100"});
    CHECK(r.text == "192.168.219.100");
    CHECK(result.groups[0].key() == "192.168.219.100");
}

TEST_CASE("haresources: a bare address with netmask, interface and broadcast",
          "[config][haresources]")
{
    const auto result = parse("alpha 10.0.0.10/255.255.255.0/eth0/10.0.0.255\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 1);
    const auto& r = result.groups[0].resources.at(0);
    CHECK(r.script == "IPaddr");
    CHECK(r.args == Strings{"10.0.0.10/255.255.255.0/eth0/10.0.0.255"});
}

TEST_CASE("haresources: resources keep their order", "[config][haresources]")
{
    const auto result =
        parse("alpha 10.0.0.1/24/eth0 Filesystem::/dev/sdb1::/srv::ext4 mysql httpd\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 1);
    const auto& resources = result.groups[0].resources;
    REQUIRE(resources.size() == 4);
    CHECK(resources[0].script == "IPaddr");
    CHECK(resources[1].script == "Filesystem");
    CHECK(resources[2].script == "mysql");
    CHECK(resources[3].script == "httpd");
    CHECK(result.groups[0].key() == "10.0.0.1/24/eth0");
}

TEST_CASE("haresources: '::' separates arguments", "[config][haresources]")
{
    const auto result = parse("alpha MailTo::root::failover Filesystem::/dev/sdb1::/srv::ext4\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 1);
    const auto& resources = result.groups[0].resources;
    REQUIRE(resources.size() == 2);
    CHECK(resources[0].script == "MailTo");
    CHECK(resources[0].args == Strings{"root", "failover"});
    CHECK(resources[0].text == "MailTo::root::failover");
    CHECK(resources[1].script == "Filesystem");
    CHECK(resources[1].args == Strings{"/dev/sdb1", "/srv", "ext4"});
}

TEST_CASE("haresources: an LSB script without arguments", "[config][haresources]")
{
    const auto result = parse("alpha apache2\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 1);
    const auto& r = result.groups[0].resources.at(0);
    CHECK(r.script == "apache2");
    CHECK(r.args.empty());
    CHECK(r.text == "apache2");
    CHECK(result.groups[0].key() == "apache2");
}

TEST_CASE("haresources: the node name is lower-cased", "[config][haresources]")
{
    const auto result = parse("LVS-01 httpd\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 1);
    CHECK(result.groups[0].node == "lvs-01");
    // Resource names are case-sensitive script names and stay as written.
    CHECK(result.groups[0].resources.at(0).script == "httpd");
}

TEST_CASE("haresources: comments and blank lines", "[config][haresources]")
{
    const auto result = parse("# haresources for the web cluster\n"
                              "\n"
                              "alpha httpd   # apache on alpha\n"
                              "   \t  \n"
                              "#beta smb\n"
                              "beta IPaddr::10.0.0.2#trailing comment without a blank\n"
                              "   # indented comment\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    CHECK(result.diagnostics.all().empty());
    REQUIRE(result.groups.size() == 2);
    CHECK(result.groups[0].node == "alpha");
    CHECK(result.groups[0].where.line == 3);
    REQUIRE(result.groups[0].resources.size() == 1);
    CHECK(result.groups[0].resources[0].text == "httpd");
    CHECK(result.groups[1].node == "beta");
    CHECK(result.groups[1].where.line == 6);
    REQUIRE(result.groups[1].resources.size() == 1);
    CHECK(result.groups[1].resources[0].text == "IPaddr::10.0.0.2");
    CHECK(result.groups[1].resources[0].args == Strings{"10.0.0.2"});
}

TEST_CASE("haresources: an empty file has no groups", "[config][haresources]")
{
    const auto result = parse("# nothing here\n\n");
    CHECK(result.ok());
    CHECK(result.groups.empty());
    CHECK(result.diagnostics.all().empty());
}

TEST_CASE("haresources: backslash continuation over three physical lines",
          "[config][haresources]")
{
    const auto result = parse("# web group\n"                         // 1
                              "alpha 10.0.0.1/24/eth0 \\\n"           // 2
                              "      Filesystem::/dev/sdb1::/srv \\\n"  // 3
                              "      httpd\n"                           // 4
                              "beta smb\n");                            // 5
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 2);
    const auto& group = result.groups[0];
    CHECK(group.node == "alpha");
    CHECK(group.where.line == 2);
    REQUIRE(group.resources.size() == 3);
    CHECK(group.resources[0].text == "10.0.0.1/24/eth0");
    CHECK(group.resources[0].where.line == 2);
    CHECK(group.resources[1].text == "Filesystem::/dev/sdb1::/srv");
    CHECK(group.resources[1].where.line == 3);
    CHECK(group.resources[2].text == "httpd");
    CHECK(group.resources[2].where.line == 4);
    CHECK(result.groups[1].node == "beta");
    CHECK(result.groups[1].where.line == 5);
}

TEST_CASE("haresources: a backslash glued to a token still continues the line",
          "[config][haresources]")
{
    const auto result = parse("alpha httpd\\\nsmb\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 1);
    REQUIRE(result.groups[0].resources.size() == 2);
    CHECK(result.groups[0].resources[0].text == "httpd");
    CHECK(result.groups[0].resources[1].text == "smb");
    CHECK(result.groups[0].resources[1].where.line == 2);
}

TEST_CASE("haresources: CRLF line endings", "[config][haresources]")
{
    const auto result = parse("alpha 10.0.0.1/24/eth0 httpd\r\n"
                              "\r\n"
                              "beta smb \\\r\n"
                              "  nfs-kernel-server\r\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 2);
    REQUIRE(result.groups[0].resources.size() == 2);
    CHECK(result.groups[0].resources[0].args == Strings{"10.0.0.1/24/eth0"});
    CHECK(result.groups[0].resources[1].text == "httpd");
    CHECK(result.groups[1].node == "beta");
    CHECK(result.groups[1].where.line == 3);
    REQUIRE(result.groups[1].resources.size() == 2);
    CHECK(result.groups[1].resources[0].text == "smb");
    CHECK(result.groups[1].resources[1].text == "nfs-kernel-server");
    CHECK(result.groups[1].resources[1].where.line == 4);
}

TEST_CASE("haresources: several groups, one per line", "[config][haresources]")
{
    const auto result = parse("alpha 10.0.0.10 httpd\n"
                              "beta 10.0.0.20 smb\n"
                              "alpha IPaddr2::10.0.0.30/24/eth1 postfix\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 3);
    CHECK(result.groups[0].node == "alpha");
    CHECK(result.groups[0].key() == "10.0.0.10");
    CHECK(result.groups[0].where.line == 1);
    CHECK(result.groups[1].node == "beta");
    CHECK(result.groups[1].key() == "10.0.0.20");
    CHECK(result.groups[1].where.line == 2);
    CHECK(result.groups[2].node == "alpha");
    CHECK(result.groups[2].key() == "IPaddr2::10.0.0.30/24/eth1");
    CHECK(result.groups[2].resources[0].script == "IPaddr2");
    CHECK(result.groups[2].where.line == 3);
}

TEST_CASE("haresources: a group with an error is left out, the others stay",
          "[config][haresources]")
{
    const auto result = parse("alpha httpd\n"
                              "beta IPaddr::10.0.0.300\n"
                              "gamma smb\n");
    INFO(dump(result));
    CHECK_FALSE(result.ok());
    REQUIRE(result.diagnostics.count(hb::base::Severity::error) == 1);
    CHECK(result.diagnostics.all().front().where.line == 2);
    REQUIRE(result.groups.size() == 2);
    CHECK(result.groups[0].node == "alpha");
    CHECK(result.groups[1].node == "gamma");
}

TEST_CASE("looks_like_ip_resource follows heartbeat's address glob", "[config][haresources]")
{
    CHECK(looks_like_ip_resource("1.2.3.4"));
    CHECK(looks_like_ip_resource("10.0.0.1/24/eth0"));
    CHECK(looks_like_ip_resource("192.168.219.100/24/ens32:0/192.168.219.255"));
    CHECK(looks_like_ip_resource("10.0.0.256"));  // the glob does not check octets

    CHECK_FALSE(looks_like_ip_resource("IPaddr::1.2.3.4"));
    CHECK_FALSE(looks_like_ip_resource("httpd"));
    CHECK_FALSE(looks_like_ip_resource("1.2.3"));
    CHECK_FALSE(looks_like_ip_resource("a.1.2.3"));
    CHECK_FALSE(looks_like_ip_resource(""));
    CHECK_FALSE(looks_like_ip_resource("1.2.3."));
}

TEST_CASE("haresources: an IPv6 service address keeps its '::' for IPaddr2 and IPv6addr",
          "[config][haresources]")
{
    const auto result = parse(
        "lvs-01 IPaddr2::2001:db8::100/64/ens32 IPv6addr::2001:db8::101 "
        "IPv6addr::2001:db8:0:0:0:0:0:102/64\n");
    INFO(dump(result));
    REQUIRE(result.ok());
    REQUIRE(result.groups.size() == 1);
    const auto& r = result.groups[0].resources;
    REQUIRE(r.size() == 3);
    CHECK(r[0].script == "IPaddr2");
    CHECK(r[0].args == Strings{"2001:db8::100/64/ens32"});
    CHECK(r[0].text == "IPaddr2::2001:db8::100/64/ens32");  // the key, as written
    CHECK(r[1].args == Strings{"2001:db8::101"});
    CHECK(r[2].args == Strings{"2001:db8:0:0:0:0:0:102/64"});
}

TEST_CASE("haresources: IPv6 where it cannot go is refused with its reason",
          "[config][haresources]")
{
    // IPaddr is 3.0.6's IPv4 agent; IPv6addr takes no IPv4 address; a bad prefix is named.
    const auto result = parse(
        "lvs-01 IPaddr::2001:db8:0:0:0:0:0:100/64\n"
        "lvs-01 IPv6addr::192.168.219.100/24\n"
        "lvs-01 IPaddr2::2001:db8::100/129/ens32\n"
        "lvs-01 Filesystem::/dev/sda1::/data\n");
    INFO(dump(result));
    REQUIRE(result.diagnostics.all().size() == 3);
    CHECK(result.diagnostics.all()[0].where.line == 1);
    CHECK(result.diagnostics.all()[0].message.find("use IPaddr2 or IPv6addr") !=
          std::string::npos);
    CHECK(result.diagnostics.all()[1].where.line == 2);
    CHECK(result.diagnostics.all()[1].message.find("IPv6addr takes an IPv6 address") !=
          std::string::npos);
    CHECK(result.diagnostics.all()[2].where.line == 3);
    // Other scripts still split their arguments on '::'.
    REQUIRE(result.groups.size() == 1);
    CHECK(result.groups[0].resources[0].args == Strings{"/dev/sda1", "/data"});
}
