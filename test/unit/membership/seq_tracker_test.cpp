// SPDX-License-Identifier: GPL-2.0-or-later
// Sequence tracking per sender: in order, duplicates, gaps, recovery, big gaps, bounds.
#include <catch2/catch.hpp>

#include "membership/seq_tracker.hpp"

using namespace hb::membership;

TEST_CASE("in-order, duplicate and old seqs", "[membership][seq]")
{
    SeqTracker t;
    CHECK(t.track(5).verdict == SeqVerdict::accept);  // first seen: any value
    CHECK(t.track(6).verdict == SeqVerdict::accept);
    CHECK(t.track(6).verdict == SeqVerdict::duplicate);
    CHECK(t.track(4).verdict == SeqVerdict::old);
    CHECK(t.last() == std::optional<std::uint64_t>(6));
}

TEST_CASE("a gap records the missing seqs; late arrivals are accepted once", "[membership][seq]")
{
    SeqTracker t;
    t.track(1);
    const auto gap = t.track(5);
    CHECK(gap.verdict == SeqVerdict::accept);
    CHECK(gap.lost_from == 2);
    CHECK(gap.lost_to == 4);
    CHECK(t.missing() == std::set<std::uint64_t>{2, 3, 4});
    const auto r3 = t.track(3);
    CHECK(r3.verdict == SeqVerdict::accept);
    CHECK(r3.recovered);
    CHECK_FALSE(r3.nothing_missing_now);
    CHECK(t.track(3).verdict == SeqVerdict::old);
    CHECK(t.give_up(2));
    const auto r4 = t.track(4);
    CHECK(r4.nothing_missing_now);
    CHECK(t.missing().empty());
}

TEST_CASE("a gap over 250 resets tracking instead of remembering it", "[membership][seq]")
{
    SeqTracker t;
    t.track(1);
    const auto r = t.track(1000);
    CHECK(r.reset_after_big_gap);
    CHECK(t.missing().empty());
    CHECK(t.last() == std::optional<std::uint64_t>(1000));
}

TEST_CASE("the missing set never exceeds its bound", "[membership][seq]")
{
    SeqTracker t;
    std::uint64_t s = 1;
    t.track(s);
    for (int i = 0; i < 10; ++i) {
        s += 200;
        t.track(s);
        CHECK(t.missing().size() <= SeqTracker::max_missing);
    }
    CHECK(t.missing().size() == SeqTracker::max_missing);
}
