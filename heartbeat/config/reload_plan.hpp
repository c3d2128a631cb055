// SPDX-License-Identifier: GPL-2.0-or-later
// A reload, judged before anything is touched: the configuration that runs against the one
// just read (both already checked). The plan says which parts change, what the daemon will
// run with afterwards (`applied`), how the heartbeat media carry over, and which changes
// wait for a restart, each with the line that made it. heartbeat 3.0.6 re-executes itself
// on any change; we apply in place what can be, so what did not change never blinks. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_check.hpp"

namespace hb::config {

/// One part of the configuration that a reload applies in place.
enum class Change {
    authkeys,       ///< the keys: new ones sign and verify at once
    timing,         ///< keepalive, deadtime, warntime, initdead, deadping, hopfudge, rexmit
    media,          ///< bcast/ucast/mcast(6) lines (and udpport): media opened and closed
    groups,         ///< haresources: groups added, removed or changed
    auto_failback,  ///< between on and off
    clients,        ///< respawn/failfast lines
    scripts,        ///< `env` (what scripts see, their limits, FAILFAST)
    api,            ///< apiauth and the parameters API clients read
    logging,        ///< debug, log_badpack
    stonith,        ///< stonith_host lines: the device a dead peer is reset with
    metrics,        ///< heartbeat-ng.cf's metrics_* lines: the textfile and the listener
};
std::string_view to_string(Change change);

/// A change that only a restart applies: which directive, and the line that asks for it.
struct RestartNeeded {
    std::string directive;
    base::SourceLocation where;
};

/// How haresources changes, by group key (the first resource as written).
struct GroupChanges {
    std::vector<std::string> added;
    std::vector<std::string> removed;
    std::vector<std::string> changed;  ///< same key, other resources or another node
    bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

/// What each group of `next` is to `running`.
GroupChanges diff_groups(const std::vector<ResourceGroup>& running,
                         const std::vector<ResourceGroup>& next);

/// The ha.cf media that are heartbeat links between normal nodes (bcast, ucast, mcast,
/// ucast6, mcast6, serial), in order: what the daemon opens sockets and ttys for.
std::vector<Medium> link_media(const HaCf& ha_cf);

struct ReloadPlan {
    /// The configuration to run with: the new one, but with the running values of what
    /// waits for a restart.
    Config applied;
    /// What changes in place, in the order above.
    std::vector<Change> changes;
    /// For each link medium of `applied`: the running link medium it continues (the same
    /// line; its socket stays open), or nullopt for a new one.
    std::vector<std::optional<std::size_t>> media_from;
    GroupChanges groups;
    std::vector<RestartNeeded> restart_needed;

    bool has(Change change) const;
    /// Nothing to apply and nothing waiting.
    bool unchanged() const { return changes.empty() && restart_needed.empty(); }
    /// `haresources (1 added, 1 changed), keepalive, media` — what changes, for the log.
    std::string summary() const;
};

/// Judges a reload from `running` to `next`. Both must have passed the configuration check.
ReloadPlan plan_reload(const Config& running, const Config& next);

}  // namespace hb::config
