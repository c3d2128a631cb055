// SPDX-License-Identifier: GPL-2.0-or-later
// From /etc/ha.d to a Pacemaker cluster (hb2pacemaker): a checked heartbeat configuration
// becomes corosync.conf (knet, one link per heartbeat network interface, encrypted and
// authenticated), the CIB as a `crm configure` script and as `pcs` commands (one group per
// haresources line, our OCF agents with the same parameters, the line's node preferred,
// auto_failback as resource-stickiness), and a list of what the administrator must do by
// hand: everything ha.cf says that has no Pacemaker equivalent is named there with its
// file and line, never dropped. Sans-IO: addresses are resolved and keys made by the
// caller.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "config/config_check.hpp"

namespace hb::migrate {

/// What the administrator decided (hb2pacemaker's options) and what the caller looked up.
struct Options {
    /// Each cluster node's address on each link, link 0 first (ring0_addr, ring1_addr…).
    std::map<std::string, std::vector<std::string>> addresses;
    /// Directors that join the new cluster beyond ha.cf's nodes (`--add-node`).
    std::vector<std::string> extra_nodes;
    /// Corosync's cluster_name; empty: ha.cf's `cluster` (default linux-ha).
    std::string cluster_name;
    /// Corosync's token in ms; absent: derived from deadtime.
    std::optional<int> token_ms;
    /// stonith-enabled=false: the administrator runs without fencing, as heartbeat did.
    bool without_fencing = false;
    /// Where corosync finds the key (written by the caller, 0400).
    std::string authkey_path = "/etc/corosync/authkey";
    /// Where the files came from, for the generated files' headers.
    std::string source_dir = "/etc/ha.d";
};

/// One step the converter could not take; `where` is empty (line 0) when no line caused it.
struct ManualStep {
    base::SourceLocation where;
    std::string text;
};

/// The generated files, or (with errors in `diagnostics`) nothing.
struct Result {
    std::string corosync_conf;
    std::string crm_script;
    std::string pcs_script;
    std::vector<ManualStep> manual_steps;
    base::Diagnostics diagnostics;
    /// Every node of the new cluster, in nodeid order.
    std::vector<std::string> nodes;

    bool ok() const { return !diagnostics.has_errors(); }
};

/// Corosync's token for heartbeat's deadtime: corosync declares a node lost after `token`
/// and agrees on the new membership in about 1.2 token more, so deadtime / 2.2 starts a
/// failover about when heartbeat's would; never below 1000 ms (a busy machine would flap).
int token_for(base::Milliseconds deadtime);

/// Converts `config` (a configuration that load_config accepted).
Result convert(const config::Config& config, const Options& options);

}  // namespace hb::migrate
