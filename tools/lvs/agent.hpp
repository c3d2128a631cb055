// SPDX-License-Identifier: GPL-2.0-or-later
// The LVS agent's actions (`ipvsadm-wrapper RULES start|stop|status|…`) and what they share
// with the checker process: loading a rules file with its diagnostics, and the exit codes.
#pragma once

#include <optional>
#include <string>

#include "lvs/rules.hpp"
#include "lvs/runtime_state.hpp"
#include "tools/lvs/machine.hpp"

namespace hb::lvs_agent {

/// Exit codes, as LSB init scripts and heartbeat's resource agents use them.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_stopped = 3;
inline constexpr int exit_not_installed = 5;
inline constexpr int exit_not_configured = 6;

/// Parses `text` as the rules file `path`, printing its diagnostics to stderr.
std::optional<lvs::LvsConfig> load_rules_text(const std::string& text, const std::string& path);

/// Runs one action; returns the exit code. `self` is this program's path (for the checker).
int run_action(const std::string& self, const std::string& rules_path, const std::string& action,
               bool json);

/// The checker process (`ipvsadm-wrapper RULES checker`): runs until SIGTERM; returns the exit
/// code.
int run_checker(const std::string& rules_path);

}  // namespace hb::lvs_agent
