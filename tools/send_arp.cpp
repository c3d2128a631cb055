// SPDX-License-Identifier: GPL-2.0-or-later
// send_arp: announces an IPv4 address with gratuitous ARP after a takeover, so neighbours
// update their caches at once. Each round is one ARP request and one ARP reply, both with
// sender = target = the address, broadcast on the Ethernet; packets go out half an interval
// apart, as heartbeat 3.0.6's send_arp does. It only sends (packet socket, protocol 0).
//   send_arp [-i MS] [-r COUNT] [-p PIDFILE] [-c N] DEVICE IP MAC|auto [TARGET_IP [TARGET_MAC]]
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "base/address_spec.hpp"
#include "base/unique_fd.hpp"
#include "base/value_parsers.hpp"

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

constexpr long default_interval_ms = 500;
constexpr long default_repeat = 10;
constexpr long max_interval_ms = 60 * 60 * 1000;
constexpr long max_repeat = 10000;

using Mac = std::array<std::uint8_t, 6>;

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_stop_signal(int /*signo*/)
{
    stop_requested = 1;
}

void print_usage(std::FILE* out)
{
    std::fputs(
        "usage: send_arp [-i INTERVAL_MS] [-r REPEAT] [-p PIDFILE] [-c COUNT]\n"
        "                DEVICE SRC_IP SRC_MAC|auto [TARGET_IP [TARGET_MAC]]\n"
        "  Sends REPEAT rounds (default 10) of one gratuitous ARP request and one ARP reply\n"
        "  for SRC_IP out of DEVICE, one packet every INTERVAL_MS/2 (default 500 ms per\n"
        "  round). SRC_MAC 'auto' is DEVICE's address. TARGET_IP, TARGET_MAC and -c are\n"
        "  accepted for compatibility and ignored.\n",
        out);
}

struct Options {
    long interval_ms = default_interval_ms;
    long repeat = default_repeat;
    std::string pidfile;
    std::string device;
    hb::base::Ipv4 ip = 0;
    std::optional<Mac> mac;  // empty = "auto"
};

int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// `001122aabbcc` or `00:11:22:aa:bb:cc`.
std::optional<Mac> parse_mac(std::string_view text)
{
    Mac mac{};
    std::size_t pos = 0;
    const bool colons = text.size() == 17;
    if (!colons && text.size() != 12) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < mac.size(); ++i) {
        if (colons && i > 0) {
            if (text[pos] != ':') {
                return std::nullopt;
            }
            ++pos;
        }
        const int hi = hex_value(text[pos]);
        const int lo = hex_value(text[pos + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        mac[i] = static_cast<std::uint8_t>(hi * 16 + lo);
        pos += 2;
    }
    return mac;
}

// Parses the command line; prints why and returns false when it is not usable.
bool parse_options(int argc, char** argv, Options& opt, bool& help)
{
    int ch = 0;
    opterr = 0;
    while ((ch = getopt(argc, argv, "+i:r:p:c:h")) != -1) {
        switch (ch) {
        case 'i': {
            const auto v = hb::base::parse_integer(optarg, 0, max_interval_ms);
            if (!v) {
                std::fprintf(stderr, "send_arp: invalid interval '%s' (0-%ld ms)\n", optarg,
                             max_interval_ms);
                return false;
            }
            opt.interval_ms = *v;
            break;
        }
        case 'r': {
            const auto v = hb::base::parse_integer(optarg, 1, max_repeat);
            if (!v) {
                std::fprintf(stderr, "send_arp: invalid repeat count '%s' (1-%ld)\n", optarg,
                             max_repeat);
                return false;
            }
            opt.repeat = *v;
            break;
        }
        case 'p':
            if (*optarg == '\0') {
                std::fputs("send_arp: empty pid file name\n", stderr);
                return false;
            }
            opt.pidfile = optarg;
            break;
        case 'c': break;
        case 'h': help = true; return true;
        default:
            std::fprintf(stderr, "send_arp: unknown option or missing value: -%c\n", optopt);
            return false;
        }
    }
    const int left = argc - optind;
    if (left < 3 || left > 5) {
        std::fputs("send_arp: expected DEVICE SRC_IP SRC_MAC [TARGET_IP [TARGET_MAC]]\n", stderr);
        return false;
    }
    opt.device = argv[optind];
    if (!hb::base::is_valid_device_name(opt.device)) {
        std::fprintf(stderr, "send_arp: '%s' is not an interface name\n", opt.device.c_str());
        return false;
    }
    const auto ip = hb::base::parse_ipv4(argv[optind + 1]);
    if (!ip) {
        std::fprintf(stderr, "send_arp: '%s' is not an IPv4 address\n", argv[optind + 1]);
        return false;
    }
    opt.ip = *ip;
    const std::string_view mac = argv[optind + 2];
    if (mac != "auto") {
        opt.mac = parse_mac(mac);
        if (!opt.mac) {
            std::fprintf(stderr, "send_arp: '%s' is not a MAC address (or 'auto')\n",
                         argv[optind + 2]);
            return false;
        }
    }
    return true;
}

using hb::base::UniqueFd;

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
        const UniqueFd owner(fd);
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

using Frame = std::array<std::uint8_t, 42>;

// Ethernet broadcast frame carrying an ARP request (op 1) or reply (op 2) for `ip`.
Frame build_frame(const Mac& mac, hb::base::Ipv4 ip, std::uint16_t op)
{
    Frame f{};
    std::size_t i = 0;
    const auto put8 = [&](std::uint8_t v) { f[i++] = v; };
    const auto put16 = [&](std::uint16_t v) {
        put8(static_cast<std::uint8_t>(v >> 8U));
        put8(static_cast<std::uint8_t>(v & 0xffU));
    };
    const auto put_mac = [&](const Mac& m) {
        for (const auto b : m) {
            put8(b);
        }
    };
    const auto put_ip = [&](hb::base::Ipv4 a) {
        put16(static_cast<std::uint16_t>(a >> 16U));
        put16(static_cast<std::uint16_t>(a & 0xffffU));
    };
    const Mac broadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    put_mac(broadcast);  // Ethernet destination
    put_mac(mac);        // Ethernet source
    put16(ETH_P_ARP);
    put16(ARPHRD_ETHER);  // hardware type
    put16(ETH_P_IP);      // protocol type
    put8(6);              // hardware address length
    put8(4);              // protocol address length
    put16(op);
    put_mac(mac);                                // sender hardware address
    put_ip(ip);                                  // sender protocol address
    put_mac(op == ARPOP_REQUEST ? Mac{} : mac);  // target hardware address
    put_ip(ip);                                  // target protocol address
    return f;
}

int run(const Options& opt)
{
    const unsigned ifindex = if_nametoindex(opt.device.c_str());
    if (ifindex == 0) {
        std::fprintf(stderr, "send_arp: interface '%s' does not exist\n", opt.device.c_str());
        return exit_failed;
    }
    const UniqueFd sock(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (sock.get() < 0) {
        const int err = errno;
        std::fprintf(stderr, "send_arp: cannot open a packet socket: %s%s\n", std::strerror(err),
                     err == EPERM || err == EACCES ? " (needs root or CAP_NET_RAW)" : "");
        return exit_failed;
    }
    Mac mac{};
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, opt.device.c_str(), opt.device.size());
    if (::ioctl(sock.get(), SIOCGIFHWADDR, &ifr) < 0) {
        std::fprintf(stderr, "send_arp: cannot read the address of '%s': %s\n", opt.device.c_str(),
                     std::strerror(errno));
        return exit_failed;
    }
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        std::fprintf(stderr, "send_arp: '%s' is not an Ethernet interface\n", opt.device.c_str());
        return exit_failed;
    }
    std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, mac.size());
    if (opt.mac) {
        mac = *opt.mac;
    }

    PidFile pidfile;
    if (!opt.pidfile.empty() && !pidfile.write(opt.pidfile)) {
        std::fprintf(stderr, "send_arp: cannot write pid file %s: %s\n", opt.pidfile.c_str(),
                     std::strerror(errno));
        return exit_failed;
    }

    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = static_cast<int>(ifindex);
    to.sll_halen = 6;
    std::memset(to.sll_addr, 0xff, 6);

    const std::array<Frame, 2> frames{build_frame(mac, opt.ip, ARPOP_REQUEST),
                                      build_frame(mac, opt.ip, ARPOP_REPLY)};
    const long packets = opt.repeat * 2;
    long failed = 0;
    int first_error = 0;
    timespec deadline{};
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    for (long n = 0; n < packets; ++n) {
        if (n > 0) {
            deadline = add_ms(deadline, opt.interval_ms / 2);
            if (!sleep_until(deadline)) {
                break;
            }
        }
        const Frame& frame = frames[static_cast<std::size_t>(n % 2)];
        const ssize_t sent = ::sendto(sock.get(), frame.data(), frame.size(), 0,
                                      reinterpret_cast<const sockaddr*>(&to), sizeof to);
        if (sent < 0) {
            if (failed++ == 0) {
                first_error = errno;
            }
        }
    }
    if (failed > 0) {
        std::fprintf(stderr, "send_arp: %ld of %ld packets on '%s' not sent: %s\n", failed, packets,
                     opt.device.c_str(), std::strerror(first_error));
        return exit_failed;
    }
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv)
{
    Options opt;
    bool help = false;
    if (!parse_options(argc, argv, opt, help)) {
        print_usage(stderr);
        return exit_usage;
    }
    if (help) {
        print_usage(stdout);
        return exit_ok;
    }
    install_stop_handlers();
    return run(opt);
}
