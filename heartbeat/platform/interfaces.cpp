// SPDX-License-Identifier: GPL-2.0-or-later
// Interface queries through getifaddrs.
#include "platform/interfaces.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

namespace hb::platform {

std::optional<InterfaceAddress> interface_ipv4(std::string_view name)
{
    struct ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) {
        return std::nullopt;
    }
    std::optional<InterfaceAddress> found;
    for (struct ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
        if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET || name != it->ifa_name) {
            continue;
        }
        InterfaceAddress a;
        a.address = ntohl(reinterpret_cast<const sockaddr_in*>(it->ifa_addr)->sin_addr.s_addr);
        if (it->ifa_netmask != nullptr) {
            a.netmask =
                ntohl(reinterpret_cast<const sockaddr_in*>(it->ifa_netmask)->sin_addr.s_addr);
        }
        if ((it->ifa_flags & IFF_BROADCAST) != 0 && it->ifa_broadaddr != nullptr) {
            a.broadcast =
                ntohl(reinterpret_cast<const sockaddr_in*>(it->ifa_broadaddr)->sin_addr.s_addr);
        } else {
            a.broadcast = a.address | ~a.netmask;
        }
        a.up = (it->ifa_flags & IFF_UP) != 0 && (it->ifa_flags & IFF_RUNNING) != 0;
        found = a;
        break;
    }
    ::freeifaddrs(list);
    return found;
}

std::string ipv4_to_string(std::uint32_t address)
{
    return std::to_string((address >> 24U) & 0xffU) + "." +
           std::to_string((address >> 16U) & 0xffU) + "." +
           std::to_string((address >> 8U) & 0xffU) + "." + std::to_string(address & 0xffU);
}

}  // namespace hb::platform
