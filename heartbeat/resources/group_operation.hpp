// SPDX-License-Identifier: GPL-2.0-or-later
// One resource group taken or given up, as heartbeat 3.0.6's ResourceManager does it
// (takegroup / givegroup), as a sans-IO sequencer: it says which script call comes next
// (and not before when), the caller runs it and hands back the result. Acquiring runs
// `status` then, if needed, `start` left to right and gives the whole group up when a start
// fails; releasing runs `stop` right to left, retrying a failed stop, and asks `status`
// before declaring a stop failure.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/haresources.hpp"

namespace hb::resources {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Milliseconds = std::chrono::milliseconds;

/// What a resource script is asked to do (its last argument).
enum class ScriptAction { start, stop, status };

std::string_view to_string(ScriptAction action);

/// heartbeat judges `status` by what the script prints, not by its exit code:
/// "not running" (any case) → not running; "running" or "OK" → running; anything else → not.
bool status_says_running(std::string_view output);

/// The order in which a group's resources start (indices into `group.resources`; they stop
/// in the reverse order): haresources order, except that each `ipvsadm-wrapper` moves before
/// the group's first IPaddr/IPaddr2. An LVS table needs no local address, and loaded first it
/// is in place when the VIP's gratuitous ARP brings the clients: otherwise requests arriving
/// in between reach the director's own TCP stack and are reset. On release the address goes
/// first, so in-flight packets are still forwarded while it is removed.
std::vector<std::size_t> start_order(const config::ResourceGroup& group);

/// True for the agents a takeover starts without a `status` first, because their `start`
/// checks for itself and changes nothing when the resource is already there: our address
/// agents (IPaddr, IPaddr2, IPv6addr; 3.0.6's IPaddr does the same) and ipvsadm-wrapper
/// (whose start compares the live table with the applied one). A status first would only
/// put one more script run on the takeover's path. Every other script gets status first.
bool starts_without_status(std::string_view script);

/// A script call to make.
struct ScriptCall {
    std::size_t resource = 0;  ///< index in the group
    ScriptAction action = ScriptAction::status;
    std::vector<std::string> argv;        ///< the resource's `::` arguments, then the action
    std::optional<TimePoint> not_before;  ///< run no earlier than this (stop retries)
};

/// How a script call ended: the process runner's outcomes, plus a script not found.
enum class ScriptOutcome { exited, signalled, timed_out, spawn_failed, not_found };
/// The word used in log lines (`exited`, `signalled`, `timed out`, `spawn failed`, `not found`).
std::string_view to_string(ScriptOutcome outcome);

/// What came of a script call.
struct ScriptResult {
    ScriptOutcome outcome = ScriptOutcome::spawn_failed;
    int exit_code = -1;  ///< its exit status when it exited, else -1
    std::string output;  ///< stdout
    /// True when the call succeeded as heartbeat counts success (exit code 0).
    bool succeeded() const { return outcome == ScriptOutcome::exited && exit_code == 0; }
};

/// Taking or giving up a group.
enum class GroupOpKind { acquire, release };
/// Where an operation is. `stuck`: a stop failed and the resource still runs, so the group
/// is neither ours nor free (heartbeat 3.0.6 reboots the node here).
enum class GroupOpState { running, succeeded, failed, stuck };

std::string_view to_string(GroupOpKind kind);
std::string_view to_string(GroupOpState state);

/// Sequencer for one operation on one group.
class GroupOperation {
public:
    /// `stop_retries`: extra attempts after a failed stop (heartbeat's HA_STOPRETRYMAX, 10).
    GroupOperation(const config::ResourceGroup& group, GroupOpKind kind, int stop_retries = 10,
                   Milliseconds retry_delay = Milliseconds(1000));

    /// The next call, or nullopt while one is outstanding or when finished.
    std::optional<ScriptCall> next();
    /// The outstanding call's result.
    void complete(TimePoint now, const ScriptResult& result);

    GroupOpState state() const { return state_; }
    GroupOpKind kind() const { return kind_; }
    const std::string& key() const { return group_.key(); }
    /// The group as this operation runs it (its definition when the operation began).
    const config::ResourceGroup& group() const { return group_; }
    /// Why it failed (empty unless failed or stuck).
    const std::string& failure() const { return failure_; }

private:
    enum class Phase { check, start, stop, check_after_stop };
    /// The first step of acquiring the resource at index_: its status, or its start.
    Phase acquire_phase() const;
    /// How the stops are going: all well, giving the group up after a failed start, or a
    /// resource that would not stop (which outranks a failed start).
    enum class Verdict { clean, start_failed, stuck };

    ScriptCall call(std::size_t resource, ScriptAction action) const;
    void begin_release_after_failure(std::size_t failed);
    void stop_next_or_finish();

    config::ResourceGroup group_;
    std::vector<std::size_t> order_;  ///< start_order(group_)
    GroupOpKind kind_;
    int stop_retries_;
    Milliseconds retry_delay_;
    GroupOpState state_ = GroupOpState::running;
    Phase phase_ = Phase::check;
    std::size_t index_ = 0;  ///< position in order_ of the resource being worked on
    int attempts_ = 0;       ///< failed stops of the current resource
    bool outstanding_ = false;
    std::optional<TimePoint> not_before_;
    Verdict verdict_ = Verdict::clean;
    std::string failure_;
};

}  // namespace hb::resources
