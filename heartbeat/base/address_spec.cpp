// SPDX-License-Identifier: GPL-2.0-or-later
// IPaddr argument parsing, netmask/broadcast arithmetic and route selection, shared by the
// configuration check and findif, so an argument that `heartbeat --check-config` accepts is
// read the same way when the agent runs.
#include "base/address_spec.hpp"

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
        return AddressSpecResult{std::nullopt, "address " + base::quote(text) + ": " + why};
    };
    const auto parts = split_slashes(text);
    if (parts.size() > 4) {
        return fail("too many parts (expected IP[/CIDR[/NIC[/BROADCAST]]])");
    }
    for (const auto part : parts) {
        if (part.empty()) {
            return fail("empty part (expected IP[/CIDR[/NIC[/BROADCAST]]])");
        }
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
    const ConnectedRoute* best = nullptr;
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

}  // namespace hb::base
