// SPDX-License-Identifier: GPL-2.0-or-later
#include "metrics/cluster_metrics.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "metrics/exposition.hpp"

namespace hb::metrics {

using membership::LinkStatus;
using membership::NodeStatus;
using membership::NodeType;

void ClusterMetrics::sent(std::size_t index)
{
    if (index >= sent_.size()) {
        sent_.resize(index + 1, 0);
    }
    ++sent_[index];
}

void ClusterMetrics::rejected(auth::VerifyError why)
{
    for (std::size_t i = 0; i < verify_errors.size(); ++i) {
        if (verify_errors[i] == why) {
            ++rejected_[i];
        }
    }
}

std::uint64_t ClusterMetrics::rejected_total() const
{
    std::uint64_t n = 0;
    for (const std::uint64_t r : rejected_) {
        n += r;
    }
    return n;
}

void ClusterMetrics::on_event(const membership::Event& event)
{
    if (event.kind != membership::EventKind::node_status) {
        return;
    }
    if (event.to == NodeStatus::dead && event.from != NodeStatus::dead) {
        ++deaths_[event.node];
    } else if (event.from == NodeStatus::dead && event.to != NodeStatus::dead) {
        ++returns_[event.node];
    }
}

void ClusterMetrics::renumber_media(const std::vector<std::optional<std::size_t>>& from)
{
    std::vector<std::uint64_t> next(from.size(), 0);
    for (std::size_t i = 0; i < from.size(); ++i) {
        if (from[i] && *from[i] < sent_.size()) {
            next[i] = sent_[*from[i]];
        }
    }
    sent_ = std::move(next);
}

namespace {

/// Seconds: script calls and group operations take from milliseconds (a status check) to
/// minutes (a hung script until its timeout).
const std::vector<double> duration_buckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                              2.5,  5,     10,   30,  60,   120};

double in_seconds(resources::Milliseconds d)
{
    return static_cast<double>(d.count()) / 1000.0;
}

/// A script's outcome as a label: ok, error (a non-zero exit), or how it did not exit.
std::string outcome_label(const resources::ScriptResult& r)
{
    if (r.outcome == resources::ScriptOutcome::exited) {
        return r.exit_code == 0 ? "ok" : "error";
    }
    std::string word(resources::to_string(r.outcome));
    std::replace(word.begin(), word.end(), ' ', '_');  // "timed out" -> timed_out
    return word;
}

void observe(std::map<std::array<std::string, 3>, Histogram>& into, std::array<std::string, 3> key,
             resources::Milliseconds took)
{
    into.try_emplace(std::move(key), duration_buckets).first->second.observe(in_seconds(took));
}

}  // namespace

void ClusterMetrics::group_op(const resources::GroupOpDone& done)
{
    observe(group_ops_,
            {done.group, std::string(resources::to_string(done.kind)),
             std::string(resources::to_string(done.outcome))},
            done.took);
}

void ClusterMetrics::script(const resources::ScriptDone& done)
{
    observe(
        scripts_,
        {done.script, std::string(resources::to_string(done.action)), outcome_label(done.result)},
        done.took);
}

namespace {

double count(std::uint64_t n)
{
    return static_cast<double>(n);
}

/// Seconds, to the millisecond.
double seconds(membership::Clock::duration d)
{
    return std::round(std::chrono::duration<double, std::milli>(d).count()) / 1000.0;
}

std::uint64_t from_map(const std::map<std::string, std::uint64_t, std::less<>>& m,
                       std::string_view key)
{
    const auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
}

}  // namespace

std::string ClusterMetrics::page(membership::TimePoint now,
                                 const membership::Membership& membership,
                                 const std::optional<Resources>& resources,
                                 const std::optional<ApiClients>& api) const
{
    Exposition p;
    const auto& nodes = membership.nodes();
    const std::string self = membership.settings().self;

    p.family("heartbeat_node_status", Type::gauge,
             "1 for the status each node has now (cl_status nodestatus), 0 for the others. "
             "A ping node is ping or dead.");
    for (const auto& n : nodes) {
        static constexpr std::array normal{NodeStatus::init, NodeStatus::up, NodeStatus::active,
                                           NodeStatus::dead};
        static constexpr std::array ping{NodeStatus::ping, NodeStatus::dead};
        const auto sample = [&](NodeStatus s) {
            p.sample({{"node", n.name}, {"status", std::string(membership::to_string(s))}},
                     n.status == s ? 1 : 0);
        };
        if (n.type == NodeType::ping) {
            for (const NodeStatus s : ping) {
                sample(s);
            }
        } else {
            for (const NodeStatus s : normal) {
                sample(s);
            }
        }
    }

    p.family("heartbeat_link_up", Type::gauge,
             "1 while messages from the node arrive on the link (cl_status linkstatus up).");
    for (const auto& n : nodes) {
        for (const auto& l : n.links) {
            p.sample({{"node", n.name}, {"link", l.name}}, l.status == LinkStatus::up ? 1 : 0);
        }
    }
    p.family("heartbeat_link_last_message_age_seconds", Type::gauge,
             "Seconds since the last message from the node on the link (links heard at least "
             "once).");
    for (const auto& n : nodes) {
        for (const auto& l : n.links) {
            if (l.last_heard) {
                p.sample({{"node", n.name}, {"link", l.name}}, seconds(now - *l.last_heard));
            }
        }
    }
    p.family("heartbeat_messages_received_total", Type::counter,
             "Messages accepted from the node on the link (heartbeats and cluster messages; "
             "echo replies for a ping node; our own, looped back, for this node).");
    for (const auto& n : nodes) {
        for (const auto& l : n.links) {
            p.sample({{"node", n.name}, {"link", l.name}}, count(l.heard));
        }
    }
    p.family("heartbeat_messages_sent_total", Type::counter,
             "Datagrams this node put on the medium (each message once per medium).");
    const auto& media = membership.settings().media;
    for (std::size_t i = 0; i < media.size(); ++i) {
        p.sample({{"link", media[i]}}, count(i < sent_.size() ? sent_[i] : 0));
    }

    const auto& c = membership.counters();
    const auto counter = [&p](std::string_view name, std::string_view help, std::uint64_t n) {
        p.family(name, Type::counter, help);
        p.sample({}, count(n));
    };
    counter("heartbeat_packets_accepted_total",
            "Verified messages membership took (from the nodes and the ping nodes).", c.accepted);
    p.family("heartbeat_packets_dropped_total", Type::counter,
             "Verified messages membership dropped, by reason (replays, duplicates, unknown "
             "senders ...).");
    for (std::size_t r = 0; r < membership::drop_reasons; ++r) {
        const auto reason = static_cast<membership::Drop>(r);
        p.sample({{"reason", std::string(membership::to_string(reason))}},
                 count(c.dropped(reason)));
    }
    p.family("heartbeat_packets_rejected_total", Type::counter,
             "Datagrams authentication refused, by reason (bad signature, unknown key, "
             "malformed ...).");
    for (std::size_t i = 0; i < verify_errors.size(); ++i) {
        p.sample({{"reason", std::string(auth::to_string(verify_errors[i]))}}, count(rejected_[i]));
    }
    counter("heartbeat_late_heartbeats_total",
            "Heartbeats that came more than warntime after the one before.", c.late_heartbeats);
    counter("heartbeat_lost_packets_total", "Gaps in the nodes' sequence numbers (lost messages).",
            c.lost);
    counter("heartbeat_retransmit_requests_total", "Retransmissions this node asked for.",
            c.rexmit_requests);
    counter("heartbeat_retransmits_sent_total", "Messages this node sent again when asked.",
            c.rexmits_sent);
    counter("heartbeat_pauses_total",
            "Times this daemon ran a keepalive or more late (a stalled process or host).",
            c.pauses);

    const auto per_peer = [&](std::string_view name, std::string_view help,
                              const std::map<std::string, std::uint64_t, std::less<>>& counts) {
        p.family(name, Type::counter, help);
        for (const auto& n : nodes) {
            if (n.name != self) {
                p.sample({{"node", n.name}}, count(from_map(counts, n.name)));
            }
        }
    };
    per_peer("heartbeat_node_deaths_total", "Times this node declared the node dead.", deaths_);
    per_peer("heartbeat_node_returns_total", "Times a node declared dead was heard again.",
             returns_);

    if (resources) {
        p.family("heartbeat_group_state", Type::gauge,
                 "1 for what each resource group's scripts are doing on this node now "
                 "(running, stopped, stuck: a stop that failed); summed over the nodes, "
                 "running says how many run it.");
        for (const auto& [key, state] : resources->groups) {
            static constexpr std::array states{resources::GroupState::running,
                                               resources::GroupState::stopped,
                                               resources::GroupState::stuck};
            static constexpr std::array names{"running", "stopped", "stuck"};
            for (std::size_t i = 0; i < states.size(); ++i) {
                p.sample({{"group", key}, {"state", names[i]}}, state == states[i] ? 1 : 0);
            }
        }
    }
    p.family("heartbeat_group_operation_seconds", Type::histogram,
             "How long taking (acquire) or giving up (release) a resource group took on this "
             "node, by outcome (succeeded, failed, stuck).");
    for (const auto& [k, h] : group_ops_) {
        p.sample({{"group", k[0]}, {"operation", k[1]}, {"outcome", k[2]}}, h);
    }
    p.family("heartbeat_script_seconds", Type::histogram,
             "Resource script calls on this node and how long they ran, by script, action and "
             "outcome (ok, error: a non-zero exit, timed_out, signalled, spawn_failed, "
             "not_found).");
    for (const auto& [k, h] : scripts_) {
        p.sample({{"script", k[0]}, {"action", k[1]}, {"outcome", k[2]}}, h);
    }
    if (api) {
        p.family("heartbeat_api_clients", Type::gauge,
                 "Connections to the API socket (cl_status, ipfail, ...): all of them, and "
                 "those signed on.");
        p.sample({{"state", "connected"}}, count(api->connected));
        p.sample({{"state", "signed_on"}}, count(api->signed_on));
    }
    return p.text();
}

}  // namespace hb::metrics
