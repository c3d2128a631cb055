// SPDX-License-Identifier: GPL-2.0-or-later
// Membership: who is alive, over which links — heartbeat 3.0.6's protocol as a sans-IO
// state machine. It builds our status messages (and every cluster message's control
// fields), judges each verified incoming message (generation, sequence, replay, duplicates,
// retransmission, ACKs), and decides node and link states from deadlines. The caller passes
// `now`, feeds verified messages, calls tick() at next_deadline(), and drains the messages to
// send and the events to act on. No sockets, no clocks, no threads here.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/value_parsers.hpp"
#include "membership/seq_tracker.hpp"
#include "wire/message.hpp"

namespace hb::membership {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using base::Milliseconds;

/// A node's status as heartbeat reports it (`cl_status nodestatus`).
enum class NodeStatus { init, up, active, dead, ping };
/// A normal cluster node, or a ping node (`ping`/`ping_group`): a host that only answers
/// ICMP echo, whose status is `ping` while it answers and `dead` when it stops.
enum class NodeType { normal, ping };
/// A link's status (one link per node and medium).
enum class LinkStatus { up, dead };

std::string_view to_string(NodeStatus status);
std::string_view to_string(LinkStatus status);

/// Wall time and load, which go into every message (`ts`, `ld`).
class HostInfo {
public:
    virtual ~HostInfo() = default;
    /// Seconds since the epoch.
    virtual std::uint64_t unix_time() const = 0;
    /// The first line of /proc/loadavg without its newline.
    virtual std::string load_average() const = 0;
};

/// The newest generation, and the newest seq within it, heard from a peer. What a peer
/// sent at or below it is a replay once we know of it, also after a restart of ours: a
/// recording of its older packets, sent to us after we started again, would otherwise be
/// taken for the peer itself (heartbeat 3.0.6 forgets at every restart).
struct ReplayFloor {
    std::uint64_t generation = 0;
    std::uint64_t seq = 0;

    /// True when a message of `gen` with `seq` is at or below the floor.
    bool covers(std::uint64_t gen, std::uint64_t seq_in_gen) const
    {
        return gen < generation || (gen == generation && seq_in_gen <= seq);
    }
    bool operator==(const ReplayFloor&) const = default;
};
/// Floors by node name.
using ReplayFloors = std::map<std::string, ReplayFloor>;

/// What membership needs from the configuration and the state directory.
struct Settings {
    std::string self;                ///< our node name, lower-cased
    std::string self_uuid;           ///< 16 raw bytes
    std::uint64_t generation = 1;    ///< this run's generation (hb_generation)
    std::vector<std::string> nodes;  ///< normal nodes in ha.cf order, including ourselves
    std::vector<std::string> media;  ///< link names in ha.cf order (bcast/ucast/mcast device)
    /// The media that are links of a serial ring (`serial` lines), by index into `media`:
    /// what comes in on one is passed on along the others (see Forward).
    std::vector<std::size_t> ring_media;
    Milliseconds keepalive{1000};
    Milliseconds deadtime{30000};
    Milliseconds warntime{15000};
    Milliseconds initdead{30000};
    int hopfudge = 1;
    Milliseconds max_rexmit_delay{250};
    std::uint32_t seed = 1;  ///< randomness: keepalive jitter, ack trigger, rexmit delay
    /// A ping node and the hosts it is reached by (one for `ping`, several for `ping_group`,
    /// alive while any answers); each host is one of its links.
    struct PingNode {
        std::string name;
        std::vector<std::string> hosts;
    };
    std::vector<PingNode> ping_nodes;
    Milliseconds deadping{30000};
    /// Keep replay floors across restarts: enforce `replay_floors` (what a previous run
    /// heard) and offer newer ones to save (take_replay_floors_due). Only worth it when
    /// every key is keyed (md5, sha1): with crc anyone can forge a message anyway.
    bool keep_replay_floors = false;
    ReplayFloors replay_floors;
};

/// A message of another node to pass on along a serial ring: to sign again (its `ttl` one
/// less) and put on every ring medium but the one it came in on. A node between two serial
/// ports is how the nodes beyond it hear each other; `ttl` (hopfudge + nodes) ends loops.
struct Forward {
    wire::Message message;
    std::size_t from_medium = 0;
};

/// An ICMP echo to send: its payload is `message` signed, as if sent by ping node `node`.
struct Ping {
    std::string node;
    wire::Message message;
};

/// A link: one medium as seen from one node.
struct Link {
    std::string name;
    LinkStatus status = LinkStatus::dead;
    std::optional<TimePoint> last_heard;  ///< on the time we ran, as Node::last_status
    std::uint64_t heard = 0;              ///< messages (echo replies) that proved it works
};

/// Everything we know about one node.
struct Node {
    std::string name;
    NodeType type = NodeType::normal;
    std::string uuid;  ///< learnt from srcuuid (16 bytes) or empty
    NodeStatus status = NodeStatus::init;
    std::string reported_status = "init";  ///< `st` as the node last sent it
    bool heard = false;                    ///< any packet yet (heartbeat's anypacketsyet)
    std::uint64_t generation = 0;
    SeqTracker seq;
    Milliseconds deadtime{0};  ///< the `dt` it advertises (our deadtime until heard)
    /// When its last status arrived, on the time we ran: pauses of our own are added to it
    /// (see Membership::discount_pause), so now - last_status is silence we could observe.
    std::optional<TimePoint> last_status;
    std::uint64_t last_status_seq = 0;
    std::uint64_t last_status_ts = 0;
    std::vector<Link> links;
    unsigned ack_trigger = 0;                       ///< we ACK its seqs with seq % 10 == this
    std::uint64_t acked = 0;                        ///< highest of our seqs it has ACKed
    std::map<std::uint64_t, TimePoint> rexmit_due;  ///< missing seq -> next request
    std::optional<TimePoint> late_logged;
    ReplayFloor floor;   ///< from before our start (Settings::replay_floors): replays below
    ReplayFloor newest;  ///< the newest generation and seq taken from it in this run
    bool floor_drop_logged = false;
};

/// What an event reports.
enum class EventKind {
    node_status,       ///< `node` went from `from` to `to`
    link_status,       ///< `node`'s `link` is now `link_status`
    comm_up,           ///< every node heard from or dead: we are active
    node_restarted,    ///< `node` came back with a new `generation`
    partition_healed,  ///< `node`, declared dead, is back with the same generation
    message,           ///< a cluster message from `node` for the layers above
};

/// An event for the layers above (resources, API, logs). Fields not used by a kind are
/// left at their defaults. (A plain struct rather than a variant: GCC 12 warns falsely on
/// variants of strings.)
struct Event {
    EventKind kind = EventKind::comm_up;
    std::string node;
    std::string link;
    NodeStatus from = NodeStatus::init;
    NodeStatus to = NodeStatus::init;
    LinkStatus link_status = LinkStatus::dead;
    std::uint64_t generation = 0;
    wire::Message message;
};

/// Why a received message was dropped (heartbeat 3.0.6 drops the same ones, unnamed).
enum class Drop {
    missing_fields,  ///< no t, src or ts; a bad seq or hg
    unknown_node,    ///< src is not a node of ha.cf
    name_clash,      ///< src is our name, but we did not send it
    replay,          ///< an older generation than the sender's current one
    replay_of_past,  ///< at or below what the sender had sent before we started (ReplayFloor)
    old,             ///< a seq we had, or gave up on, long ago
    duplicate,       ///< the seq we just had (it still proves the link works)
    not_for_us,      ///< addressed to another node (its seq is still counted)
};
inline constexpr std::size_t drop_reasons = 8;
std::string_view to_string(Drop reason);

/// What receive() dropped, by reason, and what the protocol did (for status and tests).
struct Counters {
    std::array<std::uint64_t, drop_reasons> drops{};
    std::uint64_t accepted = 0;
    std::uint64_t own_echo = 0;
    std::uint64_t lost = 0;
    std::uint64_t rexmit_requests = 0;
    std::uint64_t rexmits_sent = 0;
    std::uint64_t naks_sent = 0;
    std::uint64_t acks_sent = 0;
    std::uint64_t late_heartbeats = 0;
    std::uint64_t pauses = 0;  ///< our own process ran a keepalive or more after it was due
    /// How many were dropped for `reason`.
    std::uint64_t dropped(Drop reason) const { return drops[static_cast<std::size_t>(reason)]; }
    /// All dropped, whatever the reason.
    std::uint64_t dropped() const;
};

/// `duplicate 3, not_for_us 12` (reasons with a count only; `none` when nothing was dropped).
std::string describe_drops(const Counters& counters);

/// The membership state machine for one node.
class Membership {
public:
    Membership(Settings settings, const HostInfo& host);
    Membership(const Membership&) = delete;
    Membership& operator=(const Membership&) = delete;

    /// Begins: sends the first status messages (init, up, up) and arms the timers.
    void start(TimePoint now);
    /// A verified message arrived on `medium` (index into Settings::media).
    void receive(TimePoint now, std::size_t medium, const wire::Message& message);
    /// Runs every timer due at `now`.
    void tick(TimePoint now);
    /// When tick() must next be called.
    TimePoint next_deadline() const;
    /// The caller was to run at `due` (a next_deadline() it was given) and only ran at `now`:
    /// the process was paused (SIGSTOP, a frozen VM, a starved CPU, a stall in the kernel).
    /// That time is not held against the other nodes' silence: what they sent meanwhile is
    /// still in our sockets, and a node that died is declared dead that much later. Call it
    /// before receiving what arrived during the pause, and before tick(); a pause reported
    /// twice (by the timer and by a datagram) is discounted once.
    void discount_pause(TimePoint due, TimePoint now);

    /// Sends a cluster message (resource protocol …): control fields are added here.
    void send(wire::Message message);

    /// Messages to sign and put on every medium, in order; clears the queue.
    std::vector<wire::Message> take_outgoing();
    /// Events since the last call; clears the queue.
    std::vector<Event> take_events();
    /// Messages to pass on along the serial ring; clears them.
    std::vector<Forward> take_forwards();
    /// Pings to send (one per ping node at each of our heartbeats); clears them.
    std::vector<Ping> take_pings();
    /// An echo reply's payload, verified: ping node `message.src` answered through `host`.
    void receive_ping(TimePoint now, std::string_view host, const wire::Message& message);
    /// A reload: `next` brings new timings and heartbeat media; the nodes, the ping nodes
    /// and our identity stay as they are. `media_from[i]` is the running medium that new
    /// medium i continues (its links keep their state), or nullopt for a new one (its
    /// links start dead, until heard). Nodes not heard yet are judged by the new deadtime;
    /// the others keep the one they advertise, as before.
    void reconfigure(TimePoint now, const Settings& next,
                     const std::vector<std::optional<std::size_t>>& media_from);
    /// Gives events taken but not handled back, ahead of any newer ones.
    void put_back_events(std::vector<Event> events);

    /// All nodes, ourselves included, in ha.cf order.
    const std::vector<Node>& nodes() const { return nodes_; }
    /// The node called `name`, or nullptr.
    const Node* node(std::string_view name) const;
    /// Our own status (`init`, `up`, `active`).
    NodeStatus own_status() const { return nodes_[self_index_].status; }
    /// True once every node was heard from or declared dead, and the peer answered.
    bool comm_up() const { return comm_up_; }
    /// Our last sent seq.
    std::uint64_t last_seq() const { return seq_; }
    const Counters& counters() const { return counters_; }
    const Settings& settings() const { return settings_; }

    /// What a restart of ours must not take again, per peer: the newest generation and seq
    /// heard from it in this run, or else what we started with.
    ReplayFloors replay_floors() const;
    /// The floors to save now, or nullopt (also when they are not kept): when a peer came
    /// with a new generation, at once; when only its seq moved, at most every
    /// replay_floor_interval() — a replay of what was sent since can pass after a crash of
    /// ours, and it is not worth a disk write per heartbeat. Marks them saved.
    std::optional<ReplayFloors> take_replay_floors_due(TimePoint now);
    /// deadtime, at least 10 s.
    Milliseconds replay_floor_interval() const;

private:
    Node* find(std::string_view name);
    Milliseconds advertised_deadtime() const;
    void finish_and_queue(wire::Message message);
    void send_status();
    void set_own_status(NodeStatus status);
    void set_node_status(Node& node, NodeStatus status);
    void refresh_link(TimePoint now, Node& node, std::size_t medium);
    void mark_dead(Node& node, Milliseconds silent_for, Milliseconds limit);
    /// What receive() is to do with a message, decided before anything is touched.
    struct Verdict {
        enum class Action {
            drop,          ///< count `reason`, nothing else
            own_echo,      ///< one of ours, back: our own link works
            refresh_link,  ///< a duplicate: count it, the link to its sender works
            control,       ///< an NS_ message (acks, retransmission), from `node`
            sequenced,     ///< track its seq, then take it (or count `reason`: not for us)
        };
        /// How the sender's generation moves with this status message.
        enum class Generation { same, restart, partition_heal };
        Action action = Action::drop;
        std::optional<Drop> reason;
        std::optional<std::size_t> sender;  ///< index of the sending node, once known
        std::uint64_t seq = 0;
        std::uint64_t generation = 0;
        Generation change = Generation::same;
    };
    Verdict judge(const wire::Message& message) const;
    void count_drop(Drop reason, const wire::Message& message);
    void apply_generation(Node& node, const Verdict& verdict);
    void track_seq(TimePoint now, Node& node, std::uint64_t seq);
    void take(TimePoint now, Node& node, const wire::Message& message, const Verdict& verdict);
    void handle_ns(TimePoint now, Node& node, std::size_t medium, const wire::Message& message,
                   std::string_view type);
    void handle_status(TimePoint now, Node& node, const wire::Message& message, std::uint64_t seq,
                       std::uint64_t ts);
    void handle_rexmit_request(TimePoint now, Node& node, const wire::Message& message);
    void maybe_ack(Node& node, std::uint64_t seq);
    void maybe_forward(std::size_t medium, const wire::Message& message);
    void check_comm_up(TimePoint now);
    void comm_now_up();
    void schedule_rexmit(TimePoint now, Node& node, std::uint64_t from, std::uint64_t to);
    Milliseconds random_between(Milliseconds low, Milliseconds high);
    TimePoint next_keepalive(TimePoint from);
    bool is_to_us(const wire::Message& message) const;

    Settings settings_;
    const HostInfo& host_;
    std::vector<Node> nodes_;
    std::size_t self_index_ = 0;
    std::mt19937 rng_;

    bool started_ = false;
    TimePoint started_at_{};
    TimePoint keepalive_due_{};
    TimePoint discounted_until_{};  ///< the end of the last pause discounted
    std::optional<TimePoint> extra_deadtime_until_;
    Milliseconds extra_deadtime_{0};
    bool comm_up_ = false;
    bool flow_control_ = true;
    std::optional<std::string> reqnodes_peer_;
    TimePoint reqnodes_due_{};

    std::uint64_t seq_ = 0;
    struct Sent {
        std::uint64_t seq = 0;
        wire::Message message;
        std::optional<TimePoint> last_rexmit;
    };
    std::deque<Sent> history_;

    std::vector<wire::Message> outgoing_;
    std::vector<Event> events_;
    std::vector<Ping> pings_;
    std::vector<Forward> forwards_;
    Counters counters_;
    ReplayFloors saved_floors_;  ///< as last saved (or loaded)
    std::optional<TimePoint> floors_saved_at_;
};

}  // namespace hb::membership
