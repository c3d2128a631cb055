// SPDX-License-Identifier: GPL-2.0-or-later
#include "platform/journal.hpp"

#include <sys/uio.h>
// The entries say what happened; where in our source it was logged is not theirs to say.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include <cstdlib>

namespace hb::platform {

std::optional<Journal> Journal::if_under_systemd()
{
    if (std::getenv("JOURNAL_STREAM") == nullptr && std::getenv("INVOCATION_ID") == nullptr) {
        return std::nullopt;
    }
    return Journal();
}

bool Journal::send(const std::vector<std::string>& fields) const
{
    std::vector<iovec> iov;
    iov.reserve(fields.size());
    for (const std::string& f : fields) {
        iov.push_back(iovec{const_cast<char*>(f.data()), f.size()});
    }
    return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0;
}

}  // namespace hb::platform
