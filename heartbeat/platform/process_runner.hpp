// SPDX-License-Identifier: GPL-2.0-or-later
// Runs resource scripts as child processes on the daemon's single io_context without ever
// blocking it: posix_spawn (own process group, clean signals, only fds 0-2, explicit
// environment), exit seen through a pidfd (SIGCHLD + waitpid over our own pids when the
// kernel lacks pidfd), output read through pipes and logged line by line, timeouts enforced
// with SIGTERM then SIGKILL to the whole group. It knows nothing about resources or their
// operations; it runs a program and reports how it ended.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::platform {

/// How a child process ended.
enum class ProcessOutcome {
    exited,        ///< it exited by itself; see exit_code
    signalled,     ///< a signal ended it (also: cancel_all() killed it); see signal
    timed_out,     ///< it overran its timeout and we killed its process group
    spawn_failed,  ///< it never ran; see spawn_error
};

/// The word used for an outcome in log lines (`exited`, `signalled`, `timed out`, `spawn failed`).
std::string_view to_string(ProcessOutcome outcome);

/// What to run. There is no shell: argv is `path` followed by `args`.
struct ProcessSpec {
    std::string path;                            ///< program to execute (no PATH search)
    std::vector<std::string> args;               ///< argv[1..], passed as they are
    std::vector<std::string> env;                ///< the whole environment, `NAME=VALUE` each
    std::string working_dir;                     ///< directory to run in; empty: the daemon's
    std::chrono::milliseconds timeout{0};        ///< then SIGTERM to the group; 0: no limit
    std::chrono::milliseconds kill_grace{2000};  ///< SIGKILL this long after the SIGTERM
    std::size_t output_cap = 64 * 1024;          ///< bytes kept (and logged) per stream
    std::string log_tag;     ///< lines are logged as `TAG[PID]: text`; default TAG: the path
    bool log_output = true;  ///< false: the output is data for the caller, not for the log
};

/// How a run ended, with what the program wrote.
struct ProcessResult {
    ProcessOutcome outcome = ProcessOutcome::spawn_failed;
    int exit_code = -1;                     ///< its exit status when it exited, else -1
    int signal = 0;                         ///< the signal that ended it, else 0
    int pid = 0;                            ///< its pid and process group; 0 if it never ran
    std::string output;                     ///< stdout, at most output_cap bytes
    std::string errors;                     ///< stderr, at most output_cap bytes
    std::size_t output_dropped = 0;         ///< stdout bytes beyond the cap, read and dropped
    std::size_t errors_dropped = 0;         ///< stderr bytes beyond the cap, read and dropped
    std::chrono::milliseconds duration{0};  ///< from spawn to this result
    std::string spawn_error;                ///< why it never ran (spawn_failed only)
};

/// How the runner learns that a child exited.
enum class ExitWatch {
    pidfd,    ///< pidfd_open per child; falls back to sigchld when the kernel lacks it
    sigchld,  ///< signal_set(SIGCHLD) + waitpid(pid, WNOHANG) over our own children only
};

/// Runs child processes asynchronously on one io_context (one thread, like the daemon).
class ProcessRunner {
public:
    /// Called once per run() with its result, from a handler on the io_context.
    using DoneHandler = std::function<void(const ProcessResult&)>;

    /// A runner for `io`; `watch` is for tests of the SIGCHLD path.
    explicit ProcessRunner(boost::asio::io_context& io, ExitWatch watch = ExitWatch::pidfd);
    ProcessRunner(const ProcessRunner&) = delete;
    ProcessRunner& operator=(const ProcessRunner&) = delete;
    /// Closes every descriptor and SIGKILLs the process groups still running, without
    /// reporting them (call cancel_all() first for their results).
    ~ProcessRunner();

    /// Starts `spec`; `on_done` runs later (never inside run(), even when the spawn fails).
    /// Returns an id unique within this runner.
    std::uint64_t run(ProcessSpec spec, DoneHandler on_done);
    /// SIGKILLs every running process group and delivers every pending result now: signalled
    /// (SIGKILL) for those still running, timed_out for those already being killed for their
    /// timeout, the real outcome for those that had exited. The runner reaps them afterwards.
    /// Runs that those result handlers start are left running.
    void cancel_all();
    /// Asks run `id` to end: SIGTERM to its process group, SIGKILL after its kill_grace. Its
    /// result comes as usual (signalled, or exited if it handled the SIGTERM).
    void terminate(std::uint64_t id);
    /// Runs whose result has not been delivered yet.
    std::size_t running() const { return undelivered_; }

private:
    struct Child;
    struct Stream;

    void start_exit_watch(const std::shared_ptr<Child>& child);
    void do_wait_pidfd(const std::shared_ptr<Child>& child);
    void start_deadline(const std::shared_ptr<Child>& child);
    void on_deadline(const std::shared_ptr<Child>& child);
    /// SIGTERM to the child's group now, SIGKILL after its kill_grace.
    void terminate_group(const std::shared_ptr<Child>& child);
    void on_grace_over(const std::shared_ptr<Child>& child);
    void do_read(const std::shared_ptr<Child>& child, Stream& stream);
    void on_read(const std::shared_ptr<Child>& child, Stream& stream, std::size_t n);
    void close_stream(const std::shared_ptr<Child>& child, Stream& stream);
    static void log_line(const Child& child, const Stream& stream);
    bool try_reap(const std::shared_ptr<Child>& child);
    void on_reaped(const std::shared_ptr<Child>& child);
    void on_drain_over(const std::shared_ptr<Child>& child);
    void try_finish(const std::shared_ptr<Child>& child);
    void deliver(const std::shared_ptr<Child>& child);
    void forget_if_done(const std::shared_ptr<Child>& child);
    void arm_sigchld();
    void disarm_sigchld();
    void sweep_sigchld();

    boost::asio::io_context& io_;
    ExitWatch watch_;
    std::map<std::uint64_t, std::shared_ptr<Child>> children_;  // until delivered and reaped
    std::uint64_t next_id_ = 1;
    std::size_t undelivered_ = 0;
    std::optional<boost::asio::signal_set> sigchld_;  // created on first use of the fallback
    bool sigchld_armed_ = false;
    std::uint64_t sigchld_generation_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // handlers hold a weak_ptr
};

}  // namespace hb::platform
