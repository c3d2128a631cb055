// SPDX-License-Identifier: GPL-2.0-or-later
// Two resource managers on simulated time, joined by a message channel and running their
// group operations on a fake runner that takes 200 ms per operation. Scenarios: joint start,
// death and return, graceful shutdown, standby, partition heal, and the whole matrix of
// auto_failback mode × start/restart order × partition (none, seen by both, seen by one).
// Invariant throughout: once both sides hear each other, no group is running on both nodes
// (except for at most one keepalive right after a partition heals).
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <optional>

#include "config/haresources.hpp"
#include "resources/resource_manager.hpp"

using namespace hb;
using resources::HoldSet;
using resources::Milliseconds;
using resources::ResourceManager;
using resources::TimePoint;

namespace {

const std::vector<std::string> names = {"lvs-01", "lvs-02"};
constexpr Milliseconds op_time{200};
constexpr Milliseconds link_delay{1};

std::vector<config::ResourceGroup> groups()
{
    auto parsed = config::parse_haresources("lvs-01 web-a 10.0.0.100\nlvs-02 web-b 10.0.0.200\n",
                                            "haresources");
    REQUIRE(parsed.ok());
    return parsed.groups;
}

/// Completes every operation the manager hands out at `now`, as a runner that always
/// succeeds would; returns them in order.
std::vector<resources::GroupRequest> complete_all(ResourceManager& rm, TimePoint now)
{
    std::vector<resources::GroupRequest> done;
    while (auto r = rm.next_request()) {
        rm.group_done(now, r->key, resources::GroupOpState::succeeded);
        done.push_back(*r);
    }
    return done;
}

/// lvs-01's settings, with lvs-02 as its peer.
resources::RscSettings lvs01_settings(config::AutoFailback mode)
{
    resources::RscSettings s;
    s.self = "lvs-01";
    s.peer = "lvs-02";
    s.groups = groups();
    s.auto_failback = mode;
    return s;
}

/// Alone at first, `rm` takes everything; then its peer, heard once, goes silent and is
/// declared dead, and 4 s later (`now` moves on) it is heard again: a healed partition.
void hold_all_then_heal(ResourceManager& rm, TimePoint& now)
{
    rm.comm_up(now, resources::Presence::gone);
    complete_all(rm, now);
    REQUIRE(rm.rscstatus() == "all");
    rm.peer_dead();  // we already hold everything
    complete_all(rm, now);
    now += Milliseconds(4000);
    rm.partition_healed(now);
}

class ResourceSim {
public:
    explicit ResourceSim(config::AutoFailback mode) : mode_(mode) {}

    TimePoint now() const { return now_; }

    void start(const std::string& n)
    {
        resources::RscSettings s;
        s.self = n;
        s.peer = n == names[0] ? names[1] : names[0];
        s.groups = groups();
        s.auto_failback = mode_;
        nodes_[n] = Node{std::make_unique<ResourceManager>(s), {}, {}, true};
        // Scripts survive a daemon restart only in real life; a fresh start here owns nothing.
    }
    /// Both hear each other now (membership comm up on both).
    void comm_up(const std::string& n, bool peer_alive)
    {
        rm(n).comm_up(now_, peer_alive ? resources::Presence::alive : resources::Presence::gone);
    }
    void kill(const std::string& n)
    {
        // kill -9: the daemon is gone; what it started keeps running.
        nodes_[n].alive = false;
        nodes_[n].op.reset();
    }
    void set_partition(bool p) { cut_[names[0]] = cut_[names[1]] = p; }
    /// Drops what `from` sends (an asymmetric partition: the peer no longer hears it).
    void cut_from(const std::string& from, bool cut) { cut_[from] = cut; }
    ResourceManager& rm(const std::string& n) { return *nodes_.at(n).manager; }
    bool running(const std::string& n, const std::string& key) { return nodes_[n].actual[key]; }
    /// Nodes whose scripts have this group running.
    int owners(const std::string& key)
    {
        int c = 0;
        for (const auto& n : names) {
            c += nodes_[n].actual[key] ? 1 : 0;
        }
        return c;
    }

    /// Runs for `d`; `check` true asserts the single-owner invariant at every step.
    void run_for(Milliseconds d, bool check = true, Milliseconds grace = Milliseconds(0))
    {
        const TimePoint end = now_ + d;
        const TimePoint grace_until = now_ + grace;
        while (now_ < end) {
            now_ += Milliseconds(1);
            step();
            if (check && now_ > grace_until && !cut_[names[0]] && !cut_[names[1]] && both_alive()) {
                for (const auto& g : groups()) {
                    INFO("group "
                         << g.key() << " at +"
                         << std::chrono::duration_cast<Milliseconds>(now_ - TimePoint{}).count()
                         << " ms");
                    REQUIRE(owners(g.key()) <= 1);
                }
            }
        }
    }

private:
    struct Node {
        std::unique_ptr<ResourceManager> manager;
        std::map<std::string, bool> actual;  ///< what the fake scripts have running
        std::optional<std::pair<resources::GroupRequest, TimePoint>> op;
        bool alive = true;
    };
    struct InFlight {
        TimePoint at;
        std::string from;
        std::string to;
        wire::Message message;
    };

    bool both_alive() { return nodes_[names[0]].alive && nodes_[names[1]].alive; }

    void step()
    {
        // Deliver.
        std::vector<InFlight> later;
        for (auto& f : flight_) {
            if (f.at > now_) {
                later.push_back(std::move(f));
                continue;
            }
            Node& to = nodes_[f.to];
            if (to.alive && to.manager) {
                to.manager->receive(now_, f.from, f.message);
            }
        }
        flight_ = std::move(later);
        for (const auto& n : names) {
            Node& node = nodes_[n];
            if (!node.alive || !node.manager) {
                continue;
            }
            if (const auto dl = node.manager->next_deadline(); dl && *dl <= now_) {
                node.manager->tick(now_);
            }
            if (node.op && node.op->second <= now_) {
                const auto req = node.op->first;
                node.actual[req.key] = req.kind == resources::GroupOpKind::acquire;
                node.op.reset();
                node.manager->group_done(now_, req.key, resources::GroupOpState::succeeded);
            }
            if (!node.op) {
                if (auto req = node.manager->next_request()) {
                    node.op = std::make_pair(*req, now_ + op_time);
                    if (req->kind == resources::GroupOpKind::release) {
                        // A stop takes effect when it starts.
                        node.actual[req->key] = false;
                    }
                }
            }
            for (auto& m : node.manager->take_messages()) {
                const std::string peer = n == names[0] ? names[1] : names[0];
                if (!cut_[n]) {
                    flight_.push_back(InFlight{now_ + link_delay, n, peer, std::move(m)});
                }
            }
        }
    }

    config::AutoFailback mode_;
    TimePoint now_{};
    std::map<std::string, Node> nodes_;
    std::vector<InFlight> flight_;
    std::map<std::string, bool> cut_;
};

/// Both nodes up and hearing each other, settled.
void start_pair(ResourceSim& sim)
{
    sim.start("lvs-01");
    sim.start("lvs-02");
    sim.comm_up("lvs-01", true);
    sim.comm_up("lvs-02", true);
    sim.run_for(Milliseconds(2000));
}

const std::string group_a = "web-a";  // preferred by lvs-01
const std::string group_b = "web-b";  // preferred by lvs-02

}  // namespace

TEST_CASE("joint start: each node takes its own groups at once, no 10 s wait between ours",
          "[sim][resources]")
{
    ResourceSim sim(config::AutoFailback::on);
    sim.start("lvs-01");
    sim.start("lvs-02");
    sim.comm_up("lvs-01", true);
    sim.comm_up("lvs-02", true);
    sim.run_for(Milliseconds(1000));
    CHECK(sim.running("lvs-01", group_a));
    CHECK(sim.running("lvs-02", group_b));
    CHECK(sim.owners(group_a) == 1);
    CHECK(sim.owners(group_b) == 1);
    CHECK(sim.rm("lvs-01").rscstatus() == "local");
    CHECK(sim.rm("lvs-02").rscstatus() == "local");
    CHECK(sim.rm("lvs-01").peer_is_ours());
}

TEST_CASE("a node alone takes every group", "[sim][resources]")
{
    ResourceSim sim(config::AutoFailback::on);
    sim.start("lvs-01");
    sim.comm_up("lvs-01", false);
    sim.run_for(Milliseconds(2000), false);
    CHECK(sim.running("lvs-01", group_a));
    CHECK(sim.running("lvs-01", group_b));
    CHECK(sim.rm("lvs-01").rscstatus() == "all");
}

TEST_CASE("death, takeover and return, for auto_failback on and off", "[sim][resources]")
{
    const bool on = GENERATE(true, false);
    INFO("auto_failback " << (on ? "on" : "off"));
    ResourceSim sim(on ? config::AutoFailback::on : config::AutoFailback::off);
    start_pair(sim);

    sim.kill("lvs-01");
    sim.rm("lvs-02").peer_dead();
    sim.run_for(Milliseconds(1000), false);
    CHECK(sim.running("lvs-02", group_a));
    CHECK(sim.rm("lvs-02").rscstatus() == "all");

    // lvs-01 comes back: a fresh daemon, its old scripts' VIP removed by the operator.
    sim.start("lvs-01");
    sim.comm_up("lvs-01", true);
    sim.run_for(Milliseconds(5000));
    if (on) {
        CHECK(sim.running("lvs-01", group_a));
        CHECK_FALSE(sim.running("lvs-02", group_a));
        CHECK(sim.rm("lvs-02").rscstatus() == "local");
        CHECK(sim.rm("lvs-01").rscstatus() == "local");
    } else {
        CHECK_FALSE(sim.running("lvs-01", group_a));
        CHECK(sim.running("lvs-02", group_a));
        CHECK(sim.rm("lvs-02").rscstatus() == "all");
        CHECK(sim.rm("lvs-01").rscstatus() == "none");
    }
    CHECK(sim.owners(group_a) == 1);
    CHECK(sim.owners(group_b) == 1);
}

TEST_CASE("a graceful shutdown hands the groups over without overlap", "[sim][resources]")
{
    ResourceSim sim(config::AutoFailback::on);
    start_pair(sim);
    sim.rm("lvs-01").shutdown();
    sim.run_for(Milliseconds(3000));
    CHECK(sim.rm("lvs-01").shutdown_complete());
    CHECK_FALSE(sim.running("lvs-01", group_a));
    CHECK(sim.running("lvs-02", group_a));
    CHECK(sim.running("lvs-02", group_b));
}

TEST_CASE("standby: the groups move to the peer, released before acquired", "[sim][resources]")
{
    ResourceSim sim(config::AutoFailback::off);
    start_pair(sim);
    REQUIRE(sim.rm("lvs-01").request_standby(sim.now(), HoldSet::all) ==
            resources::StandbyAnswer::accepted);
    sim.run_for(Milliseconds(3000));
    CHECK_FALSE(sim.running("lvs-01", group_a));
    CHECK(sim.running("lvs-02", group_a));
    CHECK(sim.running("lvs-02", group_b));
    CHECK(sim.rm("lvs-02").rscstatus() == "all");
    CHECK(sim.rm("lvs-01").rscstatus() == "none");
    // And back with a takeover from lvs-01's side: lvs-02 goes standby for foreign.
    REQUIRE(sim.rm("lvs-02").request_standby(sim.now(), HoldSet::foreign) ==
            resources::StandbyAnswer::accepted);
    sim.run_for(Milliseconds(3000));
    CHECK(sim.running("lvs-01", group_a));
    CHECK_FALSE(sim.running("lvs-02", group_a));
}

TEST_CASE("a healed partition ends with each group on exactly its preferred node",
          "[sim][resources]")
{
    const bool on = GENERATE(true, false);
    ResourceSim sim(on ? config::AutoFailback::on : config::AutoFailback::off);
    start_pair(sim);
    sim.set_partition(true);
    sim.rm("lvs-01").peer_dead();
    sim.rm("lvs-02").peer_dead();
    sim.run_for(Milliseconds(2000), false);
    CHECK(sim.owners(group_a) == 2);  // split brain, as in any partition
    sim.set_partition(false);
    sim.rm("lvs-01").partition_healed(sim.now());
    sim.rm("lvs-02").partition_healed(sim.now());
    // At most one keepalive (1 s here) with two owners after the heal is seen.
    sim.run_for(Milliseconds(5000), true, Milliseconds(1000));
    CHECK(sim.owners(group_a) == 1);
    CHECK(sim.owners(group_b) == 1);
    CHECK(sim.running("lvs-01", group_a));
    CHECK(sim.running("lvs-02", group_b));
}

TEST_CASE("legacy: a returning node asks for its group; the holder releases it first",
          "[sim][resources]")
{
    ResourceSim sim(config::AutoFailback::legacy);
    start_pair(sim);
    CHECK(sim.running("lvs-01", group_a));
    CHECK(sim.running("lvs-02", group_b));
    sim.kill("lvs-01");
    sim.rm("lvs-02").peer_dead();
    sim.run_for(Milliseconds(1000), false);
    CHECK(sim.running("lvs-02", group_a));
    sim.start("lvs-01");
    sim.comm_up("lvs-01", true);
    const std::vector<wire::Message> sent = sim.rm("lvs-01").take_messages();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].get("t") == std::optional<std::string_view>("ip-request"));
    CHECK(sent[0].get("ipaddr") == std::optional<std::string_view>(group_a));
    // That request is lost (taken above): asked again after 2 s, then handed over.
    sim.run_for(Milliseconds(3000));
    CHECK(sim.running("lvs-01", group_a));
    CHECK_FALSE(sim.running("lvs-02", group_a));
    CHECK(sim.running("lvs-02", group_b));
}

TEST_CASE("hb_takeover: the peer goes standby for what the sender asks", "[sim][resources]")
{
    ResourceSim sim(config::AutoFailback::off);
    start_pair(sim);
    auto takeover = [](const char* what) {
        wire::Message m;
        m.add("t", "hb_takeover");
        m.add("rsc_hold", what);
        return m;
    };
    // lvs-01 runs `hb_takeover all`: its message reaches lvs-02, which goes standby [all].
    sim.rm("lvs-02").receive(sim.now(), "lvs-01", takeover("all"));
    sim.run_for(Milliseconds(3000));
    CHECK(sim.running("lvs-01", group_a));
    CHECK(sim.running("lvs-01", group_b));
    CHECK(sim.owners(group_b) == 1);
    // lvs-02 runs `hb_takeover failback`: its own groups only (3.0.6 would take all).
    sim.rm("lvs-01").receive(sim.now(), "lvs-02", takeover("failback"));
    sim.run_for(Milliseconds(3000));
    CHECK(sim.running("lvs-01", group_a));
    CHECK(sim.running("lvs-02", group_b));
    CHECK(sim.owners(group_a) == 1);
    CHECK(sim.owners(group_b) == 1);
    // Anything else is ignored.
    sim.rm("lvs-01").receive(sim.now(), "lvs-02", takeover("everything"));
    sim.run_for(Milliseconds(2000));
    CHECK(sim.running("lvs-01", group_a));
}

TEST_CASE("a 3.0.6 peer that took over what we hold after a heal, and keeps it: ours yields",
          "[sim][resources]")
{
    // The chaos soak (seed 1002): ours held everything; 3.0.6, stalled past deadtime,
    // declared us dead and took everything over on waking (its mach_down message), in the
    // same instant as it heard us again: no restart, no shutdone. 3 s after the heal, ours
    // releases the groups it claims, so that one owner remains.
    ResourceManager rm(lvs01_settings(config::AutoFailback::off));
    TimePoint now{};
    hold_all_then_heal(rm, now);
    wire::Message mach_down;
    mach_down.add("t", "resource");
    mach_down.add("rsc_hold", "foreign");
    mach_down.add("info", "mach_down");
    rm.receive(now, "lvs-02", mach_down);
    now += Milliseconds(2900);
    rm.tick(now);
    CHECK(complete_all(rm, now).empty());  // still waiting for its heal
    now += Milliseconds(200);
    rm.tick(now);
    const auto released = complete_all(rm, now);
    REQUIRE(released.size() == 1);
    CHECK(released[0].kind == resources::GroupOpKind::release);
    CHECK(released[0].key == groups()[0].key());  // ours (its "foreign"), not its own
}

TEST_CASE("a 3.0.6 peer that claims our groups while we hear it, and keeps them: ours yields",
          "[sim][resources]")
{
    // The chaos soak (seed 1002, +800 s): under packet loss 3.0.6 alone declared us dead
    // (a late heartbeat, 2.5 s with deadtime 2 s) and heard us in the same instant: it took
    // our group over (mach_down) and, having seen no partition heal, neither restarted nor
    // let go. Ours, which never lost it, waited for a release: two holders until the next
    // fault. 3 s after the claim, ours now releases what both run; a claim that ends in time
    // changes nothing.
    const auto mode = GENERATE(config::AutoFailback::on, config::AutoFailback::off);
    INFO("auto_failback " << (mode == config::AutoFailback::on ? "on" : "off"));
    const bool released_in_time = GENERATE(false, true);
    INFO("3.0.6 releases within 3 s: " << released_in_time);
    ResourceManager rm(lvs01_settings(mode));
    TimePoint now{};
    const auto resource = [](std::string_view hold, std::string_view info) {
        wire::Message m;
        m.add("t", "resource");
        m.add("rsc_hold", std::string(hold));
        m.add("info", std::string(info));
        m.add("isstable", "1");
        return m;
    };
    rm.comm_up(now, resources::Presence::alive);
    rm.receive(now, "lvs-02", resource("local", "me"));
    complete_all(rm, now);
    REQUIRE(rm.rscstatus() == "local");
    now += Milliseconds(60000);
    rm.tick(now);
    complete_all(rm, now);
    rm.receive(now, "lvs-02", resource("foreign", "mach_down"));  // its foreign: our group
    now += Milliseconds(2000);
    rm.tick(now);
    CHECK(complete_all(rm, now).empty());  // it may still let go
    if (released_in_time) {
        wire::Message full = resource("local", "me");
        full.add("rtype", "full");
        rm.receive(now, "lvs-02", full);
        complete_all(rm, now);  // ours announced again from here
    }
    now += Milliseconds(1100);
    rm.tick(now);
    const auto after = complete_all(rm, now);
    if (released_in_time) {
        CHECK(after.empty());
        CHECK(rm.rscstatus() == "local");
    } else {
        REQUIRE(after.size() == 1);
        CHECK(after[0].kind == resources::GroupOpKind::release);
        CHECK(after[0].key == groups()[0].key());  // ours, claimed by both
        CHECK(rm.rscstatus() == "none");
    }
}

TEST_CASE("no standby exchange begins while a 3.0.6 peer is to restart after a heal",
          "[sim][resources]")
{
    // The chaos soak (seed 1002, +3064 s): hb_standby ran on ours a moment after a heal with
    // 3.0.6. 3.0.6 put its restart off for the exchange; ours then lost it for a moment,
    // cancelled its side, and 3.0.6 waited (up to an hour) for our `done` while it held the
    // group it had taken: two owners for 124 s. The request is refused during the wait, as
    // 3.0.6 refuses one while either side is in flux; afterwards it is taken.
    ResourceManager rm(lvs01_settings(config::AutoFailback::on));
    TimePoint now{};
    hold_all_then_heal(rm, now);
    now += Milliseconds(1000);
    CHECK(rm.request_standby(now, resources::HoldSet::all) == resources::StandbyAnswer::refused);
    now += Milliseconds(2100);  // the wait is over (3.0.6 kept nothing of ours: no yield)
    rm.tick(now);
    complete_all(rm, now);
    CHECK(rm.request_standby(now, resources::HoldSet::all) == resources::StandbyAnswer::accepted);
}
