// SPDX-License-Identifier: GPL-2.0-or-later
// findif's pure logic: the IPaddr argument forms, netmask and broadcast arithmetic, and the
// longest-prefix choice among connected routes.
#include <catch2/catch.hpp>

#include <vector>

#include "base/value_parsers.hpp"
#include "base/address_spec.hpp"

using hb::base::AddressSpec;
using hb::base::ConnectedRoute;
using hb::base::Ipv4;
using hb::base::parse_address_spec;

namespace {

Ipv4 ip(const char* text) {
    const auto a = hb::base::parse_ipv4(text);
    REQUIRE(a.has_value());
    return *a;
}

}  // namespace

TEST_CASE("findif: addresses print as dotted quads", "[tools][findif]") {
    CHECK(hb::base::format_ipv4(0) == "0.0.0.0");
    CHECK(hb::base::format_ipv4(0xffffffffU) == "255.255.255.255");
    CHECK(hb::base::format_ipv4(ip("192.168.219.100")) == "192.168.219.100");
}

TEST_CASE("findif: netmasks are prefix lengths or contiguous dotted masks", "[tools][findif]") {
    struct Row {
        const char* text;
        int bits;
    };
    const Row good[] = {
        {"0", 0},
        {"8", 8},
        {"24", 24},
        {"32", 32},
        {"024", 24},
        {"0.0.0.0", 0},
        {"255.0.0.0", 8},
        {"255.255.255.0", 24},
        {"255.255.255.128", 25},
        {"255.255.254.0", 23},
        {"255.255.255.255", 32},
        {"128.0.0.0", 1},
    };
    for (const Row& row : good) {
        INFO(row.text);
        const auto bits = hb::base::parse_netmask(row.text);
        REQUIRE(bits.has_value());
        CHECK(*bits == row.bits);
    }
    const char* bad[] = {"",
                         "33",
                         "-1",
                         "24x",
                         "/24",
                         "255.0.255.0",
                         "0.255.255.255",
                         "255.255.255.1",
                         "1.2.3",
                         "255.255.255.256"};
    for (const char* text : bad) {
        INFO(text);
        CHECK_FALSE(hb::base::parse_netmask(text).has_value());
    }
}

TEST_CASE("findif: netmask and broadcast arithmetic", "[tools][findif]") {
    CHECK(hb::base::netmask_of(0) == 0);
    CHECK(hb::base::netmask_of(1) == 0x80000000U);
    CHECK(hb::base::netmask_of(24) == ip("255.255.255.0"));
    CHECK(hb::base::netmask_of(32) == 0xffffffffU);

    CHECK(hb::base::broadcast_of(ip("192.168.219.100"), 24) == ip("192.168.219.255"));
    CHECK(hb::base::broadcast_of(ip("192.168.219.100"), 25) == ip("192.168.219.127"));
    CHECK(hb::base::broadcast_of(ip("192.168.219.200"), 25) == ip("192.168.219.255"));
    CHECK(hb::base::broadcast_of(ip("10.1.2.3"), 8) == ip("10.255.255.255"));
    CHECK(hb::base::broadcast_of(ip("10.1.2.3"), 0) == ip("255.255.255.255"));
    CHECK(hb::base::broadcast_of(ip("10.1.2.3"), 32) == ip("10.1.2.3"));
    CHECK(hb::base::broadcast_of(ip("10.1.2.2"), 31) == ip("10.1.2.3"));

    CHECK(hb::base::subnet_contains(ip("192.168.219.0"), 24, ip("192.168.219.100")));
    CHECK_FALSE(hb::base::subnet_contains(ip("192.168.219.0"), 24, ip("192.168.218.100")));
    CHECK(hb::base::subnet_contains(ip("0.0.0.0"), 0, ip("8.8.8.8")));
    CHECK(hb::base::subnet_contains(ip("10.0.0.5"), 32, ip("10.0.0.5")));
    CHECK_FALSE(hb::base::subnet_contains(ip("10.0.0.5"), 32, ip("10.0.0.6")));
}

TEST_CASE("findif: every IPaddr argument form", "[tools][findif]") {
    SECTION("IP") {
        const auto r = parse_address_spec("192.168.219.100");
        REQUIRE(r.spec.has_value());
        CHECK(r.spec->ip == ip("192.168.219.100"));
        CHECK_FALSE(r.spec->prefix.has_value());
        CHECK(r.spec->device.empty());
        CHECK(r.spec->label.empty());
        CHECK_FALSE(r.spec->broadcast.has_value());
    }
    SECTION("IP/CIDR and IP/NETMASK") {
        const auto r = parse_address_spec("192.168.219.100/24");
        REQUIRE(r.spec.has_value());
        CHECK(r.spec->prefix == 24);
        const auto m = parse_address_spec("192.168.219.100/255.255.255.0");
        REQUIRE(m.spec.has_value());
        CHECK(m.spec->prefix == 24);
    }
    SECTION("IP/CIDR/NIC") {
        const auto r = parse_address_spec("192.168.219.100/24/ens32");
        REQUIRE(r.spec.has_value());
        CHECK(r.spec->device == "ens32");
        CHECK(r.spec->label.empty());
        CHECK_FALSE(r.spec->broadcast.has_value());
    }
    SECTION("IP/CIDR/BROADCAST: a third part starting with a digit") {
        const auto r = parse_address_spec("192.168.219.100/25/192.168.219.127");
        REQUIRE(r.spec.has_value());
        CHECK(r.spec->device.empty());
        CHECK(r.spec->broadcast == ip("192.168.219.127"));
    }
    SECTION("IP/CIDR/NIC:LABEL/BROADCAST, the tutorial's resource") {
        const auto r = parse_address_spec("192.168.219.100/24/ens32:0/192.168.219.255");
        REQUIRE(r.spec.has_value());
        CHECK(r.spec->ip == ip("192.168.219.100"));
        CHECK(r.spec->prefix == 24);
        CHECK(r.spec->device == "ens32");
        CHECK(r.spec->label == "ens32:0");
        CHECK(r.spec->broadcast == ip("192.168.219.255"));
    }
    SECTION("named labels up to the kernel's 15 characters") {
        const auto r = parse_address_spec("10.0.0.10/24/eth0:web");
        REQUIRE(r.spec.has_value());
        CHECK(r.spec->label == "eth0:web");
        CHECK(parse_address_spec("10.0.0.10/24/eth0:0123456789").spec.has_value());
    }
}

TEST_CASE("findif: malformed arguments are refused with a reason", "[tools][findif]") {
    struct Row {
        const char* text;
        const char* reason;
    };
    const Row bad[] = {
        {"", "empty part"},
        {"192.168.219", "is not an IPv4 address"},
        {"192.168.219.256", "is not an IPv4 address"},
        {"host.example", "is not an IPv4 address"},
        {"192.168.219.100/", "empty part"},
        {"192.168.219.100//ens32", "empty part"},
        {"/24", "empty part"},
        {"192.168.219.100/33", "neither a prefix length"},
        {"192.168.219.100/255.0.255.0", "contiguous dotted netmask"},
        {"192.168.219.100/ens32", "neither a prefix length"},
        {"192.168.219.100/24/192.168.219.255/ens32", "must be an interface"},
        {"192.168.219.100/24/ens32/bcast", "is not a broadcast address"},
        {"192.168.219.100/24/192.168.219.999", "is not a broadcast address"},
        {"192.168.219.100/24/ens32:0/192.168.219.255/x", "too many parts"},
        {"192.168.219.100/24/ens32:", "is not an interface label"},
        {"192.168.219.100/24/:0", "is not an interface name"},
        {"192.168.219.100/24/a-very-long-interface", "is not an interface name"},
        {"192.168.219.100/24/eth0:0123456789a", "longer than the kernel's 15 characters"},
    };
    for (const Row& row : bad) {
        INFO(row.text);
        const auto r = parse_address_spec(row.text);
        CHECK_FALSE(r.spec.has_value());
        CHECK_THAT(r.error, Catch::Contains(row.reason));
    }
}

TEST_CASE("findif: separate fields (resource-agents' OCF_RESKEY_* form)", "[tools][findif]") {
    const auto all =
        hb::base::spec_from_fields("10.0.0.10", "255.255.255.0", "eth0:web", "10.0.0.255");
    REQUIRE(all.spec.has_value());
    CHECK(all.spec->prefix == 24);
    CHECK(all.spec->device == "eth0");
    CHECK(all.spec->label == "eth0:web");
    CHECK(all.spec->broadcast == ip("10.0.0.255"));

    // NIC and broadcast without a netmask: a form the slash syntax cannot express.
    const auto no_mask = hb::base::spec_from_fields("10.0.0.10", "", "eth0", "10.0.0.7");
    REQUIRE(no_mask.spec.has_value());
    CHECK_FALSE(no_mask.spec->prefix.has_value());
    CHECK(no_mask.spec->broadcast == ip("10.0.0.7"));

    CHECK_THAT(hb::base::spec_from_fields("", "", "", "").error,
               Catch::Contains("is not an IPv4 address"));
    CHECK_THAT(hb::base::spec_from_fields("10.0.0.10", "40", "", "").error,
               Catch::Contains("neither a prefix length"));
    CHECK_THAT(hb::base::spec_from_fields("10.0.0.10", "", "eth0/1", "").error,
               Catch::Contains("is not an interface name"));
    CHECK_THAT(hb::base::spec_from_fields("10.0.0.10", "", "", "x").error,
               Catch::Contains("is not a broadcast address"));
}

TEST_CASE("findif: interface names", "[tools][findif]") {
    CHECK(hb::base::is_valid_device_name("ens32"));
    CHECK(hb::base::is_valid_device_name("eth0.100"));
    CHECK(hb::base::is_valid_device_name("bond0"));
    CHECK(hb::base::is_valid_device_name("abcdefghijklmno"));
    CHECK_FALSE(hb::base::is_valid_device_name(""));
    CHECK_FALSE(hb::base::is_valid_device_name("abcdefghijklmnop"));
    CHECK_FALSE(hb::base::is_valid_device_name("."));
    CHECK_FALSE(hb::base::is_valid_device_name(".."));
    CHECK_FALSE(hb::base::is_valid_device_name("a/b"));
    CHECK_FALSE(hb::base::is_valid_device_name("a b"));
    CHECK_FALSE(hb::base::is_valid_device_name("ens32:0"));
}

TEST_CASE("findif: the longest connected prefix serves an address", "[tools][findif]") {
    const std::vector<ConnectedRoute> routes{
        {ip("192.168.219.0"), 24, "ens32"}, {ip("192.168.219.128"), 25, "ens33"},
        {ip("10.0.0.0"), 8, "ens34"},       {ip("10.1.0.0"), 16, "ens35"},
        {ip("172.16.0.9"), 32, "tun0"},
    };
    const auto pick = [&](const char* address, const char* device) {
        return hb::base::select_route(routes, ip(address), device);
    };
    SECTION("without a NIC: the longest prefix anywhere") {
        CHECK(pick("192.168.219.100", "")->device == "ens32");
        CHECK(pick("192.168.219.100", "")->prefix == 24);
        CHECK(pick("192.168.219.200", "")->device == "ens33");
        CHECK(pick("192.168.219.200", "")->prefix == 25);
        CHECK(pick("10.1.2.3", "")->device == "ens35");
        CHECK(pick("10.2.2.3", "")->device == "ens34");
        CHECK(pick("172.16.0.9", "")->prefix == 32);
        CHECK_FALSE(pick("192.168.218.1", "").has_value());
        CHECK_FALSE(pick("172.16.0.8", "").has_value());
    }
    SECTION("with a NIC: only that NIC's routes") {
        CHECK(pick("192.168.219.200", "ens32")->prefix == 24);
        CHECK(pick("10.1.2.3", "ens34")->prefix == 8);
        CHECK_FALSE(pick("192.168.219.100", "ens33").has_value());
        CHECK_FALSE(pick("192.168.219.100", "nosuch").has_value());
    }
    SECTION("no routes at all") {
        CHECK_FALSE(hb::base::select_route({}, ip("192.168.219.100"), "").has_value());
    }
}

// ---- IPv6: IPaddr2's and IPv6addr's `IP6[/PREFIX[/NIC]]` ---------------------------------

namespace {

hb::base::Ipv6 ip6(const char* text) {
    const auto a = hb::base::parse_ipv6(text);
    REQUIRE(a.has_value());
    return *a;
}

}  // namespace

TEST_CASE("findif: an argument whose address holds a ':' is IPv6", "[tools][findif][ipv6]") {
    CHECK(hb::base::looks_like_ipv6_spec("2001:db8::100"));
    CHECK(hb::base::looks_like_ipv6_spec("2001:db8::100/64/ens32"));
    CHECK(hb::base::looks_like_ipv6_spec("::1"));
    CHECK(hb::base::looks_like_ipv6_spec("nonsense:"));
    CHECK_FALSE(hb::base::looks_like_ipv6_spec("192.168.219.100"));
    CHECK_FALSE(hb::base::looks_like_ipv6_spec("192.168.219.100/24/ens32:0/192.168.219.255"));
    CHECK_FALSE(hb::base::looks_like_ipv6_spec(""));
}

TEST_CASE("findif: IPv6 addresses print as ip and inet_ntop print them", "[tools][findif][ipv6]") {
    CHECK(hb::base::format_ipv6(ip6("2001:DB8:0:0:0:0:0:100")) == "2001:db8::100");
    CHECK(hb::base::format_ipv6(ip6("2001:db8:0:1:0:0:0:1")) == "2001:db8:0:1::1");
    // RFC 5952: the longest run of zero groups shrinks, the first of equal ones.
    CHECK(hb::base::format_ipv6(ip6("2001:db8:0:0:1:0:0:1")) == "2001:db8::1:0:0:1");
    CHECK(hb::base::format_ipv6(ip6("2001:0db8:0219:0000:0000:0000:0000:0100")) ==
          "2001:db8:219::100");
    CHECK(hb::base::format_ipv6(ip6("::1")) == "::1");
    CHECK(hb::base::format_ipv6(ip6("fe80::1")) == "fe80::1");
    CHECK(hb::base::format_ipv6(ip6("::ffff:192.0.2.1")) == "::ffff:192.0.2.1");
}

TEST_CASE("findif: IPv6 address classes", "[tools][findif][ipv6]") {
    CHECK(hb::base::is_ipv6_unicast(ip6("2001:db8::100")));
    CHECK(hb::base::is_ipv6_unicast(ip6("fe80::1")));
    CHECK(hb::base::is_ipv6_unicast(ip6("::1")));
    CHECK_FALSE(hb::base::is_ipv6_unicast(ip6("::")));
    CHECK_FALSE(hb::base::is_ipv6_unicast(ip6("ff02::1")));
    CHECK_FALSE(hb::base::is_ipv6_unicast(ip6("ff05::1:3")));

    CHECK(hb::base::is_ipv6_link_local(ip6("fe80::1")));
    CHECK(hb::base::is_ipv6_link_local(ip6("febf:ffff::1")));
    CHECK_FALSE(hb::base::is_ipv6_link_local(ip6("fec0::1")));
    CHECK_FALSE(hb::base::is_ipv6_link_local(ip6("fe7f::1")));
    CHECK_FALSE(hb::base::is_ipv6_link_local(ip6("2001:db8::1")));
}

TEST_CASE("findif: IPv6 prefix containment", "[tools][findif][ipv6]") {
    using hb::base::subnet_contains;
    CHECK(subnet_contains(ip6("2001:db8:219::"), 64, ip6("2001:db8:219::100")));
    CHECK_FALSE(subnet_contains(ip6("2001:db8:219::"), 64, ip6("2001:db8:218::100")));
    CHECK(subnet_contains(ip6("::"), 0, ip6("2001:db8::1")));
    CHECK(subnet_contains(ip6("2001:db8::5"), 128, ip6("2001:db8::5")));
    CHECK_FALSE(subnet_contains(ip6("2001:db8::5"), 128, ip6("2001:db8::4")));
    // Prefixes that end inside a byte.
    CHECK(subnet_contains(ip6("2001:db8:0:0:8000::"), 65, ip6("2001:db8::8000:0:0:1")));
    CHECK_FALSE(subnet_contains(ip6("2001:db8:0:0:8000::"), 65, ip6("2001:db8::7fff:0:0:1")));
    CHECK(subnet_contains(ip6("2001:db8::4"), 127, ip6("2001:db8::5")));
    CHECK_FALSE(subnet_contains(ip6("2001:db8::4"), 127, ip6("2001:db8::6")));
    CHECK(subnet_contains(ip6("fe80::"), 10, ip6("febf::1")));
    CHECK_FALSE(subnet_contains(ip6("fe80::"), 10, ip6("fec0::1")));
}

TEST_CASE("findif: every IPv6 argument form", "[tools][findif][ipv6]") {
    using hb::base::parse_ipv6_spec;
    SECTION("IP6") {
        const auto r = parse_ipv6_spec("2001:db8::100");
        REQUIRE(r.spec.has_value());
        CHECK(r.error.empty());
        CHECK(r.spec->ip == ip6("2001:db8::100"));
        CHECK_FALSE(r.spec->prefix.has_value());
        CHECK(r.spec->device.empty());
    }
    SECTION("IP6/PREFIX, 0 to 128") {
        CHECK(parse_ipv6_spec("2001:db8::100/64").spec->prefix == 64);
        CHECK(parse_ipv6_spec("2001:db8::100/0").spec->prefix == 0);
        CHECK(parse_ipv6_spec("2001:db8::100/128").spec->prefix == 128);
    }
    SECTION("IP6/PREFIX/NIC, the issue's example") {
        const auto r = parse_ipv6_spec("2001:db8::100/64/ens32");
        REQUIRE(r.spec.has_value());
        CHECK(r.spec->ip == ip6("2001:db8::100"));
        CHECK(r.spec->prefix == 64);
        CHECK(r.spec->device == "ens32");
    }
    SECTION("any text form of the address") {
        const auto r = parse_ipv6_spec("2001:0DB8:0:0:0:0:0:0100/64/ens32");
        REQUIRE(r.spec.has_value());
        CHECK(r.spec->ip == ip6("2001:db8::100"));
        CHECK(parse_ipv6_spec("fe80::1/64/ens32").spec.has_value());
        CHECK(parse_ipv6_spec("::ffff:192.0.2.1/128").spec.has_value());
    }
}

TEST_CASE("findif: malformed IPv6 arguments are refused with a reason", "[tools][findif][ipv6]") {
    struct Row {
        const char* text;
        const char* reason;
    };
    const Row bad[] = {
        {"", "empty part"},
        {"2001:db8::100/", "empty part"},
        {"2001:db8::100//ens32", "empty part"},
        {"2001:db8::100/64/ens32/2001:db8::ffff", "too many parts"},
        {"2001:db8::100/64/ens32/x", "IPv6 has no broadcast"},
        {"2001:db8:::100", "is not an IPv6 address"},
        {"2001:db8::1::100", "is not an IPv6 address"},
        {"2001:db8::g", "is not an IPv6 address"},
        {"2001:db8:0:0:0:0:0:0:100", "is not an IPv6 address"},
        {"12345::1", "is not an IPv6 address"},
        {"fe80::1%ens32", "is not an IPv6 address"},
        {"[2001:db8::100]", "is not an IPv6 address"},
        {"192.168.219.100/24", "is not an IPv6 address"},
        {"::", "is not a unicast address"},
        {"ff02::1/64/ens32", "is not a unicast address"},
        {"2001:db8::100/129", "is not a prefix length (0-128)"},
        {"2001:db8::100/-1", "is not a prefix length"},
        {"2001:db8::100/64x", "is not a prefix length"},
        {"2001:db8::100/ffff:ffff:ffff:ffff::", "is not a prefix length"},
        {"2001:db8::100/ens32", "is not a prefix length"},
        {"2001:db8::100/64/ens32:0", "IPv6 addresses take no label"},
        {"2001:db8::100/64/a-very-long-interface", "is not an interface name"},
        {"2001:db8::100/64/en s32", "is not an interface name"},
    };
    for (const Row& row : bad) {
        INFO(row.text);
        const auto r = hb::base::parse_ipv6_spec(row.text);
        CHECK_FALSE(r.spec.has_value());
        CHECK_THAT(r.error, Catch::Contains(row.reason));
        CHECK_THAT(r.error, Catch::StartsWith("address '"));
    }
}

TEST_CASE("findif: the longest on-link IPv6 prefix serves an address", "[tools][findif][ipv6]") {
    using hb::base::ConnectedRoute6;
    const std::vector<ConnectedRoute6> routes{
        {ip6("fe80::"), 64, "ens32"},         {ip6("fe80::"), 64, "ens33"},
        {ip6("2001:db8:219::"), 64, "ens32"}, {ip6("2001:db8:219::80"), 121, "ens33"},
        {ip6("2001:db8::"), 32, "ens34"},     {ip6("2001:db8:5::9"), 128, "tun0"},
    };
    const auto pick = [&](const char* address, const char* device) {
        return hb::base::select_route(routes, ip6(address), device);
    };
    SECTION("without a NIC: the longest prefix anywhere, never a link-local route") {
        CHECK(pick("2001:db8:219::100", "")->device == "ens32");
        CHECK(pick("2001:db8:219::100", "")->prefix == 64);
        CHECK(pick("2001:db8:219::81", "")->device == "ens33");
        CHECK(pick("2001:db8:219::81", "")->prefix == 121);
        CHECK(pick("2001:db8:7::1", "")->device == "ens34");
        CHECK(pick("2001:db8:5::9", "")->prefix == 128);
        CHECK_FALSE(pick("2001:db9::1", "").has_value());
    }
    SECTION("with a NIC: only that NIC's routes") {
        CHECK(pick("2001:db8:219::81", "ens32")->prefix == 64);
        CHECK(pick("2001:db8:219::100", "ens34")->prefix == 32);
        CHECK_FALSE(pick("2001:db8:219::100", "ens33").has_value());
        CHECK_FALSE(pick("2001:db8:219::100", "tun0").has_value());
    }
    SECTION("a link-local address: its NIC's fe80::/64, before a default on-link route") {
        std::vector<ConnectedRoute6> with_default = routes;
        with_default.push_back({ip6("::"), 0, "ens32"});
        const auto r = hb::base::select_route(with_default, ip6("fe80::1234"), "ens32");
        REQUIRE(r.has_value());
        CHECK(r->prefix == 64);
        CHECK(hb::base::select_route(with_default, ip6("2001:db9::1"), "")->prefix == 0);
        CHECK(pick("fe80::1234", "ens33")->device == "ens33");
    }
    SECTION("no routes at all") {
        CHECK_FALSE(hb::base::select_route(std::vector<ConnectedRoute6>{}, ip6("2001:db8::1"), "")
                        .has_value());
    }
}
