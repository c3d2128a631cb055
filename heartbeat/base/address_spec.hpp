// SPDX-License-Identifier: GPL-2.0-or-later
// The IPaddr argument `IP[/CIDR[/NIC[/BROADCAST]]]`, IPv4 netmask and broadcast arithmetic,
// and the choice of the connected route that serves an address. One grammar, one parser:
// `heartbeat --check-config` checks haresources' IPaddr arguments with it, and `findif`
// reads them with it. No sockets and no netlink here; findif.cpp reads the routes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hb::base {

/// An IPv4 address in host byte order.
using Ipv4 = std::uint32_t;

/// Longest name the kernel accepts for an interface or an address label (IFNAMSIZ - 1).
inline constexpr std::size_t max_ifname_length = 15;

/// Dotted-quad text of an address (`192.168.219.100`).
std::string format_ipv4(Ipv4 address);

/// A prefix length `0`..`32` or a contiguous dotted netmask (`255.255.255.0`), as bits.
std::optional<int> parse_netmask(std::string_view text);

/// The netmask with `prefix` leading one bits (`24` -> 255.255.255.0).
Ipv4 netmask_of(int prefix);

/// The highest address of the subnet of `address` with `prefix` bits.
Ipv4 broadcast_of(Ipv4 address, int prefix);

/// True when `address` lies in `network`/`prefix`.
bool subnet_contains(Ipv4 network, int prefix, Ipv4 address);

/// True for a plausible Linux interface name: 1-15 characters, no '/', ':' or blank.
bool is_valid_device_name(std::string_view name);

/// One parsed IPaddr argument; empty optionals/strings are "find it out".
struct AddressSpec {
    Ipv4 ip = 0;
    std::optional<int> prefix;      ///< from CIDR or dotted netmask
    std::string device;             ///< `ens32` of `ens32:0`
    std::string label;              ///< `ens32:0` when a label was given, else empty
    std::optional<Ipv4> broadcast;  ///< explicit broadcast address
};

/// A parsed argument, or the reason it is not one (`error` set, `spec` empty).
struct AddressSpecResult {
    std::optional<AddressSpec> spec;
    std::string error;
};

/// Builds a spec from separate fields (empty = not given): IP, CIDR or dotted netmask, NIC
/// with an optional label, broadcast. `error` is the reason without the argument's text.
AddressSpecResult spec_from_fields(std::string_view ip, std::string_view cidr, std::string_view nic,
                                   std::string_view broadcast);

/// Parses `IP`, `IP/CIDR`, `IP/CIDR/NIC`, `IP/CIDR/BROADCAST` (a third part starting with a
/// digit) or `IP/CIDR/NIC/BROADCAST`; NIC may carry a label (`ens32:0`).
AddressSpecResult parse_address_spec(std::string_view text);

/// A connected (scope link) IPv4 route of the main table.
struct ConnectedRoute {
    Ipv4 network = 0;
    int prefix = 0;
    std::string device;
};

/// The route with the longest prefix that contains `ip`, among those on `device` when it is
/// not empty; nothing when none does.
std::optional<ConnectedRoute> select_route(std::span<const ConnectedRoute> routes, Ipv4 ip,
                                           std::string_view device);

}  // namespace hb::base
