// SPDX-License-Identifier: GPL-2.0-or-later
// Child processes for resource scripts, asynchronous on the daemon's io_context.
//
// One run, from spawn to result:
//
//   spawned ──exit seen (pidfd readable or SIGCHLD)──▶ reaped ──both pipes at EOF──▶ delivered
//      │                                                 │
//      │ timeout: SIGTERM to the group                   └──1 s, a pipe still open──▶ delivered
//      ▼
//   timed out ──kill_grace──▶ SIGKILL to the group
//
//   spawned ──posix_spawn failed──▶ delivered from a posted handler (spawn_failed)
//   any ──cancel_all──▶ SIGKILL to the group, pipes closed, delivered now; reaped later
//
// Transitions:
// * exit seen: peek with WNOWAIT first. While the leader is an unreaped zombie its pid, and
//   so its process group id, cannot be reused; a timed-out or cancelled group gets its
//   SIGKILL at that moment, so nothing of such a script outlives it. Then reap.
// * reaped: wait for EOF on both pipes, but at most 1 s: a background process that kept our
//   pipe as its stdout must not hold the result back.
// * a normal exit leaves the rest of the group alone: init scripts may start daemons.
#include "platform/process_runner.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
// glibc 2.36's <sys/pidfd.h> lacks __BEGIN_DECLS: give it C linkage here.
extern "C" {
#include <sys/pidfd.h>
}
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string_view>
#include <system_error>
#include <utility>

#include "base/log.hpp"
#include "base/unique_fd.hpp"

namespace hb::platform {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::string_view to_string(ProcessOutcome outcome)
{
    switch (outcome) {
    case ProcessOutcome::exited: return "exited";
    case ProcessOutcome::signalled: return "signalled";
    case ProcessOutcome::timed_out: return "timed out";
    case ProcessOutcome::spawn_failed: return "spawn failed";
    }
    return "?";
}

namespace {

/// How long a reaped child's pipes may stay open before we stop reading them.
constexpr auto eof_wait_after_exit = std::chrono::seconds(1);
/// Longest piece of output logged as one line.
constexpr std::size_t max_logged_line = 4096;

std::string errno_message(int error)
{
    return std::generic_category().message(error);
}

using base::UniqueFd;

/// Moves `fd` to 3 or above (close-on-exec), so that setting up the child's 0-2 from it
/// cannot clobber another of its descriptors when we ourselves run without 0-2.
bool lift_above_stdio(UniqueFd& fd)
{
    if (fd.get() > STDERR_FILENO) {
        return true;
    }
    const int lifted = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (lifted < 0) {
        return false;
    }
    fd.reset(lifted);
    return true;
}

/// posix_spawn with heartbeat's hygiene; returns 0 or an errno value.
int spawn_child(const ProcessSpec& spec, int out_write, int err_write, pid_t& pid)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    if (const int rc = ::posix_spawn_file_actions_init(&actions); rc != 0) {
        return rc;
    }
    if (const int rc = ::posix_spawnattr_init(&attr); rc != 0) {
        ::posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    // Own process group (so a timeout can signal everything the script started), no blocked
    // signals, and default dispositions: the daemon ignores SIGPIPE and catches others
    // through signal_set, and ignored signals would otherwise survive exec.
    sigset_t none;
    sigset_t all;
    ::sigemptyset(&none);
    ::sigfillset(&all);
    int flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    // A daemon running SCHED_FIFO (ha.cf `realtime`) must not hand that to scripts: a busy
    // one would compete with the heartbeats themselves. Scripts run SCHED_OTHER.
    const int policy = ::sched_getscheduler(0);
    if (policy != SCHED_OTHER && policy >= 0) {
        flags |= POSIX_SPAWN_SETSCHEDULER;
    }
    const sched_param normal{};
    int rc = ::posix_spawnattr_setflags(&attr, static_cast<short>(flags));
    if (rc == 0 && (flags & POSIX_SPAWN_SETSCHEDULER) != 0) {
        rc = ::posix_spawnattr_setschedpolicy(&attr, SCHED_OTHER);
        if (rc == 0) {
            rc = ::posix_spawnattr_setschedparam(&attr, &normal);
        }
    }
    if (rc == 0) {
        rc = ::posix_spawnattr_setpgroup(&attr, 0);
    }
    if (rc == 0) {
        rc = ::posix_spawnattr_setsigmask(&attr, &none);
    }
    if (rc == 0) {
        rc = ::posix_spawnattr_setsigdefault(&attr, &all);
    }
    if (rc == 0) {
        rc = ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    if (rc == 0) {
        rc = ::posix_spawn_file_actions_adddup2(&actions, out_write, STDOUT_FILENO);
    }
    if (rc == 0) {
        rc = ::posix_spawn_file_actions_adddup2(&actions, err_write, STDERR_FILENO);
    }
    if (rc == 0) {
        rc = ::posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    }
    if (rc == 0 && !spec.working_dir.empty()) {
        rc = ::posix_spawn_file_actions_addchdir_np(&actions, spec.working_dir.c_str());
    }
    if (rc == 0) {
        std::vector<char*> argv;
        argv.reserve(spec.args.size() + 2);
        argv.push_back(const_cast<char*>(spec.path.c_str()));
        for (const std::string& arg : spec.args) {
            argv.push_back(const_cast<char*>(arg.c_str()));
        }
        argv.push_back(nullptr);
        std::vector<char*> envp;
        envp.reserve(spec.env.size() + 1);
        for (const std::string& entry : spec.env) {
            envp.push_back(const_cast<char*>(entry.c_str()));
        }
        envp.push_back(nullptr);
        rc = ::posix_spawn(&pid, spec.path.c_str(), &actions, &attr, argv.data(), envp.data());
    }
    ::posix_spawnattr_destroy(&attr);
    ::posix_spawn_file_actions_destroy(&actions);
    return rc;
}

/// waitid on one child: through its pidfd when there is one (>= 0), else by pid. Kernel
/// 5.3 has pidfd_open but not P_PIDFD (EINVAL): then by pid too, which is still ours.
int wait_child(int pidfd, int pid, siginfo_t& info, int options)
{
    int rc = -1;
    if (pidfd >= 0) {
        do {
            rc = ::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, options);
        } while (rc != 0 && errno == EINTR);
        if (rc == 0 || errno != EINVAL) {
            return rc;
        }
    }
    do {
        rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, options);
    } while (rc != 0 && errno == EINTR);
    return rc;
}

/// Signals a whole process group; never pid 0, 1 or -1.
void kill_group(int pgid, int signal)
{
    if (pgid <= 1) {
        return;
    }
    if (::kill(-pgid, signal) != 0 && errno != ESRCH) {
        HB_LOG(warn) << "process group " << pgid << ": cannot send signal " << signal << ": "
                     << errno_message(errno);
    }
}

/// Script output made safe for a log line: control characters become '?'.
std::string printable(std::string_view text)
{
    std::string out(text);
    std::replace_if(
        out.begin(), out.end(),
        [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return (u < 0x20 && c != '\t') || u == 0x7f;
        },
        '?');
    return out;
}

}  // namespace

/// One of the child's output pipes (our read end).
struct ProcessRunner::Stream {
    Stream(asio::io_context& io, bool stderr_stream) : descriptor(io), is_stderr(stderr_stream) {}

    std::array<char, 4096> buffer{};
    asio::posix::stream_descriptor descriptor;
    bool is_stderr;
    bool open = false;
    std::string captured;     // up to the cap
    std::size_t dropped = 0;  // bytes beyond the cap
    std::string line;         // a partial line not logged yet

    std::string_view name() const { return is_stderr ? "stderr" : "stdout"; }
};

/// Everything about one run.
struct ProcessRunner::Child {
    Child(asio::io_context& io, std::uint64_t run_id, ProcessSpec run_spec, DoneHandler done)
        : id(run_id),
          spec(std::move(run_spec)),
          on_done(std::move(done)),
          subject(spec.log_tag.empty() ? spec.path : spec.log_tag),
          out(io, false),
          err(io, true),
          pidfd(io),
          deadline(io),
          drain(io)
    {}

    std::uint64_t id;
    ProcessSpec spec;
    DoneHandler on_done;
    std::string subject;  // `tag[pid]` once running
    int pid = 0;
    Clock::time_point started = Clock::now();
    Stream out;
    Stream err;
    asio::posix::stream_descriptor pidfd;
    asio::steady_timer deadline;  // timeout, then kill_grace
    asio::steady_timer drain;     // EOF wait after the exit
    bool by_sigchld = false;      // watched through the SIGCHLD fallback
    bool timed_out = false;
    bool cancelled = false;
    bool reaped = false;
    bool delivered = false;
    ProcessResult result;
};

namespace {}  // namespace

/// Logs one line of a child's output under its subject (unless its output is data).
void ProcessRunner::log_line(const Child& child, const Stream& stream)
{
    if (!child.spec.log_output) {
        return;
    }
    std::string_view line = stream.line;
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (stream.is_stderr) {
        HB_LOG(warn) << child.subject << ": " << printable(line);
    } else {
        HB_LOG(info) << child.subject << ": " << printable(line);
    }
}

ProcessRunner::ProcessRunner(asio::io_context& io, ExitWatch watch) : io_(io), watch_(watch) {}

ProcessRunner::~ProcessRunner()
{
    boost::system::error_code ignored;
    for (auto& [id, child] : children_) {
        if (!child->reaped) {
            kill_group(child->pid, SIGKILL);
        }
        child->out.open = false;
        child->err.open = false;
        child->out.descriptor.close(ignored);
        child->err.descriptor.close(ignored);
        child->pidfd.close(ignored);
        child->deadline.cancel();
        child->drain.cancel();
    }
}

std::uint64_t ProcessRunner::run(ProcessSpec spec, DoneHandler on_done)
{
    const std::uint64_t id = next_id_++;
    auto child = std::make_shared<Child>(io_, id, std::move(spec), std::move(on_done));
    children_.emplace(id, child);
    ++undelivered_;

    std::string why;
    UniqueFd out_read, out_write, err_read, err_write;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
        out_read.reset(fds[0]);
        out_write.reset(fds[1]);
        if (::pipe2(fds, O_CLOEXEC) == 0) {
            err_read.reset(fds[0]);
            err_write.reset(fds[1]);
        }
    }
    if (err_write.get() < 0) {
        why = "pipe: " + errno_message(errno);
    } else if (!lift_above_stdio(out_read) || !lift_above_stdio(out_write) ||
               !lift_above_stdio(err_read) || !lift_above_stdio(err_write)) {
        why = "fcntl: " + errno_message(errno);
    }
    boost::system::error_code ec;
    if (why.empty()) {
        child->out.descriptor.assign(out_read.get(), ec);
        if (!ec) {
            out_read.release();
            child->err.descriptor.assign(err_read.get(), ec);
        }
        if (!ec) {
            err_read.release();
        } else {
            why = "watching output: " + ec.message();
        }
    }
    pid_t pid = 0;
    if (why.empty()) {
        if (const int rc = spawn_child(child->spec, out_write.get(), err_write.get(), pid);
            rc != 0) {
            why = errno_message(rc);
        }
    }
    out_write.reset();
    err_write.reset();

    if (!why.empty()) {
        child->out.descriptor.close(ec);
        child->err.descriptor.close(ec);
        child->reaped = true;  // nothing to wait for
        child->result.spawn_error = why;
        HB_LOG(err) << child->subject << ": cannot run " << child->spec.path << ": " << why;
        asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), child] {
            if (alive.expired() || child->delivered) {
                return;
            }
            deliver(child);
        });
        return id;
    }

    child->pid = pid;
    child->result.pid = pid;
    child->subject += "[" + std::to_string(pid) + "]";
    child->out.open = true;
    child->err.open = true;
    HB_LOG(debug) << child->subject << ": started " << child->spec.path;
    start_exit_watch(child);
    start_deadline(child);
    do_read(child, child->out);
    do_read(child, child->err);
    return id;
}

void ProcessRunner::start_exit_watch(const std::shared_ptr<Child>& child)
{
    if (watch_ == ExitWatch::pidfd) {
        base::UniqueFd fd(::pidfd_open(child->pid, 0));
        if (fd) {
            boost::system::error_code ec;
            child->pidfd.assign(fd.get(), ec);
            if (!ec) {
                fd.release();  // Asio owns it now
                do_wait_pidfd(child);
                return;
            }
            HB_LOG(warn) << child->subject << ": cannot watch its pidfd: " << ec.message()
                         << " (using SIGCHLD)";
        } else if (errno == ENOSYS) {
            HB_LOG(info) << "process runner: kernel lacks pidfd_open, watching children "
                            "through SIGCHLD";
            watch_ = ExitWatch::sigchld;
        } else {
            HB_LOG(warn) << child->subject << ": pidfd_open: " << errno_message(errno)
                         << " (using SIGCHLD)";
        }
    }
    child->by_sigchld = true;
    arm_sigchld();
    // A child that exited before our signal_set existed signalled nobody: look once.
    asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
        if (!alive.expired()) {
            sweep_sigchld();
        }
    });
}

void ProcessRunner::do_wait_pidfd(const std::shared_ptr<Child>& child)
{
    child->pidfd.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [this, alive = std::weak_ptr<bool>(alive_), child](const boost::system::error_code& ec) {
            if (alive.expired() || ec == asio::error::operation_aborted || child->reaped) {
                return;
            }
            if (ec) {
                HB_LOG(warn) << child->subject << ": waiting on its pidfd: " << ec.message()
                             << " (using SIGCHLD)";
                boost::system::error_code ignored;
                child->pidfd.close(ignored);
                child->by_sigchld = true;
                arm_sigchld();
                sweep_sigchld();
                return;
            }
            if (!try_reap(child)) {
                do_wait_pidfd(child);
            }
        });
}

bool ProcessRunner::try_reap(const std::shared_ptr<Child>& child)
{
    const int pidfd = child->pidfd.is_open() ? child->pidfd.native_handle() : -1;
    siginfo_t info{};
    int rc = wait_child(pidfd, child->pid, info, WEXITED | WNOHANG | WNOWAIT);
    if (rc != 0 && errno == EAGAIN) {
        return false;  // a non-blocking pidfd of a child still running
    }
    if (rc == 0 && info.si_pid == 0) {
        return false;
    }
    if (rc == 0) {
        if (child->timed_out || child->cancelled) {
            kill_group(child->pid, SIGKILL);
        }
        info = siginfo_t{};
        rc = wait_child(pidfd, child->pid, info, WEXITED | WNOHANG);
    }
    if (rc != 0) {
        // Only if something else in this process reaped our child (waitpid(-1) somewhere).
        HB_LOG(err) << child->subject << ": exit status lost: " << errno_message(errno);
    } else if (info.si_code == CLD_EXITED) {
        child->result.exit_code = info.si_status;
    } else {
        child->result.signal = info.si_status;
    }
    on_reaped(child);
    return true;
}

void ProcessRunner::on_reaped(const std::shared_ptr<Child>& child)
{
    child->reaped = true;
    child->by_sigchld = false;
    child->deadline.cancel();
    boost::system::error_code ignored;
    child->pidfd.close(ignored);
    if (child->delivered) {
        forget_if_done(child);  // cancelled earlier; it only needed reaping
        return;
    }
    if (child->out.open || child->err.open) {
        child->drain.expires_after(eof_wait_after_exit);
        child->drain.async_wait([this, alive = std::weak_ptr<bool>(alive_),
                                 child](const boost::system::error_code& ec) {
            if (alive.expired() || ec || child->delivered) {
                return;
            }
            on_drain_over(child);
        });
    }
    try_finish(child);
}

void ProcessRunner::on_drain_over(const std::shared_ptr<Child>& child)
{
    if (child->out.open || child->err.open) {
        HB_LOG(info) << child->subject
                     << ": output still open 1 s after it exited (a background "
                        "process keeps it), no longer reading it";
        close_stream(child, child->out);
        close_stream(child, child->err);
    }
    try_finish(child);
}

void ProcessRunner::start_deadline(const std::shared_ptr<Child>& child)
{
    if (child->spec.timeout.count() <= 0) {
        return;
    }
    child->deadline.expires_after(child->spec.timeout);
    child->deadline.async_wait(
        [this, alive = std::weak_ptr<bool>(alive_), child](const boost::system::error_code& ec) {
            if (alive.expired() || ec || child->reaped || child->delivered) {
                return;
            }
            on_deadline(child);
        });
}

void ProcessRunner::on_deadline(const std::shared_ptr<Child>& child)
{
    // Exited just now, its exit not handled yet: that is not a timeout.
    siginfo_t info{};
    const int pidfd = child->pidfd.is_open() ? child->pidfd.native_handle() : -1;
    if (wait_child(pidfd, child->pid, info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0) {
        return;
    }
    child->timed_out = true;
    HB_LOG(err) << child->subject << ": timed out after " << child->spec.timeout.count()
                << " ms, killed";
    terminate_group(child);
}

void ProcessRunner::terminate(std::uint64_t id)
{
    const auto it = children_.find(id);
    if (it == children_.end() || it->second->reaped || it->second->delivered ||
        it->second->pid == 0) {
        return;
    }
    const std::shared_ptr<Child> child = it->second;
    terminate_group(child);
}

void ProcessRunner::terminate_group(const std::shared_ptr<Child>& child)
{
    kill_group(child->pid, SIGTERM);
    child->deadline.expires_after(child->spec.kill_grace);
    child->deadline.async_wait(
        [this, alive = std::weak_ptr<bool>(alive_), child](const boost::system::error_code& ec) {
            if (alive.expired() || ec || child->reaped || child->delivered) {
                return;
            }
            on_grace_over(child);
        });
}

void ProcessRunner::on_grace_over(const std::shared_ptr<Child>& child)
{
    HB_LOG(warn) << child->subject << ": still running " << child->spec.kill_grace.count()
                 << " ms after SIGTERM, sending SIGKILL";
    kill_group(child->pid, SIGKILL);
}

void ProcessRunner::do_read(const std::shared_ptr<Child>& child, Stream& stream)
{
    stream.descriptor.async_read_some(
        asio::buffer(stream.buffer),
        [this, alive = std::weak_ptr<bool>(alive_), child, s = &stream](
            const boost::system::error_code& ec, std::size_t n) {
            if (alive.expired() || !s->open) {
                return;  // we closed it (drain over, cancel_all)
            }
            if (n > 0) {
                on_read(child, *s, n);
            }
            if (!ec) {
                do_read(child, *s);
                return;
            }
            if (ec != asio::error::eof) {
                HB_LOG(warn) << child->subject << ": reading its " << s->name() << ": "
                             << ec.message();
            }
            close_stream(child, *s);
            try_finish(child);
        });
}

void ProcessRunner::on_read(const std::shared_ptr<Child>& child, Stream& stream, std::size_t n)
{
    const std::string_view data(stream.buffer.data(), n);
    const std::size_t cap = child->spec.output_cap;
    const std::size_t room = cap > stream.captured.size() ? cap - stream.captured.size() : 0;
    const std::string_view kept = data.substr(0, std::min(room, n));
    stream.captured.append(kept);
    for (const char c : kept) {
        if (c == '\n') {
            log_line(*child, stream);
            stream.line.clear();
            continue;
        }
        stream.line.push_back(c);
        if (stream.line.size() >= max_logged_line) {
            log_line(*child, stream);
            stream.line.clear();
        }
    }
    if (kept.size() < n) {
        if (stream.dropped == 0) {
            if (!stream.line.empty()) {
                log_line(*child, stream);
                stream.line.clear();
            }
            HB_LOG(warn) << child->subject << ": more than " << cap << " bytes on its "
                         << stream.name() << ", the rest is not kept";
        }
        stream.dropped += n - kept.size();
    }
}

void ProcessRunner::close_stream(const std::shared_ptr<Child>& child, Stream& stream)
{
    if (!stream.open) {
        return;
    }
    stream.open = false;
    if (!stream.line.empty()) {
        log_line(*child, stream);
        stream.line.clear();
    }
    boost::system::error_code ignored;
    stream.descriptor.close(ignored);
}

void ProcessRunner::try_finish(const std::shared_ptr<Child>& child)
{
    if (child->delivered || !child->reaped || child->out.open || child->err.open) {
        return;
    }
    child->drain.cancel();
    deliver(child);
}

void ProcessRunner::deliver(const std::shared_ptr<Child>& child)
{
    child->delivered = true;
    --undelivered_;
    ProcessResult result = std::move(child->result);
    if (child->pid == 0) {
        result.outcome = ProcessOutcome::spawn_failed;
    } else {
        if (!child->reaped) {
            result.signal = SIGKILL;  // cancel_all: it is being killed and reaped later
        }
        if (child->timed_out) {
            result.outcome = ProcessOutcome::timed_out;
        } else if (result.signal != 0) {
            result.outcome = ProcessOutcome::signalled;
        } else {
            result.outcome = ProcessOutcome::exited;
        }
    }
    result.output = std::move(child->out.captured);
    result.output_dropped = child->out.dropped;
    result.errors = std::move(child->err.captured);
    result.errors_dropped = child->err.dropped;
    result.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - child->started);
    HB_LOG(debug) << child->subject << ": " << to_string(result.outcome) << " (exit code "
                  << result.exit_code << ", signal " << result.signal << ", "
                  << result.duration.count() << " ms)";
    forget_if_done(child);
    DoneHandler done = std::move(child->on_done);
    child->on_done = nullptr;
    // Last: the handler may start runs, cancel them, or destroy this runner.
    if (done) {
        done(result);
    }
}

void ProcessRunner::forget_if_done(const std::shared_ptr<Child>& child)
{
    if (child->delivered && child->reaped) {
        children_.erase(child->id);
    }
}

void ProcessRunner::cancel_all()
{
    const std::weak_ptr<bool> alive = alive_;
    std::vector<std::shared_ptr<Child>> pending;
    for (const auto& [id, child] : children_) {
        if (!child->delivered) {
            pending.push_back(child);
        }
    }
    for (const auto& child : pending) {
        if (alive.expired()) {
            return;  // a result handler destroyed the runner
        }
        if (child->delivered) {
            continue;
        }
        if (!child->reaped) {
            child->cancelled = true;
            HB_LOG(warn) << child->subject << ": cancelled, killed";
            kill_group(child->pid, SIGKILL);
        }
        child->deadline.cancel();
        child->drain.cancel();
        close_stream(child, child->out);
        close_stream(child, child->err);
        deliver(child);
    }
}

void ProcessRunner::arm_sigchld()
{
    if (!sigchld_) {
        sigchld_.emplace(io_);
        boost::system::error_code ec;
        sigchld_->add(SIGCHLD, ec);
        if (ec) {
            HB_LOG(err) << "process runner: cannot watch SIGCHLD: " << ec.message();
        }
    }
    if (sigchld_armed_) {
        return;
    }
    sigchld_armed_ = true;
    const std::uint64_t generation = ++sigchld_generation_;
    sigchld_->async_wait([this, alive = std::weak_ptr<bool>(alive_), generation](
                             const boost::system::error_code& ec, int /*signal*/) {
        if (alive.expired() || generation != sigchld_generation_) {
            return;  // destroyed, or disarmed since
        }
        sigchld_armed_ = false;
        if (ec) {
            HB_LOG(err) << "process runner: waiting for SIGCHLD: " << ec.message();
            return;
        }
        sweep_sigchld();
    });
}

void ProcessRunner::disarm_sigchld()
{
    if (!sigchld_armed_) {
        return;
    }
    sigchld_armed_ = false;
    ++sigchld_generation_;
    boost::system::error_code ignored;
    sigchld_->cancel(ignored);
}

void ProcessRunner::sweep_sigchld()
{
    const std::weak_ptr<bool> alive = alive_;
    std::vector<std::shared_ptr<Child>> watched;
    for (const auto& [id, child] : children_) {
        if (child->by_sigchld && !child->reaped) {
            watched.push_back(child);
        }
    }
    for (const auto& child : watched) {
        if (alive.expired()) {
            return;  // a result handler destroyed the runner
        }
        if (!child->reaped) {
            try_reap(child);
        }
    }
    if (alive.expired()) {
        return;
    }
    const bool still_watching = std::any_of(children_.begin(), children_.end(), [](const auto& e) {
        return e.second->by_sigchld && !e.second->reaped;
    });
    if (still_watching) {
        arm_sigchld();
    } else {
        disarm_sigchld();
    }
}

}  // namespace hb::platform
