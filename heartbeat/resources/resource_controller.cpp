// SPDX-License-Identifier: GPL-2.0-or-later
// The resource controller's life:
//
//   Checking ──every group looked at──▶ Joining ──comm up──▶ Managing
//      │  (comm up meanwhile: remembered)     ▲
//      └───────────────────────────────────────┘ (…and joins at once when the check ends)
//
//   Checking: for each group, `status` of its key resource. One that runs was left by an
//             earlier run of ours (kill -9 leaves a VIP up): it is released (3.0.6's
//             verifyallidle only warns) before we join, so a group is only ever started by
//             the protocol. A script that cannot be found counts as not running.
//   Managing: the manager's group requests become GroupOperations, one at a time; each
//             script call is handed to the caller once due (a retried stop waits its
//             second), and its result goes back into the operation; a finished operation
//             is reported to the manager, which may then ask for the next.
//
// Events other than comm up are ignored until comm up: the manager starts then, as 3.0.6's
// resource callbacks are only registered then. Between comm up and the end of the check, the
// peer's resource messages are kept and handed to the manager when it starts (a 3.0.6 peer
// in legacy mode sends its ip-request once, at its own comm up: dropped, its group would
// never start), and its presence follows its deaths and returns.
#include "resources/resource_controller.hpp"

#include <algorithm>
#include <limits>

#include "base/log.hpp"
#include "base/text.hpp"

namespace hb::resources {

ControllerSettings controller_settings(const config::HaCf& ha_cf, const std::string& self,
                                       const std::vector<config::ResourceGroup>& groups)
{
    ControllerSettings s;
    s.manager.self = self;
    for (const config::Node& n : ha_cf.nodes) {
        if (n.type == config::NodeType::normal && n.name != self) {
            s.manager.peer = n.name;
            break;
        }
    }
    s.manager.groups = groups;
    s.manager.auto_failback = ha_cf.auto_failback;
    s.limits = ha_cf.script_limits;
    if (const config::StonithHost* h = ha_cf.stonith_for(self)) {
        s.stonith = *h;
        s.manager.fencing = Fencing::stonith;
    }
    return s;
}

ResourceController::ResourceController(ControllerSettings settings)
    : settings_(std::move(settings)),
      manager_(settings_.manager)
{}

const config::ResourceGroup* ResourceController::group(const std::string& key) const
{
    for (const auto& g : settings_.manager.groups) {
        if (g.key() == key) {
            return &g;
        }
    }
    return nullptr;
}

Milliseconds ResourceController::timeout_of(ScriptAction action) const
{
    switch (action) {
    case ScriptAction::start: return settings_.limits.start_timeout;
    case ScriptAction::stop: return settings_.limits.stop_timeout;
    case ScriptAction::status: return settings_.limits.status_timeout;
    }
    return settings_.limits.status_timeout;
}

int ResourceController::stop_retries() const
{
    // 3.0.6's ResourceManager: HA_STOPRETRYMAX ≤ 0 retries forever.
    const int n = settings_.limits.stop_retries;
    return n > 0 ? n : std::numeric_limits<int>::max();
}

void ResourceController::start(TimePoint now)
{
    phase_ = Checking{};
    check_next_group(now);
    pump(now);
}

void ResourceController::check_next_group(TimePoint now)
{
    auto& checking = std::get<Checking>(phase_);
    const auto& groups = settings_.manager.groups;
    while (checking.next < groups.size() && groups[checking.next].resources.empty()) {
        ++checking.next;
    }
    if (checking.next >= groups.size()) {
        const auto comm_up = checking.comm_up;
        const auto early = std::move(checking.early);
        phase_ = Joining{};
        if (comm_up) {
            join(now, *comm_up, early);
        }
        return;
    }
    const config::ResourceGroup& g = groups[checking.next++];
    const config::Resource& key = g.resources.front();
    std::vector<std::string> argv = key.args;
    argv.emplace_back(to_string(ScriptAction::status));
    queue_call(RunReason::idle_check, g.key(), key, ScriptAction::status, std::move(argv),
               std::nullopt);
}

void ResourceController::join(TimePoint now, Presence peer,
                              const std::vector<std::pair<std::string, wire::Message>>& early)
{
    phase_ = Managing{};
    manager_.comm_up(now, peer);
    for (const auto& [from, message] : early) {
        manager_.receive(now, from, message);
    }
    if (settings_.stonith) {
        stonith_check_at_ = now;  // 3.0.6 checks the device at start, then hourly
    }
}

void ResourceController::remember_early(Checking& checking, const membership::Event& event)
{
    // At most this many; a peer that sends more before we run is not following the protocol.
    constexpr std::size_t max_early = 64;
    using membership::EventKind;
    switch (event.kind) {
    case EventKind::node_status:
        if (event.to == membership::NodeStatus::dead) {
            checking.comm_up = Presence::gone;
            checking.early.clear();  // what a dead peer said no longer holds
        } else if (event.from == membership::NodeStatus::dead) {
            checking.comm_up = Presence::alive;
        }
        break;
    case EventKind::node_restarted:
        checking.comm_up = Presence::alive;
        checking.early.clear();  // said by its previous run
        break;
    case EventKind::message:
        if (is_resource_message(event.message.get("t").value_or(""))) {
            if (checking.early.size() < max_early) {
                checking.early.emplace_back(event.node, event.message);
            } else {
                HB_LOG(warn) << "dropped a resource message from " << event.node
                             << " received before resources are managed here";
            }
        }
        break;
    default: break;
    }
}

void ResourceController::start_stonith(StonithOp op)
{
    const std::string& device = settings_.stonith->type;
    if (op.purpose == StonithOp::Purpose::reset) {
        HB_LOG(info) << "Resetting node " << op.node << " with [" << device << "]";
    } else {
        HB_LOG(info) << "Checking status of STONITH device [" << device << "]";
    }
    stonith_ = std::move(op);
    stonith_call({"getconfignames"});
}

void ResourceController::stonith_call(const std::vector<std::string>& argv)
{
    config::Resource plugin;
    plugin.text = settings_.stonith->type;
    plugin.script = settings_.stonith->type;
    queue_call(RunReason::stonith, {}, plugin, ScriptAction::status, argv, std::nullopt);
    call_->run.timeout = settings_.limits.stop_timeout;
    call_->run.env = stonith_->env;
}

std::vector<std::string> ResourceController::stonith_env(const std::string& names) const
{
    // cluster-glue's reading of a stonith_host line: the values in the order of the names,
    // the last name taking the rest of the line, blanks and all.
    std::vector<std::string> env;
    const auto keys = base::split(names, base::whitespace);
    std::string_view rest = base::trim(settings_.stonith->params);
    for (std::size_t i = 0; i < keys.size() && !rest.empty(); ++i) {
        std::string_view value = rest;
        if (i + 1 < keys.size()) {
            const std::size_t end = rest.find_first_of(base::whitespace);
            value = rest.substr(0, end);
            rest =
                end == std::string_view::npos ? std::string_view{} : base::trim(rest.substr(end));
        }
        env.push_back(std::string(keys[i]) + "=" + std::string(value));
    }
    return env;
}

void ResourceController::on_stonith_result(TimePoint now, const ScriptResult& result)
{
    using Stage = StonithOp::Stage;
    StonithOp& op = *stonith_;
    const std::string& device = settings_.stonith->type;
    const bool reset = op.purpose == StonithOp::Purpose::reset;
    auto finish = [&](FenceResult outcome) {
        stonith_.reset();
        if (reset) {
            manager_.fence_done(now, outcome);
        } else if (outcome != FenceResult::reset) {
            HB_LOG(err) << "STONITH status operation failed.";
            HB_LOG(info) << "This may mean that the STONITH device has failed!";
        }
    };
    if (!result.succeeded()) {
        if (reset) {
            HB_LOG(err) << "Host " << op.node << " not reset!";
        } else {
            HB_LOG(err) << "STONITH device " << device << " not operational!";
        }
        finish(FenceResult::failed);
        return;
    }
    switch (op.stage) {
    case Stage::confignames:
        op.env = stonith_env(result.output);
        op.stage = reset ? Stage::gethosts : Stage::status;
        stonith_call({reset ? "gethosts" : "status"});
        return;
    case Stage::status: finish(FenceResult::reset); return;
    case Stage::gethosts: {
        const auto hosts = base::split(result.output, base::whitespace);
        if (std::none_of(hosts.begin(), hosts.end(),
                         [&](std::string_view h) { return base::iequals(h, op.node); })) {
            HB_LOG(err) << "Device " << device << " cannot reset host " << op.node << ".";
            finish(FenceResult::bad_host);
            return;
        }
        op.stage = Stage::reset;
        stonith_call({"reset", op.node});
        return;
    }
    case Stage::reset:
        HB_LOG(info) << "node " << op.node << " now reset.";
        finish(FenceResult::reset);
        return;
    }
}

void ResourceController::on_event(TimePoint now, const membership::Event& event,
                                  const membership::Membership& membership)
{
    using membership::EventKind;
    const std::string& peer = settings_.manager.peer;
    if (event.kind == EventKind::comm_up) {
        const membership::Node* p = membership.node(peer);
        const Presence presence = p != nullptr && p->status != membership::NodeStatus::dead
                                      ? Presence::alive
                                      : Presence::gone;
        if (auto* checking = std::get_if<Checking>(&phase_)) {
            checking->comm_up = presence;
        } else if (std::holds_alternative<Joining>(phase_)) {
            join(now, presence, {});
        }
        pump(now);
        return;
    }
    if (event.kind != EventKind::message && event.node != peer) {
        return;
    }
    if (auto* checking = std::get_if<Checking>(&phase_); checking != nullptr && checking->comm_up) {
        remember_early(*checking, event);
        return;
    }
    if (!managing()) {
        return;
    }
    switch (event.kind) {
    case EventKind::node_status:
        if (event.to == membership::NodeStatus::dead) {
            manager_.peer_dead();
        } else if (event.from == membership::NodeStatus::dead) {
            manager_.peer_returned();
        }
        break;
    case EventKind::node_restarted: manager_.peer_restarted(); break;
    case EventKind::partition_healed: manager_.partition_healed(now); break;
    case EventKind::message:
        if (is_resource_message(event.message.get("t").value_or(""))) {
            manager_.receive(now, event.node, event.message);
        }
        break;
    default: break;
    }
    pump(now);
}

void ResourceController::request_standby(TimePoint now, HoldSet set)
{
    if (!managing()) {
        HB_LOG(warn) << "standby request ignored: resources are not managed yet (no comm up)";
        return;
    }
    manager_.request_standby(now, set);
    pump(now);
}

void ResourceController::shutdown(TimePoint now)
{
    manager_.shutdown();
    pump(now);
}

void ResourceController::reconfigure(TimePoint now, ControllerSettings next)
{
    settings_.limits = next.limits;
    settings_.stonith = next.stonith;
    manager_.set_fencing(next.manager.fencing);
    if (settings_.stonith && !stonith_check_at_ && managing()) {
        stonith_check_at_ = now;
    } else if (!settings_.stonith) {
        stonith_check_at_.reset();
    }
    settings_.manager.groups = next.manager.groups;
    settings_.manager.auto_failback = next.manager.auto_failback;
    manager_.reconfigure(now, std::move(next.manager.groups), next.manager.auto_failback);
    pump(now);
}

void ResourceController::tick(TimePoint now)
{
    manager_.tick(now);
    pump(now);
}

std::optional<TimePoint> ResourceController::next_deadline() const
{
    std::optional<TimePoint> next = manager_.next_deadline();
    if (call_ && !call_->issued_at && call_->not_before && (!next || *call_->not_before < *next)) {
        next = call_->not_before;
    }
    if (stonith_check_at_ && (!next || *stonith_check_at_ < *next)) {
        next = stonith_check_at_;
    }
    return next;
}

void ResourceController::queue_call(RunReason reason, const std::string& group,
                                    const config::Resource& resource, ScriptAction action,
                                    std::vector<std::string> argv,
                                    std::optional<TimePoint> not_before)
{
    Call call;
    call.run.id = next_id_++;
    call.run.reason = reason;
    call.run.group = group;
    call.run.resource = resource;
    call.run.action = action;
    call.run.argv = std::move(argv);
    call.run.timeout = timeout_of(action);
    call.not_before = not_before;
    call_ = std::move(call);
}

void ResourceController::pump(TimePoint now)
{
    // One script call at a time: while one is queued or out, nothing else moves. Each pass
    // either returns, finishes an operation, or turns one of the manager's requests into an
    // operation, so the loop ends with the manager's (finite) queue.
    while (!call_) {
        if (operation_) {
            if (operation_->op.state() != GroupOpState::running) {
                finish_operation(now);
                continue;
            }
            const auto next = operation_->op.next();
            if (!next) {
                return;  // its call is out; on_result() goes on
            }
            queue_call(RunReason::group_operation, operation_->op.key(),
                       operation_->op.group().resources[next->resource], next->action, next->argv,
                       next->not_before);
            return;
        }
        if (!managing() || stonith_) {
            return;
        }
        if (settings_.stonith) {
            if (auto node = manager_.next_fence(now)) {
                start_stonith(
                    StonithOp{StonithOp::Purpose::reset, *node, StonithOp::Stage::confignames, {}});
                return;
            }
            if (stonith_check_at_ && now >= *stonith_check_at_) {
                stonith_check_at_ = now + std::chrono::hours(1);
                start_stonith(
                    StonithOp{StonithOp::Purpose::status, {}, StonithOp::Stage::confignames, {}});
                return;
            }
        }
        const auto request = manager_.next_request();
        if (!request) {
            return;
        }
        operation_.emplace(Operation{GroupOperation(request->group, request->kind, stop_retries()),
                                     Purpose::protocol, now});
    }
}

void ResourceController::finish_operation(TimePoint now)
{
    const GroupOpState result = operation_->op.state();
    const std::string key = operation_->op.key();
    const Purpose purpose = operation_->purpose;
    group_ops_done_.push_back(
        GroupOpDone{key, operation_->op.kind(), result,
                    std::chrono::duration_cast<Milliseconds>(now - operation_->started)});
    if (result != GroupOpState::succeeded) {
        HB_LOG(err) << to_string(operation_->op.kind()) << " of resource group " << key
                    << " failed: " << operation_->op.failure();
    }
    operation_.reset();
    if (purpose == Purpose::idle_release) {
        check_next_group(now);
    } else {
        manager_.group_done(now, key, result);
    }
}

std::vector<ScriptRun> ResourceController::take_runs(TimePoint now)
{
    if (!call_ || call_->issued_at || (call_->not_before && *call_->not_before > now)) {
        return {};
    }
    call_->issued_at = now;
    return {call_->run};
}

std::vector<wire::Message> ResourceController::take_messages()
{
    return manager_.take_messages();
}

std::vector<GroupOpDone> ResourceController::take_group_ops_done()
{
    return std::exchange(group_ops_done_, {});
}

std::vector<ScriptDone> ResourceController::take_scripts_done()
{
    return std::exchange(scripts_done_, {});
}

void ResourceController::log_failure(const ScriptRun& run, const ScriptResult& result) const
{
    if (result.outcome == ScriptOutcome::not_found) {
        HB_LOG(err) << "Cannot locate resource script " << run.resource.script;
    }
    if (result.outcome == ScriptOutcome::timed_out) {
        HB_LOG(err) << "Resource script for " << run.group << " (" << to_string(run.action)
                    << ") timed out after " << run.timeout.count()
                    << " ms: killed (its process group got SIGTERM, then SIGKILL)";
    } else if (!result.succeeded() && run.action != ScriptAction::status) {
        HB_LOG(err) << "Return code " << result.exit_code << " from " << run.group << " ("
                    << to_string(result.outcome) << ")";
    }
}

void ResourceController::on_idle_status(TimePoint now, const ScriptRun& run,
                                        const ScriptResult& result)
{
    const config::ResourceGroup* g = group(run.group);
    if (g == nullptr || !status_says_running(result.output)) {
        return;
    }
    // What 3.0.6's `ResourceManager verifyallidle` says, and then we act on it.
    HB_LOG(crit) << "Resource " << run.group << " is active, and should not be!";
    HB_LOG(crit) << "Non-idle resources can affect data integrity! Releasing group " << run.group
                 << " before joining the cluster";
    operation_.emplace(Operation{GroupOperation(*g, GroupOpKind::release, stop_retries()),
                                 Purpose::idle_release, now});
}

void ResourceController::on_result(TimePoint now, std::uint64_t id, const ScriptResult& result)
{
    if (!call_ || !call_->issued_at || call_->run.id != id) {
        return;
    }
    const ScriptRun run = std::move(call_->run);
    scripts_done_.push_back(
        ScriptDone{run.resource.script, run.action, result,
                   std::chrono::duration_cast<Milliseconds>(now - *call_->issued_at)});
    call_.reset();
    if (run.reason == RunReason::stonith) {
        if (stonith_) {
            on_stonith_result(now, result);
        }
    } else if (run.reason == RunReason::idle_check) {
        on_idle_status(now, run, result);
        if (!operation_) {
            check_next_group(now);
        }
    } else if (operation_) {
        log_failure(run, result);
        operation_->op.complete(now, result);
    }
    pump(now);
}

}  // namespace hb::resources
