// SPDX-License-Identifier: GPL-2.0-or-later
// Structured entries for systemd's journal, through libsystemd's sd_journal_sendv, when the
// daemon runs as a systemd service: systemd then sets JOURNAL_STREAM (stdout and stderr go
// to the journal) or INVOCATION_ID in its environment. Elsewhere (a terminal, a SysV init,
// a test node) nothing is sent, and the log lines stay the only record.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hb::platform {

class Journal {
public:
    /// The journal when this process runs under systemd, else nullopt.
    static std::optional<Journal> if_under_systemd();
    /// Sends one entry of "NAME=value" fields; false when the journal refused it.
    bool send(const std::vector<std::string>& fields) const;

private:
    Journal() = default;
};

}  // namespace hb::platform
