// SPDX-License-Identifier: GPL-2.0-or-later
// Engine wiring. Everything runs in the single io_context thread; nothing here blocks.
#include "daemon/engine.hpp"

#include <sys/random.h>

#include <boost/asio/post.hpp>

#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <ctime>
#include <filesystem>

#include "base/text.hpp"
#include "base/value_parsers.hpp"
#include "config/reload_plan.hpp"
#include "daemon/config_loader.hpp"
#include "membership/replay_floor_file.hpp"
#include "platform/files.hpp"
#include "platform/service_manager.hpp"
#include "platform/state_files.hpp"
#include "platform/system_view.hpp"
#include "platform/wall_clock.hpp"

namespace hb::daemon {

namespace asio = boost::asio;

std::uint64_t SystemHost::unix_time() const
{
    return static_cast<std::uint64_t>(std::time(nullptr));
}

std::string SystemHost::load_average() const
{
    return platform::read_load_average();
}

namespace {

std::uint32_t random_seed()
{
    std::uint32_t seed = 0;
    if (::getrandom(&seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed)) {
        seed = static_cast<std::uint32_t>(std::time(nullptr));
    }
    return seed;
}

/// Our media in ha.cf order: the UDP ones we implement (the reload plan's link media).
std::vector<media::MediumSpec> media_specs(const config::HaCf& cf)
{
    std::vector<media::MediumSpec> out;
    for (const config::Medium& m : config::link_media(cf)) {
        media::MediumSpec spec;
        spec.interface = m.interface;
        spec.port = m.port;
        switch (m.type) {
        case config::MediumType::bcast: spec.kind = media::MediumKind::bcast; break;
        case config::MediumType::ucast:
            spec.kind = media::MediumKind::ucast;
            spec.peer = m.peer;
            break;
        case config::MediumType::mcast:
        case config::MediumType::mcast6:
            spec.kind = m.type == config::MediumType::mcast ? media::MediumKind::mcast
                                                            : media::MediumKind::mcast6;
            spec.group = m.group;
            spec.ttl = m.ttl;
            spec.loop = m.loop;
            break;
        case config::MediumType::ucast6:
            spec.kind = media::MediumKind::ucast6;
            spec.peer = m.peer;
            break;
        case config::MediumType::serial:
            spec.kind = media::MediumKind::serial;
            spec.baud = cf.baud;
            break;
        default: continue;  // warned about by the configuration check
        }
        out.push_back(std::move(spec));
    }
    return out;
}

membership::Settings membership_settings(const config::Config& cfg, const EngineSettings& es,
                                         const std::vector<media::MediumSpec>& specs)
{
    membership::Settings s;
    s.self = cfg.node_name;
    s.self_uuid = es.uuid;
    s.generation = es.generation;
    for (const config::Node& n : cfg.ha_cf.nodes) {
        if (n.type == config::NodeType::normal) {
            s.nodes.push_back(n.name);
        }
    }
    for (std::size_t i = 0; i < specs.size(); ++i) {
        s.media.push_back(specs[i].interface);
        if (specs[i].kind == media::MediumKind::serial) {
            s.ring_media.push_back(i);
        }
    }
    s.keepalive = cfg.ha_cf.keepalive;
    s.deadtime = cfg.ha_cf.deadtime;
    s.warntime = cfg.ha_cf.warntime;
    s.initdead = cfg.ha_cf.initdead;
    s.hopfudge = cfg.ha_cf.hopfudge;
    s.max_rexmit_delay = membership::Milliseconds(cfg.ha_cf.max_rexmit_delay_ms);
    s.seed = random_seed();
    s.deadping = cfg.ha_cf.deadping;
    // With a crc key among them, anyone can forge a message: nothing to gain from floors.
    s.keep_replay_floors =
        std::none_of(cfg.authkeys.keys.begin(), cfg.authkeys.keys.end(),
                     [](const auto& key) { return key.second.method == config::AuthMethod::crc; });
    for (const config::Medium& m : cfg.ha_cf.media) {
        if (m.type == config::MediumType::ping) {
            s.ping_nodes.push_back({base::to_lower(m.interface), {m.interface}});
        } else if (m.type == config::MediumType::ping_group) {
            s.ping_nodes.push_back({base::to_lower(m.group), m.hosts});
        }
    }
    return s;
}

std::vector<api::ChildSpec> child_specs(const config::HaCf& cf)
{
    std::vector<api::ChildSpec> out;
    for (const config::ClientChild& c : cf.clients) {
        out.push_back({c.user, c.command, c.failfast});
    }
    return out;
}

/// `env FAILFAST=reboot` asks for 3.0.6's reboot when a failfast child dies; anything else
/// (or nothing) gives the resources up and exits instead.
api::FailfastAction failfast_action(const config::HaCf& cf)
{
    for (const auto& [name, value] : cf.env) {
        if (name == "FAILFAST") {
            return value == "reboot" ? api::FailfastAction::reboot
                                     : api::FailfastAction::release_and_exit;
        }
    }
    return api::FailfastAction::release_and_exit;
}

/// The hosts to ping, resolved once at start (before the event loop; a name that does not
/// resolve is left out, and its ping node is then declared dead).
std::vector<media::PingTarget> ping_targets(const membership::Settings& s)
{
    std::vector<media::PingTarget> out;
    for (const auto& node : s.ping_nodes) {
        for (const std::string& host : node.hosts) {
            if (const auto address = platform::resolve_ipv4(host)) {
                out.push_back({node.name, host, boost::asio::ip::address_v4(*address)});
            } else {
                HB_LOG(err) << "ping node " << node.name << ": cannot resolve " << host;
            }
        }
    }
    return out;
}

/// `apiauth` with names looked up once, at start (an unknown name allows nobody).
std::vector<api::AuthRule> resolve_apiauth(const std::vector<config::ApiAuth>& lines)
{
    std::vector<api::AuthRule> rules;
    for (const config::ApiAuth& a : lines) {
        api::AuthRule rule;
        rule.client = a.client;
        for (const auto& u : a.uids) {
            if (const auto id = platform::user_id(u)) {
                rule.uids.insert(*id);
            } else {
                HB_LOG(warn) << "apiauth " << a.client << ": unknown user '" << u << "'";
            }
        }
        for (const auto& g : a.gids) {
            if (const auto id = platform::group_id(g)) {
                rule.gids.insert(*id);
            } else {
                HB_LOG(warn) << "apiauth " << a.client << ": unknown group '" << g << "'";
            }
        }
        rules.push_back(std::move(rule));
    }
    return rules;
}

}  // namespace

Engine::Engine(asio::io_context& io, config::Config config, EngineSettings settings)
    : io_(io),
      config_(std::move(config)),
      settings_(std::move(settings)),
      authenticator_(std::make_unique<auth::Authenticator>(config_.authkeys)),
      reload_runner_(io),
      children_(child_specs(config_.ha_cf), failfast_action(config_.ha_cf)),
      children_runner_(io),
      timer_(io),
      stop_timer_(io),
      signals_(io, SIGTERM, SIGINT, SIGHUP),
      metrics_timer_(io)
{
    signals_.add(SIGUSR1);
    signals_.add(SIGUSR2);
    const auto specs = media_specs(config_.ha_cf);
    auto membership = membership_settings(config_, settings_, specs);
    if (membership.keep_replay_floors) {
        membership.replay_floors = load_replay_floors();
    }
    membership_ = std::make_unique<membership::Membership>(membership, host_);
    if (auto targets = ping_targets(membership); !targets.empty()) {
        pinger_ = std::make_unique<media::IcmpMedium>(io_, std::move(targets));
    }
    // The children's users, looked up now: name lookups may block, and the loop has not
    // started yet.
    for (const config::ClientChild& c : config_.ha_cf.clients) {
        child_ids_.push_back(platform::user_ids(c.user));
    }
    child_runs_.resize(config_.ha_cf.clients.size(), 0);
    for (std::size_t i = 0; i < specs.size(); ++i) {
        media_.push_back(make_medium(i, specs[i]));
    }
    if (settings_.manage_resources) {
        resources_ = std::make_unique<ResourceDriver>(
            io_, config_, [this](wire::Message m) { membership_->send(std::move(m)); },
            [this] {
                flush();
                arm_timer();
            });
    }
}

std::unique_ptr<media::Medium> Engine::make_medium(std::size_t index, const media::MediumSpec& spec)
{
    if (spec.kind == media::MediumKind::serial) {
        return std::make_unique<media::SerialMedium>(io_, index, spec);
    }
    return std::make_unique<media::UdpMedium>(io_, index, spec);
}

void Engine::start_medium(media::Medium& medium)
{
    medium.start(
        [this](std::size_t m, std::string_view bytes) { on_datagram(m, bytes); },
        [this](std::size_t m, bool up, const std::string& why) { on_medium_state(m, up, why); });
}

void Engine::start()
{
    if (config_.ha_cf.watchdog) {
        watchdog_ = platform::KernelWatchdog::open(*config_.ha_cf.watchdog, config_.ha_cf.deadtime);
    }
    for (auto& medium : media_) {
        start_medium(*medium);
    }
    if (pinger_) {
        pinger_->start([this](const std::string& host, std::string_view payload) {
            on_ping_reply(host, payload);
        });
    }
    if (resources_) {
        resources_->start(membership::Clock::now());
    }
    if (!settings_.state_dir.empty()) {
        fifo_ = std::make_unique<api::ClusterFifo>(
            io_, settings_.state_dir + "/fifo",
            [this](wire::Message m) { on_local_message(std::move(m)); });
        fifo_->open();
    }
    start_api();
    membership_->start(membership::Clock::now());
    flush();
    arm_timer();
    start_metrics_textfile();
    start_metrics_listener();
    restore_events();
    record(metrics::make_event(
        metrics::EventKind::daemon_start,
        "heartbeat started (generation " + std::to_string(settings_.generation) + ")"));
    signals_.async_wait([this](const auto& ec, int sig) { on_signal(ec, sig); });
}

void Engine::on_medium_state(std::size_t medium, bool up, const std::string& why)
{
    const auto& spec = media_[medium]->spec();
    if (up && spec.kind != media::MediumKind::serial) {  // (the serial one says it itself)
        HB_LOG(info) << "UDP " << media::to_string(spec.kind) << " heartbeat started on port "
                     << spec.port << " interface " << spec.interface;
    } else if (!up) {
        HB_LOG(err) << "medium " << media::to_string(spec.kind) << " "
                    << spec.interface << " is down: " << why
                    << " (retrying; other media keep working)";
    }
}

void Engine::on_datagram(std::size_t medium, std::string_view bytes)
{
    if (stopping_) {
        return;
    }
    auto verified = authenticator_->verify(bytes);
    if (!verified.ok()) {
        const auto& rejection = verified.error();
        metrics_.rejected(rejection.error);
        if (bad_packets_.refused(membership::Clock::now())) {
            const std::string why(auth::to_string(rejection.error));
            record(metrics::make_event(metrics::EventKind::bad_packets,
                                       "refused datagrams on " + media_[medium]->spec().interface +
                                           " (" + why +
                                           "; all of them counted in "
                                           "heartbeat_packets_rejected_total)",
                                       {}, why),
                   base::LogLevel::warn);
        }
        if (config_.ha_cf.log_badpack && bad_packet_log_.allow(membership::Clock::now())) {
            const auto suppressed = bad_packet_log_.take_suppressed();
            HB_LOG(warn) << "dropped packet on " << media_[medium]->spec().interface << ": "
                         << auth::to_string(rejection.error)
                         << (rejection.decode_error
                                 ? std::string(" (") +
                                       std::string(wire::to_string(*rejection.decode_error)) + ")"
                                 : std::string())
                         << " (" << bytes.size() << " bytes)"
                         << (suppressed > 0 ? ", " + std::to_string(suppressed) + " more not logged"
                                            : std::string());
        }
        return;
    }
    // A datagram read before the overdue timer ran: it waited while we were paused, and its
    // sender's silence is measured on the time we ran, as the timer would measure it.
    const auto now = now_after_pause();
    membership_->receive(now, medium, verified.value().message);
    flush();
    arm_timer();
}

void Engine::on_ping_reply(const std::string& host, std::string_view payload)
{
    if (stopping_) {
        return;
    }
    // What came back must be what we signed: anything else is someone else's packet.
    auto verified = authenticator_->verify(payload);
    if (!verified.ok()) {
        metrics_.rejected(verified.error().error);
        HB_LOG(debug) << "ping reply from " << host
                      << " refused: " << auth::to_string(verified.error().error);
        return;
    }
    const auto now = now_after_pause();  // as for a heartbeat (on_datagram)
    membership_->receive_ping(now, host, verified.value().message);
    flush();
    arm_timer();
}

void Engine::flush()
{
    // Events can make the resource manager send, which can make membership send: go round
    // until both are quiet. Each round answers the events of the one before; a chain this
    // long is a bug (two layers answering each other forever), said once, and the events
    // left wait for the next turn of the loop rather than being lost.
    constexpr int max_rounds = 16;
    for (int round = 0;; ++round) {
        auto events = membership_->take_events();
        if (events.empty()) {
            break;
        }
        if (round == max_rounds) {
            HB_LOG(err) << "membership and resources did not settle after " << max_rounds
                        << " rounds of events (" << events.size()
                        << " pending): this is a bug in heartbeat; going on next turn";
            membership_->put_back_events(std::move(events));
            break;
        }
        const auto now = membership::Clock::now();
        for (const membership::Event& e : events) {
            handle_event(e);
            if (resources_) {
                resources_->on_event(now, e, *membership_);
            }
        }
    }
    for (const wire::Message& m : membership_->take_outgoing()) {
        if (watchdog_ && m.get("t") == std::optional<std::string_view>("status")) {
            watchdog_->tickle();  // one of our heartbeats: the loop runs
        }
        send_on_media(m, std::nullopt);
    }
    // The serial ring: another node's message goes on along our other serial links.
    for (const membership::Forward& f : membership_->take_forwards()) {
        send_on_media(f.message, f.from_medium);
    }
    for (const membership::Ping& p : membership_->take_pings()) {
        if (pinger_) {
            pinger_->send(p.node, authenticator_->sign(p.message));
        }
    }
    if (resources_) {
        for (const auto& done : resources_->take_group_ops_done()) {
            metrics_.group_op(done);
            const bool ok = done.outcome == resources::GroupOpState::succeeded;
            const bool taken = done.kind == resources::GroupOpKind::acquire;
            metrics::Event ev = metrics::make_event(
                !ok     ? metrics::EventKind::group_failed
                : taken ? metrics::EventKind::group_acquired
                        : metrics::EventKind::group_released,
                "group " + done.group +
                    (!ok ? " " + std::string(resources::to_string(done.kind)) + " " +
                               std::string(resources::to_string(done.outcome))
                     : taken ? " running here"
                             : " released here") +
                    " (" + base::format_ms(done.took) + ")",
                {}, {}, done.group);
            ev.took_ms = done.took.count();
            record(std::move(ev), ok ? base::LogLevel::info : base::LogLevel::warn);
        }
        for (const auto& done : resources_->take_scripts_done()) {
            metrics_.script(done);
        }
    }
}

std::string Engine::metrics_page() const
{
    std::optional<metrics::ClusterMetrics::Resources> groups;
    if (resources_) {
        groups.emplace(metrics::ClusterMetrics::Resources{resources_->groups()});
    }
    std::optional<metrics::ClusterMetrics::ApiClients> clients;
    if (api_) {
        clients.emplace(metrics::ClusterMetrics::ApiClients{api_->connections(), api_->clients()});
    }
    return metrics_.page(membership::Clock::now(), *membership_, groups, clients) +
           (resources_ ? metrics::lvs_page(resources_->lvs_tables(), platform::wall_clock_ms())
                       : "");
}

void Engine::send_on_media(const wire::Message& m, std::optional<std::size_t> forwarded_from)
{
    // One signature per format: netstring datagrams for UDP, classic text for a serial line
    // (what 3.0.6 writes there). A forwarded message goes on the ring's other links only.
    std::shared_ptr<const std::string> datagram;
    std::shared_ptr<const std::string> classic;
    for (std::size_t i = 0; i < media_.size(); ++i) {
        const bool serial = media_[i]->spec().kind == media::MediumKind::serial;
        if (forwarded_from && (!serial || i == *forwarded_from)) {
            continue;
        }
        auto& text = serial ? classic : datagram;
        if (!text) {
            text = std::make_shared<const std::string>(serial ? authenticator_->sign_classic(m)
                                                              : authenticator_->sign(m));
        }
        media_[i]->send(text);
        metrics_.sent(i);
    }
}

void Engine::handle_event(const membership::Event& event)
{
    metrics_.on_event(event);
    record_membership_event(event);
    if (api_server_) {
        switch (event.kind) {
        case membership::EventKind::node_status:
            api_server_->apply(api_->on_node_status(event.node, membership::to_string(event.to)));
            break;
        case membership::EventKind::link_status:
            api_server_->apply(api_->on_link_status(event.node, event.link,
                                                    membership::to_string(event.link_status)));
            break;
        case membership::EventKind::message:
            api_server_->apply(api_->on_cluster_message(event.message));
            break;
        default: break;
        }
    }
    if (event.kind == membership::EventKind::comm_up) {
        HB_LOG(debug) << "communication with all nodes is up";
        children_.comm_up(api::ChildClock::now());
        run_child_actions();
    } else if (!resources_ && event.kind == membership::EventKind::message &&
               event.node != config_.node_name &&  // our own, looped back, is not news
               event.message.get("t") == std::optional<std::string_view>("shutdone")) {
        HB_LOG(info) << "Received shutdown notice from '" << event.node << "'.";
    }
}

void Engine::on_local_message(wire::Message message)
{
    if (stopping_) {
        return;
    }
    route_local(std::move(message), "the FIFO");
    flush();
    arm_timer();
}

void Engine::route_local(wire::Message message, std::string_view from)
{
    // A message from this machine (a script through the FIFO, an API client such as
    // ipfail): 3.0.6 handles its own cluster messages as it sends them, so a standby
    // request takes effect here, and the resource manager's own types are not forged.
    const std::string type(message.get("t").value_or(""));
    const auto now = membership::Clock::now();
    if (type == "ask_resources") {
        // hb_standby: `rsc_hold=<set> info=me`; the manager runs 3.0.6's standby protocol.
        const auto set = resources::hold_set_from(message.get("rsc_hold").value_or(""));
        if (message.get("info") != std::optional<std::string_view>("me") || !set) {
            HB_LOG(warn) << "ignored a standby request without info=me and a valid rsc_hold";
        } else if (!resources_) {
            HB_LOG(warn) << "standby request ignored: resources are not managed (-M)";
        } else {
            record(metrics::make_event(metrics::EventKind::request,
                                       "standby asked for here (" +
                                           std::string(resources::to_string(*set)) + ", " +
                                           std::string(from) + ")",
                                       {}, "standby"));
            resources_->request_standby(now, *set);
        }
    } else if (type.empty() || (resources::is_resource_message(type) && type != "hb_takeover")) {
        HB_LOG(warn) << "ignored a message of type '" << type << "' from " << from
                     << ": that type belongs to the resource manager itself";
    } else {
        // hb_takeover, ipfail's num_ping_nodes, any script's ha_clustermsg: to the cluster.
        HB_LOG(debug) << "sending a '" << type << "' message from " << from;
        if (type == "hb_takeover") {
            record(metrics::make_event(metrics::EventKind::request,
                                       "takeover asked for here (" +
                                           std::string(message.get("rsc_hold").value_or("all")) +
                                           ", " + std::string(from) + ")",
                                       {}, "takeover"));
        }
        membership_->send(std::move(message));
    }
}

void Engine::start_api()
{
    if (settings_.run_dir.empty()) {
        return;
    }
    api_ = std::make_unique<api::ApiService>(api_settings(), *this);
    api_server_ = std::make_unique<api::ApiServer>(
        io_, settings_.run_dir + "/register", *api_,
        [this](std::vector<wire::Message> messages) { send_from_api(std::move(messages)); });
    if (!api_server_->open()) {
        api_server_.reset();
    }
}

api::ApiSettings Engine::api_settings() const
{
    const config::HaCf& cf = config_.ha_cf;
    api::ApiSettings s;
    s.node = config_.node_name;
    s.version = settings_.version;
    s.deadtime = cf.deadtime;
    s.keepalive = cf.keepalive;
    s.logfacility = cf.logfacility.empty() ? -1 : base::facility_code(cf.logfacility);
    s.pacemaker = cf.pacemaker;
    s.parameters = cf.parameters;
    s.auth = resolve_apiauth(cf.apiauth);
    s.daemon_uid = ::geteuid();
    return s;
}

void Engine::send_from_api(std::vector<wire::Message> messages)
{
    if (stopping_) {
        return;
    }
    for (auto& m : messages) {
        route_local(std::move(m), "an API client");
    }
    // Called from socket handlers and from inside flush(); sending is picked up by the
    // next flush, which a posted call guarantees without re-entering this one.
    asio::post(io_, [this] {
        if (!stopping_) {
            flush();
            arm_timer();
        }
    });
}

std::vector<api::NodeInfo> Engine::nodes() const
{
    std::vector<api::NodeInfo> out;
    const membership::TimePoint now = membership::Clock::now();
    for (const membership::Node& n : membership_->nodes()) {
        api::NodeInfo info;
        info.name = n.name;
        info.type = n.type == membership::NodeType::ping ? "ping" : "normal";
        info.status = std::string(membership::to_string(n.status));
        for (const membership::Link& l : n.links) {
            std::optional<std::int64_t> heard;
            if (l.last_heard) {
                heard = std::max<std::int64_t>(
                    0, std::chrono::duration_cast<std::chrono::milliseconds>(now - *l.last_heard)
                           .count());
            }
            info.links.push_back({l.name, std::string(membership::to_string(l.status)), heard});
        }
        info.uuid = n.uuid;  // weight and site: 3.0.6's defaults (100, empty)
        out.push_back(std::move(info));
    }
    return out;
}

std::optional<std::string> Engine::resource_status() const
{
    if (!resources_) {
        return std::nullopt;
    }
    return resources_->rscstatus();
}

void Engine::arm_timer()
{
    if (stopping_) {
        return;
    }
    armed_for_ = membership_->next_deadline();
    if (resources_) {
        if (const auto r = resources_->next_deadline(); r && *r < armed_for_) {
            armed_for_ = *r;
        }
    }
    timer_.expires_at(armed_for_);
    timer_.async_wait([this](const boost::system::error_code& ec) { on_timer(ec); });
}

membership::TimePoint Engine::now_after_pause()
{
    const auto now = membership::Clock::now();
    membership_->discount_pause(armed_for_, now);
    return now;
}

void Engine::on_timer(const boost::system::error_code& ec)
{
    if (ec == asio::error::operation_aborted || stopping_) {
        return;
    }
    // Our own heartbeat: the loop woke this much after it meant to. heartbeat 3.0.6 treats
    // its own status arriving late like a peer's; past deadtime it restarts itself ("No local
    // heartbeat"). We cannot have missed anything but time, so we say how long we stalled.
    // Before the datagrams that waited in the sockets are read: the peers' silence is
    // measured on the time we ran.
    const auto now = now_after_pause();
    const auto stalled = std::chrono::duration_cast<std::chrono::milliseconds>(now - armed_for_);
    if (stalled > config_.ha_cf.warntime) {
        HB_LOG(crit) << "Late heartbeat: Node " << config_.node_name << ": interval "
                     << stalled.count() << " ms (our own: the process did not run; "
                     << (stalled > config_.ha_cf.deadtime ? "longer than deadtime, peers may "
                                                            "have declared us dead)"
                                                          : "under deadtime)");
    }
    if (stalled > config_.ha_cf.warntime) {
        // After a stall, read what arrived meanwhile before judging anyone by their silence:
        // the posted tick runs after the receive handlers that are already ready.
        asio::post(io_, [this] {
            if (!stopping_) {
                run_timers(membership::Clock::now());
            }
        });
        return;
    }
    run_timers(now);
}

std::string Engine::replay_floor_path() const
{
    return settings_.state_dir + "/" + std::string(membership::replay_floor_file);
}

membership::ReplayFloors Engine::load_replay_floors() const
{
    if (settings_.state_dir.empty()) {
        return {};
    }
    const std::string path = replay_floor_path();
    std::error_code error;
    const auto text = platform::read_file_prefix(path, 64 * 1024, error);
    if (!text) {
        if (error != std::errc::no_such_file_or_directory) {
            HB_LOG(warn) << "cannot read " << path << ": " << error.message()
                         << "; peers' packets from before this start are not refused";
        }
        return {};
    }
    base::Diagnostics problems;
    auto floors = membership::parse_replay_floors(*text, path, problems);
    for (const base::Diagnostic& d : problems.all()) {
        HB_LOG(warn) << base::format(d);
    }
    return floors;
}

void Engine::save_replay_floors(const membership::ReplayFloors& floors)
{
    if (settings_.state_dir.empty()) {
        return;
    }
    std::error_code error;
    if (platform::replace_file(replay_floor_path(), membership::format_replay_floors(floors),
                               error)) {
        floor_write_error_.clear();
        return;
    }
    if (error != floor_write_error_) {  // once per kind of failure, not once per write
        HB_LOG(err) << "cannot write " << replay_floor_path() << ": " << error.message()
                    << "; after a restart, replays of the peers' recent packets would pass";
        floor_write_error_ = error;
    }
}

void Engine::run_timers(membership::TimePoint now)
{
    membership_->tick(now);
    if (const auto floors = membership_->take_replay_floors_due(now)) {
        save_replay_floors(*floors);
    }
    if (resources_) {
        resources_->tick(now);
    }
    flush();
    arm_timer();
}

void Engine::on_signal(const boost::system::error_code& ec, int signal)
{
    if (ec) {
        return;
    }
    switch (signal) {
    case SIGTERM:
    case SIGINT: stop(signal == SIGTERM ? "SIGTERM" : "SIGINT"); return;
    case SIGHUP: reload(); break;
    case SIGUSR1:
        base::Logger::instance().set_debug_level(base::Logger::instance().debug_level() + 1);
        HB_LOG(info) << "debug level now " << base::Logger::instance().debug_level();
        break;
    case SIGUSR2:
        base::Logger::instance().set_debug_level(base::Logger::instance().debug_level() - 1);
        HB_LOG(info) << "debug level now " << base::Logger::instance().debug_level();
        break;
    default: break;
    }
    signals_.async_wait([this](const auto& e, int s) { on_signal(e, s); });
}

namespace {

/// The machine as the reload sees it, once `heartbeat --check-config` has checked it in a
/// child: the questions that could block the event loop (users and groups through NSS,
/// host names through DNS) are answered yes; the local ones are asked.
class CheckedSystemView final : public config::SystemView {
public:
    bool interface_exists(std::string_view name) const override
    {
        return real_.interface_exists(name);
    }
    bool is_executable_file(const std::string& path) const override
    {
        return real_.is_executable_file(path);
    }
    bool user_exists(std::string_view) const override { return true; }
    bool group_exists(std::string_view) const override { return true; }
    bool resolves_ipv4(std::string_view) const override { return true; }

private:
    platform::LinuxSystemView real_;
};

}  // namespace

void Engine::reload()
{
    if (reload_check_) {
        HB_LOG(warn) << "SIGHUP: a reload is already being checked; this one adds nothing";
        return;
    }
    platform::notify_reloading();
    // Like heartbeat: check everything, and with any error keep running on the old
    // configuration. The check looks users and host names up, which can block: it runs as
    // a child (`heartbeat --check-config`, what `heartbeat -r` ran before signalling us),
    // and the event loop goes on meanwhile.
    platform::ProcessSpec check;
    check.path = settings_.self_exe;
    check.args = {"--check-config", "--config-dir", settings_.config_dir};
    if (settings_.node_name) {
        check.args.insert(check.args.end(), {"--node-name", *settings_.node_name});
    }
    check.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"};
    check.timeout = std::chrono::seconds(60);
    check.log_tag = "reload check";
    check.log_output = false;
    reload_check_ = reload_runner_.run(
        std::move(check),
        [this](const platform::ProcessResult& result) { on_reload_checked(result); });
}

void Engine::on_reload_checked(const platform::ProcessResult& check)
{
    reload_check_.reset();
    if (stopping_) {
        return;
    }
    if (check.outcome != platform::ProcessOutcome::exited || check.exit_code != 0) {
        record(metrics::make_event(metrics::EventKind::reload,
                                   "SIGHUP: configuration has errors; keeping the running one", {},
                                   "refused"),
               base::LogLevel::err);
        for (const std::string& text : {check.output, check.errors}) {
            for (const auto& line : base::split_lines(text)) {
                if (line.find("error") != std::string_view::npos) {
                    HB_LOG(err) << line;
                }
            }
        }
        if (check.outcome != platform::ProcessOutcome::exited) {
            HB_LOG(err) << "SIGHUP: the check " << platform::to_string(check.outcome);
        }
    } else {
        apply_reload();
    }
    platform::notify_ready("configuration reloaded");
}

void Engine::apply_reload()
{
    // The plan (config/reload_plan) judges what changes; here it is carried out. What did
    // not change is not touched: its sockets stay open and its groups keep running.
    LoadOptions options;
    options.config_dir = settings_.config_dir;
    options.node_name = settings_.node_name;
    const CheckedSystemView system;
    const LoadResult result = load_config(options, system);
    if (!result.config) {
        HB_LOG(err) << "SIGHUP: configuration changed while it was checked; keeping the "
                       "running one";
        return;
    }
    const config::ReloadPlan plan = config::plan_reload(config_, *result.config);
    for (const config::RestartNeeded& r : plan.restart_needed) {
        HB_LOG(warn) << "SIGHUP: " << r.where.file
                     << (r.where.line > 0 ? ":" + std::to_string(r.where.line) : std::string())
                     << ": '" << r.directive
                     << "' changed; that change takes effect when heartbeat is restarted";
    }
    if (plan.changes.empty()) {
        HB_LOG(info) << (plan.restart_needed.empty() ? "Configuration unchanged."
                                                     : "Configuration reloaded: nothing in place");
        return;
    }
    const config::NgCf old_extensions = config_.extensions;
    config_ = plan.applied;  // the resource driver reads the scripts' environment from it
    const auto now = membership::Clock::now();
    if (plan.has(config::Change::authkeys)) {
        authenticator_ = std::make_unique<auth::Authenticator>(config_.authkeys);
        HB_LOG(info) << "Authentication keys reloaded (signing with key "
                     << config_.authkeys.active_index << ")";
    }
    if (plan.has(config::Change::media)) {
        reload_media(plan.media_from);
        metrics_.renumber_media(plan.media_from);
    }
    if (plan.has(config::Change::media) || plan.has(config::Change::timing)) {
        membership_->reconfigure(
            now, membership_settings(config_, settings_, media_specs(config_.ha_cf)),
            plan.media_from);
    }
    if (resources_ &&
        (plan.has(config::Change::groups) || plan.has(config::Change::auto_failback) ||
         plan.has(config::Change::scripts) || plan.has(config::Change::stonith))) {
        resources_->reconfigure(
            now, resources::controller_settings(config_.ha_cf, config_.node_name, config_.groups));
    }
    if (plan.has(config::Change::clients) || plan.has(config::Change::scripts)) {
        children_.reconfigure(api::ChildClock::now(), child_specs(config_.ha_cf),
                              failfast_action(config_.ha_cf));
        // New children are appended; their users are looked up now (local files here;
        // the check that ran first has already found them).
        for (std::size_t i = child_ids_.size(); i < children_.size(); ++i) {
            child_ids_.push_back(platform::user_ids(children_.spec(i).user));
        }
        child_runs_.resize(children_.size(), 0);
        run_child_actions();
    }
    if (api_ && plan.has(config::Change::api)) {
        api_->reconfigure(api_settings());
    }
    if (plan.has(config::Change::metrics)) {
        const auto& old_textfile = old_extensions.metrics_textfile;
        if (old_textfile && old_textfile != config_.extensions.metrics_textfile) {
            std::error_code ignored;
            std::filesystem::remove(*old_textfile, ignored);  // nobody rewrites it any more
        }
        start_metrics_textfile();
        if (old_extensions.metrics_listen != config_.extensions.metrics_listen) {
            start_metrics_listener();
        }
    }
    if (plan.has(config::Change::logging)) {
        base::Logger::instance().set_debug_level(config_.ha_cf.debug);
    }
    record(metrics::make_event(metrics::EventKind::reload,
                               "Configuration reloaded: " + plan.summary(), {}, "applied"));
    flush();
    arm_timer();
}

void Engine::reload_media(const std::vector<std::optional<std::size_t>>& media_from)
{
    const auto specs = media_specs(config_.ha_cf);
    std::vector<std::unique_ptr<media::Medium>> next;
    std::vector<bool> kept(media_.size(), false);
    std::vector<std::size_t> opened;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (const auto from = media_from[i]; from && *from < media_.size()) {
            kept[*from] = true;
            next.push_back(std::move(media_[*from]));
            next.back()->renumber(i);
        } else {
            next.push_back(make_medium(i, specs[i]));
            opened.push_back(i);
        }
    }
    for (std::size_t j = 0; j < media_.size(); ++j) {
        if (!kept[j]) {
            HB_LOG(info) << "UDP " << media::to_string(media_[j]->spec().kind)
                         << " heartbeat stopped on port " << media_[j]->spec().port << " interface "
                         << media_[j]->spec().interface << " (reload)";
            media_[j]->stop();
            retired_media_.push_back(std::move(media_[j]));
        }
    }
    media_ = std::move(next);
    // Opened once they are in place: a medium reports its state (by index) as it opens.
    for (const std::size_t i : opened) {
        start_medium(*media_[i]);
    }
}

void Engine::stop(const std::string& why)
{
    if (stop_requested_) {
        return;
    }
    stop_requested_ = true;
    HB_LOG(info) << "Heartbeat shutdown in progress. (" << why << ")";
    platform::notify_stopping("releasing resources (" + why + ")");
    if (resources_ && resources_->started()) {
        // Heartbeats go on while the groups are released; `shutdone` follows, then we go.
        resources_->shutdown(membership::Clock::now(), [this] { stop_children_then_finish(); });
        flush();
        arm_timer();
        return;
    }
    // Tell the peers we are leaving on purpose, so they need not wait for deadtime.
    wire::Message done;
    done.add("t", "shutdone");
    done.add("st", "dead");
    membership_->send(std::move(done));
    flush();
    stop_children_then_finish();
}

void Engine::stop_children_then_finish()
{
    // As 3.0.6: the resources first, then the respawned clients, the last one first.
    after_children_ = [this] { finish_stop(); };
    children_.shutdown();
    run_child_actions();
}

void Engine::run_child_actions()
{
    for (const api::ClientChildren::Action& a : children_.take_actions()) {
        switch (a.kind) {
        case api::ClientChildren::ActionKind::start: start_child(a.child); break;
        case api::ClientChildren::ActionKind::stop:
            HB_LOG(info) << "Shutting down client " << children_.spec(a.child).command;
            children_runner_.terminate(child_runs_[a.child]);
            break;
        case api::ClientChildren::ActionKind::failfast:
            if (children_.failfast_action() == api::FailfastAction::reboot) {
                HB_LOG(crit) << "failfast: rebooting this machine (env FAILFAST=reboot)";
                platform::ProcessSpec reboot;
                reboot.path = "/sbin/reboot";
                reboot.args = {"-f"};
                reboot.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
                reboot_runs_.push_back(children_runner_.run(std::move(reboot), [](const auto&) {}));
            } else {
                exit_status_ = 1;
                stop("failfast client " + children_.spec(a.child).command + " died");
            }
            break;
        }
    }
    if (after_children_ && children_.all_stopped()) {
        auto next = std::move(after_children_);
        after_children_ = nullptr;
        next();
    }
}

void Engine::start_child(std::size_t i)
{
    const api::ChildSpec& spec = children_.spec(i);
    const auto& ids = child_ids_[i];
    if (!ids) {
        HB_LOG(err) << "Cannot start client " << spec.command << ": no user " << spec.user;
        children_.start_failed(i);
        return;
    }
    HB_LOG(info) << "Starting child client \"" << spec.command << "\" (" << ids->first << ","
                 << ids->second << ")";
    platform::ProcessSpec p;
    const std::vector<std::string> shell = {"/bin/sh", "-c", "exec " + spec.command};
    if (ids->first == 0) {
        p.path = shell[0];
        p.args.assign(shell.begin() + 1, shell.end());
    } else {
        // posix_spawn cannot change user: setpriv (util-linux) does it, then execs the shell.
        p.path = "/usr/bin/setpriv";
        p.args = {"--reuid=" + std::to_string(ids->first), "--regid=" + std::to_string(ids->second),
                  "--init-groups", "--"};
        p.args.insert(p.args.end(), shell.begin(), shell.end());
    }
    p.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "HA_DIR=" + config_.config_dir};
    p.log_tag = spec.command.substr(spec.command.rfind('/', spec.command.find(' ')) + 1);
    child_runs_[i] = children_runner_.run(
        std::move(p), [this, i](const platform::ProcessResult& r) { on_child_exit(i, r); });
}

void Engine::on_child_exit(std::size_t i, const platform::ProcessResult& result)
{
    switch (result.outcome) {
    case platform::ProcessOutcome::spawn_failed:
        HB_LOG(err) << "Cannot exec " << children_.spec(i).command << ": " << result.spawn_error;
        children_.start_failed(i);
        break;
    case platform::ProcessOutcome::exited:
        children_.exited(api::ChildClock::now(), i, {result.exit_code, 0});
        break;
    default: children_.exited(api::ChildClock::now(), i, {std::nullopt, result.signal}); break;
    }
    run_child_actions();
    flush();
}

namespace {

/// Most of the events file read back at start (1000 events are about 150 KiB).
constexpr std::size_t max_events_file = 4 * 1024 * 1024;

}  // namespace

std::string Engine::events_path() const
{
    return settings_.state_dir + "/" + metrics::events_file_name;
}

void Engine::restore_events()
{
    if (settings_.state_dir.empty()) {
        return;
    }
    std::error_code error;
    const std::string path = events_path();
    if (const auto text = platform::read_file_prefix(path, max_events_file, error)) {
        events_.restore(*text);
    }
}

void Engine::record(metrics::Event event, base::LogLevel level)
{
    event.unix_ms = platform::wall_clock_ms();
    if (event.kind == metrics::EventKind::node_status ||
        event.kind == metrics::EventKind::link_status ||
        event.kind == metrics::EventKind::partition_healed) {
        // Membership's own line said it, with the fields (heartbeat 3.0.6's text).
        HB_LOG(debug) << "event: " << event.text;
    } else {
        // The event's text is the line that says it, with the fields for the journal.
        base::LogFields fields = base::log_fields(event.kind, event.node, event.group);
        fields.detail = event.detail;
        fields.took_ms = event.took_ms;
        if (base::Logger::instance().enabled(level)) {
            base::LogLine(level, std::move(fields)).stream() << event.text;
        }
    }
    const std::string line = events_.add(std::move(event));
    if (settings_.state_dir.empty()) {
        return;
    }
    const std::string path = events_path();
    std::error_code error;
    if (events_.wants_rewrite()) {
        if (platform::replace_file(path, events_.text(), error, 0644)) {
            events_.rewritten();
        }
    } else {
        platform::append_file(path, line, error);
    }
    if (error && error != events_error_) {
        HB_LOG(err) << "events: cannot write " << path << ": " << error.message();
    }
    events_error_ = error;
}

void Engine::record_membership_event(const membership::Event& event)
{
    using membership::EventKind;
    switch (event.kind) {
    case EventKind::node_status:
        if (event.from != event.to) {
            const std::string to(membership::to_string(event.to));
            record(metrics::make_event(metrics::EventKind::node_status,
                                       "node " + event.node + ": " + to, event.node, to));
        }
        break;
    case EventKind::link_status: {
        record(metrics::make_event(metrics::EventKind::link_status,
                                   "link " + event.node + ":" + event.link + " " +
                                       std::string(membership::to_string(event.link_status)),
                                   event.node, event.link));
    } break;
    case EventKind::partition_healed: {
        record(metrics::make_event(metrics::EventKind::partition_healed,
                                   "partition with " + event.node +
                                       " healed: it was declared dead and is back (split brain)",
                                   event.node));
    } break;
    default: break;
    }
}

void Engine::start_metrics_textfile()
{
    metrics_timer_.cancel();
    if (config_.extensions.metrics_textfile) {
        write_metrics_textfile();
    }
}

void Engine::start_metrics_listener()
{
    if (metrics_listener_) {
        metrics_listener_->close();  // the old one first: the new may want its port
        metrics_listener_.reset();
    }
    if (const auto& where = config_.extensions.metrics_listen) {
        metrics_listener_ =
            std::make_shared<MetricsListener>(io_, *where, [this] { return metrics_page(); });
        metrics_listener_->open();
    }
}

void Engine::write_metrics_textfile()
{
    if (stopping_ || !config_.extensions.metrics_textfile) {
        return;
    }
    const std::string& path = *config_.extensions.metrics_textfile;
    std::error_code error;
    // Replaced, never rewritten in place: node_exporter reads whole pages only.
    if (!platform::replace_file(path, metrics_page(), error, 0644)) {
        if (error != metrics_write_error_) {
            HB_LOG(err) << "metrics: cannot write " << path << ": " << error.message()
                        << " (trying again every "
                        << base::format_ms(config_.extensions.metrics_interval) << ")";
        }
    } else if (metrics_write_error_) {
        HB_LOG(info) << "metrics: " << path << " written again";
    }
    metrics_write_error_ = error;
    metrics_timer_.expires_after(config_.extensions.metrics_interval);
    metrics_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            write_metrics_textfile();
        }
    });
}

void Engine::finish_stop()
{
    if (stopping_) {
        return;
    }
    flush();
    record(metrics::make_event(metrics::EventKind::daemon_stop, "heartbeat stopped"));
    stopping_ = true;
    timer_.cancel();
    metrics_timer_.cancel();
    if (metrics_listener_) {
        metrics_listener_->close();
        metrics_listener_.reset();
    }
    if (config_.extensions.metrics_textfile) {
        // A stopped daemon's figures would look current to node_exporter: none is better.
        std::error_code ignored;
        std::filesystem::remove(*config_.extensions.metrics_textfile, ignored);
    }
    if (membership_->settings().keep_replay_floors) {
        save_replay_floors(membership_->replay_floors());
    }
    // Give the last datagrams a moment to leave before the sockets close.
    stop_timer_.expires_after(std::chrono::milliseconds(200));
    stop_timer_.async_wait([this](const boost::system::error_code&) {
        if (resources_) {
            resources_->cancel();
        }
        if (fifo_) {
            fifo_->close();
        }
        if (api_server_) {
            api_server_->close();
        }
        for (auto& medium : media_) {
            medium->stop();
        }
        if (pinger_) {
            pinger_->stop();
        }
        children_runner_.cancel_all();
        signals_.cancel();
        if (watchdog_) {
            watchdog_->disarm();  // a clean stop: the kernel must not reboot us
        }
        const std::uint64_t rejected = metrics_.rejected_total();
        HB_LOG(info) << "membership: messages dropped while running: "
                     << membership::describe_drops(membership_->counters());
        HB_LOG(info) << config_.node_name << " Heartbeat shutdown complete. (" << rejected
                     << " packets refused while running)";
        if (on_stopped_) {
            on_stopped_();
        }
    });
}

}  // namespace hb::daemon
