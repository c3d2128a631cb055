// SPDX-License-Identifier: GPL-2.0-or-later
// nftables rendering. For service N with direct routing over TCP, the ingress chain sends
// its packets to chain sN, which tries, in order:
//
//   0. a SYN forgets any pin of its address and port   (a port reused by a new connection)
//   1. a connection pinned to server K (@sN_pinK)      → chain sN_rK (timeout refreshed)
//   2. a SYN whose slot moved (@sN_moved)              → sN_newK: pin it to K, then sN_rK
//   3. any packet, by the reference table (@sN_ref)    → sN_rK of the server the file gives
//   4. a slot whose reference server has no MAC        → its current server (@sN_moved)
//   5. anything left (no server at all)                → dropped, never the director's RST
//
// where chain sN_rK rewrites the destination MAC to server K's and sends the frame out. The
// slot tables are verdict maps (slot → goto/jump). The reference table is built from every
// server in the file, so it is the same on both directors and a connection keeps its server
// across a failover. When a server is out, only new connections (SYN) in its slots move, and
// they are pinned so their later packets follow: established connections on a quiesced
// server go on, as with IPVS weight 0. Pins are sets (one per server) because the kernel can
// delete elements of sets from the packet path, not of maps: step 0 needs that, or a client
// reusing a port would inherit an old connection's server.
// UDP and NAT need no pins: UDP hashes into the current table directly (stateless, like IPVS
// without persistence), and for NAT conntrack pins each connection after its DNAT.
#include "lvs/nft_ruleset.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "base/text.hpp"

namespace hb::lvs {

namespace {

constexpr std::string_view pin_timeout = "15m";  // IPVS's TCP established timeout
constexpr int pin_set_size = 65536;              // per server

bool is_dr(const Service& s)
{
    return !s.servers.empty() ? s.servers.front().forwarding == Forwarding::direct_routing
                              : s.sorry && s.sorry->forwarding == Forwarding::direct_routing;
}

std::string prefix(std::size_t index)
{
    return "s" + std::to_string(index);
}

std::string hex32(std::uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::string_view l4(const Service& s)
{
    return s.key.protocol == Protocol::udp ? "udp" : "tcp";
}

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

std::string flow_key(const Service& s)
{
    return "ip saddr . " + std::string(l4(s)) + " sport";
}

const RealServer& server_at(const Service& s, int index)
{
    return static_cast<std::size_t>(index) == sorry_index(s)
               ? *s.sorry
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

// The MAC of a service's server (or sorry server), if known.
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

// The servers of a DR service's chains: its real servers, then its sorry server.
int dr_servers(const Service& s)
{
    return static_cast<int>(s.servers.size() + (s.sorry ? 1 : 0));
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
            const std::string type = "typeof numgen inc mod 2 : verdict";
            const auto to = [&](int k) { return "goto " + p + "_r" + std::to_string(k); };
            if (s.key.protocol == Protocol::tcp) {
                maps.push_back(
                    {"netdev", p + "_ref", type,
                     elements(plan.size, [&](std::size_t slot) -> std::optional<std::string> {
                         const int ref = plan.reference[slot];
                         if (!mac_of(s, ref, facts)) {
                             return std::nullopt;
                         }
                         return to(ref);
                     })});
                maps.push_back(
                    {"netdev", p + "_moved", type,
                     elements(plan.size, [&](std::size_t slot) -> std::optional<std::string> {
                         const int ref = plan.reference[slot];
                         const int cur = plan.current[slot];
                         if ((cur == ref && mac_of(s, ref, facts)) || !mac_of(s, cur, facts)) {
                             return std::nullopt;
                         }
                         return "jump " + p + "_new" + std::to_string(cur);
                     })});
            } else {
                maps.push_back(
                    {"netdev", p + "_current", type,
                     elements(plan.size, [&](std::size_t slot) -> std::optional<std::string> {
                         const int cur = plan.current[slot];
                         if (!mac_of(s, cur, facts)) {
                             return std::nullopt;
                         }
                         return to(cur);
                     })});
            }
        } else {
            const bool address_only = s.key.protocol == Protocol::fwmark || s.key.port == 0;
            const std::string type = address_only ? "typeof numgen inc mod 2 : ip daddr"
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
        const bool keep =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
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
        return "service " + to_option(s.key) +
               ": no interface of this director has a connected "
               "route to " +
               format_ipv4(s.key.address) +
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
            return "real server " + format_endpoint(r->endpoint) + " (line " +
                   std::to_string(r->where.line) +
                   "): no interface of this director has a connected route to it (direct "
                   "routing needs the real servers on a directly attached network)";
        }
        if (d.egress.name.empty()) {
            d.egress = it->second;
        } else if (!(d.egress == it->second)) {
            return "service " + to_option(s.key) +
                   ": its real servers are on different "
                   "interfaces (" +
                   d.egress.name + ", " + it->second.name +
                   "); direct routing through nftables sends a service's packets out of one";
        }
    }
    if (d.egress.name.empty()) {
        d.egress = d.ingress;
    }
    return d;
}

// Chain sN_rK's rule: frames to server K, or dropped while its MAC is unknown (no slot
// leads there then, but a pin from before may).
std::string server_rule(const Service& s, int k, const DrEndpoints& d, const Facts& facts)
{
    const auto mac = mac_of(s, k, facts);
    if (!mac) {
        return "drop";
    }
    return "ether daddr set " + *mac + " ether saddr set " + d.egress.mac + " fwd to \"" +
           d.egress.name + "\"";
}

// The direct-routing services of a config (their index) with their interfaces.
struct DrService {
    std::size_t index = 0;
    DrEndpoints ends;
};

base::Result<std::vector<DrService>, RenderError> dr_services(const LvsConfig& config,
                                                              const Facts& facts)
{
    std::vector<DrService> out;
    for (std::size_t i = 0; i < config.services.size(); ++i) {
        if (!is_dr(config.services[i])) {
            continue;
        }
        auto ends = dr_endpoints(config.services[i], facts);
        if (!ends) {
            return RenderError{ends.error()};
        }
        out.push_back({i, ends.value()});
    }
    return out;
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
                d.error(r.where,
                        "the nftables back end has no IP-in-IP tunnel (-i); use kernel "
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
                d.warning(r.where,
                          "connection thresholds (-x/-y) need connection counts, which "
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
        // nft names are bounded; two long paths must still not share a table.
        char suffix[24];
        std::snprintf(suffix, sizeof suffix, "_%016llx",
                      static_cast<unsigned long long>(stable_hash(rules_path, 0)));
        name = name.substr(0, 180) + suffix;
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

std::vector<std::string> nft_pin_sets(const LvsConfig& config)
{
    std::vector<std::string> names;
    for (std::size_t i = 0; i < config.services.size(); ++i) {
        const Service& s = config.services[i];
        if (is_dr(s) && s.key.protocol == Protocol::tcp) {
            for (int k = 0; k < dr_servers(s); ++k) {
                names.push_back(prefix(i) + "_pin" + std::to_string(k));
            }
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
        const auto dr = dr_services(config, facts);
        if (!dr) {
            return dr.error();
        }
        for (const auto& [i, d] : dr.value()) {
            const Service& s = config.services[i];
            const std::string p = prefix(i);
            const std::string hash = hash_expr(s, plans[i]);
            for (int k = 0; k < dr_servers(s); ++k) {
                service_chains += "\tchain " + p + "_r" + std::to_string(k) + " {\n\t\t" +
                                  server_rule(s, k, d, facts) + "\n\t}\n";
            }
            std::string chain = "\tchain " + p + " {\n";
            if (s.key.protocol == Protocol::tcp) {
                const std::string key = flow_key(s);
                std::string forget = "\t\ttcp flags & (syn | ack) == syn";
                std::string pinned;
                for (int k = 0; k < dr_servers(s); ++k) {
                    const std::string pin = p + "_pin" + std::to_string(k);
                    body += "\tset " + pin + " {\n\t\ttypeof " + key + "\n\t\tsize " +
                            std::to_string(pin_set_size) +
                            "\n\t\tflags dynamic,timeout\n\t\ttimeout " + std::string(pin_timeout) +
                            "\n\t}\n";
                    forget += " delete @" + pin + " { " + key + " }";
                    pinned += "\t\t" + key + " @" + pin + " update @" + pin + " { " + key +
                              " } goto " + p + "_r" + std::to_string(k) + "\n";
                    // A full pin set makes `add` fail: the chain returns and the connection
                    // takes its slot's reference server (step 3), consistent for all its packets.
                    service_chains += "\tchain " + p + "_new" + std::to_string(k) +
                                      " {\n\t\tadd @" + pin + " { " + key + " } goto " + p + "_r" +
                                      std::to_string(k) + "\n\t}\n";
                }
                chain += forget + "\n" + pinned;
                chain += "\t\ttcp flags & (syn | ack) == syn " + hash + " vmap @" + p + "_moved\n";
                chain += "\t\t" + hash + " vmap @" + p + "_ref\n";
                chain += "\t\t" + hash + " vmap @" + p + "_moved\n";
            } else {
                chain += "\t\t" + hash + " vmap @" + p + "_current\n";
            }
            chain += "\t\tdrop\n\t}\n";
            service_chains += chain;
            const std::string jump =
                "\t\tether daddr " + d.ingress.mac + " " + match(s) + " jump " + p + "\n";
            const std::string& device = d.ingress.name;  // (a structured binding: not captured)
            auto it = std::find_if(chains.begin(), chains.end(),
                                   [&device](const auto& c) { return c.first == device; });
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
            body += "\tchain in_" + sanitize(device) +
                    " {\n\t\ttype filter hook ingress device \"" + device +
                    "\" priority 0; policy accept;\n" + jumps + "\t}\n";
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
            pickup += "\t\tip saddr . " + std::string(l4(s)) + " sport { " + set +
                      " } snat ip to " + format_endpoint({s.key.address, s.key.port}) + "\n";
        }
        if (!dnat.empty()) {
            body +=
                "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy "
                "accept;\n" +
                dnat + "\t}\n";
        }
        if (!pickup.empty()) {
            // After a failover, the new director may first hear of a connection from the real
            // server's side (a download: the client is silent until data arrives). Such a
            // packet starts a conntrack entry of its own; translating its source back to the
            // VIP makes it one the client knows, and the client's answers then match that
            // entry's reply direction back to the same server. (The nat hook sees only the
            // first packet of an entry, so connections DNATed here never reach this rule.)
            body +=
                "\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; "
                "policy accept;\n" +
                pickup + "\t}\n";
        }
        if (!guard.empty()) {
            body +=
                "\tchain input {\n\t\ttype filter hook input priority filter; policy "
                "accept;\n" +
                guard + "\t}\n";
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
    std::string out = "# ipvsadm-wrapper: slot maps of " + config.path + "\n";
    // The server chains carry the MACs, which the checker refreshes.
    const auto dr = dr_services(config, facts);
    if (!dr) {
        return dr.error();
    }
    for (const auto& [i, d] : dr.value()) {
        const Service& s = config.services[i];
        for (int k = 0; k < dr_servers(s); ++k) {
            const std::string chain = prefix(i) + "_r" + std::to_string(k);
            out += "flush chain netdev " + name + " " + chain + "\nadd rule netdev " + name + " " +
                   chain + " " + server_rule(s, k, d, facts) + "\n";
        }
    }
    for (const MapContents& m : slot_maps(config, plans, facts)) {
        out += "flush map " + m.family + " " + name + " " + m.name + "\n";
        if (!m.elements.empty()) {
            out +=
                "add element " + m.family + " " + name + " " + m.name + " { " + m.elements + " }\n";
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

std::string strip_pinned(const std::string& text, const std::vector<std::string>& pin_sets)
{
    std::string out;
    bool in_pin_set = false;
    bool in_elements = false;
    for (std::string_view line : base::split_lines(text)) {
        const std::string_view t = base::trim(line);
        if (t.starts_with("set ")) {
            const std::string_view set_name = base::trim(t.substr(4), " {");
            in_pin_set = std::find(pin_sets.begin(), pin_sets.end(), set_name) != pin_sets.end();
        }
        if (in_pin_set && t.starts_with("elements = {")) {
            in_elements = true;
        }
        if (!in_elements) {
            out += std::string(line) + "\n";
        }
        if (in_elements && t.ends_with("}")) {
            in_elements = false;
        }
        if (t == "}") {
            in_pin_set = false;
        }
    }
    return out;
}

}  // namespace hb::lvs
