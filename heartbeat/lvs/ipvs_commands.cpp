// SPDX-License-Identifier: GPL-2.0-or-later
// ipvsadm command planning.
#include "lvs/ipvs_commands.hpp"

#include <algorithm>

namespace hb::lvs {

namespace {

constexpr Ipv4 full_mask = 0xffffffffU;

std::vector<std::string> service_words(const ServiceKey& key)
{
    if (key.protocol == Protocol::fwmark) {
        return {"-f", std::to_string(key.fwmark)};
    }
    return {key.protocol == Protocol::tcp ? "-t" : "-u", format_endpoint({key.address, key.port})};
}

IpvsCommand service_command(std::string_view verb, const Service& s)
{
    IpvsCommand c{std::string(verb)};
    for (std::string& w : service_words(s.key)) {
        c.push_back(std::move(w));
    }
    c.insert(c.end(), {"-s", std::string(to_string(s.scheduler))});
    if (!s.scheduler_flags.empty()) {
        std::string flags;
        for (const std::string& f : s.scheduler_flags) {
            flags += (flags.empty() ? "" : ",") + f;
        }
        c.insert(c.end(), {"-b", flags});
    }
    if (s.persistence) {
        c.insert(c.end(), {"-p", std::to_string(*s.persistence)});
        if (s.persistence_mask && *s.persistence_mask != full_mask) {
            c.insert(c.end(), {"-M", format_ipv4(*s.persistence_mask)});
        }
    }
    if (!s.persistence_engine.empty()) {
        c.insert(c.end(), {"--pe", s.persistence_engine});
    }
    return c;
}

IpvsCommand server_command(std::string_view verb, const ServiceKey& key, const RealServer& r,
                           bool with_settings)
{
    IpvsCommand c{std::string(verb)};
    for (std::string& w : service_words(key)) {
        c.push_back(std::move(w));
    }
    c.insert(c.end(), {"-r", format_endpoint(r.endpoint)});
    if (with_settings) {
        c.insert(c.end(), {std::string(to_option(r.forwarding)), "-w", std::to_string(r.weight)});
        if (r.upper_threshold != 0) {
            c.insert(c.end(), {"-x", std::to_string(r.upper_threshold)});
        }
        if (r.lower_threshold != 0) {
            c.insert(c.end(), {"-y", std::to_string(r.lower_threshold)});
        }
        c.insert(c.end(), r.ipvs_extra.begin(), r.ipvs_extra.end());
    }
    return c;
}

bool same_service_settings(const Service& a, const Service& b)
{
    return a.scheduler == b.scheduler && a.scheduler_flags == b.scheduler_flags &&
           a.persistence == b.persistence &&
           (a.persistence
                ? a.persistence_mask.value_or(full_mask) == b.persistence_mask.value_or(full_mask)
                : true) &&
           a.persistence_engine == b.persistence_engine;
}

bool same_server_settings(const RealServer& a, const RealServer& b)
{
    return a.forwarding == b.forwarding && a.weight == b.weight &&
           a.upper_threshold == b.upper_threshold && a.lower_threshold == b.lower_threshold;
}

const RealServer* find_server(const Service& s, const Endpoint& e)
{
    for (const RealServer& r : s.servers) {
        if (r.endpoint == e) {
            return &r;
        }
    }
    return nullptr;
}

// Commands that turn `from` (may be null: absent) into `to` (may be null: remove).
void transform(const Service* from, const Service* to, std::vector<IpvsCommand>& out)
{
    if (to == nullptr) {
        if (from != nullptr) {
            IpvsCommand c{"-D"};
            for (std::string& w : service_words(from->key)) {
                c.push_back(std::move(w));
            }
            out.push_back(std::move(c));
        }
        return;
    }
    if (from == nullptr) {
        out.push_back(service_command("-A", *to));
    } else if (!same_service_settings(*from, *to)) {
        out.push_back(service_command("-E", *to));
    }
    // Additions and weight changes before deletions: when a server comes back, it takes new
    // connections before the sorry server leaves, so there is no moment without a destination.
    for (const RealServer& r : to->servers) {
        const RealServer* had = from == nullptr ? nullptr : find_server(*from, r.endpoint);
        if (had == nullptr) {
            out.push_back(server_command("-a", to->key, r, true));
        } else if (!same_server_settings(*had, r)) {
            out.push_back(server_command("-e", to->key, r, true));
        }
    }
    if (from != nullptr) {
        for (const RealServer& r : from->servers) {
            if (find_server(*to, r.endpoint) == nullptr) {
                out.push_back(server_command("-d", to->key, r, false));
            }
        }
    }
}

}  // namespace

LvsConfig ipvs_desired(const LvsConfig& config, const HealthTable& health)
{
    LvsConfig want;
    want.path = config.path;
    const auto plans = plan_ipvs(config, health);
    for (std::size_t s = 0; s < config.services.size(); ++s) {
        Service service = config.services[s];
        service.servers.clear();
        service.check.reset();
        service.server_checks.clear();
        service.sorry.reset();
        for (const IpvsServer& entry : plans[s]) {
            service.servers.push_back(entry.server);
        }
        want.services.push_back(std::move(service));
    }
    return want;
}

std::vector<IpvsCommand> ipvs_apply(const LvsConfig& live, const LvsConfig& desired)
{
    std::vector<IpvsCommand> out;
    for (const Service& s : desired.services) {
        transform(live.find(s.key), &s, out);
    }
    return out;
}

std::vector<IpvsCommand> ipvs_restore(const LvsConfig& now, const LvsConfig& before,
                                      const LvsConfig& desired)
{
    std::vector<IpvsCommand> out;
    for (const Service& s : desired.services) {
        transform(now.find(s.key), before.find(s.key), out);
    }
    return out;
}

std::vector<IpvsCommand> ipvs_remove(const LvsConfig& live, const LvsConfig& config)
{
    std::vector<IpvsCommand> out;
    for (const Service& s : config.services) {
        transform(live.find(s.key), nullptr, out);
    }
    return out;
}

std::vector<std::string> ipvs_differences(const LvsConfig& live, const LvsConfig& desired)
{
    std::vector<std::string> out;
    for (const Service& s : desired.services) {
        const Service* have = live.find(s.key);
        if (have == nullptr) {
            out.push_back("service " + to_option(s.key) + " is missing");
            continue;
        }
        if (!same_service_settings(*have, s)) {
            out.push_back("service " + to_option(s.key) + " has other settings");
        }
        for (const RealServer& r : s.servers) {
            const RealServer* h = find_server(*have, r.endpoint);
            if (h == nullptr) {
                out.push_back("real server " + format_endpoint(r.endpoint) + " of " +
                              to_option(s.key) + " is missing");
            } else if (!same_server_settings(*h, r)) {
                out.push_back("real server " + format_endpoint(r.endpoint) + " of " +
                              to_option(s.key) + " has other settings (weight " +
                              std::to_string(h->weight) + ", want " + std::to_string(r.weight) +
                              ")");
            }
        }
        for (const RealServer& r : have->servers) {
            if (find_server(s, r.endpoint) == nullptr) {
                out.push_back("real server " + format_endpoint(r.endpoint) + " of " +
                              to_option(s.key) + " is not in the file");
            }
        }
    }
    return out;
}

std::vector<IpvsCommand> ipvs_sync_active(const SyncDaemon& sync)
{
    return {{"--stop-daemon", "backup"},
            {"--start-daemon", "master", "--mcast-interface", sync.interface, "--syncid",
             std::to_string(sync.syncid)}};
}

std::vector<IpvsCommand> ipvs_sync_standby(const SyncDaemon& sync)
{
    return {{"--stop-daemon", "master"},
            {"--start-daemon", "backup", "--mcast-interface", sync.interface, "--syncid",
             std::to_string(sync.syncid)}};
}

std::string format_command(const IpvsCommand& command)
{
    std::string out = "ipvsadm";
    for (const std::string& w : command) {
        out += " " + w;
    }
    return out;
}

}  // namespace hb::lvs
