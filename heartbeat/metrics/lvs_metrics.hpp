// SPDX-License-Identifier: GPL-2.0-or-later
// The LVS tables this node runs, as metrics: each real server's health as the data plane has
// it, its checker's probes by outcome, and how long ago the checker last wrote its state (a hung
// or dead checker shows as an age that grows). Sans-IO: the daemon reads the applied copy
// and the state of each rules file it runs (lvs/runtime_state) and hands them in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lvs/rules.hpp"
#include "lvs/runtime_state.hpp"

namespace hb::metrics {

/// A rules file started here (ipvsadm-wrapper), as its state directory has it.
struct LvsTable {
    std::string rules;      ///< the file as haresources names it
    lvs::LvsConfig config;  ///< the copy that was applied
    lvs::RuntimeState state;
};

/// The families for `tables` at wall-clock time `now_ms` (ms since the epoch: the state's
/// times are wall-clock ones); empty when there are none.
std::string lvs_page(const std::vector<LvsTable>& tables, std::int64_t now_ms);

}  // namespace hb::metrics
