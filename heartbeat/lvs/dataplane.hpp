// SPDX-License-Identifier: GPL-2.0-or-later
// The decisions of the data plane, from the rules, the machine's facts and the real servers'
// health: which servers may take new connections, which table owns each hash slot (the
// reference table of every server in the file, the same on both directors; the current one
// of the usable servers, or the sorry server), and what kernel IPVS should hold. The
// nftables and ipvsadm renderings are built from this; nothing here touches the machine.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "lvs/maglev.hpp"
#include "lvs/rules.hpp"

namespace hb::lvs {

/// A network interface as the data plane needs it.
struct Interface {
    std::string name;
    std::string mac;  ///< `aa:bb:cc:dd:ee:ff`, lower case

    bool operator==(const Interface&) const = default;
};

/// What the machine says (gathered by the agent before it renders anything).
struct Facts {
    /// The interface whose connected route holds an address (VIPs, real servers).
    std::map<Ipv4, Interface> route;
    /// Resolved neighbour MACs of real servers (direct routing needs them).
    std::map<Ipv4, std::string> neighbour;

    bool operator==(const Facts&) const = default;
};

/// A real server's health as its checker judges it.
enum class Health { up, down };

/// `up` or `down`.
std::string_view to_string(Health health);

/// Health of every server of every service: [service][server], in file order. A server
/// without a check is always up.
using HealthTable = std::vector<std::vector<Health>>;

/// Everyone up: the state at start (as keepalived assumes; `fall` failures take a server out).
HealthTable all_up(const LvsConfig& config);

/// The index that stands for a service's sorry server in slot tables.
inline std::size_t sorry_index(const Service& service)
{
    return service.servers.size();
}

/// One service's slot tables.
struct ServicePlan {
    std::size_t size = 0;        ///< slots (prime)
    std::uint32_t seed = 0;      ///< jhash seed, from the service's key: the same everywhere
    std::vector<int> reference;  ///< slot → server of the file (weight > 0), or no_backend
    std::vector<int> current;    ///< slot → usable server, sorry_index, or no_backend
    std::vector<bool> usable;    ///< [server]: may take new connections now
    bool sorry_active = false;   ///< every server is out and the sorry server takes them
};

/// True when a server can be sent new connections: checked up, weight above 0 and, for direct
/// routing, its MAC known.
bool server_usable(const Service& service, std::size_t server, Health health, const Facts& facts);

/// The slot tables of `service` (index `index` in its file) under `health` and `facts`.
ServicePlan plan_service(const Service& service, const std::vector<Health>& health,
                         const Facts& facts);

/// Plans for every service.
std::vector<ServicePlan> plan_all(const LvsConfig& config, const HealthTable& health,
                                  const Facts& facts);

/// What kernel IPVS should hold for one real server.
struct IpvsServer {
    RealServer server;  ///< with the weight to set (0 = quiesced)
    bool sorry = false;
};

/// The weights and sorry servers IPVS should have under `health` (IPVS schedules itself;
/// only who may take new connections is ours to say).
std::vector<std::vector<IpvsServer>> plan_ipvs(const LvsConfig& config, const HealthTable& health);

}  // namespace hb::lvs
