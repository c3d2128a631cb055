// SPDX-License-Identifier: GPL-2.0-or-later
// What runs above membership on a simulated node, and the machine under it:
// - FakeHost: a node's resources as the machine has them. It outlives the daemon, so a
//   kill -9 leaves a VIP behind. Its scripts can be made to fail or hang.
// - FakeRunner: runs the script calls of every node on simulated time (status 20 ms,
//   start and stop 200 ms; a stop takes effect as it begins, a start as it ends; a hung
//   script is killed at its timeout). A result only reaches the daemon run that asked.
// - OurResources: our ResourceController, unchanged.
// - Peer306: heartbeat 3.0.6's v1 resource manager, scripted from what was read in its
//   sources and seen in the captures (doc/notes/resources-3.0.6.md): messages without our
//   `impl` field, RQSTDELAY from the first `resource`, `mach_down` after a death, the
//   standby protocol for failback, HA_DONTASK take-over in legacy mode, and the restart
//   after a healed partition (give everything up, `shutdone`, run again later).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "membership/membership.hpp"
#include "resources/group_operation.hpp"
#include "resources/resource_controller.hpp"
#include "resources/resource_manager.hpp"

namespace hb::sim {

using membership::Milliseconds;
using membership::TimePoint;
using resources::GroupOpKind;
using resources::GroupOpState;
using resources::HoldSet;
using resources::ScriptAction;
using resources::ScriptOutcome;
using resources::ScriptResult;
using resources::ScriptRun;

/// What a script does instead of its job.
enum class Fault { fails, hangs };

/// One node's machine: what runs there, and how its scripts misbehave.
struct FakeHost {
    std::set<std::string> running;      ///< resource texts (`IPaddr::10.0.0.100`)
    std::map<std::string, int> starts;  ///< resource text → how many times it was started
    /// The STONITH plugin here: the hosts its `gethosts` lists, and every call made to it
    /// (`reset lvs-02 hostlist=…`); its faults are keyed (plugin, status).
    std::string stonith_hosts = "lvs-01 lvs-02";
    std::vector<std::string> stonith_calls;
    /// (resource text, action) → the fault and how many more calls it hits (-1: all).
    std::map<std::pair<std::string, ScriptAction>, std::pair<Fault, int>> faults;

    void add_fault(const std::string& resource, ScriptAction action, Fault fault, int times = -1)
    {
        faults[{resource, action}] = {fault, times};
    }
    /// The fault for this call, counting it down.
    std::optional<Fault> fault_for(const std::string& resource, ScriptAction action)
    {
        const auto it = faults.find({resource, action});
        if (it == faults.end() || it->second.second == 0) {
            return std::nullopt;
        }
        if (it->second.second > 0) {
            --it->second.second;
        }
        return it->second.first;
    }
};

constexpr Milliseconds status_time{20};
constexpr Milliseconds op_time{200};

/// Every node's script calls on simulated time.
class FakeRunner {
public:
    /// Starts `run` for daemon run `daemon` (a node's generation) on `host`.
    void start(TimePoint now, const std::string& node, std::uint64_t daemon, FakeHost& host,
               const ScriptRun& run)
    {
        Pending p;
        p.node = node;
        p.daemon = daemon;
        p.id = run.id;
        p.host = &host;
        p.resource = run.resource.text;
        const auto fault = host.fault_for(p.resource, run.action);
        p.result.outcome = ScriptOutcome::exited;
        p.result.exit_code = 0;
        if (run.reason == resources::RunReason::stonith) {
            stonith(now, host, run, fault, p);
            return;
        }
        switch (run.action) {
        case ScriptAction::status:
            p.done_at = now + status_time;
            p.result.output = host.running.count(p.resource) ? "running" : "stopped";
            break;
        case ScriptAction::start:
            p.done_at = now + op_time;
            p.starts = !fault;
            break;
        case ScriptAction::stop:
            p.done_at = now + op_time;
            if (!fault) {
                host.running.erase(p.resource);
            }
            break;
        }
        if (fault == Fault::fails) {
            p.result.exit_code = 1;
        } else if (fault == Fault::hangs) {
            p.done_at = now + run.timeout;
            p.result.outcome = ScriptOutcome::timed_out;
            p.result.exit_code = -1;
        }
        pending_.push_back(std::move(p));
    }

    std::optional<TimePoint> next_deadline() const
    {
        std::optional<TimePoint> next;
        for (const auto& p : pending_) {
            if (!next || p.done_at < *next) {
                next = p.done_at;
            }
        }
        return next;
    }

    /// A finished call: which node and daemon run it was for, and what came of it.
    struct Done {
        std::string node;
        std::uint64_t daemon = 0;
        std::uint64_t id = 0;
        ScriptResult result;
        std::string reset;  ///< a STONITH reset that worked: this node's machine rebooted
    };
    /// Calls finished by `now`, in order; their effects are on the hosts.
    std::vector<Done> take_done(TimePoint now)
    {
        std::vector<Done> out;
        for (auto it = pending_.begin(); it != pending_.end();) {
            if (it->done_at > now) {
                ++it;
                continue;
            }
            if (it->starts) {
                it->host->running.insert(it->resource);
                ++it->host->starts[it->resource];
            }
            out.push_back(Done{it->node, it->daemon, it->id, it->result, it->resets});
            it = pending_.erase(it);
        }
        return out;
    }

private:
    struct Pending {
        std::string node;
        std::uint64_t daemon = 0;
        std::uint64_t id = 0;
        FakeHost* host = nullptr;
        std::string resource;
        TimePoint done_at;
        bool starts = false;  ///< a start that works: the resource runs when it ends
        std::string resets;   ///< a reset that works: that node when it ends
        ScriptResult result;
    };

    /// The plugin as cluster-glue's external/* scripts behave: one parameter, `hostlist`.
    void stonith(TimePoint now, FakeHost& host, const ScriptRun& run, std::optional<Fault> fault,
                 Pending& p)
    {
        std::string call;
        for (const auto& a : run.argv) {
            call += (call.empty() ? "" : " ") + a;
        }
        for (const auto& e : run.env) {
            call += " " + e;
        }
        host.stonith_calls.push_back(call);
        const std::string& op = run.argv.at(0);
        p.done_at = now + (op == "reset" ? op_time : status_time);
        if (op == "getconfignames") {
            p.result.output = "hostlist\n";
        } else if (op == "gethosts") {
            p.result.output = host.stonith_hosts + "\n";
        } else if (op == "reset" && !fault) {
            p.resets = run.argv.at(1);
        }
        if (fault && op != "getconfignames") {
            p.result.exit_code = 1;
        }
        pending_.push_back(std::move(p));
    }

    std::deque<Pending> pending_;
};

/// The resource side of a simulated node.
class NodeResources {
public:
    virtual ~NodeResources() = default;
    virtual void start(TimePoint now) = 0;
    virtual void on_event(TimePoint now, const membership::Event& event,
                          const membership::Membership& membership) = 0;
    virtual void on_result(TimePoint now, std::uint64_t id, const ScriptResult& result) = 0;
    virtual void tick(TimePoint now) = 0;
    virtual std::optional<TimePoint> next_deadline() const = 0;
    virtual std::vector<ScriptRun> take_runs(TimePoint now) = 0;
    virtual std::vector<wire::Message> take_messages() = 0;
    virtual void request_standby(TimePoint now, HoldSet set) = 0;
    virtual void shutdown(TimePoint now) = 0;
    virtual bool shutdown_complete() const = 0;
    virtual std::string rscstatus() const = 0;
    /// A reload (SIGHUP) with new settings. heartbeat 3.0.6 re-executes itself instead, so
    /// its model has nothing to do here.
    virtual void reconfigure(TimePoint /*now*/, resources::ControllerSettings /*next*/) {}
    /// When this node wants to be run again as a new process (3.0.6 after a healed
    /// partition, once it has given everything up).
    virtual std::optional<TimePoint> restart_at() const { return std::nullopt; }
};

/// Ours: the controller as the daemon runs it.
class OurResources final : public NodeResources {
public:
    explicit OurResources(resources::ControllerSettings s) : controller_(std::move(s)) {}
    void start(TimePoint now) override { controller_.start(now); }
    void on_event(TimePoint now, const membership::Event& e,
                  const membership::Membership& m) override
    {
        controller_.on_event(now, e, m);
    }
    void on_result(TimePoint now, std::uint64_t id, const ScriptResult& r) override
    {
        controller_.on_result(now, id, r);
    }
    void tick(TimePoint now) override { controller_.tick(now); }
    std::optional<TimePoint> next_deadline() const override { return controller_.next_deadline(); }
    std::vector<ScriptRun> take_runs(TimePoint now) override { return controller_.take_runs(now); }
    std::vector<wire::Message> take_messages() override { return controller_.take_messages(); }
    void request_standby(TimePoint now, HoldSet set) override
    {
        controller_.request_standby(now, set);
    }
    void shutdown(TimePoint now) override { controller_.shutdown(now); }
    bool shutdown_complete() const override { return controller_.shutdown_complete(); }
    std::string rscstatus() const override { return controller_.rscstatus(); }
    void reconfigure(TimePoint now, resources::ControllerSettings next) override
    {
        controller_.reconfigure(now, std::move(next));
    }
    const resources::ResourceController& controller() const { return controller_; }

private:
    resources::ResourceController controller_;
};

/// Whether a 3.0.6 node in legacy mode asks for its groups at comm up: as 3.0.6 does
/// (only when it counts the peer active), or never (HA_DONTASK: what it did when it
/// restarted inside our takeover, in system.failover_mixed_legacy).
enum class LegacyAsk { when_peer_active, never };

/// heartbeat 3.0.6's v1 resource manager, as far as a peer can tell (see the file comment).
class Peer306 final : public NodeResources {
public:
    Peer306(resources::ControllerSettings s, Milliseconds deadtime, LegacyAsk ask)
        : settings_(std::move(s)),
          deadtime_(deadtime),
          ask_(ask)
    {}

    void start(TimePoint) override {}

    void on_event(TimePoint now, const membership::Event& e,
                  const membership::Membership& m) override
    {
        using membership::EventKind;
        const std::string& peer = settings_.manager.peer;
        if (e.kind == EventKind::comm_up) {
            const membership::Node* p = m.node(peer);
            comm_up(now, p != nullptr && p->status != membership::NodeStatus::dead,
                    p != nullptr && p->status == membership::NodeStatus::active);
            return;
        }
        if (state_ == State::init || e.node != peer) {
            return;
        }
        switch (e.kind) {
        case EventKind::node_status:
            if (e.to == membership::NodeStatus::dead) {
                peer_gone(now);
            }
            break;
        case EventKind::partition_healed:
            // should_drop_message: the heal is noticed, and 2 s later heartbeat restarts.
            // Unless 3.0.6 itself was stalled: it declares us dead and hears us again in the
            // same instant, logs "Both machines own our resources!" and keeps them (the
            // chaos soak, seed 1002).
            if (dead_at_ == now) {
                break;
            }
            if (!heal_restart_at_ && state_ != State::shutdown) {
                heal_restart_at_ = now + Milliseconds(2000);
            }
            break;
        case EventKind::message: receive(now, e.message); break;
        default: break;
        }
    }

    void on_result(TimePoint now, std::uint64_t id, const ScriptResult& r) override
    {
        if (!call_ || call_->id != id || !op_) {
            return;
        }
        call_.reset();
        op_->complete(now, r);
    }

    void tick(TimePoint now) override
    {
        if (state_ == State::rscrcvd && now >= local_takeover_at_) {
            become_stable();
        }
        if (heal_restart_at_ && now >= *heal_restart_at_) {
            heal_restart_at_.reset();
            give_everything_up();
            restart_due_ = true;
        }
        if (failback_retry_at_ && now >= *failback_retry_at_) {
            failback_retry_at_.reset();
            perform_auto_failback(now);
        }
    }

    std::optional<TimePoint> next_deadline() const override
    {
        std::optional<TimePoint> next;
        auto consider = [&](std::optional<TimePoint> t) {
            if (t && (!next || *t < *next)) {
                next = t;
            }
        };
        if (state_ == State::rscrcvd) {
            consider(local_takeover_at_);
        }
        consider(heal_restart_at_);
        consider(failback_retry_at_);
        // A retried stop waits for its time; once issued, its result is the runner's.
        if (call_ && !call_->issued && call_->not_before) {
            consider(call_->not_before);
        }
        return next;
    }

    std::vector<ScriptRun> take_runs(TimePoint now) override
    {
        pump(now);
        if (!call_ || call_->issued || (call_->not_before && *call_->not_before > now)) {
            return {};
        }
        call_->issued = true;
        return {call_->run};
    }

    std::vector<wire::Message> take_messages() override
    {
        pump_markers();
        std::vector<wire::Message> out;
        out.swap(out_);
        return out;
    }

    void request_standby(TimePoint, HoldSet) override {}
    void shutdown(TimePoint) override { give_everything_up(); }
    bool shutdown_complete() const override { return shutdone_sent_; }
    std::string rscstatus() const override { return "n/a"; }

    std::optional<TimePoint> restart_at() const override
    {
        // Its non-quick restart sleeps deadtime + 1 s after the final shutdown.
        if (restart_due_ && shutdone_sent_) {
            return shutdone_at_ + deadtime_ + Milliseconds(1000);
        }
        return std::nullopt;
    }

private:
    enum class State { init, starting, bothstarting, rscrcvd, stable, shutdown };
    enum class Standby { none, me, other, done };
    /// A queued piece of work: a group operation, or a message sent once the work before
    /// it is done (3.0.6's children report through the FIFO when they finish).
    struct Step {
        enum class Kind { operation, send, send_shutdone };
        Kind kind = Kind::operation;
        std::string key;  ///< operation: the group
        GroupOpKind op = GroupOpKind::acquire;
        wire::Message message;  ///< send, send_shutdone
    };
    static Step operation(const std::string& key, GroupOpKind op)
    {
        return Step{Step::Kind::operation, key, op, {}};
    }
    struct Call {
        std::uint64_t id = 0;
        ScriptRun run;
        std::optional<TimePoint> not_before;
        bool issued = false;
    };

    bool legacy() const { return settings_.manager.auto_failback == config::AutoFailback::legacy; }
    bool is_local(const config::ResourceGroup& g) const { return g.node == settings_.manager.self; }

    static wire::Message message(std::initializer_list<std::pair<std::string, std::string>> fields)
    {
        wire::Message m;
        for (const auto& [k, v] : fields) {
            m.add(k, v);
        }
        return m;
    }
    void send_now(wire::Message m) { out_.push_back(std::move(m)); }
    void send_after_work(wire::Message m)
    {
        steps_.push_back(Step{Step::Kind::send, {}, GroupOpKind::acquire, std::move(m)});
    }
    void send_resource(std::optional<bool> stable, const std::string& info = {})
    {
        wire::Message m = message({{"t", "resource"}, {"rsc_hold", std::string(to_string(held_))}});
        if (stable) {
            m.add("rtype", "full");
            m.add("isstable", *stable ? "1" : "0");
        }
        if (!info.empty()) {
            m.add("info", info);
        }
        send_now(std::move(m));
    }
    void work(HoldSet set, GroupOpKind kind)
    {
        for (const auto& g : settings_.manager.groups) {
            const HoldSet side = is_local(g) ? HoldSet::local : HoldSet::foreign;
            if (resources::holds(set, side)) {
                steps_.push_back(operation(g.key(), kind));
            }
        }
    }

    void comm_up(TimePoint now, bool peer_alive, bool peer_active)
    {
        if (state_ != State::init) {
            return;
        }
        state_ = State::starting;
        if (legacy()) {
            state_ = State::stable;
            if (!peer_alive || ask_ == LegacyAsk::never || !peer_active) {
                // HA_DONTASK: take our groups without asking (and all of them when alone).
                held_ = peer_alive ? HoldSet::local : HoldSet::all;
                work(held_, GroupOpKind::acquire);
            } else {
                for (const auto& g : settings_.manager.groups) {
                    if (is_local(g)) {
                        send_now(message({{"t", "ip-request"}, {"ipaddr", g.key()}}));
                    }
                }
            }
            return;
        }
        send_now(message({{"t", "starting"}}));
        if (!peer_alive) {
            held_ = HoldSet::all;
            state_ = State::stable;
            needs_failback_ = true;
            work(HoldSet::all, GroupOpKind::acquire);
            send_after_work(message({{"t", "resource"},
                                     {"rsc_hold", "all"},
                                     {"rtype", "full"},
                                     {"isstable", "1"},
                                     {"info", "req_our_resources()"}}));
        }
        (void)now;
    }

    void enter_rscrcvd(TimePoint now)
    {
        if (state_ == State::starting || state_ == State::bothstarting) {
            state_ = State::rscrcvd;
            if (!takeover_time_set_) {
                takeover_time_set_ = true;
                local_takeover_at_ = now + settings_.manager.rqst_delay;
            }
        }
    }

    void req_our_resources()
    {
        // Nothing to do when the peer claims our groups or we already do.
        if (resources::holds(other_holds_, HoldSet::foreign) ||
            resources::holds(held_, HoldSet::local)) {
            return;
        }
        held_ = held_ | HoldSet::local;
        work(HoldSet::local, GroupOpKind::acquire);
        send_after_work(message({{"t", "resource"},
                                 {"rsc_hold", "local"},
                                 {"rtype", "full"},
                                 {"isstable", "1"},
                                 {"info", "req_our_resources()"}}));
    }

    void become_stable()
    {
        req_our_resources();
        state_ = State::stable;
        send_resource(true);
    }

    void receive(TimePoint now, const wire::Message& m)
    {
        const auto type = m.get("t").value_or("");
        if (type == "shutdone") {
            peer_gone(now);
            return;
        }
        if (state_ == State::shutdown) {
            return;
        }
        if (legacy()) {
            receive_legacy(m);
            return;
        }
        if (type == "starting") {
            if (state_ == State::starting) {
                state_ = State::bothstarting;
            }
            other_stable_ = false;
            send_resource(state_ == State::stable);
            enter_rscrcvd(now);  // its own reply, looped back, counts as a `resource`
        } else if (type == "resource") {
            const auto set = resources::hold_set_from(m.get("rsc_hold").value_or(""));
            if (!set) {
                return;
            }
            other_holds_ = m.get("rtype") == std::optional<std::string_view>("full")
                               ? *set
                               : (*set == HoldSet::none ? HoldSet::none : (other_holds_ | *set));
            enter_rscrcvd(now);
            if (m.get("isstable") == std::optional<std::string_view>("1")) {
                const bool was = other_stable_;
                other_stable_ = true;
                if (state_ != State::stable) {
                    become_stable();
                }
                if (!was) {
                    perform_auto_failback(now);
                }
            } else if (m.get("isstable")) {
                other_stable_ = false;
            }
        } else if (type == "ask_resources") {
            on_ask_resources(m);
        }
    }

    void receive_legacy(const wire::Message& m)
    {
        const auto type = m.get("t").value_or("");
        const std::string key(m.get("ipaddr").value_or(""));
        if (type == "ip-request") {
            // rc.d/ip-request: give it up if we run it, and say so.
            bool ours = false;
            for (const auto& g : settings_.manager.groups) {
                if (g.key() == key && runs_or_starts(key)) {
                    ours = true;
                    steps_.push_back(operation(key, GroupOpKind::release));
                }
            }
            send_after_work(message({{"t", "ip-request-resp"},
                                     {"dest", settings_.manager.peer},
                                     {"ipaddr", key},
                                     {"weown", ours ? "yes" : "no"},
                                     {"ok", "OK"}}));
        } else if (type == "ip-request-resp" &&
                   m.get("dest") == std::optional<std::string_view>(settings_.manager.self) &&
                   m.get("ok") == std::optional<std::string_view>("OK")) {
            // rc.d/ip-request-resp: takegroup (which skips what already runs).
            steps_.push_back(operation(key, GroupOpKind::acquire));
        }
    }

    void on_ask_resources(const wire::Message& m)
    {
        const auto set = resources::hold_set_from(m.get("rsc_hold").value_or("all"));
        const auto info = m.get("info").value_or("");
        if (!set) {
            return;
        }
        if (info == "me" && standby_ == Standby::none && other_stable_ && state_ == State::stable &&
            steps_.empty() && !op_) {
            standby_ = Standby::other;
            other_stable_ = false;
            send_now(message({{"t", "ask_resources"},
                              {"rsc_hold", std::string(to_string(*set))},
                              {"info", "other"}}));
        } else if (info == "other" && standby_ == Standby::me) {
            held_ = held_ & ~*set;
            send_resource(false, "standby");
            work(*set, GroupOpKind::release);
            standby_ = Standby::done;
            send_after_work(message({{"t", "ask_resources"},
                                     {"rsc_hold", std::string(to_string(*set))},
                                     {"info", "done"}}));
        } else if (info == "done" && standby_ == Standby::other) {
            held_ = held_ | resources::mirror(*set);
            work(resources::mirror(*set), GroupOpKind::acquire);
            send_after_work(message({{"t", "ask_resources"},
                                     {"rsc_hold", std::string(to_string(*set))},
                                     {"info", "done"}}));
            send_after_work(message(
                {{"t", "resource"}, {"rsc_hold", "all"}, {"rtype", "full"}, {"isstable", "1"}}));
            standby_ = Standby::none;
        } else if (info == "done" && standby_ == Standby::done) {
            standby_ = Standby::none;
            other_stable_ = true;
            send_resource(true);
        }
    }

    void perform_auto_failback(TimePoint now)
    {
        if (settings_.manager.auto_failback != config::AutoFailback::on || !needs_failback_) {
            return;
        }
        if (!resources::holds(held_, HoldSet::foreign)) {
            needs_failback_ = false;
            return;
        }
        if (!other_stable_ || standby_ != Standby::none || !steps_.empty() || op_) {
            failback_retry_at_ = now + Milliseconds(1000);
            return;
        }
        needs_failback_ = false;
        standby_ = Standby::me;
        other_stable_ = false;
        send_now(message({{"t", "ask_resources"}, {"rsc_hold", "foreign"}, {"info", "me"}}));
    }

    void peer_gone(TimePoint now)
    {
        if (state_ == State::shutdown || state_ == State::init) {
            return;
        }
        dead_at_ = now;
        other_holds_ = HoldSet::none;
        other_stable_ = true;
        standby_ = Standby::none;
        needs_failback_ = true;
        const HoldSet missing = ~held_;
        if (state_ != State::stable) {
            state_ = State::stable;
        }
        held_ = HoldSet::all;
        work(missing, GroupOpKind::acquire);
        if (!legacy() && resources::holds(missing, HoldSet::foreign)) {
            send_after_work(
                message({{"t", "resource"}, {"rsc_hold", "foreign"}, {"info", "mach_down"}}));
        }
    }

    void give_everything_up()
    {
        if (state_ == State::shutdown) {
            return;
        }
        state_ = State::shutdown;
        held_ = HoldSet::none;
        if (!legacy()) {
            send_resource(false, "shutdown");
        }
        steps_.clear();
        work(HoldSet::all, GroupOpKind::release);  // givegroup on every group, file order
        steps_.push_back(Step{Step::Kind::send_shutdone,
                              {},
                              GroupOpKind::acquire,
                              message({{"t", "shutdone"}, {"st", "dead"}})});
    }

    bool runs_or_starts(const std::string& key) const
    {
        for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
            if (it->kind == Step::Kind::operation && it->key == key) {
                return it->op == GroupOpKind::acquire;
            }
        }
        if (op_ && op_->key() == key) {
            return op_->kind() == GroupOpKind::acquire;
        }
        return acquired_.count(key) > 0;
    }

    void pump_markers()
    {
        while (!op_ && !steps_.empty() && steps_.front().kind != Step::Kind::operation) {
            Step s = std::move(steps_.front());
            steps_.pop_front();
            if (s.kind == Step::Kind::send_shutdone) {
                shutdone_sent_ = true;
                shutdone_at_ = last_now_;
            }
            send_now(std::move(s.message));
        }
    }

    void pump(TimePoint now)
    {
        last_now_ = now;
        for (;;) {
            if (op_ && op_->state() != GroupOpState::running) {
                if (op_->kind() == GroupOpKind::acquire &&
                    op_->state() == GroupOpState::succeeded) {
                    acquired_.insert(op_->key());
                } else if (op_->kind() == GroupOpKind::release) {
                    acquired_.erase(op_->key());
                }
                op_.reset();
            }
            if (op_) {
                if (!call_) {
                    if (auto c = op_->next()) {
                        const config::ResourceGroup* g = group(op_->key());
                        Call call;
                        call.id = next_id_++;
                        call.run.id = call.id;
                        call.run.group = op_->key();
                        call.run.resource = g->resources[c->resource];
                        call.run.action = c->action;
                        call.run.argv = c->argv;
                        call.run.timeout = Milliseconds(2000);
                        call.not_before = c->not_before;
                        call_ = std::move(call);
                    }
                }
                return;
            }
            pump_markers();
            if (steps_.empty()) {
                return;
            }
            const Step s = std::move(steps_.front());
            steps_.pop_front();
            if (const config::ResourceGroup* g = group(s.key)) {
                op_.emplace(*g, s.op, 10);
            }
        }
    }

    const config::ResourceGroup* group(const std::string& key) const
    {
        for (const auto& g : settings_.manager.groups) {
            if (g.key() == key) {
                return &g;
            }
        }
        return nullptr;
    }

    resources::ControllerSettings settings_;
    Milliseconds deadtime_;
    LegacyAsk ask_;
    State state_ = State::init;
    Standby standby_ = Standby::none;
    HoldSet held_ = HoldSet::none;
    HoldSet other_holds_ = HoldSet::none;
    bool other_stable_ = false;
    bool needs_failback_ = false;
    bool takeover_time_set_ = false;
    TimePoint local_takeover_at_{};
    std::optional<TimePoint> heal_restart_at_;
    std::optional<TimePoint> dead_at_;  ///< when it last declared the peer dead
    std::optional<TimePoint> failback_retry_at_;
    bool restart_due_ = false;
    bool shutdone_sent_ = false;
    TimePoint shutdone_at_{};
    TimePoint last_now_{};
    std::deque<Step> steps_;
    std::optional<resources::GroupOperation> op_;
    std::optional<Call> call_;
    std::set<std::string> acquired_;
    std::uint64_t next_id_ = 1;
    std::vector<wire::Message> out_;
};

}  // namespace hb::sim
