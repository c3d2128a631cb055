// SPDX-License-Identifier: GPL-2.0-or-later
// The state directory's hb_replay_floor: the replay floors (membership.hpp) of a previous
// run, as text. One line per peer, `NODE GENERATION SEQ` in decimal; `#` starts a comment.
// Ours only: heartbeat 3.0.6 has no such file and ignores it.
#pragma once

#include <string>
#include <string_view>

#include "base/diagnostic.hpp"
#include "membership/membership.hpp"

namespace hb::membership {

/// The file's name in the state directory.
inline constexpr std::string_view replay_floor_file = "hb_replay_floor";

/// Reads the file's text (`path` names it in diagnostics). A line that does not parse is
/// reported as a warning with its line number and left out: a damaged file must not keep
/// the daemon from starting, it only forgets that peer's floor.
ReplayFloors parse_replay_floors(std::string_view text, const std::string& path,
                                 base::Diagnostics& diagnostics);

/// The file's text for `floors`, with a comment saying what it is.
std::string format_replay_floors(const ReplayFloors& floors);

}  // namespace hb::membership
