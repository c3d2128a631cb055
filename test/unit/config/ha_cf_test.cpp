// SPDX-License-Identifier: GPL-2.0-or-later
// ha.cf: token rules, directive order, defaults and derived values as heartbeat 3.0.6 has
// them (spec §1). Bad values are covered by bad_inputs_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "config/directive_table.hpp"
#include "config/ha_cf.hpp"
#include "config/haresources.hpp"
#include "support/diagnostics.hpp"
#include "support/fake_system.hpp"

using namespace hb::config;
using hb::base::Severity;

namespace {

HaCf parse_ok(const std::string& text)
{
    auto result = parse_ha_cf(text, "ha.cf");
    for (const auto& d : result.diagnostics.all()) {
        if (d.severity == Severity::error) {
            FAIL_CHECK(hb::base::format(d));
        }
    }
    REQUIRE(result.ok());
    return result.config;
}

bool has_diagnostic(const HaCfResult& r, Severity severity, int line, const std::string& words)
{
    return std::any_of(r.diagnostics.all().begin(), r.diagnostics.all().end(), [&](const auto& d) {
        return d.severity == severity && d.where.line == line &&
               d.message.find(words) != std::string::npos;
    });
}

bool has_warning(const HaCfResult& r, int line, const std::string& words)
{
    return has_diagnostic(r, Severity::warning, line, words);
}

bool has_error(const HaCfResult& r, int line, const std::string& words)
{
    return has_diagnostic(r, Severity::error, line, words);
}

std::string dump(const HaCfResult& r) { return hb::test::diagnostics_text(r.diagnostics); }

}  // namespace

TEST_CASE("every directive heartbeat -D lists has its default, in heartbeat's order",
          "[config][ha_cf]")
{
    // What `heartbeat -D` prints on Debian 12 (spec §1.3), in that order.
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"cluster", "linux-ha"},
        {"hopfudge", "1"},
        {"keepalive", "1000ms"},
        {"deadtime", "30000ms"},
        {"baud", "19200"},
        {"auto_failback", "legacy"},
        {"hbgenmethod", "file"},
        {"realtime", "true"},
        {"msgfmt", "classic"},
        {"conn_logd_time", "60"},
        {"log_badpack", "true"},
        {"syslogmsgfmt", "true"},
        {"coredumps", "true"},
        {"pacemaker", "false"},
        {"autojoin", "none"},
        {"uuidfrom", "file"},
        {"compression", "zlib"},
        {"compression_threshold", "2"},
        {"traditional_compression", "no"},
        {"max_rexmit_delay", "250"},
        {"record_config_changes", "on"},
        {"record_pengine_inputs", "on"},
        {"enable_config_writes", "on"},
        {"memreserve", "6500"},
    };
    std::vector<std::pair<std::string, std::string>> table;
    for (const DirectiveInfo& info : directive_table()) {
        if (info.default_value) {
            table.emplace_back(std::string(info.name), std::string(*info.default_value));
        }
    }
    CHECK(table == expected);
}

TEST_CASE("defaults round-trip: unset and explicitly set to the default read the same",
          "[config][ha_cf]")
{
    const std::string base_text = "logfacility daemon\nbcast eth0\nnode alpha\n";
    const HaCf base_cf = parse_ok(base_text);
    for (const DirectiveInfo& info : directive_table()) {
        if (!info.default_value) {
            continue;
        }
        INFO(info.name);
        CHECK(base_cf.parameter(info.name) == std::optional<std::string>(*info.default_value));
        const std::string text =
            base_text + std::string(info.name) + " " + std::string(*info.default_value) + "\n";
        auto result = parse_ha_cf(text, "ha.cf");
        CHECK(result.ok());
        CHECK(result.config.parameter(info.name) ==
              std::optional<std::string>(*info.default_value));
        CHECK(result.config.location_of(info.name).line == 4);
    }
    const HaCf& defaults = base_cf;
    CHECK(defaults.keepalive == Milliseconds(1000));
    CHECK(defaults.deadtime == Milliseconds(30000));
    CHECK(defaults.warntime == Milliseconds(15000));
    CHECK(defaults.initdead == Milliseconds(30000));
    CHECK(defaults.deadping == Milliseconds(30000));
    CHECK(defaults.udpport == 694);
    CHECK(defaults.auto_failback == AutoFailback::legacy);
    CHECK(defaults.realtime);
    CHECK(defaults.hopfudge == 1);
    CHECK(defaults.max_rexmit_delay_ms == 250);
    CHECK_FALSE(defaults.netstring_format);
    CHECK(defaults.cluster == "linux-ha");
    CHECK(defaults.parameter("warntime") == std::optional<std::string>("15000ms"));
    CHECK(defaults.parameter("initdead") == std::optional<std::string>("30000ms"));
    CHECK(defaults.parameter("deadping") == std::optional<std::string>("30000ms"));
    CHECK(defaults.parameter("udpport") == std::optional<std::string>("694"));
    CHECK(defaults.parameter("debug") == std::optional<std::string>("0"));
    CHECK(defaults.parameter("logfile") == std::optional<std::string>("/dev/null"));
    CHECK(defaults.parameter("debugfile") == std::optional<std::string>("/dev/null"));
    CHECK_FALSE(defaults.parameter("use_logd").has_value());
}

TEST_CASE("initdead defaults follow deadtime as heartbeat derives it", "[config][ha_cf]")
{
    struct Row {
        const char* deadtime;
        long long initdead_ms;
    };
    // > 10 s: same as deadtime; < 6 s: 12 s; otherwise twice deadtime.
    for (const Row row : {Row{"30", 30000}, Row{"10.001", 10001}, Row{"10", 20000}, Row{"6", 12000},
                          Row{"5", 12000}, Row{"3", 12000}}) {
        INFO(row.deadtime);
        const HaCf cf = parse_ok(std::string("logfacility daemon\nkeepalive 1\ndeadtime ") +
                                 row.deadtime + "\nbcast eth0\nnode alpha\n");
        CHECK(cf.initdead.count() == row.initdead_ms);
        CHECK(cf.parameter("initdead") ==
              std::optional<std::string>(std::to_string(row.initdead_ms) + "ms"));
        CHECK(cf.warntime == cf.deadtime / 2);
    }
}

TEST_CASE("values are applied token by token, separated by blanks or commas", "[config][ha_cf]")
{
    const HaCf cf = parse_ok(
        "logfacility local0\n"
        "node alpha beta\n"
        "node gamma,delta\n"
        "bcast eth0 eth1\n"
        "keepalive 500ms\n"
        "keepalive 2    # the last value wins\n");
    REQUIRE(cf.nodes.size() == 4);
    CHECK(cf.nodes[0].name == "alpha");
    CHECK(cf.nodes[1].name == "beta");
    CHECK(cf.nodes[2].name == "gamma");
    CHECK(cf.nodes[3].name == "delta");
    CHECK(cf.nodes[2].where.line == 3);
    REQUIRE(cf.media.size() == 2);
    CHECK(cf.media[0].interface == "eth0");
    CHECK(cf.media[1].interface == "eth1");
    CHECK(cf.media[1].where.line == 4);
    CHECK(cf.keepalive == Milliseconds(2000));
    CHECK(cf.parameter("keepalive") == std::optional<std::string>("2"));
    CHECK(cf.location_of("keepalive").line == 6);
}

TEST_CASE("a unit separated from its number is a value of its own, as in heartbeat",
          "[config][ha_cf]")
{
    // heartbeat applies `500` (seconds!) and then fails on `ms`.
    auto r = parse_ha_cf("logfacility local0\nkeepalive 500 ms\nbcast eth0\nnode a\n", "ha.cf");
    CHECK_FALSE(r.ok());
    CHECK(r.config.keepalive == Milliseconds(500000));
}

TEST_CASE("node names are lower-cased and repeats are reported", "[config][ha_cf]")
{
    auto r = parse_ha_cf("logfacility local0\nbcast eth0\nnode LVS-01\nnode lvs-01\n", "ha.cf");
    REQUIRE(r.ok());
    REQUIRE(r.config.nodes.size() == 1);
    CHECK(r.config.nodes[0].name == "lvs-01");
    CHECK(r.config.find_node("Lvs-01") != nullptr);
    CHECK(has_warning(r, 4, "already declared on line 3"));
}

TEST_CASE("comments, blank lines, CR and leading blanks", "[config][ha_cf]")
{
    const HaCf cf = parse_ok(
        "# a comment\n"
        "\n"
        "   \t\n"
        "\tlogfacility local0   # facility\r\n"
        "  bcast eth0#comment straight after\n"
        "node alpha\r\n"
        "#node beta\n");
    CHECK(cf.logfacility == "local0");
    REQUIRE(cf.media.size() == 1);
    CHECK(cf.media[0].interface == "eth0");
    REQUIRE(cf.nodes.size() == 1);
}

TEST_CASE("udpport is taken by media declared after it", "[config][ha_cf]")
{
    const HaCf before =
        parse_ok("logfacility local0\nudpport 695\nbcast eth0\nucast eth1 10.0.0.2\nnode a\n");
    REQUIRE(before.media.size() == 2);
    CHECK(before.media[0].port == 695);
    CHECK(before.media[1].port == 695);
    CHECK(before.udpport == 695);

    // heartbeat's plugins fix their port at their first medium: a later udpport is not used.
    auto after =
        parse_ha_cf("logfacility local0\nbcast eth0\nudpport 695\nbcast eth1\nnode a\n", "ha.cf");
    REQUIRE(after.ok());
    REQUIRE(after.config.media.size() == 2);
    CHECK(after.config.media[0].port == 694);
    CHECK(after.config.media[1].port == 694);
    CHECK(has_warning(after, 3, "comes after the media line on line 2"));
}

TEST_CASE("media lines: bcast, ucast, mcast, the old udp name", "[config][ha_cf]")
{
    auto r = parse_ha_cf(
        "logfacility local0\n"
        "ucast eth0 10.0.0.2 10.0.0.3\n"
        "mcast eth1 225.0.0.1 694 1 0\n"
        "udp eth0\n"
        "node a\n",
        "ha.cf");
    REQUIRE(r.ok());
    const HaCf& cf = r.config;
    REQUIRE(cf.media.size() == 3);
    CHECK(cf.media[0].type == MediumType::ucast);
    CHECK(cf.media[0].interface == "eth0");
    CHECK(cf.media[0].peer == "10.0.0.2");
    // heartbeat's ucast plugin reads one peer and drops the rest: we say so.
    CHECK(has_warning(r, 2, "takes one peer"));
    CHECK(cf.media[1].type == MediumType::mcast);
    CHECK(cf.media[1].group == "225.0.0.1");
    CHECK(cf.media[1].port == 694);
    CHECK(cf.media[1].ttl == 1);
    CHECK_FALSE(cf.media[1].loop);
    CHECK(cf.media[2].type == MediumType::bcast);  // the old `udp` name
    CHECK(has_warning(r, 4, "old name for 'bcast'"));
}

TEST_CASE("IPv6 media: ucast6 to an address, mcast6 with hops 0 to 4", "[config][ha_cf]")
{
    auto r = parse_ha_cf(
        "logfacility local0\n"
        "udpport 695\n"
        "ucast6 eth0 2001:db8::12\n"
        "mcast6 eth1 ff02::694:1 694 4 1\n"
        "node a\n",
        "ha.cf");
    INFO(dump(r));
    REQUIRE(r.ok());
    CHECK(r.diagnostics.all().empty());  // implemented: no "ignored" warning
    const HaCf& cf = r.config;
    REQUIRE(cf.media.size() == 2);
    CHECK(cf.media[0].type == MediumType::ucast6);
    CHECK(cf.media[0].peer == "2001:db8::12");
    CHECK(cf.media[0].port == 695);
    CHECK(cf.media[1].type == MediumType::mcast6);
    CHECK(cf.media[1].group == "ff02::694:1");
    CHECK(cf.media[1].ttl == 4);
    CHECK(cf.media[1].loop);

    // A host name (3.0.6 would look it up), a hop limit past 4 and an IPv4 group are refused.
    auto bad = parse_ha_cf(
        "logfacility local0\nucast6 eth0 lvs-02\nmcast6 eth0 ff02::1:2 694 5 0\n"
        "mcast6 eth0 225.0.0.1 694 1 0\nnode a\n",
        "ha.cf");
    CHECK(has_error(bad, 2, "is not an IPv6 address"));
    CHECK(has_error(bad, 3, "heartbeat accepts 0 to 4"));
    CHECK(has_error(bad, 4, "is not an IPv6 multicast address"));
}

TEST_CASE("auto_failback and the obsolete nice_failback", "[config][ha_cf]")
{
    CHECK(parse_ok(hb::test::minimal_ha_cf).auto_failback == AutoFailback::on);
    CHECK(parse_ok("logfacility local0\nbcast eth0\nnode a\nauto_failback off\n").auto_failback ==
          AutoFailback::off);
    CHECK(
        parse_ok("logfacility local0\nbcast eth0\nnode a\nauto_failback LEGACY\n").auto_failback ==
        AutoFailback::legacy);
    auto nice = parse_ha_cf("logfacility local0\nbcast eth0\nnode a\nnice_failback on\n", "ha.cf");
    REQUIRE(nice.ok());
    CHECK(nice.config.auto_failback == AutoFailback::off);
    CHECK(nice.config.parameter("auto_failback") == std::optional<std::string>("off"));
    CHECK(has_warning(nice, 4, "obsolete"));
}

TEST_CASE("logging targets decide use_logd as heartbeat does", "[config][ha_cf]")
{
    auto none = parse_ha_cf("bcast eth0\nnode a\n", "ha.cf");
    REQUIRE(none.ok());
    CHECK(none.config.use_logd);
    CHECK(none.config.parameter("use_logd") == std::optional<std::string>("yes"));
    CHECK(has_warning(none, 0, "logd"));

    const HaCf files =
        parse_ok("logfile /var/log/ha-log\ndebugfile /var/log/ha-debug\nbcast eth0\nnode a\n");
    CHECK(files.logfile == "/var/log/ha-log");
    CHECK(files.debugfile == "/var/log/ha-debug");
    CHECK(files.logfacility.empty());
}

TEST_CASE("whole-line directives keep their text", "[config][ha_cf]")
{
    const HaCf cf = parse_ok(
        "logfacility local0\nbcast eth0\nnode a\n"
        "apiauth ipfail uid=hacluster,root gid=haclient\n"
        "env FOO=bar,BAZ=\n");
    const auto it = std::find_if(cf.apiauth.begin(), cf.apiauth.end(),
                                 [](const ApiAuth& a) { return a.client == "ipfail"; });
    REQUIRE(it != cf.apiauth.end());
    CHECK(it->uids == std::vector<std::string>{"hacluster", "root"});
    CHECK(it->gids == std::vector<std::string>{"haclient"});
    CHECK(it->where.line == 4);
    // env is a per-value directive: a comma separates two settings.
    REQUIRE(cf.env.size() == 2);
    CHECK(cf.env[0] == std::pair<std::string, std::string>("FOO", "bar"));
    CHECK(cf.env[1] == std::pair<std::string, std::string>("BAZ", ""));
    // Built-in permissions are added for clients the file does not name.
    CHECK(std::count_if(cf.apiauth.begin(), cf.apiauth.end(),
                        [](const ApiAuth& a) { return a.client == "anon"; }) == 1);
}

TEST_CASE("resource script limits come from env lines, which 3.0.6 accepts too", "[config][ha_cf]")
{
    const HaCf defaults = parse_ok("bcast eth0\nnode a\n");
    CHECK(defaults.script_limits.start_timeout == Milliseconds(120'000));
    CHECK(defaults.script_limits.stop_timeout == Milliseconds(120'000));
    CHECK(defaults.script_limits.status_timeout == Milliseconds(30'000));
    CHECK(defaults.script_limits.stop_retries == 10);
    const HaCf cf = parse_ok(
        "bcast eth0\nnode a\nenv RSC_START_TIMEOUT=3,RSC_STOP_TIMEOUT=1500ms\n"
        "env RSC_STATUS_TIMEOUT=2 STOPRETRYMAX=0\n");
    CHECK(cf.script_limits.start_timeout == Milliseconds(3000));
    CHECK(cf.script_limits.stop_timeout == Milliseconds(1500));
    CHECK(cf.script_limits.status_timeout == Milliseconds(2000));
    CHECK(cf.script_limits.stop_retries == 0);
    // They stay in the scripts' environment as well (HA_RSC_START_TIMEOUT …).
    CHECK(cf.env.size() == 4);
}

TEST_CASE("every directive in the table is accepted by the parser", "[config][ha_cf]")
{
    for (const DirectiveInfo& info : directive_table()) {
        INFO(info.name);
        auto r = parse_ha_cf(std::string(info.name) + " x\n", "ha.cf");
        for (const auto& d : r.diagnostics.all()) {
            CHECK(d.message.find("unknown directive") == std::string::npos);
        }
    }
    auto unknown = parse_ha_cf("keepalive 1\nhbaping fc0\n", "ha.cf");
    CHECK_FALSE(unknown.ok());
}

TEST_CASE(
    "configurations compare by meaning: lines moved by a comment are equal, a changed medium is "
    "not",
    "[config][ha_cf]")
{
    // What SIGHUP relies on to say "Configuration unchanged." or to ask for a restart.
    const std::string base = "keepalive 2\ndeadtime 30\nbcast eth0\nnode lvs-01\nnode lvs-02\n";
    const auto a = parse_ha_cf(base, "ha.cf");
    const auto commented = parse_ha_cf("# the tutorial's pair\n\n" + base, "ha.cf");
    const auto other_nic =
        parse_ha_cf("keepalive 2\ndeadtime 30\nbcast eth1\nnode lvs-01\nnode lvs-02\n", "ha.cf");
    const auto other_node =
        parse_ha_cf("keepalive 2\ndeadtime 30\nbcast eth0\nnode lvs-01\nnode lvs-03\n", "ha.cf");
    const auto other_time =
        parse_ha_cf("keepalive 2\ndeadtime 31\nbcast eth0\nnode lvs-01\nnode lvs-02\n", "ha.cf");
    REQUIRE(a.ok());
    CHECK(a.config == commented.config);
    CHECK_FALSE(a.config == other_nic.config);
    CHECK_FALSE(a.config == other_node.config);
    CHECK_FALSE(a.config == other_time.config);

    const auto groups = [](const char* text) {
        return parse_haresources(text, "haresources").groups;
    };
    CHECK(groups("lvs-01 10.0.0.1\n") == groups("# one VIP\nlvs-01 10.0.0.1\n"));
    CHECK_FALSE(groups("lvs-01 10.0.0.1\n") == groups("lvs-01 10.0.0.2\n"));
    CHECK_FALSE(groups("lvs-01 10.0.0.1\n") == groups("lvs-02 10.0.0.1\n"));
}
