// SPDX-License-Identifier: GPL-2.0-or-later
// What send_arp and send_ua share to announce a service address after a takeover: the -i/-r/-p
// options, the interface's Ethernet address, and a paced burst of packets that a pid file
// names while it runs and a stop signal (TERM, INT, HUP) ends at once. The packets themselves
// (ARP frames, neighbour advertisements) are each tool's own.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::tools {

/// Exit codes of the announcing tools, as heartbeat 3.0.6's send_arp uses them.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;

/// Longest interval between rounds and most rounds that -i and -r accept.
inline constexpr long max_interval_ms = 60 * 60 * 1000;
inline constexpr long max_repeat = 10000;

/// An Ethernet (MAC) address.
using Mac = std::array<std::uint8_t, 6>;

/// The -i, -r and -p options: interval between rounds, rounds, pid file (empty: none).
struct BurstOptions {
    long interval_ms = 0;
    long repeat = 0;
    std::string pidfile;
};

/// How a command line reads: run it, show the usage (-h), or refused (the reason printed).
enum class CommandLine { run, help, refused };

/// Reads the options -i, -r, -p and -h into `opt` (and those in `ignored`, getopt letters
/// accepted for compatibility and dropped), and the operands after them into `operands`.
/// Prints `PROGRAM: …` for an unknown option, a missing or bad value.
CommandLine read_command_line(std::string_view program, int argc, char** argv,
                              std::string_view ignored, BurstOptions& opt,
                              std::vector<std::string>& operands);

/// The end of a tool's main: the usage on stderr and exit_usage when `line` was refused, on
/// stdout and exit_ok for -h, otherwise what `run` returns.
int run_command(CommandLine line, void (*print_usage)(std::FILE*), const std::function<int()>& run);

/// The index of interface `device`; 0, after printing `PROGRAM: interface '…' does not
/// exist`, when there is none.
unsigned interface_index(std::string_view program, const std::string& device);

/// Prints why a socket of `kind` could not be opened (errno), with the privilege it needs.
void print_socket_error(std::string_view program, const char* kind);

/// The Ethernet address of `device`, read through socket `fd`; false with `error` set (the
/// message without the program's name) when it cannot be read or is not Ethernet.
bool read_ethernet_address(int fd, const std::string& device, Mac& mac, std::string& error);

/// Sends `packets` packets `gap_ms` apart (the first at once) by calling `send_one(n)`, which
/// returns false with errno set when packet n could not be sent; a stop signal ends the burst
/// early. The pid file, when named, holds our pid meanwhile. Prints failures as `PROGRAM: …`
/// and returns exit_ok or exit_failed.
int run_burst(std::string_view program, const std::string& device, const std::string& pidfile,
              long packets, long gap_ms, const std::function<bool(long)>& send_one);

}  // namespace hb::tools
