// SPDX-License-Identifier: GPL-2.0-or-later
// Resource driver: the controller's script runs and messages on the daemon's io_context.
#include "daemon/resource_driver.hpp"

#include <map>

#include "base/log.hpp"
#include "lvs/nft_ruleset.hpp"
#include "lvs/runtime_state.hpp"
#include "platform/state_files.hpp"
#include "platform/system_view.hpp"

namespace hb::daemon {

namespace {

resources::ScriptResult script_result(const platform::ProcessResult& r)
{
    resources::ScriptResult out;
    switch (r.outcome) {
    case platform::ProcessOutcome::exited: out.outcome = resources::ScriptOutcome::exited; break;
    case platform::ProcessOutcome::signalled:
        out.outcome = resources::ScriptOutcome::signalled;
        break;
    case platform::ProcessOutcome::timed_out:
        out.outcome = resources::ScriptOutcome::timed_out;
        break;
    case platform::ProcessOutcome::spawn_failed:
        out.outcome = resources::ScriptOutcome::spawn_failed;
        break;
    }
    out.exit_code = r.exit_code;
    out.output = r.output;
    return out;
}

}  // namespace

ResourceDriver::ResourceDriver(boost::asio::io_context& io, const config::Config& config,
                               std::function<void(wire::Message)> send,
                               std::function<void()> changed)
    : config_(config),
      send_(std::move(send)),
      changed_(std::move(changed)),
      controller_(resources::controller_settings(config.ha_cf, config.node_name, config.groups)),
      runner_(io)
{}

std::map<std::string, std::string> ResourceDriver::script_vars() const
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
        {"HA_RSCTMP", std::string(lvs::default_rsctmp)},
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
    return env;
}

std::vector<std::string> ResourceDriver::script_env() const
{
    std::vector<std::string> out;
    for (const auto& [name, value] : script_vars()) {
        out.push_back(name + "=" + value);
    }
    return out;
}

std::vector<metrics::LvsTable> ResourceDriver::lvs_tables() const
{
    // ipvsadm-wrapper keeps what it applied and its checker's view under HA_RSCTMP (the value
    // its scripts are given). A file being started or stopped, or one from another version, is
    // simply not on the page this time.
    const std::string rsctmp = script_vars().at("HA_RSCTMP");
    constexpr std::size_t most = 4 * 1024 * 1024;
    std::vector<metrics::LvsTable> out;
    for (const config::ResourceGroup& group : config_.groups) {
        const auto it = groups().find(group.key());
        if (it == groups().end() || it->second != resources::GroupState::running) {
            continue;
        }
        for (const config::Resource& r : group.resources) {
            if (r.script != "ipvsadm-wrapper" || r.args.empty()) {
                continue;
            }
            const std::string dir = lvs::state_dir_path(rsctmp, lvs::nft_table_name(r.args[0]));
            std::error_code error;
            const auto rules = platform::read_file_prefix(dir + "/rules", most, error);
            const auto state_text = platform::read_file_prefix(dir + "/state", most, error);
            if (!rules || !state_text) {
                continue;
            }
            auto config = lvs::parse_rules(*rules, r.args[0]).config;
            auto state = lvs::parse_state(*state_text);
            if (config && state) {
                out.push_back({r.args[0], std::move(*config), std::move(*state)});
            }
        }
    }
    return out;
}

void ResourceDriver::start(membership::TimePoint now)
{
    controller_.start(now);
    pump(now);
}

void ResourceDriver::on_event(membership::TimePoint now, const membership::Event& event,
                              const membership::Membership& membership)
{
    controller_.on_event(now, event, membership);
    pump(now);
}

void ResourceDriver::tick(membership::TimePoint now)
{
    controller_.tick(now);
    pump(now);
}

void ResourceDriver::reconfigure(membership::TimePoint now, resources::ControllerSettings next)
{
    controller_.reconfigure(now, std::move(next));
    pump(now);
}

std::optional<membership::TimePoint> ResourceDriver::next_deadline() const
{
    return controller_.next_deadline();
}

void ResourceDriver::request_standby(membership::TimePoint now, resources::HoldSet set)
{
    controller_.request_standby(now, set);
    pump(now);
}

void ResourceDriver::shutdown(membership::TimePoint now, std::function<void()> done)
{
    shutdown_done_ = std::move(done);
    controller_.shutdown(now);
    pump(now);
}

void ResourceDriver::cancel()
{
    runner_.cancel_all();
}

void ResourceDriver::pump(membership::TimePoint now)
{
    // A script that cannot be found is answered at once, which may queue the next run.
    for (auto runs = controller_.take_runs(now); !runs.empty(); runs = controller_.take_runs(now)) {
        for (const resources::ScriptRun& run : runs) {
            start_run(now, run);
        }
    }
    for (auto& m : controller_.take_messages()) {
        send_(std::move(m));
    }
    if (shutdown_done_ && controller_.shutdown_complete()) {
        auto done = std::move(shutdown_done_);
        shutdown_done_ = nullptr;
        done();
    }
}

void ResourceDriver::start_run(membership::TimePoint now, const resources::ScriptRun& run)
{
    const config::ScriptDirs dirs{config_.config_dir + "/resource.d", "/etc/init.d"};
    const platform::LinuxSystemView system;
    // A STONITH plugin is cluster-glue's script DIR/external/NAME; the rest are resources.
    const std::string plugin = std::string(config::stonith_plugin_dir) + "/" + run.resource.script;
    const auto path =
        run.reason == resources::RunReason::stonith
            ? (system.is_executable_file(plugin) ? std::optional(plugin) : std::nullopt)
            : config::find_resource_script(run.resource.script, dirs, system);
    if (!path) {
        resources::ScriptResult missing;
        missing.outcome = resources::ScriptOutcome::not_found;
        controller_.on_result(now, run.id, missing);
        return;
    }
    if (run.reason == resources::RunReason::group_operation) {
        std::string args;
        for (const auto& arg : run.argv) {
            args += " " + arg;
        }
        HB_LOG(info) << "Running " << *path << args;
    }
    platform::ProcessSpec spec;
    spec.path = *path;
    spec.args = run.argv;
    spec.env = script_env();
    spec.env.insert(spec.env.end(), run.env.begin(), run.env.end());
    spec.timeout = run.timeout;
    spec.log_tag = run.resource.text;
    runner_.run(std::move(spec), [this, id = run.id](const platform::ProcessResult& result) {
        const auto later = membership::Clock::now();
        controller_.on_result(later, id, script_result(result));
        pump(later);
        changed_();
    });
}

}  // namespace hb::daemon
