// SPDX-License-Identifier: GPL-2.0-or-later
// Process-level Linux facilities for the daemon: detaching with a readiness pipe (errors
// during start-up still reach the terminal), the pid file, real-time scheduling and memory
// locking, and finding/stopping a running daemon by its pid file.
#pragma once

#include <csignal>
#include <initializer_list>
#include <optional>
#include <string>
#include <system_error>

#include "base/unique_fd.hpp"

namespace hb::platform {

/// The parent side of a detach: it waits for the child to say it is ready (or failed).
class Detacher {
public:
    /// Forks. In the parent this waits for the child's report and exits with its status; it
    /// returns only in the child, which is then in its own session with stdin on /dev/null.
    static Detacher detach();
    /// Child: start-up went well; the parent exits 0. Stdout/stderr go to /dev/null.
    void ready();
    /// Child: start-up failed with `status`; the parent exits with it.
    void failed(int status);

private:
    explicit Detacher(base::UniqueFd pipe) : pipe_(std::move(pipe)) {}
    base::UniqueFd pipe_;  ///< write end of the pipe the parent reads its status from
};

/// Writes our pid to `path` (mode 0644).
bool write_pid_file(const std::string& path, std::error_code& error);
/// Removes `path` if it still holds our pid.
void remove_pid_file(const std::string& path);
/// The pid in `path` if that process is alive.
std::optional<int> running_pid(const std::string& path);
/// Sends `signal` to `pid`.
bool send_signal(int pid, int signal);
/// True while `pid` exists.
bool process_alive(int pid);

/// Signals held (blocked) from construction until release(): a signal sent while the daemon
/// starts stays pending and reaches the handler installed meanwhile, instead of taking the
/// default action (SIGHUP and SIGTERM end a process that has no handler yet). Children
/// started through ProcessRunner get an empty mask whatever this holds.
class HeldSignals {
public:
    explicit HeldSignals(std::initializer_list<int> signals);
    ~HeldSignals();
    HeldSignals(const HeldSignals&) = delete;
    HeldSignals& operator=(const HeldSignals&) = delete;
    /// Unblocks them: pending ones are delivered now, to whatever handles them.
    void release();

private:
    sigset_t set_{};
    bool held_ = false;
};

/// Result of asking for real-time behaviour.
struct RealtimeResult {
    bool scheduled = false;  ///< SCHED_FIFO set
    bool locked = false;     ///< memory locked
    std::string problem;     ///< why not, when not
};
/// SCHED_FIFO at `priority` (0: the middle of the range) and mlockall.
RealtimeResult go_realtime(int priority);

}  // namespace hb::platform
