// SPDX-License-Identifier: GPL-2.0-or-later
// Network interface facts the media need: an interface's IPv4 address, netmask and
// broadcast address, and whether it is up. Blocking (getifaddrs), cheap, called on open and
// on retry, never per packet.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hb::platform {

/// The first IPv4 address of an interface (host byte order).
struct InterfaceAddress {
    std::uint32_t address = 0;
    std::uint32_t netmask = 0;
    std::uint32_t broadcast = 0;
    bool up = false;
};

/// The interface's first IPv4 address, or nullopt when it has none or does not exist.
std::optional<InterfaceAddress> interface_ipv4(std::string_view name);

/// Dotted-quad text of a host-order IPv4 address.
std::string ipv4_to_string(std::uint32_t address);

}  // namespace hb::platform
