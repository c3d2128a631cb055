// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "metrics/events.hpp"
#include "support/utc_zone.hpp"

using namespace hb::metrics;

namespace {

Event node_dead(std::int64_t ms)
{
    Event e;
    e.unix_ms = ms;
    e.kind = EventKind::node_status;
    e.node = "lvs-02";
    e.text = "node lvs-02: dead";
    return e;
}

}  // namespace

TEST_CASE("an event is one JSON line, and back", "[metrics][events]")
{
    Event e;
    e.unix_ms = 1796572000123;
    e.kind = EventKind::group_acquired;
    e.group = "IPaddr::192.168.219.100/24/ens32:0";
    e.took_ms = 412;
    e.text = "group IPaddr::192.168.219.100/24/ens32:0 taken here \"quoted\"";
    const std::string line = event_line(e);
    CHECK(line ==
          "{\"ms\":1796572000123,\"kind\":\"group_acquired\",\"group\":\"IPaddr::192.168."
          "219.100/24/ens32:0\",\"took_ms\":412,\"text\":\"group IPaddr::192.168.219.100/"
          "24/ens32:0 taken here \\\"quoted\\\"\"}");
    const auto back = parse_event_line(line);
    REQUIRE(back);
    CHECK(back->unix_ms == e.unix_ms);
    CHECK(back->kind == EventKind::group_acquired);
    CHECK(back->group == e.group);
    CHECK(back->took_ms == std::optional<std::int64_t>(412));
    CHECK(back->text == e.text);
    CHECK(back->node.empty());
}

TEST_CASE("lines that are not events are refused", "[metrics][events]")
{
    for (const char* bad : {"", "{", "[]", "{\"kind\":\"reload\",\"text\":\"x\"}",
                            "{\"ms\":\"1\",\"kind\":\"reload\",\"text\":\"x\"}",
                            "{\"ms\":1,\"kind\":\"dinner\",\"text\":\"x\"}",
                            "{\"ms\":1,\"kind\":\"reload\",\"text\":3}",
                            "{\"ms\":1,\"kind\":\"reload\",\"took_ms\":\"x\",\"text\":\"\"}"}) {
        INFO(bad);
        CHECK_FALSE(parse_event_line(bad));
    }
}

TEST_CASE("the ring keeps the newest, and the file is rewritten at twice its size",
          "[metrics][events]")
{
    EventLog log(3);
    std::string file;
    for (int i = 0; i < 4; ++i) {
        file += log.add(node_dead(i));
    }
    file += "garbage that a crash cut short {\"ms\n";
    EventLog restored(3);
    restored.restore(file);
    REQUIRE(restored.events().size() == 3);
    CHECK(restored.events().front().unix_ms == 1);  // the oldest went
    CHECK(restored.events().back().unix_ms == 3);
    CHECK_FALSE(restored.wants_rewrite());  // 5 lines in the file, 6 wanted
    restored.add(node_dead(4));
    REQUIRE(restored.wants_rewrite());
    const std::string rewritten = restored.text();
    restored.rewritten();
    CHECK_FALSE(restored.wants_rewrite());
    EventLog again(3);
    again.restore(rewritten);
    CHECK(again.events().size() == 3);
    CHECK(again.events().back().unix_ms == 4);
}

TEST_CASE("since: a time back from now, or a local date and time", "[metrics][events]")
{
    const hb::test::UtcZone utc;
    const std::int64_t now = 1796572800000;  // 2026-12-06 16:00:00 UTC
    CHECK(parse_since("90s", now) == now - 90'000);
    CHECK(parse_since("15m", now) == now - 900'000);
    CHECK(parse_since("2h", now) == now - 7'200'000);
    CHECK(parse_since("1d", now) == now - 86'400'000);
    CHECK(parse_since("2026-12-06 15:30", now) == now - 1'800'000);
    CHECK(parse_since("2026-12-06 15:30:15", now) == now - 1'785'000);
    for (const char* bad : {"", "m", "15", "15x", "-5m", "1.5h", "2026-12-06", "2026-12-06 25:00",
                            "2026-12-06 15:30 extra", "yesterday"}) {
        INFO(bad);
        CHECK_FALSE(parse_since(bad, now));
    }
}

TEST_CASE("an event for people: time to the millisecond, time since the one before",
          "[metrics][events]")
{
    const hb::test::UtcZone utc;
    Event e = node_dead(1796572800123);
    CHECK(format_event(e, std::nullopt) ==
          "2026-12-06 16:00:00.123                node lvs-02: dead");
    CHECK(format_event(e, 1796572798911) ==
          "2026-12-06 16:00:00.123      +1.212 s  node lvs-02: dead");
}

TEST_CASE("bad packets: one event per burst, not per datagram", "[metrics][events]")
{
    using namespace std::chrono_literals;
    BurstWatch watch(60s);
    const std::chrono::steady_clock::time_point t0{std::chrono::hours(1)};
    CHECK(watch.refused(t0));  // the first begins a burst
    CHECK_FALSE(watch.refused(t0 + 1s));
    CHECK_FALSE(watch.refused(t0 + 50s));  // still the same burst: the quiet counts from the last
    CHECK_FALSE(watch.refused(t0 + 109s));
    CHECK(watch.refused(t0 + 169s));  // a minute of quiet: a new burst
    CHECK(event_kind_from("bad_packets") == EventKind::bad_packets);
}

TEST_CASE("make_event: the kind, the text and what the event concerns", "[metrics][events]")
{
    const Event e = make_event(EventKind::link_status, "link lvs-02:ens32 dead", "lvs-02", "ens32");
    CHECK(e.kind == EventKind::link_status);
    CHECK(e.text == "link lvs-02:ens32 dead");
    CHECK(e.node == "lvs-02");
    CHECK(e.detail == "ens32");
    CHECK(e.group.empty());
    CHECK_FALSE(e.took_ms.has_value());
    CHECK(make_event(EventKind::group_acquired, "g", {}, {}, "web").group == "web");
}

TEST_CASE("every event kind has its name and its own journal MESSAGE_ID", "[metrics][events]")
{
    // Every kind has its own MESSAGE_ID, 32 hex digits.
    std::set<std::string_view> ids;
    for (const auto kind :
         {EventKind::daemon_start, EventKind::daemon_stop, EventKind::node_status,
          EventKind::link_status, EventKind::group_acquired, EventKind::group_released,
          EventKind::group_failed, EventKind::partition_healed, EventKind::request,
          EventKind::reload, EventKind::bad_packets}) {
        const auto id = message_id(kind);
        CHECK(id.size() == 32);
        CHECK(id.find_first_not_of("0123456789abcdef") == std::string_view::npos);
        ids.insert(id);
        CHECK(event_kind_from(to_string(kind)) == kind);
    }
    CHECK(ids.size() == 11);
}
