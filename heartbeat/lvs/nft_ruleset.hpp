// SPDX-License-Identifier: GPL-2.0-or-later
// The nftables data plane of a rules file, as `nft -f` input (one transaction, so a table
// is replaced whole or not at all). Direct routing (-g) rewrites the destination MAC in the
// netdev ingress hook and sends the frame back out; NAT (-m) is DNAT in prerouting. Both
// pick the real server with jhash over the packet into a Maglev slot table, so both
// directors choose alike. Also what the back end cannot express, as diagnostics. Pure text.
#pragma once

#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "base/result.hpp"
#include "lvs/dataplane.hpp"
#include "lvs/rules.hpp"

namespace hb::lvs {

/// What the nftables back end refuses (tunnels, fwmark with direct routing, mixed methods,
/// …) as errors, and what it approximates (thresholds, persistence engines) as warnings,
/// each at its line.
base::Diagnostics nftables_diagnostics(const LvsConfig& config);

/// Why a ruleset cannot be built on this machine (no interface reaches a VIP, …).
struct RenderError {
    std::string message;
};

/// The tables a rules file owns: one per address family, both named `name`.
struct NftTables {
    std::string name;     ///< e.g. `hb_lvs_etc_ha_d_ipvsadm_rules`
    bool netdev = false;  ///< direct-routing services exist
    bool ip = false;      ///< always, once there is a service (NAT, and the input guard)
};

/// The table name for a rules file path: `hb_lvs_` and the path's letters and digits.
std::string nft_table_name(const std::string& rules_path);

/// Which tables `config` needs.
NftTables nft_tables(const LvsConfig& config, const std::string& name);

/// The whole ruleset: creates (or replaces) the tables with every map filled, chains and
/// rules. An error names what the machine lacks (no interface reaches a VIP, …).
base::Result<std::string, RenderError> render_nft(const LvsConfig& config,
                                                  const std::vector<ServicePlan>& plans,
                                                  const Facts& facts, const std::string& name);

/// The update after a health or MAC change, in one transaction: every slot map flushed and
/// refilled, the per-server chains (their MACs) rewritten; the pins (connections in
/// progress) and the service chains untouched.
base::Result<std::string, RenderError> render_nft_maps(const LvsConfig& config,
                                                       const std::vector<ServicePlan>& plans,
                                                       const Facts& facts, const std::string& name);

/// `delete table …` for each table (the agent's stop).
std::string render_nft_delete(const NftTables& tables);

/// The names of the sets that pin connections in progress to their servers (left out of
/// comparisons).
std::vector<std::string> nft_pin_sets(const LvsConfig& config);

/// `text` (an `nft list table` output) without the elements of the pin sets, which change
/// with every connection: what is left must equal what was applied.
std::string strip_pinned(const std::string& text, const std::vector<std::string>& pin_sets);

}  // namespace hb::lvs
