// SPDX-License-Identifier: GPL-2.0-or-later
// Scalar value forms of heartbeat's files: times, booleans, integers, IPv4 addresses.
#include <catch2/catch.hpp>

#include "base/diagnostic.hpp"
#include "base/text.hpp"
#include "base/value_parsers.hpp"

using hb::base::Milliseconds;
using hb::base::parse_boolean;
using hb::base::parse_duration;
using hb::base::parse_integer;
using hb::base::parse_ipv4;

TEST_CASE("times are read as heartbeat's cl_get_msec reads them", "[base][duration]")
{
    struct Row {
        const char* text;
        long long ms;
    };
    const Row good[] = {
        {"1", 1000},       {"2", 2000},        {"30", 30000},       {"1.5", 1500},
        {"0.1", 100},      {".5", 500},        {"0.001", 1},        {"1000ms", 1000},
        {"250ms", 250},    {"250MS", 250},     {"250msec", 250},    {"1.5ms", 2},
        {"1000000us", 1000}, {"100000usec", 100}, {"499us", 0},     {"501us", 1},
        {"0", 0},          {"120", 120000},
    };
    for (const Row& row : good) {
        INFO(row.text);
        const auto ms = parse_duration(row.text);
        REQUIRE(ms.has_value());
        CHECK(ms->count() == row.ms);
    }
    const char* bad[] = {"",   "ten", "2s",   "1min", "1.2.3", "ms", ".",  "5msx",
                         "-1", "+1",  "1 ms", "1e3",  "0x10",  "s",  "1h", "99999999999999999999"};
    for (const char* text : bad) {
        INFO(text);
        CHECK_FALSE(parse_duration(text).has_value());
    }
}

TEST_CASE("booleans accept heartbeat's words in any case", "[base][boolean]")
{
    for (const char* yes : {"true", "on", "yes", "y", "1", "TRUE", "On", "YES", "Y"}) {
        INFO(yes);
        CHECK(parse_boolean(yes) == std::optional<bool>(true));
    }
    for (const char* no : {"false", "off", "no", "n", "0", "FALSE", "Off", "No", "N"}) {
        INFO(no);
        CHECK(parse_boolean(no) == std::optional<bool>(false));
    }
    for (const char* bad : {"", "2", "yess", "enable", "t", "f", "-1"}) {
        INFO(bad);
        CHECK_FALSE(parse_boolean(bad).has_value());
    }
}

TEST_CASE("integers are digits within bounds", "[base][integer]")
{
    CHECK(parse_integer("694", 1, 65535) == std::optional<long>(694));
    CHECK_FALSE(parse_integer("0", 1, 65535).has_value());
    CHECK_FALSE(parse_integer("70000", 1, 65535).has_value());
    CHECK_FALSE(parse_integer("12a", 0, 100).has_value());
    CHECK_FALSE(parse_integer("-1", 0, 100).has_value());
    CHECK(parse_integer("-1", -5, 5, true) == std::optional<long>(-1));
    CHECK_FALSE(parse_integer("", 0, 100).has_value());
    CHECK_FALSE(parse_integer("9999999999999999999999", 0, 100).has_value());
}

TEST_CASE("IPv4 addresses are four decimal octets", "[base][ipv4]")
{
    CHECK(parse_ipv4("192.168.219.100") == std::optional<std::uint32_t>(0xC0A8DB64U));
    CHECK(parse_ipv4("0.0.0.0") == std::optional<std::uint32_t>(0U));
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4 ",
                            "a.b.c.d", "1.2.3.-4", "0001.2.3.4"}) {
        INFO(bad);
        CHECK_FALSE(parse_ipv4(bad).has_value());
    }
}

TEST_CASE("tokens split on heartbeat's delimiters", "[base][text]")
{
    const auto words = hb::base::split("  a,b\tc  ,, d ", hb::base::value_delimiters);
    REQUIRE(words.size() == 4);
    CHECK(words[0] == "a");
    CHECK(words[3] == "d");
    CHECK(hb::base::to_lower("LVS-01") == "lvs-01");
    CHECK(hb::base::quote("a\tb") == "'a\\x09b'");
}

TEST_CASE("diagnostics print as FILE:LINE: severity: message", "[base][diagnostic]")
{
    hb::base::Diagnostics d;
    d.error({"/etc/ha.d/ha.cf", 7}, "unknown directive 'foo'");
    d.warning({"/etc/ha.d/authkeys", 0}, "crc authenticates nothing");
    REQUIRE(d.all().size() == 2);
    CHECK(hb::base::format(d.all()[0]) == "/etc/ha.d/ha.cf:7: error: unknown directive 'foo'");
    CHECK(hb::base::format(d.all()[1]) == "/etc/ha.d/authkeys: warning: crc authenticates nothing");
    CHECK(d.has_errors());
    CHECK(d.count(hb::base::Severity::warning) == 1);
}
