// SPDX-License-Identifier: GPL-2.0-or-later
// The real-server checker on simulated time, without sockets: CheckerCore schedules probes,
// a table of scenarios says how each server answers when (dies, flaps, hangs, comes back),
// and a driver enforces the check's timeout. Each transition must happen at its exact
// simulated time, a server out must be out within fall × interval + timeout of its failure,
// and from its transition on the current slot table (plan_service) holds none of its slots.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "lvs/checker.hpp"
#include "lvs/dataplane.hpp"
#include "lvs/rules.hpp"

using namespace hb::lvs;
using std::chrono::milliseconds;

namespace {

// Three NAT servers and a sorry server, TCP_CHECK every 2 s, 1 s timeout, fall 3, rise 2.
// The first round is spread over 200 ms: the servers are probed at 0, 66 and 133 ms past
// every even second.
const std::string rules = "-A -t 192.168.219.100:80 -s wlc\n"
                          "-a -t 192.168.219.100:80 -r 192.168.56.21:80 -m\n"
                          "-a -t 192.168.219.100:80 -r 192.168.56.22:80 -m\n"
                          "-a -t 192.168.219.100:80 -r 192.168.56.23:80 -m\n"
                          "#@sorry -t 192.168.219.100:80 -r 192.168.56.30:80\n"
                          "#@check -t 192.168.219.100:80 TCP_CHECK interval=2 timeout=1 fall=3 "
                          "rise=2\n"
                          "#@name 192.168.56.22 web-02\n";
constexpr milliseconds interval{2000};
constexpr milliseconds timeout{1000};
constexpr int fall = 3;
constexpr milliseconds run_time{60000};

/// How a server answers during a window of simulated time (healthy outside every window).
enum class Behaviour {
    refuses,       ///< connection refused at once (1 ms)
    hangs,         ///< answers after 5 s: the probe times out
    slow,          ///< answers after 900 ms, within the timeout
    flaps,         ///< passes and fails by turns
    two_of_three,  ///< fails twice, passes once, and again
};

struct Window {
    milliseconds from;
    milliseconds to;
    Behaviour behaviour;
};

struct ExpectedTransition {
    std::size_t server;
    Health to;
    long at_ms;     ///< exact simulated time of the transition
    long cause_ms;  ///< when the server changed (start of its window, or its end)
};

struct Scenario {
    std::string name;
    std::array<std::vector<Window>, 3> servers;
    std::vector<ExpectedTransition> transitions;
};

struct Answer {
    ProbeResult result;
    milliseconds takes;
};

Answer answer(const std::vector<Window>& windows, milliseconds start, int probe_index)
{
    for (const Window& w : windows) {
        if (start < w.from || start >= w.to) {
            continue;
        }
        switch (w.behaviour) {
        case Behaviour::refuses: return {ProbeResult::refused, milliseconds(1)};
        case Behaviour::hangs: return {ProbeResult::passed, milliseconds(5000)};
        case Behaviour::slow: return {ProbeResult::passed, milliseconds(900)};
        case Behaviour::flaps:
            return {probe_index % 2 == 0 ? ProbeResult::passed : ProbeResult::refused,
                    milliseconds(1)};
        case Behaviour::two_of_three:
            return {probe_index % 3 < 2 ? ProbeResult::refused : ProbeResult::passed,
                    milliseconds(1)};
        }
    }
    return {ProbeResult::passed, milliseconds(5)};
}

constexpr milliseconds forever{run_time * 2};

const std::vector<Scenario> scenarios = {
    {"all healthy", {}, {}},
    {"server 1 dies at 10 s",
     {{{}, {{milliseconds(10000), forever, Behaviour::refuses}}, {}}},
     // Probes at 10.066, 12.066 and 14.066 s fail in 1 ms each.
     {{1, Health::down, 14067, 10000}}},
    {"server 0 dies at 10 s, on a probe's start",
     {{{{milliseconds(10000), forever, Behaviour::refuses}}, {}, {}}},
     {{0, Health::down, 14001, 10000}}},
    {"server 2 dies at 10 s and returns at 20 s",
     {{{}, {}, {{milliseconds(10000), milliseconds(20000), Behaviour::refuses}}}},
     // Out after 10.133, 12.133, 14.133; back after the passes at 20.133 and 22.133 (5 ms).
     {{2, Health::down, 14134, 10000}, {2, Health::up, 22138, 20000}}},
    {"a flapping server never moves",
     {{{{milliseconds(0), forever, Behaviour::flaps}}, {}, {}}},
     {}},
    {"two failures in three never take a server out",
     {{{}, {{milliseconds(0), forever, Behaviour::two_of_three}}, {}}},
     {}},
    {"a slow server within its timeout stays in",
     {{{}, {}, {{milliseconds(0), forever, Behaviour::slow}}}},
     {}},
    {"a server that hangs from 10 s times out",
     {{{}, {{milliseconds(10000), forever, Behaviour::hangs}}, {}}},
     // Probes at 10.066, 12.066 and 14.066 s time out a second later.
     {{1, Health::down, 15066, 10000}}},
    {"everyone dies at 30 s: the sorry server takes over",
     {{{{milliseconds(30000), forever, Behaviour::refuses}},
       {{milliseconds(30000), forever, Behaviour::refuses}},
       {{milliseconds(30000), forever, Behaviour::hangs}}}},
     {{0, Health::down, 34001, 30000},
      {1, Health::down, 34067, 30000},
      {2, Health::down, 35133, 30000}}},
};

struct Pending {
    TimePoint at;
    ServerRef server;
    ProbeOutcome outcome;
};

struct Seen {
    std::size_t server;
    Health to;
    long at_ms;
    std::string line;
};

long ms_since(TimePoint start, TimePoint t)
{
    return static_cast<long>(std::chrono::duration_cast<milliseconds>(t - start).count());
}

}  // namespace

TEST_CASE("lvs sim: checker transitions at their exact times, and the plan follows",
          "[sim][lvs]")
{
    RulesResult parsed = parse_rules(rules, "ipvsadm.rules");
    REQUIRE(parsed.config.has_value());
    const LvsConfig config = *parsed.config;
    const Service& service = config.services[0];
    const TimePoint start{};

    for (const Scenario& scenario : scenarios) {
        INFO(scenario.name);
        CheckerCore core(config, start, all_up(config));
        std::vector<Pending> pending;
        std::vector<Seen> seen;
        std::array<int, 3> probes{};
        std::array<int, 3> in_flight{};
        TimePoint now = start;
        std::size_t steps = 0;
        for (;; ++steps) {
            REQUIRE(steps < 100000);
            // Outcomes due now, in time order.
            std::stable_sort(pending.begin(), pending.end(),
                             [](const Pending& a, const Pending& b) { return a.at < b.at; });
            while (!pending.empty() && pending.front().at <= now) {
                const Pending p = pending.front();
                pending.erase(pending.begin());
                --in_flight[p.server.server];
                if (auto t = core.complete(p.server, p.outcome, now)) {
                    seen.push_back({t->server.server, t->to, ms_since(start, now),
                                    format_transition(config, *t)});
                }
            }
            // The invariant at every instant: the current table sends nothing to a server
            // that is out, and every server that is in owns slots.
            const ServicePlan plan = plan_service(service, core.health()[0], Facts{});
            bool any_up = false;
            for (std::size_t i = 0; i < service.servers.size(); ++i) {
                const auto owned = std::count(plan.current.begin(), plan.current.end(),
                                              static_cast<int>(i));
                if (core.health()[0][i] == Health::down) {
                    INFO("server " << i << " at " << ms_since(start, now) << " ms");
                    REQUIRE(owned == 0);
                } else {
                    any_up = true;
                    REQUIRE(owned > 0);
                }
            }
            REQUIRE(plan.sorry_active == !any_up);

            // Probes due now; the driver gives up at the check's timeout.
            for (const ProbeRequest& p : core.due(now)) {
                const std::size_t i = p.server.server;
                REQUIRE(++in_flight[i] == 1);  // never two probes of one server at once
                const Answer a = answer(scenario.servers[i], std::chrono::duration_cast<
                                                                 milliseconds>(now - start),
                                        probes[i]++);
                if (a.takes > timeout) {
                    pending.push_back({now + timeout, p.server, {ProbeResult::timed_out, 0, {}}});
                } else {
                    pending.push_back({now + a.takes, p.server, {a.result, 0, {}}});
                }
            }
            // On to the next event.
            std::optional<TimePoint> next = core.next_deadline();
            for (const Pending& p : pending) {
                if (!next || p.at < *next) {
                    next = p.at;
                }
            }
            REQUIRE(next.has_value());
            REQUIRE(*next >= now);
            if (*next - start >= run_time) {
                break;
            }
            now = *next;
        }

        // Every server was probed once per interval all along.
        for (int count : probes) {
            CHECK(count == 30);
        }
        REQUIRE(seen.size() == scenario.transitions.size());
        for (std::size_t k = 0; k < seen.size(); ++k) {
            const ExpectedTransition& want = scenario.transitions[k];
            INFO("transition " << k << ": " << seen[k].line << " at " << seen[k].at_ms << " ms");
            CHECK(seen[k].server == want.server);
            CHECK(seen[k].to == want.to);
            CHECK(seen[k].at_ms == want.at_ms);
            const long after = seen[k].at_ms - want.cause_ms;
            if (want.to == Health::down) {
                // Not before fall - 1 further intervals, and in time for the promise that a
                // dead server gets no new requests after fall × interval + the timeout.
                CHECK(after > (fall - 1) * interval.count());
                CHECK(after <= fall * interval.count() + timeout.count());
            }
        }
    }
}

TEST_CASE("lvs sim: the transition lines of a death and a return", "[sim][lvs]")
{
    RulesResult parsed = parse_rules(rules, "ipvsadm.rules");
    REQUIRE(parsed.config.has_value());
    const LvsConfig config = *parsed.config;
    const TimePoint start{};
    CheckerCore core(config, start, all_up(config));
    std::vector<std::string> lines;
    // Server 1 (web-02) refuses from 10 s to 20 s; the others are not answered at all here,
    // so only its probes are completed.
    TimePoint now = start;
    while (now - start <= milliseconds(30000)) {
        for (const ProbeRequest& p : core.due(now)) {
            if (p.server.server != 1) {
                continue;  // left in flight: never probed again, never judged
            }
            const bool dead =
                now - start >= milliseconds(10000) && now - start < milliseconds(20000);
            const ProbeOutcome outcome{dead ? ProbeResult::refused : ProbeResult::passed, 0, {}};
            if (auto t = core.complete(p.server, outcome, now + milliseconds(1))) {
                lines.push_back(format_transition(config, *t));
            }
        }
        now += milliseconds(1);
    }
    CHECK(lines == std::vector<std::string>{
                       "real server 192.168.56.22:80 (web-02) down: connection refused after 3 "
                       "checks",
                       "real server 192.168.56.22:80 (web-02) up: connected after 2 checks"});
    CHECK(core.health()[0] == std::vector<Health>{Health::up, Health::up, Health::up});
}
