// SPDX-License-Identifier: GPL-2.0-or-later
// Resource driver: the manager's inputs and outputs on the daemon's io_context.
#include "daemon/resource_driver.hpp"

#include <limits>
#include <map>

#include "base/log.hpp"
#include "daemon/config_loader.hpp"

namespace hb::daemon {

namespace {

std::string peer_of(const config::Config& c)
{
    for (const config::Node& n : c.ha_cf.nodes) {
        if (n.type == config::NodeType::normal && n.name != c.node_name) {
            return n.name;
        }
    }
    return {};
}

resources::RscSettings settings_for(const config::Config& c)
{
    resources::RscSettings s;
    s.self = c.node_name;
    s.peer = peer_of(c);
    s.groups = c.groups;
    s.auto_failback = c.ha_cf.auto_failback;
    return s;
}

bool is_resource_message(std::string_view type)
{
    return type == "starting" || type == "resource" || type == "ask_resources" ||
           type == "shutdone" || type == "ip-request" || type == "ip-request-resp" ||
           type == "hb_takeover";
}

}  // namespace

ResourceDriver::ResourceDriver(boost::asio::io_context& io, const config::Config& config,
                               std::function<void(wire::Message)> send,
                               std::function<void()> changed)
    : config_(config),
      send_(std::move(send)),
      changed_(std::move(changed)),
      manager_(settings_for(config)),
      runner_(io),
      delay_timer_(io),
      peer_(peer_of(config))
{
}

std::vector<std::string> ResourceDriver::script_env() const
{
    const auto& cf = config_.ha_cf;
    const std::string& dir = config_.config_dir;
    // heartbeat's environment for resource scripts (doc/notes/resources-3.0.6.md §10);
    // ha.cf `env NAME=value` settings come last and win (HA_NAME=value).
    std::map<std::string, std::string> env = {
        {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"},
        {"LANG", "C"},
        {"HA_DIR", dir},
        {"HA_FUNCS", dir + "/shellfuncs"},
        {"HA_RESOURCEDIR", dir + "/resource.d"},
        {"HA_RCDIR", dir + "/rc.d"},
        {"HA_DATEFMT", "%Y/%m/%d_%T\t"},
        {"OCF_ROOT", "/usr/lib/ocf"},
        {"HA_CURHOST", config_.node_name},
        {"HA_LOGFILE", cf.logfile},
        {"HA_DEBUGLOG", cf.debugfile},
        {"HA_LOGD", "no"},
        {"HA_BIN", "/usr/libexec/heartbeat"},
        {"HA_RSCTMP", "/run/resource-agents"},
    };
    if (!cf.logfacility.empty()) {
        env["HA_LOGFACILITY"] = cf.logfacility;
    }
    if (cf.debug > 0) {
        env["HA_debug"] = std::to_string(cf.debug);
    }
    if (cf.auto_failback != config::AutoFailback::legacy) {
        env["HA_NICEFAILBACK"] = "yes";
    }
    for (const auto& [name, value] : cf.env) {
        env["HA_" + name] = value;
    }
    std::vector<std::string> out;
    for (const auto& [name, value] : env) {
        out.push_back(name + "=" + value);
    }
    return out;
}

void ResourceDriver::on_event(membership::TimePoint now, const membership::Event& event,
                              const membership::Membership& membership)
{
    using membership::EventKind;
    switch (event.kind) {
    case EventKind::comm_up: {
        const membership::Node* peer = membership.node(peer_);
        const bool alive = peer != nullptr && peer->status != membership::NodeStatus::dead;
        if (checking_) {
            pending_comm_up_ = alive;
            break;
        }
        started_ = true;
        manager_.comm_up(now, alive);
        break;
    }
    case EventKind::node_status:
        if (started_ && event.node == peer_ && event.to == membership::NodeStatus::dead) {
            manager_.peer_dead(now);
        } else if (started_ && event.node == peer_ &&
                   event.from == membership::NodeStatus::dead) {
            manager_.peer_returned(now);
        }
        break;
    case EventKind::node_restarted:
        if (started_ && event.node == peer_) {
            manager_.peer_returned(now);
        }
        break;
    case EventKind::partition_healed:
        if (started_ && event.node == peer_) {
            manager_.partition_healed(now);
        }
        break;
    case EventKind::message:
        if (is_resource_message(event.message.get("t").value_or(""))) {
            manager_.receive(now, event.node, event.message);
        }
        break;
    default: break;
    }
    pump(now);
}

void ResourceDriver::check_idle()
{
    checking_ = true;
    idle_checked_ = 0;
    check_next_group();
}

void ResourceDriver::check_next_group()
{
    const auto now = membership::Clock::now();
    if (idle_checked_ >= config_.groups.size()) {
        checking_ = false;
        if (pending_comm_up_) {
            started_ = true;
            manager_.comm_up(now, *pending_comm_up_);
            pending_comm_up_.reset();
            pump(now);
            changed_();
        }
        return;
    }
    const config::ResourceGroup& g = config_.groups[idle_checked_++];
    const config::Resource& key = g.resources.front();
    const auto path = locate(key);
    if (!path) {
        check_next_group();
        return;
    }
    std::vector<std::string> argv = key.args;
    argv.emplace_back("status");
    runner_.run(spec_for(key, *path, argv, resources::ScriptAction::status),
                [this, &g](const platform::ProcessResult& result) {
                    if (!resources::status_says_running(result.output)) {
                        check_next_group();
                        return;
                    }
                    // What 3.0.6's `ResourceManager verifyallidle` says, and then we act on it.
                    HB_LOG(crit) << "Resource " << g.key() << " is active, and should not be!";
                    HB_LOG(crit) << "Non-idle resources can affect data integrity! Releasing "
                                    "group "
                                 << g.key() << " before joining the cluster";
                    operation_.emplace(g, resources::GroupOpKind::release, stop_retries());
                    idle_release_ = true;
                    run_next_call(membership::Clock::now());
                });
}

void ResourceDriver::tick(membership::TimePoint now)
{
    manager_.tick(now);
    pump(now);
}

std::optional<membership::TimePoint> ResourceDriver::next_deadline() const
{
    return manager_.next_deadline();
}

void ResourceDriver::shutdown(membership::TimePoint now, std::function<void()> done)
{
    shutdown_done_ = std::move(done);
    manager_.shutdown(now);
    pump(now);
}

void ResourceDriver::request_standby(membership::TimePoint now, resources::HoldSet set)
{
    if (!started_) {
        HB_LOG(warn) << "standby request ignored: resources are not managed yet (no comm up)";
        return;
    }
    manager_.request_standby(now, set);
    pump(now);
}

void ResourceDriver::cancel()
{
    delay_timer_.cancel();
    runner_.cancel_all();
}

void ResourceDriver::pump(membership::TimePoint now)
{
    if (!operation_) {
        if (auto request = manager_.next_request()) {
            if (const config::ResourceGroup* g = group(request->key)) {
                operation_.emplace(*g,
                                   request->acquire ? resources::GroupOpKind::acquire
                                                    : resources::GroupOpKind::release,
                                   stop_retries());
            } else {
                manager_.group_done(now, request->key, false, false);
            }
        }
    }
    if (operation_ && !call_running_) {
        run_next_call(now);
    }
    for (auto& m : manager_.take_messages()) {
        send_(std::move(m));
    }
    if (shutdown_done_ && manager_.shutdown_complete()) {
        auto done = std::move(shutdown_done_);
        shutdown_done_ = nullptr;
        done();
    }
}

const config::ResourceGroup* ResourceDriver::group(const std::string& key) const
{
    for (const auto& g : config_.groups) {
        if (g.key() == key) {
            return &g;
        }
    }
    return nullptr;
}

void ResourceDriver::run_next_call(membership::TimePoint now)
{
    if (operation_->state() != resources::GroupOpState::running) {
        const std::string key = operation_->key();
        const bool ok = operation_->state() == resources::GroupOpState::succeeded;
        const bool stuck = operation_->stuck();
        if (!ok) {
            HB_LOG(err) << to_string(operation_->kind()) << " of resource group " << key
                        << " failed: " << operation_->failure();
        }
        operation_.reset();
        if (idle_release_) {
            idle_release_ = false;
            check_next_group();
            return;
        }
        manager_.group_done(now, key, ok, stuck);
        pump(now);
        return;
    }
    auto call = operation_->next(now);
    if (!call) {
        return;
    }
    call_running_ = true;
    if (call->not_before && *call->not_before > now) {
        delay_timer_.expires_at(*call->not_before);
        delay_timer_.async_wait([this, pending = *call](const boost::system::error_code& ec) {
            if (!ec && operation_) {
                start_call(pending);
            }
        });
        return;
    }
    start_call(*call);
}

void ResourceDriver::start_call(const resources::ScriptCall& call)
{
    const std::string key = operation_->key();
    const config::Resource& r = group(key)->resources[call.resource];
    const auto path = locate(r);
    if (!path) {
        HB_LOG(err) << "Cannot locate resource script " << r.script;
        platform::ProcessResult missing;
        missing.outcome = platform::ProcessOutcome::spawn_failed;
        on_call_done(key, call.action, missing);
        return;
    }
    std::string args;
    for (const auto& arg : call.argv) {
        args += " " + arg;
    }
    HB_LOG(info) << "Running " << *path << args;
    const auto action = call.action;
    runner_.run(spec_for(r, *path, call.argv, action),
                [this, key, action](const platform::ProcessResult& res) {
                    on_call_done(key, action, res);
                });
}

std::optional<std::string> ResourceDriver::locate(const config::Resource& r) const
{
    const config::ScriptDirs dirs{config_.config_dir + "/resource.d", "/etc/init.d"};
    const LinuxSystemView system;
    return config::find_resource_script(r.script, dirs, system);
}

platform::ProcessSpec ResourceDriver::spec_for(const config::Resource& r, const std::string& path,
                                               const std::vector<std::string>& argv,
                                               resources::ScriptAction action) const
{
    platform::ProcessSpec spec;
    spec.path = path;
    spec.args = argv;
    spec.env = script_env();
    spec.timeout = timeout_of(action);
    spec.log_tag = r.text;
    return spec;
}

std::chrono::milliseconds ResourceDriver::timeout_of(resources::ScriptAction action) const
{
    const auto& limits = config_.ha_cf.script_limits;
    switch (action) {
    case resources::ScriptAction::start: return limits.start_timeout;
    case resources::ScriptAction::stop: return limits.stop_timeout;
    case resources::ScriptAction::status: return limits.status_timeout;
    }
    return limits.status_timeout;
}

int ResourceDriver::stop_retries() const
{
    // 3.0.6's ResourceManager: HA_STOPRETRYMAX ≤ 0 retries forever.
    const int n = config_.ha_cf.script_limits.stop_retries;
    return n > 0 ? n : std::numeric_limits<int>::max();
}

void ResourceDriver::on_call_done(const std::string& key, resources::ScriptAction action,
                                  const platform::ProcessResult& result)
{
    call_running_ = false;
    if (!operation_ || operation_->key() != key) {
        return;
    }
    resources::ScriptResult r;
    r.exited = result.outcome == platform::ProcessOutcome::exited;
    r.exit_code = result.exit_code;
    r.output = result.output;
    if (result.outcome == platform::ProcessOutcome::timed_out) {
        HB_LOG(err) << "Resource script for " << key << " (" << to_string(action)
                    << ") timed out after " << timeout_of(action).count()
                    << " ms: killed (its process group got SIGTERM, then SIGKILL)";
    } else if (!r.succeeded() && action != resources::ScriptAction::status) {
        HB_LOG(err) << "Return code " << result.exit_code << " from " << key << " ("
                    << platform::to_string(result.outcome) << ")";
    }
    const auto now = membership::Clock::now();
    operation_->complete(now, r);
    run_next_call(now);
    pump(now);
    changed_();
}

}  // namespace hb::daemon
