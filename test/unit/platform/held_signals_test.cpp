// SPDX-License-Identifier: GPL-2.0-or-later
// HeldSignals, as the daemon uses it while it starts: a SIGHUP sent before the handler exists
// waits, then reaches the handler; without the hold it ends the process. Each case runs in a
// forked child, so the test runner's own mask and dispositions are never touched.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "platform/process.hpp"

namespace {

volatile std::sig_atomic_t handled = 0;

void on_hup(int)
{
    handled = 1;
}

/// The child's wait status: it sends itself SIGHUP (held or not), then installs a handler,
/// releases, and exits 0 when the handler ran, 1 when it did not.
int child_status(bool hold)
{
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::signal(SIGHUP, SIG_DFL);
        hb::platform::HeldSignals held(hold ? std::initializer_list<int>{SIGHUP, SIGTERM}
                                            : std::initializer_list<int>{SIGUSR2});
        ::kill(::getpid(), SIGHUP);  // the default action, unless held
        std::signal(SIGHUP, on_hup);
        held.release();
        ::_exit(handled == 1 ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return status;
}

}  // namespace

TEST_CASE("a signal held while the daemon starts reaches the handler installed meanwhile")
{
    const int status = child_status(true);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("without the hold the same signal ends the process (the bug the hold prevents)")
{
    const int status = child_status(false);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGHUP);
}
