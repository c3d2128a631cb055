// SPDX-License-Identifier: GPL-2.0-or-later
// A log line as a journal entry: the text syslog would get, its priority and facility, and
// the fields of a line that announces a state change.
#include <catch2/catch.hpp>

#include "platform/journal.hpp"

using namespace hb;

TEST_CASE("journal: a plain line keeps heartbeat's syslog text", "[platform][journal]")
{
    CHECK(platform::journal_entry(base::LogLevel::info, "Link lvs-02:ens32 up.", 812, "local0",
                                  nullptr) ==
          std::vector<std::string>{"MESSAGE=[812]: info: Link lvs-02:ens32 up.", "PRIORITY=6",
                                   "SYSLOG_IDENTIFIER=heartbeat", "SYSLOG_PID=812",
                                   "SYSLOG_FACILITY=16"});
    // Without a syslog facility (logfile only, in the foreground): no SYSLOG_FACILITY.
    CHECK(platform::journal_entry(base::LogLevel::err, "x", 1, std::nullopt, nullptr) ==
          std::vector<std::string>{"MESSAGE=[1]: ERROR: x", "PRIORITY=3",
                                   "SYSLOG_IDENTIFIER=heartbeat", "SYSLOG_PID=1"});
}

TEST_CASE("journal: a line about a change carries its fields", "[platform][journal]")
{
    base::LogFields death = base::log_fields(base::EventKind::node_status, "lvs-02");
    CHECK(platform::journal_entry(base::LogLevel::warn, "node lvs-02: is dead", 812, "daemon",
                                  &death) ==
          std::vector<std::string>{
              "MESSAGE=[812]: WARN: node lvs-02: is dead", "PRIORITY=4",
              "SYSLOG_IDENTIFIER=heartbeat", "SYSLOG_PID=812", "SYSLOG_FACILITY=3",
              "MESSAGE_ID=6726551d64544d1fa144c8d0d0ebe08d", "HB_EVENT=node_status",
              "HB_NODE=lvs-02"});
    base::LogFields taken =
        base::log_fields(base::EventKind::group_acquired, {}, "IPaddr::10.0.0.100");
    taken.took_ms = 341;
    taken.detail = "acquire";
    CHECK(platform::journal_entry(base::LogLevel::info, "group running here", 9, std::nullopt,
                                  &taken) ==
          std::vector<std::string>{"MESSAGE=[9]: info: group running here", "PRIORITY=6",
                                   "SYSLOG_IDENTIFIER=heartbeat", "SYSLOG_PID=9",
                                   "MESSAGE_ID=58f6d13aac174c4c838732ba079d3cb6",
                                   "HB_EVENT=group_acquired", "HB_GROUP=IPaddr::10.0.0.100",
                                   "HB_DETAIL=acquire", "HB_TOOK_MS=341"});
}
