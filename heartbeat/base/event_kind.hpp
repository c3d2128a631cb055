// SPDX-License-Identifier: GPL-2.0-or-later
// The kinds of state change heartbeat records for administrators (metrics/events keeps their
// history) and tags its log lines with (the journal's HB_EVENT and MESSAGE_ID fields). Here,
// below every module, so that the line that announces a change can say which it is.
#pragma once

#include <optional>
#include <string_view>

namespace hb::base {

/// What kind of change an event records.
enum class EventKind {
    daemon_start,
    daemon_stop,
    node_status,       ///< node: its new status
    link_status,       ///< node and link: up or dead
    group_acquired,    ///< group: taken here
    group_released,    ///< group: given up here
    group_failed,      ///< group: its operation failed or got stuck
    partition_healed,  ///< node: heard again after it was declared dead (split brain healed)
    request,           ///< a standby or takeover asked for
    reload,            ///< the configuration reloaded, or refused
    bad_packets,       ///< refused datagrams began to arrive
};

/// `node_status`, … (the history's `kind` and the journal's HB_EVENT).
std::string_view to_string(EventKind kind);
std::optional<EventKind> event_kind_from(std::string_view text);
/// The journal's MESSAGE_ID of a kind (32 hex digits, fixed for ever).
std::string_view message_id(EventKind kind);

}  // namespace hb::base
