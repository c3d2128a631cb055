// SPDX-License-Identifier: GPL-2.0-or-later
// Giving up privileges a process does not need, for good: heartbeat 3.0.6 ran every helper
// as full root. Linux capabilities through the raw syscalls (no libcap).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>

namespace hb::platform {

/// Keeps only the capabilities `keep` (numbers from <linux/capability.h>, e.g.
/// CAP_NET_ADMIN), in this process and in everything it executes afterwards, root or not:
/// every other capability leaves the bounding set (when we may: CAP_SETPCAP), then the
/// permitted, effective and inheritable sets; and no_new_privs is set, so nothing executed
/// later, setuid or root, gets more than `keep`. The user stays who it is (files it owns
/// stay writable). Returns what failed, or nullopt.
std::optional<std::string> keep_only_capabilities(std::initializer_list<int> keep);

}  // namespace hb::platform
