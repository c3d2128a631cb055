// SPDX-License-Identifier: GPL-2.0-or-later
// Membership judges a message before it acts: each drop has its named reason and counter,
// and a dropped message leaves the sender's state (generation, status, sequence) as it was.
#include <catch2/catch.hpp>

#include "membership/membership.hpp"
#include "support/membership_fixture.hpp"
#include "support/status_message.hpp"

using namespace hb;
using membership::Drop;
using membership::Milliseconds;
using membership::TimePoint;

namespace {

using test::FixedHost;

membership::Settings settings() { return test::pair_settings(); }

wire::Message status(const std::string& src, std::uint64_t gen, std::uint64_t seq)
{
    return test::status_message(src, gen, seq, 1'795'568'434ULL);
}

}  // namespace

TEST_CASE("each dropped message is counted under its reason and changes nothing", "[membership]")
{
    const FixedHost host;
    membership::Membership m(settings(), host);
    const TimePoint t0{std::chrono::hours(1)};
    m.start(t0);
    m.receive(t0, 0, status("lvs-02", 5, 1));
    m.receive(t0, 0, status("lvs-02", 5, 2));
    REQUIRE(m.node("lvs-02")->generation == 5);
    REQUIRE(m.node("lvs-02")->seq.last() == std::optional<std::uint64_t>(2));
    const auto accepted = m.counters().accepted;

    struct Row {
        const char* what;
        wire::Message message;
        Drop reason;
    };
    wire::Message no_ts = status("lvs-02", 5, 3);
    no_ts.set("ts", "0");
    wire::Message for_other = status("lvs-02", 5, 3);
    for_other.add("dest", "lvs-03");
    const std::vector<Row> rows = {
        {"no ts", no_ts, Drop::missing_fields},
        {"a node not in ha.cf", status("lvs-09", 5, 3), Drop::unknown_node},
        {"our name, not our generation", status("lvs-01", 99, 1), Drop::name_clash},
        {"an older generation", status("lvs-02", 4, 50), Drop::replay},
        {"the seq just had", status("lvs-02", 5, 2), Drop::duplicate},
        {"an old seq", status("lvs-02", 5, 1), Drop::old},
        {"addressed to another node", for_other, Drop::not_for_us},
    };
    for (const Row& row : rows) {
        INFO(row.what << " → " << membership::to_string(row.reason));
        const auto before = m.counters();
        m.receive(t0, 0, row.message);
        CHECK(m.counters().dropped(row.reason) == before.dropped(row.reason) + 1);
        CHECK(m.counters().dropped() == before.dropped() + 1);
        CHECK(m.counters().accepted == accepted);
        CHECK(m.node("lvs-02")->generation == 5);
        CHECK(m.node("lvs-09") == nullptr);
    }
    // Only the message for another node moved the sender's sequence on (3.0.6 counts it).
    CHECK(m.node("lvs-02")->seq.last() == std::optional<std::uint64_t>(3));
    CHECK(membership::describe_drops(m.counters()) ==
          "missing_fields 1, unknown_node 1, name_clash 1, replay 1, old 1, duplicate 1, "
          "not_for_us 1");
}

TEST_CASE("our own cluster messages reach the layers above, as 3.0.6's loopback does", "[membership]")
{
    const FixedHost host;
    membership::Membership m(settings(), host);
    const TimePoint t0{std::chrono::hours(1)};
    m.start(t0);
    m.take_events();
    wire::Message ping;
    ping.add("t", "ping");
    m.send(ping);
    wire::Message to_peer;
    to_peer.add("t", "pingreply");
    to_peer.add("dest", "lvs-02");
    m.send(to_peer);
    const auto events = m.take_events();
    REQUIRE(events.size() == 1);  // not the one addressed to lvs-02, not our status messages
    CHECK(events[0].kind == membership::EventKind::message);
    CHECK(events[0].node == "lvs-01");
    CHECK(events[0].message.get("t") == std::optional<std::string_view>("ping"));
    CHECK(events[0].message.get("src") == std::optional<std::string_view>("lvs-01"));
}
