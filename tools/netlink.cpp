// SPDX-License-Identifier: GPL-2.0-or-later
// NetlinkView over libnl-route caches.
#include "tools/netlink.hpp"

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>

namespace hb::tools {

namespace {

std::string format_mac(nl_addr* addr)
{
    if (addr == nullptr || nl_addr_get_len(addr) != 6) {
        return {};
    }
    const auto* b = static_cast<const unsigned char*>(nl_addr_get_binary_addr(addr));
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
                  b[5]);
    return buf;
}

}  // namespace

void NetlinkView::SockDeleter::operator()(nl_sock* sock) const
{
    nl_socket_free(sock);
}
void NetlinkView::CacheDeleter::operator()(nl_cache* cache) const
{
    nl_cache_free(cache);
}

NetlinkView::NetlinkView() = default;
NetlinkView::~NetlinkView() = default;

bool NetlinkView::load(std::string& error, bool neighbours)
{
    sock_.reset(nl_socket_alloc());
    if (!sock_) {
        error = "cannot allocate a netlink socket";
        return false;
    }
    int rc = nl_connect(sock_.get(), NETLINK_ROUTE);
    if (rc < 0) {
        error = std::string("cannot connect to rtnetlink: ") + nl_geterror(rc);
        return false;
    }
    nl_cache* links = nullptr;
    rc = rtnl_link_alloc_cache(sock_.get(), AF_UNSPEC, &links);
    links_.reset(links);
    if (rc < 0) {
        error = std::string("cannot read the interfaces: ") + nl_geterror(rc);
        return false;
    }
    nl_cache* routes = nullptr;
    // Both families in one dump: findif serves IPv6 addresses too.
    rc = rtnl_route_alloc_cache(sock_.get(), AF_UNSPEC, 0, &routes);
    routes_.reset(routes);
    if (rc < 0) {
        error = std::string("cannot read the routing table: ") + nl_geterror(rc);
        return false;
    }
    if (neighbours) {
        nl_cache* neigh = nullptr;
        rc = rtnl_neigh_alloc_cache(sock_.get(), &neigh);
        neighbours_.reset(neigh);
        if (rc < 0) {
            error = std::string("cannot read the neighbour table: ") + nl_geterror(rc);
            return false;
        }
    }
    return true;
}

bool NetlinkView::has_link(const std::string& name) const
{
    return rtnl_link_name2i(links_.get(), name.c_str()) > 0;
}

std::optional<std::string> NetlinkView::link_mac(const std::string& name) const
{
    rtnl_link* link = rtnl_link_get_by_name(links_.get(), name.c_str());
    if (link == nullptr) {
        return std::nullopt;
    }
    std::string mac = format_mac(rtnl_link_get_addr(link));
    rtnl_link_put(link);
    if (mac.empty()) {
        return std::nullopt;
    }
    return mac;
}

std::vector<ConnectedRoute> NetlinkView::connected_routes() const
{
    std::vector<ConnectedRoute> out;
    for (nl_object* obj = nl_cache_get_first(routes_.get()); obj != nullptr;
         obj = nl_cache_get_next(obj)) {
        auto* route = reinterpret_cast<rtnl_route*>(obj);
        if (rtnl_route_get_family(route) != AF_INET ||
            rtnl_route_get_table(route) != RT_TABLE_MAIN ||
            rtnl_route_get_type(route) != RTN_UNICAST ||
            rtnl_route_get_scope(route) != RT_SCOPE_LINK || rtnl_route_get_nnexthops(route) < 1) {
            continue;
        }
        nl_addr* dst = rtnl_route_get_dst(route);
        if (dst == nullptr) {
            continue;
        }
        ConnectedRoute r;
        r.prefix = static_cast<int>(nl_addr_get_prefixlen(dst));
        if (nl_addr_get_len(dst) == 4) {
            std::uint32_t network_be = 0;
            std::memcpy(&network_be, nl_addr_get_binary_addr(dst), sizeof network_be);
            r.network = ntohl(network_be);
        } else if (r.prefix != 0) {
            continue;
        }
        const int ifindex = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(route, 0));
        char name[64] = {};
        if (rtnl_link_i2name(links_.get(), ifindex, name, sizeof name) == nullptr) {
            continue;
        }
        r.device = name;
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<ConnectedRoute6> NetlinkView::connected_routes6() const
{
    std::vector<ConnectedRoute6> out;
    for (nl_object* obj = nl_cache_get_first(routes_.get()); obj != nullptr;
         obj = nl_cache_get_next(obj)) {
        auto* route = reinterpret_cast<rtnl_route*>(obj);
        // IPv6 routes all have scope universe: an on-link prefix is one whose (only) next
        // hop has no gateway.
        if (rtnl_route_get_family(route) != AF_INET6 ||
            rtnl_route_get_table(route) != RT_TABLE_MAIN ||
            rtnl_route_get_type(route) != RTN_UNICAST || rtnl_route_get_nnexthops(route) != 1) {
            continue;
        }
        rtnl_nexthop* hop = rtnl_route_nexthop_n(route, 0);
        nl_addr* dst = rtnl_route_get_dst(route);
        if (dst == nullptr || rtnl_route_nh_get_gateway(hop) != nullptr) {
            continue;
        }
        ConnectedRoute6 r;
        r.prefix = static_cast<int>(nl_addr_get_prefixlen(dst));
        if (nl_addr_get_len(dst) == r.network.size()) {
            std::memcpy(r.network.data(), nl_addr_get_binary_addr(dst), r.network.size());
        } else if (r.prefix != 0) {
            continue;
        }
        char name[64] = {};
        if (rtnl_link_i2name(links_.get(), rtnl_route_nh_get_ifindex(hop), name, sizeof name) ==
            nullptr) {
            continue;
        }
        r.device = name;
        out.push_back(std::move(r));
    }
    return out;
}

std::optional<std::string> NetlinkView::neighbour_mac(Ipv4 address, const std::string& device) const
{
    if (!neighbours_) {
        return std::nullopt;
    }
    const int ifindex = rtnl_link_name2i(links_.get(), device.c_str());
    const std::uint32_t be = htonl(address);
    for (nl_object* obj = nl_cache_get_first(neighbours_.get()); obj != nullptr;
         obj = nl_cache_get_next(obj)) {
        auto* n = reinterpret_cast<rtnl_neigh*>(obj);
        nl_addr* dst = rtnl_neigh_get_dst(n);
        if (rtnl_neigh_get_family(n) != AF_INET || rtnl_neigh_get_ifindex(n) != ifindex ||
            dst == nullptr || nl_addr_get_len(dst) != 4 ||
            std::memcmp(nl_addr_get_binary_addr(dst), &be, 4) != 0) {
            continue;
        }
        const int state = rtnl_neigh_get_state(n);
        if ((state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NONE)) != 0 || state == 0) {
            return std::nullopt;
        }
        std::string mac = format_mac(rtnl_neigh_get_lladdr(n));
        if (mac.empty()) {
            return std::nullopt;
        }
        return mac;
    }
    return std::nullopt;
}

}  // namespace hb::tools
