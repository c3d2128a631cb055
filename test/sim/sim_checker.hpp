// SPDX-License-Identifier: GPL-2.0-or-later
// The ownership invariant of a two-node simulated cluster: once both nodes have heard each
// other for `grace`, no group may run on both machines. Observed after every step of the
// simulation: ownership and hearing change only in steps, so the checker sees each change
// at the simulated moment it happened, and an overlap that ends between two steps of
// nothing is still measured to the step that ended it. The first violation is described.
#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sim_cluster.hpp"

namespace hb::sim {

class OwnershipChecker {
public:
    OwnershipChecker(SimCluster& cluster, std::vector<config::ResourceGroup> groups, std::string a,
                     std::string b, Milliseconds grace)
        : cluster_(cluster),
          groups_(std::move(groups)),
          a_(std::move(a)),
          b_(std::move(b)),
          grace_(grace),
          start_(cluster.now())
    {}

    void set_grace(Milliseconds grace) { grace_ = grace; }
    /// While suspended, the nodes count as not hearing each other (the caller knows their
    /// messages are being lost or delayed beyond what the invariant is about).
    void suspend(bool suspended) { suspended_ = suspended; }

    /// Looks at the cluster now (after a step).
    void observe()
    {
        const TimePoint now = cluster_.now();
        const bool hearing = !suspended_ && cluster_.hear_each_other(a_, b_);
        if (hearing && hearing_since_ && last_seen_) {
            heard_for_ += now - *last_seen_;
        }
        // A group that ran on both until this step ran on both until now.
        for (const std::string& key : doubled_) {
            judge(key, now);
        }
        doubled_.clear();
        if (!hearing) {
            hearing_since_.reset();
        } else {
            if (!hearing_since_) {
                hearing_since_ = now;
            }
            for (const auto& g : groups_) {
                if (cluster_.owners(g) > 1) {
                    doubled_.push_back(g.key());
                    judge(g.key(), now);
                }
            }
        }
        last_seen_ = now;
    }

    /// The first moment the invariant broke, described; empty when it always held.
    const std::string& violation() const { return violation_; }
    /// Simulated time the checker watched both nodes hearing each other.
    Milliseconds heard_for() const { return std::chrono::duration_cast<Milliseconds>(heard_for_); }

private:
    void judge(const std::string& key, TimePoint now)
    {
        if (!violation_.empty() || !hearing_since_ || now - *hearing_since_ <= grace_) {
            return;
        }
        std::ostringstream out;
        out << "group " << key << " on both nodes at +" << since_start(now)
            << " ms, both hearing each other since +" << since_start(*hearing_since_) << " ms";
        violation_ = out.str();
    }
    long since_start(TimePoint t) const
    {
        return static_cast<long>(std::chrono::duration_cast<Milliseconds>(t - start_).count());
    }

    SimCluster& cluster_;
    std::vector<config::ResourceGroup> groups_;
    std::string a_;
    std::string b_;
    Milliseconds grace_;
    TimePoint start_;
    bool suspended_ = false;
    std::optional<TimePoint> hearing_since_;
    std::optional<TimePoint> last_seen_;
    std::vector<std::string> doubled_;  ///< groups on both at the last observation
    TimePoint::duration heard_for_{};
    std::string violation_;
};

}  // namespace hb::sim
