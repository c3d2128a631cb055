// SPDX-License-Identifier: GPL-2.0-or-later
// Membership state machine (heartbeat 3.0.6 protocol, doc/notes/membership-3.0.6.md).
//
// Node status, as this node sees a peer:
//
//    init ──any status msg──▶ up / active (whatever `st` it sends)
//      │                         │ no status for its dt (initdead before comm up)
//      └──initdead passes──▶  dead ◀┘
//                              │ status msg again: same generation → partition healed,
//                              ▼                   higher generation → restarted
//                         up / active
//
// Our own status: init (first message) → up → active once every node was heard or is dead
// and a live peer answered `reqnodes` with `repnodes` (heartbeat's comm-up handshake).
//
// Links (node × medium): dead ──accepted or duplicate packet on it──▶ up ──silent for the
// node's dead time──▶ dead. Links never decide node death; status messages do.
//
// Checks on each incoming message, in order (each drop counted): required fields (t, src,
// ts), known node, own echo, NS_ types (no seq), seq and generation syntax, replay (lower
// generation), restart / healed partition (status only), sequence (duplicate, old, gap →
// retransmission requests), addressed to us.
//
// Deliberate differences from 3.0.6: a node is declared dead exactly when its dead time has
// passed (no 250 ms scan); a late heartbeat beyond deadtime is logged but does not kill the
// node on the spot; each link times out after its own node's dead time; a retransmission
// request is served for at most 50 seqs inside our history, never by walking its whole range.
#include "membership/membership.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "base/log.hpp"

namespace hb::membership {

std::string_view to_string(NodeStatus status)
{
    switch (status) {
    case NodeStatus::init: return "init";
    case NodeStatus::up: return "up";
    case NodeStatus::active: return "active";
    case NodeStatus::dead: return "dead";
    case NodeStatus::ping: return "ping";
    }
    return "init";
}

std::string_view to_string(Drop reason)
{
    switch (reason) {
    case Drop::missing_fields: return "missing_fields";
    case Drop::unknown_node: return "unknown_node";
    case Drop::name_clash: return "name_clash";
    case Drop::replay: return "replay";
    case Drop::replay_of_past: return "replay_of_past";
    case Drop::old: return "old";
    case Drop::duplicate: return "duplicate";
    case Drop::not_for_us: return "not_for_us";
    }
    return "missing_fields";
}

std::uint64_t Counters::dropped() const
{
    std::uint64_t total = 0;
    for (const std::uint64_t n : drops) {
        total += n;
    }
    return total;
}

std::string describe_drops(const Counters& counters)
{
    std::string out;
    for (std::size_t i = 0; i < drop_reasons; ++i) {
        if (counters.drops[i] > 0) {
            out += (out.empty() ? "" : ", ") + std::string(to_string(static_cast<Drop>(i))) + " " +
                   std::to_string(counters.drops[i]);
        }
    }
    return out.empty() ? "none" : out;
}

std::string_view to_string(LinkStatus status)
{
    return status == LinkStatus::up ? "up" : "dead";
}

namespace {

constexpr std::size_t max_history = 500;      // MAXMSGHIST
constexpr unsigned ack_divisor = 10;          // ACK_MSG_DIV
constexpr std::size_t max_rexmit_batch = 50;  // MAX_REXMIT_BATCH
constexpr Milliseconds startup_extra_deadtime{2000};
constexpr Milliseconds startup_extra_period{5000};
constexpr Milliseconds reqnodes_interval{1000};

bool starts_with(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

NodeStatus status_from(std::string_view st)
{
    if (st == "active") {
        return NodeStatus::active;
    }
    if (st == "init") {
        return NodeStatus::init;
    }
    if (st == "dead") {
        return NodeStatus::dead;
    }
    if (st == "ping") {
        return NodeStatus::ping;
    }
    return NodeStatus::up;
}

double seconds(Milliseconds ms)
{
    return static_cast<double>(ms.count()) / 1000.0;
}

std::string seconds_text(Milliseconds ms)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", seconds(ms));
    return buf;
}

Event simple_event(EventKind kind, const std::string& node)
{
    Event e;
    e.kind = kind;
    e.node = node;
    return e;
}

Event node_status_event(const std::string& node, NodeStatus from, NodeStatus to)
{
    Event e = simple_event(EventKind::node_status, node);
    e.from = from;
    e.to = to;
    return e;
}

Event link_event(const std::string& node, const std::string& link, LinkStatus status)
{
    Event e = simple_event(EventKind::link_status, node);
    e.link = link;
    e.link_status = status;
    return e;
}

/// The journal's fields of a line about a link (the link is the detail).
base::LogFields link_fields(const std::string& node, const std::string& link)
{
    base::LogFields f = base::log_fields(base::EventKind::link_status, node);
    f.detail = link;
    return f;
}

}  // namespace

Membership::Membership(Settings settings, const HostInfo& host)
    : settings_(std::move(settings)),
      host_(host),
      rng_(settings_.seed)
{
    for (const std::string& name : settings_.nodes) {
        Node node;
        node.name = name;
        node.deadtime = settings_.deadtime;
        node.ack_trigger = static_cast<unsigned>(rng_() % ack_divisor);
        for (const std::string& medium : settings_.media) {
            node.links.push_back(Link{medium, LinkStatus::dead, std::nullopt});
        }
        if (const auto floor = settings_.replay_floors.find(name);
            floor != settings_.replay_floors.end() && name != settings_.self) {
            node.floor = floor->second;
            saved_floors_.insert(*floor);
        }
        nodes_.push_back(std::move(node));
    }
    const auto self = std::find_if(nodes_.begin(), nodes_.end(),
                                   [&](const Node& n) { return n.name == settings_.self; });
    if (self == nodes_.end()) {
        Node node;
        node.name = settings_.self;
        for (const std::string& medium : settings_.media) {
            node.links.push_back(Link{medium, LinkStatus::dead, std::nullopt});
        }
        nodes_.push_back(std::move(node));
        self_index_ = nodes_.size() - 1;
    } else {
        self_index_ = static_cast<std::size_t>(self - nodes_.begin());
    }
    nodes_[self_index_].uuid = settings_.self_uuid;
    nodes_[self_index_].generation = settings_.generation;
    for (const Settings::PingNode& p : settings_.ping_nodes) {
        Node node;
        node.name = p.name;
        node.type = NodeType::ping;
        node.deadtime = settings_.deadping;
        for (const std::string& address : p.hosts) {
            node.links.push_back(Link{address, LinkStatus::dead, std::nullopt});
        }
        nodes_.push_back(std::move(node));
    }
}

void Membership::reconfigure(TimePoint now, const Settings& next,
                             const std::vector<std::optional<std::size_t>>& media_from)
{
    HB_ASSERT(media_from.size() == next.media.size());
    settings_.keepalive = next.keepalive;
    settings_.deadtime = next.deadtime;
    settings_.warntime = next.warntime;
    settings_.initdead = next.initdead;
    settings_.deadping = next.deadping;
    settings_.hopfudge = next.hopfudge;
    settings_.max_rexmit_delay = next.max_rexmit_delay;
    settings_.keep_replay_floors = next.keep_replay_floors;  // authkeys may have changed
    settings_.media = next.media;
    settings_.ring_media = next.ring_media;
    for (Node& node : nodes_) {
        if (node.type == NodeType::ping) {
            node.deadtime = settings_.deadping;
            continue;
        }
        std::vector<Link> links;
        for (std::size_t i = 0; i < media_from.size(); ++i) {
            const auto from = media_from[i];
            links.push_back(from && *from < node.links.size()
                                ? node.links[*from]
                                : Link{next.media[i], LinkStatus::dead, std::nullopt});
            links.back().name = next.media[i];
        }
        node.links = std::move(links);
        if (!node.heard) {
            node.deadtime = settings_.deadtime;
        }
    }
    // A shorter keepalive takes effect with the next heartbeat, not after the old interval.
    if (started_) {
        keepalive_due_ = std::min(keepalive_due_, next_keepalive(now));
    }
}

ReplayFloors Membership::replay_floors() const
{
    ReplayFloors out;
    for (const Node& node : nodes_) {
        if (node.type != NodeType::normal || node.name == settings_.self) {
            continue;
        }
        if (node.newest.generation > 0) {
            out[node.name] = node.newest;
        } else if (node.floor.generation > 0) {
            out[node.name] = node.floor;
        }
    }
    return out;
}

Milliseconds Membership::replay_floor_interval() const
{
    return std::max<Milliseconds>(settings_.deadtime, std::chrono::seconds(10));
}

std::optional<ReplayFloors> Membership::take_replay_floors_due(TimePoint now)
{
    if (!settings_.keep_replay_floors) {
        return std::nullopt;
    }
    ReplayFloors current = replay_floors();
    if (current == saved_floors_) {
        return std::nullopt;
    }
    const bool new_generation = std::any_of(current.begin(), current.end(), [&](const auto& f) {
        const auto saved = saved_floors_.find(f.first);
        return saved == saved_floors_.end() || saved->second.generation != f.second.generation;
    });
    if (!new_generation && floors_saved_at_ && now - *floors_saved_at_ < replay_floor_interval()) {
        return std::nullopt;
    }
    saved_floors_ = current;
    floors_saved_at_ = now;
    return current;
}

Node* Membership::find(std::string_view name)
{
    for (Node& n : nodes_) {
        if (n.name == name) {
            return &n;
        }
    }
    return nullptr;
}

const Node* Membership::node(std::string_view name) const
{
    for (const Node& n : nodes_) {
        if (n.name == name) {
            return &n;
        }
    }
    return nullptr;
}

Milliseconds Membership::random_between(Milliseconds low, Milliseconds high)
{
    if (high <= low) {
        return low;
    }
    std::uniform_int_distribution<long long> dist(low.count(), high.count());
    return Milliseconds(dist(rng_));
}

TimePoint Membership::next_keepalive(TimePoint from)
{
    // Jitter only downwards (90–100 % of keepalive): spreads senders apart without ever
    // making a heartbeat later than the peer expects.
    const Milliseconds k = settings_.keepalive;
    return from + random_between(k - k / 10, k);
}

Milliseconds Membership::advertised_deadtime() const
{
    return settings_.deadtime + extra_deadtime_;
}

void Membership::start(TimePoint now)
{
    started_ = true;
    started_at_ = now;
    for (Node& n : nodes_) {
        n.last_status.reset();
    }
    // heartbeat advertises 2 s more dead time for its first 5 s, sends `init` once, then `up`.
    extra_deadtime_ = startup_extra_deadtime;
    extra_deadtime_until_ = now + startup_extra_period;
    send_status();
    set_own_status(NodeStatus::up);
    send_status();
    keepalive_due_ = next_keepalive(now);
    check_comm_up(now);
}

void Membership::set_own_status(NodeStatus status)
{
    Node& self = nodes_[self_index_];
    if (self.status == status) {
        return;
    }
    const NodeStatus from = self.status;
    self.status = status;
    self.reported_status = std::string(to_string(status));
    HB_LOG(info) << "Local status now set to: '" << to_string(status) << "'";
    events_.push_back(node_status_event(self.name, from, status));
    send_status();
}

void Membership::send_status()
{
    wire::Message m;
    m.add("t", "status");
    m.add("st", std::string(to_string(nodes_[self_index_].status)));
    m.add("dt", wire::to_hex(static_cast<std::uint64_t>(advertised_deadtime().count())));
    if (flow_control_) {
        m.add("protocol", "1");
    }
    finish_and_queue(std::move(m));
    // Each of our heartbeats pings every ping node (3.0.6: only `status` triggers pings).
    // The echo comes back with this payload; signed, it proves the reply answers us.
    for (const Node& n : nodes_) {
        if (n.type != NodeType::ping) {
            continue;
        }
        wire::Message ping;
        ping.add("t", "NS_st");
        ping.add("st", "ping");
        ping.add("info", "ping");
        ping.add("src", n.name);
        ping.add("ts", wire::to_hex(host_.unix_time()));
        pings_.push_back(Ping{n.name, std::move(ping)});
    }
}

std::vector<Ping> Membership::take_pings()
{
    std::vector<Ping> out;
    out.swap(pings_);
    return out;
}

void Membership::receive_ping(TimePoint now, std::string_view host, const wire::Message& message)
{
    // Only our own ping, echoed, is a ping node's heartbeat: t=NS_st st=ping from a ping
    // node, through one of its hosts, stamped recently. An old reply replayed must not keep
    // a dead ping node alive: its ts is our wall time when we sent it.
    Node* node = find(message.get("src").value_or(""));
    if (node == nullptr || node->type != NodeType::ping) {
        count_drop(Drop::unknown_node, message);
        return;
    }
    const auto ts = message.get_hex("ts");
    const std::uint64_t unix_now = host_.unix_time();
    const auto window = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(node->deadtime).count() + 1);
    if (message.get("t") != std::optional<std::string_view>("NS_st") ||
        message.get("st") != std::optional<std::string_view>("ping") || !ts ||
        *ts + window < unix_now || *ts > unix_now + 1) {
        count_drop(Drop::old, message);
        return;
    }
    const auto link = std::find_if(node->links.begin(), node->links.end(),
                                   [&](const Link& l) { return l.name == host; });
    if (link == node->links.end()) {
        count_drop(Drop::not_for_us, message);
        return;
    }
    ++counters_.accepted;
    node->heard = true;
    node->last_status = now;
    if (node->reported_status != "ping") {
        HB_LOG_EVENT(info, base::log_fields(base::EventKind::node_status, node->name))
            << "Status update for node " << node->name << ": status ping";
        node->reported_status = "ping";
    }
    set_node_status(*node, NodeStatus::ping);
    refresh_link(now, *node, static_cast<std::size_t>(link - node->links.begin()));
}

void Membership::send(wire::Message message)
{
    finish_and_queue(std::move(message));
}

void Membership::finish_and_queue(wire::Message m)
{
    const auto type = m.get("t").value_or("");
    const bool ns = starts_with(type, "NS_");
    // Control fields in heartbeat's order; destuuid goes right before src.
    for (const char* name :
         {"destuuid", "src", "srcuuid", "seq", "hg", "ts", "ld", "ttl", "auth"}) {
        m.remove(name);
    }
    if (const auto dest = m.get("dest")) {
        const Node* target = node(*dest);
        const std::string uuid =
            target != nullptr && target->uuid.size() == 16 ? target->uuid : std::string(16, '\0');
        m.add("destuuid", uuid, wire::FieldType::binary);
    }
    m.add("src", settings_.self);
    m.add("srcuuid", settings_.self_uuid, wire::FieldType::binary);
    std::uint64_t seq = 0;
    if (!ns) {
        seq = ++seq_;
        m.add("seq", wire::to_hex(seq));
    }
    m.add("hg", wire::to_hex(settings_.generation));
    m.add("ts", wire::to_hex(host_.unix_time()));
    if (!ns) {
        m.add("ld", host_.load_average());
    }
    m.add("ttl", std::to_string(settings_.hopfudge + static_cast<int>(settings_.nodes.size())));
    if (!ns) {
        history_.push_back(Sent{seq, m, std::nullopt});
        if (history_.size() > max_history) {
            history_.pop_front();
        }
        // Our own messages count as heard from ourselves (heartbeat's internal loopback).
        Node& self = nodes_[self_index_];
        self.heard = true;
        self.seq.track(seq);
        // 3.0.6 also handles its own messages as it sends them, so the layers above (API
        // clients) see what this node says, as they see what the others say. Not what is
        // addressed to another node, and not membership's own types.
        const auto dest = m.get("dest");
        const auto t = m.get("t").value_or("");  // `type` above may point into moved fields
        if ((!dest || *dest == settings_.self) && t != "status" && t != "reqnodes" &&
            t != "repnodes") {
            Event e = simple_event(EventKind::message, settings_.self);
            e.message = m;
            events_.push_back(std::move(e));
        }
    }
    outgoing_.push_back(std::move(m));
}

std::vector<wire::Message> Membership::take_outgoing()
{
    std::vector<wire::Message> out;
    out.swap(outgoing_);
    return out;
}

std::vector<Event> Membership::take_events()
{
    std::vector<Event> out;
    out.swap(events_);
    return out;
}

void Membership::put_back_events(std::vector<Event> events)
{
    events.insert(events.end(), std::make_move_iterator(events_.begin()),
                  std::make_move_iterator(events_.end()));
    events_ = std::move(events);
}

bool Membership::is_to_us(const wire::Message& message) const
{
    if (const wire::Field* f = message.find("destuuid");
        f != nullptr && f->value.size() == 16 && f->value != std::string(16, '\0')) {
        return f->value == settings_.self_uuid;
    }
    const auto dest = message.get("dest");
    return !dest || *dest == settings_.self;
}

void Membership::set_node_status(Node& node, NodeStatus status)
{
    if (node.status == status) {
        return;
    }
    const NodeStatus from = node.status;
    node.status = status;
    events_.push_back(node_status_event(node.name, from, status));
}

void Membership::refresh_link(TimePoint now, Node& node, std::size_t medium)
{
    if (medium >= node.links.size()) {
        return;
    }
    Link& link = node.links[medium];
    link.last_heard = now;
    ++link.heard;
    if (link.status != LinkStatus::up) {
        link.status = LinkStatus::up;
        HB_LOG_EVENT(info, link_fields(node.name, link.name))
            << "Link " << node.name << ":" << link.name << " up.";
        events_.push_back(link_event(node.name, link.name, LinkStatus::up));
    }
}

Membership::Verdict Membership::judge(const wire::Message& message) const
{
    // The checks of 3.0.6's should_drop_message, in its order, each with its reason. Only
    // reads: receive() acts on the verdict afterwards.
    Verdict v;
    const auto type = message.get("t");
    const auto src = message.get("src");
    const auto ts = message.get_hex("ts");
    if (!type || !src || !ts || *ts == 0) {
        v.reason = Drop::missing_fields;
        return v;
    }
    const auto seq = message.get_hex("seq");
    const bool ns = starts_with(*type, "NS_");
    if (*src == settings_.self) {
        // Our broadcasts come back to us. One of ours (our generation, a seq we sent) only
        // proves our own link works; anything else with our name is another host using it.
        const auto gen = message.get_hex("hg");
        if (gen == settings_.generation && (ns || (seq && *seq <= seq_))) {
            v.action = Verdict::Action::own_echo;
        } else {
            v.reason = Drop::name_clash;
        }
        return v;
    }
    const auto it =
        std::find_if(nodes_.begin(), nodes_.end(), [&](const Node& n) { return n.name == *src; });
    if (it == nodes_.end()) {
        v.reason = Drop::unknown_node;
        return v;
    }
    if (it->type == NodeType::ping) {
        v.reason = Drop::unknown_node;  // a ping node only ever answers our ICMP echo
        return v;
    }
    v.sender = static_cast<std::size_t>(it - nodes_.begin());
    const Node& node = *it;
    if (ns) {
        v.action = Verdict::Action::control;
        if (*type != "NS_nak_rexmit" && !is_to_us(message)) {
            v.action = Verdict::Action::drop;
            v.reason = Drop::not_for_us;
        }
        return v;
    }
    if (!seq || *seq == 0) {
        v.reason = Drop::missing_fields;
        return v;
    }
    v.seq = *seq;
    if (message.get("hg")) {
        const auto parsed = message.get_hex("hg");
        if (!parsed) {
            v.reason = Drop::missing_fields;
            return v;
        }
        v.generation = *parsed;
    }
    if (settings_.keep_replay_floors && node.floor.covers(v.generation, *seq)) {
        v.reason = Drop::replay_of_past;
        return v;
    }
    if (v.generation < node.generation) {
        v.reason = Drop::replay;
        return v;
    }
    if (*type == "status") {
        if (v.generation == node.generation && v.generation > 0 &&
            node.status == NodeStatus::dead) {
            if (*seq <= node.last_status_seq) {
                v.reason = Drop::old;
                return v;
            }
            v.change = Verdict::Generation::partition_heal;
        } else if (v.generation > node.generation) {
            v.change = Verdict::Generation::restart;
        }
    }
    // A new generation or a heal starts the sender's sequence afresh.
    const SeqVerdict seen =
        v.change == Verdict::Generation::same ? node.seq.classify(*seq) : SeqVerdict::accept;
    switch (seen) {
    case SeqVerdict::duplicate:
        v.action = Verdict::Action::refresh_link;
        v.reason = Drop::duplicate;
        return v;
    case SeqVerdict::old: v.reason = Drop::old; return v;
    case SeqVerdict::accept: break;
    }
    v.action = Verdict::Action::sequenced;
    if (!is_to_us(message)) {
        v.reason = Drop::not_for_us;
    }
    return v;
}

void Membership::count_drop(Drop reason, const wire::Message& message)
{
    ++counters_.drops[static_cast<std::size_t>(reason)];
    const auto src = message.get("src").value_or("?");
    switch (reason) {
    case Drop::name_clash:
        HB_LOG(err) << "message with our own name " << settings_.self
                    << " but not sent by us (generation " << message.get_hex("hg").value_or(0)
                    << ", ours " << settings_.generation << "): is another host configured as "
                    << settings_.self << "?";
        break;
    case Drop::replay:
        HB_LOG(debug) << "dropped message from " << src << ": replay (generation "
                      << message.get_hex("hg").value_or(0) << " is old)";
        break;
    case Drop::replay_of_past:
        if (Node* node = find(src); node != nullptr && !node->floor_drop_logged) {
            node->floor_drop_logged = true;
            HB_LOG(err) << "dropped a message from " << src << " as a replay: generation "
                        << message.get_hex("hg").value_or(0) << " seq "
                        << message.get_hex("seq").value_or(0) << " is not above generation "
                        << node->floor.generation << " seq " << node->floor.seq
                        << ", the last heard from it before we started (hb_replay_floor in the "
                           "state directory). If "
                        << src
                        << "'s state directory was reset, stop heartbeat here, delete its line "
                           "from that file and start heartbeat again.";
        } else {
            HB_LOG(debug) << "dropped message from " << src << ": replay of before our start";
        }
        break;
    case Drop::duplicate:
    case Drop::not_for_us: break;  // everyday traffic
    default: HB_LOG(debug) << "dropped message from " << src << ": " << to_string(reason); break;
    }
}

void Membership::apply_generation(Node& node, const Verdict& v)
{
    switch (v.change) {
    case Verdict::Generation::same: break;
    case Verdict::Generation::partition_heal:
        HB_LOG_EVENT(crit, base::log_fields(base::EventKind::partition_healed, node.name))
            << "Cluster node " << node.name << " returning after partition.";
        node.seq.reset();
        node.rexmit_due.clear();
        events_.push_back(simple_event(EventKind::partition_healed, node.name));
        break;
    case Verdict::Generation::restart:
        if (node.generation > 0) {
            HB_LOG(info) << "Heartbeat restart on node " << node.name;
            Event e = simple_event(EventKind::node_restarted, node.name);
            e.generation = v.generation;
            events_.push_back(std::move(e));
        }
        node.seq.reset();
        node.rexmit_due.clear();
        node.last_status.reset();
        node.last_status_seq = 0;
        node.last_status_ts = 0;
        break;
    }
    if (v.change == Verdict::Generation::restart) {
        node.generation = v.generation;
    }
}

void Membership::track_seq(TimePoint now, Node& node, std::uint64_t seq)
{
    const SeqResult r = node.seq.track(seq);
    HB_ASSERT(r.verdict == SeqVerdict::accept);  // judge() said so
    if (r.reset_after_big_gap) {
        HB_LOG(err) << "lost a lot of packets from " << node.name << "!";
        node.rexmit_due.clear();
    }
    if (r.lost_from != 0) {
        const std::uint64_t n = r.lost_to - r.lost_from + 1;
        counters_.lost += n;
        HB_LOG(warn) << n << " lost packet(s) for [" << node.name << "] [" << (r.lost_from - 1)
                     << ":" << (r.lost_to + 1) << "]";
        schedule_rexmit(now, node, r.lost_from, r.lost_to);
    }
    if (r.recovered) {
        node.rexmit_due.erase(seq);
        if (r.nothing_missing_now) {
            HB_LOG(info) << "No pkts missing from " << node.name << "!";
        }
    } else {
        maybe_ack(node, seq);
    }
}

void Membership::receive(TimePoint now, std::size_t medium, const wire::Message& message)
{
    const Verdict v = judge(message);
    if (v.reason) {
        count_drop(*v.reason, message);
    }
    if (v.reason == Drop::replay_of_past) {
        return;  // a recording: the node itself was not heard
    }
    if (v.action == Verdict::Action::own_echo) {
        ++counters_.own_echo;
        refresh_link(now, nodes_[self_index_], medium);
        return;
    }
    if (!v.sender) {
        return;
    }
    // From here on the sender is a node of ours: any packet from it counts as heard
    // (3.0.6's anypacketsyet), whatever becomes of it.
    Node& node = nodes_[*v.sender];
    node.heard = true;
    if (const wire::Field* uuid = message.find("srcuuid");
        uuid != nullptr && uuid->type == wire::FieldType::binary && uuid->value.size() == 16) {
        node.uuid = uuid->value;
    }
    switch (v.action) {
    case Verdict::Action::drop:
    case Verdict::Action::own_echo: return;
    case Verdict::Action::refresh_link: refresh_link(now, node, medium); return;
    case Verdict::Action::control:
        maybe_forward(medium, message);
        handle_ns(now, node, medium, message, message.get("t").value_or(""));
        check_comm_up(now);
        return;
    case Verdict::Action::sequenced:
        maybe_forward(medium, message);  // (one addressed to another node too)
        apply_generation(node, v);
        track_seq(now, node, v.seq);
        if (v.generation > node.newest.generation) {
            node.newest = ReplayFloor{v.generation, v.seq};
        } else {
            node.newest.seq = std::max(node.newest.seq, v.seq);  // judge() refused older ones
        }
        if (v.reason == Drop::not_for_us) {
            return;
        }
        ++counters_.accepted;
        refresh_link(now, node, medium);
        take(now, node, message, v);
        return;
    }
}

void Membership::maybe_forward(std::size_t medium, const wire::Message& message)
{
    // Only what arrived on a ring link, and only while it may travel (3.0.6's
    // should_ring_copy_msg; a duplicate never gets here, which also ends loops).
    const auto& ring = settings_.ring_media;
    if (ring.size() < 2 || std::find(ring.begin(), ring.end(), medium) == ring.end()) {
        return;
    }
    const auto ttl = message.get_decimal("ttl");
    if (!ttl || *ttl == 0) {
        return;
    }
    wire::Message copy;
    for (const wire::Field& f : message.fields()) {
        if (f.name == "auth") {
            continue;  // signed again when sent
        }
        copy.add(f.name, f.name == "ttl" ? std::to_string(*ttl - 1) : f.value, f.type);
    }
    forwards_.push_back(Forward{std::move(copy), medium});
}

std::vector<Forward> Membership::take_forwards()
{
    std::vector<Forward> out;
    out.swap(forwards_);
    return out;
}

void Membership::take(TimePoint now, Node& node, const wire::Message& message, const Verdict& v)
{
    const auto type = message.get("t").value_or("");
    if (type == "status") {
        handle_status(now, node, message, v.seq, message.get_hex("ts").value_or(0));
    } else if (type == "reqnodes") {
        wire::Message reply;
        reply.add("dest", node.name);
        reply.add("t", "repnodes");
        std::string list;
        for (const std::string& name : settings_.nodes) {
            list += name + " ";
        }
        reply.add("nodelist", list);
        reply.add("delnodelist", " ");
        finish_and_queue(std::move(reply));
    } else if (type == "repnodes") {
        if (!comm_up_) {
            comm_now_up();
        }
    } else {
        Event e = simple_event(EventKind::message, node.name);
        e.message = message;
        events_.push_back(std::move(e));
    }
    check_comm_up(now);
}

void Membership::handle_ns(TimePoint now, Node& node, std::size_t medium,
                           const wire::Message& message, std::string_view type)
{
    if (type == "NS_nak_rexmit") {
        const auto first = message.get_hex("firstseq");
        if (first && *first > 0 && is_to_us(message)) {
            HB_LOG(err) << "Irretrievably lost packet: node " << node.name << " seq " << *first;
            node.seq.give_up(*first);
            node.rexmit_due.erase(*first);
        }
        return;
    }
    refresh_link(now, node, medium);  // judge() dropped what is not for us
    if (type == "NS_rexmit") {
        handle_rexmit_request(now, node, message);
    } else if (type == "NS_ackmsg") {
        if (const auto ack = message.get_hex("ackseq"); ack && *ack <= seq_) {
            node.acked = std::max(node.acked, *ack);
        }
    }
}

void Membership::handle_rexmit_request(TimePoint now, Node& node, const wire::Message& message)
{
    const auto first = message.get_decimal("firstseq");
    const auto last = message.get_decimal("lastseq");
    if (!first || !last || *first == 0 || *last < *first) {
        HB_LOG(debug) << "Invalid rexmit seqnos from " << node.name;
        return;
    }
    if (history_.empty()) {
        return;
    }
    const std::uint64_t low = history_.front().seq;
    const std::uint64_t high = history_.back().seq;
    if (*first < low) {
        // One NAK per request: the requester asks seq by seq, and gives that one up.
        wire::Message nak;
        nak.add("t", "NS_nak_rexmit");
        nak.add("firstseq", wire::to_hex(*first));
        nak.add("dest", node.name);
        nak.add("info", "seqno too low");
        finish_and_queue(std::move(nak));
        ++counters_.naks_sent;
    }
    const std::uint64_t from = std::max(*first, low);
    const std::uint64_t to = std::min(*last, high);
    std::size_t sent = 0;
    const Milliseconds quiet = settings_.max_rexmit_delay - Milliseconds(10);
    for (std::uint64_t s = from; s <= to && sent < max_rexmit_batch; ++s) {
        Sent& entry = history_[static_cast<std::size_t>(s - low)];
        if (entry.last_rexmit && now - *entry.last_rexmit < quiet) {
            continue;
        }
        entry.last_rexmit = now;
        outgoing_.push_back(entry.message);
        ++sent;
        ++counters_.rexmits_sent;
    }
}

void Membership::maybe_ack(Node& node, std::uint64_t seq)
{
    if (!flow_control_ || seq % ack_divisor != node.ack_trigger) {
        return;
    }
    if (!node.seq.missing().empty() && seq > *node.seq.missing().begin()) {
        return;
    }
    wire::Message ack;
    ack.add("t", "NS_ackmsg");
    ack.add("dest", node.name);
    ack.add("ackseq", wire::to_hex(seq));
    finish_and_queue(std::move(ack));
    ++counters_.acks_sent;
}

void Membership::schedule_rexmit(TimePoint now, Node& node, std::uint64_t from, std::uint64_t to)
{
    const Milliseconds max = settings_.max_rexmit_delay;
    const Milliseconds min = max < Milliseconds(100) ? Milliseconds(0) : Milliseconds(50);
    for (std::uint64_t s = from; s <= to; ++s) {
        if (node.seq.is_missing(s)) {
            node.rexmit_due[s] = now + random_between(min, max);
        }
    }
    // Keep timers only for what the tracker still waits for (it bounds that set).
    for (auto it = node.rexmit_due.begin(); it != node.rexmit_due.end();) {
        it = node.seq.is_missing(it->first) ? std::next(it) : node.rexmit_due.erase(it);
    }
}

void Membership::handle_status(TimePoint now, Node& node, const wire::Message& message,
                               std::uint64_t seq, std::uint64_t ts)
{
    const auto st = message.get("st");
    if (!st) {
        HB_LOG(err) << "status update without st field from " << node.name;
        return;
    }
    if (ts < node.last_status_ts && seq < node.last_status_seq) {
        return;
    }
    if (!message.get("protocol") && flow_control_) {
        flow_control_ = false;
        HB_LOG(info) << "flow control disabled due to different version heartbeat (" << node.name
                     << ")";
    }
    if (node.last_status) {
        const auto interval = std::chrono::duration_cast<Milliseconds>(now - *node.last_status);
        if (interval > settings_.warntime) {
            ++counters_.late_heartbeats;
            const bool beyond = interval > settings_.deadtime;
            if (!node.late_logged || now - *node.late_logged >= settings_.warntime) {
                node.late_logged = now;
                if (beyond) {
                    HB_LOG(crit) << "Late heartbeat: Node " << node.name << ": interval "
                                 << interval.count() << " ms (> deadtime)";
                } else {
                    HB_LOG(warn) << "Late heartbeat: Node " << node.name << ": interval "
                                 << interval.count() << " ms";
                }
            }
        }
    }
    if (node.reported_status != *st) {
        HB_LOG_EVENT(info, base::log_fields(base::EventKind::node_status, node.name))
            << "Status update for node " << node.name << ": status " << *st;
        node.reported_status = std::string(st->substr(0, 32));
    }
    set_node_status(node, status_from(*st));
    if (const auto dt = message.get_hex("dt")) {
        // A peer advertising an absurdly small dead time would be declared dead between
        // two of its own heartbeats; keep at least two keepalives.
        const Milliseconds floor = 2 * settings_.keepalive;
        node.deadtime = std::max(
            Milliseconds(static_cast<long long>(std::min<std::uint64_t>(*dt, 86'400'000ULL))),
            floor);
    }
    node.last_status = now;
    node.last_status_seq = seq;
    node.last_status_ts = ts;
}

void Membership::mark_dead(Node& node, Milliseconds silent_for, Milliseconds limit)
{
    HB_LOG_EVENT(warn, base::log_fields(base::EventKind::node_status, node.name))
        << "node " << node.name << ": is dead (no heartbeat for " << seconds_text(silent_for)
        << ", dead time " << seconds_text(limit) << ")";
    node.reported_status = "dead";
    set_node_status(node, NodeStatus::dead);
    node.seq.reset();
    node.rexmit_due.clear();
    node.heard = true;  // counts as settled for comm-up
}

void Membership::check_comm_up(TimePoint now)
{
    if (comm_up_ || !started_) {
        return;
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        // Ping nodes do not hold comm up back: a host that never answers must not delay
        // the cluster by initdead.
        if (i != self_index_ && nodes_[i].type == NodeType::normal && !nodes_[i].heard &&
            nodes_[i].status != NodeStatus::dead) {
            return;
        }
    }
    const Node* peer = nullptr;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (i != self_index_ && nodes_[i].type == NodeType::normal &&
            nodes_[i].status != NodeStatus::dead) {
            peer = &nodes_[i];
            break;
        }
    }
    if (!flow_control_ || peer == nullptr) {
        comm_now_up();
        return;
    }
    if (!reqnodes_peer_ || *reqnodes_peer_ != peer->name || now >= reqnodes_due_) {
        reqnodes_peer_ = peer->name;
        reqnodes_due_ = now + std::min(reqnodes_interval, settings_.keepalive);
        wire::Message req;
        req.add("t", "reqnodes");
        req.add("dest", peer->name);
        finish_and_queue(std::move(req));
    }
}

void Membership::comm_now_up()
{
    comm_up_ = true;
    reqnodes_peer_.reset();
    HB_LOG(info) << "Comm_now_up(): updating status to active";
    set_own_status(NodeStatus::active);
    events_.push_back(simple_event(EventKind::comm_up, settings_.self));
}

void Membership::tick(TimePoint now)
{
    if (!started_) {
        return;
    }
    if (extra_deadtime_until_ && now >= *extra_deadtime_until_) {
        extra_deadtime_until_.reset();
        extra_deadtime_ = Milliseconds(0);
        send_status();
    }
    if (now >= keepalive_due_) {
        send_status();
        keepalive_due_ = next_keepalive(std::max(keepalive_due_, now - settings_.keepalive));
        if (keepalive_due_ <= now) {
            keepalive_due_ = next_keepalive(now);
        }
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (i == self_index_) {
            continue;
        }
        Node& node = nodes_[i];
        const Milliseconds limit = comm_up_ ? node.deadtime : settings_.initdead;
        const TimePoint since = node.last_status.value_or(started_at_);
        if (node.status != NodeStatus::dead && now - since >= limit) {
            mark_dead(node, std::chrono::duration_cast<Milliseconds>(now - since), limit);
        }
        for (Link& link : node.links) {
            if (link.status == LinkStatus::up && link.last_heard &&
                now - *link.last_heard >= limit) {
                link.status = LinkStatus::dead;
                HB_LOG_EVENT(info, link_fields(node.name, link.name))
                    << "Link " << node.name << ":" << link.name << " dead.";
                events_.push_back(link_event(node.name, link.name, LinkStatus::dead));
            }
        }
        for (auto& [seq, due] : node.rexmit_due) {
            if (due > now) {
                continue;
            }
            if (node.status != NodeStatus::up && node.status != NodeStatus::active) {
                // Not asked while it (re)starts; asked again later. Left due, this entry
                // would make next_deadline() the past and the timer fire at once, forever
                // (the cluster fuzzer found the spin).
                due = now + settings_.max_rexmit_delay;
                continue;
            }
            wire::Message req;
            req.add("t", "NS_rexmit");
            req.add("dest", node.name);
            req.add("firstseq", std::to_string(seq));
            req.add("lastseq", std::to_string(seq));
            finish_and_queue(std::move(req));
            ++counters_.rexmit_requests;
            due = now + settings_.max_rexmit_delay;
        }
        if (node.status == NodeStatus::dead) {
            node.rexmit_due.clear();
        }
    }
    check_comm_up(now);
}

void Membership::discount_pause(TimePoint due, TimePoint now)
{
    // Silence is measured on the time we ran: each timestamp of the last thing heard moves
    // on by the pause (never past now). A node silent for deadtime by `due` is still declared
    // dead at this tick; one we would have heard from in time is not. This cannot postpone a
    // death forever: every tick still counts the time from the last run up to its due time.
    // (Corosync's pause detection answers the same problem.)
    // The timer and the datagrams that waited both report the same pause: count it once.
    const TimePoint from = std::max(due, discounted_until_);
    if (!started_ || now <= from) {
        return;
    }
    discounted_until_ = now;
    const auto paused = now - from;
    if (paused >= settings_.keepalive) {
        ++counters_.pauses;
        HB_LOG(debug) << "our process was paused for "
                      << std::chrono::duration_cast<Milliseconds>(paused).count()
                      << " ms: not counted as the other nodes' silence";
    }
    const auto shift = [&](std::optional<TimePoint>& at) {
        if (at) {
            *at = std::min(now, *at + paused);
        }
    };
    started_at_ = std::min(now, started_at_ + paused);  // the unheard nodes' initdead
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (i == self_index_ || nodes_[i].status == NodeStatus::dead) {
            continue;
        }
        shift(nodes_[i].last_status);
        for (Link& link : nodes_[i].links) {
            shift(link.last_heard);
        }
    }
}

TimePoint Membership::next_deadline() const
{
    TimePoint next = keepalive_due_;
    if (!started_) {
        return next;
    }
    if (extra_deadtime_until_) {
        next = std::min(next, *extra_deadtime_until_);
    }
    if (reqnodes_peer_) {
        next = std::min(next, reqnodes_due_);
    }
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (i == self_index_) {
            continue;
        }
        const Node& node = nodes_[i];
        const Milliseconds limit = comm_up_ ? node.deadtime : settings_.initdead;
        if (node.status != NodeStatus::dead) {
            next = std::min(next, node.last_status.value_or(started_at_) + limit);
        }
        for (const Link& link : node.links) {
            if (link.status == LinkStatus::up && link.last_heard) {
                next = std::min(next, *link.last_heard + limit);
            }
        }
        for (const auto& entry : node.rexmit_due) {
            next = std::min(next, entry.second);
        }
    }
    return next;
}

}  // namespace hb::membership
