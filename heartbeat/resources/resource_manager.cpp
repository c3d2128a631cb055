// SPDX-License-Identifier: GPL-2.0-or-later
// The v1 resource manager (auto_failback on/off), after heartbeat 3.0.6's hb_resource.c.
//
//   init ──comm up──▶ starting ──peer's starting──▶ bothstarting
//                        │                                │
//                        └──────── a `resource` ──────────┴──▶ rscrcvd
//   rscrcvd ──peer says isstable=1, or RQSTDELAY passed──▶ stable (take our groups)
//   any ──shutdown()──▶ shutdown (give everything up, then `shutdone`)
//
// Beside that phase, one variable per concern, each an enum or a variant:
//   the peer (PeerView)   kind heartbeat_306 | ours, presence, stability, what it claims
//   standby               none → asked ──other──▶ releasing ──stopped──▶ released ──done──▶ none
//                         none ──me──▶ granting ──done──▶ acquiring ──started──▶ none
//   failback              none | due (with a retry time while it cannot be done yet)
//   each group            stopped | running | stuck (its stop failed: it still runs here)
//   shutdown              releasing ──all stopped──▶ complete (`shutdone` sent)
//                                   └─a group stuck─▶ blocked ──10 s──▶ releasing again
//
// Groups move only by: our groups at start (unless the peer holds them), the peer's groups
// when it is dead or has shut down, and the three-phase standby protocol (ask_resources
// me → other → done → done), which auto_failback uses too. Every release finishes before the
// other side's acquire starts, so once both sides hear each other no group has two owners.
//
// With `auto_failback legacy` there is no state machine (3.0.6 has none there either): at
// comm up a node asks the peer for each of its own groups (`ip-request ipaddr=<key>`); the
// peer releases the group if it runs it and answers `ip-request-resp dest=<asker>
// weown=yes|no ok=OK`; the asker then starts it. So a returning node always gets its groups
// back, released before started. Death, `shutdone` and shutdown work as in the other modes.
//
// Differences from 3.0.6, on purpose: with a peer that is one of ours (it says so with an
// `impl` field 3.0.6 ignores) RQSTDELAY is 0, so a joint start takes the groups as soon as
// the nodes have heard each other; a healed partition between two of ours is settled in
// place (each keeps the groups it prefers and releases the others) instead of both
// restarting; a stop that fails is reported instead of rebooting the machine.
#include "resources/resource_manager.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "config/reload_plan.hpp"

namespace hb::resources {

namespace {
constexpr std::string_view impl_field = "impl";
constexpr std::string_view impl_value = "heartbeat-cxx";
constexpr Milliseconds standby_first_reply{10'000};
constexpr Milliseconds standby_whole{3'600'000};
constexpr Milliseconds failback_retry{1000};
/// A shutdown blocked by a group that would not stop tries its release again this often.
constexpr Milliseconds shutdown_retry{10'000};
/// 3.0.6 tries a failed reset of the peer again 5 s later, for as long as it takes.
constexpr Milliseconds fence_retry{5000};
/// legacy: an unanswered ip-request is sent again (3.0.6 drops one that arrives before its
/// own comm up, and then never takes the group).
constexpr Milliseconds ip_request_retry{2000};
/// A 3.0.6 peer that heals a partition says it is shutting down 2 s after it hears us again;
/// one that has not by this time keeps what it holds (it was the one stalled: it declared
/// us dead and heard us in the same instant, and only logs "Both machines own ...").
constexpr Milliseconds heal_306_wait{3000};
}  // namespace

bool is_resource_message(std::string_view type)
{
    return std::find(resource_message_types.begin(), resource_message_types.end(), type) !=
           resource_message_types.end();
}

std::string_view to_string(HoldSet set)
{
    switch (set) {
    case HoldSet::none: return "none";
    case HoldSet::local: return "local";
    case HoldSet::foreign: return "foreign";
    case HoldSet::all: return "all";
    }
    return "none";
}

std::optional<HoldSet> hold_set_from(std::string_view text)
{
    for (const HoldSet s : {HoldSet::none, HoldSet::local, HoldSet::foreign, HoldSet::all}) {
        if (text == to_string(s)) {
            return s;
        }
    }
    return std::nullopt;
}

HoldSet operator|(HoldSet a, HoldSet b)
{
    return static_cast<HoldSet>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}

HoldSet operator&(HoldSet a, HoldSet b)
{
    return static_cast<HoldSet>(static_cast<unsigned>(a) & static_cast<unsigned>(b));
}

HoldSet operator~(HoldSet a)
{
    return static_cast<HoldSet>(~static_cast<unsigned>(a) & 3U);
}

bool holds(HoldSet set, HoldSet part)
{
    return (set & part) == part;
}

HoldSet mirror(HoldSet set)
{
    switch (set) {
    case HoldSet::local: return HoldSet::foreign;
    case HoldSet::foreign: return HoldSet::local;
    default: return set;
    }
}

std::string_view to_string(RscState state)
{
    switch (state) {
    case RscState::init: return "init";
    case RscState::starting: return "starting";
    case RscState::bothstarting: return "bothstarting";
    case RscState::rscrcvd: return "rscrcvd";
    case RscState::stable: return "stable";
    case RscState::shutdown: return "shutdown";
    }
    return "init";
}

std::string_view to_string(GroupState state)
{
    switch (state) {
    case GroupState::stopped: return "stopped";
    case GroupState::running: return "running";
    case GroupState::stuck: return "stuck";
    }
    return "stopped";
}

ResourceManager::ResourceManager(RscSettings settings) : settings_(std::move(settings)) {}

std::vector<std::string> ResourceManager::keys_of(HoldSet set) const
{
    std::vector<std::string> keys;
    for (const config::ResourceGroup& g : settings_.groups) {
        const bool local = g.node == settings_.self;
        if ((local && holds(set, HoldSet::local)) || (!local && holds(set, HoldSet::foreign))) {
            keys.push_back(g.key());
        }
    }
    return keys;
}

bool ResourceManager::runs(const std::string& key) const
{
    const auto it = groups_.find(key);
    return it != groups_.end() && it->second != GroupState::stopped;
}

HoldSet ResourceManager::stuck_in(HoldSet set) const
{
    // A group removed by a reload whose stop failed still counts: it still runs.
    HoldSet stuck = HoldSet::none;
    for (const auto& [key, state] : groups_) {
        if (state != GroupState::stuck) {
            continue;
        }
        const auto started = running_defs_.find(key);
        const config::ResourceGroup* g =
            started != running_defs_.end() ? &started->second : current_group(key);
        if (g != nullptr && holds(set, side_of(*g))) {
            stuck = stuck | side_of(*g);
        }
    }
    return stuck;
}

const config::ResourceGroup* ResourceManager::current_group(const std::string& key) const
{
    for (const config::ResourceGroup& g : settings_.groups) {
        if (!g.resources.empty() && g.key() == key) {
            return &g;
        }
    }
    return nullptr;
}

HoldSet ResourceManager::side_of(const config::ResourceGroup& group) const
{
    return group.node == settings_.self ? HoldSet::local : HoldSet::foreign;
}

const config::ResourceGroup* ResourceManager::definition_for(const Step& step) const
{
    // Stop what was started; start what is configured now.
    if (step.kind == Step::Kind::release) {
        if (const auto it = running_defs_.find(step.key); it != running_defs_.end()) {
            return &it->second;
        }
    }
    return current_group(step.key);
}

void ResourceManager::drop_queued(const std::string& key)
{
    std::erase_if(steps_, [&](const Step& s) {
        return s.key == key && (s.kind == Step::Kind::acquire || s.kind == Step::Kind::release);
    });
}

bool ResourceManager::can_regroup() const
{
    // Which sides we hold is only settled outside transitions and standby.
    return standby_idle() &&
           (state_ == RscState::init || state_ == RscState::stable || state_ == RscState::shutdown);
}

void ResourceManager::reconfigure(TimePoint now, std::vector<config::ResourceGroup> groups,
                                  config::AutoFailback mode)
{
    regroup_ = Regroup{std::move(groups), mode, now};
    maybe_regroup(now);
}

void ResourceManager::maybe_regroup(TimePoint now)
{
    if (!regroup_) {
        return;
    }
    if (!can_regroup()) {
        regroup_->retry_at = now + failback_retry;
        return;
    }
    Regroup next = std::move(*regroup_);
    regroup_.reset();
    regroup(now, std::move(next));
}

void ResourceManager::regroup(TimePoint now, Regroup next)
{
    const config::GroupChanges changes = config::diff_groups(settings_.groups, next.groups);
    settings_.groups = std::move(next.groups);
    const config::AutoFailback before = settings_.auto_failback;
    settings_.auto_failback = next.mode;
    if (state_ == RscState::init) {
        return;  // comm up takes the new groups
    }
    // In play here: it runs, or an operation on it is queued or out.
    const auto in_play = [&](const std::string& key) {
        return runs(key) || runs_or_starts(key) || (handed_out_ && handed_out_->key == key) ||
               std::any_of(steps_.begin(), steps_.end(),
                           [&](const Step& s) { return s.key == key; });
    };
    for (const std::string& key : changes.removed) {
        if (in_play(key)) {
            drop_queued(key);
            HB_LOG(info) << "reload: resource group " << key << " removed; releasing it";
            add(Step{Step::Kind::release, key});
        }
    }
    for (const std::string& key : changes.changed) {
        const config::ResourceGroup& g = *current_group(key);
        const bool held = holds(held_, side_of(g));
        if (in_play(key)) {
            drop_queued(key);
            HB_LOG(info) << "reload: resource group " << key << " changed; "
                         << (held ? "restarting it" : "releasing it (now " + g.node + "'s)");
            add(Step{Step::Kind::release, key});
        } else if (held) {
            HB_LOG(info) << "reload: resource group " << key << " changed; starting it here";
        }
        if (held) {
            add(Step{Step::Kind::acquire, key});
        }
    }
    for (const std::string& key : changes.added) {
        if (holds(held_, side_of(*current_group(key)))) {
            HB_LOG(info) << "reload: resource group " << key << " added; starting it";
            add(Step{Step::Kind::acquire, key});
        }
    }
    if (before == config::AutoFailback::off && next.mode == config::AutoFailback::on &&
        holds(held_, HoldSet::foreign) && peer_.presence == Presence::alive) {
        // What a takeover under `on` would have left due: give the peer its groups back.
        failback_ = FailbackDue{};
        if (work_idle()) {
            perform_auto_failback(now);
        }
    }
}

void ResourceManager::add(Step step)
{
    steps_.push_back(std::move(step));
}

void ResourceManager::acquire(HoldSet set)
{
    for (const std::string& key : keys_of(set)) {
        add(Step{Step::Kind::acquire, key});
    }
}

void ResourceManager::release(HoldSet set)
{
    for (const std::string& key : keys_of(set)) {
        add(Step{Step::Kind::release, key});
    }
}

void ResourceManager::send_resource(Report report, std::string_view info)
{
    wire::Message m;
    m.add("t", "resource");
    m.add("rsc_hold", std::string(to_string(held_)));
    if (report != Report::partial) {
        m.add("rtype", "full");
        m.add("isstable", report == Report::stable ? "1" : "0");
    }
    if (!info.empty()) {
        m.add("info", std::string(info));
    }
    m.add(std::string(impl_field), std::string(impl_value));
    messages_.push_back(std::move(m));
}

void ResourceManager::send_standby(HoldSet set, std::string_view info)
{
    wire::Message m;
    m.add("t", "ask_resources");
    m.add("rsc_hold", std::string(to_string(set)));
    m.add("info", std::string(info));
    m.add(std::string(impl_field), std::string(impl_value));
    messages_.push_back(std::move(m));
}

void ResourceManager::comm_up(TimePoint now, Presence peer)
{
    if (state_ != RscState::init) {
        return;
    }
    state_ = RscState::starting;
    if (!legacy()) {
        wire::Message starting;
        starting.add("t", "starting");
        starting.add(std::string(impl_field), std::string(impl_value));
        messages_.push_back(std::move(starting));
    }
    if (peer == Presence::gone || settings_.peer.empty()) {
        // Alone: everything is ours until the peer shows up (3.0.6 takes it all at initdead).
        HB_LOG(info) << "Resources being acquired from " << settings_.peer << ".";
        if (!settings_.peer.empty()) {
            failback_ = FailbackDue{};
        }
        peer_.stability = Stability::stable;
        peer_.holds = HoldSet::none;
        held_ = HoldSet::all;
        state_ = RscState::stable;
        acquire(HoldSet::all);
        add(Step{Step::Kind::mark_settled});
    } else if (legacy()) {
        // No state machine: ask the peer for each of our groups (it may hold them).
        state_ = RscState::stable;
        peer_.stability = Stability::stable;
        held_ = held_ | HoldSet::local;
        for (const std::string& key : keys_of(HoldSet::local)) {
            send_ip_request(now, key);
        }
    }
}

void ResourceManager::receive(TimePoint now, const std::string& from, const wire::Message& message)
{
    if (from != settings_.peer || state_ == RscState::init) {
        return;
    }
    if (message.get(impl_field) == std::optional<std::string_view>(impl_value)) {
        peer_.kind = PeerKind::ours;
    }
    peer_.presence = Presence::alive;
    const auto type = message.get("t").value_or("");
    if (type == "starting") {
        if (state_ == RscState::starting) {
            state_ = RscState::bothstarting;
        }
        peer_.stability = Stability::in_flux;
        send_resource(state_ == RscState::stable ? Report::stable : Report::in_flux);
    } else if (type == "resource") {
        on_resource(now, message);
    } else if (type == "ask_resources") {
        on_ask_resources(now, message);
    } else if (type == "shutdone") {
        on_shutdone();
    } else if (type == "hb_takeover") {
        on_hb_takeover(now, message);
    } else if (type == "ip-request") {
        on_ip_request(now, message);
    } else if (type == "ip-request-resp") {
        on_ip_request_resp(message);
    }
}

void ResourceManager::on_hb_takeover(TimePoint now, const wire::Message& message)
{
    // The peer wants groups (its point of view); we go standby for them (3.0.6's
    // rc.d/hb_takeover maps all→all, local→foreign, foreign→local). `failback` means its
    // own groups, our foreign ones (3.0.6 matches no case there and gives up all).
    const auto wanted = message.get("rsc_hold").value_or("all");
    HoldSet set = HoldSet::all;
    if (wanted == "local" || wanted == "failback") {
        set = HoldSet::foreign;
    } else if (wanted == "foreign") {
        set = HoldSet::local;
    } else if (wanted != "all") {
        HB_LOG(warn) << "ignored hb_takeover from " << settings_.peer << " for '" << wanted << "'";
        return;
    }
    HB_LOG(info) << settings_.peer << " asks to take over [" << wanted << "]: going standby ["
                 << to_string(set) << "]";
    request_standby(now, set);
}

bool ResourceManager::is_local_key(const std::string& key) const
{
    const auto keys = keys_of(HoldSet::local);
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool ResourceManager::runs_or_starts(const std::string& key) const
{
    // The last operation queued for the group decides, then the one out; else what it is.
    const auto decides = [&](const Step& s) {
        return s.key == key && (s.kind == Step::Kind::acquire || s.kind == Step::Kind::release);
    };
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
        if (decides(*it)) {
            return it->kind == Step::Kind::acquire;
        }
    }
    if (handed_out_ && decides(*handed_out_)) {
        return handed_out_->kind == Step::Kind::acquire;
    }
    return runs(key);
}

void ResourceManager::send_ip_request(TimePoint now, const std::string& key)
{
    wire::Message m;
    m.add("t", "ip-request");
    m.add("ipaddr", key);
    m.add(std::string(impl_field), std::string(impl_value));
    messages_.push_back(std::move(m));
    ip_requests_[key] = now + ip_request_retry;
}

void ResourceManager::on_ip_request(TimePoint now, const wire::Message& message)
{
    // The peer asks for one of its groups: release it if we run it, then answer.
    const std::string key(message.get("ipaddr").value_or(""));
    if (key.empty() || state_ == RscState::shutdown) {
        return;
    }
    const bool ours = runs_or_starts(key);
    if (ours) {
        HB_LOG(info) << settings_.peer << " asks for resource group " << key
                     << ": releasing it here";
        held_ = held_ & ~(is_local_key(key) ? HoldSet::local : HoldSet::foreign);
        add(Step{Step::Kind::release, key});
    }
    add(Step{Step::Kind::reply_ip_request, key, HoldSet::none, ours ? WeOwn::yes : WeOwn::no});
    // The peer's resource manager runs now; a request of ours it dropped before is asked
    // again at once rather than at the retry.
    ask_again(now, Resend::all);
}

void ResourceManager::ask_again(TimePoint now, Resend which)
{
    std::vector<std::string> keys;
    for (const auto& [key, at] : ip_requests_) {
        if (which == Resend::all || now >= at) {
            keys.push_back(key);
        }
    }
    for (const std::string& key : keys) {
        send_ip_request(now, key);
    }
}

void ResourceManager::on_ip_request_resp(const wire::Message& message)
{
    if (message.get("dest") != std::optional<std::string_view>(settings_.self)) {
        return;
    }
    const std::string key(message.get("ipaddr").value_or(""));
    const auto ok = message.get("ok").value_or("");
    const auto weown = message.get("weown").value_or("");
    HB_LOG(info) << "received ip-request-resp " << key << " " << ok << " " << weown;
    const bool asked = ip_requests_.erase(key) > 0;
    if (ok != "OK" || state_ == RscState::shutdown || (!asked && !is_local_key(key))) {
        return;
    }
    if (runs_or_starts(key)) {
        if (weown == "yes") {
            // Both ran it (a partition): the peer has let go; start it again here so that
            // it is announced (gratuitous ARP) from this node.
            HB_LOG(info) << settings_.peer << " released resource group " << key
                         << ": restarting it here to announce it again";
            peer_claim_ = PeerClaim::none;
            add(Step{Step::Kind::release, key});
            add(Step{Step::Kind::acquire, key});
            add(Step{Step::Kind::mark_settled});
        }
        return;
    }
    held_ = held_ | (is_local_key(key) ? HoldSet::local : HoldSet::foreign);
    add(Step{Step::Kind::acquire, key});
    add(Step{Step::Kind::mark_settled});
}

void ResourceManager::take_pending_requests()
{
    // The peer will not answer any more: what we asked for is ours to take.
    for (const auto& [key, at] : ip_requests_) {
        if (!runs_or_starts(key)) {
            add(Step{Step::Kind::acquire, key});
        }
    }
    ip_requests_.clear();
}

void ResourceManager::on_resource(TimePoint now, const wire::Message& message)
{
    const auto set = hold_set_from(message.get("rsc_hold").value_or(""));
    if (!set) {
        HB_LOG(err) << "resource message without a valid rsc_hold field.";
        return;
    }
    if (message.get("rtype") == std::optional<std::string_view>("full") || *set == HoldSet::none) {
        peer_.holds = *set;
        held_before_death_ = HoldSet::none;  // it says all it holds now
    } else {
        peer_.holds = peer_.holds | *set;
    }
    watch_contested_groups();
    if (peer_claim_ == PeerClaim::ours_too && !peer_is_ours() && !legacy() && !wait_306_ &&
        message.get("info") == std::optional<std::string_view>("mach_down")) {
        // 3.0.6 took our groups over while we heard it all along: it alone declared us dead
        // (late heartbeats, a stall of its own) and, having seen no partition heal, neither
        // restarts nor lets go (chaos soak, seed 1002, +800 s). Give it the time a release
        // takes, then yield. Only its takeover (mach_down) says it runs them: at the end of
        // a standby exchange it announces `all` while it runs only its own (chain_sim_test).
        wait_306_ = Wait306{Wait306::After::claim, now + heal_306_wait};
    }
    if (message.get("info") == std::optional<std::string_view>("shutdown")) {
        HB_LOG(info) << settings_.peer << " is giving up its resources (shutdown)";
        wait_306_.reset();  // it heals after all: its shutdone follows
    }
    if (state_ == RscState::starting || state_ == RscState::bothstarting) {
        state_ = RscState::rscrcvd;
        if (!local_takeover_at_) {
            local_takeover_at_ = now + (peer_is_ours() ? Milliseconds(0) : settings_.rqst_delay);
        }
    }
    const auto stable = message.get("isstable");
    if (stable == std::optional<std::string_view>("1")) {
        const bool was_stable = peer_.stability == Stability::stable;
        peer_.stability = Stability::stable;
        if (!was_stable) {
            HB_LOG(info) << "remote resource transition completed.";
        }
        if (state_ != RscState::stable && state_ != RscState::shutdown) {
            become_stable();
        }
        if (!was_stable) {
            perform_auto_failback(now);
        }
    } else if (stable) {
        peer_.stability = Stability::in_flux;
    }
}

void ResourceManager::watch_contested_groups()
{
    // The peer claims groups we run (it took them over while it could not hear us: a
    // partition, seen by it, by us, or by both). It announced them from its side, so once it
    // lets go we start ours again to announce them from here.
    if (keys_of(HoldSet::local).empty()) {
        return;
    }
    if (state_ == RscState::stable && holds(held_, HoldSet::local) &&
        holds(peer_.holds, HoldSet::foreign)) {
        if (peer_claim_ == PeerClaim::none) {
            HB_LOG(warn) << settings_.peer << " also claims our resource groups; they are "
                         << "announced again here once it releases them";
        }
        peer_claim_ = PeerClaim::ours_too;
        return;
    }
    if (peer_claim_ == PeerClaim::ours_too && !holds(peer_.holds, HoldSet::foreign)) {
        peer_claim_ = PeerClaim::none;
        if (wait_306_ && wait_306_->after == Wait306::After::claim) {
            wait_306_.reset();  // it let go: nothing to yield
        }
        if (!holds(held_, HoldSet::local) || state_ == RscState::shutdown) {
            return;
        }
        HB_LOG(info) << settings_.peer
                     << " released our groups: restarting them here to "
                        "announce them again";
        release(HoldSet::local);
        acquire(HoldSet::local);
        add(Step{Step::Kind::mark_settled});
    }
}

void ResourceManager::become_stable()
{
    if (state_ == RscState::stable || state_ == RscState::shutdown) {
        return;
    }
    state_ = RscState::stable;
    local_takeover_at_.reset();
    take_our_groups();
    send_resource(Report::stable);
}

void ResourceManager::take_our_groups()
{
    // The peer says it holds "foreign" (its point of view): our own groups. Leave them.
    if (holds(peer_.holds, HoldSet::foreign) && standby_idle()) {
        HB_LOG(info) << "Local Resource acquisition completed. (none)";
        return;
    }
    if (holds(held_, HoldSet::local)) {
        return;
    }
    held_ = held_ | HoldSet::local;
    acquire(HoldSet::local);
    add(Step{Step::Kind::mark_settled});
}

void ResourceManager::perform_auto_failback(TimePoint now)
{
    if (!failback_) {
        return;
    }
    failback_->retry_at.reset();
    if (settings_.auto_failback != config::AutoFailback::on || !holds(held_, HoldSet::foreign) ||
        state_ == RscState::shutdown) {
        failback_.reset();
        return;
    }
    if (peer_.presence == Presence::gone) {
        return;  // tried again when the peer is back and says it is stable
    }
    if (!standby_idle() || peer_.stability != Stability::stable || state_ != RscState::stable ||
        !work_idle() || restart_306_due()) {
        failback_->retry_at = now + failback_retry;
        return;
    }
    failback_.reset();
    HB_LOG(info) << "auto_failback: giving " << settings_.peer << " its resource groups back";
    request_standby(now, HoldSet::foreign);
}

StandbyAnswer ResourceManager::request_standby(TimePoint now, HoldSet set)
{
    if (settings_.auto_failback == config::AutoFailback::legacy) {
        HB_LOG(info) << "Standby mode only implemented when nice_failback on";
        return StandbyAnswer::refused;
    }
    if (!standby_idle()) {
        HB_LOG(warn) << "Standby in progress- new request ignored";
        return StandbyAnswer::refused;
    }
    if (peer_.stability != Stability::stable || settings_.peer.empty()) {
        HB_LOG(warn) << "standby request ignored.  Other side is in flux.";
        return StandbyAnswer::refused;
    }
    if (state_ != RscState::stable || !work_idle()) {
        HB_LOG(warn) << "standby request ignored.  local resources in flux.";
        return StandbyAnswer::refused;
    }
    if (restart_306_due()) {
        // A 3.0.6 that is to restart after the heal would put its restart off for our
        // exchange, and, if we lost it meanwhile, wait an hour for our `done` while it holds
        // what it took (chaos soak, seed 1002, +3064 s: 124 s with two owners).
        HB_LOG(warn) << "standby request ignored.  " << settings_.peer
                     << " restarts after the partition (heartbeat 3.0.6).";
        return StandbyAnswer::refused;
    }
    if (set == HoldSet::none) {
        return StandbyAnswer::accepted;
    }
    HB_LOG(info) << settings_.self << " wants to go standby [" << to_string(set) << "]";
    standby_ = StandbyAsked{now + standby_first_reply};
    peer_.stability = Stability::in_flux;
    send_standby(set, "me");
    return StandbyAnswer::accepted;
}

void ResourceManager::cancel_standby()
{
    standby_ = std::monostate{};
}

void ResourceManager::on_ask_resources(TimePoint now, const wire::Message& message)
{
    const auto set = hold_set_from(message.get("rsc_hold").value_or(""));
    const auto info = message.get("info").value_or("");
    if (!set) {
        return;
    }
    if (info == "me") {
        // The peer wants to go standby; we would take its groups.
        if (!standby_idle()) {
            HB_LOG(warn) << "Standby in progress- new request from " << settings_.peer
                         << " ignored";
        } else if (peer_.stability != Stability::stable) {
            HB_LOG(warn) << "standby message [me] from " << settings_.peer
                         << " ignored.  Other side is in flux.";
        } else if (state_ != RscState::stable || !work_idle()) {
            HB_LOG(warn) << "standby message [me] from " << settings_.peer
                         << " ignored.  local resources in flux.";
        } else {
            HB_LOG(info) << settings_.peer << " wants to go standby [" << to_string(*set) << "]";
            peer_.stability = Stability::in_flux;
            standby_ = StandbyGranting{};
            send_standby(*set, "other");
        }
    } else if (info == "other" && std::holds_alternative<StandbyAsked>(standby_)) {
        HB_LOG(info) << "standby: " << settings_.peer << " can take our " << to_string(*set)
                     << " resources";
        standby_ = StandbyReleasing{now + standby_whole};
        held_ = held_ & ~*set;
        send_resource(Report::in_flux, "standby");
        HB_LOG(info) << "give up " << to_string(*set) << " HA resources (standby).";
        release(*set);
        add(Step{Step::Kind::mark_standby_released, {}, *set});
    } else if (info == "done" && std::holds_alternative<StandbyGranting>(standby_)) {
        // The peer has released: take what it gave (its `set`, seen from here).
        HB_LOG(info) << "standby: acquire [" << to_string(*set) << "] resources from "
                     << settings_.peer;
        standby_ = StandbyAcquiring{};
        acquire(mirror(*set) & ~held_);
        add(Step{Step::Kind::mark_standby_acquired, {}, *set});
    } else if (info == "done" && std::holds_alternative<StandbyReleased>(standby_)) {
        HB_LOG(info) << "Other node completed standby takeover of " << to_string(*set)
                     << " resources.";
        cancel_standby();
        peer_.stability = Stability::stable;
        send_resource(Report::stable);
    }
}

void ResourceManager::on_shutdone()
{
    wait_306_.reset();
    forget_deaths();
    peer_.presence = Presence::gone;
    HB_LOG(info) << "Received shutdown notice from '" << settings_.peer << "'.";
    peer_.holds = HoldSet::none;
    peer_.stability = Stability::stable;
    watch_contested_groups();
    if (state_ == RscState::shutdown) {
        return;
    }
    if (on_shutdone_ == OnShutdone::reannounce) {
        // It held (and announced) groups we kept during the partition: now that it has let
        // go, start them again here so that clients learn where they are.
        on_shutdone_ = OnShutdone::nothing;
        for (const auto& [key, state] : groups_) {
            if (state == GroupState::running) {
                HB_LOG(info) << settings_.peer << " released resource group " << key
                             << ": restarting it here to announce it again";
                add(Step{Step::Kind::release, key});
                add(Step{Step::Kind::acquire, key});
            }
        }
    }
    cancel_standby();
    take_pending_requests();
    const HoldSet missing = ~held_;
    if (missing == HoldSet::none) {
        return;
    }
    HB_LOG(info) << "Resources being acquired from " << settings_.peer << ".";
    failback_ = FailbackDue{};
    held_ = HoldSet::all;
    acquire(missing);
    if (state_ != RscState::stable) {
        state_ = RscState::stable;
        local_takeover_at_.reset();
    }
    add(Step{Step::Kind::mark_settled});
}

void ResourceManager::peer_dead()
{
    if (state_ == RscState::shutdown || state_ == RscState::init) {
        return;
    }
    // 3.0.6's hb_rsc_recover_dead_resources: a peer that was heard and held nothing need
    // not be reset; any other must be, before anything of its is started here.
    const bool gave_up = peer_.presence == Presence::alive && peer_.holds == HoldSet::none;
    peer_.presence = Presence::gone;
    wait_306_.reset();
    on_shutdone_ = OnShutdone::nothing;
    if (!standby_idle()) {
        HB_LOG(info) << "Cancelling pending standby operation";
        cancel_standby();
    }
    const bool fence = !gave_up && settings_.fencing == Fencing::stonith;
    if (gave_up) {
        HB_LOG(info) << "Dead node " << settings_.peer << " gave up resources.";
        send_stonith(settings_.peer, "unneeded");
    } else if (settings_.fencing == Fencing::none) {
        HB_LOG(warn) << "No STONITH device configured.";
        HB_LOG(warn) << "Shared disks are not protected.";
        send_stonith(settings_.peer, "n_stnth");
    }
    held_before_death_ = held_before_death_ | peer_.holds;
    peer_.holds = HoldSet::none;
    peer_.stability = Stability::stable;
    failback_ = FailbackDue{};
    watch_contested_groups();
    take_pending_requests();
    const HoldSet missing = ~held_;
    taken_at_death_ = taken_at_death_ | missing;
    if (state_ != RscState::stable) {
        state_ = RscState::stable;
        local_takeover_at_.reset();
    }
    if (missing == HoldSet::none) {
        return;
    }
    if (fence) {
        add(Step{Step::Kind::fence, settings_.peer});
    }
    HB_LOG(info) << "Resources being acquired from " << settings_.peer << ".";
    held_ = HoldSet::all;
    acquire(missing);
    add(Step{Step::Kind::mark_settled,
             {},
             holds(missing, HoldSet::foreign) ? HoldSet::foreign : HoldSet::none});
}

void ResourceManager::send_stonith(const std::string& node, std::string_view result)
{
    // What 3.0.6 tells the cluster (and its API clients) of each dead peer.
    wire::Message m;
    m.add("t", "stonith");
    m.add("node", node);
    m.add("result", std::string(result));
    messages_.push_back(std::move(m));
}

std::optional<std::string> ResourceManager::next_fence(TimePoint now)
{
    run_markers();
    if (handed_out_ || steps_.empty() || steps_.front().kind != Step::Kind::fence ||
        (steps_.front().not_before && now < *steps_.front().not_before)) {
        return std::nullopt;
    }
    handed_out_ = std::move(steps_.front());
    steps_.pop_front();
    return handed_out_->key;
}

void ResourceManager::fence_done(TimePoint now, FenceResult result)
{
    if (!handed_out_ || handed_out_->kind != Step::Kind::fence) {
        return;
    }
    Step step = std::move(*handed_out_);
    handed_out_.reset();
    send_stonith(step.key, result == FenceResult::reset      ? "OK"
                           : result == FenceResult::bad_host ? "badhost"
                                                             : "bad");
    if (result != FenceResult::reset) {
        HB_LOG(err) << "STONITH of " << step.key << " failed.  Retrying...";
        step.not_before = now + fence_retry;
        steps_.push_front(std::move(step));
    }
    run_markers();
}

void ResourceManager::forget_deaths()
{
    taken_at_death_ = HoldSet::none;
    held_before_death_ = HoldSet::none;
}

void ResourceManager::peer_restarted()
{
    forget_deaths();
    peer_returned();
}

void ResourceManager::peer_returned()
{
    if (state_ == RscState::shutdown || state_ == RscState::init) {
        return;
    }
    if (!legacy()) {
        // on/off: the peer's `starting` and `resource` messages settle its own groups. Ours
        // it may have held (after our standby, or a failover kept with auto_failback off):
        // restarted inside the dead time (never declared dead), it let go of them, and a
        // starting peer takes none of ours while we are up. Nobody would hold them; we do.
        peer_.holds = HoldSet::none;
        if (state_ != RscState::stable || holds(held_, HoldSet::local) ||
            keys_of(HoldSet::local).empty()) {
            return;
        }
        if (!standby_idle()) {
            HB_LOG(info) << "Cancelling pending standby operation";
            cancel_standby();
        }
        HB_LOG(info) << settings_.peer
                     << " restarted: it holds none of our resource groups now; taking them here";
        take_our_groups();
        return;
    }
    // Legacy: a returning node takes its groups without asking while it does not count us
    // as active (3.0.6's HA_DONTASK), possibly while we still take them over. Give them back
    // now and say so; its rc.d/ip-request-resp (or ours) starts whatever it does not run.
    // One of ours asks (ip-request) and is answered; an extra weown=yes would make it
    // restart the group.
    release_peer_groups(peer_is_ours() ? GiveBack::to_returning_ours : GiveBack::to_returning_306);
}

void ResourceManager::release_peer_groups(GiveBack why)
{
    for (const std::string& key : keys_of(HoldSet::foreign)) {
        if (!runs_or_starts(key)) {
            continue;
        }
        if (why != GiveBack::after_heal) {
            HB_LOG(info) << settings_.peer << " is back: releasing its resource group " << key;
        }
        add(Step{Step::Kind::release, key});
        if (why != GiveBack::to_returning_ours) {
            add(Step{Step::Kind::reply_ip_request, key, HoldSet::none, WeOwn::yes});
        }
    }
    held_ = held_ & ~HoldSet::foreign;
}

void ResourceManager::partition_healed(TimePoint now)
{
    if (state_ == RscState::shutdown) {
        return;
    }
    if (!peer_is_ours()) {
        // A 3.0.6 peer gives everything up, says `shutdone` and restarts: keep what we hold,
        // take what it leaves (on_shutdone), and it asks for its groups back when it returns.
        HB_LOG(info) << "partition with " << settings_.peer
                     << " healed: it will give its resources up and restart (heartbeat 3.0.6)";
        on_shutdone_ = OnShutdone::reannounce;
        if (!legacy()) {
            wait_306_ = Wait306{Wait306::After::heal, now + heal_306_wait};
        }
        return;
    }
    // Both may hold any group, and the peer may or may not have seen the partition too. The
    // rule both apply: each group goes to its preferred node. We release the peer's groups
    // and tell it per group (ip-request-resp weown=yes: it takes the group, or starts it
    // again so that it is announced from there); we ask for each of ours (ip-request: the
    // peer releases it if it runs it, then answers, and we take it or announce it again).
    // Both messages are 3.0.6's legacy ones; here they pass only between two of ours.
    HB_LOG(warn) << "partition with " << settings_.peer << " healed: each resource group "
                 << "goes back to its preferred node";
    release_peer_groups(GiveBack::after_heal);
    for (const std::string& key : keys_of(HoldSet::local)) {
        send_ip_request(now, key);
    }
    failback_.reset();
    peer_claim_ = PeerClaim::none;
    state_ = RscState::stable;
    add(Step{Step::Kind::mark_settled});
}

void ResourceManager::shutdown()
{
    if (state_ == RscState::shutdown) {
        return;
    }
    HB_LOG(info) << "Giving up all HA resources.";
    state_ = RscState::shutdown;
    shutdown_ = ShutdownReleasing{};
    cancel_standby();
    held_ = HoldSet::none;
    ip_requests_.clear();
    if (!settings_.peer.empty() && !legacy()) {
        send_resource(Report::in_flux, "shutdown");
    }
    // Every group, held or not (3.0.6 does the same; stops are idempotent).
    steps_.erase(std::remove_if(steps_.begin(), steps_.end(),
                                [](const Step& s) { return s.kind != Step::Kind::release; }),
                 steps_.end());
    release(HoldSet::all);
    add(Step{Step::Kind::mark_shutdown_released});
}

void ResourceManager::run_markers()
{
    while (!steps_.empty() && !handed_out_) {
        const Step step = steps_.front();
        switch (step.kind) {
        case Step::Kind::acquire:
        case Step::Kind::release:
        case Step::Kind::fence: return;
        case Step::Kind::mark_standby_released: {
            // A group whose stop failed still runs here: it is not handed over (the peer
            // would start it a second time), and we keep claiming its side.
            const HoldSet stuck = stuck_in(step.set);
            if (stuck != HoldSet::none) {
                HB_LOG(crit) << "standby: " << to_string(stuck) << " resources could not all be "
                             << "stopped; they stay here and are not handed to " << settings_.peer;
                held_ = held_ | stuck;
            }
            const HoldSet given = step.set & ~stuck;
            HB_LOG(info) << to_string(given) << " HA resource release completed (standby).";
            standby_ = StandbyReleased{};
            send_standby(given, "done");
            break;
        }
        case Step::Kind::mark_standby_acquired:
            HB_LOG(info) << "Standby resource acquisition done [" << to_string(step.set) << "].";
            held_ = held_ | mirror(step.set);
            send_standby(step.set, "done");
            cancel_standby();
            send_resource(Report::stable);
            break;
        case Step::Kind::mark_shutdown_released: {
            // `shutdone` tells the peer to take everything: not while a group whose stop
            // failed still runs here. Keep claiming it and try its release again later.
            const HoldSet stuck = stuck_in(HoldSet::all);
            if (stuck != HoldSet::none) {
                HB_LOG(crit) << "shutdown blocked: " << to_string(stuck) << " resources still "
                             << "run after their stop failed; " << settings_.peer
                             << " must not take them. Retrying the stop every "
                             << shutdown_retry.count() / 1000 << " s";
                held_ = stuck;
                shutdown_ = ShutdownBlocked{};
                send_resource(Report::in_flux, "shutdown");
                break;
            }
            HB_LOG(info) << "All HA resources relinquished.";
            wire::Message done;
            done.add("t", "shutdone");
            done.add("st", "dead");
            messages_.push_back(std::move(done));
            shutdown_ = ShutdownComplete{};
            break;
        }
        case Step::Kind::mark_settled:
            if (step.set == HoldSet::foreign && !legacy()) {
                // What heartbeat's mach_down tells the peer after a takeover (nice only).
                wire::Message m;
                m.add("t", "resource");
                m.add("rsc_hold", "foreign");
                m.add("info", "mach_down");
                m.add(std::string(impl_field), std::string(impl_value));
                messages_.push_back(std::move(m));
                HB_LOG(info) << "mach_down takeover complete.";
            }
            if (state_ == RscState::stable && !legacy()) {
                send_resource(Report::stable, "req_our_resources()");
            }
            break;
        case Step::Kind::reply_ip_request: {
            wire::Message m;
            m.add("t", "ip-request-resp");
            m.add("dest", settings_.peer);
            m.add("ipaddr", step.key);
            m.add("weown", step.weown == WeOwn::yes ? "yes" : "no");
            m.add("ok", "OK");
            m.add(std::string(impl_field), std::string(impl_value));
            messages_.push_back(std::move(m));
            break;
        }
        }
        steps_.pop_front();
    }
}

std::optional<GroupRequest> ResourceManager::next_request()
{
    for (;;) {
        run_markers();
        if (handed_out_ || steps_.empty() || steps_.front().kind == Step::Kind::fence) {
            return std::nullopt;  // (a reset comes through next_fence, and holds the rest)
        }
        Step step = std::move(steps_.front());
        steps_.pop_front();
        const config::ResourceGroup* g = definition_for(step);
        if (g == nullptr) {
            // Removed by a reload before it ran here: there is nothing to start or stop.
            continue;
        }
        step.group = *g;
        handed_out_ = std::move(step);
        return GroupRequest{
            handed_out_->key,
            handed_out_->kind == Step::Kind::acquire ? GroupOpKind::acquire : GroupOpKind::release,
            handed_out_->group};
    }
}

void ResourceManager::group_done(TimePoint now, const std::string& key, GroupOpState result)
{
    if (!handed_out_ || handed_out_->key != key) {
        return;
    }
    const bool acquire_step = handed_out_->kind == Step::Kind::acquire;
    config::ResourceGroup group = std::move(handed_out_->group);
    handed_out_.reset();
    switch (result) {
    case GroupOpState::succeeded:
        groups_[key] = acquire_step ? GroupState::running : GroupState::stopped;
        break;
    case GroupOpState::failed: groups_[key] = GroupState::stopped; break;  // given up whole
    case GroupOpState::stuck: groups_[key] = GroupState::stuck; break;
    case GroupOpState::running: break;  // not finished: not a result
    }
    if (groups_[key] == GroupState::stopped) {
        running_defs_.erase(key);
    } else if (acquire_step || running_defs_.count(key) == 0) {
        running_defs_[key] = std::move(group);
    }
    run_markers();
    if (auto* blocked = std::get_if<ShutdownBlocked>(&shutdown_); blocked && !blocked->retry_at) {
        blocked->retry_at = now + shutdown_retry;
    }
    if (failback_ && work_idle()) {
        perform_auto_failback(now);
    }
    maybe_regroup(now);
}

void ResourceManager::tick(TimePoint now)
{
    if (regroup_ && now >= regroup_->retry_at) {
        maybe_regroup(now);
    }
    if (state_ == RscState::rscrcvd && local_takeover_at_ && now >= *local_takeover_at_) {
        HB_LOG(info) << "local resource transition completed.";
        become_stable();
    }
    if (const auto* asked = std::get_if<StandbyAsked>(&standby_); asked && now >= asked->deadline) {
        HB_LOG(warn) << "No reply to standby request.  Standby request cancelled.";
        cancel_standby();
        peer_.stability = Stability::stable;
    }
    if (const auto* releasing = std::get_if<StandbyReleasing>(&standby_);
        releasing && now >= releasing->deadline) {
        HB_LOG(warn) << "No reply to standby request.  Standby request cancelled.";
        cancel_standby();
        peer_.stability = Stability::stable;
    }
    if (failback_ && failback_->retry_at && now >= *failback_->retry_at) {
        perform_auto_failback(now);
    }
    if (const auto* blocked = std::get_if<ShutdownBlocked>(&shutdown_);
        blocked && blocked->retry_at && now >= *blocked->retry_at) {
        shutdown_ = ShutdownReleasing{};
        for (const auto& [key, state] : groups_) {
            if (state == GroupState::stuck) {
                add(Step{Step::Kind::release, key});
            }
        }
        add(Step{Step::Kind::mark_shutdown_released});
    }
    if (wait_306_ && now >= wait_306_->until) {
        const Wait306::After after = wait_306_->after;
        wait_306_.reset();
        yield_to_306(after);
    }
    ask_again(now, Resend::due);
}

void ResourceManager::yield_to_306(Wait306::After after)
{
    // The 3.0.6 peer kept what it held after the heal, or what it claimed of ours, and will
    // not let go: of each group both run, ours goes, so that one owner remains (3.0.6's,
    // wherever the group belongs; hb_takeover brings it home).
    if (state_ == RscState::shutdown) {
        return;
    }
    // What it says it runs (its local is our foreign); after a heal also what it said it
    // ran before its deaths and what we took over at them (a node that was stopped gave up
    // nothing, and one that already held everything announces nothing new).
    const bool healed = after == Wait306::After::heal;
    const HoldSet contested =
        held_ & (mirror(peer_.holds | (healed ? held_before_death_ : HoldSet::none)) |
                 (healed ? taken_at_death_ : HoldSet::none));
    if (contested == HoldSet::none || keys_of(contested).empty()) {
        return;  // nothing both run: keep waiting for its shutdone (and re-announce then)
    }
    if (healed) {
        forget_deaths();
    }
    HB_LOG(warn) << settings_.peer << " (heartbeat 3.0.6) kept the resource groups it "
                 << (after == Wait306::After::heal ? "held after the partition"
                                                   : "took over from us while we heard it")
                 << "; releasing ours [" << to_string(contested) << "] so that one owner remains";
    on_shutdone_ = OnShutdone::nothing;
    peer_claim_ = PeerClaim::none;
    release(contested);
    held_ = held_ & ~contested;
    add(Step{Step::Kind::mark_settled});
}

std::optional<TimePoint> ResourceManager::next_deadline() const
{
    std::optional<TimePoint> next;
    auto consider = [&](const std::optional<TimePoint>& t) {
        if (t && (!next || *t < *next)) {
            next = t;
        }
    };
    if (state_ == RscState::rscrcvd) {
        consider(local_takeover_at_);
    }
    if (const auto* asked = std::get_if<StandbyAsked>(&standby_)) {
        consider(asked->deadline);
    }
    if (const auto* releasing = std::get_if<StandbyReleasing>(&standby_)) {
        consider(releasing->deadline);
    }
    if (failback_) {
        consider(failback_->retry_at);
    }
    if (regroup_) {
        consider(regroup_->retry_at);
    }
    if (const auto* blocked = std::get_if<ShutdownBlocked>(&shutdown_)) {
        consider(blocked->retry_at);
    }
    if (wait_306_) {
        consider(wait_306_->until);
    }
    for (const auto& [key, at] : ip_requests_) {
        consider(at);
    }
    if (!handed_out_ && !steps_.empty() && steps_.front().kind == Step::Kind::fence) {
        consider(steps_.front().not_before);
    }
    return next;
}

std::vector<wire::Message> ResourceManager::take_messages()
{
    run_markers();
    std::vector<wire::Message> out;
    out.swap(messages_);
    return out;
}

std::string ResourceManager::rscstatus() const
{
    if (legacy()) {
        // 3.0.6 never tracks holdings in legacy mode: none, or transition while busy.
        return work_idle() && ip_requests_.empty() ? "none" : "transition";
    }
    if (state_ != RscState::stable || !standby_idle() || !work_idle()) {
        return "transition";
    }
    return std::string(to_string(held_));
}

}  // namespace hb::resources
