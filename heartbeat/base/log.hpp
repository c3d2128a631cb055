// SPDX-License-Identifier: GPL-2.0-or-later
// Logging: levels mapped to syslog priorities, a process-wide logger with sinks chosen once
// at start-up (stderr, syslog, log file, debug file), and HB_LOG(level) << … which builds
// the message only when the level is enabled. Also a small rate limiter for log lines that
// an attacker or a flapping link could otherwise repeat without bound.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/event_kind.hpp"

namespace hb::base {

/// Severity of a log line; debug lines carry a level 1..3 compared with the debug setting.
enum class LogLevel { debug3, debug2, debug, info, warn, err, crit };

/// heartbeat's word for a level in log lines (`debug`, `info`, `WARN`, `ERROR`, `CRIT`).
std::string_view to_string(LogLevel level);

/// The syslog priority for a level (LOG_DEBUG … LOG_CRIT).
int syslog_priority(LogLevel level);

/// What a line that announces a state change says about it, for destinations that keep
/// fields (the journal: HB_EVENT, MESSAGE_ID, HB_NODE, HB_GROUP, HB_DETAIL, HB_TOOK_MS).
/// The line's text is the same with or without them.
struct LogFields {
    EventKind event = EventKind::node_status;
    std::string node;
    std::string group;
    std::string detail;
    std::optional<std::int64_t> took_ms;
};

/// The fields of a line about `event` (of node `node`, group `group`, when it has them).
inline LogFields log_fields(EventKind event, std::string node = {}, std::string group = {})
{
    LogFields f;
    f.event = event;
    f.node = std::move(node);
    f.group = std::move(group);
    return f;
}

/// True when a line at `level` passes a destination's `min` level.
inline bool at_least(LogLevel level, LogLevel min)
{
    return static_cast<int>(level) >= static_cast<int>(min);
}

/// Where log lines go. Implementations must not throw.
class LogSink {
public:
    virtual ~LogSink() = default;
    /// Writes one line (without trailing newline).
    virtual void write(LogLevel level, std::string_view message) = 0;
    /// A line with fields; a destination without fields writes the text alone.
    virtual void write_tagged(LogLevel level, std::string_view message, const LogFields&)
    {
        write(level, message);
    }
};

/// How heartbeat writes lines to its log files.
struct LineFormat {
    std::string program = "heartbeat";
    std::string host;          ///< node name, for the syslog-style layout
    bool syslog_style = true;  ///< ha.cf `syslogmsgfmt` (default true)
};

/// One log-file line. syslog style (the default):
///   `Nov 25 00:57:01 lvs-01 heartbeat: [2345]: info: message`
/// otherwise:
///   `heartbeat[2345]: 2026/11/25_00:57:01 info: message`
std::string format_file_line(const LineFormat& format, int pid,
                             std::chrono::system_clock::time_point when, LogLevel level,
                             std::string_view message);

/// Appends lines to a file (opened per line in append mode, so logrotate needs no signal).
std::unique_ptr<LogSink> make_file_sink(std::string path, LineFormat format, LogLevel min_level);
/// Writes lines to standard error in the file format.
std::unique_ptr<LogSink> make_stderr_sink(LineFormat format, LogLevel min_level);
/// What heartbeat's syslog lines say after the program name: `[PID]: WARN: message`.
std::string syslog_text(int pid, LogLevel level, std::string_view message);
/// The syslog facility value of a name (`local0` → LOG_LOCAL0); LOG_DAEMON when unknown.
int facility_code(const std::string& name);
/// Sends lines to syslog with the given facility name (`daemon`, `local0` …).
std::unique_ptr<LogSink> make_syslog_sink(std::string program, const std::string& facility,
                                          LogLevel min_level);

/// The process-wide logger.
class Logger {
public:
    /// The single instance.
    static Logger& instance();

    /// Replaces all sinks.
    void set_sinks(std::vector<std::unique_ptr<LogSink>> sinks);
    /// Debug level 0..255 (heartbeat's `debug`, `-d`, SIGUSR1/SIGUSR2).
    void set_debug_level(int level);
    int debug_level() const { return debug_level_; }

    /// True when a line at `level` would be written anywhere.
    bool enabled(LogLevel level) const;
    /// Writes a line to every sink.
    void write(LogLevel level, std::string_view message);
    void write(LogLevel level, std::string_view message, const LogFields& fields);

private:
    Logger() = default;
    std::vector<std::unique_ptr<LogSink>> sinks_;
    int debug_level_ = 0;
};

/// One log line under construction; written when destroyed.
class LogLine {
public:
    explicit LogLine(LogLevel level) : level_(level) {}
    LogLine(LogLevel level, LogFields fields) : level_(level), fields_(std::move(fields)) {}
    ~LogLine()
    {
        if (fields_) {
            Logger::instance().write(level_, stream_.str(), *fields_);
        } else {
            Logger::instance().write(level_, stream_.str());
        }
    }
    LogLine(const LogLine&) = delete;
    LogLine& operator=(const LogLine&) = delete;
    std::ostream& stream() { return stream_; }

private:
    LogLevel level_;
    std::optional<LogFields> fields_;
    std::ostringstream stream_;
};

/// Allows at most `burst` events per `interval`; counts what it suppressed.
class RateLimiter {
public:
    RateLimiter(std::chrono::steady_clock::duration interval, unsigned burst)
        : interval_(interval),
          burst_(burst)
    {}
    /// True when an event at `now` may be logged.
    bool allow(std::chrono::steady_clock::time_point now);
    /// Events refused since the last allowed one; reading resets it.
    unsigned long take_suppressed();

private:
    std::chrono::steady_clock::duration interval_;
    unsigned burst_;
    std::chrono::steady_clock::time_point window_start_{};
    unsigned used_ = 0;
    unsigned long suppressed_ = 0;
};

}  // namespace hb::base

/// Logs `<< …` at `level` (a hb::base::LogLevel value name) when that level is enabled.
#define HB_LOG(level)                                                           \
    if (!::hb::base::Logger::instance().enabled(::hb::base::LogLevel::level)) { \
    } else                                                                      \
        ::hb::base::LogLine(::hb::base::LogLevel::level).stream()

/// The same for a line that announces a state change: `fields` (a hb::base::LogFields) go
/// with it to destinations that keep them.
#define HB_LOG_EVENT(level, fields)                                             \
    if (!::hb::base::Logger::instance().enabled(::hb::base::LogLevel::level)) { \
    } else                                                                      \
        ::hb::base::LogLine(::hb::base::LogLevel::level, fields).stream()
