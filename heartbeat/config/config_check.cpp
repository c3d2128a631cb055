// SPDX-License-Identifier: GPL-2.0-or-later
// Cross-file and machine checks for a configuration directory.
#include "config/config_check.hpp"

#include <algorithm>
#include <map>

#include "base/address_spec.hpp"
#include "base/text.hpp"
#include "base/value_parsers.hpp"

namespace hb::config {

using base::quote;

std::optional<std::string> find_resource_script(const std::string& script, const ScriptDirs& dirs,
                                                const SystemView& system)
{
    for (const std::string* dir : {&dirs.resource_d, &dirs.packaged, &dirs.init_d}) {
        if (dir->empty()) {
            continue;
        }
        std::string path = *dir + "/" + script;
        if (system.is_executable_file(path)) {
            return path;
        }
    }
    return std::nullopt;
}

namespace {

void check_own_node(const HaCf& cf, const std::string& node_name, base::Diagnostics& diags)
{
    if (cf.autojoin == Autojoin::any || cf.find_node(node_name) != nullptr) {
        return;
    }
    std::string declared;
    for (const Node& node : cf.nodes) {
        if (node.type == NodeType::normal) {
            declared += (declared.empty() ? "" : ", ") + node.name;
        }
    }
    const auto first = std::find_if(cf.nodes.begin(), cf.nodes.end(),
                                    [](const Node& n) { return n.type == NodeType::normal; });
    diags.error(first == cf.nodes.end() ? cf.file : first->where,
                "this node " + quote(node_name) +
                    " is not declared (nodes are named by `uname -n` and each needs a 'node' "
                    "line; declared: " +
                    (declared.empty() ? std::string("none") : declared) + ")");
}

void check_media(const HaCf& cf, const SystemView& system, base::Diagnostics& diags)
{
    for (const Medium& m : cf.media) {
        const bool has_device = m.type == MediumType::bcast || m.type == MediumType::ucast ||
                                m.type == MediumType::mcast || m.type == MediumType::mcast6 ||
                                m.type == MediumType::ucast6;
        if (has_device && !system.interface_exists(m.interface)) {
            diags.warning(m.where, "interface " + quote(m.interface) + " (" +
                                       std::string(to_string(m.type)) +
                                       ") does not exist on this machine; this medium will stay "
                                       "down until it appears");
        }
        if (m.type == MediumType::ucast && !system.resolves_ipv4(m.peer)) {
            diags.error(m.where, "ucast peer " + quote(m.peer) +
                                     " is neither an IPv4 address nor a host name that resolves");
        }
        // A ping host that does not resolve is never pinged: its ping node stays dead.
        const std::vector<std::string> ping_hosts =
            m.type == MediumType::ping         ? std::vector<std::string>{m.interface}
            : m.type == MediumType::ping_group ? m.hosts
                                               : std::vector<std::string>{};
        for (const std::string& host : ping_hosts) {
            if (!system.resolves_ipv4(host)) {
                diags.warning(m.where, "ping host " + quote(host) +
                                           " is neither an IPv4 address nor a host name that "
                                           "resolves; it will never answer");
            }
        }
    }
}

void check_accounts(const HaCf& cf, const SystemView& system, base::Diagnostics& diags)
{
    for (const ApiAuth& auth : cf.apiauth) {
        if (auth.where.line == 0) {
            continue;  // heartbeat's built-in defaults; checked when a client signs on
        }
        for (const std::string& user : auth.uids) {
            if (!system.user_exists(user)) {
                diags.error(auth.where,
                            "apiauth " + auth.client + ": user " + quote(user) + " does not exist");
            }
        }
        for (const std::string& group : auth.gids) {
            if (!system.group_exists(group)) {
                diags.error(auth.where, "apiauth " + auth.client + ": group " + quote(group) +
                                            " does not exist");
            }
        }
    }
    for (const ClientChild& child : cf.clients) {
        const std::string what = child.failfast ? "failfast" : "respawn";
        if (!system.user_exists(child.user)) {
            diags.error(child.where, what + ": user " + quote(child.user) + " does not exist");
        }
        if (!system.is_executable_file(child.path)) {
            diags.error(child.where,
                        what + ": " + quote(child.path) + " is not an executable file");
        }
    }
}

// The interface an IPaddr/IPaddr2/IPv6addr resource names, read by the one parser findif
// uses too; empty for other resources and for an address whose interface is found out.
std::string address_device(const Resource& r)
{
    if (!is_address_agent(r.script) || r.args.size() != 1) {
        return {};
    }
    if (base::looks_like_ipv6_spec(r.args[0])) {
        const auto parsed = base::parse_ipv6_spec(r.args[0]);
        return parsed.spec ? parsed.spec->device : std::string();
    }
    const auto parsed = base::parse_address_spec(r.args[0]);
    return parsed.spec ? parsed.spec->device : std::string();
}

void check_groups(const HaCf& cf, const std::vector<ResourceGroup>& groups, const ScriptDirs& dirs,
                  const SystemView& system, base::Diagnostics& diags)
{
    std::map<std::string, const ResourceGroup*> keys;
    for (const ResourceGroup& group : groups) {
        const Node* node = cf.find_node(group.node);
        if (node == nullptr || node->type != NodeType::normal) {
            diags.error(group.where, "node " + quote(group.node) +
                                         " is not declared with a 'node' line in " + cf.file.file);
        }
        const auto [it, inserted] = keys.emplace(group.key(), &group);
        if (!inserted) {
            diags.warning(group.where, "group key " + quote(group.key()) +
                                           " is used again (first on line " +
                                           std::to_string(it->second->where.line) +
                                           "); heartbeat addresses groups by their first "
                                           "resource, so these two cannot be told apart");
        }
        for (const Resource& r : group.resources) {
            // (A malformed argument is haresources' own error, from the same parser.)
            if (const std::string device = address_device(r);
                !device.empty() && !system.interface_exists(device)) {
                diags.warning(r.where, "interface " + quote(device) + " of " + quote(r.text) +
                                           " does not exist on this machine");
            }
            if (!find_resource_script(r.script, dirs, system)) {
                diags.warning(r.where, "resource script " + quote(r.script) +
                                           " is not an executable file in " + dirs.resource_d +
                                           ", " + dirs.packaged + " or " + dirs.init_d);
            }
        }
    }
}

// The STONITH plugin this node would run, as 3.0.6 refuses an unknown device type.
void check_stonith(const HaCf& cf, const std::string& node_name, const SystemView& system,
                   base::Diagnostics& diags)
{
    const StonithHost* h = cf.stonith_for(node_name);
    if (h == nullptr) {
        return;
    }
    const std::string path = std::string(stonith_plugin_dir) + "/" + h->type;
    if (!system.is_executable_file(path)) {
        diags.error(h->where, "stonith type " + quote(h->type) + ": no plugin script " +
                                  quote(path) + " (cluster-glue installs them)");
    }
}

}  // namespace

void check_config(const HaCf& ha_cf, const std::vector<ResourceGroup>& groups,
                  const std::string& node_name, const ScriptDirs& dirs, const SystemView& system,
                  base::Diagnostics& diags)
{
    check_stonith(ha_cf, node_name, system, diags);
    check_own_node(ha_cf, node_name, diags);
    check_media(ha_cf, system, diags);
    check_accounts(ha_cf, system, diags);
    check_groups(ha_cf, groups, dirs, system, diags);
}

}  // namespace hb::config
