// SPDX-License-Identifier: GPL-2.0-or-later
// The LVS families from a parsed rules file and a runtime state: each real server's health,
// its checks by outcome (only where a check applies), the checker's age, the labels an alert
// would group by, and nothing at all without a table.
#include <catch2/catch.hpp>

#include "lvs/runtime_state.hpp"
#include "metrics/lvs_metrics.hpp"

using namespace hb;

namespace {

bool has_line(const std::string& page, const std::string& line)
{
    return page.find("\n" + line + "\n") != std::string::npos;
}

metrics::LvsTable table()
{
    const std::string rules =
        "-A -t 192.168.219.100:80 -s wlc\n"
        "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g\n"
        "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g\n"
        "#@check -t 192.168.219.100:80 HTTP_GET\n"
        "#@sorry -t 192.168.219.100:80 -r 192.168.219.30\n"
        "#@name 192.168.219.21 web-01\n"
        "-A -u 192.168.219.100:53\n"
        "-a -u 192.168.219.100:53 -r 192.168.219.21:53 -g\n";
    auto parsed = lvs::parse_rules(rules, "/etc/ha.d/ipvsadm.rules");
    REQUIRE(parsed.config.has_value());
    metrics::LvsTable t{"/etc/ha.d/ipvsadm.rules", std::move(*parsed.config), {}};
    t.state.checker_pid = 4321;
    t.state.updated_ms = 1'000'000;
    t.state.health = {{lvs::Health::up, lvs::Health::down}, {lvs::Health::up}};
    t.state.checks = {{{118, 4}, {3, 40}}, {{0, 0}}};
    return t;
}

const std::string web01 =
    R"(rules="/etc/ha.d/ipvsadm.rules",service="TCP 192.168.219.100:80",server="192.168.219.21:80",name="web-01")";
const std::string web02 =
    R"(rules="/etc/ha.d/ipvsadm.rules",service="TCP 192.168.219.100:80",server="192.168.219.22:80")";
const std::string dns =
    R"(rules="/etc/ha.d/ipvsadm.rules",service="UDP 192.168.219.100:53",server="192.168.219.21:53",name="web-01")";

}  // namespace

TEST_CASE("lvs metrics: health, checks and the checker's age per table", "[metrics][lvs]")
{
    const std::string page = metrics::lvs_page({table()}, 1'002'500);
    INFO(page);
    CHECK(has_line(page, "# TYPE heartbeat_real_server_up gauge"));
    CHECK(has_line(page, "heartbeat_real_server_up{" + web01 + "} 1"));
    CHECK(has_line(page, "heartbeat_real_server_up{" + web02 + "} 0"));
    CHECK(has_line(page, "heartbeat_real_server_up{" + dns + "} 1"));
    CHECK(page.find("192.168.219.30") == std::string::npos);  // the sorry server has no health

    CHECK(has_line(page, "# TYPE heartbeat_real_server_checks_total counter"));
    CHECK(has_line(page,
                   "heartbeat_real_server_checks_total{" + web01 + R"(,outcome="passed"} 118)"));
    CHECK(
        has_line(page, "heartbeat_real_server_checks_total{" + web01 + R"(,outcome="failed"} 4)"));
    CHECK(
        has_line(page, "heartbeat_real_server_checks_total{" + web02 + R"(,outcome="failed"} 40)"));
    // The UDP service has no check: no check counts for it.
    CHECK(page.find("heartbeat_real_server_checks_total{" + dns) == std::string::npos);

    CHECK(has_line(
        page,
        R"(heartbeat_lvs_checker_last_update_age_seconds{rules="/etc/ha.d/ipvsadm.rules"} 2.5)"));
}

TEST_CASE("lvs metrics: a state without counts or checker, and no tables", "[metrics][lvs]")
{
    metrics::LvsTable t = table();
    t.state = lvs::RuntimeState{};  // written by a checker before the counts, or none at all
    const std::string page = metrics::lvs_page({t}, 5);
    INFO(page);
    CHECK(has_line(page, "heartbeat_real_server_up{" + web02 + "} 1"));  // no health: up
    CHECK(
        has_line(page, "heartbeat_real_server_checks_total{" + web02 + R"(,outcome="failed"} 0)"));
    CHECK(page.find("heartbeat_lvs_checker_last_update_age_seconds{") == std::string::npos);
    SECTION("a clock that went back shows age 0, not a negative one")
    {
        metrics::LvsTable late = table();
        late.state.updated_ms = 9'000'000;
        CHECK(has_line(
            metrics::lvs_page({late}, 1'000),
            R"(heartbeat_lvs_checker_last_update_age_seconds{rules="/etc/ha.d/ipvsadm.rules"} 0)"));
    }
    CHECK(metrics::lvs_page({}, 5).empty());
}
