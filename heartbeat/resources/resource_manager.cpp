// SPDX-License-Identifier: GPL-2.0-or-later
// The v1 resource manager (auto_failback on/off), after heartbeat 3.0.6's hb_resource.c.
//
//   init ──comm up──▶ starting ──peer's starting──▶ bothstarting
//                        │                                │
//                        └──────── a `resource` ──────────┴──▶ rscrcvd
//   rscrcvd ──peer says isstable=1, or RQSTDELAY passed──▶ stable (take our groups)
//   any ──shutdown()──▶ shutdown (give everything up, then `shutdone`)
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

namespace hb::resources {

namespace {
constexpr std::string_view impl_field = "impl";
constexpr std::string_view impl_value = "heartbeat-cxx";
constexpr Milliseconds standby_first_reply{10'000};
constexpr Milliseconds standby_whole{3'600'000};
constexpr Milliseconds failback_retry{1000};
/// A shutdown blocked by a group that would not stop tries its release again this often.
constexpr Milliseconds shutdown_retry{10'000};
/// legacy: an unanswered ip-request is sent again (3.0.6 drops one that arrives before its
/// own comm up, and then never takes the group).
constexpr Milliseconds ip_request_retry{2000};
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

HoldSet ResourceManager::stuck_in(HoldSet set) const
{
    HoldSet stuck = HoldSet::none;
    for (const config::ResourceGroup& g : settings_.groups) {
        const HoldSet side = g.node == settings_.self ? HoldSet::local : HoldSet::foreign;
        const auto it = running_.find(g.key());
        if (holds(set, side) && it != running_.end() && it->second) {
            stuck = stuck | side;
        }
    }
    return stuck;
}

void ResourceManager::add(Step step)
{
    steps_.push_back(std::move(step));
}

void ResourceManager::acquire(HoldSet set)
{
    for (const std::string& key : keys_of(set)) {
        add(Step{Step::Kind::acquire, key, HoldSet::none});
    }
}

void ResourceManager::release(HoldSet set)
{
    for (const std::string& key : keys_of(set)) {
        add(Step{Step::Kind::release, key, HoldSet::none});
    }
}

void ResourceManager::send_resource(std::optional<bool> stable, std::string_view info)
{
    wire::Message m;
    m.add("t", "resource");
    m.add("rsc_hold", std::string(to_string(held_)));
    if (stable) {
        m.add("rtype", "full");
        m.add("isstable", *stable ? "1" : "0");
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

void ResourceManager::comm_up(TimePoint now, bool peer_alive)
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
    if (!peer_alive || settings_.peer.empty()) {
        // Alone: everything is ours until the peer shows up (3.0.6 takes it all at initdead).
        HB_LOG(info) << "Resources being acquired from " << settings_.peer << ".";
        needs_failback_ = !settings_.peer.empty();
        other_is_stable_ = true;
        other_holds_ = HoldSet::none;
        held_ = HoldSet::all;
        state_ = RscState::stable;
        acquire(HoldSet::all);
        add(Step{Step::Kind::mark_settled, {}, HoldSet::none});
    } else if (legacy()) {
        // No state machine: ask the peer for each of our groups (it may hold them).
        state_ = RscState::stable;
        other_is_stable_ = true;
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
        peer_is_ours_ = true;
    }
    peer_alive_ = true;
    const auto type = message.get("t").value_or("");
    if (type == "starting") {
        if (state_ == RscState::starting) {
            state_ = RscState::bothstarting;
        }
        other_is_stable_ = false;
        send_resource(state_ == RscState::stable);
    } else if (type == "resource") {
        on_resource(now, message);
    } else if (type == "ask_resources") {
        on_ask_resources(now, message);
    } else if (type == "shutdone") {
        on_shutdone(now);
    } else if (type == "hb_takeover") {
        on_hb_takeover(now, message);
    } else if (type == "ip-request") {
        on_ip_request(now, message);
    } else if (type == "ip-request-resp") {
        on_ip_request_resp(now, message);
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
        HB_LOG(warn) << "ignored hb_takeover from " << settings_.peer << " for '" << wanted
                     << "'";
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
    // The last operation queued for the group decides; none queued: whether it runs.
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
        if (it->key == key && (it->kind == Step::Kind::acquire || it->kind == Step::Kind::release)) {
            return it->kind == Step::Kind::acquire;
        }
    }
    const auto it = running_.find(key);
    return it != running_.end() && it->second;
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
        add(Step{Step::Kind::release, key, HoldSet::none});
    }
    add(Step{Step::Kind::reply_ip_request, key, HoldSet::none, ours});
    // The peer's resource manager runs now; a request of ours it dropped before is asked
    // again at once rather than at the retry.
    ask_again(now, false);
}

void ResourceManager::ask_again(TimePoint now, bool due_only)
{
    std::vector<std::string> keys;
    for (const auto& [key, at] : ip_requests_) {
        if (!due_only || now >= at) {
            keys.push_back(key);
        }
    }
    for (const std::string& key : keys) {
        send_ip_request(now, key);
    }
}

void ResourceManager::on_ip_request_resp(TimePoint now, const wire::Message& message)
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
            reannounce_after_peer_release_ = false;
            add(Step{Step::Kind::release, key, HoldSet::none});
            add(Step{Step::Kind::acquire, key, HoldSet::none});
            add(Step{Step::Kind::mark_settled, {}, HoldSet::none});
        }
        return;
    }
    held_ = held_ | (is_local_key(key) ? HoldSet::local : HoldSet::foreign);
    add(Step{Step::Kind::acquire, key, HoldSet::none});
    add(Step{Step::Kind::mark_settled, {}, HoldSet::none});
    (void)now;
}

void ResourceManager::take_pending_requests()
{
    // The peer will not answer any more: what we asked for is ours to take.
    for (const auto& [key, at] : ip_requests_) {
        if (!runs_or_starts(key)) {
            add(Step{Step::Kind::acquire, key, HoldSet::none});
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
    if (message.get("rtype") == std::optional<std::string_view>("full")) {
        other_holds_ = *set;
    } else {
        other_holds_ = *set == HoldSet::none ? HoldSet::none : (other_holds_ | *set);
    }
    watch_contested_groups();
    if (message.get("info") == std::optional<std::string_view>("shutdown")) {
        HB_LOG(info) << settings_.peer << " is giving up its resources (shutdown)";
    }
    if (state_ == RscState::starting || state_ == RscState::bothstarting) {
        state_ = RscState::rscrcvd;
        if (!local_takeover_at_) {
            local_takeover_at_ = now + (peer_is_ours_ ? Milliseconds(0) : settings_.rqst_delay);
        }
    }
    const auto stable = message.get("isstable");
    if (stable == std::optional<std::string_view>("1")) {
        const bool was_stable = other_is_stable_;
        other_is_stable_ = true;
        if (!was_stable) {
            HB_LOG(info) << "remote resource transition completed.";
        }
        if (state_ != RscState::stable && state_ != RscState::shutdown) {
            become_stable(now);
        }
        if (!was_stable) {
            perform_auto_failback(now);
        }
    } else if (stable) {
        other_is_stable_ = false;
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
        holds(other_holds_, HoldSet::foreign)) {
        if (!reannounce_after_peer_release_) {
            HB_LOG(warn) << settings_.peer << " also claims our resource groups; they are "
                         << "announced again here once it releases them";
        }
        reannounce_after_peer_release_ = true;
        return;
    }
    if (reannounce_after_peer_release_ && !holds(other_holds_, HoldSet::foreign)) {
        reannounce_after_peer_release_ = false;
        if (!holds(held_, HoldSet::local) || state_ == RscState::shutdown) {
            return;
        }
        HB_LOG(info) << settings_.peer << " released our groups: restarting them here to "
                        "announce them again";
        release(HoldSet::local);
        acquire(HoldSet::local);
        add(Step{Step::Kind::mark_settled, {}, HoldSet::none});
    }
}

void ResourceManager::become_stable(TimePoint now)
{
    (void)now;
    if (state_ == RscState::stable || state_ == RscState::shutdown) {
        return;
    }
    state_ = RscState::stable;
    local_takeover_at_.reset();
    take_our_groups();
    send_resource(true);
}

void ResourceManager::take_our_groups()
{
    // The peer says it holds "foreign" (its point of view): our own groups. Leave them.
    if (holds(other_holds_, HoldSet::foreign) && standby_ == Standby::none) {
        HB_LOG(info) << "Local Resource acquisition completed. (none)";
        return;
    }
    if (holds(held_, HoldSet::local)) {
        return;
    }
    held_ = held_ | HoldSet::local;
    acquire(HoldSet::local);
    add(Step{Step::Kind::mark_settled, {}, HoldSet::none});
}

void ResourceManager::perform_auto_failback(TimePoint now)
{
    failback_retry_at_.reset();
    if (settings_.auto_failback != config::AutoFailback::on || !needs_failback_ ||
        !holds(held_, HoldSet::foreign) || state_ == RscState::shutdown) {
        needs_failback_ = false;
        return;
    }
    if (!peer_alive_) {
        return;  // tried again when the peer is back and says it is stable
    }
    if (standby_ != Standby::none || !other_is_stable_ || state_ != RscState::stable ||
        !steps_.empty()) {
        failback_retry_at_ = now + failback_retry;
        return;
    }
    needs_failback_ = false;
    HB_LOG(info) << "auto_failback: giving " << settings_.peer << " its resource groups back";
    request_standby(now, HoldSet::foreign);
}

bool ResourceManager::request_standby(TimePoint now, HoldSet set)
{
    if (settings_.auto_failback == config::AutoFailback::legacy) {
        HB_LOG(info) << "Standby mode only implemented when nice_failback on";
        return false;
    }
    if (standby_ != Standby::none) {
        HB_LOG(warn) << "Standby in progress- new request ignored";
        return false;
    }
    if (!other_is_stable_ || settings_.peer.empty()) {
        HB_LOG(warn) << "standby request ignored.  Other side is in flux.";
        return false;
    }
    if (state_ != RscState::stable || !steps_.empty()) {
        HB_LOG(warn) << "standby request ignored.  local resources in flux.";
        return false;
    }
    if (set == HoldSet::none) {
        return true;
    }
    HB_LOG(info) << settings_.self << " wants to go standby [" << to_string(set) << "]";
    standby_ = Standby::me;
    standby_requester_ = true;
    standby_set_ = set;
    standby_deadline_ = now + standby_first_reply;
    other_is_stable_ = false;
    send_standby(set, "me");
    return true;
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
        if (standby_ != Standby::none) {
            HB_LOG(warn) << "Standby in progress- new request from " << settings_.peer
                         << " ignored";
        } else if (!other_is_stable_) {
            HB_LOG(warn) << "standby message [me] from " << settings_.peer
                         << " ignored.  Other side is in flux.";
        } else if (state_ != RscState::stable || !steps_.empty()) {
            HB_LOG(warn) << "standby message [me] from " << settings_.peer
                         << " ignored.  local resources in flux.";
        } else {
            HB_LOG(info) << settings_.peer << " wants to go standby [" << to_string(*set) << "]";
            other_is_stable_ = false;
            standby_ = Standby::other;
            standby_requester_ = false;
            standby_set_ = *set;
            standby_deadline_ = now + standby_whole;
            send_standby(*set, "other");
        }
    } else if (info == "other" && standby_ == Standby::me) {
        HB_LOG(info) << "standby: " << settings_.peer << " can take our " << to_string(*set)
                     << " resources";
        standby_deadline_ = now + standby_whole;
        held_ = held_ & ~*set;
        send_resource(false, "standby");
        HB_LOG(info) << "give up " << to_string(*set) << " HA resources (standby).";
        release(*set);
        add(Step{Step::Kind::mark_standby_released, {}, *set});
    } else if (info == "done" && standby_ == Standby::other) {
        // The peer has released: take what it gave (its `set`, seen from here).
        HB_LOG(info) << "standby: acquire [" << to_string(*set) << "] resources from "
                     << settings_.peer;
        standby_ = Standby::done;
        acquire(mirror(*set) & ~held_);
        add(Step{Step::Kind::mark_standby_acquired, {}, *set});
    } else if (info == "done" && standby_ == Standby::done && standby_requester_) {
        HB_LOG(info) << "Other node completed standby takeover of " << to_string(*set)
                     << " resources.";
        standby_ = Standby::none;
        standby_deadline_.reset();
        other_is_stable_ = true;
        send_resource(true);
    }
}

void ResourceManager::on_shutdone(TimePoint now)
{
    (void)now;
    peer_alive_ = false;
    HB_LOG(info) << "Received shutdown notice from '" << settings_.peer << "'.";
    other_holds_ = HoldSet::none;
    other_is_stable_ = true;
    watch_contested_groups();
    if (state_ == RscState::shutdown) {
        return;
    }
    if (restart_on_shutdone_) {
        // It held (and announced) groups we kept during the partition: now that it has let
        // go, start them again here so that clients learn where they are.
        restart_on_shutdone_ = false;
        for (const auto& [key, runs] : running_) {
            if (runs) {
                HB_LOG(info) << settings_.peer << " released resource group " << key
                             << ": restarting it here to announce it again";
                add(Step{Step::Kind::release, key, HoldSet::none});
                add(Step{Step::Kind::acquire, key, HoldSet::none});
            }
        }
    }
    standby_ = Standby::none;
    standby_deadline_.reset();
    take_pending_requests();
    const HoldSet missing = ~held_;
    if (missing == HoldSet::none) {
        return;
    }
    HB_LOG(info) << "Resources being acquired from " << settings_.peer << ".";
    needs_failback_ = true;
    held_ = HoldSet::all;
    acquire(missing);
    if (state_ != RscState::stable) {
        state_ = RscState::stable;
        local_takeover_at_.reset();
    }
    add(Step{Step::Kind::mark_settled, {}, HoldSet::none});
}

void ResourceManager::peer_dead(TimePoint now)
{
    (void)now;
    if (state_ == RscState::shutdown || state_ == RscState::init) {
        return;
    }
    peer_alive_ = false;
    restart_on_shutdone_ = false;
    if (standby_ != Standby::none) {
        HB_LOG(info) << "Cancelling pending standby operation";
        standby_ = Standby::none;
        standby_deadline_.reset();
    }
    if (other_holds_ == HoldSet::none) {
        HB_LOG(info) << "Dead node " << settings_.peer << " gave up resources.";
    }
    other_holds_ = HoldSet::none;
    other_is_stable_ = true;
    needs_failback_ = true;
    watch_contested_groups();
    take_pending_requests();
    const HoldSet missing = ~held_;
    if (state_ != RscState::stable) {
        state_ = RscState::stable;
        local_takeover_at_.reset();
    }
    if (missing == HoldSet::none) {
        return;
    }
    HB_LOG(info) << "Resources being acquired from " << settings_.peer << ".";
    held_ = HoldSet::all;
    acquire(missing);
    if (holds(missing, HoldSet::foreign)) {
        add(Step{Step::Kind::mark_settled, {}, HoldSet::foreign});
    } else {
        add(Step{Step::Kind::mark_settled, {}, HoldSet::none});
    }
}

void ResourceManager::peer_returned(TimePoint now)
{
    (void)now;
    if (!legacy() || state_ == RscState::shutdown || state_ == RscState::init) {
        return;  // on/off: the peer's `starting` and `resource` messages settle it
    }
    // Legacy: a returning node takes its groups without asking while it does not count us
    // as active (3.0.6's HA_DONTASK), possibly while we still take them over. Give them back
    // now and say so; its rc.d/ip-request-resp (or ours) starts whatever it does not run.
    // One of ours asks (ip-request) and is answered; an extra weown=yes would make it
    // restart the group.
    release_peer_groups(!peer_is_ours_, true);
}

void ResourceManager::release_peer_groups(bool tell_peer, bool log_each)
{
    for (const std::string& key : keys_of(HoldSet::foreign)) {
        if (runs_or_starts(key)) {
            if (log_each) {
                HB_LOG(info) << settings_.peer << " is back: releasing its resource group "
                             << key;
            }
            add(Step{Step::Kind::release, key, HoldSet::none});
            if (tell_peer) {
                add(Step{Step::Kind::reply_ip_request, key, HoldSet::none, true});
            }
        }
    }
    held_ = held_ & ~HoldSet::foreign;
}

void ResourceManager::partition_healed(TimePoint now)
{
    if (state_ == RscState::shutdown) {
        return;
    }
    if (!peer_is_ours_) {
        // A 3.0.6 peer gives everything up, says `shutdone` and restarts: keep what we hold,
        // take what it leaves (on_shutdone), and it asks for its groups back when it returns.
        HB_LOG(info) << "partition with " << settings_.peer
                     << " healed: it will give its resources up and restart (heartbeat 3.0.6)";
        restart_on_shutdone_ = true;
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
    release_peer_groups(true, false);
    for (const std::string& key : keys_of(HoldSet::local)) {
        send_ip_request(now, key);
    }
    needs_failback_ = false;
    reannounce_after_peer_release_ = false;
    state_ = RscState::stable;
    add(Step{Step::Kind::mark_settled, {}, HoldSet::none});
}

void ResourceManager::shutdown(TimePoint now)
{
    (void)now;
    if (state_ == RscState::shutdown) {
        return;
    }
    HB_LOG(info) << "Giving up all HA resources.";
    state_ = RscState::shutdown;
    standby_ = Standby::none;
    standby_deadline_.reset();
    held_ = HoldSet::none;
    ip_requests_.clear();
    if (!settings_.peer.empty() && !legacy()) {
        send_resource(false, "shutdown");
    }
    // Every group, held or not (3.0.6 does the same; stops are idempotent).
    steps_.erase(std::remove_if(steps_.begin(), steps_.end(),
                                [](const Step& s) { return s.kind != Step::Kind::release; }),
                 steps_.end());
    release(HoldSet::all);
    add(Step{Step::Kind::mark_shutdown_released, {}, HoldSet::none});
}

void ResourceManager::run_markers()
{
    while (!steps_.empty() && !step_running_) {
        const Step step = steps_.front();
        switch (step.kind) {
        case Step::Kind::acquire:
        case Step::Kind::release: return;
        case Step::Kind::mark_standby_released: {
            // A group whose stop failed still runs here: it is not handed over (the peer
            // would start it a second time), and we keep claiming its side.
            const HoldSet stuck = stuck_in(step.set);
            if (stuck != HoldSet::none) {
                HB_LOG(crit) << "standby: " << to_string(stuck) << " resources could not all be "
                             << "stopped; they stay here and are not handed to "
                             << settings_.peer;
                held_ = held_ | stuck;
            }
            const HoldSet given = step.set & ~stuck;
            HB_LOG(info) << to_string(given) << " HA resource release completed (standby).";
            standby_ = Standby::done;
            send_standby(given, "done");
            break;
        }
        case Step::Kind::mark_standby_acquired:
            HB_LOG(info) << "Standby resource acquisition done [" << to_string(step.set) << "].";
            held_ = held_ | mirror(step.set);
            send_standby(step.set, "done");
            standby_ = Standby::none;
            standby_deadline_.reset();
            send_resource(true);
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
                shutdown_blocked_ = true;
                send_resource(false, "shutdown");
                break;
            }
            HB_LOG(info) << "All HA resources relinquished.";
            wire::Message done;
            done.add("t", "shutdone");
            done.add("st", "dead");
            messages_.push_back(std::move(done));
            shutdown_complete_ = true;
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
                send_resource(true, "req_our_resources()");
            }
            break;
        case Step::Kind::reply_ip_request: {
            wire::Message m;
            m.add("t", "ip-request-resp");
            m.add("dest", settings_.peer);
            m.add("ipaddr", step.key);
            m.add("weown", step.weown ? "yes" : "no");
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
    run_markers();
    if (step_running_ || steps_.empty()) {
        return std::nullopt;
    }
    const Step& step = steps_.front();
    step_running_ = true;
    return GroupRequest{step.key, step.kind == Step::Kind::acquire ? GroupOpKind::acquire
                                                                  : GroupOpKind::release};
}

void ResourceManager::group_done(TimePoint now, const std::string& key, GroupOpState result)
{
    if (!step_running_ || steps_.empty() || steps_.front().key != key) {
        return;
    }
    const bool acquire_step = steps_.front().kind == Step::Kind::acquire;
    // Whether the group's scripts run now: as asked when it worked, still when stuck.
    running_[key] = result == GroupOpState::succeeded ? acquire_step
                                                      : result == GroupOpState::stuck;
    steps_.pop_front();
    step_running_ = false;
    run_markers();
    if (shutdown_blocked_ && !shutdown_retry_at_) {
        shutdown_retry_at_ = now + shutdown_retry;
    }
    if (needs_failback_ && steps_.empty()) {
        perform_auto_failback(now);
    }
}

void ResourceManager::tick(TimePoint now)
{
    if (state_ == RscState::rscrcvd && local_takeover_at_ && now >= *local_takeover_at_) {
        HB_LOG(info) << "local resource transition completed.";
        become_stable(now);
    }
    if (standby_deadline_ && now >= *standby_deadline_ && standby_ == Standby::me &&
        standby_requester_) {
        HB_LOG(warn) << "No reply to standby request.  Standby request cancelled.";
        standby_ = Standby::none;
        standby_deadline_.reset();
        other_is_stable_ = true;
    }
    if (failback_retry_at_ && now >= *failback_retry_at_) {
        perform_auto_failback(now);
    }
    if (shutdown_retry_at_ && now >= *shutdown_retry_at_) {
        shutdown_retry_at_.reset();
        shutdown_blocked_ = false;
        for (const config::ResourceGroup& g : settings_.groups) {
            if (const auto it = running_.find(g.key()); it != running_.end() && it->second) {
                add(Step{Step::Kind::release, g.key(), HoldSet::none});
            }
        }
        add(Step{Step::Kind::mark_shutdown_released, {}, HoldSet::none});
    }
    ask_again(now, true);
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
    if (standby_ == Standby::me) {
        consider(standby_deadline_);
    }
    consider(failback_retry_at_);
    consider(shutdown_retry_at_);
    for (const auto& [key, at] : ip_requests_) {
        consider(at);
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
        return steps_.empty() && ip_requests_.empty() ? "none" : "transition";
    }
    if (state_ != RscState::stable || standby_ != Standby::none || !steps_.empty()) {
        return "transition";
    }
    return std::string(to_string(held_));
}

}  // namespace hb::resources
