// SPDX-License-Identifier: GPL-2.0-or-later
// The IPaddr argument `IP[/CIDR[/NIC[/BROADCAST]]]` and its IPv6 form `IP6[/PREFIX[/NIC]]`
// (IPaddr2, IPv6addr), IPv4 netmask and broadcast arithmetic, prefix containment, and the
// choice of the connected route that serves an address. One grammar, one parser:
// `heartbeat --check-config` checks haresources' address arguments with it, and `findif`
// reads them with it. No sockets and no netlink here; findif.cpp reads the routes.
#pragma once

#include <array>
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

// ---- IPv6 --------------------------------------------------------------------------------

/// An IPv6 address, its 16 bytes in network order (as base::parse_ipv6 returns it).
using Ipv6 = std::array<std::uint8_t, 16>;

/// Longest IPv6 prefix length.
inline constexpr int max_ipv6_prefix = 128;

/// The address as `ip` and inet_ntop print it (RFC 5952: `2001:db8::100`, `::ffff:192.0.2.1`).
std::string format_ipv6(const Ipv6& address);

/// True for a unicast address: neither the unspecified `::` nor multicast (`ff00::/8`).
bool is_ipv6_unicast(const Ipv6& address);

/// True for a link-local unicast address (`fe80::/10`).
bool is_ipv6_link_local(const Ipv6& address);

/// True when `address` lies in `network`/`prefix` (prefix 0..128).
bool subnet_contains(const Ipv6& network, int prefix, const Ipv6& address);

/// True when the address part of an argument (before the first '/') holds a ':', which no
/// IPv4 address does: the argument is meant as `IP6[/PREFIX[/NIC]]`, for parse_ipv6_spec.
bool looks_like_ipv6_spec(std::string_view text);

/// One parsed IPv6 address argument; an empty optional/string is "find it out". IPv6 has no
/// broadcast and Linux no labels for IPv6 addresses, so there are neither.
struct Ipv6AddressSpec {
    Ipv6 ip{};
    std::optional<int> prefix;  ///< 0..128
    std::string device;         ///< `ens32`
};

/// A parsed IPv6 argument, or the reason it is not one (`error` set, `spec` empty).
struct Ipv6AddressSpecResult {
    std::optional<Ipv6AddressSpec> spec;
    std::string error;
};

/// Parses `IP6`, `IP6/PREFIX` or `IP6/PREFIX/NIC` (IPaddr2's and IPv6addr's IPv6 argument,
/// e.g. `2001:db8::100/64/ens32`): a unicast IPv6 address, a prefix length 0..128, an
/// interface name without a label. `error` reads `address '…': reason`, as
/// parse_address_spec's does.
Ipv6AddressSpecResult parse_ipv6_spec(std::string_view text);

/// A connected (on-link: no gateway) IPv6 route of the main table.
struct ConnectedRoute6 {
    Ipv6 network{};
    int prefix = 0;
    std::string device;
};

/// The route with the longest prefix that contains `ip`, among those on `device` when it is
/// not empty; nothing when none does. Only a link-local address falls in `fe80::/64`, so the
/// link-local routes every interface has never serve a global address.
std::optional<ConnectedRoute6> select_route(std::span<const ConnectedRoute6> routes, const Ipv6& ip,
                                            std::string_view device);

}  // namespace hb::base
