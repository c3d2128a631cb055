// SPDX-License-Identifier: GPL-2.0-or-later
// Who holds which resource group: heartbeat 3.0.6's v1 resource manager for two nodes
// (auto_failback on/off), as a sans-IO state machine (doc/notes/resources-3.0.6.md). Its
// inputs are membership facts (comm up, peer dead, partition healed), the peer's resource
// messages, the results of group operations, requests (standby, shutdown) and time; its
// outputs are messages to send and group operations to run, one at a time, in order.
// The wire messages are 3.0.6's (starting, resource, ask_resources, shutdone; with
// `auto_failback legacy`, ip-request and ip-request-resp), so a real 3.0.6 peer and this one
// hand groups to each other.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/ha_cf.hpp"
#include "config/haresources.hpp"
#include "resources/group_operation.hpp"
#include "wire/message.hpp"

namespace hb::resources {

/// A set of groups from one node's point of view (3.0.6's 2-bit mask).
enum class HoldSet : std::uint8_t { none = 0, local = 1, foreign = 2, all = 3 };

std::string_view to_string(HoldSet set);
/// Parses `none|local|foreign|all` (case-sensitive, as 3.0.6); nullopt otherwise.
std::optional<HoldSet> hold_set_from(std::string_view text);
/// The same groups seen from the other node (local ↔ foreign).
HoldSet mirror(HoldSet set);
HoldSet operator|(HoldSet a, HoldSet b);
HoldSet operator&(HoldSet a, HoldSet b);
HoldSet operator~(HoldSet a);
/// True when `set` includes every group of `part`.
bool holds(HoldSet set, HoldSet part);

/// The cluster message types the resource manager handles: 3.0.6's v1 resource messages,
/// and hb_takeover (which 3.0.6 leaves to a script in rc.d).
inline constexpr std::array<std::string_view, 7> resource_message_types = {
    "starting",   "resource",        "ask_resources", "shutdone",
    "ip-request", "ip-request-resp", "hb_takeover"};
/// True when messages of type `type` (their `t` field) go to the resource manager.
bool is_resource_message(std::string_view type);

/// The manager's phase (3.0.6's resourcestate).
enum class RscState { init, starting, bothstarting, rscrcvd, stable, shutdown };
std::string_view to_string(RscState state);

/// A group operation for the caller to run (GroupOperation), or done.
struct GroupRequest {
    std::string key;
    GroupOpKind kind = GroupOpKind::acquire;
    /// The group to run it on: for a release, the definition it was started with (a reload
    /// may have changed or removed it since); for an acquire, the current one.
    config::ResourceGroup group;
};

/// Whether a node is there: heard since it last died or shut down, or not.
enum class Presence { gone, alive };
/// What the peer last said of its resources (`isstable`).
enum class Stability { in_flux, stable };
/// What a group's scripts are doing here, as far as their results say.
enum class GroupState { stopped, running, stuck };
/// How a standby request was taken.
enum class StandbyAnswer { accepted, refused };

std::string_view to_string(GroupState state);

/// Whether a dead peer is reset before its groups are taken over (a `stonith_host` line).
enum class Fencing { none, stonith };
/// How a reset of the peer went (3.0.6's T_STONITH_OK / T_STONITH_BADHOST / T_STONITH_BAD).
enum class FenceResult { reset, bad_host, failed };

/// What the manager needs to know.
struct RscSettings {
    std::string self;
    std::string peer;  ///< the other node ("" when alone in ha.cf)
    std::vector<config::ResourceGroup> groups;
    config::AutoFailback auto_failback = config::AutoFailback::on;
    Milliseconds rqst_delay{10000};  ///< 3.0.6's RQSTDELAY, kept with a 3.0.6 peer
    Fencing fencing = Fencing::none;
};

class ResourceManager {
public:
    explicit ResourceManager(RscSettings settings);

    /// Membership is up; `peer` says whether the peer answered or was declared dead.
    void comm_up(TimePoint now, Presence peer);
    /// A resource message from the peer (starting, resource, ask_resources, shutdone,
    /// ip-request, ip-request-resp, hb_takeover).
    void receive(TimePoint now, const std::string& from, const wire::Message& message);
    /// The peer was declared dead.
    void peer_dead();
    /// The peer is back after it died or restarted (a new generation).
    void peer_returned();
    /// The peer runs as a new process (a new generation): it holds nothing it held before.
    void peer_restarted();
    /// The peer, declared dead, is back with the same generation.
    void partition_healed(TimePoint now);
    /// Go standby: give `set` (our point of view) to the peer.
    StandbyAnswer request_standby(TimePoint now, HoldSet set);
    /// Give everything up and tell the peer (SIGTERM). shutdown_complete() says when done.
    void shutdown();
    /// A reload: the groups are now `groups`, auto_failback `mode` (on or off; legacy is
    /// only changed by a restart). A removed group that runs here is stopped; a changed one
    /// that runs here is stopped, then started again if its side is held here; a new one is
    /// started if its side is held here. Unchanged groups are not touched. While a
    /// transition or a standby is under way, this waits until it is over.
    void reconfigure(TimePoint now, std::vector<config::ResourceGroup> groups,
                     config::AutoFailback mode);
    /// A reload: whether a dead peer is reset first, from the next death on.
    void set_fencing(Fencing fencing) { settings_.fencing = fencing; }
    /// Runs timers due at `now`.
    void tick(TimePoint now);
    /// When tick() must next run (nullopt: no timer).
    std::optional<TimePoint> next_deadline() const;

    /// The next group operation to run, if none is running; call group_done() after it.
    std::optional<GroupRequest> next_request();
    /// The running operation on `key` finished as `result` (succeeded: the group is now
    /// held, or free; failed: a start failed and the group was given up; stuck: a stop
    /// failed and it still runs).
    void group_done(TimePoint now, const std::string& key, GroupOpState result);

    /// The node to reset now, before the takeover that waits behind it (nullopt: none due;
    /// call fence_done() after it).
    std::optional<std::string> next_fence(TimePoint now);
    /// The reset handed out by next_fence() ended: on `reset` the takeover goes on; else it
    /// is tried again 5 s later, and nothing of the peer's is started meanwhile (3.0.6).
    void fence_done(TimePoint now, FenceResult result);

    /// Messages to sign and send (control fields not yet added), in order; clears them.
    std::vector<wire::Message> take_messages();

    /// `cl_status rscstatus`: none/local/foreign/all when stable, else `transition`.
    std::string rscstatus() const;
    RscState state() const { return state_; }
    /// Each group's state here (groups never operated on are absent: stopped).
    const std::map<std::string, GroupState>& groups() const { return groups_; }
    /// True after shutdown() once every group was released and `shutdone` queued.
    bool shutdown_complete() const { return std::holds_alternative<ShutdownComplete>(shutdown_); }
    /// True when the peer is one of ours (it says so in its messages).
    bool peer_is_ours() const { return peer_.kind == PeerKind::ours; }

private:
    /// The peer as its messages and membership describe it.
    enum class PeerKind { heartbeat_306, ours };
    struct PeerView {
        PeerKind kind = PeerKind::heartbeat_306;  ///< ours once it sends our `impl` field
        Presence presence = Presence::gone;
        Stability stability = Stability::in_flux;
        HoldSet holds = HoldSet::none;  ///< its last claim, its point of view
    };

    /// The standby protocol (ask_resources me → other → done → done), one phase per side.
    struct StandbyAsked {  ///< we sent `me`; without `other` by the deadline: cancelled
        TimePoint deadline;
    };
    struct StandbyReleasing {  ///< the peer said `other`: we give the set up
        TimePoint deadline;
    };
    struct StandbyReleased {};   ///< we said `done`; waiting for the peer's
    struct StandbyGranting {};   ///< the peer said `me`, we `other`; waiting for its `done`
    struct StandbyAcquiring {};  ///< the peer released: we take the set
    using Standby = std::variant<std::monostate, StandbyAsked, StandbyReleasing, StandbyReleased,
                                 StandbyGranting, StandbyAcquiring>;

    /// A takeover made us hold the peer's groups: with auto_failback on, give them back once
    /// it is back and stable (tried again every second while that cannot be done).
    struct FailbackDue {
        std::optional<TimePoint> retry_at;
    };

    /// The peer claims our groups while we run them (it took them in a partition); once it
    /// lets go, we start them again so that they are announced from here.
    enum class PeerClaim { none, ours_too };
    /// A 3.0.6 peer healing a partition restarts: when its `shutdone` comes, start what we
    /// run again, so that it is announced from here.
    enum class OnShutdone { nothing, reannounce };

    /// A reload's new groups, waiting for the end of a transition (tried again at retry_at).
    struct Regroup {
        std::vector<config::ResourceGroup> groups;
        config::AutoFailback mode;
        TimePoint retry_at;
    };

    /// Shutdown's progress: releasing; blocked by a group that would not stop (its release
    /// is tried again at retry_at); complete (`shutdone` queued).
    struct ShutdownReleasing {};
    struct ShutdownBlocked {
        std::optional<TimePoint> retry_at;
    };
    struct ShutdownComplete {};
    using Shutdown =
        std::variant<std::monostate, ShutdownReleasing, ShutdownBlocked, ShutdownComplete>;

    /// What a `resource` report says: a partial claim (no rtype/isstable), or a full one.
    enum class Report { partial, in_flux, stable };
    /// Why the peer's groups are given back, which decides what we tell it and log.
    enum class GiveBack { to_returning_306, to_returning_ours, after_heal };
    /// Which unanswered ip-requests to send again.
    enum class Resend { due, all };
    /// An ip-request-resp's `weown`.
    enum class WeOwn { no, yes };

    struct Step {
        enum class Kind {
            acquire,
            release,
            mark_standby_released,
            mark_standby_acquired,
            mark_shutdown_released,
            mark_settled,
            reply_ip_request,
            fence,  ///< reset `key` (the peer) before what follows
        };
        explicit Step(Kind k, std::string group_key = {}, HoldSet s = HoldSet::none,
                      WeOwn w = WeOwn::no)
            : kind(k),
              key(std::move(group_key)),
              set(s),
              weown(w)
        {}
        Kind kind;
        std::string key;
        HoldSet set;
        WeOwn weown;                  ///< reply_ip_request: we held the group and released it
        config::ResourceGroup group;  ///< acquire/release: resolved when handed out
        std::optional<TimePoint> not_before;  ///< fence: a retry waits until then
    };

    std::vector<std::string> keys_of(HoldSet set) const;
    /// The sides of `set` with a group that still runs after its release (a failed stop).
    HoldSet stuck_in(HoldSet set) const;
    void send_resource(Report report, std::string_view info = {});
    void send_standby(HoldSet set, std::string_view info);
    void acquire(HoldSet set);
    void release(HoldSet set);
    void take_our_groups();
    void become_stable();
    void perform_auto_failback(TimePoint now);
    void on_resource(TimePoint now, const wire::Message& message);
    void on_ask_resources(TimePoint now, const wire::Message& message);
    void on_shutdone();
    void cancel_standby();
    bool standby_idle() const { return std::holds_alternative<std::monostate>(standby_); }
    /// No group operation queued or out.
    bool work_idle() const { return steps_.empty() && !handed_out_; }
    void watch_contested_groups();
    bool legacy() const { return settings_.auto_failback == config::AutoFailback::legacy; }
    bool is_local_key(const std::string& key) const;
    bool runs_or_starts(const std::string& key) const;
    bool runs(const std::string& key) const;
    void send_ip_request(TimePoint now, const std::string& key);
    void on_ip_request(TimePoint now, const wire::Message& message);
    void on_hb_takeover(TimePoint now, const wire::Message& message);
    void on_ip_request_resp(const wire::Message& message);
    void take_pending_requests();
    void release_peer_groups(GiveBack why);
    /// Ours lets go of what a 3.0.6 peer also runs unless the peer settles it by `until`
    /// (yield_to_306): after a heal, 3.0.6 should give everything up and restart; after it
    /// claimed our groups while we heard it all along, it should release them.
    struct Wait306 {
        enum class After { heal, claim };
        After after = After::heal;
        TimePoint until;
    };
    void yield_to_306(Wait306::After after);
    /// A 3.0.6 peer is to give everything up and restart after a heal, and has not yet.
    bool restart_306_due() const { return wait_306_ && wait_306_->after == Wait306::After::heal; }
    void forget_deaths();
    void ask_again(TimePoint now, Resend which);
    void run_markers();
    void add(Step step);
    void send_stonith(const std::string& node, std::string_view result);
    /// The definition an acquire or release of `step.key` runs on now (nullptr: none, the
    /// group was removed and does not run here).
    const config::ResourceGroup* definition_for(const Step& step) const;
    const config::ResourceGroup* current_group(const std::string& key) const;
    HoldSet side_of(const config::ResourceGroup& group) const;
    bool can_regroup() const;
    void maybe_regroup(TimePoint now);
    void regroup(TimePoint now, Regroup next);
    /// Drops the queued (not handed out) acquires and releases of `key`.
    void drop_queued(const std::string& key);

    RscSettings settings_;
    RscState state_ = RscState::init;
    HoldSet held_ = HoldSet::none;
    PeerView peer_;
    std::optional<TimePoint> local_takeover_at_;  ///< rscrcvd: RQSTDELAY runs out
    Standby standby_;
    std::optional<FailbackDue> failback_;
    PeerClaim peer_claim_ = PeerClaim::none;
    OnShutdone on_shutdone_ = OnShutdone::nothing;
    std::optional<Wait306> wait_306_;  ///< a 3.0.6 peer is to settle a conflict by then
    /// What we took over at the peer's deaths, and what it had said it held before them,
    /// since it last restarted or settled a heal: a 3.0.6 peer that saw no heal of its own
    /// still holds all that (yield_to_306), whether or not it announced anything since.
    HoldSet taken_at_death_ = HoldSet::none;
    HoldSet held_before_death_ = HoldSet::none;     ///< in the peer's terms, as peer_.holds
    std::map<std::string, TimePoint> ip_requests_;  ///< key asked for → ask again at
    Shutdown shutdown_;

    std::deque<Step> steps_;
    std::optional<Step> handed_out_;  ///< the operation next_request() handed out
    std::map<std::string, GroupState> groups_;
    /// What each group that runs (or is stuck) here was started with.
    std::map<std::string, config::ResourceGroup> running_defs_;
    std::optional<Regroup> regroup_;
    std::vector<wire::Message> messages_;
};

}  // namespace hb::resources
