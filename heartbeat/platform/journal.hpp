// SPDX-License-Identifier: GPL-2.0-or-later
// systemd's journal, through libsystemd's sd_journal_sendv, when the daemon runs as a systemd
// service: systemd then sets JOURNAL_STREAM (stdout and stderr go to the journal) or
// INVOCATION_ID in its environment. There heartbeat's log lines go to the journal directly,
// with the text syslog would get, and the lines that announce a state change carry fields
// to filter on (HB_EVENT, a MESSAGE_ID per kind, HB_NODE, HB_GROUP, ...). Elsewhere (a
// terminal, a SysV init, a test node) nothing is sent here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.hpp"

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

/// The entry for one log line of process `pid`: MESSAGE as heartbeat's syslog lines read
/// (`[PID]: WARN: text`), PRIORITY, SYSLOG_IDENTIFIER=heartbeat, SYSLOG_PID, SYSLOG_FACILITY
/// when `facility` (a syslog facility name) is given, and the line's fields when it has them.
std::vector<std::string> journal_entry(base::LogLevel level, std::string_view message, int pid,
                                       const std::optional<std::string>& facility,
                                       const base::LogFields* fields);

/// Writes log lines at `min_level` and above to the journal. With `facility`, journald passes
/// them on to syslog under it, as the syslog destination did.
std::unique_ptr<base::LogSink> make_journal_sink(Journal journal,
                                                 std::optional<std::string> facility,
                                                 base::LogLevel min_level);

}  // namespace hb::platform
