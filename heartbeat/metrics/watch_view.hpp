// SPDX-License-Identifier: GPL-2.0-or-later
// What `cl_status watch` shows, from what it asked the daemon (nodes, their links, the
// groups held here) and the event history: one screen of plain text, the same on a terminal
// and in a pipe. Each node and link says how long it has been in its state, from the last
// event that put it there. Sans-IO: cl_status asks, draws and reads the keyboard.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metrics/events.hpp"

namespace hb::metrics {

struct WatchLink {
    std::string name;
    std::string status;
    std::optional<std::int64_t> heard_ms_ago;  ///< since its node was last heard on it
};

struct WatchNode {
    std::string name;
    std::string type;  ///< normal or ping
    std::string status;
    std::vector<WatchLink> links;
};

struct WatchSnapshot {
    std::int64_t now_ms = 0;
    /// Why the daemon could not be asked (it is stopped, it refused us), or nullopt.
    std::optional<std::string> unreachable;
    std::vector<WatchNode> nodes;
    std::string held;            ///< rscstatus: none, local, foreign, all, transition
    std::vector<Event> history;  ///< the whole history, oldest first
    std::size_t recent = 8;      ///< how many of its newest to show
};

/// The screen, lines ending in newline.
std::string render_watch(const WatchSnapshot& snapshot);

/// `3s`, `4m05s`, `2h07m`, `3d04h`: how long, to the unit that matters.
std::string format_age(std::int64_t ms);

}  // namespace hb::metrics
