// SPDX-License-Identifier: GPL-2.0-or-later
// Data-plane planning. How IPVS's schedulers map onto a stateless hash (nftables has no
// connection counts, and a choice that must be the same on both directors can depend on the
// packet alone):
//   rr, lc, nq                   equal shares of the slots (IPVS ignores their weights too)
//   wrr, wlc, sed, lblc, lblcr,  shares in proportion to the weights
//   dh, sh, mh
//   fo, ovf                      every slot to the usable server of highest weight
// Which packet fields are hashed is the renderer's business (flow, source only, destination).
#include "lvs/dataplane.hpp"

#include <algorithm>

namespace hb::lvs {

std::string_view to_string(Health health)
{
    return health == Health::up ? "up" : "down";
}

HealthTable all_up(const LvsConfig& config)
{
    HealthTable table;
    for (const Service& s : config.services) {
        table.emplace_back(s.servers.size(), Health::up);
    }
    return table;
}

bool server_usable(const Service& service, std::size_t server, Health health, const Facts& facts)
{
    const RealServer& r = service.servers[server];
    if (health != Health::up || r.weight <= 0) {
        return false;
    }
    return r.forwarding != Forwarding::direct_routing ||
           facts.neighbour.contains(r.endpoint.address);
}

namespace {

enum class Sharing { equal, weighted, failover };

Sharing sharing_of(Scheduler s)
{
    switch (s) {
    case Scheduler::rr:
    case Scheduler::lc:
    case Scheduler::nq: return Sharing::equal;
    case Scheduler::fo:
    case Scheduler::ovf: return Sharing::failover;
    default: return Sharing::weighted;
    }
}

// A table over the servers for which `include` holds, shared as the scheduler says.
template <class Include>
std::vector<int> build_table(const Service& service, std::size_t size, Include include)
{
    std::vector<MaglevBackend> backends;
    const Sharing sharing = sharing_of(service.scheduler);
    int best = -1;
    for (std::size_t i = 0; i < service.servers.size(); ++i) {
        const RealServer& r = service.servers[i];
        const bool in = include(i) && r.weight > 0;
        backends.push_back({format_endpoint(r.endpoint), !in                         ? 0
                                                         : sharing == Sharing::equal ? 1
                                                                                     : r.weight});
        if (in && (best < 0 || r.weight > service.servers[static_cast<std::size_t>(best)].weight)) {
            best = static_cast<int>(i);
        }
    }
    if (sharing == Sharing::failover) {
        return std::vector<int>(size, best < 0 ? no_backend : best);
    }
    return build_maglev(backends, size);
}

}  // namespace

ServicePlan plan_service(const Service& service, const std::vector<Health>& health,
                         const Facts& facts)
{
    ServicePlan plan;
    plan.size = maglev_size(service.servers.size());
    plan.seed = static_cast<std::uint32_t>(stable_hash(describe(service.key), 0x73656564ULL));
    for (std::size_t i = 0; i < service.servers.size(); ++i) {
        const Health h = i < health.size() ? health[i] : Health::up;
        plan.usable.push_back(server_usable(service, i, h, facts));
    }
    plan.reference = build_table(service, plan.size, [](std::size_t) { return true; });
    const bool any = std::find(plan.usable.begin(), plan.usable.end(), true) != plan.usable.end();
    if (!any && service.sorry) {
        plan.sorry_active = true;
        plan.current.assign(plan.size, static_cast<int>(sorry_index(service)));
    } else {
        plan.current =
            build_table(service, plan.size, [&](std::size_t i) { return plan.usable[i]; });
    }
    return plan;
}

std::vector<ServicePlan> plan_all(const LvsConfig& config, const HealthTable& health,
                                  const Facts& facts)
{
    std::vector<ServicePlan> plans;
    for (std::size_t s = 0; s < config.services.size(); ++s) {
        plans.push_back(plan_service(config.services[s],
                                     s < health.size() ? health[s] : std::vector<Health>{}, facts));
    }
    return plans;
}

std::vector<std::vector<IpvsServer>> plan_ipvs(const LvsConfig& config, const HealthTable& health)
{
    std::vector<std::vector<IpvsServer>> out;
    for (std::size_t s = 0; s < config.services.size(); ++s) {
        const Service& service = config.services[s];
        std::vector<IpvsServer> servers;
        bool any = false;
        for (std::size_t i = 0; i < service.servers.size(); ++i) {
            IpvsServer entry{service.servers[i], false};
            const bool up =
                s >= health.size() || i >= health[s].size() || health[s][i] == Health::up;
            if (!up) {
                entry.server.weight = 0;  // quiesced: established connections go on
            }
            any = any || entry.server.weight > 0;
            servers.push_back(std::move(entry));
        }
        if (!any && service.sorry) {
            servers.push_back({*service.sorry, true});
        }
        out.push_back(std::move(servers));
    }
    return out;
}

}  // namespace hb::lvs
