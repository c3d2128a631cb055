// SPDX-License-Identifier: GPL-2.0-or-later
// Membership::reconfigure, a reload's part in membership: a kept medium keeps its links'
// state under its new index, a new one starts dead until heard, a removed one is gone, and
// new timings take effect at once (keepalive, our advertised deadtime).
#include <catch2/catch.hpp>

#include <algorithm>

#include "membership/membership.hpp"
#include "support/membership_fixture.hpp"
#include "support/status_message.hpp"

using namespace hb;
using membership::LinkStatus;
using membership::Milliseconds;
using membership::TimePoint;

namespace {

using test::FixedHost;
using test::pair_settings;

std::vector<std::string> links_of(const membership::Membership& m, const std::string& node)
{
    std::vector<std::string> out;
    for (const auto& l : m.node(node)->links) {
        out.push_back(l.name + ":" + std::string(membership::to_string(l.status)));
    }
    return out;
}

}  // namespace

TEST_CASE("reconfigure: media carry their links over by line, timings apply at once",
          "[membership][reload]")
{
    TimePoint now{std::chrono::hours(1)};
    const FixedHost host;
    membership::Membership m(pair_settings(), host);
    m.start(now);
    m.receive(now, 0, test::status_message("lvs-02", 7, 1, host.unix_time()));
    REQUIRE(links_of(m, "lvs-02") == std::vector<std::string>{"eth0:up"});
    m.take_outgoing();

    auto next = pair_settings();
    next.media = {"eth1", "eth0"};
    next.keepalive = Milliseconds(200);
    next.deadtime = Milliseconds(2000);
    m.reconfigure(now, next, {std::nullopt, 0});
    CHECK(links_of(m, "lvs-02") == std::vector<std::string>{"eth1:dead", "eth0:up"});
    // The next heartbeat comes within the new keepalive, and advertises the new deadtime.
    CHECK(m.next_deadline() <= now + Milliseconds(200));
    now += Milliseconds(200);
    m.tick(now);
    const auto sent = m.take_outgoing();
    const auto status = std::find_if(sent.begin(), sent.end(), [](const wire::Message& s) {
        return s.get("t") == std::optional<std::string_view>("status");
    });
    REQUIRE(status != sent.end());
    // 2000 ms, plus the 2 s heartbeat adds in its first 5 s.
    CHECK(status->get("dt") == std::optional<std::string_view>("fa0"));
    // Heard on the new medium, its link comes up.
    m.receive(now, 0, test::status_message("lvs-02", 7, 2, host.unix_time()));
    CHECK(links_of(m, "lvs-02") == std::vector<std::string>{"eth1:up", "eth0:up"});

    // Back to one medium, the new one: the old link is gone with its line.
    auto fewer = next;
    fewer.media = {"eth1"};
    m.reconfigure(now, fewer, {0});
    CHECK(links_of(m, "lvs-02") == std::vector<std::string>{"eth1:up"});
}

TEST_CASE("serial ring: another node's message goes on along the other ring links",
          "[membership][serial]")
{
    TimePoint now{std::chrono::hours(1)};
    const FixedHost host;
    auto s = pair_settings();
    s.nodes = {"lvs-01", "lvs-02", "lvs-03"};
    s.media = {"/dev/ttyS0", "/dev/ttyS1", "eth0"};
    s.ring_media = {0, 1};
    membership::Membership m(s, host);
    m.start(now);
    m.take_forwards();
    auto status = test::status_message("lvs-02", 7, 1, host.unix_time());  // ttl 3
    status.add("auth", "1 0123");
    m.receive(now, 0, status);
    auto out = m.take_forwards();
    REQUIRE(out.size() == 1);
    CHECK(out[0].from_medium == 0);
    CHECK(out[0].message.get("ttl") == std::optional<std::string_view>("2"));
    CHECK(out[0].message.find("auth") == nullptr);  // signed again when sent
    CHECK(out[0].message.get("src") == std::optional<std::string_view>("lvs-02"));
    // The same again (it came round the other way): a duplicate, not passed on.
    m.receive(now, 1, status);
    CHECK(m.take_forwards().empty());
    // Nothing off the ring, nothing at ttl 0.
    m.receive(now, 2, test::status_message("lvs-03", 9, 1, host.unix_time()));
    CHECK(m.take_forwards().empty());
    auto spent = test::status_message("lvs-03", 9, 2, host.unix_time());
    spent.set("ttl", "0");
    m.receive(now, 1, spent);
    CHECK(m.take_forwards().empty());
}
