// SPDX-License-Identifier: GPL-2.0-or-later
// The respawn/failfast supervisor against 3.0.6's rules: start at comm up, respawn unless
// exit 100, give up after the eleventh short run, failfast's action, and the shutdown order.
#include <catch2/catch.hpp>

#include "api/client_children.hpp"

using namespace hb::api;
using Kind = ClientChildren::ActionKind;

namespace {

std::vector<std::pair<Kind, std::size_t>> actions(ClientChildren& c)
{
    std::vector<std::pair<Kind, std::size_t>> out;
    for (const auto& a : c.take_actions()) {
        out.emplace_back(a.kind, a.child);
    }
    return out;
}

ClientChildren two(FailfastAction action = FailfastAction::release_and_exit)
{
    return ClientChildren({{"hacluster", "/usr/libexec/heartbeat/ipfail", false},
                           {"root", "/usr/local/bin/monitor -x", true}},
                          action);
}

const ChildClock::time_point t0{std::chrono::hours(1)};

}  // namespace

TEST_CASE("children start at comm up and are respawned, but not after exit 100", "[api][respawn]")
{
    auto c = two();
    CHECK(actions(c).empty());  // nothing before comm up
    c.comm_up(t0);
    CHECK(actions(c) == std::vector<std::pair<Kind, std::size_t>>{{Kind::start, 0}, {Kind::start, 1}});
    c.exited(t0 + std::chrono::minutes(5), 0, {1, 0});
    CHECK(actions(c) == std::vector<std::pair<Kind, std::size_t>>{{Kind::start, 0}});
    c.exited(t0 + std::chrono::minutes(6), 0, {100, 0});
    CHECK(actions(c).empty());
    CHECK(c.state(0) == ClientChildren::State::given_up);
}

TEST_CASE("the eleventh death within 30 s of its start stops the respawning", "[api][respawn]")
{
    auto c = two();
    c.comm_up(t0);
    actions(c);
    auto now = t0;
    for (int death = 1; death <= 10; ++death) {
        now += std::chrono::seconds(2);
        c.exited(now, 0, {std::nullopt, 9});
        INFO("death " << death);
        REQUIRE(actions(c) == std::vector<std::pair<Kind, std::size_t>>{{Kind::start, 0}});
    }
    now += std::chrono::seconds(2);
    c.exited(now, 0, {std::nullopt, 9});
    CHECK(actions(c).empty());
    CHECK(c.state(0) == ClientChildren::State::given_up);

    // A child that ran long enough starts its count again.
    auto d = two();
    d.comm_up(t0);
    actions(d);
    now = t0;
    for (int death = 1; death <= 30; ++death) {
        now += death % 5 == 0 ? std::chrono::seconds(40) : std::chrono::seconds(2);
        d.exited(now, 0, {1, 0});
        REQUIRE(actions(d).size() == 1);
    }
}

TEST_CASE("a failfast child's death: the configured action, never a respawn", "[api][respawn]")
{
    for (const auto action : {FailfastAction::release_and_exit, FailfastAction::reboot}) {
        auto c = two(action);
        c.comm_up(t0);
        actions(c);
        c.exited(t0 + std::chrono::minutes(1), 1, {std::nullopt, 11});
        CHECK(actions(c) == std::vector<std::pair<Kind, std::size_t>>{{Kind::failfast, 1}});
    }
    // A failfast child that exits 0 just ends (3.0.6 acts on a signal or a non-zero code).
    auto c = two();
    c.comm_up(t0);
    actions(c);
    c.exited(t0 + std::chrono::minutes(1), 1, {0, 0});
    CHECK(actions(c) == std::vector<std::pair<Kind, std::size_t>>{{Kind::start, 1}});
}

TEST_CASE("shutdown stops the last child first, one at a time, and respawns nothing", "[api][respawn]")
{
    auto c = two();
    c.comm_up(t0);
    actions(c);
    c.shutdown();
    CHECK(actions(c) == std::vector<std::pair<Kind, std::size_t>>{{Kind::stop, 1}});
    CHECK_FALSE(c.all_stopped());
    c.exited(t0 + std::chrono::seconds(1), 1, {std::nullopt, 15});
    CHECK(actions(c) == std::vector<std::pair<Kind, std::size_t>>{{Kind::stop, 0}});
    c.exited(t0 + std::chrono::seconds(2), 0, {0, 0});
    CHECK(actions(c).empty());
    CHECK(c.all_stopped());
    // Nobody started before comm up: shutdown has nothing to stop.
    auto d = two();
    d.shutdown();
    CHECK(actions(d).empty());
    CHECK(d.all_stopped());
}

TEST_CASE("a reload keeps the children of lines that stay, stops removed ones, starts new ones",
          "[api][respawn][reload]")
{
    using Actions = std::vector<std::pair<Kind, std::size_t>>;
    auto c = two();
    // Before comm up a new line waits for it like the others.
    c.reconfigure(t0, {{"hacluster", "/usr/libexec/heartbeat/ipfail", false},
                       {"root", "/usr/local/bin/monitor -x", true},
                       {"nobody", "/usr/bin/early", false}},
                  FailfastAction::release_and_exit);
    CHECK(actions(c).empty());
    c.comm_up(t0);
    CHECK(actions(c) == Actions{{Kind::start, 0}, {Kind::start, 1}, {Kind::start, 2}});

    // The failfast monitor's line goes, a new one comes; ipfail and early stay untouched.
    c.reconfigure(t0 + std::chrono::minutes(1),
                  {{"nobody", "/usr/bin/early", false},
                   {"hacluster", "/usr/libexec/heartbeat/ipfail", false},
                   {"root", "/usr/bin/late", false}},
                  FailfastAction::reboot);
    CHECK(actions(c) == Actions{{Kind::stop, 1}, {Kind::start, 3}});
    CHECK(c.failfast_action() == FailfastAction::reboot);
    CHECK(c.state(0) == ClientChildren::State::running);
    CHECK(c.state(1) == ClientChildren::State::stopping);
    // The stopped failfast child is not a failfast death, and is not started again.
    c.exited(t0 + std::chrono::minutes(1), 1, {std::nullopt, 15});
    CHECK(actions(c).empty());
    CHECK(c.state(1) == ClientChildren::State::stopped);
    // A line given back later is a new child.
    c.reconfigure(t0 + std::chrono::minutes(2),
                  {{"nobody", "/usr/bin/early", false},
                   {"hacluster", "/usr/libexec/heartbeat/ipfail", false},
                   {"root", "/usr/bin/late", false},
                   {"root", "/usr/local/bin/monitor -x", true}},
                  FailfastAction::reboot);
    CHECK(actions(c) == Actions{{Kind::start, 4}});
    CHECK(c.size() == 5);
}
