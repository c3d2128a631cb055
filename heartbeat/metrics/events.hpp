// SPDX-License-Identifier: GPL-2.0-or-later
// The event history: every state change an administrator asks about after a failover
// (a node or link going dead or coming back, a group taken or given up and how long that
// took, a partition healed, a standby or takeover asked for, a reload, the daemon's start
// and stop), newest last, in a bounded ring and as JSON lines in the state directory, so it
// survives restarts and `cl_status events` can read it even when the daemon is gone.
// Sans-IO: the engine appends the lines this returns and rewrites the file when told.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/event_kind.hpp"

namespace hb::metrics {

/// The kinds live in base (log lines are tagged with them too).
using base::event_kind_from;
using base::EventKind;
using base::message_id;
using base::to_string;

struct Event {
    std::int64_t unix_ms = 0;  ///< wall clock
    EventKind kind = EventKind::daemon_start;
    std::string node;
    std::string group;
    std::string detail;  ///< a link's name, a request's kind
    std::optional<std::int64_t> took_ms;
    std::string text;  ///< one line for people
};

/// An event of `kind` with its text, and the node, detail and group it concerns (if any).
Event make_event(EventKind kind, std::string text, std::string node = {}, std::string detail = {},
                 std::string group = {});

/// One JSON object on one line (no newline), and back (nullopt for anything else).
std::string event_line(const Event& event);
std::optional<Event> parse_event_line(std::string_view line);

/// `cl_status events --since`: a time back from `now_ms` (`90s`, `15m`, `2h`, `1d`), or a
/// local date and time (`2026-12-06 16:50`, seconds optional); the first event it lets
/// through is at or after the returned wall-clock milliseconds. nullopt: not a time.
std::optional<std::int64_t> parse_since(std::string_view text, std::int64_t now_ms);

/// One line for people: local date and time to the millisecond, the time since the event
/// before (`+1.234 s`, blank for the first), then the text.
std::string format_event(const Event& event, std::optional<std::int64_t> previous_ms);

/// Refused datagrams come in bursts (a peer with another key, a scan, an attack): the history
/// gets one event when a burst begins, after `quiet` without any, not one per datagram (the
/// metrics count each).
class BurstWatch {
public:
    explicit BurstWatch(std::chrono::steady_clock::duration quiet = std::chrono::minutes(1))
        : quiet_(quiet)
    {}
    /// A refusal at `now`: true when it begins a burst.
    bool refused(std::chrono::steady_clock::time_point now)
    {
        const bool begins = !last_ || now - *last_ >= quiet_;
        last_ = now;
        return begins;
    }

private:
    std::chrono::steady_clock::duration quiet_;
    std::optional<std::chrono::steady_clock::time_point> last_;
};

/// The file's name in the state directory.
inline constexpr const char* events_file_name = "events";

class EventLog {
public:
    explicit EventLog(std::size_t capacity = 1000) : capacity_(capacity) {}

    /// The file as an earlier run left it (oldest first); lines that do not parse are
    /// skipped, the newest `capacity` kept.
    void restore(std::string_view file_text);
    /// Records `event`; returns its line (with newline) to append to the file.
    std::string add(Event event);
    /// True once the file holds twice the capacity: rewrite it with text(), then rewritten().
    bool wants_rewrite() const { return file_lines_ >= 2 * capacity_; }
    std::string text() const;
    void rewritten() { file_lines_ = events_.size(); }

    const std::deque<Event>& events() const { return events_; }

private:
    std::size_t capacity_;
    std::deque<Event> events_;
    std::size_t file_lines_ = 0;  ///< lines in the file, as far as we know
};

}  // namespace hb::metrics
