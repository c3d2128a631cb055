// SPDX-License-Identifier: GPL-2.0-or-later
// What the LVS agent needs from the machine, and nothing it decides: running nft and ipvsadm,
// whether the kernel has IPVS, the interfaces and MACs that direct routing needs (resolving
// real servers' MACs first), the agent's state directory with its lock, and whole-file writes
// that a reader never sees half done.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "lvs/dataplane.hpp"
#include "lvs/rules.hpp"

namespace hb::lvs_agent {

/// How a command ended.
struct CommandResult {
    bool ran = false;  ///< it was started and exited by itself
    int exit_code = -1;
    std::string output;
    std::string errors;
    std::string why;  ///< when it did not run or did not exit: why
    /// True when it ran and exited 0.
    bool ok() const { return ran && exit_code == 0; }
    /// Its complaint in one line: stderr's first line, else `why`.
    std::string complaint() const;
};

/// The absolute path of `name` (env NAME in upper case first, then /usr/sbin, /sbin,
/// /usr/bin, /bin), if found.
std::optional<std::string> find_program(const std::string& name);

/// Runs `path args…` and waits (at most `timeout`); no shell, our environment's PATH only.
CommandResult run_command(const std::string& path, const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(15));

/// True when this kernel has IPVS (after trying `modprobe ip_vs` once).
bool kernel_has_ipvs();

/// The facts for `config`: the interface with a connected route to each VIP and real server,
/// and — for direct-routing servers — their MACs, resolved (by sending each a datagram)
/// within `resolve_for`. Unresolved servers are simply missing from `neighbour`.
lvs::Facts gather_facts(const lvs::LvsConfig& config, std::chrono::milliseconds resolve_for,
                        std::string& error);

/// Refreshes `facts.neighbour` for the direct-routing servers from the neighbour table, without
/// waiting; true when something changed.
bool refresh_neighbours(const lvs::LvsConfig& config, lvs::Facts& facts);

/// The agent's directory for one rules file (under HA_RSCTMP, default /run/resource-agents).
struct StateDir {
    std::string path;  ///< …/ipvsadm-wrapper/TABLE
    std::string file(const std::string& name) const { return path + "/" + name; }
};

/// The state directory of the rules file whose table is `table`.
StateDir state_dir_for(const std::string& table);

/// Who holds the directory's lock: `exclusive` for what changes the table (start, stop, the
/// checker applying a health change), `shared` for what reads it against the state (status).
enum class LockMode { exclusive, shared };

/// Takes the directory's lock, waiting at most `wait`; an empty descriptor when it could not
/// (with `error` set). `exclusive` creates the directory; `shared` does not, and an absent
/// directory gives an empty descriptor with an empty `error`: nothing was ever started.
base::UniqueFd lock_state_dir(const StateDir& dir, std::chrono::milliseconds wait,
                              std::string& error, LockMode mode = LockMode::exclusive);

/// Reads a whole small file.
std::optional<std::string> read_file(const std::string& path);
/// Writes `text` to `path` through a temporary file and rename().
bool write_file_atomic(const std::string& path, const std::string& text, std::string& error);

/// True when `pid` is alive and its command line names this program and `rules_path`.
bool is_our_checker(int pid, const std::string& rules_path);

/// Stops our checker `pid` (TERM, then KILL after `grace`); only when is_our_checker().
void stop_checker(int pid, const std::string& rules_path, std::chrono::milliseconds grace);

}  // namespace hb::lvs_agent
