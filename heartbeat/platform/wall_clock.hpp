// SPDX-License-Identifier: GPL-2.0-or-later
// The wall clock in milliseconds since the epoch: for what is written down for people and
// for other processes (event times, state files), never for timers (those run on the
// monotonic clock).
#pragma once

#include <chrono>
#include <cstdint>

namespace hb::platform {

inline std::int64_t wall_clock_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace hb::platform
