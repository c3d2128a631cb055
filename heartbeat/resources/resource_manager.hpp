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
    "starting", "resource", "ask_resources", "shutdone", "ip-request", "ip-request-resp",
    "hb_takeover"};
/// True when messages of type `type` (their `t` field) go to the resource manager.
bool is_resource_message(std::string_view type);

/// The manager's phase (3.0.6's resourcestate).
enum class RscState { init, starting, bothstarting, rscrcvd, stable, shutdown };
std::string_view to_string(RscState state);

/// A group operation for the caller to run (GroupOperation), or done.
struct GroupRequest {
    std::string key;
    GroupOpKind kind = GroupOpKind::acquire;
};

/// What the manager needs to know.
struct RscSettings {
    std::string self;
    std::string peer;  ///< the other node ("" when alone in ha.cf)
    std::vector<config::ResourceGroup> groups;
    config::AutoFailback auto_failback = config::AutoFailback::on;
    Milliseconds rqst_delay{10000};  ///< 3.0.6's RQSTDELAY, kept with a 3.0.6 peer
};

class ResourceManager {
public:
    explicit ResourceManager(RscSettings settings);

    /// Membership is up. `peer_alive`: the peer answered (false: it was declared dead).
    void comm_up(TimePoint now, bool peer_alive);
    /// A resource message from the peer (starting, resource, ask_resources, shutdone,
    /// ip-request, ip-request-resp).
    void receive(TimePoint now, const std::string& from, const wire::Message& message);
    /// The peer was declared dead.
    void peer_dead(TimePoint now);
    /// The peer is back after it died or restarted (a new generation).
    void peer_returned(TimePoint now);
    /// The peer, declared dead, is back with the same generation.
    void partition_healed(TimePoint now);
    /// Go standby: give `set` (our point of view) to the peer. False when refused now.
    bool request_standby(TimePoint now, HoldSet set);
    /// Give everything up and tell the peer (SIGTERM). shutdown_complete() says when done.
    void shutdown(TimePoint now);
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

    /// Messages to sign and send (control fields not yet added), in order; clears them.
    std::vector<wire::Message> take_messages();

    /// `cl_status rscstatus`: none/local/foreign/all when stable, else `transition`.
    std::string rscstatus() const;
    HoldSet held() const { return held_; }
    RscState state() const { return state_; }
    bool peer_is_stable() const { return other_is_stable_; }
    HoldSet peer_holds() const { return other_holds_; }
    /// Groups whose scripts succeeded and that we have not released (key → true).
    const std::map<std::string, bool>& running() const { return running_; }
    /// True after shutdown() once every group was released and `shutdone` queued.
    bool shutdown_complete() const { return shutdown_complete_; }
    /// True when the peer is one of ours (it says so in its messages).
    bool peer_is_ours() const { return peer_is_ours_; }

private:
    enum class Standby { none, me, other, done };
    struct Step {
        enum class Kind { acquire, release, mark_standby_released, mark_standby_acquired,
                          mark_shutdown_released, mark_settled, reply_ip_request };
        Kind kind = Kind::acquire;
        std::string key;
        HoldSet set = HoldSet::none;
        bool weown = false;  ///< reply_ip_request: we held the group and released it
    };

    std::vector<std::string> keys_of(HoldSet set) const;
    /// The sides of `set` with a group that still runs after its release (a failed stop).
    HoldSet stuck_in(HoldSet set) const;
    void send_resource(std::optional<bool> stable, std::string_view info = {});
    void send_standby(HoldSet set, std::string_view info);
    void acquire(HoldSet set);
    void release(HoldSet set);
    void take_our_groups();
    void become_stable(TimePoint now);
    void perform_auto_failback(TimePoint now);
    void on_resource(TimePoint now, const wire::Message& message);
    void on_ask_resources(TimePoint now, const wire::Message& message);
    void on_shutdone(TimePoint now);
    void watch_contested_groups();
    bool legacy() const { return settings_.auto_failback == config::AutoFailback::legacy; }
    bool is_local_key(const std::string& key) const;
    bool runs_or_starts(const std::string& key) const;
    void send_ip_request(TimePoint now, const std::string& key);
    void on_ip_request(TimePoint now, const wire::Message& message);
    void on_hb_takeover(TimePoint now, const wire::Message& message);
    void on_ip_request_resp(TimePoint now, const wire::Message& message);
    void take_pending_requests();
    /// Releases the peer's groups we run or start; `tell_peer`: answer weown=yes for each;
    /// `log_each`: log each as given back to a returning peer.
    void release_peer_groups(bool tell_peer, bool log_each);
    void ask_again(TimePoint now, bool due_only);
    void run_markers();
    void add(Step step);

    RscSettings settings_;
    RscState state_ = RscState::init;
    HoldSet held_ = HoldSet::none;
    HoldSet other_holds_ = HoldSet::none;
    bool other_is_stable_ = false;
    bool peer_is_ours_ = false;
    bool peer_alive_ = false;  ///< heard since it last died or shut down
    bool needs_failback_ = false;
    bool reannounce_after_peer_release_ = false;
    bool restart_on_shutdone_ = false;  ///< a 3.0.6 peer's partition restart is due
    std::optional<TimePoint> local_takeover_at_;
    Standby standby_ = Standby::none;
    bool standby_requester_ = false;
    HoldSet standby_set_ = HoldSet::none;
    std::optional<TimePoint> standby_deadline_;
    std::optional<TimePoint> failback_retry_at_;
    std::map<std::string, TimePoint> ip_requests_;  ///< legacy: key asked for → ask again at
    bool shutdown_complete_ = false;
    bool shutdown_blocked_ = false;  ///< a group would not stop: no `shutdone` yet
    std::optional<TimePoint> shutdown_retry_at_;

    std::deque<Step> steps_;
    bool step_running_ = false;
    std::map<std::string, bool> running_;
    std::vector<wire::Message> messages_;
};

}  // namespace hb::resources
