// SPDX-License-Identifier: GPL-2.0-or-later
// IPaddr argument parsing (IPv4 and IPv6), netmask/broadcast arithmetic and route selection,
// shared by the configuration check and findif, so an argument that `heartbeat
// --check-config` accepts is read the same way when the agent runs.
#include "base/address_spec.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <vector>

#include "base/text.hpp"
#include "base/value_parsers.hpp"

namespace hb::base {

namespace {

bool starts_with_digit(std::string_view text)
{
    return !text.empty() && text.front() >= '0' && text.front() <= '9';
}

std::vector<std::string_view> split_slashes(std::string_view text)
{
    std::vector<std::string_view> parts;
    std::size_t pos = 0;
    while (true) {
        const std::size_t slash = text.find('/', pos);
        if (slash == std::string_view::npos) {
            parts.push_back(text.substr(pos));
            return parts;
        }
        parts.push_back(text.substr(pos, slash - pos));
        pos = slash + 1;
    }
}

// The '/'-separated shape of an address argument.
struct ArgumentForm {
    std::size_t max_parts;
    const char* expected;  ///< the forms, for messages
    const char* too_many;  ///< what a part too many says, after the forms
};
constexpr ArgumentForm ipv4_form{4, "IP[/CIDR[/NIC[/BROADCAST]]]", ""};
constexpr ArgumentForm ipv6_form{3, "IP6[/PREFIX[/NIC]]", "; IPv6 has no broadcast"};

// Splits `text` at '/' into `parts`; why it does not fit `form` (more parts than the form
// has, an empty one: `IP//NIC`, a trailing '/'), or empty when it does.
std::string split_argument(std::string_view text, const ArgumentForm& form,
                           std::vector<std::string_view>& parts)
{
    parts = split_slashes(text);
    if (parts.size() > form.max_parts) {
        return std::string("too many parts (expected ") + form.expected + form.too_many + ")";
    }
    for (const auto part : parts) {
        if (part.empty()) {
            return std::string("empty part (expected ") + form.expected + ")";
        }
    }
    return {};
}

// A refused argument: `address 'TEXT': WHY`.
template <class Result>
Result refuse(std::string_view text, const std::string& why)
{
    return Result{std::nullopt, "address " + base::quote(text) + ": " + why};
}

// The longest-prefix route containing `ip` (on `device` when given), for either family:
// subnet_contains is overloaded for Ipv4 and Ipv6.
template <class Route, class Address>
std::optional<Route> longest_match(std::span<const Route> routes, const Address& ip,
                                   std::string_view device)
{
    const Route* best = nullptr;
    for (const auto& route : routes) {
        if (!device.empty() && route.device != device) {
            continue;
        }
        if (!subnet_contains(route.network, route.prefix, ip)) {
            continue;
        }
        if (best == nullptr || route.prefix > best->prefix) {
            best = &route;
        }
    }
    if (best == nullptr) {
        return std::nullopt;
    }
    return *best;
}

// `ens32` or `ens32:label` -> device and label, or an error text.
std::string parse_nic(std::string_view nic, AddressSpec& spec)
{
    const std::size_t colon = nic.find(':');
    const std::string_view device = nic.substr(0, colon);
    if (!is_valid_device_name(device)) {
        return base::quote(nic) + " is not an interface name";
    }
    spec.device = std::string(device);
    if (colon == std::string_view::npos) {
        return {};
    }
    const std::string_view suffix = nic.substr(colon + 1);
    if (suffix.empty() || suffix.find_first_of(" \t\n/") != std::string_view::npos) {
        return base::quote(nic) + " is not an interface label (expected NIC:LABEL)";
    }
    if (nic.size() > max_ifname_length) {
        return "interface label " + base::quote(nic) + " is longer than the kernel's " +
               std::to_string(max_ifname_length) + " characters";
    }
    spec.label = std::string(nic);
    return {};
}

}  // namespace

std::string format_ipv4(Ipv4 address)
{
    std::string text;
    for (int shift = 24; shift >= 0; shift -= 8) {
        text += std::to_string((address >> shift) & 0xffU);
        if (shift != 0) {
            text += '.';
        }
    }
    return text;
}

Ipv4 netmask_of(int prefix)
{
    if (prefix <= 0) {
        return 0;
    }
    if (prefix >= 32) {
        return 0xffffffffU;
    }
    return 0xffffffffU << static_cast<unsigned>(32 - prefix);
}

std::optional<int> parse_netmask(std::string_view text)
{
    if (const auto bits = base::parse_integer(text, 0, 32)) {
        return static_cast<int>(*bits);
    }
    const auto mask = base::parse_ipv4(text);
    if (!mask) {
        return std::nullopt;
    }
    // Contiguous: the ones all lead, so the inverted mask plus one is a power of two.
    const Ipv4 host_bits = ~*mask;
    if ((host_bits & (host_bits + 1U)) != 0) {
        return std::nullopt;
    }
    int prefix = 0;
    for (Ipv4 m = *mask; (m & 0x80000000U) != 0; m <<= 1U) {
        ++prefix;
    }
    return prefix;
}

Ipv4 broadcast_of(Ipv4 address, int prefix)
{
    return address | ~netmask_of(prefix);
}

bool subnet_contains(Ipv4 network, int prefix, Ipv4 address)
{
    const Ipv4 mask = netmask_of(prefix);
    return (network & mask) == (address & mask);
}

bool is_valid_device_name(std::string_view name)
{
    if (name.empty() || name.size() > max_ifname_length || name == "." || name == "..") {
        return false;
    }
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '/' || c == ':' || u <= ' ' || u >= 0x7f) {
            return false;
        }
    }
    return true;
}

AddressSpecResult spec_from_fields(std::string_view ip, std::string_view cidr, std::string_view nic,
                                   std::string_view broadcast)
{
    const auto fail = [](const std::string& why) { return AddressSpecResult{std::nullopt, why}; };
    AddressSpec spec;
    const auto address = base::parse_ipv4(ip);
    if (!address) {
        return fail(base::quote(ip) + " is not an IPv4 address");
    }
    spec.ip = *address;
    if (!cidr.empty()) {
        spec.prefix = parse_netmask(cidr);
        if (!spec.prefix) {
            return fail(base::quote(cidr) +
                        " is neither a prefix length (0-32) nor a contiguous dotted netmask");
        }
    }
    if (!nic.empty()) {
        if (const auto why = parse_nic(nic, spec); !why.empty()) {
            return fail(why);
        }
    }
    if (!broadcast.empty()) {
        spec.broadcast = base::parse_ipv4(broadcast);
        if (!spec.broadcast) {
            return fail(base::quote(broadcast) + " is not a broadcast address");
        }
    }
    return AddressSpecResult{std::move(spec), {}};
}

AddressSpecResult parse_address_spec(std::string_view text)
{
    const auto fail = [text](const std::string& why) {
        return refuse<AddressSpecResult>(text, why);
    };
    std::vector<std::string_view> parts;
    if (const auto why = split_argument(text, ipv4_form, parts); !why.empty()) {
        return fail(why);
    }
    const std::string_view cidr = parts.size() >= 2 ? parts[1] : std::string_view{};
    std::string_view nic;
    std::string_view broadcast;
    if (parts.size() == 3 && starts_with_digit(parts[2])) {
        broadcast = parts[2];
    } else if (parts.size() >= 3) {
        if (starts_with_digit(parts[2])) {
            return fail("the third part must be an interface when a broadcast address follows");
        }
        nic = parts[2];
        if (parts.size() == 4) {
            broadcast = parts[3];
        }
    }
    auto result = spec_from_fields(parts[0], cidr, nic, broadcast);
    if (!result.spec) {
        return fail(result.error);
    }
    return result;
}

std::optional<ConnectedRoute> select_route(std::span<const ConnectedRoute> routes, Ipv4 ip,
                                           std::string_view device)
{
    return longest_match(routes, ip, device);
}

std::string format_ipv6(const Ipv6& address)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (::inet_ntop(AF_INET6, address.data(), text, sizeof text) == nullptr) {
        return {};
    }
    return text;
}

bool is_ipv6_unicast(const Ipv6& address)
{
    if (address[0] == 0xff) {
        return false;
    }
    for (const auto byte : address) {
        if (byte != 0) {
            return true;
        }
    }
    return false;
}

bool is_ipv6_link_local(const Ipv6& address)
{
    return address[0] == 0xfe && (address[1] & 0xc0U) == 0x80;
}

bool subnet_contains(const Ipv6& network, int prefix, const Ipv6& address)
{
    int bits = std::clamp(prefix, 0, max_ipv6_prefix);
    for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
        const unsigned mask =
            bits >= 8 ? 0xffU : (0xffU << static_cast<unsigned>(8 - bits)) & 0xffU;
        if ((network[i] & mask) != (address[i] & mask)) {
            return false;
        }
    }
    return true;
}

bool looks_like_ipv6_spec(std::string_view text)
{
    return text.substr(0, text.find('/')).find(':') != std::string_view::npos;
}

Ipv6AddressSpecResult parse_ipv6_spec(std::string_view text)
{
    const auto fail = [text](const std::string& why) {
        return refuse<Ipv6AddressSpecResult>(text, why);
    };
    std::vector<std::string_view> parts;
    if (const auto why = split_argument(text, ipv6_form, parts); !why.empty()) {
        return fail(why);
    }
    Ipv6AddressSpec spec;
    const auto address = base::parse_ipv6(parts[0]);
    if (!address) {
        return fail(base::quote(parts[0]) + " is not an IPv6 address");
    }
    if (!is_ipv6_unicast(*address)) {
        return fail(base::quote(parts[0]) + " is not a unicast address");
    }
    spec.ip = *address;
    if (parts.size() >= 2) {
        const auto bits = base::parse_integer(parts[1], 0, max_ipv6_prefix);
        if (!bits) {
            return fail(base::quote(parts[1]) + " is not a prefix length (0-128)");
        }
        spec.prefix = static_cast<int>(*bits);
    }
    if (parts.size() == 3) {
        if (parts[2].find(':') != std::string_view::npos) {
            return fail(base::quote(parts[2]) +
                        " is not an interface name (IPv6 addresses take no label)");
        }
        if (!is_valid_device_name(parts[2])) {
            return fail(base::quote(parts[2]) + " is not an interface name");
        }
        spec.device = std::string(parts[2]);
    }
    return Ipv6AddressSpecResult{std::move(spec), {}};
}

std::optional<ConnectedRoute6> select_route(std::span<const ConnectedRoute6> routes, const Ipv6& ip,
                                            std::string_view device)
{
    return longest_match(routes, ip, device);
}

}  // namespace hb::base
