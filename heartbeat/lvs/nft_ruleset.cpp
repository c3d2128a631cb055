// SPDX-License-Identifier: GPL-2.0-or-later
// nftables rendering. For service N with direct routing over TCP, the ingress chain sends
// its packets to chain sN, which tries, in order:
//
//   1. a connection recorded in @sN_flows          → its server (timeout refreshed)
//   2. a SYN whose slot moved (@sN_moved)          → the slot's current server, recorded
//   3. any packet, slot of the reference @sN_ref   → the server the file gives that slot
//   4. a slot whose reference server has no MAC    → its current server (@sN_moved)
//   5. anything left (no server at all)            → dropped, never the director's own RST
//
// The reference table is built from every server in the file, so it is the same on both
// directors and a connection keeps its server across a failover. When a server is out,
// only new connections (SYN) in its slots move, and they are remembered so their later
// packets follow: established connections on a quiesced server go on, as with IPVS weight 0.
// UDP and NAT need no flow map: UDP hashes into the current table directly (stateless, like
// IPVS without persistence), and for NAT conntrack pins each connection after its DNAT.
#include "lvs/nft_ruleset.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "base/text.hpp"

namespace hb::lvs {

namespace {

constexpr std::string_view flow_timeout = "15m";  // IPVS's TCP established timeout
constexpr int flow_map_size = 65536;

bool is_dr(const Service& s)
{
    return !s.servers.empty() ? s.servers.front().forwarding == Forwarding::direct_routing
                              : s.sorry && s.sorry->forwarding == Forwarding::direct_routing;
}

std::string prefix(std::size_t index) { return "s" + std::to_string(index); }

std::string hex32(std::uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::string_view l4(const Service& s) { return s.key.protocol == Protocol::udp ? "udp" : "tcp"; }

// The packet fields a service's choice depends on.
std::string hash_fields(const Service& s)
{
    if (s.scheduler == Scheduler::dh || s.scheduler == Scheduler::lblc ||
        s.scheduler == Scheduler::lblcr) {
        return "ip daddr";
    }
    if (s.hashes_source_only()) {
        if (s.persistence_mask && *s.persistence_mask != 0xffffffffU) {
            return "ip saddr & " + format_ipv4(*s.persistence_mask);
        }
        return "ip saddr";
    }
    if (s.key.protocol == Protocol::fwmark) {
        return "ip saddr . th sport";
    }
    return "ip saddr . " + std::string(l4(s)) + " sport";
}

std::string hash_expr(const Service& s, const ServicePlan& plan)
{
    return "jhash " + hash_fields(s) + " mod " + std::to_string(plan.size) + " seed " +
           hex32(plan.seed);
}

// `ip daddr 192.168.219.100 tcp dport 80`, `meta mark 1`, …
std::string match(const Service& s)
{
    if (s.key.protocol == Protocol::fwmark) {
        return "meta mark " + std::to_string(s.key.fwmark);
    }
    std::string m = "ip daddr " + format_ipv4(s.key.address) + " ";
    if (s.key.port == 0) {
        return m + "meta l4proto " + std::string(l4(s));
    }
    return m + std::string(l4(s)) + " dport " + std::to_string(s.key.port);
}

std::string flow_key(const Service& s) { return "ip saddr . " + std::string(l4(s)) + " sport"; }

const RealServer& server_at(const Service& s, int index)
{
    return static_cast<std::size_t>(index) == sorry_index(s) ? *s.sorry
                                                             : s.servers[static_cast<std::size_t>(index)];
}

// Elements `slot : value` for the slots where `pick` gives a value.
template <class Pick>
std::string elements(std::size_t size, Pick pick)
{
    std::string out;
    int on_line = 0;
    for (std::size_t slot = 0; slot < size; ++slot) {
        const std::optional<std::string> value = pick(slot);
        if (!value) {
            continue;
        }
        if (!out.empty()) {
            out += on_line == 0 ? ",\n\t\t\t" : ", ";
        }
        out += std::to_string(slot) + " : " + *value;
        on_line = (on_line + 1) % 6;
    }
    return out;
}

// What a DR slot sends to: the MAC of the server, if known.
std::optional<std::string> mac_of(const Service& s, int index, const Facts& facts)
{
    if (index == no_backend) {
        return std::nullopt;
    }
    const auto it = facts.neighbour.find(server_at(s, index).endpoint.address);
    if (it == facts.neighbour.end()) {
        return std::nullopt;
    }
    return it->second;
}

// What a NAT slot sends to: `ADDR . PORT`, or `ADDR` when ports are kept.
std::optional<std::string> nat_target(const Service& s, int index)
{
    if (index == no_backend) {
        return std::nullopt;
    }
    const RealServer& r = server_at(s, index);
    if (s.key.protocol == Protocol::fwmark || s.key.port == 0) {
        return format_ipv4(r.endpoint.address);
    }
    return format_ipv4(r.endpoint.address) + " . " + std::to_string(r.endpoint.port);
}

// One named map's contents: what the whole ruleset and the update both write.
struct MapContents {
    std::string family;
    std::string name;
    std::string type;  // for the declaration
    std::string elements;
};

// The slot maps of every service: @ref/@moved for DR over TCP, @current otherwise.
std::vector<MapContents> slot_maps(const LvsConfig& config, const std::vector<ServicePlan>& plans,
                                   const Facts& facts)
{
    std::vector<MapContents> maps;
    for (std::size_t i = 0; i < config.services.size(); ++i) {
        const Service& s = config.services[i];
        const ServicePlan& plan = plans[i];
        const std::string p = prefix(i);
        if (is_dr(s)) {
            const std::string type = "typeof numgen inc mod 2 : ether daddr";
            if (s.key.protocol == Protocol::tcp) {
                maps.push_back({"netdev", p + "_ref", type, elements(plan.size, [&](std::size_t slot) {
                                    return mac_of(s, plan.reference[slot], facts);
                                })});
                maps.push_back({"netdev", p + "_moved", type,
                                elements(plan.size, [&](std::size_t slot) -> std::optional<std::string> {
                                    const int ref = plan.reference[slot];
                                    const int cur = plan.current[slot];
                                    const bool ref_reachable = mac_of(s, ref, facts).has_value();
                                    if (cur == ref && ref_reachable) {
                                        return std::nullopt;
                                    }
                                    return mac_of(s, cur, facts);
                                })});
            } else {
                maps.push_back({"netdev", p + "_current", type,
                                elements(plan.size, [&](std::size_t slot) {
                                    return mac_of(s, plan.current[slot], facts);
                                })});
            }
        } else {
            const bool address_only = s.key.protocol == Protocol::fwmark || s.key.port == 0;
            const std::string type = address_only
                                         ? "typeof numgen inc mod 2 : ip daddr"
                                         : "typeof numgen inc mod 2 : ip daddr . " +
                                               std::string(l4(s)) + " dport";
            maps.push_back({"ip", p + "_current", type, elements(plan.size, [&](std::size_t slot) {
                                return nat_target(s, plan.current[slot]);
                            })});
        }
    }
    return maps;
}

std::string sanitize(std::string_view text)
{
    std::string out;
    for (char c : text) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out += keep ? c : '_';
    }
    return out;
}

struct DrEndpoints {
    Interface ingress;
    Interface egress;
};

// The interfaces a DR service uses: where its VIP traffic arrives, where its servers are.
base::Result<DrEndpoints, std::string> dr_endpoints(const Service& s, const Facts& facts)
{
    DrEndpoints d;
    const auto vip = facts.route.find(s.key.address);
    if (vip == facts.route.end()) {
        return "service " + to_option(s.key) + ": no interface of this director has a connected "
               "route to " + format_ipv4(s.key.address) +
               " (direct routing needs the VIP's network on an interface)";
    }
    d.ingress = vip->second;
    std::vector<const RealServer*> all;
    for (const RealServer& r : s.servers) {
        all.push_back(&r);
    }
    if (s.sorry) {
        all.push_back(&*s.sorry);
    }
    for (const RealServer* r : all) {
        const auto it = facts.route.find(r->endpoint.address);
        if (it == facts.route.end()) {
            return "real server " + format_endpoint(r->endpoint) +
                   " (line " + std::to_string(r->where.line) +
                   "): no interface of this director has a connected route to it (direct "
                   "routing needs the real servers on a directly attached network)";
        }
        if (d.egress.name.empty()) {
            d.egress = it->second;
        } else if (!(d.egress == it->second)) {
            return "service " + to_option(s.key) + ": its real servers are on different "
                   "interfaces (" + d.egress.name + ", " + it->second.name +
                   "); direct routing through nftables sends a service's packets out of one";
        }
    }
    if (d.egress.name.empty()) {
        d.egress = d.ingress;
    }
    return d;
}

void declare_map(std::string& out, const MapContents& m)
{
    out += "\tmap " + m.name + " {\n\t\t" + m.type + "\n";
    if (!m.elements.empty()) {
        out += "\t\telements = { " + m.elements + " }\n";
    }
    out += "\t}\n";
}

}  // namespace

base::Diagnostics nftables_diagnostics(const LvsConfig& config)
{
    base::Diagnostics d;
    for (const Service& s : config.services) {
        std::optional<Forwarding> method;
        for (const RealServer& r : s.servers) {
            if (r.forwarding == Forwarding::tunnel) {
                d.error(r.where, "the nftables back end has no IP-in-IP tunnel (-i); use kernel "
                                 "IPVS (#@backend ipvs) or direct routing (-g)");
            } else if (method && *method != r.forwarding) {
                d.error(r.where, "service " + to_option(s.key) + " mixes " +
                                     std::string(to_string(*method)) + " and " +
                                     std::string(to_string(r.forwarding)) +
                                     " real servers; the nftables back end needs one method "
                                     "per service");
            }
            method = method.value_or(r.forwarding);
            if (r.upper_threshold != 0 || r.lower_threshold != 0) {
                d.warning(r.where, "connection thresholds (-x/-y) need connection counts, which "
                                   "the nftables back end does not keep; ignored");
            }
        }
        if (s.sorry && method && s.sorry->forwarding != *method) {
            d.error(s.sorry->where, "the sorry server of " + to_option(s.key) +
                                        " must use the service's forwarding method (" +
                                        std::string(to_option(*method)) + ")");
        }
        const bool dr = method ? *method == Forwarding::direct_routing
                               : s.sorry && s.sorry->forwarding == Forwarding::direct_routing;
        if (dr && s.key.protocol == Protocol::fwmark) {
            d.error(s.where, "fwmark service " + to_option(s.key) +
                                 " with direct routing: packets are marked after the netdev "
                                 "ingress hook where nftables direct routing runs; use kernel "
                                 "IPVS (#@backend ipvs), NAT (-m), or a -t/-u service");
        }
        if (!s.persistence_engine.empty()) {
            d.error(s.where, "persistence engine --pe " + s.persistence_engine +
                                 " needs kernel IPVS (#@backend ipvs)");
        }
        if (s.persistence) {
            d.warning(s.where, "persistence -p " + std::to_string(*s.persistence) +
                                   ": the nftables back end hashes the client address instead, "
                                   "so a client keeps its server as long as that server is "
                                   "usable, with no timeout");
        }
        if (!dr && (s.key.protocol == Protocol::fwmark || s.key.port == 0)) {
            for (const RealServer& r : s.servers) {
                if (r.endpoint.port != 0 && r.endpoint.port != s.key.port) {
                    d.error(r.where, "real server " + format_endpoint(r.endpoint) + " of " +
                                         to_option(s.key) +
                                         ": the nftables back end keeps the packet's port for "
                                         "fwmark and port-0 services; write the server as "
                                         "ADDR:0");
                }
            }
        }
    }
    return d;
}

std::string nft_table_name(const std::string& rules_path)
{
    std::string name = "hb_lvs" + sanitize("_" + std::string(base::trim(rules_path, "/")));
    if (name.size() > 200) {
        name = name.substr(0, 200);
    }
    return name;
}

NftTables nft_tables(const LvsConfig& config, const std::string& name)
{
    NftTables t;
    t.name = name;
    t.ip = !config.services.empty();
    t.netdev = std::any_of(config.services.begin(), config.services.end(), is_dr);
    return t;
}

std::vector<std::string> nft_flow_maps(const LvsConfig& config)
{
    std::vector<std::string> names;
    for (std::size_t i = 0; i < config.services.size(); ++i) {
        const Service& s = config.services[i];
        if (is_dr(s) && s.key.protocol == Protocol::tcp) {
            names.push_back(prefix(i) + "_flows");
        }
    }
    return names;
}

base::Result<std::string, RenderError> render_nft(const LvsConfig& config,
                                                  const std::vector<ServicePlan>& plans,
                                                  const Facts& facts, const std::string& name)
{
    const NftTables tables = nft_tables(config, name);
    const std::vector<MapContents> maps = slot_maps(config, plans, facts);
    std::string out = "# ipvsadm-wrapper: the data plane of " + config.path + "\n";

    // netdev: direct routing, one ingress chain per interface that receives VIP traffic.
    if (tables.netdev) {
        std::string body;
        std::vector<std::pair<std::string, std::string>> chains;  // device → jump rules
        std::string service_chains;
        for (std::size_t i = 0; i < config.services.size(); ++i) {
            const Service& s = config.services[i];
            if (!is_dr(s)) {
                continue;
            }
            auto ends = dr_endpoints(s, facts);
            if (!ends) {
                return RenderError{ends.error()};
            }
            const DrEndpoints& d = ends.value();
            const std::string p = prefix(i);
            const std::string hash = hash_expr(s, plans[i]);
            const std::string out_to = " ether saddr set " + d.egress.mac + " ";
            const std::string fwd = "fwd to \"" + d.egress.name + "\"";
            std::string chain = "\tchain " + p + " {\n";
            if (s.key.protocol == Protocol::tcp) {
                const std::string key = flow_key(s);
                body += "\tmap " + p + "_flows {\n\t\ttypeof " + key +
                        " : ether daddr\n\t\tsize " + std::to_string(flow_map_size) +
                        "\n\t\tflags dynamic,timeout\n\t\ttimeout " + std::string(flow_timeout) +
                        "\n\t}\n";
                chain += "\t\tether daddr set " + key + " map @" + p + "_flows" + out_to +
                         "update @" + p + "_flows { " + key + " : ether daddr } " + fwd + "\n";
                chain += "\t\ttcp flags & (syn | ack) == syn ether daddr set " + hash + " map @" +
                         p + "_moved" + out_to + "add @" + p + "_flows { " + key +
                         " : ether daddr } " + fwd + "\n";
                chain += "\t\tether daddr set " + hash + " map @" + p + "_ref" + out_to + fwd + "\n";
                chain += "\t\tether daddr set " + hash + " map @" + p + "_moved" + out_to + fwd + "\n";
            } else {
                chain += "\t\tether daddr set " + hash + " map @" + p + "_current" + out_to + fwd +
                         "\n";
            }
            chain += "\t\tdrop\n\t}\n";
            service_chains += chain;
            const std::string jump = "\t\tether daddr " + d.ingress.mac + " " + match(s) +
                                     " jump " + p + "\n";
            auto it = std::find_if(chains.begin(), chains.end(),
                                   [&](const auto& c) { return c.first == d.ingress.name; });
            if (it == chains.end()) {
                chains.emplace_back(d.ingress.name, jump);
            } else {
                it->second += jump;
            }
        }
        for (const MapContents& m : maps) {
            if (m.family == "netdev") {
                declare_map(body, m);
            }
        }
        body += service_chains;
        for (const auto& [device, jumps] : chains) {
            body += "\tchain in_" + sanitize(device) + " {\n\t\ttype filter hook ingress device \"" +
                    device + "\" priority 0; policy accept;\n" + jumps + "\t}\n";
        }
        out += "add table netdev " + name + "\ndelete table netdev " + name + "\ntable netdev " +
               name + " {\n" + body + "}\n";
    }

    // ip: NAT, and the guard that keeps VIP packets nobody forwarded from the local stack.
    if (tables.ip) {
        std::string body;
        for (const MapContents& m : maps) {
            if (m.family == "ip") {
                declare_map(body, m);
            }
        }
        std::string dnat;
        std::string pickup;
        std::string guard;
        for (std::size_t i = 0; i < config.services.size(); ++i) {
            const Service& s = config.services[i];
            if (s.key.protocol != Protocol::fwmark) {
                guard += "\t\tiifname != \"lo\" " + match(s) + " drop\n";
            }
            if (is_dr(s)) {
                continue;
            }
            dnat += "\t\t" + match(s) + " dnat ip to " + hash_expr(s, plans[i]) + " map @" +
                    prefix(i) + "_current\n";
            if (s.key.protocol == Protocol::fwmark || s.key.port == 0) {
                continue;
            }
            std::set<std::string> servers;
            for (const RealServer& r : s.servers) {
                servers.insert(format_ipv4(r.endpoint.address) + " . " +
                               std::to_string(r.endpoint.port));
            }
            if (s.sorry) {
                servers.insert(format_ipv4(s.sorry->endpoint.address) + " . " +
                               std::to_string(s.sorry->endpoint.port));
            }
            std::string set;
            for (const std::string& e : servers) {
                set += (set.empty() ? "" : ", ") + e;
            }
            pickup += "\t\tip saddr . " + std::string(l4(s)) + " sport { " + set + " } snat ip to " +
                      format_endpoint({s.key.address, s.key.port}) + "\n";
        }
        if (!dnat.empty()) {
            body += "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy "
                    "accept;\n" + dnat + "\t}\n";
        }
        if (!pickup.empty()) {
            // After a failover, the new director may first hear of a connection from the real
            // server's side (a download: the client is silent until data arrives). Such a
            // packet starts a conntrack entry of its own; translating its source back to the
            // VIP makes it one the client knows, and the client's answers then match that
            // entry's reply direction back to the same server. (The nat hook sees only the
            // first packet of an entry, so connections DNATed here never reach this rule.)
            body += "\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; "
                    "policy accept;\n" + pickup + "\t}\n";
        }
        if (!guard.empty()) {
            body += "\tchain input {\n\t\ttype filter hook input priority filter; policy "
                    "accept;\n" + guard + "\t}\n";
        }
        out += "add table ip " + name + "\ndelete table ip " + name + "\ntable ip " + name +
               " {\n" + body + "}\n";
    }
    return out;
}

base::Result<std::string, RenderError> render_nft_maps(const LvsConfig& config,
                                                       const std::vector<ServicePlan>& plans,
                                                       const Facts& facts, const std::string& name)
{
    for (const Service& s : config.services) {
        if (is_dr(s)) {
            if (auto ends = dr_endpoints(s, facts); !ends) {
                return RenderError{ends.error()};
            }
        }
    }
    std::string out = "# ipvsadm-wrapper: slot maps of " + config.path + "\n";
    for (const MapContents& m : slot_maps(config, plans, facts)) {
        out += "flush map " + m.family + " " + name + " " + m.name + "\n";
        if (!m.elements.empty()) {
            out += "add element " + m.family + " " + name + " " + m.name + " { " + m.elements +
                   " }\n";
        }
    }
    return out;
}

std::string render_nft_delete(const NftTables& tables)
{
    std::string out;
    if (tables.netdev) {
        out += "delete table netdev " + tables.name + "\n";
    }
    if (tables.ip) {
        out += "delete table ip " + tables.name + "\n";
    }
    return out;
}

std::string strip_flow_elements(const std::string& text, const std::vector<std::string>& flow_maps)
{
    std::string out;
    bool in_flow_map = false;
    bool in_elements = false;
    for (std::string_view line : base::split_lines(text)) {
        const std::string_view t = base::trim(line);
        if (t.starts_with("map ")) {
            const std::string_view name = base::trim(t.substr(4), " {");
            in_flow_map = std::find(flow_maps.begin(), flow_maps.end(), name) != flow_maps.end();
        }
        if (in_flow_map && t.starts_with("elements = {")) {
            in_elements = true;
        }
        if (!in_elements) {
            out += std::string(line) + "\n";
        }
        if (in_elements && t.ends_with("}")) {
            in_elements = false;
        }
        if (t == "}") {
            in_flow_map = false;
        }
    }
    return out;
}

}  // namespace hb::lvs
