// SPDX-License-Identifier: GPL-2.0-or-later
// The resource controller: every decision between membership and the resource scripts, as
// a sans-IO core. It takes membership events, the peer's resource messages, requests
// (standby, shutdown), script results and time; it gives back the script runs to start,
// the messages to send and the next deadline. It runs the start-up idle check, turns the
// manager's group requests into GroupOperations one at a time, and says what follows each
// result. Which file a script is and how a process is spawned are the caller's business.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/ha_cf.hpp"
#include "config/haresources.hpp"
#include "membership/membership.hpp"
#include "resources/group_operation.hpp"
#include "resources/resource_manager.hpp"
#include "wire/message.hpp"

namespace hb::resources {

/// Why a script runs: the start-up idle check (not logged as a run), a group operation, or
/// the STONITH plugin (`external/NAME OP [HOST]`, its parameters in the environment).
enum class RunReason { idle_check, group_operation, stonith };

/// A script for the caller to run now, then hand back with on_result(id, …).
struct ScriptRun {
    std::uint64_t id = 0;
    RunReason reason = RunReason::group_operation;
    std::string group;          ///< the group's key
    config::Resource resource;  ///< which script (`resource.script`) and its log tag
    ScriptAction action = ScriptAction::status;
    std::vector<std::string> argv;  ///< the resource's `::` arguments, then the action
    Milliseconds timeout{0};        ///< kill its process group after this
    std::vector<std::string> env;   ///< stonith: the plugin's parameters, NAME=value
};

/// A group operation that ended, for the metrics.
struct GroupOpDone {
    std::string group;
    GroupOpKind kind = GroupOpKind::acquire;
    GroupOpState outcome = GroupOpState::succeeded;
    Milliseconds took{0};
};

/// A script call that ended, for the metrics.
struct ScriptDone {
    std::string script;
    ScriptAction action = ScriptAction::status;
    ScriptResult result;
    Milliseconds took{0};
};

/// What the controller needs to know.
struct ControllerSettings {
    RscSettings manager;
    config::HaCf::ScriptLimits limits;
    std::optional<config::StonithHost> stonith;  ///< this node's device (manager.fencing)
};

/// The settings for node `self` (its peer: the other normal node of ha.cf).
ControllerSettings controller_settings(const config::HaCf& ha_cf, const std::string& self,
                                       const std::vector<config::ResourceGroup>& groups);

class ResourceController {
public:
    explicit ResourceController(ControllerSettings settings);
    ResourceController(const ResourceController&) = delete;
    ResourceController& operator=(const ResourceController&) = delete;

    /// Before joining: checks whether groups were left running by an earlier run (kill -9
    /// leaves a VIP in place) and releases those, so a group is only started by the protocol.
    void start(TimePoint now);
    /// A membership event; `membership` answers whether the peer is alive at comm up.
    void on_event(TimePoint now, const membership::Event& event,
                  const membership::Membership& membership);
    /// The result of the run with this id (unknown ids are ignored).
    void on_result(TimePoint now, std::uint64_t id, const ScriptResult& result);
    /// hb_standby: give `set` (our point of view) to the peer.
    void request_standby(TimePoint now, HoldSet set);
    /// Gives every group up, then says `shutdone`; shutdown_complete() says when.
    void shutdown(TimePoint now);
    /// A reload: new groups, auto_failback (on/off) and script limits. The manager decides
    /// what to stop and start; an operation under way finishes with what it started with.
    void reconfigure(TimePoint now, ControllerSettings next);
    /// Runs what is due at `now`.
    void tick(TimePoint now);
    /// When tick() must next run (nullopt: nothing pending on time).
    std::optional<TimePoint> next_deadline() const;

    /// Scripts to start now (at most one at a time, in order); clears them.
    std::vector<ScriptRun> take_runs(TimePoint now);
    /// Messages for membership to send; clears them.
    std::vector<wire::Message> take_messages();
    /// Group operations and script calls that ended since the last call; clears them.
    std::vector<GroupOpDone> take_group_ops_done();
    std::vector<ScriptDone> take_scripts_done();

    /// True once comm came up after the idle check: the manager runs.
    bool managing() const { return std::holds_alternative<Managing>(phase_); }
    bool shutdown_complete() const { return manager_.shutdown_complete(); }
    /// `cl_status rscstatus`.
    std::string rscstatus() const { return manager_.rscstatus(); }
    const ResourceManager& manager() const { return manager_; }

private:
    /// The start-up idle check: the key resource of each group in turn, `next` the next
    /// group to look at; `comm_up` holds the peer's presence if comm came up meanwhile, kept
    /// up to date since, and `early` the peer's resource messages since comm up, for the
    /// manager once it runs.
    struct Checking {
        std::size_t next = 0;
        std::optional<Presence> comm_up;
        std::vector<std::pair<std::string, wire::Message>> early;  ///< (sender, message)
    };
    /// The check is done and comm is not up yet.
    struct Joining {};
    struct Managing {};
    using Phase = std::variant<Checking, Joining, Managing>;

    /// Why an operation runs: releasing what an earlier run left, or for the manager.
    enum class Purpose { idle_release, protocol };
    struct Operation {
        GroupOperation op;
        Purpose purpose;
        TimePoint started;
    };
    /// The one script call in progress: waiting for its time, or handed to the caller.
    struct Call {
        ScriptRun run;
        std::optional<TimePoint> not_before;
        std::optional<TimePoint> issued_at;  ///< handed to the caller then
    };

    /// A use of the STONITH plugin: its parameter names first (`getconfignames`), then a
    /// status check, or `gethosts` and the reset of `node`.
    struct StonithOp {
        enum class Purpose { status, reset };
        enum class Stage { confignames, status, gethosts, reset };
        Purpose purpose;
        std::string node;
        Stage stage = Stage::confignames;
        std::vector<std::string> env;
    };

    const config::ResourceGroup* group(const std::string& key) const;
    void start_stonith(StonithOp op);
    void stonith_call(const std::vector<std::string>& argv);
    void on_stonith_result(TimePoint now, const ScriptResult& result);
    /// The parameters as the plugin's environment, named by its `getconfignames` output.
    std::vector<std::string> stonith_env(const std::string& names) const;
    void check_next_group(TimePoint now);
    void join(TimePoint now, Presence peer,
              const std::vector<std::pair<std::string, wire::Message>>& early);
    /// An event while the idle check runs after comm up: what the manager must learn when
    /// it starts.
    void remember_early(Checking& checking, const membership::Event& event);
    void pump(TimePoint now);
    void finish_operation(TimePoint now);
    void queue_call(RunReason reason, const std::string& group, const config::Resource& resource,
                    ScriptAction action, std::vector<std::string> argv,
                    std::optional<TimePoint> not_before);
    void on_idle_status(TimePoint now, const ScriptRun& run, const ScriptResult& result);
    void log_failure(const ScriptRun& run, const ScriptResult& result) const;
    Milliseconds timeout_of(ScriptAction action) const;
    int stop_retries() const;

    ControllerSettings settings_;
    ResourceManager manager_;
    Phase phase_ = Joining{};
    std::optional<Operation> operation_;
    std::optional<StonithOp> stonith_;
    std::optional<TimePoint> stonith_check_at_;  ///< the device's next status check
    std::optional<Call> call_;
    std::uint64_t next_id_ = 1;
    std::vector<GroupOpDone> group_ops_done_;
    std::vector<ScriptDone> scripts_done_;
};

}  // namespace hb::resources
