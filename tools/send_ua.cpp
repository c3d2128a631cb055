// SPDX-License-Identifier: GPL-2.0-or-later
// send_ua: announces an IPv6 address with unsolicited neighbour advertisements after a
// takeover (RFC 4861 §7.2.6), as send_arp's gratuitous ARP does for IPv4: each round is one
// advertisement to all nodes (ff02::1) from the address itself, hop limit 255, Override set
// and Solicited clear, target = the address, with the interface's MAC as the Target
// Link-Layer Address option. A neighbour that has an entry for the address moves it to that
// MAC at once; one that has none ignores it, as RFC 4861 says. It only sends.
//   send_ua [-i MS] [-r COUNT] [-p PIDFILE] DEVICE IP6
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "base/address_spec.hpp"
#include "base/unique_fd.hpp"
#include "base/value_parsers.hpp"
#include "platform/privileges.hpp"
#include "tools/announce.hpp"

namespace {

using hb::base::Ipv6;
using hb::base::UniqueFd;
using hb::tools::exit_failed;
using hb::tools::exit_ok;
using hb::tools::Mac;

// IPaddr2's announcement pace (arp_interval 200 ms, arp_count 5), which resource-agents also
// uses for IPv6 addresses.
constexpr long default_interval_ms = 200;
constexpr long default_repeat = 5;

// RFC 4861: neighbour discovery packets carry hop limit 255, so a receiver knows they come
// from the link itself.
constexpr int nd_hop_limit = 255;

void print_usage(std::FILE* out)
{
    std::fputs(
        "usage: send_ua [-i INTERVAL_MS] [-r REPEAT] [-p PIDFILE] DEVICE IP6\n"
        "  Sends REPEAT (default 5) unsolicited neighbour advertisements for IP6 out of\n"
        "  DEVICE, INTERVAL_MS (default 200) apart, to all nodes (ff02::1) from IP6\n"
        "  itself, with Override set and DEVICE's MAC as the target's link-layer\n"
        "  address. IP6 must be configured on DEVICE.\n",
        out);
}

struct Options {
    hb::tools::BurstOptions burst{default_interval_ms, default_repeat, {}};
    std::string device;
    Ipv6 ip{};
};

hb::tools::CommandLine parse_options(int argc, char** argv, Options& opt)
{
    using hb::tools::CommandLine;
    std::vector<std::string> args;
    const auto line = hb::tools::read_command_line("send_ua", argc, argv, "", opt.burst, args);
    if (line != CommandLine::run) {
        return line;
    }
    if (args.size() != 2) {
        std::fputs("send_ua: expected DEVICE IP6\n", stderr);
        return CommandLine::refused;
    }
    opt.device = args[0];
    if (!hb::base::is_valid_device_name(opt.device)) {
        std::fprintf(stderr, "send_ua: '%s' is not an interface name\n", opt.device.c_str());
        return CommandLine::refused;
    }
    const auto ip = hb::base::parse_ipv6(args[1]);
    if (!ip) {
        std::fprintf(stderr, "send_ua: '%s' is not an IPv6 address\n", args[1].c_str());
        return CommandLine::refused;
    }
    if (!hb::base::is_ipv6_unicast(*ip)) {
        std::fprintf(stderr, "send_ua: '%s' is not a unicast address\n", args[1].c_str());
        return CommandLine::refused;
    }
    opt.ip = *ip;
    return CommandLine::run;
}

// ICMPv6 neighbour advertisement (RFC 4861 §4.4) with one Target Link-Layer Address option.
using Advertisement = std::array<std::uint8_t, 32>;

Advertisement build_advertisement(const Ipv6& target, const Mac& mac)
{
    constexpr std::uint8_t flag_override = 0x20;  // R = 0, S = 0, O = 1
    constexpr std::uint8_t option_target_lladdr = 2;
    Advertisement a{};
    a[0] = ND_NEIGHBOR_ADVERT;  // type 136; code 0; the kernel fills the checksum
    a[4] = flag_override;
    std::memcpy(&a[8], target.data(), target.size());
    a[24] = option_target_lladdr;
    a[25] = 1;  // option length in units of 8 bytes
    std::memcpy(&a[26], mac.data(), mac.size());
    return a;
}

// setsockopt for an int option; false after printing which option failed.
bool set_int_option(int fd, int level, int name, int value, const char* what)
{
    if (::setsockopt(fd, level, name, &value, sizeof value) < 0) {
        std::fprintf(stderr, "send_ua: cannot set %s: %s\n", what, std::strerror(errno));
        return false;
    }
    return true;
}

// A raw ICMPv6 socket that sends only: bound to `device` and to `ip` as the source, hop
// limit 255, not looped back to us, receiving nothing. The kernel computes the ICMPv6
// checksum of raw ICMPv6 sockets itself (RFC 3542 §3.1; IPV6_CHECKSUM is refused there).
int open_socket(const Options& opt, unsigned ifindex, UniqueFd& sock)
{
    sock = UniqueFd(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
    if (sock.get() < 0) {
        hb::tools::print_socket_error("send_ua", "raw ICMPv6");
        return exit_failed;
    }
    const int fd = sock.get();
    icmp6_filter nothing{};
    ICMP6_FILTER_SETBLOCKALL(&nothing);
    if (::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &nothing, sizeof nothing) < 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, opt.device.c_str(),
                     static_cast<socklen_t>(opt.device.size())) < 0) {
        std::fprintf(stderr, "send_ua: cannot bind to '%s': %s\n", opt.device.c_str(),
                     std::strerror(errno));
        return exit_failed;
    }
    if (!set_int_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, static_cast<int>(ifindex),
                        "the multicast interface") ||
        !set_int_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, nd_hop_limit, "the hop limit") ||
        !set_int_option(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, nd_hop_limit, "the hop limit") ||
        !set_int_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "multicast loopback")) {
        return exit_failed;
    }
    sockaddr_in6 from{};
    from.sin6_family = AF_INET6;
    std::memcpy(&from.sin6_addr, opt.ip.data(), opt.ip.size());
    if (hb::base::is_ipv6_link_local(opt.ip)) {
        from.sin6_scope_id = ifindex;
    }
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) < 0) {
        const int err = errno;
        const std::string ip_text = hb::base::format_ipv6(opt.ip);
        if (err == EADDRNOTAVAIL) {
            std::fprintf(stderr, "send_ua: %s is not configured on '%s' (or is still tentative)\n",
                         ip_text.c_str(), opt.device.c_str());
        } else {
            std::fprintf(stderr, "send_ua: cannot send from %s: %s\n", ip_text.c_str(),
                         std::strerror(err));
        }
        return exit_failed;
    }
    return exit_ok;
}

int run(const Options& opt)
{
    const unsigned ifindex = hb::tools::interface_index("send_ua", opt.device);
    if (ifindex == 0) {
        return exit_failed;
    }
    UniqueFd sock;
    if (const int rc = open_socket(opt, ifindex, sock); rc != exit_ok) {
        return rc;
    }
    Mac mac{};
    std::string error;
    if (!hb::tools::read_ethernet_address(sock.get(), opt.device, mac, error)) {
        std::fprintf(stderr, "send_ua: %s\n", error.c_str());
        return exit_failed;
    }
    // The socket is open and bound: nothing below needs a privilege.
    if (const auto problem = hb::platform::keep_only_capabilities({})) {
        std::fprintf(stderr, "send_ua: cannot drop capabilities: %s\n", problem->c_str());
    }
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    to.sin6_addr.s6_addr[0] = 0xff;  // ff02::1, all nodes on the link
    to.sin6_addr.s6_addr[1] = 0x02;
    to.sin6_addr.s6_addr[15] = 0x01;
    to.sin6_scope_id = ifindex;
    const Advertisement packet = build_advertisement(opt.ip, mac);
    return hb::tools::run_burst("send_ua", opt.device, opt.burst.pidfile, opt.burst.repeat,
                                opt.burst.interval_ms, [&](long /*n*/) {
                                    return ::sendto(sock.get(), packet.data(), packet.size(), 0,
                                                    reinterpret_cast<const sockaddr*>(&to),
                                                    sizeof to) >= 0;
                                });
}

}  // namespace

int main(int argc, char** argv)
{
    Options opt;
    const auto line = parse_options(argc, argv, opt);
    return hb::tools::run_command(line, print_usage, [&] { return run(opt); });
}
