// SPDX-License-Identifier: GPL-2.0-or-later
// Ping nodes in membership: each of our heartbeats pings them, an echoed and verified
// payload is their heartbeat (status `ping`), silence for deadping makes them dead, a stale
// or misdirected reply counts for nothing, and they never hold comm up back.
#include <catch2/catch.hpp>

#include "membership/membership.hpp"
#include "support/status_message.hpp"

using namespace hb;
using membership::EventKind;
using membership::Milliseconds;
using membership::NodeStatus;
using membership::TimePoint;

namespace {

/// Wall time that follows the test's clock.
class ClockHost final : public membership::HostInfo {
public:
    explicit ClockHost(const TimePoint& now) : now_(now) {}
    std::uint64_t unix_time() const override
    {
        return 1'795'568'434ULL +
               static_cast<std::uint64_t>(
                   std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch())
                       .count());
    }
    std::string load_average() const override { return "0.00 0.01 0.05 1/123 4567"; }

private:
    const TimePoint& now_;
};

membership::Settings settings()
{
    membership::Settings s;
    s.self = "lvs-01";
    s.self_uuid = std::string(16, 'a');
    s.nodes = {"lvs-01"};
    s.media = {"ens32"};
    s.keepalive = Milliseconds(1000);
    s.deadtime = Milliseconds(5000);
    s.warntime = Milliseconds(3000);
    s.initdead = Milliseconds(10000);
    s.deadping = Milliseconds(4000);
    s.ping_nodes = {{"192.168.219.1", {"192.168.219.1"}}, {"routers", {"10.0.0.1", "10.0.0.2"}}};
    return s;
}

std::vector<membership::Event> of_node(std::vector<membership::Event> all, const std::string& n)
{
    std::vector<membership::Event> out;
    for (auto& e : all) {
        if (e.kind == EventKind::node_status && e.node == n) {
            out.push_back(std::move(e));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("ping nodes: pinged at each heartbeat, alive while echoes come back, dead after deadping",
          "[membership][ping]")
{
    TimePoint now{std::chrono::hours(1)};
    const ClockHost host(now);
    membership::Membership m(settings(), host);
    m.start(now);
    // Alone in ha.cf but for ping nodes: comm comes up at once, not after initdead.
    CHECK(m.comm_up());
    const auto first = m.take_pings();
    // One ping per ping node for each status message sent so far (init, up, active).
    REQUIRE(first.size() >= 2);
    CHECK(first.size() % 2 == 0);
    CHECK(first[0].node == "192.168.219.1");
    CHECK(first[0].message.get("t") == std::optional<std::string_view>("NS_st"));
    CHECK(first[0].message.get("st") == std::optional<std::string_view>("ping"));
    CHECK(first[0].message.get("src") == std::optional<std::string_view>("192.168.219.1"));
    CHECK(m.node("routers")->type == membership::NodeType::ping);
    CHECK(m.node("routers")->links.size() == 2);

    // The echo of the first ping comes back through its host.
    m.receive_ping(now, "192.168.219.1", first[0].message);
    CHECK(m.node("192.168.219.1")->status == NodeStatus::ping);
    CHECK(m.node("192.168.219.1")->links[0].status == membership::LinkStatus::up);
    // Any member of a group keeps the group alive.
    m.receive_ping(now, "10.0.0.2", first[1].message);
    CHECK(m.node("routers")->status == NodeStatus::ping);
    CHECK(m.node("routers")->links[0].status == membership::LinkStatus::dead);
    CHECK(m.node("routers")->links[1].status == membership::LinkStatus::up);
    const auto up = of_node(m.take_events(), "192.168.219.1");
    REQUIRE(up.size() == 1);
    CHECK(up[0].from == NodeStatus::init);
    CHECK(up[0].to == NodeStatus::ping);

    // Replies that prove nothing: through a host the node does not have, or a stale one
    // replayed after deadping.
    const auto before = m.counters().dropped();
    m.receive_ping(now, "10.9.9.9", first[0].message);
    for (int i = 0; i < 6; ++i) {
        now += Milliseconds(1000);
        m.tick(now);
    }
    m.receive_ping(now, "192.168.219.1", first[0].message);
    CHECK(m.counters().dropped() == before + 2);
    CHECK(m.node("192.168.219.1")->status == NodeStatus::dead);
    const auto dead = of_node(m.take_events(), "192.168.219.1");
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].from == NodeStatus::ping);
    CHECK(dead[0].to == NodeStatus::dead);

    // A fresh echo brings it back.
    const auto later = m.take_pings();
    REQUIRE_FALSE(later.empty());
    REQUIRE(later.size() >= 2);
    m.receive_ping(now, "192.168.219.1", later[later.size() - 2].message);
    CHECK(m.node("192.168.219.1")->status == NodeStatus::ping);
}

TEST_CASE("a ping node's name on a heartbeat medium is refused", "[membership][ping]")
{
    TimePoint now{std::chrono::hours(1)};
    const ClockHost host(now);
    membership::Membership m(settings(), host);
    m.start(now);
    const wire::Message forged = test::status_message("192.168.219.1", 1, 1, host.unix_time());
    m.receive(now, 0, forged);
    CHECK(m.counters().dropped(membership::Drop::unknown_node) == 1);
    CHECK(m.node("192.168.219.1")->status == NodeStatus::init);
}
