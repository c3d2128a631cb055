// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's command line: heartbeat 3.0.6's flags (-f -k -s -r -d -D -W -V -M -l -v -R
// -C) plus our long options for paths and checking. Parsed with Boost.Program_options.
#pragma once

#include <optional>
#include <string>

namespace hb::daemon {

/// What the command line asks for.
enum class Action {
    run,           ///< start the daemon (default)
    check_config,  ///< --check-config
    kill,          ///< -k: stop the running daemon
    status,        ///< -s
    reload,        ///< -r: check the configuration, then SIGHUP the running daemon
    version,       ///< -V
    defaults,      ///< -D (-W: wiki layout)
    dump_config,   ///< -v
    help,
};

struct Options {
    Action action = Action::run;
    std::string config_dir = "/etc/ha.d";
    std::string state_dir = "/var/lib/heartbeat";
    std::string run_dir = "/run/heartbeat";
    std::string pid_file = "/run/heartbeat.pid";
    std::optional<std::string> node_name;
    int debug = 0;                  ///< -d, repeatable
    bool foreground = false;        ///< -f
    bool no_realtime = false;       ///< -l
    bool no_resources = false;      ///< -M
    bool restart = false;           ///< -R (internal)
    std::string current_resources;  ///< -C with -R
    bool wiki = false;              ///< -W with -D
};

/// Parses argv. On a usage error returns nullopt after printing the reason and usage to
/// stderr; `exit_status` is then the status to exit with.
std::optional<Options> parse_options(int argc, char** argv, int& exit_status);

/// The usage text.
std::string usage();

}  // namespace hb::daemon
