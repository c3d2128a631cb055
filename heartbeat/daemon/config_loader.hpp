// SPDX-License-Identifier: GPL-2.0-or-later
// Reads a configuration directory (ha.cf, authkeys, haresources, and our heartbeat-ng.cf
// when there is one) from disk, runs every parser and check, and returns one Config or the
// complete list of problems. Used by `heartbeat --check-config`, by start-up and by reload.
#pragma once

#include <optional>
#include <string>

#include "base/diagnostic.hpp"
#include "config/config_check.hpp"

namespace hb::daemon {

/// Where to read from and who we are.
struct LoadOptions {
    std::string config_dir = "/etc/ha.d";
    std::optional<std::string> node_name;  ///< overrides nodeinfo and `uname -n`
    std::string init_dir = "/etc/init.d";
};

/// The configuration, present only when no file has an error; every diagnostic found.
struct LoadResult {
    std::optional<config::Config> config;
    base::Diagnostics diagnostics;
    std::string node_name;  ///< the node name that was checked against the files
};

/// This node's name as heartbeat derives it: the first word of CONFIG_DIR/nodeinfo if that
/// file exists, else `uname -n`; lower-cased.
std::string local_node_name(const std::string& config_dir);

/// Reads and checks the files of `options.config_dir`.
LoadResult load_config(const LoadOptions& options, const config::SystemView& system);

}  // namespace hb::daemon
