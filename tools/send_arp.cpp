// SPDX-License-Identifier: GPL-2.0-or-later
// send_arp: announces an IPv4 address with gratuitous ARP after a takeover, so neighbours
// update their caches at once. Each round is one ARP request and one ARP reply, both with
// sender = target = the address, broadcast on the Ethernet; packets go out half an interval
// apart, as heartbeat 3.0.6's send_arp does. It only sends (packet socket, protocol 0).
//   send_arp [-i MS] [-r COUNT] [-p PIDFILE] [-c N] DEVICE IP MAC|auto [TARGET_IP [TARGET_MAC]]
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/address_spec.hpp"
#include "base/unique_fd.hpp"
#include "base/value_parsers.hpp"
#include "platform/privileges.hpp"
#include "tools/announce.hpp"

namespace {

using hb::tools::exit_failed;
using hb::tools::Mac;

constexpr long default_interval_ms = 500;
constexpr long default_repeat = 10;

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
    hb::tools::BurstOptions burst{default_interval_ms, default_repeat, {}};
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

// Parses the command line (-c is accepted and ignored, as TARGET_IP and TARGET_MAC are).
hb::tools::CommandLine parse_options(int argc, char** argv, Options& opt)
{
    using hb::tools::CommandLine;
    std::vector<std::string> args;
    const auto line = hb::tools::read_command_line("send_arp", argc, argv, "c:", opt.burst, args);
    if (line != CommandLine::run) {
        return line;
    }
    if (args.size() < 3 || args.size() > 5) {
        std::fputs("send_arp: expected DEVICE SRC_IP SRC_MAC [TARGET_IP [TARGET_MAC]]\n", stderr);
        return CommandLine::refused;
    }
    opt.device = args[0];
    if (!hb::base::is_valid_device_name(opt.device)) {
        std::fprintf(stderr, "send_arp: '%s' is not an interface name\n", opt.device.c_str());
        return CommandLine::refused;
    }
    const auto ip = hb::base::parse_ipv4(args[1]);
    if (!ip) {
        std::fprintf(stderr, "send_arp: '%s' is not an IPv4 address\n", args[1].c_str());
        return CommandLine::refused;
    }
    opt.ip = *ip;
    if (args[2] != "auto") {
        opt.mac = parse_mac(args[2]);
        if (!opt.mac) {
            std::fprintf(stderr, "send_arp: '%s' is not a MAC address (or 'auto')\n",
                         args[2].c_str());
            return CommandLine::refused;
        }
    }
    return CommandLine::run;
}

using hb::base::UniqueFd;

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
    const unsigned ifindex = hb::tools::interface_index("send_arp", opt.device);
    if (ifindex == 0) {
        return exit_failed;
    }
    const UniqueFd sock(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (sock.get() < 0) {
        hb::tools::print_socket_error("send_arp", "packet");
        return exit_failed;
    }
    Mac mac{};
    std::string error;
    if (!hb::tools::read_ethernet_address(sock.get(), opt.device, mac, error)) {
        std::fprintf(stderr, "send_arp: %s\n", error.c_str());
        return exit_failed;
    }
    if (opt.mac) {
        mac = *opt.mac;
    }

    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = static_cast<int>(ifindex);
    to.sll_halen = 6;
    std::memset(to.sll_addr, 0xff, 6);

    // The socket is open and bound: nothing below needs a privilege.
    if (const auto problem = hb::platform::keep_only_capabilities({})) {
        std::fprintf(stderr, "send_arp: cannot drop capabilities: %s\n", problem->c_str());
    }
    const std::array<Frame, 2> frames{build_frame(mac, opt.ip, ARPOP_REQUEST),
                                      build_frame(mac, opt.ip, ARPOP_REPLY)};
    // One request and one reply a round, half an interval apart, as 3.0.6's send_arp.
    return hb::tools::run_burst("send_arp", opt.device, opt.burst.pidfile, opt.burst.repeat * 2,
                                opt.burst.interval_ms / 2, [&](long n) {
                                    const Frame& frame = frames[static_cast<std::size_t>(n % 2)];
                                    return ::sendto(sock.get(), frame.data(), frame.size(), 0,
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
