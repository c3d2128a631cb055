// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "metrics/watch_view.hpp"
#include "support/utc_zone.hpp"

using namespace hb::metrics;

TEST_CASE("ages to the unit that matters", "[metrics][watch]")
{
    CHECK(format_age(-5) == "0s");
    CHECK(format_age(59'999) == "59s");
    CHECK(format_age(245'000) == "4m05s");
    CHECK(format_age(7'620'000) == "2h07m");
    CHECK(format_age(273'600'000) == "3d04h");
}

TEST_CASE("the watch screen: nodes and links with their age, what is held, recent events",
          "[metrics][watch]")
{
    const hb::test::UtcZone utc;
    WatchSnapshot s;
    s.now_ms = 1796572830000;  // 2026-12-06 16:00:30 UTC
    s.held = "all";
    s.nodes = {{"lvs-01", "normal", "active", {{"ens32", "up", std::nullopt}}},
               {"lvs-02", "normal", "dead", {{"ens32", "dead", 31'250}}}};
    Event dead;
    dead.unix_ms = 1796572800000;
    dead.kind = EventKind::node_status;
    dead.node = "lvs-02";
    dead.detail = "dead";
    dead.text = "node lvs-02: dead";
    Event link = dead;
    link.unix_ms += 5;
    link.kind = EventKind::link_status;
    link.detail = "ens32";
    link.text = "link lvs-02:ens32 dead";
    s.history = {dead, link};
    s.recent = 1;
    CHECK(render_watch(s) ==
          "heartbeat  2026-12-06 16:00:30   (q quits)\n"
          "\n"
          "resources held here: all\n"
          "\n"
          "nodes\n"
          "  lvs-01           normal  active\n"
          "    link ens32       up\n"
          "  lvs-02           normal  dead     for 30s\n"
          "    link ens32       dead     for 29s      heard 31s ago\n"
          "\n"
          "recent events\n"
          "  2026-12-06 16:00:00.005                link lvs-02:ens32 dead\n");
    s.nodes[0].links[0].heard_ms_ago = 430;  // under ten seconds: in tenths
    CHECK(render_watch(s).find("    link ens32       up                    heard 0.4s ago\n") !=
          std::string::npos);
    s.unreachable = "hb_api_signon: Can't initiate connection to heartbeat";
    s.history.clear();
    CHECK(render_watch(s).find("heartbeat cannot be asked: hb_api_signon") != std::string::npos);
    CHECK(render_watch(s).find("  (none)\n") != std::string::npos);
}
