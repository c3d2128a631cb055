// SPDX-License-Identifier: GPL-2.0-or-later
// HB_ASSERT: a check for our own bugs, on in release builds too (STYLE §5). A failure logs
// the expression and where at crit, then aborts: a daemon that has broken its own
// invariants must not go on deciding who holds a VIP. Never for input from outside.
#pragma once

namespace hb::base {

/// Logs "assertion failed: EXPR (FILE:LINE)" and aborts.
[[noreturn]] void assertion_failed(const char* expression, const char* file, int line);

}  // namespace hb::base

#define HB_ASSERT(condition)                                              \
    do {                                                                  \
        if (!(condition)) {                                               \
            ::hb::base::assertion_failed(#condition, __FILE__, __LINE__); \
        }                                                                 \
    } while (false)
