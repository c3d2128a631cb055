// SPDX-License-Identifier: GPL-2.0-or-later
// An in-process cluster on simulated time: N nodes, each the real Authenticator and
// Membership, joined by simulated media with per-direction delay, loss and partitions.
// Deterministic for a given seed; thousands of simulated seconds run in milliseconds.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "membership/membership.hpp"

namespace hb::sim {

using membership::Milliseconds;
using membership::TimePoint;

/// Wall time that follows the simulated clock.
class SimHost final : public membership::HostInfo {
public:
    explicit SimHost(const TimePoint& now) : now_(now) {}
    std::uint64_t unix_time() const override
    {
        return 1'795'568'434ULL + static_cast<std::uint64_t>(
                                      std::chrono::duration_cast<std::chrono::seconds>(
                                          now_.time_since_epoch())
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
        : names_(std::move(names)), base_(std::move(base)), keys_(std::move(keys)), rng_(seed)
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

    /// Starts (or restarts, with the next generation) node `name`.
    void start(const std::string& name)
    {
        membership::Settings s = base_;
        s.self = name;
        s.self_uuid = std::string(15, 'u') + name.back();
        s.generation = ++generations_[name];
        s.seed = static_cast<std::uint32_t>(rng_());
        auto node = std::make_unique<Running>(std::move(s), host_, keys_);
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

    /// Stops node `name` dead (kill -9): it neither sends nor receives any more.
    void kill(const std::string& name) { nodes_.erase(name); }

    /// Freezes node `name` (kill -STOP): no timers, no receiving, until resume().
    void pause(const std::string& name) { paused_.insert(name); }
    void resume(const std::string& name)
    {
        paused_.erase(name);
        if (auto* n = running(name)) {
            n->membership.tick(now_);
            drain(name);
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
            TimePoint next = end;
            if (!queue_.empty()) {
                next = std::min(next, queue_.top().at);
            }
            for (auto& [name, node] : nodes_) {
                if (!paused_.count(name)) {
                    next = std::min(next, node->membership.next_deadline());
                }
            }
            if (next > end) {
                break;
            }
            now_ = std::max(now_, next);
            while (!queue_.empty() && queue_.top().at <= now_) {
                Delivery d = queue_.top();
                queue_.pop();
                deliver(d);
            }
            for (auto& name : names_) {
                auto* n = running(name);
                if (n != nullptr && !paused_.count(name) && n->membership.next_deadline() <= now_) {
                    n->membership.tick(now_);
                    drain(name);
                }
            }
            if (now_ >= end && (queue_.empty() || queue_.top().at > end)) {
                bool due = false;
                for (auto& [name, node] : nodes_) {
                    due = due || (!paused_.count(name) && node->membership.next_deadline() <= end);
                }
                if (!due) {
                    break;
                }
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
            : membership(std::move(s), host), authenticator(k)
        {
        }
        membership::Membership membership;
        auth::Authenticator authenticator;
    };
    struct Delivery {
        TimePoint at;
        std::uint64_t order = 0;
        std::string to;
        std::size_t medium = 0;
        std::string bytes;
        bool operator>(const Delivery& o) const
        {
            return at != o.at ? at > o.at : order > o.order;
        }
    };

    Running* running(const std::string& name)
    {
        const auto it = nodes_.find(name);
        return it == nodes_.end() ? nullptr : it->second.get();
    }

    void drain(const std::string& name)
    {
        Running* n = running(name);
        if (n == nullptr) {
            return;
        }
        for (auto& e : n->membership.take_events()) {
            events_[name].push_back(Seen{now_, std::move(e)});
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
        if (n == nullptr || paused_.count(d.to)) {
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
    std::map<std::string, std::unique_ptr<Running>> nodes_;
    std::set<std::string> paused_;
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
};

}  // namespace hb::sim
