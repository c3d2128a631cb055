// SPDX-License-Identifier: GPL-2.0-or-later
// CheckerCore on a manual clock: when probes are due (the first round spread over a tenth of
// the interval, one in flight per server, the next an interval after the previous start or
// at once after a late outcome), fall/rise hysteresis and the transitions it returns, which
// servers are probed and with which check, and the texts of outcomes and transitions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "lvs/checker.hpp"
#include "lvs/rules.hpp"

using namespace hb::lvs;
using std::chrono::milliseconds;

namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);

LvsConfig parse(const std::string& text)
{
    RulesResult result = parse_rules(text, "ipvsadm.rules");
    REQUIRE(result.config.has_value());
    return *result.config;
}

// Four servers under one HTTP check every 5 s, web-01 named.
const std::string four = "-A -t 192.168.219.100:80\n"
                         "-a -t 192.168.219.100:80 -r 192.168.219.21:80\n"
                         "-a -t 192.168.219.100:80 -r 192.168.219.22:80\n"
                         "-a -t 192.168.219.100:80 -r 192.168.219.23:80\n"
                         "-a -t 192.168.219.100:80 -r 192.168.219.24:80\n"
                         "#@check -t 192.168.219.100:80 HTTP_GET interval=5 timeout=3 fall=3 "
                         "rise=2\n"
                         "#@name 192.168.219.21 web-01\n";

// One server, checked every 2 s; `settings` adds to the #@check line.
LvsConfig one(const std::string& settings = "")
{
    return parse("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.1.1:80\n"
                 "#@check -t 10.0.0.1:80 TCP_CHECK interval=2 timeout=1 " + settings + "\n");
}

std::vector<std::size_t> servers_of(const std::vector<ProbeRequest>& probes)
{
    std::vector<std::size_t> out;
    for (const ProbeRequest& p : probes) {
        out.push_back(p.server.server);
    }
    return out;
}

ProbeOutcome pass(int status = 200)
{
    return {ProbeResult::passed, status, {}};
}

ProbeOutcome http_503()
{
    return {ProbeResult::bad_status, 503, {}};
}

/// Runs one probe of server 0 of service 0 starting at `at`, completing 10 ms later.
std::optional<Transition> probe(CheckerCore& core, TimePoint at, const ProbeOutcome& outcome)
{
    const auto due = core.due(at);
    REQUIRE(due.size() == 1);
    return core.complete(due[0].server, outcome, at + milliseconds(10));
}

}  // namespace

TEST_CASE("checker: the first round is due at start, spread over a tenth of the interval",
          "[lvs][checker]")
{
    const LvsConfig c = parse(four);
    CheckerCore core(c, t0, all_up(c));
    // 5 s / 10 = 500 ms shared by 4 servers: 0, 125, 250, 375 ms.
    CHECK(core.next_deadline() == t0);
    CHECK(servers_of(core.due(t0)) == std::vector<std::size_t>{0});
    CHECK(core.next_deadline() == t0 + milliseconds(125));
    CHECK(core.due(t0 + milliseconds(124)).empty());
    CHECK(servers_of(core.due(t0 + milliseconds(125))) == std::vector<std::size_t>{1});
    CHECK(servers_of(core.due(t0 + milliseconds(400))) == std::vector<std::size_t>{2, 3});
    CHECK(core.probes() == 4);
    // All in flight: nothing is due, whatever the time.
    CHECK(core.next_deadline() == std::nullopt);
    CHECK(core.due(t0 + std::chrono::hours(1)).empty());
    CHECK(core.probes() == 4);
}

TEST_CASE("checker: a probe request names the target and the check", "[lvs][checker]")
{
    const LvsConfig c = parse(four);
    CheckerCore core(c, t0, all_up(c));
    const auto due = core.due(t0);
    REQUIRE(due.size() == 1);
    CHECK(due[0].server == ServerRef{0, 0});
    CHECK(due[0].target == c.services[0].servers[0].endpoint);
    CHECK(due[0].check == &*c.services[0].check);
}

TEST_CASE("checker: never two probes of a server in flight; next one interval after the start",
          "[lvs][checker]")
{
    const LvsConfig c = one();
    CheckerCore core(c, t0, all_up(c));
    REQUIRE(core.due(t0).size() == 1);
    // Still in flight at the time the next would be due: not probed again.
    CHECK(core.due(t0 + milliseconds(2000)).empty());
    CHECK(core.due(t0 + milliseconds(1999)).empty());
    CHECK_FALSE(core.complete({0, 0}, pass(), t0 + milliseconds(300)).has_value());
    // Due two seconds after the previous probe started, not after it ended.
    CHECK(core.next_deadline() == t0 + milliseconds(2000));
    CHECK(core.due(t0 + milliseconds(1999)).empty());
    // Outcomes for a server with no probe in flight are ignored: three "failures" here would
    // otherwise take it down.
    for (int i = 0; i < 3; ++i) {
        CHECK_FALSE(core.complete({0, 0}, http_503(), t0 + milliseconds(400)).has_value());
    }
    CHECK(core.health()[0][0] == Health::up);
    CHECK(core.last_outcome({0, 0}) == "connected");
    CHECK(core.next_deadline() == t0 + milliseconds(2000));
    CHECK(core.due(t0 + milliseconds(2000)).size() == 1);
    CHECK(core.next_deadline() == std::nullopt);
    CHECK(core.probes() == 2);
}

TEST_CASE("checker: an outcome later than the interval makes the next probe due at once",
          "[lvs][checker]")
{
    const LvsConfig c = one();
    CheckerCore core(c, t0, all_up(c));
    REQUIRE(core.due(t0).size() == 1);
    const TimePoint late = t0 + milliseconds(2600);
    core.complete({0, 0}, {ProbeResult::timed_out, 0, {}}, late);
    CHECK(core.next_deadline() == late);
    CHECK(core.due(late).size() == 1);
    CHECK(core.next_deadline() == std::nullopt);
    core.complete({0, 0}, pass(), late + milliseconds(5));
    CHECK(core.next_deadline() == late + milliseconds(2000));
}

TEST_CASE("checker: fall and rise, with hysteresis both ways", "[lvs][checker]")
{
    const LvsConfig c = one("fall=3 rise=2");
    CheckerCore core(c, t0, all_up(c));
    TimePoint at = t0;
    const auto step = [&](const ProbeOutcome& outcome) {
        const auto t = probe(core, at, outcome);
        at += milliseconds(2000);
        return t;
    };
    // Two failures then a success: nothing happens, and the count starts again.
    CHECK_FALSE(step(http_503()));
    CHECK_FALSE(step(http_503()));
    CHECK_FALSE(step(pass()));
    CHECK_FALSE(step(http_503()));
    CHECK_FALSE(step(http_503()));
    CHECK(core.health()[0][0] == Health::up);
    // The third in a row takes it down.
    const auto fell = step({ProbeResult::refused, 0, {}});
    REQUIRE(fell.has_value());
    CHECK(fell->server == ServerRef{0, 0});
    CHECK(fell->from == Health::up);
    CHECK(fell->to == Health::down);
    CHECK(fell->reason == "connection refused");
    CHECK(fell->count == 3);
    CHECK(core.health()[0][0] == Health::down);
    // Further failures say nothing more.
    CHECK_FALSE(step(http_503()));
    // One success, a failure, one success: still down (rise=2 wants two in a row).
    CHECK_FALSE(step(pass()));
    CHECK_FALSE(step(http_503()));
    CHECK_FALSE(step(pass()));
    CHECK(core.health()[0][0] == Health::down);
    const auto rose = step(pass());
    REQUIRE(rose.has_value());
    CHECK(rose->from == Health::down);
    CHECK(rose->to == Health::up);
    CHECK(rose->reason == "connected");
    CHECK(rose->count == 2);
    CHECK(core.health()[0][0] == Health::up);
    CHECK(core.last_outcome({0, 0}) == "connected");
    CHECK_FALSE(step(pass()));
    // Every outcome is counted, whatever it did to the health.
    CHECK(core.counts({0, 0}) == CheckCounts{5, 7});
    CHECK(core.counts({0, 1}) == CheckCounts{});  // no such server
}

TEST_CASE("checker: a server that starts down needs rise successes", "[lvs][checker]")
{
    const LvsConfig c = one("rise=3");
    CheckerCore core(c, t0, {{Health::down}});
    CHECK(core.health()[0][0] == Health::down);
    CHECK_FALSE(probe(core, t0, pass()));
    CHECK_FALSE(probe(core, t0 + milliseconds(2000), pass()));
    const auto rose = probe(core, t0 + milliseconds(4000), pass());
    REQUIRE(rose.has_value());
    CHECK(rose->count == 3);
}

TEST_CASE("checker: transitions as log lines", "[lvs][checker]")
{
    const LvsConfig c = parse(four);
    CHECK(format_transition(c, {{0, 0}, Health::up, Health::down, "HTTP 503", 3}) ==
          "real server 192.168.219.21:80 (web-01) down: HTTP 503 after 3 checks");
    CHECK(format_transition(c, {{0, 1}, Health::down, Health::up, "HTTP 200", 2}) ==
          "real server 192.168.219.22:80 up: HTTP 200 after 2 checks");
    CHECK(format_transition(c, {{0, 3}, Health::up, Health::down, "connection refused", 1}) ==
          "real server 192.168.219.24:80 down: connection refused after 1 check");

    // And from a run: the reason is the last outcome, described under the server's check.
    CheckerCore core(c, t0, all_up(c));
    CHECK(core.last_outcome({0, 0}).empty());  // not probed yet
    std::vector<Transition> transitions;
    for (int round = 0; round < 3; ++round) {
        const TimePoint at = t0 + milliseconds(400) + milliseconds(5000) * round;
        const auto due = core.due(at);
        REQUIRE(due.size() == 4);
        for (const ProbeRequest& p : due) {
            const auto outcome = p.server.server == 0 ? http_503() : pass();
            if (auto t = core.complete(p.server, outcome, at + milliseconds(20))) {
                transitions.push_back(*t);
            }
        }
    }
    REQUIRE(transitions.size() == 1);
    CHECK(format_transition(c, transitions[0]) ==
          "real server 192.168.219.21:80 (web-01) down: HTTP 503 after 3 checks");
    CHECK(core.last_outcome({0, 0}) == "HTTP 503");
    CHECK(core.last_outcome({0, 1}) == "HTTP 200");
    CHECK(core.last_outcome({3, 0}).empty());  // no such server
}

TEST_CASE("checker: unchecked servers are not probed and stay as they are", "[lvs][checker]")
{
    SECTION("a file without checks")
    {
        const LvsConfig c = parse("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.1.1:80\n");
        CheckerCore core(c, t0, {});
        CHECK(core.next_deadline() == std::nullopt);
        CHECK(core.due(t0 + std::chrono::hours(1)).empty());
        REQUIRE(core.health().size() == 1);
        CHECK(core.health()[0] == std::vector<Health>{Health::up});
    }
    SECTION("one service checked, one not, one server with a check of its own")
    {
        const LvsConfig c =
            parse("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.1.1:80\n"
                  "-A -t 10.0.0.2:80\n-a -t 10.0.0.2:80 -r 10.0.1.1:80\n"
                  "-a -t 10.0.0.2:80 -r 10.0.1.2:80\n"
                  "#@check -t 10.0.0.1:80 TCP_CHECK interval=2 timeout=1\n"
                  "#@check -t 10.0.0.2:80 -r 10.0.1.2 HTTP_GET interval=1 timeout=1 port=8080\n");
        CheckerCore core(c, t0, all_up(c));
        std::vector<ProbeRequest> probes = core.due(t0 + milliseconds(200));
        REQUIRE(probes.size() == 2);
        CHECK(probes[0].server == ServerRef{0, 0});
        CHECK(probes[0].target == Endpoint{c.services[0].servers[0].endpoint.address, 80});
        CHECK(probes[0].check->kind == CheckKind::tcp);
        CHECK(probes[1].server == ServerRef{1, 1});
        CHECK(probes[1].target == Endpoint{c.services[1].servers[1].endpoint.address, 8080});
        CHECK(probes[1].check->kind == CheckKind::http);
        CHECK(probes[1].check->interval == milliseconds(1000));
        // The server's own check decides its interval.
        core.complete({1, 1}, pass(), t0 + milliseconds(250));
        core.complete({0, 0}, pass(), t0 + milliseconds(250));
        CHECK(core.next_deadline() == t0 + milliseconds(1200));
        // Server 10.0.1.1 of the second service is never probed.
        for (int s = 0; s < 10; ++s) {
            const TimePoint at = t0 + milliseconds(1200) + milliseconds(1000) * s;
            for (const ProbeRequest& p : core.due(at)) {
                CHECK_FALSE(p.server == ServerRef{1, 0});
                core.complete(p.server, {ProbeResult::refused, 0, {}}, at + milliseconds(1));
            }
        }
        CHECK(core.health()[1][0] == Health::up);
        CHECK(core.health()[1][1] == Health::down);
    }
}

TEST_CASE("checker: each outcome described", "[lvs][checker]")
{
    Check http;
    http.kind = CheckKind::http;
    http.timeout = milliseconds(3000);
    Check tcp;
    tcp.kind = CheckKind::tcp;
    tcp.timeout = milliseconds(1500);
    struct Row {
        ProbeOutcome outcome;
        const Check* check;
        std::string text;
    };
    const std::vector<Row> rows = {
        {{ProbeResult::passed, 200, {}}, &http, "HTTP 200"},
        {{ProbeResult::passed, 0, {}}, &tcp, "connected"},
        {{ProbeResult::refused, 0, {}}, &tcp, "connection refused"},
        {{ProbeResult::unreachable, 0, {}}, &tcp, "unreachable"},
        {{ProbeResult::unreachable, 0, "No route to host"}, &tcp, "unreachable (No route to host)"},
        {{ProbeResult::timed_out, 0, {}}, &http, "no answer within 3000ms"},
        {{ProbeResult::timed_out, 0, {}}, &tcp, "no answer within 1500ms"},
        {{ProbeResult::bad_status, 503, {}}, &http, "HTTP 503"},
        {{ProbeResult::bad_digest, 200, {}}, &http, "HTTP 200, body digest differs"},
        {{ProbeResult::bad_answer, 0, {}}, &http, "not an HTTP answer"},
        {{ProbeResult::bad_answer, 0, "status line 'SSH-2.0'"}, &http,
         "not an HTTP answer (status line 'SSH-2.0')"},
        {{ProbeResult::failed, 0, {}}, &tcp, "probe failed"},
        {{ProbeResult::failed, 0, "Too many open files"}, &tcp,
         "probe failed (Too many open files)"},
    };
    for (const Row& row : rows) {
        CHECK(describe(row.outcome, *row.check) == row.text);
    }
}
