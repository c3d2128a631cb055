// SPDX-License-Identifier: GPL-2.0-or-later
#include "migrate/pacemaker.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "base/address_spec.hpp"
#include "base/text.hpp"
#include "config/haresources.hpp"

namespace hb::migrate {
namespace {

using config::MediumType;

constexpr const char* provider = "ocf:heartbeat-ng:";
constexpr int max_links = 8;  // knet's limit
constexpr int location_score = 100;

/// One primitive of the CIB.
struct Primitive {
    std::string id;
    std::string agent;  ///< `ocf:heartbeat-ng:IPaddr`, `lsb:apache2`
    std::vector<std::pair<std::string, std::string>> params;
    int op_timeout_s = 20;
    int monitor_interval_s = 10;
};

/// One haresources line.
struct Group {
    std::string id;
    std::string node;
    std::vector<Primitive> members;
};

/// An id Pacemaker accepts (an XML NCName): letters, digits, '-', '_', '.'; a letter first.
std::string cib_id(std::string_view text)
{
    std::string id;
    for (const char c : text) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        id += keep ? c : '-';
    }
    if (id.empty() || !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z'))) {
        id = "r-" + id;
    }
    return id;
}

/// `value`, quoted for crm and for sh when it holds anything but safe characters.
std::string quoted(const std::string& value)
{
    const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
               std::string_view("-_./:@%+,").find(c) != std::string_view::npos;
    });
    if (plain) {
        return value;
    }
    std::string out = "'";
    for (const char c : value) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

/// `120s`, or `1500ms` when not whole seconds (both are Pacemaker's interval syntax).
std::string duration(base::Milliseconds value)
{
    const auto ms = value.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

std::string basename_of(std::string_view path)
{
    const auto slash = path.rfind('/');
    std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
    if (const auto dot = name.rfind('.'); dot != std::string::npos && dot > 0) {
        name.resize(dot);
    }
    return name;
}

bool is_network_medium(MediumType type)
{
    return type == MediumType::bcast || type == MediumType::ucast || type == MediumType::mcast ||
           type == MediumType::mcast6 || type == MediumType::ucast6;
}

std::string describe(const config::Medium& m)
{
    std::string text = std::string(config::to_string(m.type)) + " " + m.interface;
    if (!m.peer.empty()) {
        text += " " + m.peer;
    }
    if (!m.group.empty()) {
        text += " " + m.group;
    }
    return text;
}

/// The state of one conversion: what is found so far and what the administrator must do.
class Converter {
public:
    Converter(const config::Config& cfg, const Options& options) : cfg_(cfg), o_(options) {}

    Result run()
    {
        collect_nodes();
        collect_links();
        check_addresses();
        review_directives();
        for (const auto& group : cfg_.groups) {
            convert_group(group);
        }
        if (!o_.without_fencing) {
            step({},
                 "configure fencing (a stonith: resource per node, e.g. fence_ipmilan or "
                 "sbd), then check with crm_verify -L: heartbeat ran without it, and "
                 "Pacemaker starts no resource while stonith-enabled=true has no device");
        } else {
            step({},
                 "stonith-enabled=false was written as asked (--without-fencing): a node "
                 "that stops answering but keeps its addresses leads to split brain; "
                 "configure fencing and set stonith-enabled=true");
        }
        if (!result_.diagnostics.has_errors()) {
            result_.corosync_conf = corosync_conf();
            result_.crm_script = crm_script();
            result_.pcs_script = pcs_script();
        }
        result_.nodes = nodes_;
        return std::move(result_);
    }

private:
    void step(const base::SourceLocation& where, std::string text)
    {
        result_.manual_steps.push_back(ManualStep{where, std::move(text)});
    }

    void collect_nodes()
    {
        for (const auto& n : cfg_.ha_cf.nodes) {
            if (n.type == config::NodeType::normal) {
                nodes_.push_back(n.name);
            }
        }
        for (const auto& extra : o_.extra_nodes) {
            const auto name = base::to_lower(extra);
            if (std::find(nodes_.begin(), nodes_.end(), name) != nodes_.end()) {
                result_.diagnostics.error({}, "--add-node " + extra + ": already a node of ha.cf");
                continue;
            }
            nodes_.push_back(name);
        }
    }

    void collect_links()
    {
        for (const auto& m : cfg_.ha_cf.media) {
            if (is_network_medium(m.type)) {
                auto it = std::find_if(links_.begin(), links_.end(),
                                       [&](const Link& l) { return l.interface == m.interface; });
                if (it == links_.end()) {
                    links_.push_back(Link{m.interface, {}});
                    it = links_.end() - 1;
                }
                it->media.push_back(&m);
            } else if (m.type == MediumType::serial) {
                step(m.where, "serial " + m.interface +
                                  ": corosync has no serial links; a second network link "
                                  "(another interface, its own switch) takes its place");
            }
        }
        if (links_.empty()) {
            result_.diagnostics.error(cfg_.ha_cf.file,
                                      "no bcast, ucast or mcast medium: no network to put "
                                      "corosync's links on");
        }
        if (links_.size() > max_links) {
            step(links_[max_links].media.front()->where,
                 "knet has at most 8 links: the interfaces from here on are not converted");
            links_.resize(max_links);
        }
    }

    /// Every node needs an address on link 0; a further link is written only when every
    /// node has one there.
    void check_addresses()
    {
        for (std::size_t link = 0; link < links_.size(); ++link) {
            std::vector<std::string> missing;
            for (const auto& n : nodes_) {
                const auto it = o_.addresses.find(n);
                if (it == o_.addresses.end() || it->second.size() <= link) {
                    missing.push_back(n);
                }
            }
            if (missing.empty()) {
                usable_links_ = link + 1;
                continue;
            }
            const auto& where = links_[link].media.front()->where;
            std::string who;
            for (const auto& n : missing) {
                who += (who.empty() ? "" : ", ") + n;
            }
            if (link == 0) {
                result_.diagnostics.error(where, "no address for " + who + " on " +
                                                     links_[0].interface +
                                                     " (corosync needs each node's address): "
                                                     "give --node-addr NODE=IP");
            } else {
                step(where, "link " + std::to_string(link) + " (" + links_[link].interface +
                                ") not written: no address for " + who +
                                " (--node-addr NODE=IP0,IP" + std::to_string(link) + ")");
            }
            break;
        }
    }

    /// Every ha.cf directive is either converted, or named here with what to do about it.
    void review_directives()
    {
        const auto& cf = cfg_.ha_cf;
        static const std::set<std::string, std::less<>> converted = {
            "keepalive", "deadtime",     "warntime", "initdead",   "auto_failback", "logfacility",
            "logfile",   "debugfile",    "debug",    "cluster",    "udpport",       "node",
            "bcast",     "ucast",        "mcast",    "mcast6",     "ucast6",        "serial",
            "baud",      "ping",         "ping6",    "ping_group", "respawn",       "failfast",
            "apiauth",   "stonith_host", "stonith",  "env",        "watchdog"};
        static const std::map<std::string, std::string, std::less<>> no_need = {
            {"realtime", "corosync runs SCHED_RR and locks its memory by itself"},
            {"rtprio", "corosync runs SCHED_RR and locks its memory by itself"},
            {"coredumps", "Pacemaker keeps cores in /var/lib/pacemaker/cores"},
            {"hbgenmethod", "corosync has no generation counter to keep"},
            {"uuidfrom", "corosync nodes are named by nodeid (written in the nodelist)"},
            {"msgfmt", "a heartbeat wire format"},
            {"compression", "a heartbeat wire format"},
            {"compression_threshold", "a heartbeat wire format"},
            {"traditional_compression", "a heartbeat wire format"},
            {"max_rexmit_delay", "knet retransmits on its own"},
            {"hopfudge", "knet links are direct"},
            {"log_badpack", "knet drops what does not decrypt and logs it"},
            {"syslogmsgfmt", "corosync's log format is its own"},
            {"use_logd", "corosync and Pacemaker log by themselves"},
            {"conn_logd_time", "corosync and Pacemaker log by themselves"},
            {"autojoin", "Pacemaker's nodes are the corosync nodelist"},
            {"crm", "this is the Pacemaker cluster now"},
            {"pacemaker", "this is the Pacemaker cluster now"},
            {"deadping", "the ping resource's own timeout replaces it (see the ping step)"}};
        for (const auto& [name, where] : cf.set_at) {
            if (converted.count(name) != 0) {
                continue;
            }
            const auto value = cf.parameter(name).value_or("");
            if (const auto it = no_need.find(name); it != no_need.end()) {
                step(where, name + " " + value + ": nothing to do (" + it->second + ")");
            } else {
                step(where, name + " " + value +
                                ": no Pacemaker or corosync equivalent written; decide whether "
                                "the new cluster needs one");
            }
        }
        if (cf.set_at.count("logfile") != 0 || cf.set_at.count("debugfile") != 0) {
            step(cf.location_of(cf.set_at.count("logfile") != 0 ? "logfile" : "debugfile"),
                 "heartbeat's log file: corosync logs to /var/log/corosync/corosync.log, "
                 "Pacemaker to /var/log/pacemaker/pacemaker.log; point log watchers there");
        }
        step(cf.location_of("udpport"),
             "firewall: corosync's knet uses UDP 5405 (link N: 5405+N) between the nodes, "
             "not heartbeat's UDP " +
                 std::to_string(cf.udpport));
        for (const auto& n : cf.nodes) {
            if (n.type == config::NodeType::ping) {
                step(n.where, "ping node " + n.name +
                                  ": clone ocf:pacemaker:ping "
                                  "(host_list=" +
                                  n.name + ") and a location rule on pingd");
            }
        }
        for (const auto& m : cf.media) {
            if (m.type == MediumType::ping || m.type == MediumType::ping6 ||
                m.type == MediumType::ping_group) {
                step(m.where, describe(m) +
                                  ": clone ocf:pacemaker:ping and a location rule "
                                  "on pingd");
            }
        }
        for (const auto& c : cf.clients) {
            const bool ipfail = c.path.find("ipfail") != std::string::npos;
            step(c.where,
                 std::string(c.failfast ? "failfast " : "respawn ") + c.user + " " + c.command +
                     (ipfail ? ": ipfail's job is ocf:pacemaker:ping's (a clone) with a location "
                               "rule that keeps groups off a node that lost its ping nodes"
                             : ": run it as a systemd service (Restart=always) or a cloned "
                               "resource; Pacemaker does not start programs from its config"));
        }
        for (const auto& a : cf.apiauth) {
            if (a.where.line > 0) {
                step(a.where, "apiauth " + a.client +
                                  ": heartbeat's client API is gone; Pacemaker's tools serve "
                                  "root and the haclient group (ACLs for finer rights)");
            }
        }
        for (const auto& s : cf.stonith_hosts) {
            step(s.where, "stonith_host " + s.host + " " + s.type +
                              ": configure it as a fence device (stonith:" + s.type +
                              " with the same parameters, or its fence_* agent)");
        }
        if (cf.watchdog) {
            step(cf.location_of("watchdog"),
                 "watchdog " + *cf.watchdog + ": sbd with this watchdog device (SBD_WATCHDOG_DEV)");
        }
        for (const auto& [name, value] : cf.env) {
            step(cf.location_of("env"), "env " + name + "=" + value +
                                            ": resource timeouts are the CIB's op timeouts now "
                                            "(written: start/stop 20-30 s, monitor 10 s)");
        }
        if (cf.auto_failback == config::AutoFailback::legacy) {
            step(cf.location_of("auto_failback"),
                 "auto_failback legacy: written as resource-stickiness=INFINITY (a group stays "
                 "where it runs); legacy's failback between old and new nodes has no "
                 "equivalent");
        }
        if (cfg_.authkeys.active().method == config::AuthMethod::crc) {
            step(cfg_.authkeys.active().where,
                 "authkeys crc (no authentication): corosync now authenticates and encrypts "
                 "(aes256, sha256) with the new key in " +
                     o_.authkey_path);
        }
    }

    Primitive address_primitive(const config::Resource& r, const std::string& agent)
    {
        Primitive p;
        p.agent = provider + agent;
        const std::string& arg = r.args.empty() ? r.text : r.args.front();
        if (base::looks_like_ipv6_spec(arg) && agent != "IPaddr") {
            const auto spec = base::parse_ipv6_spec(arg);
            if (!spec.spec) {
                result_.diagnostics.error(r.where, spec.error);
                return p;
            }
            const auto ip = base::format_ipv6(spec.spec->ip);
            p.id = "ip-" + cib_id(ip);
            p.params.emplace_back("ip", ip);
            if (spec.spec->prefix) {
                p.params.emplace_back("cidr_netmask", std::to_string(*spec.spec->prefix));
            }
            if (!spec.spec->device.empty()) {
                p.params.emplace_back("nic", spec.spec->device);
            }
            return p;
        }
        const auto spec = base::parse_address_spec(arg);
        if (!spec.spec) {
            result_.diagnostics.error(r.where, spec.error);
            return p;
        }
        const auto& s = *spec.spec;
        const auto ip = base::format_ipv4(s.ip);
        p.id = "ip-" + ip;
        p.params.emplace_back("ip", ip);
        if (s.prefix) {
            p.params.emplace_back("cidr_netmask", std::to_string(*s.prefix));
        }
        if (!s.device.empty()) {
            p.params.emplace_back("nic", s.device);
        }
        if (const auto colon = s.label.find(':'); colon != std::string::npos) {
            p.params.emplace_back("iflabel", s.label.substr(colon + 1));
        }
        if (s.broadcast) {
            p.params.emplace_back("broadcast", base::format_ipv4(*s.broadcast));
        }
        return p;
    }

    void convert_group(const config::ResourceGroup& g)
    {
        Group group;
        group.node = g.node;
        std::vector<Primitive> tables;  // ipvsadm-wrapper: first, as heartbeat-ng starts it
        std::vector<Primitive> others;
        for (const auto& r : g.resources) {
            const bool bare_ip = config::looks_like_ip_resource(r.text) && r.script == "IPaddr";
            if (bare_ip || r.script == "IPaddr" || r.script == "IPaddr2" ||
                r.script == "IPv6addr") {
                others.push_back(address_primitive(r, r.script));
            } else if (r.script == "ipvsadm-wrapper" && r.args.size() == 1) {
                Primitive p;
                p.id = "lvs-" + cib_id(basename_of(r.args[0]));
                p.agent = std::string(provider) + "ipvsadm-wrapper";
                p.params.emplace_back("rules", r.args[0]);
                p.op_timeout_s = 30;
                tables.push_back(std::move(p));
                step(r.where, "copy " + r.args[0] + " to every node" +
                                  (o_.extra_nodes.empty() ? "" : " (the new ones too)") +
                                  ": ocf:heartbeat-ng:ipvsadm-wrapper reads it there");
            } else if (r.args.empty()) {
                Primitive p;
                p.id = cib_id(r.script);
                p.agent = "lsb:" + r.script;
                p.op_timeout_s = 30;
                p.monitor_interval_s = 30;
                others.push_back(std::move(p));
                step(r.where, r.script + ": written as lsb:" + r.script + "; /etc/init.d/" +
                                  r.script +
                                  " must exist on every node and "
                                  "answer status with 0 (running) or 3 (stopped)");
            } else {
                step(r.where, r.text + ": no OCF agent known for " + r.script +
                                  " with arguments; not written. Add it to this line's group "
                                  "at its place (an ocf:heartbeat: agent of resource-agents, or "
                                  "a wrapper of yours)");
            }
        }
        const std::size_t n_tables = tables.size();
        const bool table_first = g.resources.front().script == "ipvsadm-wrapper";
        for (auto& p : tables) {
            group.members.push_back(std::move(p));
        }
        for (auto& p : others) {
            group.members.push_back(std::move(p));
        }
        for (auto& p : group.members) {
            p.id = unique(p.id);
        }
        if (group.members.empty()) {
            step(g.where, "group of " + g.node + " has nothing Pacemaker can run: not written");
            return;
        }
        // The line's first resource names the group, as it is the group's key in heartbeat.
        const auto& named = table_first || n_tables == group.members.size()
                                ? group.members.front()
                                : group.members[n_tables];
        group.id = unique("g-" + named.id);
        groups_.push_back(std::move(group));
    }

    std::string unique(const std::string& id)
    {
        std::string candidate = id;
        for (int n = 2; !ids_.insert(candidate).second; ++n) {
            candidate = id + "-" + std::to_string(n);
        }
        return candidate;
    }

    int token() const { return o_.token_ms.value_or(token_for(cfg_.ha_cf.deadtime)); }

    std::string stickiness() const
    {
        return cfg_.ha_cf.auto_failback == config::AutoFailback::on ? "0" : "INFINITY";
    }

    std::string corosync_conf() const
    {
        const auto& cf = cfg_.ha_cf;
        std::ostringstream out;
        const auto deadtime_ms = cf.deadtime.count();
        const auto warn_percent = std::clamp<long long>(
            cf.warntime.count() * 100 / std::max<long long>(deadtime_ms, 1), 1, 99);
        out << "# corosync.conf written by hb2pacemaker from " << o_.source_dir
            << " (heartbeat 3.0.6 configuration).\n"
            << "# The same file on every node; the key in " << o_.authkey_path
            << " too (root, mode 0400).\n"
            << "totem {\n"
            << "    version: 2\n"
            << "    cluster_name: " << (o_.cluster_name.empty() ? cf.cluster : o_.cluster_name)
            << "\n"
            << "    transport: knet\n"
            << "    crypto_cipher: aes256\n"
            << "    crypto_hash: sha256\n"
            << "    keyfile: " << o_.authkey_path << "\n";
        if (o_.token_ms) {
            out << "    # token as given (--token).\n";
        } else {
            out << "    # deadtime " << duration(cf.deadtime)
                << ": corosync declares a node lost after token, then agrees on the new\n"
                << "    # membership in about 1.2 x token more; deadtime / 2.2 starts a failover "
                   "when\n"
                << "    # heartbeat's would (1000 ms at least). No per-node growth "
                   "(token_coefficient 0).\n";
        }
        out << "    token: " << token() << "\n"
            << "    token_coefficient: 0\n"
            << "    # warntime " << duration(cf.warntime) << " of deadtime "
            << duration(cf.deadtime) << "; keepalive " << duration(cf.keepalive)
            << ": knet pings each link on its own (from token)\n"
            << "    token_warning: " << warn_percent << "\n";
        for (std::size_t i = 0; i < usable_links_; ++i) {
            out << "    interface {\n"
                << "        # heartbeat: ";
            for (std::size_t k = 0; k < links_[i].media.size(); ++k) {
                const auto* m = links_[i].media[k];
                out << (k == 0 ? "" : ", ") << describe(*m) << " (" << m->where.file << ":"
                    << m->where.line << ")";
            }
            out << "\n"
                << "        linknumber: " << i << "\n"
                << "        knet_transport: udp\n"
                << "    }\n";
        }
        out << "}\n\nnodelist {\n";
        for (std::size_t n = 0; n < nodes_.size(); ++n) {
            const auto& addrs = o_.addresses.at(nodes_[n]);
            out << "    node {\n"
                << "        name: " << nodes_[n] << "\n"
                << "        nodeid: " << n + 1 << "\n";
            for (std::size_t i = 0; i < usable_links_; ++i) {
                out << "        ring" << i << "_addr: " << addrs[i] << "\n";
            }
            out << "    }\n";
        }
        out << "}\n\nquorum {\n"
            << "    provider: corosync_votequorum\n";
        if (nodes_.size() == 2) {
            out << "    # Two nodes, as heartbeat's pair: either alone keeps quorum once both "
                   "have\n"
                << "    # been seen (two_node implies wait_for_all).\n"
                << "    two_node: 1\n";
        }
        out << "}\n\nlogging {\n"
            << "    to_logfile: yes\n"
            << "    logfile: /var/log/corosync/corosync.log\n"
            << "    timestamp: on\n";
        if (!cf.logfacility.empty()) {
            out << "    to_syslog: yes\n"
                << "    syslog_facility: " << cf.logfacility << "\n";
        } else {
            out << "    to_syslog: no\n";
        }
        out << "    debug: " << (cf.debug > 0 ? "on" : "off") << "\n"
            << "}\n";
        return out.str();
    }

    std::string header(std::string_view how) const
    {
        std::ostringstream out;
        out << "# Pacemaker configuration written by hb2pacemaker from " << o_.source_dir
            << "/haresources\n"
            << "# and ha.cf (heartbeat 3.0.6): one group per haresources line, in its order "
               "(an LVS\n"
            << "# table first: heartbeat-ng starts it before the addresses). " << how << "\n";
        return out.str();
    }

    std::vector<std::pair<std::string, std::string>> properties() const
    {
        std::vector<std::pair<std::string, std::string>> props;
        // initdead: how long a starting node waits for the others before it decides alone.
        props.emplace_back("dc-deadtime", duration(cfg_.ha_cf.initdead));
        if (o_.without_fencing) {
            props.emplace_back("stonith-enabled", "false");
        }
        return props;
    }

    std::string crm_script() const
    {
        std::ostringstream out;
        out << header("Load it with:\n#   crm configure load update FILE");
        if (o_.without_fencing) {
            // crmsh refuses a comment holding "--".
            out << "# stonith-enabled=false: written as asked (without fencing); configure "
                   "fencing and remove it.\n";
        }
        out << "property cib-bootstrap-options:";
        for (const auto& [k, v] : properties()) {
            out << " \\\n    " << k << "=" << quoted(v);
        }
        out << "\n# auto_failback " << config::to_string(cfg_.ha_cf.auto_failback)
            << "; the group's node preferred by " << location_score << "\n"
            << "rsc_defaults rsc-options: \\\n    resource-stickiness=" << stickiness() << "\n";
        for (const auto& g : groups_) {
            for (const auto& p : g.members) {
                out << "primitive " << p.id << " " << p.agent;
                if (!p.params.empty()) {
                    out << " \\\n    params";
                    for (const auto& [k, v] : p.params) {
                        out << " " << k << "=" << quoted(v);
                    }
                }
                out << " \\\n    op start timeout=" << p.op_timeout_s << "s interval=0"
                    << " \\\n    op stop timeout=" << p.op_timeout_s << "s interval=0"
                    << " \\\n    op monitor interval=" << p.monitor_interval_s
                    << "s timeout=" << p.op_timeout_s << "s\n";
            }
            out << "group " << g.id;
            for (const auto& p : g.members) {
                out << " " << p.id;
            }
            out << "\nlocation loc-" << g.id << " " << g.id << " " << location_score << ": "
                << g.node << "\n";
        }
        return out.str();
    }

    std::string pcs_script() const
    {
        std::ostringstream out;
        out << "#!/bin/sh\n"
            << header(
                   "Run it as:\n#   sh FILE [CIB_FILE]\n"
                   "# with CIB_FILE: pcs -f CIB_FILE (offline); without: the running "
                   "cluster.")
            << "set -e\n"
            << "if [ $# -gt 0 ]; then set -- -f \"$1\"; fi\n";
        for (const auto& [k, v] : properties()) {
            out << "pcs \"$@\" property set " << k << "=" << quoted(v) << "\n";
        }
        out << "pcs \"$@\" resource defaults update resource-stickiness=" << stickiness() << "\n";
        for (const auto& g : groups_) {
            for (const auto& p : g.members) {
                out << "pcs \"$@\" resource create " << p.id << " " << p.agent;
                for (const auto& [k, v] : p.params) {
                    out << " " << k << "=" << quoted(v);
                }
                out << " \\\n    op start timeout=" << p.op_timeout_s
                    << "s stop timeout=" << p.op_timeout_s
                    << "s monitor interval=" << p.monitor_interval_s
                    << "s timeout=" << p.op_timeout_s << "s --group " << g.id << "\n";
            }
            out << "pcs \"$@\" constraint location " << g.id << " prefers " << g.node << "="
                << location_score << "\n";
        }
        return out.str();
    }

    struct Link {
        std::string interface;
        std::vector<const config::Medium*> media;
    };

    const config::Config& cfg_;
    const Options& o_;
    Result result_;
    std::vector<std::string> nodes_;
    std::vector<Link> links_;
    std::size_t usable_links_ = 0;
    std::vector<Group> groups_;
    std::set<std::string> ids_;
};

}  // namespace

int token_for(base::Milliseconds deadtime)
{
    const auto ms = static_cast<int>(deadtime.count() * 10 / 22);
    return std::max(ms, 1000);
}

Result convert(const config::Config& config, const Options& options)
{
    return Converter(config, options).run();
}

}  // namespace hb::migrate
