// SPDX-License-Identifier: GPL-2.0-or-later
// The reload's judgement. `applied` starts as the new configuration; each directive that
// only a restart can apply (the node list, the ping nodes, the log destinations, the
// process's scheduling, the wire format …) gets its running value back, and is named with
// its line. Then every part that still differs from the running one is a change to apply.
#include "config/reload_plan.hpp"

#include <algorithm>
#include <array>
#include <map>

namespace hb::config {

std::string_view to_string(Change change)
{
    switch (change) {
    case Change::authkeys: return "authkeys";
    case Change::timing: return "timing";
    case Change::media: return "media";
    case Change::groups: return "haresources";
    case Change::auto_failback: return "auto_failback";
    case Change::clients: return "respawn";
    case Change::scripts: return "env";
    case Change::api: return "api";
    case Change::logging: return "logging";
    case Change::stonith: return "stonith_host";
    case Change::metrics: return "metrics";
    }
    return "?";
}

GroupChanges diff_groups(const std::vector<ResourceGroup>& running,
                         const std::vector<ResourceGroup>& next)
{
    // The first group with a key is the one heartbeat addresses (config_check warns about
    // repeated keys).
    auto by_key = [](const std::vector<ResourceGroup>& groups) {
        std::map<std::string, const ResourceGroup*> out;
        for (const ResourceGroup& g : groups) {
            if (!g.resources.empty()) {
                out.emplace(g.key(), &g);
            }
        }
        return out;
    };
    const auto old_groups = by_key(running);
    const auto new_groups = by_key(next);
    GroupChanges changes;
    for (const ResourceGroup& g : running) {
        if (!g.resources.empty() && old_groups.at(g.key()) == &g &&
            new_groups.count(g.key()) == 0) {
            changes.removed.push_back(g.key());
        }
    }
    for (const ResourceGroup& g : next) {
        if (g.resources.empty() || new_groups.at(g.key()) != &g) {
            continue;
        }
        const auto old = old_groups.find(g.key());
        if (old == old_groups.end()) {
            changes.added.push_back(g.key());
        } else if (!(*old->second == g)) {
            changes.changed.push_back(g.key());
        }
    }
    return changes;
}

namespace {

bool is_link(MediumType type)
{
    return type == MediumType::bcast || type == MediumType::ucast || type == MediumType::mcast ||
           type == MediumType::ucast6 || type == MediumType::mcast6 || type == MediumType::serial;
}

bool is_ping(MediumType type)
{
    return type == MediumType::ping || type == MediumType::ping_group;
}

std::vector<Node> nodes_of(const HaCf& cf, NodeType type)
{
    std::vector<Node> out;
    std::copy_if(cf.nodes.begin(), cf.nodes.end(), std::back_inserter(out),
                 [type](const Node& n) { return n.type == type; });
    return out;
}

std::vector<Medium> ping_media(const HaCf& cf)
{
    std::vector<Medium> out;
    std::copy_if(cf.media.begin(), cf.media.end(), std::back_inserter(out),
                 [](const Medium& m) { return is_ping(m.type); });
    return out;
}

/// A directive only a restart applies: whether it changed, and how `applied` gets the
/// running value back.
struct RestartOnly {
    std::string_view directive;
    bool (*same)(const HaCf& running, const HaCf& next);
    void (*keep)(HaCf& applied, const HaCf& running);
};

template <auto Field>
bool same_field(const HaCf& a, const HaCf& b)
{
    return a.*Field == b.*Field;
}

template <auto Field>
void keep_field(HaCf& to, const HaCf& from)
{
    to.*Field = from.*Field;
}

template <auto Field>
constexpr RestartOnly field(std::string_view directive)
{
    return {directive, &same_field<Field>, &keep_field<Field>};
}

bool same_nodes(const HaCf& a, const HaCf& b)
{
    return nodes_of(a, NodeType::normal) == nodes_of(b, NodeType::normal);
}

void keep_nodes(HaCf& to, const HaCf& from)
{
    std::vector<Node> nodes = nodes_of(from, NodeType::normal);
    for (Node& n : nodes_of(to, NodeType::ping)) {
        nodes.push_back(std::move(n));
    }
    to.nodes = std::move(nodes);
}

bool same_ping_nodes(const HaCf& a, const HaCf& b)
{
    return nodes_of(a, NodeType::ping) == nodes_of(b, NodeType::ping) &&
           ping_media(a) == ping_media(b);
}

void keep_ping_nodes(HaCf& to, const HaCf& from)
{
    std::vector<Node> nodes = nodes_of(to, NodeType::normal);
    for (Node& n : nodes_of(from, NodeType::ping)) {
        nodes.push_back(std::move(n));
    }
    to.nodes = std::move(nodes);
    std::erase_if(to.media, [](const Medium& m) { return is_ping(m.type); });
    for (Medium& m : ping_media(from)) {
        to.media.push_back(std::move(m));
    }
}

bool same_failback_protocol(const HaCf& a, const HaCf& b)
{
    // on ↔ off is a policy the manager takes at once; legacy is another protocol.
    const bool legacy_a = a.auto_failback == AutoFailback::legacy;
    const bool legacy_b = b.auto_failback == AutoFailback::legacy;
    return a.auto_failback == b.auto_failback || (!legacy_a && !legacy_b);
}

const std::array<RestartOnly, 17> restart_only = {{
    {"node", &same_nodes, &keep_nodes},
    {"ping", &same_ping_nodes, &keep_ping_nodes},
    {"auto_failback", &same_failback_protocol, &keep_field<&HaCf::auto_failback>},
    field<&HaCf::cluster>("cluster"),
    field<&HaCf::logfacility>("logfacility"),
    field<&HaCf::logfile>("logfile"),
    field<&HaCf::debugfile>("debugfile"),
    field<&HaCf::use_logd>("use_logd"),
    field<&HaCf::syslogmsgfmt>("syslogmsgfmt"),
    field<&HaCf::realtime>("realtime"),
    field<&HaCf::rtprio>("rtprio"),
    field<&HaCf::generation_from_time>("hbgenmethod"),
    field<&HaCf::netstring_format>("msgfmt"),
    field<&HaCf::pacemaker>("pacemaker"),
    field<&HaCf::autojoin>("autojoin"),
    field<&HaCf::uuid_from_nodename>("uuidfrom"),
    field<&HaCf::baud>("baud"),
}};

/// Where the new file sets `directive` (for node and ping, the first line that differs).
base::SourceLocation where_changed(const RestartOnly& r, const HaCf& running, const HaCf& next)
{
    auto first_new = [&](const std::vector<Node>& now, const std::vector<Node>& before) {
        for (const Node& n : now) {
            if (std::find(before.begin(), before.end(), n) == before.end()) {
                return n.where;
            }
        }
        return next.file;
    };
    if (r.directive == "node") {
        return first_new(nodes_of(next, NodeType::normal), nodes_of(running, NodeType::normal));
    }
    if (r.directive == "ping") {
        const auto media = ping_media(next);
        const auto before = ping_media(running);
        for (const Medium& m : media) {
            if (std::find(before.begin(), before.end(), m) == before.end()) {
                return m.where;
            }
        }
        return next.file;
    }
    return next.location_of(r.directive);
}

void keep_parameter(HaCf& applied, const HaCf& running, const std::string& name)
{
    if (const auto it = running.parameters.find(name); it != running.parameters.end()) {
        applied.parameters[name] = it->second;
    } else {
        applied.parameters.erase(name);
    }
    if (const auto it = running.set_at.find(name); it != running.set_at.end()) {
        applied.set_at[name] = it->second;
    } else {
        applied.set_at.erase(name);
    }
}

bool same_timing(const HaCf& a, const HaCf& b)
{
    return a.keepalive == b.keepalive && a.deadtime == b.deadtime && a.warntime == b.warntime &&
           a.initdead == b.initdead && a.deadping == b.deadping && a.hopfudge == b.hopfudge &&
           a.max_rexmit_delay_ms == b.max_rexmit_delay_ms;
}

}  // namespace

std::vector<Medium> link_media(const HaCf& ha_cf)
{
    std::vector<Medium> out;
    std::copy_if(ha_cf.media.begin(), ha_cf.media.end(), std::back_inserter(out),
                 [](const Medium& m) { return is_link(m.type); });
    return out;
}

bool ReloadPlan::has(Change change) const
{
    return std::find(changes.begin(), changes.end(), change) != changes.end();
}

std::string ReloadPlan::summary() const
{
    std::string out;
    for (const Change c : changes) {
        if (!out.empty()) {
            out += ", ";
        }
        out += to_string(c);
        if (c == Change::groups) {
            out += " (" + std::to_string(groups.added.size()) + " added, " +
                   std::to_string(groups.removed.size()) + " removed, " +
                   std::to_string(groups.changed.size()) + " changed)";
        }
    }
    return out.empty() ? "nothing in place" : out;
}

ReloadPlan plan_reload(const Config& running, const Config& next)
{
    ReloadPlan plan;
    plan.applied = next;
    HaCf& applied = plan.applied.ha_cf;
    const HaCf& before = running.ha_cf;
    for (const RestartOnly& r : restart_only) {
        if (!r.same(before, next.ha_cf)) {
            // A value derived from another line (use_logd from logfile) is not named when
            // that line is.
            const auto where = where_changed(r, before, next.ha_cf);
            if (where.line != 0 || plan.restart_needed.empty()) {
                plan.restart_needed.push_back({std::string(r.directive), where});
            }
            r.keep(applied, before);
            keep_parameter(applied, before, std::string(r.directive));
        }
    }
    // nice_failback is recorded as auto_failback; nothing else to carry back.

    auto note = [&](Change change, bool differs) {
        if (differs) {
            plan.changes.push_back(change);
        }
    };
    note(Change::authkeys, !(running.authkeys == plan.applied.authkeys));
    note(Change::timing, !same_timing(before, applied));
    const auto old_links = link_media(before);
    const auto new_links = link_media(applied);
    note(Change::media, !(old_links == new_links));
    plan.groups = diff_groups(running.groups, plan.applied.groups);
    note(Change::groups, !(running.groups == plan.applied.groups));
    note(Change::auto_failback, before.auto_failback != applied.auto_failback);
    note(Change::clients, !(before.clients == applied.clients));
    note(Change::scripts, !(before.env == applied.env));
    note(Change::api,
         !(before.apiauth == applied.apiauth) || !(before.parameters == applied.parameters));
    note(Change::logging,
         before.debug != applied.debug || before.log_badpack != applied.log_badpack);
    note(Change::stonith, !(before.stonith_hosts == applied.stonith_hosts));
    note(Change::metrics, !(running.extensions == plan.applied.extensions));

    std::vector<bool> taken(old_links.size(), false);
    for (const Medium& m : new_links) {
        std::optional<std::size_t> from;
        for (std::size_t j = 0; j < old_links.size(); ++j) {
            if (!taken[j] && old_links[j] == m) {
                taken[j] = true;
                from = j;
                break;
            }
        }
        plan.media_from.push_back(from);
    }
    return plan;
}

}  // namespace hb::config
