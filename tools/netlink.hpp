// SPDX-License-Identifier: GPL-2.0-or-later
// A snapshot of the kernel's network view through libnl-route: interfaces (names, MACs),
// IPv4 and IPv6 routes, and the IPv4 neighbour table. Shared by findif (which interface serves an
// address) and the LVS agent (the interfaces and real-server MACs of direct routing).
// Blocking netlink dumps of small tables; for programs, never for the daemon's event loop.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/address_spec.hpp"

struct nl_sock;
struct nl_cache;

namespace hb::tools {

using base::ConnectedRoute;
using base::ConnectedRoute6;
using base::Ipv4;

/// What the kernel said, read once by load().
class NetlinkView {
public:
    NetlinkView();
    ~NetlinkView();
    NetlinkView(const NetlinkView&) = delete;
    NetlinkView& operator=(const NetlinkView&) = delete;

    /// Connects to rtnetlink and dumps links and routes of both families (and the neighbour table
    /// when `neighbours`); false with `error` set on failure.
    bool load(std::string& error, bool neighbours = false);

    /// True when an interface called `name` exists.
    bool has_link(const std::string& name) const;
    /// The MAC of interface `name`, `aa:bb:cc:dd:ee:ff`, when it has one.
    std::optional<std::string> link_mac(const std::string& name) const;
    /// Unicast scope-link IPv4 routes of the main table: the subnets reachable directly.
    std::vector<ConnectedRoute> connected_routes() const;
    /// Unicast IPv6 routes of the main table without a gateway (on-link prefixes, including
    /// each interface's fe80::/64).
    std::vector<ConnectedRoute6> connected_routes6() const;
    /// The MAC the neighbour table holds for `address` on `device`, when it is usable (an
    /// entry being resolved or one that failed has none).
    std::optional<std::string> neighbour_mac(Ipv4 address, const std::string& device) const;

private:
    struct SockDeleter {
        void operator()(nl_sock* sock) const;
    };
    struct CacheDeleter {
        void operator()(nl_cache* cache) const;
    };
    std::unique_ptr<nl_sock, SockDeleter> sock_;
    std::unique_ptr<nl_cache, CacheDeleter> links_;
    std::unique_ptr<nl_cache, CacheDeleter> routes_;
    std::unique_ptr<nl_cache, CacheDeleter> neighbours_;
};

}  // namespace hb::tools
