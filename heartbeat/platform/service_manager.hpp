// SPDX-License-Identifier: GPL-2.0-or-later
// The service manager (systemd) protocol through libsystemd's sd_notify: readiness once the
// media and the API socket are open, reloading and stopping, a status line, and the watchdog
// fed from the io_context so that only a wedged event loop stops the pings. Without a
// manager (NOTIFY_SOCKET unset: a shell, the init script, a test) every call does nothing.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace hb::platform {

/// READY=1 with a status line.
void notify_ready(std::string_view status);
/// RELOADING=1 (SIGHUP received); notify_ready() says when it is done.
void notify_reloading();
/// STOPPING=1 with a status line (releasing resources can take minutes).
void notify_stopping(std::string_view status);

/// The interval the manager wants watchdog pings within, when it set one for this process.
std::optional<std::chrono::microseconds> watchdog_interval();

/// Feeds the manager's watchdog: WATCHDOG=1 every half interval, from a timer on the daemon's
/// io_context.
class Watchdog {
public:
    explicit Watchdog(boost::asio::io_context& io);
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    /// Starts pinging when the manager asked for a watchdog; false when it did not.
    bool start();
    /// Stops pinging (shutdown by cancellation).
    void stop();

private:
    void arm();

    boost::asio::steady_timer timer_;
    std::chrono::microseconds period_{0};
    bool running_ = false;
};

}  // namespace hb::platform
