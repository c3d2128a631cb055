// SPDX-License-Identifier: GPL-2.0-or-later
// Replay floors: with keyed authentication, what a peer sent before our restart stays a
// replay after it (a recording played to us when we come back must not pass for the peer),
// the floors are offered for saving at the right moments, and hb_replay_floor as text.
#include <catch2/catch.hpp>

#include "membership/membership.hpp"
#include "membership/replay_floor_file.hpp"
#include "support/membership_fixture.hpp"
#include "support/status_message.hpp"

using namespace hb;
using membership::Drop;
using membership::ReplayFloor;
using membership::ReplayFloors;
using membership::TimePoint;
using namespace std::chrono_literals;

namespace {

using test::FixedHost;

wire::Message status(std::uint64_t gen, std::uint64_t seq)
{
    return test::status_message("lvs-02", gen, seq, 1'795'568'434ULL);
}

membership::Settings kept(ReplayFloors floors)
{
    membership::Settings s = test::pair_settings();
    s.keep_replay_floors = true;
    s.replay_floors = std::move(floors);
    return s;
}

const TimePoint t0{std::chrono::hours(1)};

}  // namespace

TEST_CASE("replay floor: what the peer sent before our start is refused after it",
          "[membership][replay]")
{
    const FixedHost host;
    membership::Membership m(kept({{"lvs-02", {5, 100}}}), host);
    m.start(t0);

    struct Row {
        const char* what;
        wire::Message message;
    };
    const std::vector<Row> replays = {
        {"the floor itself", status(5, 100)},
        {"older in the same generation", status(5, 1)},
        {"an older generation", status(4, 900)},
    };
    for (const Row& row : replays) {
        INFO(row.what);
        const auto before = m.counters().dropped(Drop::replay_of_past);
        m.receive(t0, 0, row.message);
        CHECK(m.counters().dropped(Drop::replay_of_past) == before + 1);
        CHECK(m.counters().accepted == 0);
        // A recording is not the node: it is not heard, its generation not learnt.
        CHECK_FALSE(m.node("lvs-02")->heard);
        CHECK(m.node("lvs-02")->generation == 0);
    }
    m.receive(t0, 0, status(5, 101));
    CHECK(m.counters().accepted == 1);
    CHECK(m.node("lvs-02")->generation == 5);
    CHECK(m.node("lvs-02")->status == membership::NodeStatus::active);
    m.receive(t0 + 1s, 0, status(6, 1));  // it restarted: a new generation starts at seq 1
    CHECK(m.counters().accepted == 2);
    CHECK(m.node("lvs-02")->generation == 6);
}

TEST_CASE("replay floor: not enforced when floors are not kept (a crc key)", "[membership][replay]")
{
    const FixedHost host;
    membership::Settings s = kept({{"lvs-02", {5, 100}}});
    s.keep_replay_floors = false;
    membership::Membership m(s, host);
    m.start(t0);
    m.receive(t0, 0, status(5, 100));
    CHECK(m.counters().accepted == 1);
    CHECK(m.counters().dropped(Drop::replay_of_past) == 0);
    CHECK_FALSE(m.take_replay_floors_due(t0 + 1h));
}

TEST_CASE(
    "replay floor: offered for saving on a new generation at once, on seqs at most "
    "every interval",
    "[membership][replay]")
{
    const FixedHost host;
    membership::Membership m(kept({{"lvs-02", {5, 100}}}), host);
    m.start(t0);
    REQUIRE(m.replay_floor_interval() == 10s);  // deadtime 5 s, at least 10 s

    // Loaded and nothing heard: nothing to write.
    CHECK_FALSE(m.take_replay_floors_due(t0));
    CHECK(m.replay_floors() == ReplayFloors{{"lvs-02", {5, 100}}});

    // First news of this run: saved at once.
    m.receive(t0, 0, status(5, 101));
    CHECK(m.take_replay_floors_due(t0) == ReplayFloors{{"lvs-02", {5, 101}}});
    CHECK_FALSE(m.take_replay_floors_due(t0));

    // Only seqs move: not before the interval.
    m.receive(t0 + 1s, 0, status(5, 102));
    m.receive(t0 + 2s, 0, status(5, 103));
    CHECK_FALSE(m.take_replay_floors_due(t0 + 2s));
    CHECK_FALSE(m.take_replay_floors_due(t0 + 9s));
    CHECK(m.take_replay_floors_due(t0 + 10s) == ReplayFloors{{"lvs-02", {5, 103}}});

    // A new generation: at once, whatever the interval.
    m.receive(t0 + 11s, 0, status(6, 1));
    CHECK(m.take_replay_floors_due(t0 + 11s) == ReplayFloors{{"lvs-02", {6, 1}}});

    // A retransmitted older seq does not lower it.
    m.receive(t0 + 12s, 0, status(6, 4));
    m.receive(t0 + 12s, 0, status(6, 3));
    CHECK(m.replay_floors() == ReplayFloors{{"lvs-02", {6, 4}}});
}

TEST_CASE("replay floor: a peer never heard keeps the floor it had; ourselves never get one",
          "[membership][replay]")
{
    const FixedHost host;
    membership::Membership m(kept({{"lvs-02", {5, 100}}, {"lvs-01", {3, 3}}}), host);
    m.start(t0);
    CHECK(m.replay_floors() == ReplayFloors{{"lvs-02", {5, 100}}});
    // Our own echo is ours, whatever the file says.
    CHECK(m.node("lvs-01")->floor == ReplayFloor{});
}

TEST_CASE("replay floor file: round trip, and damaged lines warned about and left out",
          "[membership][replay]")
{
    const ReplayFloors floors{{"lvs-01", {1'795'568'434ULL, 77}}, {"lvs-02", {5, 0}}};
    base::Diagnostics d;
    CHECK(membership::parse_replay_floors(membership::format_replay_floors(floors), "f", d) ==
          floors);
    CHECK(d.all().empty());

    base::Diagnostics bad;
    const auto parsed = membership::parse_replay_floors(
        "# comment\n"
        "LVS-02 9 10   # upper case\n"
        "lvs-03 x 1\n"
        "lvs-04 0 1\n"
        "lvs-05 1\n"
        "lvs-02 11 12\n"
        "\n"
        "lvs-06 18446744073709551616 1\n",
        "/var/lib/heartbeat/hb_replay_floor", bad);
    CHECK(parsed == ReplayFloors{{"lvs-02", {9, 10}}});
    REQUIRE(bad.all().size() == 5);
    CHECK(bad.count(base::Severity::error) == 0);
    std::vector<int> lines;
    for (const base::Diagnostic& diag : bad.all()) {
        lines.push_back(diag.where.line);
        CHECK(diag.where.file == "/var/lib/heartbeat/hb_replay_floor");
    }
    CHECK(lines == std::vector<int>{3, 4, 5, 6, 8});
}
