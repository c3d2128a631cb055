// SPDX-License-Identifier: GPL-2.0-or-later
// ProcessRunner against real processes: exit codes, output capture and its cap, argv and
// environment without a shell in between, timeouts that take the whole process group down,
// signal and descriptor hygiene in the child, and an io_context that keeps running.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/log.hpp"
#include "platform/process.hpp"
#include "platform/process_runner.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using hb::platform::ExitWatch;
using hb::platform::ProcessOutcome;
using hb::platform::ProcessResult;
using hb::platform::ProcessRunner;
using hb::platform::ProcessSpec;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> test_env = {"PATH=/usr/bin:/bin"};

/// `/bin/sh -c script sh extra...` with only PATH in the environment.
ProcessSpec shell(std::string script, std::vector<std::string> extra = {})
{
    ProcessSpec spec;
    spec.path = "/bin/sh";
    spec.args = {"-c", std::move(script), "sh"};
    spec.args.insert(spec.args.end(), extra.begin(), extra.end());
    spec.env = test_env;
    spec.timeout = 5s;
    spec.log_tag = "test";
    return spec;
}

/// Runs one spec to its result on a fresh io_context, for at most `limit`.
std::optional<ProcessResult> run_one(ProcessSpec spec, ExitWatch watch = ExitWatch::pidfd,
                                     std::chrono::milliseconds limit = 5s)
{
    asio::io_context io;
    ProcessRunner runner(io, watch);
    std::optional<ProcessResult> result;
    runner.run(std::move(spec), [&](const ProcessResult& r) { result = r; });
    io.run_for(limit);
    return result;
}

std::chrono::milliseconds since(Clock::time_point start)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

/// A temporary directory, removed with its contents.
class TempDir {
public:
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "hb-process-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            FAIL("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~TempDir()
    {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

/// The pid written to `path` by a script, or 0.
int read_pid(const std::string& path)
{
    std::ifstream in(path);
    int pid = 0;
    in >> pid;
    return pid;
}

/// True once `pid` is gone (or a zombie), polling for at most a second.
bool gone_soon(int pid)
{
    const auto until = Clock::now() + 1s;
    while (hb::platform::process_alive(pid)) {
        if (Clock::now() > until) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

/// Number of descriptors this process has open.
std::size_t open_fds()
{
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        ++n;
    }
    return n - 1;  // the directory_iterator's own
}

/// Log lines captured while this object lives.
class LogCapture {
public:
    struct Line {
        hb::base::LogLevel level;
        std::string text;
    };

    LogCapture()
    {
        std::vector<std::unique_ptr<hb::base::LogSink>> sinks;
        sinks.push_back(std::make_unique<Sink>(lines_));
        hb::base::Logger::instance().set_sinks(std::move(sinks));
    }
    ~LogCapture() { hb::base::Logger::instance().set_sinks({}); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    bool has(hb::base::LogLevel level, const std::string& text) const
    {
        for (const Line& line : *lines_) {
            if (line.level == level && line.text == text) {
                return true;
            }
        }
        return false;
    }
    std::size_t count(hb::base::LogLevel level) const
    {
        std::size_t n = 0;
        for (const Line& line : *lines_) {
            n += line.level == level ? 1 : 0;
        }
        return n;
    }

private:
    class Sink final : public hb::base::LogSink {
    public:
        explicit Sink(std::shared_ptr<std::vector<Line>> lines) : lines_(std::move(lines)) {}
        void write(hb::base::LogLevel level, std::string_view message) override
        {
            lines_->push_back({level, std::string(message)});
        }

    private:
        std::shared_ptr<std::vector<Line>> lines_;
    };

    std::shared_ptr<std::vector<Line>> lines_ = std::make_shared<std::vector<Line>>();
};

}  // namespace

TEST_CASE("process runner: outcome names", "[process]")
{
    CHECK(hb::platform::to_string(ProcessOutcome::exited) == "exited");
    CHECK(hb::platform::to_string(ProcessOutcome::signalled) == "signalled");
    CHECK(hb::platform::to_string(ProcessOutcome::timed_out) == "timed out");
    CHECK(hb::platform::to_string(ProcessOutcome::spawn_failed) == "spawn failed");
}

TEST_CASE("process runner: exit codes and signals", "[process]")
{
    const ExitWatch watch = GENERATE(ExitWatch::pidfd, ExitWatch::sigchld);
    INFO("watch " << (watch == ExitWatch::pidfd ? "pidfd" : "sigchld"));

    auto ok = run_one(shell("exit 0"), watch);
    REQUIRE(ok);
    CHECK(ok->outcome == ProcessOutcome::exited);
    CHECK(ok->exit_code == 0);
    CHECK(ok->signal == 0);
    CHECK(ok->pid > 1);

    auto failed = run_one(shell("exit 3"), watch);
    REQUIRE(failed);
    CHECK(failed->outcome == ProcessOutcome::exited);
    CHECK(failed->exit_code == 3);

    ProcessSpec direct;
    direct.path = "/bin/true";
    auto quick = run_one(direct, watch);
    REQUIRE(quick);
    CHECK(quick->outcome == ProcessOutcome::exited);
    CHECK(quick->exit_code == 0);

    auto killed = run_one(shell("kill -KILL $$"), watch);
    REQUIRE(killed);
    CHECK(killed->outcome == ProcessOutcome::signalled);
    CHECK(killed->signal == SIGKILL);
    CHECK(killed->exit_code == -1);
}

TEST_CASE("process runner: stdout and stderr are captured separately", "[process]")
{
    auto r = run_one(shell("echo out1; echo err1 >&2; echo out2; printf err2 >&2"));
    REQUIRE(r);
    CHECK(r->outcome == ProcessOutcome::exited);
    CHECK(r->output == "out1\nout2\n");
    CHECK(r->errors == "err1\nerr2");
    CHECK(r->output_dropped == 0);
    CHECK(r->errors_dropped == 0);
}

TEST_CASE("process runner: output lines are logged under the tag", "[process]")
{
    LogCapture log;
    ProcessSpec spec = shell("echo 'hello world'; echo oops >&2; printf 'no newline'");
    spec.log_tag = "IPaddr::192.168.219.100";
    auto r = run_one(spec);
    REQUIRE(r);
    const std::string subject = "IPaddr::192.168.219.100[" + std::to_string(r->pid) + "]";
    CHECK(log.has(hb::base::LogLevel::info, subject + ": hello world"));
    CHECK(log.has(hb::base::LogLevel::warn, subject + ": oops"));
    CHECK(log.has(hb::base::LogLevel::info, subject + ": no newline"));
}

TEST_CASE("process runner: arguments reach argv as they are, without a shell", "[process]")
{
    ProcessSpec spec;
    spec.path = "/bin/sh";
    spec.args = {"-c", "printf '%s|' \"$@\"", "sh", "a b", "c;d", "$HOME", "*", "", "'q'"};
    auto r = run_one(spec);
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->output == "a b|c;d|$HOME|*||'q'|");
}

TEST_CASE("process runner: the environment is exactly the one given", "[process]")
{
    REQUIRE(::setenv("HB_TEST_LEAK", "parent", 1) == 0);
    ProcessSpec spec;
    spec.path = "/usr/bin/env";
    spec.env = {"PATH=/usr/bin:/bin", "HA_RSCTMP=/run/resource-agents", "SPACED=a b"};
    auto r = run_one(spec);
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->output == "PATH=/usr/bin:/bin\nHA_RSCTMP=/run/resource-agents\nSPACED=a b\n");

    spec.env.clear();
    auto empty = run_one(spec);
    REQUIRE(empty);
    CHECK(empty->exit_code == 0);
    CHECK(empty->output.empty());  // no HOME, no HB_TEST_LEAK, nothing inherited
    ::unsetenv("HB_TEST_LEAK");
}

TEST_CASE("process runner: a timeout kills the whole process group", "[process]")
{
    const ExitWatch watch = GENERATE(ExitWatch::pidfd, ExitWatch::sigchld);
    INFO("watch " << (watch == ExitWatch::pidfd ? "pidfd" : "sigchld"));
    TempDir dir;
    const std::string pid_file = dir.file("background.pid");
    LogCapture log;
    ProcessSpec spec = shell("sleep 60 & echo $! > \"$1\"; sleep 60", {pid_file});
    spec.timeout = 300ms;

    const auto start = Clock::now();
    auto r = run_one(spec, watch);
    const auto elapsed = since(start);
    REQUIRE(r);
    CHECK(r->outcome == ProcessOutcome::timed_out);
    CHECK(r->signal == SIGTERM);
    CHECK(elapsed >= 300ms);
    CHECK(elapsed < 2500ms);
    CHECK(log.has(hb::base::LogLevel::err,
                  "test[" + std::to_string(r->pid) + "]: timed out after 300 ms, killed"));

    const int background = read_pid(pid_file);
    REQUIRE(background > 1);
    CHECK(gone_soon(background));
}

TEST_CASE("process runner: a timed-out script's child that ignores SIGTERM is killed with it",
          "[process]")
{
    // The script dies of the SIGTERM at once; the child it left behind ignores it. Nothing of
    // the group may outlive the timeout: the leader's exit is the moment to SIGKILL the rest.
    const ExitWatch watch = GENERATE(ExitWatch::pidfd, ExitWatch::sigchld);
    INFO("watch " << (watch == ExitWatch::pidfd ? "pidfd" : "sigchld"));
    TempDir dir;
    const std::string pid_file = dir.file("stubborn.pid");
    ProcessSpec spec = shell(
        "(trap '' TERM; exec sleep 60) </dev/null >/dev/null 2>&1 & "
        "echo $! > \"$1\"; sleep 60",
        {pid_file});
    spec.timeout = 300ms;
    spec.kill_grace = 10s;  // longer than the test waits: the leader's exit must do it
    auto r = run_one(spec, watch);
    REQUIRE(r);
    CHECK(r->outcome == ProcessOutcome::timed_out);
    CHECK(r->signal == SIGTERM);
    const int stubborn = read_pid(pid_file);
    REQUIRE(stubborn > 1);
    CHECK(gone_soon(stubborn));
}

TEST_CASE("process runner: a script that ignores SIGTERM gets SIGKILL after the grace", "[process]")
{
    ProcessSpec spec = shell("trap '' TERM; sleep 60");
    spec.timeout = 200ms;
    spec.kill_grace = 500ms;
    const auto start = Clock::now();
    auto r = run_one(spec);
    const auto elapsed = since(start);
    REQUIRE(r);
    CHECK(r->outcome == ProcessOutcome::timed_out);
    CHECK(r->signal == SIGKILL);
    CHECK(elapsed >= 700ms);
    CHECK(elapsed < 2500ms);
}

TEST_CASE("process runner: output beyond the cap is read and dropped", "[process]")
{
    LogCapture log;
    ProcessSpec spec = shell(
        "yes 0123456789abcdef | head -c 1048576; "
        "yes e | head -c 5000 >&2");
    spec.output_cap = 64 * 1024;
    auto r = run_one(spec);
    REQUIRE(r);
    CHECK(r->outcome == ProcessOutcome::exited);
    CHECK(r->exit_code == 0);
    CHECK(r->output.size() == 64 * 1024);
    CHECK(r->output_dropped == 1048576 - 64 * 1024);
    CHECK(r->output.substr(0, 17) == "0123456789abcdef\n");
    CHECK(r->errors.size() == 5000);
    CHECK(r->errors_dropped == 0);
    // Logging stops at the cap too: 64 KiB of 17-byte lines, a partial one, the note.
    CHECK(log.count(hb::base::LogLevel::info) <= 64 * 1024 / 17 + 2);
}

TEST_CASE("process runner: a missing or non-executable program fails to spawn", "[process]")
{
    asio::io_context io;
    ProcessRunner runner(io);
    std::vector<ProcessResult> results;

    ProcessSpec missing;
    missing.path = "/nonexistent/hb-no-such-program";
    runner.run(missing, [&](const ProcessResult& r) { results.push_back(r); });
    CHECK(results.empty());  // never delivered from inside run()

    TempDir dir;
    const std::string script = dir.file("not-executable");
    std::ofstream(script) << "#!/bin/sh\nexit 0\n";
    ::chmod(script.c_str(), 0644);
    ProcessSpec plain;
    plain.path = script;
    runner.run(plain, [&](const ProcessResult& r) { results.push_back(r); });

    io.run_for(2s);
    REQUIRE(results.size() == 2);
    CHECK(results[0].outcome == ProcessOutcome::spawn_failed);
    CHECK(results[0].spawn_error == "No such file or directory");
    CHECK(results[0].pid == 0);
    CHECK(results[1].outcome == ProcessOutcome::spawn_failed);
    CHECK(results[1].spawn_error == "Permission denied");
    CHECK(runner.running() == 0);
}

TEST_CASE("process runner: twenty concurrent runs all complete", "[process]")
{
    const ExitWatch watch = GENERATE(ExitWatch::pidfd, ExitWatch::sigchld);
    INFO("watch " << (watch == ExitWatch::pidfd ? "pidfd" : "sigchld"));
    asio::io_context io;
    ProcessRunner runner(io, watch);
    // Once, so that Asio's own descriptors (reactor, signal pipe) exist before we count.
    bool warmed_up = false;
    runner.run(shell("exit 0"), [&](const ProcessResult&) { warmed_up = true; });
    io.run_for(2s);
    REQUIRE(warmed_up);
    io.restart();
    const std::size_t fds_before = open_fds();
    std::vector<std::optional<ProcessResult>> results(20);
    const auto start = Clock::now();
    for (std::size_t i = 0; i < results.size(); ++i) {
        runner.run(shell("sleep 0.3; echo \"$1\"; exit \"$1\"", {std::to_string(i)}),
                   [&results, i](const ProcessResult& r) { results[i] = r; });
    }
    CHECK(runner.running() == 20);
    io.run_for(5s);
    CHECK(since(start) < 3s);  // in parallel, not one after another
    CHECK(runner.running() == 0);
    for (std::size_t i = 0; i < results.size(); ++i) {
        INFO("run " << i);
        REQUIRE(results[i]);
        CHECK(results[i]->outcome == ProcessOutcome::exited);
        CHECK(results[i]->exit_code == static_cast<int>(i));
        CHECK(results[i]->output == std::to_string(i) + "\n");
    }
    CHECK(open_fds() == fds_before);
}

TEST_CASE("process runner: the io_context stays responsive while a child runs", "[process]")
{
    asio::io_context io;
    ProcessRunner runner(io);
    asio::steady_timer ticker(io);
    int ticks = 0;
    bool done = false;
    std::function<void()> tick = [&] {
        ticker.expires_after(10ms);
        ticker.async_wait([&](const boost::system::error_code& ec) {
            if (ec || done) {
                return;
            }
            ++ticks;
            tick();
        });
    };
    tick();
    ProcessSpec spec;
    spec.path = "/bin/sleep";
    spec.args = {"1"};
    std::optional<ProcessResult> result;
    runner.run(spec, [&](const ProcessResult& r) {
        result = r;
        done = true;
        ticker.cancel();
    });
    io.run_for(5s);
    REQUIRE(result);
    CHECK(result->outcome == ProcessOutcome::exited);
    CHECK(result->duration >= 1s);
    CHECK(ticks >= 50);  // 100 at best; far more than 0, which a blocking wait would give
}

TEST_CASE("process runner: the child starts with default signal dispositions and no mask",
          "[process]")
{
    // The daemon ignores SIGPIPE and a signal_set may have signals blocked; neither may leak.
    auto* const old_pipe = std::signal(SIGPIPE, SIG_IGN);
    sigset_t block;
    sigset_t old_mask;
    ::sigemptyset(&block);
    ::sigaddset(&block, SIGUSR1);
    ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);

    ProcessSpec spec;
    spec.path = "/bin/grep";
    spec.args = {"-E", "^Sig(Ign|Blk):", "/proc/self/status"};
    auto r = run_one(spec);

    ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    std::signal(SIGPIPE, old_pipe);

    REQUIRE(r);
    REQUIRE(r->exit_code == 0);
    std::istringstream lines(r->output);
    std::string name;
    std::string mask;
    int seen = 0;
    while (lines >> name >> mask) {
        INFO(name << " " << mask);
        const unsigned long long bits = std::stoull(mask, nullptr, 16);
        CHECK((bits & (1ULL << (SIGPIPE - 1))) == 0);
        if (name == "SigBlk:") {
            CHECK(bits == 0);
        } else {
            // Every classic signal at its default. glibc's posix_spawn itself leaves its two
            // internal real-time signals (32, 33: below SIGRTMIN, unusable by programs) ignored.
            CHECK((bits & 0x7fffffffULL) == 0);  // signals 1-31
        }
        ++seen;
    }
    CHECK(seen == 2);
}

TEST_CASE("process runner: the child runs SCHED_OTHER even when the daemon is real-time",
          "[process]")
{
    sched_param fifo{};
    fifo.sched_priority = 1;
    if (::sched_setscheduler(0, SCHED_FIFO, &fifo) != 0) {
        WARN("cannot make the test SCHED_FIFO (needs CAP_SYS_NICE); not checked");
        return;
    }
    ProcessSpec spec = shell("awk '{ print $41 }' /proc/self/stat");  // field 41: policy
    auto r = run_one(spec);
    const sched_param normal{};
    ::sched_setscheduler(0, SCHED_OTHER, &normal);
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->output == std::to_string(SCHED_OTHER) + "\n");
}

TEST_CASE("process runner: the child runs in the working directory given", "[process]")
{
    TempDir dir;
    ProcessSpec spec = shell("pwd -P");
    spec.working_dir = dir.file("");
    auto r = run_one(spec);
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(fs::path(r->output.substr(0, r->output.size() - 1)) == fs::canonical(dir.file("")));
}

TEST_CASE("process runner: the child inherits no descriptor beyond 0-2", "[process]")
{
    // Deliberately inheritable: posix_spawn must close it all the same.
    const int leaky = ::open("/dev/null", O_RDONLY);
    REQUIRE(leaky > 2);
    // `; :` keeps the shell from exec'ing ls, so $$ is the shell and ls lists its fds.
    auto r = run_one(shell("ls /proc/$$/fd; :"));
    ::close(leaky);
    REQUIRE(r);
    CHECK(r->exit_code == 0);
    CHECK(r->output == "0\n1\n2\n");
}

TEST_CASE("process runner: a background process holding the pipe delays the result 1 s at most",
          "[process]")
{
    const auto start = Clock::now();
    auto r = run_one(shell("sleep 5 & echo $!"));
    const auto elapsed = since(start);
    REQUIRE(r);
    CHECK(r->outcome == ProcessOutcome::exited);
    CHECK(r->exit_code == 0);
    CHECK(elapsed >= 900ms);
    CHECK(elapsed < 2500ms);
    const int background = std::atoi(r->output.c_str());
    REQUIRE(background > 1);
    // A normal exit leaves the rest of the group alone (init scripts start daemons).
    CHECK(hb::platform::process_alive(background));
    ::kill(background, SIGKILL);  // ours: started by the script above
}

TEST_CASE("process runner: cancel_all kills and reports every run at once", "[process]")
{
    const ExitWatch watch = GENERATE(ExitWatch::pidfd, ExitWatch::sigchld);
    INFO("watch " << (watch == ExitWatch::pidfd ? "pidfd" : "sigchld"));
    asio::io_context io;
    ProcessRunner runner(io, watch);
    std::vector<ProcessResult> results;
    for (int i = 0; i < 3; ++i) {
        runner.run(shell("sleep 60"), [&](const ProcessResult& r) { results.push_back(r); });
    }
    asio::steady_timer later(io);
    later.expires_after(200ms);
    later.async_wait([&](const boost::system::error_code&) {
        runner.cancel_all();
        CHECK(results.size() == 3);  // delivered inside cancel_all
        CHECK(runner.running() == 0);
    });
    const auto start = Clock::now();
    io.run_for(5s);
    CHECK(since(start) < 2s);  // run_for returned once they were reaped: nothing left pending
    REQUIRE(results.size() == 3);
    for (const ProcessResult& r : results) {
        CHECK(r.outcome == ProcessOutcome::signalled);
        CHECK(r.signal == SIGKILL);
        // Reaped by the runner: no zombie left for us.
        CHECK(::waitpid(r.pid, nullptr, WNOHANG) == -1);
        CHECK(errno == ECHILD);
    }
}

TEST_CASE("process runner: destroying the runner closes its descriptors and kills its runs",
          "[process]")
{
    TempDir dir;
    const std::string pid_file = dir.file("child.pid");
    asio::io_context io;
    {
        // Once, so that Asio's own descriptors (its reactor) exist before we count.
        ProcessRunner runner(io);
        runner.run(shell("exit 0"), [](const ProcessResult&) {});
        io.run_for(2s);
        io.restart();
    }
    const std::size_t fds_before = open_fds();
    bool called = false;
    {
        ProcessRunner runner(io);
        runner.run(shell("echo $$ > \"$1\"; exec sleep 60", {pid_file}),
                   [&](const ProcessResult&) { called = true; });
        io.run_for(300ms);
        io.restart();
        CHECK(runner.running() == 1);
    }
    CHECK(open_fds() == fds_before);
    io.run_for(200ms);  // the aborted handlers run and find no runner
    CHECK_FALSE(called);
    const int pid = read_pid(pid_file);
    REQUIRE(pid > 1);
    CHECK(gone_soon(pid));
    ::waitpid(pid, nullptr, 0);  // our child, already dead: reap it
}
