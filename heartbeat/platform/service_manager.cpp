// SPDX-License-Identifier: GPL-2.0-or-later
// sd_notify wrappers and the watchdog timer.
#include "platform/service_manager.hpp"

#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace hb::platform {

namespace {

void notify(const std::string& state)
{
    // 0: keep NOTIFY_SOCKET for later calls; the result only says whether a manager listens.
    (void)sd_notify(0, state.c_str());
}

}  // namespace

void notify_ready(std::string_view status)
{
    notify("READY=1\nSTATUS=" + std::string(status));
}

void notify_reloading()
{
    notify("RELOADING=1\nSTATUS=reloading the configuration");
}

void notify_stopping(std::string_view status)
{
    notify("STOPPING=1\nSTATUS=" + std::string(status));
}

std::optional<std::chrono::microseconds> watchdog_interval()
{
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
        return std::nullopt;
    }
    return std::chrono::microseconds(static_cast<std::int64_t>(usec));
}

Watchdog::Watchdog(boost::asio::io_context& io) : timer_(io) {}

bool Watchdog::start()
{
    const auto interval = watchdog_interval();
    if (!interval) {
        return false;
    }
    period_ = *interval / 2;
    running_ = true;
    notify("WATCHDOG=1");
    arm();
    return true;
}

void Watchdog::stop()
{
    running_ = false;
    timer_.cancel();
}

void Watchdog::arm()
{
    timer_.expires_after(period_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || !running_) {
            return;
        }
        notify("WATCHDOG=1");
        arm();
    });
}

}  // namespace hb::platform
