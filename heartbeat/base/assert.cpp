// SPDX-License-Identifier: GPL-2.0-or-later
// HB_ASSERT's failure path.
#include "base/assert.hpp"

#include <cstdlib>

#include "base/log.hpp"

namespace hb::base {

void assertion_failed(const char* expression, const char* file, int line)
{
    HB_LOG(crit) << "assertion failed: " << expression << " (" << file << ":" << line
                 << "): this is a bug in heartbeat";
    std::abort();
}

}  // namespace hb::base
