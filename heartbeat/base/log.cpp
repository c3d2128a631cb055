// SPDX-License-Identifier: GPL-2.0-or-later
// Logger, sinks and rate limiter.
#include "base/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <iostream>

namespace hb::base {

std::string_view to_string(LogLevel level)
{
    switch (level) {
    case LogLevel::debug3:
    case LogLevel::debug2:
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "WARN";
    case LogLevel::err: return "ERROR";
    case LogLevel::crit: return "CRIT";
    }
    return "info";
}

int syslog_priority(LogLevel level)
{
    switch (level) {
    case LogLevel::debug3:
    case LogLevel::debug2:
    case LogLevel::debug: return LOG_DEBUG;
    case LogLevel::info: return LOG_INFO;
    case LogLevel::warn: return LOG_WARNING;
    case LogLevel::err: return LOG_ERR;
    case LogLevel::crit: return LOG_CRIT;
    }
    return LOG_INFO;
}

std::string format_file_line(const LineFormat& format, int pid,
                             std::chrono::system_clock::time_point when, LogLevel level,
                             std::string_view message)
{
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    std::array<char, 32> stamp{};
    std::string line;
    if (format.syslog_style) {
        std::strftime(stamp.data(), stamp.size(), "%b %d %H:%M:%S", &tm);
        line = std::string(stamp.data()) + " " + format.host + " " + format.program + ": [" +
               std::to_string(pid) + "]: ";
    } else {
        std::strftime(stamp.data(), stamp.size(), "%Y/%m/%d_%H:%M:%S", &tm);
        line = format.program + "[" + std::to_string(pid) + "]: " + stamp.data() + " ";
    }
    line += to_string(level);
    line += ": ";
    line += message;
    return line;
}

namespace {

class FileSink final : public LogSink {
public:
    FileSink(std::string path, LineFormat format, LogLevel min)
        : path_(std::move(path)),
          format_(std::move(format)),
          min_(min)
    {}
    void write(LogLevel level, std::string_view message) override
    {
        if (!at_least(level, min_)) {
            return;
        }
        std::FILE* f = std::fopen(path_.c_str(), "ae");
        if (f == nullptr) {
            return;
        }
        const std::string line = format_file_line(format_, static_cast<int>(::getpid()),
                                                  std::chrono::system_clock::now(), level, message);
        std::fprintf(f, "%s\n", line.c_str());
        std::fclose(f);
    }

private:
    std::string path_;
    LineFormat format_;
    LogLevel min_;
};

class StderrSink final : public LogSink {
public:
    StderrSink(LineFormat format, LogLevel min) : format_(std::move(format)), min_(min) {}
    void write(LogLevel level, std::string_view message) override
    {
        if (!at_least(level, min_)) {
            return;
        }
        std::cerr << format_file_line(format_, static_cast<int>(::getpid()),
                                      std::chrono::system_clock::now(), level, message)
                  << std::endl;
    }

private:
    LineFormat format_;
    LogLevel min_;
};

class SyslogSink final : public LogSink {
public:
    SyslogSink(std::string program, const std::string& facility, LogLevel min)
        : program_(std::move(program)),
          min_(min)
    {
        ::openlog(program_.c_str(), LOG_NDELAY, facility_code(facility));
    }
    ~SyslogSink() override { ::closelog(); }
    SyslogSink(const SyslogSink&) = delete;
    SyslogSink& operator=(const SyslogSink&) = delete;
    void write(LogLevel level, std::string_view message) override
    {
        if (!at_least(level, min_)) {
            return;
        }
        ::syslog(syslog_priority(level), "%s",
                 syslog_text(static_cast<int>(::getpid()), level, message).c_str());
    }

private:
    std::string program_;  // openlog keeps a pointer to it
    LogLevel min_;
};

}  // namespace

std::unique_ptr<LogSink> make_file_sink(std::string path, LineFormat format, LogLevel min_level)
{
    return std::make_unique<FileSink>(std::move(path), std::move(format), min_level);
}

std::unique_ptr<LogSink> make_stderr_sink(LineFormat format, LogLevel min_level)
{
    return std::make_unique<StderrSink>(std::move(format), min_level);
}

std::string syslog_text(int pid, LogLevel level, std::string_view message)
{
    return "[" + std::to_string(pid) + "]: " + std::string(to_string(level)) + ": " +
           std::string(message);
}

int facility_code(const std::string& name)
{
    struct Entry {
        const char* name;
        int code;
    };
    static constexpr std::array<Entry, 21> table = {{
        {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
        {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},           {"kern", LOG_KERN},
        {"lpr", LOG_LPR},       {"mail", LOG_MAIL},         {"news", LOG_NEWS},
        {"syslog", LOG_SYSLOG}, {"user", LOG_USER},         {"uucp", LOG_UUCP},
        {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
        {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
        {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},     {"security", LOG_AUTH},
    }};
    for (const Entry& e : table) {
        if (name == e.name) {
            return e.code;
        }
    }
    return LOG_DAEMON;
}

std::unique_ptr<LogSink> make_syslog_sink(std::string program, const std::string& facility,
                                          LogLevel min_level)
{
    return std::make_unique<SyslogSink>(std::move(program), facility, min_level);
}

Logger& Logger::instance()
{
    static Logger logger;
    return logger;
}

void Logger::set_sinks(std::vector<std::unique_ptr<LogSink>> sinks)
{
    sinks_ = std::move(sinks);
}

void Logger::set_debug_level(int level)
{
    debug_level_ = level < 0 ? 0 : (level > 255 ? 255 : level);
}

bool Logger::enabled(LogLevel level) const
{
    if (sinks_.empty()) {
        return false;
    }
    switch (level) {
    case LogLevel::debug3: return debug_level_ >= 3;
    case LogLevel::debug2: return debug_level_ >= 2;
    case LogLevel::debug: return debug_level_ >= 1;
    default: return true;
    }
}

void Logger::write(LogLevel level, std::string_view message)
{
    for (const auto& sink : sinks_) {
        sink->write(level, message);
    }
}

void Logger::write(LogLevel level, std::string_view message, const LogFields& fields)
{
    for (const auto& sink : sinks_) {
        sink->write_tagged(level, message, fields);
    }
}

bool RateLimiter::allow(std::chrono::steady_clock::time_point now)
{
    if (now - window_start_ >= interval_ || now < window_start_) {
        window_start_ = now;
        used_ = 0;
    }
    if (used_ < burst_) {
        ++used_;
        return true;
    }
    ++suppressed_;
    return false;
}

unsigned long RateLimiter::take_suppressed()
{
    const unsigned long n = suppressed_;
    suppressed_ = 0;
    return n;
}

}  // namespace hb::base
