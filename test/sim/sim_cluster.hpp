// SPDX-License-Identifier: GPL-2.0-or-later
// An in-process cluster on simulated time: N nodes, each the real Authenticator and
// Membership, joined by simulated media with per-direction delay, loss and partitions.
// With resources (set_resources), each node also runs a resource side (ours: the real
// ResourceController) over its own FakeHost, whose scripts a FakeRunner plays; events go
// up from membership and messages come down into it, as in the daemon's engine.
// Deterministic for a given seed; thousands of simulated seconds run in milliseconds.
// Used by the sim tests (Catch2) and by the fuzz targets: a harness bug aborts with
// HB_ASSERT in both.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "base/assert.hpp"
#include "membership/membership.hpp"
#include "sim_resources.hpp"

namespace hb::sim {

using membership::Milliseconds;
using membership::TimePoint;

/// Wall time that follows the simulated clock.
class SimHost final : public membership::HostInfo {
public:
    explicit SimHost(const TimePoint& now) : now_(now) {}
    std::uint64_t unix_time() const override
    {
        return 1'795'568'434ULL +
               static_cast<std::uint64_t>(
                   std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch())
                       .count());
    }
    std::string load_average() const override { return "0.00 0.01 0.05 1/123 4567"; }

private:
    const TimePoint& now_;
};

/// One event as a node saw it, with when.
struct Seen {
    TimePoint at;
    membership::Event event;
};

class SimCluster {
public:
    /// `names` are the nodes; `media` the number of media; `base` the shared settings.
    SimCluster(std::vector<std::string> names, std::size_t media, membership::Settings base,
               config::AuthKeys keys, std::uint32_t seed = 1)
        : names_(std::move(names)),
          base_(std::move(base)),
          keys_(std::move(keys)),
          rng_(seed)
    {
        base_.nodes = names_;
        base_.media.clear();
        for (std::size_t m = 0; m < media; ++m) {
            base_.media.push_back("eth" + std::to_string(m));
        }
        for (std::size_t i = 0; i < names_.size(); ++i) {
            generations_[names_[i]] = 100 + i;
        }
    }

    TimePoint now() const { return now_; }

    /// Makes every node started from now on run `make(name)` above its membership.
    using ResourceFactory = std::function<std::unique_ptr<NodeResources>(const std::string&)>;
    void set_resources(ResourceFactory make) { make_resources_ = std::move(make); }
    /// Called after every step of run_until(); with `every_ms`, a step at least every
    /// simulated millisecond.
    void set_observer(std::function<void()> observer, bool every_ms)
    {
        observer_ = std::move(observer);
        observe_every_ms_ = every_ms;
    }
    /// How many times node `name`'s machine was reset by STONITH.
    int resets(const std::string& name) { return resets_[name]; }
    /// The machine under node `name` (it outlives the daemon).
    FakeHost& host(const std::string& name) { return hosts_[name]; }
    /// The resource side of running node `name` (nullptr when it has none or is down).
    NodeResources* resources_of(const std::string& name)
    {
        Running* n = running(name);
        return n == nullptr ? nullptr : n->resources.get();
    }
    /// Nodes whose machine runs any resource of `group`.
    int owners(const config::ResourceGroup& group)
    {
        int count = 0;
        for (const auto& name : names_) {
            for (const auto& r : group.resources) {
                if (hosts_[name].running.count(r.text)) {
                    ++count;
                    break;
                }
            }
        }
        return count;
    }
    bool holds(const std::string& name, const config::ResourceGroup& group)
    {
        for (const auto& r : group.resources) {
            if (hosts_[name].running.count(r.text)) {
                return true;
            }
        }
        return false;
    }
    /// True when `a` and `b` both run, neither is paused, and each sees the other alive.
    bool hear_each_other(const std::string& a, const std::string& b)
    {
        Running* na = running(a);
        Running* nb = running(b);
        if (na == nullptr || nb == nullptr || paused_.count(a) || paused_.count(b)) {
            return false;
        }
        const auto alive = [](const membership::Node* n) {
            return n != nullptr && (n->status == membership::NodeStatus::up ||
                                    n->status == membership::NodeStatus::active);
        };
        return alive(na->membership.node(b)) && alive(nb->membership.node(a));
    }
    /// hb_standby on node `name`.
    void request_standby(const std::string& name, resources::HoldSet set)
    {
        if (Running* n = running(name); n != nullptr && n->resources) {
            n->resources->request_standby(now_, set);
            drain(name);
        }
    }
    /// A reload of node `name` (SIGHUP) with new resource settings.
    void reload(const std::string& name, resources::ControllerSettings next)
    {
        if (Running* n = running(name); n != nullptr && n->resources) {
            n->resources->reconfigure(now_, std::move(next));
            drain(name);
        }
    }
    /// Graceful stop of node `name` (SIGTERM): its resources are given up, then it leaves.
    void stop(const std::string& name)
    {
        if (Running* n = running(name); n != nullptr && n->resources) {
            n->resources->shutdown(now_);
            n->stopping = true;
            drain(name);
        } else {
            kill(name);
        }
    }

    /// Starts (or restarts, with the next generation) node `name`.
    void start(const std::string& name)
    {
        membership::Settings s = base_;
        s.self = name;
        s.self_uuid = std::string(15, 'u') + name.back();
        s.generation = ++generations_[name];
        s.seed = static_cast<std::uint32_t>(rng_());
        s.replay_floors = floors_[name];  // as the engine loads hb_replay_floor
        auto node = std::make_unique<Running>(std::move(s), host_, keys_);
        node->generation = generations_[name];
        if (make_resources_) {
            node->resources = make_resources_(name);
            // As the engine: the idle check starts before membership does.
            node->resources->start(now_);
        }
        node->membership.start(now_);
        nodes_[name] = std::move(node);
        drain(name);
    }

    void start_all()
    {
        for (const auto& n : names_) {
            start(n);
        }
    }

    /// Stops node `name` dead (kill -9): it neither sends nor receives any more (a
    /// stopped process can be killed too; the next start is not stopped).
    void kill(const std::string& name)
    {
        nodes_.erase(name);
        paused_.erase(name);
        waiting_.erase(name);
    }

    /// Freezes node `name` (kill -STOP): no timers, no receiving, until resume().
    void pause(const std::string& name) { paused_.insert(name); }
    bool is_paused(const std::string& name) const { return paused_.count(name) > 0; }
    /// Node `name` counts its own pauses as the other nodes' silence, as heartbeat 3.0.6
    /// does: resumed after a stop longer than deadtime, it declares the others dead before
    /// it reads what they sent meanwhile.
    void count_pauses_as_silence(const std::string& name) { counts_pauses_.insert(name); }
    void resume(const std::string& name)
    {
        paused_.erase(name);
        if (auto* n = running(name)) {
            // As the engine: its timer was due at the deadline it had when it stopped.
            if (counts_pauses_.count(name) == 0) {
                n->membership.discount_pause(n->membership.next_deadline(), now_);
            }
            n->membership.tick(now_);
            drain(name);
        }
        // Then it reads what its sockets kept while it was stopped.
        auto waiting = std::move(waiting_[name]);
        waiting_.erase(name);
        for (const Delivery& d : waiting) {
            deliver(d);
        }
    }

    /// Cuts (or restores) medium `m` between `a` and `b`, both directions.
    void set_link(std::size_t m, const std::string& a, const std::string& b, bool up)
    {
        if (up) {
            cut_.erase({m, a, b});
            cut_.erase({m, b, a});
        } else {
            cut_.insert({m, a, b});
            cut_.insert({m, b, a});
        }
    }
    /// Cuts or restores what `from` sends to `to` on every medium (a one-way partition).
    void set_one_way(const std::string& from, const std::string& to, bool cut)
    {
        for (std::size_t m = 0; m < base_.media.size(); ++m) {
            if (cut) {
                cut_.insert({m, from, to});
            } else {
                cut_.erase({m, from, to});
            }
        }
    }
    /// Cuts or restores every medium between `a` and `b`.
    void set_partition(const std::string& a, const std::string& b, bool partitioned)
    {
        for (std::size_t m = 0; m < base_.media.size(); ++m) {
            set_link(m, a, b, !partitioned);
        }
    }
    /// Loses each datagram with probability `p` (all media, all directions).
    void set_loss(double p) { loss_ = p; }
    /// One-way delay of every datagram.
    void set_delay(Milliseconds d) { delay_ = d; }
    /// Drops datagrams for which `filter(from, to, medium, bytes)` returns true.
    void set_drop_filter(
        std::function<bool(const std::string&, const std::string&, std::size_t, const std::string&)>
            filter)
    {
        drop_filter_ = std::move(filter);
    }

    /// Hands raw bytes to node `to` on medium `m`, as if received from the network.
    void inject(const std::string& to, std::size_t m, const std::string& bytes)
    {
        queue_.push(Delivery{now_, ++order_, to, m, bytes});
    }

    /// Every datagram `from` has sent so far (signed bytes), for replay tests.
    const std::vector<std::string>& sent_by(const std::string& from) { return sent_[from]; }

    /// Runs the simulation for `d`.
    void run_for(Milliseconds d) { run_until(now_ + d); }

    void run_until(TimePoint end)
    {
        for (int guard = 0; guard < 50'000'000; ++guard) {
            const TimePoint next = next_event(end);
            if (next > end) {
                break;
            }
            now_ = std::max(now_, next);
            step();
            if (observer_) {
                observer_();
            }
            if (now_ >= end && next_event(end) > end) {
                break;
            }
        }
        now_ = end;
    }

    /// The running membership of `name` (must be running).
    membership::Membership& of(const std::string& name) { return running(name)->membership; }
    bool is_running(const std::string& name) const { return nodes_.count(name) > 0; }
    /// Events node `name` has seen, across restarts.
    const std::vector<Seen>& events(const std::string& name) { return events_[name]; }
    /// Datagrams node `name` refused in authentication, by reason.
    std::map<auth::VerifyError, int>& rejected(const std::string& name) { return rejected_[name]; }

    /// Status of `node` as `observer` sees it.
    membership::NodeStatus status(const std::string& observer, const std::string& node)
    {
        return of(observer).node(node)->status;
    }

private:
    struct Running {
        Running(membership::Settings s, const membership::HostInfo& host, const config::AuthKeys& k)
            : membership(std::move(s), host),
              authenticator(k)
        {}
        membership::Membership membership;
        auth::Authenticator authenticator;
        std::unique_ptr<NodeResources> resources;
        std::uint64_t generation = 0;
        bool stopping = false;  ///< stop(): leaves once its resources are given up
    };
    struct Delivery {
        TimePoint at;
        std::uint64_t order = 0;
        std::string to;
        std::size_t medium = 0;
        std::string bytes;
        bool operator>(const Delivery& o) const { return at != o.at ? at > o.at : order > o.order; }
    };

    Running* running(const std::string& name)
    {
        const auto it = nodes_.find(name);
        return it == nodes_.end() ? nullptr : it->second.get();
    }

    /// The earliest time anything happens (at most `end`; `end` + 1 ms when nothing does).
    TimePoint next_event(TimePoint end)
    {
        TimePoint next = end + Milliseconds(1);
        const auto consider = [&](std::optional<TimePoint> t) {
            if (t && *t < next) {
                next = *t;
            }
        };
        if (!queue_.empty()) {
            consider(queue_.top().at);
        }
        for (auto& [name, node] : nodes_) {
            if (paused_.count(name)) {
                continue;
            }
            consider(node->membership.next_deadline());
            if (node->resources) {
                consider(node->resources->next_deadline());
                consider(node->resources->restart_at());
            }
        }
        consider(runner_.next_deadline());
        // Results held for a stopped node wait for its resume, not for the next step.
        if (std::any_of(backlog_.begin(), backlog_.end(),
                        [this](const FakeRunner::Done& d) { return paused_.count(d.node) == 0; })) {
            consider(now_);
        }
        if (observer_ && observe_every_ms_) {
            consider(now_ + Milliseconds(1));
        }
        return std::max(next, now_);
    }

    void step()
    {
        while (!queue_.empty() && queue_.top().at <= now_) {
            Delivery d = queue_.top();
            queue_.pop();
            deliver(d);
        }
        for (auto& done : runner_.take_done(now_)) {
            backlog_.push_back(std::move(done));
        }
        std::vector<FakeRunner::Done> later;
        for (auto& done : backlog_) {
            Running* n = running(done.node);
            if (n == nullptr || n->generation != done.daemon || !n->resources) {
                continue;  // the daemon that asked is gone
            }
            if (paused_.count(done.node)) {
                later.push_back(std::move(done));
                continue;
            }
            if (!done.reset.empty()) {  // the reset machine goes down, all it ran with it
                kill(done.reset);
                hosts_[done.reset].running.clear();
                ++resets_[done.reset];
            }
            n->resources->on_result(now_, done.id, done.result);
            drain(done.node);
        }
        backlog_ = std::move(later);
        for (auto& name : names_) {
            auto* n = running(name);
            if (n == nullptr || paused_.count(name)) {
                continue;
            }
            if (n->membership.next_deadline() <= now_) {
                n->membership.tick(now_);
                if (auto floors = n->membership.take_replay_floors_due(now_)) {
                    floors_[name] = std::move(*floors);  // as the engine saves them
                }
                drain(name);
            }
            if (n->resources) {
                if (const auto due = n->resources->next_deadline(); due && *due <= now_) {
                    n->resources->tick(now_);
                    drain(name);
                }
                if (const auto again = n->resources->restart_at(); again && *again <= now_) {
                    start(name);  // a new process, a new generation
                    continue;
                }
            }
            if (n->stopping && n->resources->shutdown_complete()) {
                if (base_.keep_replay_floors) {
                    floors_[name] = n->membership.replay_floors();  // a clean stop saves them
                }
                nodes_.erase(name);
            }
        }
    }

    void drain(const std::string& name)
    {
        Running* n = running(name);
        if (n == nullptr) {
            return;
        }
        // Events go up, messages and script runs come down, until both sides are quiet.
        for (int round = 0; round < 1000; ++round) {
            auto events = n->membership.take_events();
            bool more = !events.empty();
            for (auto& e : events) {
                if (n->resources) {
                    n->resources->on_event(now_, e, n->membership);
                }
                events_[name].push_back(Seen{now_, std::move(e)});
            }
            if (n->resources) {
                for (const auto& run : n->resources->take_runs(now_)) {
                    runner_.start(now_, name, n->generation, hosts_[name], run);
                    more = true;
                }
                for (auto& m : n->resources->take_messages()) {
                    n->membership.send(std::move(m));
                    more = true;
                }
            }
            if (!more) {
                break;
            }
            HB_ASSERT(round < 999);  // events and messages must settle
        }
        for (const auto& m : n->membership.take_outgoing()) {
            const std::string bytes = n->authenticator.sign(m);
            sent_[name].push_back(bytes);
            for (std::size_t medium = 0; medium < base_.media.size(); ++medium) {
                for (const auto& to : names_) {
                    if (cut_.count({medium, name, to}) || (to != name && lost())) {
                        continue;
                    }
                    if (drop_filter_ && drop_filter_(name, to, medium, bytes)) {
                        continue;
                    }
                    queue_.push(Delivery{now_ + (to == name ? Milliseconds(0) : delay_), ++order_,
                                         to, medium, bytes});
                }
            }
        }
    }

    bool lost()
    {
        if (loss_ <= 0.0) {
            return false;
        }
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < loss_;
    }

    void deliver(const Delivery& d)
    {
        Running* n = running(d.to);
        if (n == nullptr) {
            return;
        }
        if (paused_.count(d.to)) {
            // A stopped process's socket keeps datagrams up to its buffer's size.
            if (auto& kept = waiting_[d.to]; kept.size() < socket_buffer) {
                kept.push_back(Delivery{now_, d.order, d.to, d.medium, d.bytes});
            }
            return;
        }
        auto verified = n->authenticator.verify(d.bytes);
        if (!verified.ok()) {
            ++rejected_[d.to][verified.error().error];
            return;
        }
        n->membership.receive(now_, d.medium, verified.value().message);
        drain(d.to);
    }

    std::vector<std::string> names_;
    membership::Settings base_;
    config::AuthKeys keys_;
    std::mt19937 rng_;
    TimePoint now_{std::chrono::hours(1)};
    SimHost host_{now_};
    std::map<std::string, std::uint64_t> generations_;
    std::map<std::string, membership::ReplayFloors> floors_;  ///< each node's hb_replay_floor
    std::map<std::string, std::unique_ptr<Running>> nodes_;
    std::set<std::string> paused_;
    std::set<std::string> counts_pauses_;
    static constexpr std::size_t socket_buffer = 256;  ///< datagrams kept for a stopped node
    std::map<std::string, std::vector<Delivery>> waiting_;
    std::set<std::tuple<std::size_t, std::string, std::string>> cut_;
    double loss_ = 0.0;
    Milliseconds delay_{1};
    std::function<bool(const std::string&, const std::string&, std::size_t, const std::string&)>
        drop_filter_;
    std::priority_queue<Delivery, std::vector<Delivery>, std::greater<>> queue_;
    std::uint64_t order_ = 0;
    std::map<std::string, std::vector<Seen>> events_;
    std::map<std::string, std::vector<std::string>> sent_;
    std::map<std::string, std::map<auth::VerifyError, int>> rejected_;
    ResourceFactory make_resources_;
    std::map<std::string, FakeHost> hosts_;
    std::map<std::string, int> resets_;
    FakeRunner runner_;
    std::vector<FakeRunner::Done> backlog_;
    std::function<void()> observer_;
    bool observe_every_ms_ = false;
};

}  // namespace hb::sim
