// SPDX-License-Identifier: GPL-2.0-or-later
// The paced burst, pid file and stop signals of send_arp and send_ua. Each tool is a short
// program of its own, so the signal handlers here are its only ones: a stop signal sets a
// flag that ends the sleep between packets (no SA_RESTART) and so the burst.
#include "tools/announce.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "base/unique_fd.hpp"
#include "base/value_parsers.hpp"

namespace hb::tools {

namespace {

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_stop_signal(int /*signo*/)
{
    stop_requested = 1;
}

void install_stop_handlers()
{
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: a signal ends the sleep at once
    for (const int sig : {SIGTERM, SIGINT, SIGHUP}) {
        sigaction(sig, &sa, nullptr);
    }
}

// Writes our pid to a file and removes it at scope exit if it still names us.
class PidFile {
public:
    PidFile() = default;
    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;
    ~PidFile()
    {
        if (path_.empty()) {
            return;
        }
        std::FILE* f = std::fopen(path_.c_str(), "re");
        if (f == nullptr) {
            return;
        }
        long pid = 0;
        const bool ours = std::fscanf(f, "%ld", &pid) == 1 && pid == static_cast<long>(getpid());
        std::fclose(f);
        if (ours) {
            ::unlink(path_.c_str());
        }
    }

    /// Creates or replaces `path` with our pid; false (errno set) on failure.
    bool write(const std::string& path)
    {
        const int fd =
            ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
            return false;
        }
        const base::UniqueFd owner(fd);
        const std::string text = std::to_string(getpid()) + "\n";
        if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
            return false;
        }
        path_ = path;
        return true;
    }

private:
    std::string path_;
};

// Sleeps until `deadline` (CLOCK_MONOTONIC); false when a stop signal arrived meanwhile.
bool sleep_until(const timespec& deadline)
{
    while (stop_requested == 0) {
        const int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr);
        if (rc == 0) {
            return stop_requested == 0;
        }
        if (rc != EINTR) {
            return false;
        }
    }
    return false;
}

// Reads option `ch` ('i', 'r' or 'p') with `value` into `opt`; false, after printing
// `PROGRAM: invalid …` to stderr, when the value is out of range.
bool parse_burst_option(const std::string& name, int ch, const char* value, BurstOptions& opt)
{
    switch (ch) {
    case 'i': {
        const auto v = base::parse_integer(value, 0, max_interval_ms);
        if (!v) {
            std::fprintf(stderr, "%s: invalid interval '%s' (0-%ld ms)\n", name.c_str(), value,
                         max_interval_ms);
            return false;
        }
        opt.interval_ms = *v;
        return true;
    }
    case 'r': {
        const auto v = base::parse_integer(value, 1, max_repeat);
        if (!v) {
            std::fprintf(stderr, "%s: invalid repeat count '%s' (1-%ld)\n", name.c_str(), value,
                         max_repeat);
            return false;
        }
        opt.repeat = *v;
        return true;
    }
    case 'p':
        if (*value == '\0') {
            std::fprintf(stderr, "%s: empty pid file name\n", name.c_str());
            return false;
        }
        opt.pidfile = value;
        return true;
    default: return false;
    }
}

timespec add_ms(timespec t, long ms)
{
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec += 1;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

}  // namespace

CommandLine read_command_line(std::string_view program, int argc, char** argv,
                              std::string_view ignored, BurstOptions& opt,
                              std::vector<std::string>& operands)
{
    const std::string name(program);
    // '+': options end at the first operand, as POSIX says.
    const std::string letters = "+i:r:p:h" + std::string(ignored);
    int ch = 0;
    opterr = 0;
    while ((ch = getopt(argc, argv, letters.c_str())) != -1) {
        if (ch == 'h') {
            return CommandLine::help;
        }
        if (ch == '?' || ch == ':') {
            std::fprintf(stderr, "%s: unknown option or missing value: -%c\n", name.c_str(),
                         optopt);
            return CommandLine::refused;
        }
        if (ignored.find(static_cast<char>(ch)) != std::string_view::npos) {
            continue;
        }
        if (!parse_burst_option(name, ch, optarg, opt)) {
            return CommandLine::refused;
        }
    }
    operands.assign(argv + optind, argv + argc);
    return CommandLine::run;
}

int run_command(CommandLine line, void (*print_usage)(std::FILE*), const std::function<int()>& run)
{
    switch (line) {
    case CommandLine::refused: print_usage(stderr); return exit_usage;
    case CommandLine::help: print_usage(stdout); return exit_ok;
    case CommandLine::run: break;
    }
    return run();
}

unsigned interface_index(std::string_view program, const std::string& device)
{
    const unsigned ifindex = if_nametoindex(device.c_str());
    if (ifindex == 0) {
        std::fprintf(stderr, "%s: interface '%s' does not exist\n", std::string(program).c_str(),
                     device.c_str());
    }
    return ifindex;
}

void print_socket_error(std::string_view program, const char* kind)
{
    const int err = errno;
    std::fprintf(stderr, "%s: cannot open a %s socket: %s%s\n", std::string(program).c_str(), kind,
                 std::strerror(err),
                 err == EPERM || err == EACCES ? " (needs root or CAP_NET_RAW)" : "");
}

bool read_ethernet_address(int fd, const std::string& device, Mac& mac, std::string& error)
{
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, device.c_str(), std::min(device.size(), sizeof ifr.ifr_name - 1));
    if (::ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        error = "cannot read the address of '" + device + "': " + std::strerror(errno);
        return false;
    }
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        error = "'" + device + "' is not an Ethernet interface";
        return false;
    }
    std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, mac.size());
    return true;
}

int run_burst(std::string_view program, const std::string& device, const std::string& pidfile,
              long packets, long gap_ms, const std::function<bool(long)>& send_one)
{
    const std::string name(program);
    install_stop_handlers();
    PidFile owner;
    if (!pidfile.empty() && !owner.write(pidfile)) {
        std::fprintf(stderr, "%s: cannot write pid file %s: %s\n", name.c_str(), pidfile.c_str(),
                     std::strerror(errno));
        return exit_failed;
    }
    long failed = 0;
    int first_error = 0;
    timespec deadline{};
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    for (long n = 0; n < packets; ++n) {
        if (n > 0) {
            deadline = add_ms(deadline, gap_ms);
            if (!sleep_until(deadline)) {
                break;
            }
        }
        if (!send_one(n) && failed++ == 0) {
            first_error = errno;
        }
    }
    if (failed > 0) {
        std::fprintf(stderr, "%s: %ld of %ld packets on '%s' not sent: %s\n", name.c_str(), failed,
                     packets, device.c_str(), std::strerror(first_error));
        return exit_failed;
    }
    return exit_ok;
}

}  // namespace hb::tools
