// SPDX-License-Identifier: GPL-2.0-or-later
// Detaching, pid files, signals and real-time set-up.
#include "platform/process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "platform/state_files.hpp"

namespace hb::platform {

Detacher Detacher::detach()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        std::perror("heartbeat: pipe");
        std::exit(1);
    }
    base::UniqueFd read_end(fds[0]);
    base::UniqueFd write_end(fds[1]);
    const pid_t pid = ::fork();
    if (pid < 0) {
        std::perror("heartbeat: fork");
        std::exit(1);
    }
    if (pid > 0) {
        write_end.reset();
        unsigned char status = 1;
        ssize_t n = 0;
        do {
            n = ::read(read_end.get(), &status, 1);
        } while (n < 0 && errno == EINTR);
        // No byte: the child died before reporting.
        std::_Exit(n == 1 ? status : 1);
    }
    read_end.reset();
    ::setsid();
    if (const base::UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC)); null) {
        ::dup2(null.get(), STDIN_FILENO);
    }
    return Detacher(std::move(write_end));
}

void Detacher::ready()
{
    if (!pipe_) {
        return;
    }
    if (const base::UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC)); null) {
        ::dup2(null.get(), STDOUT_FILENO);
        ::dup2(null.get(), STDERR_FILENO);
    }
    const unsigned char ok = 0;
    (void)!::write(pipe_.get(), &ok, 1);
    pipe_.reset();
}

void Detacher::failed(int status)
{
    if (!pipe_) {
        return;
    }
    const auto byte = static_cast<unsigned char>(status);
    (void)!::write(pipe_.get(), &byte, 1);
    pipe_.reset();
}

bool write_pid_file(const std::string& path, std::error_code& error)
{
    return replace_file(path, std::to_string(::getpid()) + "\n", error);
}

std::optional<int> running_pid(const std::string& path)
{
    std::FILE* f = std::fopen(path.c_str(), "re");
    if (f == nullptr) {
        return std::nullopt;
    }
    long pid = 0;
    const int n = std::fscanf(f, "%ld", &pid);
    std::fclose(f);
    if (n != 1 || pid <= 1 || pid > 4'194'304) {
        return std::nullopt;
    }
    if (!process_alive(static_cast<int>(pid))) {
        return std::nullopt;
    }
    return static_cast<int>(pid);
}

void remove_pid_file(const std::string& path)
{
    if (running_pid(path) == ::getpid()) {
        ::unlink(path.c_str());
    }
}

HeldSignals::HeldSignals(std::initializer_list<int> signals)
{
    ::sigemptyset(&set_);
    for (const int sig : signals) {
        ::sigaddset(&set_, sig);
    }
    // Single-threaded at this point: the process mask and the thread's are one.
    held_ = ::pthread_sigmask(SIG_BLOCK, &set_, nullptr) == 0;
}

HeldSignals::~HeldSignals()
{
    release();
}

void HeldSignals::release()
{
    if (held_) {
        ::pthread_sigmask(SIG_UNBLOCK, &set_, nullptr);
        held_ = false;
    }
}

bool send_signal(int pid, int signal)
{
    return ::kill(pid, signal) == 0;
}

bool process_alive(int pid)
{
    if (::kill(pid, 0) != 0 && errno == ESRCH) {
        return false;
    }
    // A zombie is gone for our purposes.
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    std::FILE* f = std::fopen(path, "re");
    if (f == nullptr) {
        return true;
    }
    char buf[512] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    const char* close_paren = std::strrchr(buf, ')');
    return !(n > 0 && close_paren != nullptr && close_paren[1] == ' ' && close_paren[2] == 'Z');
}

RealtimeResult go_realtime(int priority)
{
    RealtimeResult r;
    const int min = ::sched_get_priority_min(SCHED_FIFO);
    const int max = ::sched_get_priority_max(SCHED_FIFO);
    struct sched_param param {};
    param.sched_priority = priority > 0 ? priority : (min + max) / 2;
    if (::sched_setscheduler(0, SCHED_FIFO, &param) == 0) {
        r.scheduled = true;
    } else {
        r.problem = std::string("SCHED_FIFO: ") + std::strerror(errno);
    }
    // MCL_ONFAULT: lock pages as they are touched, not whole libraries up front; what the
    // daemon uses stays resident, and its RSS stays what it uses.
    if (::mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0) {
        r.locked = true;
    } else {
        r.problem +=
            (r.problem.empty() ? "" : "; ") + std::string("mlockall: ") + std::strerror(errno);
    }
    return r;
}

}  // namespace hb::platform
