// SPDX-License-Identifier: GPL-2.0-or-later
// The whole chain on simulated time: membership (real, over simulated media) → resource
// controller (real) → scripts played by a FakeRunner on machines that outlive the daemon.
// The ownership matrix (auto_failback mode × start order × partition) runs through it,
// then script faults (a failed start, a stop that keeps failing, a hung script), a VIP
// left by kill -9, and a peer that behaves like heartbeat 3.0.6 (Peer306), including the
// legacy peer that restarts inside our takeover. A checker (sim_checker.hpp) looks after
// every step: once both nodes have heard each other for `grace`, no group may run on both.
#include <catch2/catch.hpp>

#include "sim_checker.hpp"
#include "sim_cluster.hpp"
#include "sim_pair.hpp"

using namespace hb;
using sim::Fault;
using sim::Milliseconds;
using sim::SimCluster;
using sim::TimePoint;

namespace {

using namespace sim::pair;

/// Which implementation runs on lvs-02 (lvs-01 is always ours).
enum class Peer { ours, v306 };

/// Two nodes and the ownership checker.
class Chain {
public:
    explicit Chain(config::AutoFailback mode, Peer peer = Peer::ours,
                   sim::LegacyAsk ask = sim::LegacyAsk::when_peer_active)
        : cluster_({n1, n2}, 1, timings(), keys()),
          checker_(cluster_, {group_a(), group_b()}, n1, n2, keepalive)
    {
        cluster_.set_resources(
            [mode, peer, ask](const std::string& name) -> std::unique_ptr<sim::NodeResources> {
                if (name == n2 && peer == Peer::v306) {
                    return std::make_unique<sim::Peer306>(settings_for(name, mode), deadtime, ask);
                }
                return std::make_unique<sim::OurResources>(settings_for(name, mode));
            });
        cluster_.set_observer([this] { checker_.observe(); }, false);
        if (peer == Peer::v306) {
            cluster_.count_pauses_as_silence(n2);
        }
    }

    SimCluster& cluster() { return cluster_; }
    /// How long both must have heard each other before two owners count as a violation.
    void set_grace(Milliseconds grace) { checker_.set_grace(grace); }
    void run_for(Milliseconds d) { cluster_.run_for(d); }
    bool holds(const std::string& n, const config::ResourceGroup& g)
    {
        return cluster_.holds(n, g);
    }
    int owners(const config::ResourceGroup& g) { return cluster_.owners(g); }
    std::string rscstatus(const std::string& n)
    {
        auto* r = cluster_.resources_of(n);
        return r == nullptr ? "down" : r->rscstatus();
    }
    /// The first moment the invariant broke, described; empty when it always held.
    const std::string& violation() const { return checker_.violation(); }
    /// Simulated time the checker watched both nodes hearing each other.
    Milliseconds heard_for() const { return checker_.heard_for(); }

private:
    SimCluster cluster_;
    sim::OwnershipChecker checker_;
};

void settle_pair(Chain& chain)
{
    chain.cluster().start_all();
    chain.run_for(Milliseconds(6000));
}

enum class Order { joint, first_01, first_02, restart_01, restart_02 };
enum class Partition { none, both_see, only_01_sees, only_02_sees };

const char* name_of(Order o)
{
    switch (o) {
    case Order::joint: return "joint start";
    case Order::first_01: return "lvs-01 first, lvs-02 later";
    case Order::first_02: return "lvs-02 first, lvs-01 later";
    case Order::restart_01: return "lvs-01 killed -9 (its VIP left up) and restarted";
    case Order::restart_02: return "lvs-02 killed -9 (its VIP left up) and restarted";
    }
    return "";
}

const char* name_of(Partition p)
{
    switch (p) {
    case Partition::none: return "no partition";
    case Partition::both_see: return "partition seen by both";
    case Partition::only_01_sees: return "partition seen by lvs-01 only";
    case Partition::only_02_sees: return "partition seen by lvs-02 only";
    }
    return "";
}

const char* name_of(config::AutoFailback m)
{
    switch (m) {
    case config::AutoFailback::on: return "on";
    case config::AutoFailback::off: return "off";
    case config::AutoFailback::legacy: return "legacy";
    }
    return "";
}

/// Runs the order; returns who should then hold web-a and web-b.
std::pair<std::string, std::string> run_order(Chain& chain, Order order, config::AutoFailback mode)
{
    const bool back = mode != config::AutoFailback::off;  // the preferred node gets it back
    SimCluster& c = chain.cluster();
    switch (order) {
    case Order::joint: settle_pair(chain); return {n1, n2};
    case Order::first_01:
    case Order::first_02: {
        const std::string& first = order == Order::first_01 ? n1 : n2;
        c.start(first);
        chain.run_for(initdead + Milliseconds(2000));  // alone: it takes everything
        c.start(other(first));
        chain.run_for(Milliseconds(8000));
        return back ? std::make_pair(n1, n2) : std::make_pair(first, first);
    }
    case Order::restart_01:
    case Order::restart_02: {
        settle_pair(chain);
        const std::string& victim = order == Order::restart_01 ? n1 : n2;
        c.kill(victim);
        chain.run_for(deadtime + Milliseconds(3000));
        c.start(victim);
        chain.run_for(Milliseconds(8000));
        return back ? std::make_pair(n1, n2) : std::make_pair(other(victim), other(victim));
    }
    }
    return {};
}

void run_partition(Chain& chain, Partition p)
{
    if (p == Partition::none) {
        return;
    }
    SimCluster& c = chain.cluster();
    const bool cut_to_01 = p != Partition::only_02_sees;  // lvs-01 stops hearing lvs-02
    const bool cut_to_02 = p != Partition::only_01_sees;
    c.set_one_way(n2, n1, cut_to_01);
    c.set_one_way(n1, n2, cut_to_02);
    chain.run_for(deadtime + Milliseconds(3000));
    c.set_partition(n1, n2, false);
    chain.run_for(Milliseconds(8000));
}

}  // namespace

TEST_CASE("chain: every auto_failback mode × start order × partition keeps one owner",
          "[sim][chain]")
{
    const auto mode =
        GENERATE(config::AutoFailback::on, config::AutoFailback::off, config::AutoFailback::legacy);
    const auto order = GENERATE(Order::joint, Order::first_01, Order::first_02, Order::restart_01,
                                Order::restart_02);
    const auto partition = GENERATE(Partition::none, Partition::both_see, Partition::only_01_sees,
                                    Partition::only_02_sees);
    INFO("auto_failback " << name_of(mode) << ", " << name_of(order) << ", " << name_of(partition));
    Chain chain(mode);
    auto [holder_a, holder_b] = run_order(chain, order, mode);
    run_partition(chain, partition);
    if (partition != Partition::none) {
        holder_a = n1;  // a healed partition leaves each group with its preferred node
        holder_b = n2;
    }
    CHECK(chain.owners(group_a()) == 1);
    CHECK(chain.owners(group_b()) == 1);
    CHECK(chain.holds(holder_a, group_a()));
    CHECK(chain.holds(holder_b, group_b()));
    chain.run_for(Milliseconds(5000));
    CHECK(chain.holds(holder_a, group_a()));
    CHECK(chain.holds(holder_b, group_b()));
    if (mode == config::AutoFailback::legacy) {
        CHECK(chain.rscstatus(n1) == "none");  // as 3.0.6: not tracked in legacy mode
    } else {
        CHECK(chain.rscstatus(n1) != "transition");
    }
    INFO(chain.violation());
    CHECK(chain.violation().empty());
    CHECK(chain.heard_for() > Milliseconds(5000));  // the checker did look
}

TEST_CASE("chain: a failed start gives the whole group up; nobody else starts it meanwhile",
          "[sim][chain]")
{
    Chain chain(config::AutoFailback::on);
    chain.cluster().host(n1).add_fault("web-a", sim::ScriptAction::start, Fault::fails);
    settle_pair(chain);
    CHECK_FALSE(chain.holds(n1, group_a()));  // its IPaddr was stopped again
    CHECK(chain.owners(group_a()) == 0);
    CHECK(chain.holds(n2, group_b()));
    CHECK(chain.rscstatus(n1) != "transition");
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE("chain: a start that hangs is killed at its timeout and the group given up",
          "[sim][chain]")
{
    Chain chain(config::AutoFailback::on);
    chain.cluster().host(n2).add_fault("web-b", sim::ScriptAction::start, Fault::hangs, 1);
    settle_pair(chain);
    CHECK(chain.owners(group_b()) == 0);
    CHECK(chain.holds(n1, group_a()));
    // The daemon goes on: lvs-02's death later still moves web-a nowhere, and lvs-01's
    // graceful stop hands web-a to lvs-02, whose scripts now work.
    chain.cluster().stop(n1);
    chain.run_for(Milliseconds(3000));
    CHECK(chain.holds(n2, group_a()));
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE("chain: a status check that hangs at start-up does not stop the node joining",
          "[sim][chain]")
{
    Chain chain(config::AutoFailback::on);
    // web-a's: the address agent is started without a status first.
    chain.cluster().host(n1).add_fault("web-a", sim::ScriptAction::status, Fault::hangs, 1);
    settle_pair(chain);
    CHECK(chain.holds(n1, group_a()));
    CHECK(chain.holds(n2, group_b()));
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE("chain: a VIP left by kill -9 is released before the node joins again", "[sim][chain]")
{
    const auto mode =
        GENERATE(config::AutoFailback::on, config::AutoFailback::off, config::AutoFailback::legacy);
    INFO("auto_failback " << name_of(mode));
    Chain chain(mode);
    settle_pair(chain);
    chain.cluster().kill(n1);
    // Back inside the dead time: lvs-02 never declared it dead and took nothing.
    chain.run_for(Milliseconds(1000));
    CHECK(chain.holds(n1, group_a()));  // the machine still has it
    chain.cluster().start(n1);
    chain.run_for(Milliseconds(8000));
    CHECK(chain.owners(group_a()) == 1);
    CHECK(chain.owners(group_b()) == 1);
    CHECK(chain.holds(n2, group_b()));
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE("chain: a stop that keeps failing leaves the group stuck, and nobody starts it",
          "[sim][chain]")
{
    Chain chain(config::AutoFailback::off);
    settle_pair(chain);
    chain.cluster().host(n1).add_fault("web-a", sim::ScriptAction::stop, Fault::fails);
    SECTION("standby")
    {
        // hb_standby on lvs-01: web-a cannot be stopped (3 retries a second apart).
        chain.cluster().request_standby(n1, resources::HoldSet::all);
        chain.run_for(Milliseconds(10000));
        CHECK(chain.holds(n1, group_a()));
        CHECK(chain.owners(group_a()) == 1);
    }
    SECTION("graceful stop: it waits, retrying, and the peer starts nothing of it")
    {
        chain.cluster().stop(n1);
        chain.run_for(Milliseconds(25000));
        CHECK(chain.cluster().is_running(n1));
        CHECK(chain.holds(n1, group_a()));
        CHECK_FALSE(chain.holds(n2, group_a()));
        CHECK(chain.holds(n2, group_b()));
        // Mended by hand: the next retry releases it, the stop completes, the peer takes it.
        chain.cluster().host(n1).faults.clear();
        chain.run_for(Milliseconds(12000));
        CHECK_FALSE(chain.cluster().is_running(n1));
        CHECK_FALSE(chain.holds(n1, group_a()));
        CHECK(chain.holds(n2, group_a()));
    }
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

namespace {

/// The machine under `name` rebooted: whatever ran there is gone.
void reboot(Chain& chain, const std::string& name)
{
    chain.cluster().kill(name);
    chain.cluster().host(name).running.clear();
}

}  // namespace

TEST_CASE("chain, 3.0.6 peer: a joint start waits its RQSTDELAY, then each takes its own",
          "[sim][chain][v306]")
{
    const auto mode = GENERATE(config::AutoFailback::on, config::AutoFailback::off);
    INFO("auto_failback " << name_of(mode));
    Chain chain(mode, Peer::v306);
    chain.cluster().start_all();
    chain.run_for(Milliseconds(5000));
    // Neither side is stable yet: both wait 10 s from the first `resource` (3.0.6's rule,
    // which we keep with a 3.0.6 peer).
    CHECK(chain.owners(group_a()) == 0);
    CHECK(chain.owners(group_b()) == 0);
    chain.run_for(Milliseconds(8000));
    CHECK(chain.holds(n1, group_a()));
    CHECK(chain.holds(n2, group_b()));
    CHECK(chain.owners(group_a()) == 1);
    CHECK(chain.owners(group_b()) == 1);
    CHECK(chain.rscstatus(n1) == "local");
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE(
    "chain, 3.0.6 peer in legacy mode: its one ip-request, sent while our idle check "
    "runs, is answered",
    "[sim][chain][v306]")
{
    // Found by cluster_fuzzer: 3.0.6 asks for its group once, at its comm up. Stalled for a
    // millisecond as it starts, it missed our first datagrams and came up 4 ms in, while
    // ours was still checking its groups' status (20 ms each here): the request was dropped
    // and web-b never started anywhere.
    Chain chain(config::AutoFailback::legacy, Peer::v306);
    chain.cluster().start_all();
    chain.cluster().pause(n2);
    chain.run_for(Milliseconds(1));
    chain.cluster().resume(n2);
    chain.run_for(Milliseconds(15000));
    CHECK(chain.holds(n1, group_a()));
    CHECK(chain.holds(n2, group_b()));
    CHECK(chain.owners(group_a()) == 1);
    CHECK(chain.owners(group_b()) == 1);
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE("chain, 3.0.6 peer: death, takeover and return in every mode", "[sim][chain][v306]")
{
    const auto mode =
        GENERATE(config::AutoFailback::on, config::AutoFailback::off, config::AutoFailback::legacy);
    const std::string victim = GENERATE(n1, n2);
    INFO("auto_failback " << name_of(mode) << ", " << victim << " dies");
    Chain chain(mode, Peer::v306);
    chain.cluster().start_all();
    chain.run_for(Milliseconds(15000));
    REQUIRE(chain.holds(n1, group_a()));
    REQUIRE(chain.holds(n2, group_b()));
    reboot(chain, victim);
    chain.run_for(deadtime + Milliseconds(3000));
    CHECK(chain.holds(other(victim), group_a()));
    CHECK(chain.holds(other(victim), group_b()));
    chain.cluster().start(victim);
    chain.run_for(Milliseconds(20000));
    const bool back = mode != config::AutoFailback::off;
    CHECK(chain.owners(group_a()) == 1);
    CHECK(chain.owners(group_b()) == 1);
    CHECK(chain.holds(back ? n1 : other(victim), group_a()));
    CHECK(chain.holds(back ? n2 : other(victim), group_b()));
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE("chain, 3.0.6 peer: a partition seen by both heals by its restart, to one owner",
          "[sim][chain][v306]")
{
    const auto mode =
        GENERATE(config::AutoFailback::on, config::AutoFailback::off, config::AutoFailback::legacy);
    INFO("auto_failback " << name_of(mode));
    Chain chain(mode, Peer::v306);
    // 3.0.6 keeps what it took for 2 s after it hears us again, then gives everything up
    // (its groups released one resource at a time) and restarts: that overlap is its own.
    chain.set_grace(Milliseconds(2000) + 4 * sim::op_time + keepalive);
    chain.cluster().start_all();
    chain.run_for(Milliseconds(15000));
    chain.cluster().set_partition(n1, n2, true);
    chain.run_for(deadtime + Milliseconds(3000));
    CHECK(chain.owners(group_a()) == 2);  // split brain, as in any partition
    chain.cluster().set_partition(n1, n2, false);
    chain.run_for(Milliseconds(30000));
    const bool back = mode != config::AutoFailback::off;
    CHECK(chain.owners(group_a()) == 1);
    CHECK(chain.owners(group_b()) == 1);
    CHECK(chain.holds(n1, group_a()));
    CHECK(chain.holds(back ? n2 : n1, group_b()));
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE(
    "chain, 3.0.6 peer in legacy mode: it restarts inside our takeover and takes its group unasked",
    "[sim][chain][v306]")
{
    // system.failover_mixed_legacy's race: lvs-02 (3.0.6) dies, we declare it dead and
    // start taking web-b over, and it is back meanwhile, taking web-b without asking
    // (HA_DONTASK). We give web-b back at once.
    const int offset_ms = GENERATE(-400, 0, 100, 200, 300, 400, 600, 1000);
    INFO("lvs-02 back " << offset_ms << " ms after the dead time ran out");
    Chain chain(config::AutoFailback::legacy, Peer::v306, sim::LegacyAsk::never);
    chain.cluster().start_all();
    chain.run_for(Milliseconds(6000));
    REQUIRE(chain.holds(n2, group_b()));
    reboot(chain, n2);
    chain.run_for(deadtime + Milliseconds(offset_ms));
    chain.cluster().start(n2);
    chain.run_for(Milliseconds(10000));
    CHECK(chain.owners(group_a()) == 1);
    CHECK(chain.owners(group_b()) == 1);
    CHECK(chain.holds(n1, group_a()));
    CHECK(chain.holds(n2, group_b()));
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

namespace {

/// lvs-NN's settings after a reload to `haresources`.
resources::ControllerSettings reloaded(const std::string& self, config::AutoFailback mode,
                                       const std::string& haresources)
{
    auto parsed = config::parse_haresources(haresources, "haresources");
    REQUIRE(parsed.ok());
    auto s = settings_for(self, mode);
    s.manager.groups = parsed.groups;
    return s;
}

const std::string kept_a = "lvs-01 IPaddr::10.0.0.100 web-a\n";

}  // namespace

TEST_CASE(
    "chain: a reload starts new groups where they belong, stops removed ones, and "
    "never touches the others",
    "[sim][chain][reload]")
{
    const auto mode = GENERATE(config::AutoFailback::on, config::AutoFailback::off);
    INFO("auto_failback " << name_of(mode));
    Chain chain(mode);
    settle_pair(chain);
    REQUIRE(chain.holds(n1, group_a()));
    const std::string next = kept_a +
                             "lvs-01 IPaddr::10.0.0.150 web-c\n"
                             "lvs-02 IPaddr::10.0.0.250 web-d\n";
    chain.cluster().reload(n1, reloaded(n1, mode, next));
    chain.cluster().reload(n2, reloaded(n2, mode, next));
    chain.run_for(Milliseconds(3000));
    CHECK(chain.holds(n1, *reloaded(n1, mode, next).manager.groups.begin()));
    CHECK(chain.cluster().host(n1).running.count("web-c") == 1);
    CHECK(chain.cluster().host(n2).running.count("web-d") == 1);
    CHECK(chain.cluster().host(n1).running.count("web-d") == 0);
    CHECK(chain.owners(group_b()) == 0);  // removed: stopped on lvs-02
    // web-a was started once, at the joint start, and never again.
    CHECK(chain.cluster().host(n1).starts["web-a"] == 1);
    CHECK(chain.rscstatus(n1) == "local");
    CHECK(chain.rscstatus(n2) == "local");

    SECTION("after a takeover, the new groups of the dead node's side start on the survivor")
    {
        chain.cluster().kill(n2);
        chain.run_for(Milliseconds(4000));
        REQUIRE(chain.holds(n1, group_a()));
        REQUIRE(chain.cluster().host(n1).running.count("web-d") == 1);
        const std::string more = next + "lvs-02 IPaddr::10.0.0.251 web-e\n";
        chain.cluster().reload(n1, reloaded(n1, mode, more));
        chain.run_for(Milliseconds(2000));
        CHECK(chain.cluster().host(n1).running.count("web-e") == 1);
    }
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE("chain: a reload restarts a changed group, and moves one given to the peer",
          "[sim][chain][reload]")
{
    Chain chain(config::AutoFailback::on);
    settle_pair(chain);
    // web-a's group gains web-c; web-b's group now belongs to lvs-01.
    const std::string next =
        "lvs-01 IPaddr::10.0.0.100 web-a web-c\nlvs-01 IPaddr::10.0.0.200 web-b\n";
    // The node that gives a group up reloads first, so it is never held twice.
    chain.cluster().reload(n2, reloaded(n2, config::AutoFailback::on, next));
    chain.run_for(Milliseconds(2000));
    CHECK(chain.owners(group_b()) == 0);
    chain.cluster().reload(n1, reloaded(n1, config::AutoFailback::on, next));
    chain.run_for(Milliseconds(3000));
    CHECK(chain.cluster().host(n1).running.count("web-c") == 1);
    CHECK(chain.cluster().host(n1).starts["web-a"] == 2);  // stopped, then started again
    CHECK(chain.holds(n1, group_b()));
    CHECK_FALSE(chain.holds(n2, group_b()));
    CHECK(chain.rscstatus(n1) == "local");
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE("chain: a reload during a standby waits for its end, then follows what is held",
          "[sim][chain][reload]")
{
    Chain chain(config::AutoFailback::off);
    settle_pair(chain);
    const std::string next =
        kept_a + "lvs-02 IPaddr::10.0.0.200 web-b\nlvs-01 IPaddr::10.0.0.150 web-c\n";
    chain.cluster().request_standby(n1, resources::HoldSet::all);
    REQUIRE(chain.rscstatus(n1) == "transition");
    chain.cluster().reload(n1, reloaded(n1, config::AutoFailback::off, next));
    chain.run_for(Milliseconds(5000));
    // lvs-01 gave everything up; web-c's side is lvs-02's now, which has not reloaded.
    CHECK(chain.holds(n2, group_a()));
    CHECK(chain.holds(n2, group_b()));
    CHECK(chain.cluster().host(n1).running.empty());
    CHECK(chain.cluster().host(n1).starts.count("web-c") == 0);  // not started, then stopped
    CHECK(chain.rscstatus(n1) == "none");
    chain.cluster().reload(n2, reloaded(n2, config::AutoFailback::off, next));
    chain.run_for(Milliseconds(2000));
    CHECK(chain.cluster().host(n2).running.count("web-c") == 1);
    CHECK(chain.cluster().host(n1).running.empty());
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE("chain: a removed group whose stop fails stays stuck and holds the shutdown back",
          "[sim][chain][reload]")
{
    Chain chain(config::AutoFailback::on);
    settle_pair(chain);
    chain.cluster().host(n2).add_fault("web-b", sim::ScriptAction::stop, Fault::fails);
    chain.cluster().reload(n2, reloaded(n2, config::AutoFailback::on, kept_a));
    chain.run_for(Milliseconds(6000));
    CHECK(chain.holds(n2, group_b()));
    chain.cluster().stop(n2);
    chain.run_for(Milliseconds(5000));
    CHECK(chain.cluster().is_running(n2));  // blocked: web-b still runs there
    chain.cluster().host(n2).faults.clear();
    chain.run_for(Milliseconds(15000));
    CHECK_FALSE(chain.cluster().is_running(n2));
    // lvs-01 has not reloaded: it takes web-b over, once lvs-02 has really stopped it.
    CHECK_FALSE(chain.holds(n2, group_b()));
    CHECK(chain.holds(n1, group_b()));
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

namespace {

/// `stonith_host NODE external/test lvs-01 lvs-02` for lvs-NN (the plugin's one parameter,
/// hostlist, takes the rest of the line).
resources::ControllerSettings fenced(const std::string& self, config::AutoFailback mode)
{
    auto s = settings_for(self, mode);
    s.stonith = config::StonithHost{self, "external/test", "lvs-01 lvs-02", {}};
    s.manager.fencing = resources::Fencing::stonith;
    return s;
}

/// The pair with lvs-01 fencing (lvs-02 has no device).
class FencedChain : public Chain {
public:
    FencedChain() : Chain(config::AutoFailback::on)
    {
        cluster().set_resources([](const std::string& name) -> std::unique_ptr<sim::NodeResources> {
            return std::make_unique<sim::OurResources>(
                name == n1 ? fenced(name, config::AutoFailback::on)
                           : settings_for(name, config::AutoFailback::on));
        });
    }
    int resets_asked() const
    {
        int n = 0;
        for (const auto& c : const_cast<FencedChain*>(this)->cluster().host(n1).stonith_calls) {
            n += c.rfind("reset ", 0) == 0 ? 1 : 0;
        }
        return n;
    }
};

}  // namespace

TEST_CASE("chain, stonith: a partitioned peer is reset before its groups start here",
          "[sim][chain][stonith]")
{
    FencedChain chain;
    settle_pair(chain);
    REQUIRE(chain.holds(n2, group_b()));
    chain.cluster().set_partition(n1, n2, true);
    chain.run_for(Milliseconds(6000));
    // cluster-glue's order: the names, the hosts, then the reset with hostlist set.
    const auto& calls = chain.cluster().host(n1).stonith_calls;
    REQUIRE(calls.size() >= 4);  // the status check at start: getconfignames, status
    CHECK(calls[0] == "getconfignames");
    CHECK(calls[1] == "status hostlist=lvs-01 lvs-02");
    CHECK(calls[2] == "getconfignames");
    CHECK(calls[3] == "gethosts hostlist=lvs-01 lvs-02");
    REQUIRE(calls.size() == 5);
    CHECK(calls[4] == "reset lvs-02 hostlist=lvs-01 lvs-02");
    CHECK(chain.cluster().resets(n2) == 1);
    CHECK_FALSE(chain.cluster().is_running(n2));
    CHECK(chain.holds(n1, group_b()));
    CHECK(chain.owners(group_b()) == 1);
    CHECK(chain.cluster().host(n1).starts["web-b"] == 1);
}

TEST_CASE("chain, stonith: while the reset fails nothing is taken over; retried every 5 s",
          "[sim][chain][stonith]")
{
    FencedChain chain;
    settle_pair(chain);
    chain.cluster().host(n1).add_fault("external/test", sim::ScriptAction::status, Fault::fails);
    chain.cluster().kill(n2);  // its machine still runs web-b
    chain.run_for(Milliseconds(14000));
    CHECK_FALSE(chain.holds(n1, group_b()));
    CHECK(chain.resets_asked() == 0);  // gethosts fails first: the device is not usable
    CHECK(chain.cluster().host(n1).stonith_calls.size() >= 6);  // three tries so far
    chain.cluster().host(n1).faults.clear();
    chain.run_for(Milliseconds(6000));
    CHECK(chain.resets_asked() == 1);
    CHECK(chain.cluster().host(n2).running.empty());
    CHECK(chain.holds(n1, group_b()));
    CHECK(chain.rscstatus(n1) == "all");
}

TEST_CASE("chain, stonith: a device that cannot reset the peer, and a peer that gave up",
          "[sim][chain][stonith]")
{
    FencedChain chain;
    settle_pair(chain);
    SECTION("the device lists only lvs-01: never reset, never taken over")
    {
        chain.cluster().host(n1).stonith_hosts = "lvs-01";
        chain.cluster().kill(n2);
        chain.run_for(Milliseconds(12000));
        CHECK(chain.resets_asked() == 0);
        CHECK_FALSE(chain.holds(n1, group_b()));
    }
    SECTION("a graceful stop hands its groups over: no reset")
    {
        chain.cluster().stop(n2);
        chain.run_for(Milliseconds(6000));
        CHECK(chain.resets_asked() == 0);
        CHECK(chain.holds(n1, group_b()));
    }
    SECTION("a peer that held nothing when it died is not reset")
    {
        chain.cluster().request_standby(n2, resources::HoldSet::all);
        chain.run_for(Milliseconds(4000));
        REQUIRE(chain.holds(n1, group_b()));
        chain.cluster().kill(n2);
        chain.run_for(Milliseconds(6000));
        CHECK(chain.resets_asked() == 0);
        CHECK(chain.holds(n1, group_b()));
    }
}

TEST_CASE("chain: a peer that restarts inside the dead time loses what it held; its home takes it",
          "[sim][chain]")
{
    // Found by the chaos soak (seed 1001): lvs-01 went standby, lvs-02 took everything,
    // then lvs-02 crashed and was back before lvs-01 declared it dead. The new lvs-02 holds
    // nothing and takes no group of lvs-01's while lvs-01 is up; lvs-01 must take its own.
    const auto mode = GENERATE(config::AutoFailback::on, config::AutoFailback::off);
    const bool crash = GENERATE(true, false);  // the VIP gone with the machine, or left (kill -9)
    INFO("auto_failback " << name_of(mode) << (crash ? ", crash" : ", kill -9"));
    Chain chain(mode);
    settle_pair(chain);
    chain.cluster().request_standby(n1, resources::HoldSet::all);
    chain.run_for(Milliseconds(4000));
    REQUIRE(chain.holds(n2, group_a()));
    REQUIRE(chain.holds(n2, group_b()));
    chain.cluster().kill(n2);
    if (crash) {
        chain.cluster().host(n2).running.clear();
    }
    chain.run_for(Milliseconds(1000));  // back inside the dead time
    chain.cluster().start(n2);
    chain.run_for(Milliseconds(8000));
    CHECK(chain.owners(group_a()) == 1);
    CHECK(chain.holds(n1, group_a()));
    CHECK(chain.owners(group_b()) == 1);
    CHECK(chain.holds(n2, group_b()));
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE("chain, 3.0.6 peer: a 3.0.6 that was itself stalled keeps what it holds; ours yields",
          "[sim][chain][v306]")
{
    // Found by the chaos soak (seed 1002): lvs-01 went standby, 3.0.6 took everything and
    // was then stopped longer than deadtime. Ours took the groups over; 3.0.6, resumed,
    // declared us dead and heard us in the same instant, and kept them: no restart, no
    // shutdone. Ours waited for one for ever, both holding. It now lets go of its copies.
    const auto mode = GENERATE(config::AutoFailback::on, config::AutoFailback::off);
    INFO("auto_failback " << name_of(mode));
    Chain chain(mode, Peer::v306);
    chain.set_grace(Milliseconds(3000) + 4 * sim::op_time + keepalive);
    chain.cluster().start_all();
    chain.run_for(Milliseconds(15000));
    chain.cluster().request_standby(n1, resources::HoldSet::all);
    chain.run_for(Milliseconds(5000));
    REQUIRE(chain.holds(n2, group_a()));
    REQUIRE(chain.holds(n2, group_b()));
    chain.cluster().pause(n2);
    chain.run_for(deadtime + Milliseconds(2000));
    CHECK(chain.holds(n1, group_a()));  // taken over while 3.0.6 could not answer
    chain.cluster().resume(n2);
    chain.run_for(Milliseconds(10000));
    CHECK(chain.owners(group_a()) == 1);
    CHECK(chain.owners(group_b()) == 1);
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}

TEST_CASE(
    "chain, 3.0.6 peer: stalls that cut the wait for its restart short still end in one owner",
    "[sim][chain][v306]")
{
    // Found by the chaos soak (seed 1002, +2693 s): 3.0.6 was stopped longer than deadtime
    // again and again. Each time ours declared it dead and heard it back; 3.0.6, the stalled
    // side, declared us dead and heard us in the same instant, kept everything and, holding
    // all already after the first time, announced nothing more. The next stall came before
    // ours' 3 s wait for its restart ran out. Ours forgot at each death what 3.0.6 had said
    // it held, so after the last heal it found nothing both ran and waited for ever.
    const auto mode = GENERATE(config::AutoFailback::on, config::AutoFailback::off);
    const int stalls = GENERATE(2, 3);
    INFO("auto_failback " << name_of(mode) << ", " << stalls << " stalls");
    Chain chain(mode, Peer::v306);
    chain.set_grace(Milliseconds(3000) + 4 * sim::op_time + keepalive);
    chain.cluster().start_all();
    chain.run_for(Milliseconds(15000));
    REQUIRE(chain.holds(n1, group_a()));
    REQUIRE(chain.holds(n2, group_b()));
    for (int i = 0; i < stalls; ++i) {
        chain.cluster().pause(n2);
        chain.run_for(deadtime + Milliseconds(2000));
        CHECK(chain.holds(n1, group_b()));  // taken over (or kept) while 3.0.6 was stopped
        chain.cluster().resume(n2);
        chain.run_for(Milliseconds(1000));  // shorter than ours' wait for its restart
    }
    REQUIRE(chain.holds(n2, group_a()));  // 3.0.6 took ours at its own dead verdict
    chain.run_for(Milliseconds(10000));
    CHECK(chain.owners(group_a()) == 1);
    CHECK(chain.owners(group_b()) == 1);
    INFO(chain.violation());
    CHECK(chain.violation().empty());
}
