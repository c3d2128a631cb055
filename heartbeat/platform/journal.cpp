// SPDX-License-Identifier: GPL-2.0-or-later
#include "platform/journal.hpp"

#include <sys/uio.h>
#include <unistd.h>
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

std::vector<std::string> journal_entry(base::LogLevel level, std::string_view message, int pid,
                                       const std::optional<std::string>& facility,
                                       const base::LogFields* fields)
{
    std::vector<std::string> f{"MESSAGE=" + base::syslog_text(pid, level, message),
                               "PRIORITY=" + std::to_string(base::syslog_priority(level)),
                               "SYSLOG_IDENTIFIER=heartbeat", "SYSLOG_PID=" + std::to_string(pid)};
    if (facility) {
        f.push_back("SYSLOG_FACILITY=" + std::to_string(base::facility_code(*facility) >> 3));
    }
    if (fields == nullptr) {
        return f;
    }
    f.push_back("MESSAGE_ID=" + std::string(base::message_id(fields->event)));
    f.push_back("HB_EVENT=" + std::string(base::to_string(fields->event)));
    const auto add = [&f](const char* name, const std::string& value) {
        if (!value.empty()) {
            f.push_back(name + value);
        }
    };
    add("HB_NODE=", fields->node);
    add("HB_GROUP=", fields->group);
    add("HB_DETAIL=", fields->detail);
    if (fields->took_ms) {
        f.push_back("HB_TOOK_MS=" + std::to_string(*fields->took_ms));
    }
    return f;
}

namespace {

class JournalSink final : public base::LogSink {
public:
    JournalSink(Journal journal, std::optional<std::string> facility, base::LogLevel min)
        : journal_(journal),
          facility_(std::move(facility)),
          min_(min)
    {}
    void write(base::LogLevel level, std::string_view message) override
    {
        send(level, message, nullptr);
    }
    void write_tagged(base::LogLevel level, std::string_view message,
                      const base::LogFields& fields) override
    {
        send(level, message, &fields);
    }

private:
    void send(base::LogLevel level, std::string_view message, const base::LogFields* fields)
    {
        if (!base::at_least(level, min_)) {
            return;
        }
        (void)journal_.send(
            journal_entry(level, message, static_cast<int>(::getpid()), facility_, fields));
    }

    Journal journal_;
    std::optional<std::string> facility_;
    base::LogLevel min_;
};

}  // namespace

std::unique_ptr<base::LogSink> make_journal_sink(Journal journal,
                                                 std::optional<std::string> facility,
                                                 base::LogLevel min_level)
{
    return std::make_unique<JournalSink>(journal, std::move(facility), min_level);
}

}  // namespace hb::platform
