// SPDX-License-Identifier: GPL-2.0-or-later
// Taking and giving up a resource group, against scripted script results: order, skipping
// what already runs, giving the group up after a failed start, stop retries, and the stop
// that cannot be made to work; and start_order, which loads an LVS table before the address.
#include <catch2/catch.hpp>

#include <functional>

#include "config/haresources.hpp"
#include "resources/group_operation.hpp"

using namespace hb::resources;

namespace {

hb::config::ResourceGroup group(const std::string& line)
{
    auto parsed = hb::config::parse_haresources(line + "\n", "haresources");
    REQUIRE(parsed.ok());
    REQUIRE(parsed.groups.size() == 1);
    return parsed.groups[0];
}

ScriptResult ok(std::string out = "")
{
    return ScriptResult{ScriptOutcome::exited, 0, std::move(out)};
}

ScriptResult fails(int code = 1, std::string out = "")
{
    return ScriptResult{ScriptOutcome::exited, code, std::move(out)};
}

/// Runs the operation to its end; `answer` decides each call's result. Returns the calls
/// made, as "resource-index:action".
std::vector<std::string> drive(GroupOperation& op,
                               const std::function<ScriptResult(const ScriptCall&)>& answer,
                               TimePoint* clock = nullptr)
{
    std::vector<std::string> calls;
    TimePoint now{};
    for (int guard = 0; guard < 1000 && op.state() == GroupOpState::running; ++guard) {
        auto c = op.next();
        REQUIRE(c.has_value());
        if (c->not_before && *c->not_before > now) {
            now = *c->not_before;
        }
        calls.push_back(std::to_string(c->resource) + ":" + std::string(to_string(c->action)));
        op.complete(now, answer(*c));
    }
    if (clock != nullptr) {
        *clock = now;
    }
    return calls;
}

}  // namespace

TEST_CASE("status output is judged as heartbeat judges it", "[resources]")
{
    CHECK(status_says_running("INFO: 10.0.0.1 is running on ens32"));
    CHECK(status_says_running("Running"));
    CHECK(status_says_running("OK"));
    CHECK_FALSE(status_says_running("apache2 is not running"));
    CHECK_FALSE(status_says_running("NOT   RUNNING"));
    CHECK_FALSE(status_says_running("INFO: 10.0.0.1: stopped"));
    CHECK_FALSE(status_says_running(""));
    CHECK_FALSE(status_says_running("ok"));  // *OK* is case-sensitive
    // [Rr]unning: only the first letter may be a capital, as in 3.0.6's case patterns.
    CHECK_FALSE(status_says_running("RUNNING"));
    CHECK_FALSE(status_says_running("Not Running"));
    CHECK(status_says_running("the table is Running"));
    CHECK(status_says_running("NOT RUNNING, but OK"));  // neither not-pattern matches: *OK*
}

TEST_CASE("acquiring runs status then start, left to right, with the action last", "[resources]")
{
    const auto g = group("lvs-01 Filesystem::/dev/sdb1::/srv apache2");
    GroupOperation op(g, GroupOpKind::acquire);
    std::vector<std::vector<std::string>> argvs;
    const auto calls = drive(op, [&](const ScriptCall& c) {
        argvs.push_back(c.argv);
        return c.action == ScriptAction::status ? ok("stopped") : ok();
    });
    CHECK(calls == std::vector<std::string>{"0:status", "0:start", "1:status", "1:start"});
    CHECK(op.state() == GroupOpState::succeeded);
    REQUIRE(argvs.size() == 4);
    CHECK(argvs[0] == std::vector<std::string>{"/dev/sdb1", "/srv", "status"});
    CHECK(argvs[1] == std::vector<std::string>{"/dev/sdb1", "/srv", "start"});
    CHECK(argvs[3] == std::vector<std::string>{"start"});
}

TEST_CASE("an address agent is started without a status first: its start checks itself",
          "[resources]")
{
    const auto agent = GENERATE(as<std::string>{}, "IPaddr", "IPaddr2", "IPv6addr");
    const std::string address = agent == "IPv6addr" ? "2001:db8::100" : "10.0.0.100/24/eth0";
    INFO(agent);
    const auto g = group("lvs-01 apache2 " + agent + "::" + address + " mysql");
    GroupOperation op(g, GroupOpKind::acquire);
    std::vector<std::vector<std::string>> argvs;
    const auto calls = drive(op, [&](const ScriptCall& c) {
        argvs.push_back(c.argv);
        return c.action == ScriptAction::status ? ok("stopped") : ok();
    });
    CHECK(calls ==
          std::vector<std::string>{"0:status", "0:start", "1:start", "2:status", "2:start"});
    CHECK(op.state() == GroupOpState::succeeded);
    REQUIRE(argvs.size() == 5);
    CHECK(argvs[2] == std::vector<std::string>{address, "start"});
}

TEST_CASE("a resource already running is not started again", "[resources]")
{
    const auto g = group("lvs-01 apache2 mysql");
    GroupOperation op(g, GroupOpKind::acquire);
    const auto calls = drive(op, [](const ScriptCall& c) {
        if (c.action == ScriptAction::status) {
            return ok(c.resource == 0 ? "running" : "not running");
        }
        return ok();
    });
    CHECK(calls == std::vector<std::string>{"0:status", "1:status", "1:start"});
    CHECK(op.state() == GroupOpState::succeeded);
}

TEST_CASE("a failed start gives the whole group up, right to left, and fails", "[resources]")
{
    const auto g = group("lvs-01 10.0.0.100 apache2 mysql");
    GroupOperation op(g, GroupOpKind::acquire);
    const auto calls = drive(op, [](const ScriptCall& c) {
        if (c.action == ScriptAction::status) {
            return ok("stopped");
        }
        if (c.action == ScriptAction::start && c.resource == 1) {
            return fails(1);
        }
        return ok();
    });
    CHECK(calls ==
          std::vector<std::string>{"0:start", "1:status", "1:start", "2:stop", "1:stop", "0:stop"});
    CHECK(op.state() == GroupOpState::failed);
    CHECK(op.failure() == "start of apache2 failed");
}

TEST_CASE("releasing stops right to left; a failed stop is retried a second apart", "[resources]")
{
    const auto g = group("lvs-01 10.0.0.100 apache2");
    GroupOperation op(g, GroupOpKind::release, 3);
    int apache_stops = 0;
    TimePoint end{};
    const auto calls = drive(
        op,
        [&](const ScriptCall& c) {
            if (c.resource == 1 && c.action == ScriptAction::stop && ++apache_stops < 3) {
                return fails(1);
            }
            return ok();
        },
        &end);
    CHECK(calls == std::vector<std::string>{"1:stop", "1:stop", "1:stop", "0:stop"});
    CHECK(op.state() == GroupOpState::succeeded);
    CHECK(end - TimePoint{} == Milliseconds(2000));
}

TEST_CASE("a stop that never works: status decides between a warning and stuck", "[resources]")
{
    const auto g = group("lvs-01 10.0.0.100 apache2");
    SECTION("it does not run any more: a non-LSB script, the release goes on")
    {
        GroupOperation op(g, GroupOpKind::release, 2);
        const auto calls = drive(op, [](const ScriptCall& c) {
            if (c.resource == 1 && c.action == ScriptAction::stop) {
                return fails(1);
            }
            return c.action == ScriptAction::status ? ok("stopped") : ok();
        });
        CHECK(calls ==
              std::vector<std::string>{"1:stop", "1:stop", "1:stop", "1:status", "0:stop"});
        CHECK(op.state() == GroupOpState::succeeded);
    }
    SECTION("it still runs: the group is stuck, the rest is still stopped")
    {
        GroupOperation op(g, GroupOpKind::release, 0);
        const auto calls = drive(op, [](const ScriptCall& c) {
            if (c.resource == 1 && c.action == ScriptAction::stop) {
                return fails(1);
            }
            return c.action == ScriptAction::status ? ok("apache2 is running") : ok();
        });
        CHECK(calls == std::vector<std::string>{"1:stop", "1:status", "0:stop"});
        CHECK(op.state() == GroupOpState::stuck);
        CHECK(op.failure() == "stop of apache2 failed and it still runs");
    }
}

TEST_CASE("a timed-out or killed script counts as failed", "[resources]")
{
    const auto g = group("lvs-01 hangs");
    GroupOperation op(g, GroupOpKind::acquire);
    const auto calls = drive(op, [](const ScriptCall& c) {
        if (c.action == ScriptAction::start) {
            return ScriptResult{ScriptOutcome::timed_out, -1, ""};  // killed at its timeout
        }
        return c.action == ScriptAction::status ? ok("stopped") : ok();
    });
    CHECK(op.state() == GroupOpState::failed);
    CHECK(calls.back() == "0:stop");
}

TEST_CASE("start_order: an LVS table goes in before the group's first address", "[resources]")
{
    struct Row {
        std::string resources;  ///< the haresources line after the node
        std::vector<std::size_t> order;
    };
    const std::string rules = "ipvsadm-wrapper::/etc/ha.d/ipvsadm.rules";
    const std::vector<Row> rows = {
        {"IPaddr::192.168.219.100/24/ens32 " + rules, {1, 0}},
        {"IPaddr::192.168.219.100 IPaddr::192.168.219.101 " + rules, {2, 0, 1}},
        {rules + " IPaddr::192.168.219.100", {0, 1}},
        {"apache2 " + rules, {0, 1}},
        {"apache2 mysql", {0, 1}},
        {"IPaddr2::192.168.219.100/24/ens32 " + rules, {1, 0}},
        {"192.168.219.100 " + rules, {1, 0}},  // a bare address is IPaddr
        {"apache2 IPaddr::192.168.219.100 mysql " + rules, {0, 3, 1, 2}},
        {"IPaddr::192.168.219.100 " + rules + " ipvsadm-wrapper::/etc/ha.d/other.rules", {1, 2, 0}},
        {"IPaddr::192.168.219.100 " + rules +
             " IPaddr2::192.168.219.101 "
             "ipvsadm-wrapper::/etc/ha.d/other.rules",
         {1, 3, 0, 2}},
        {"IPsrcaddr::192.168.219.100 " + rules, {0, 1}},  // only IPaddr and IPaddr2 count
    };
    for (const Row& row : rows) {
        INFO(row.resources);
        CHECK(start_order(group("lvs-01 " + row.resources)) == row.order);
    }
}

TEST_CASE("an LVS group starts its table before its address and stops in reverse", "[resources]")
{
    const auto g = group(
        "lvs-01 IPaddr::192.168.219.100/24/ens32/192.168.219.255 "
        "ipvsadm-wrapper::/etc/ha.d/ipvsadm.rules");
    SECTION("acquire")
    {
        GroupOperation op(g, GroupOpKind::acquire);
        std::vector<std::vector<std::string>> argvs;
        const auto calls = drive(op, [&](const ScriptCall& c) {
            argvs.push_back(c.argv);
            return c.action == ScriptAction::status ? ok("stopped") : ok();
        });
        // No status first for either: both starts check for themselves.
        CHECK(calls == std::vector<std::string>{"1:start", "0:start"});
        CHECK(op.state() == GroupOpState::succeeded);
        REQUIRE(argvs.size() == 2);
        CHECK(argvs[0] == std::vector<std::string>{"/etc/ha.d/ipvsadm.rules", "start"});
        CHECK(argvs[1] ==
              std::vector<std::string>{"192.168.219.100/24/ens32/192.168.219.255", "start"});
    }
    SECTION("release: the address goes first")
    {
        GroupOperation op(g, GroupOpKind::release);
        const auto calls = drive(op, [](const ScriptCall&) { return ok(); });
        CHECK(calls == std::vector<std::string>{"0:stop", "1:stop"});
        CHECK(op.state() == GroupOpState::succeeded);
    }
    SECTION("a failed address start gives up both, address first")
    {
        GroupOperation op(g, GroupOpKind::acquire);
        const auto calls = drive(op, [](const ScriptCall& c) {
            if (c.action == ScriptAction::status) {
                return ok("stopped");
            }
            return c.action == ScriptAction::start && c.resource == 0 ? fails(1) : ok();
        });
        CHECK(calls == std::vector<std::string>{"1:start", "0:start", "0:stop", "1:stop"});
        CHECK(op.state() == GroupOpState::failed);
        CHECK(op.failure() == "start of IPaddr::192.168.219.100/24/ens32/192.168.219.255 failed");
    }
}

TEST_CASE("only the agents whose start checks for itself skip the status", "[resources]")
{
    for (const char* script : {"IPaddr", "IPaddr2", "IPv6addr", "ipvsadm-wrapper"}) {
        CHECK(starts_without_status(script));
    }
    // ipvsadm is not our agent; a site's own table script may not check for itself.
    for (const char* script : {"ipvsadm", "ldirectord", "apache2", "Filesystem", ""}) {
        CHECK_FALSE(starts_without_status(script));
    }
}
