// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel IPVS back end as ipvsadm command lines: what turns the table the kernel has (read
// with `ipvsadm-save -n` and the same rules parser) into the one a rules file wants, service by
// service and server by server, so services that are not the file's are never touched and a
// table loaded at boot by the tutorial's oneshot unit is taken over without a flush. Also the
// commands that undo a start, remove the file's services, and run the sync daemons. Pure.
#pragma once

#include <string>
#include <vector>

#include "lvs/dataplane.hpp"
#include "lvs/rules.hpp"

namespace hb::lvs {

/// One ipvsadm invocation (its arguments, without the program name).
using IpvsCommand = std::vector<std::string>;

/// The services `config` wants, with each server's weight under `health` and the sorry
/// servers that are in (as a config, so it compares with a parsed `ipvsadm-save -n`).
LvsConfig ipvs_desired(const LvsConfig& config, const HealthTable& health);

/// Commands that make `live`'s copies of `desired`'s services equal to them: -A/-E for
/// services, -a/-e/-d for their servers. Services of `live` not in `desired` are left alone.
std::vector<IpvsCommand> ipvs_apply(const LvsConfig& live, const LvsConfig& desired);

/// Commands that turn `now` (the kernel's table after a failed or partial apply) back into
/// `before`'s version of each of `desired`'s services (deleting those `before` did not have).
std::vector<IpvsCommand> ipvs_restore(const LvsConfig& now, const LvsConfig& before,
                                      const LvsConfig& desired);

/// `-D` for each of `config`'s services that `live` has.
std::vector<IpvsCommand> ipvs_remove(const LvsConfig& live, const LvsConfig& config);

/// The differences between `live` and `desired` for `desired`'s services, one per line
/// (empty: the kernel holds them as wanted).
std::vector<std::string> ipvs_differences(const LvsConfig& live, const LvsConfig& desired);

/// Connection sync when the resource starts here: this director sends (master), and stops
/// receiving (backup).
std::vector<IpvsCommand> ipvs_sync_active(const SyncDaemon& sync);
/// … and when it stops here: back to receiving, so a later takeover keeps the connections.
std::vector<IpvsCommand> ipvs_sync_standby(const SyncDaemon& sync);

/// `ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1:80 -g -w 1`, for logs.
std::string format_command(const IpvsCommand& command);

}  // namespace hb::lvs
