// SPDX-License-Identifier: GPL-2.0-or-later
// heartbeat: the daemon's entry point. Reads the command line, then either answers at once
// (-V, -D, -s, --check-config), acts on the running daemon (-k, -r), or starts: check the
// configuration, take the generation and uuid, set up logging, detach (errors up to here
// reach the terminal), write the pid file and run the engine until SIGTERM.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "base/diagnostic.hpp"
#include "base/log.hpp"
#include "config/directive_table.hpp"
#include "daemon/config_loader.hpp"
#include "daemon/engine.hpp"
#include "daemon/options.hpp"
#include "platform/files.hpp"
#include "platform/journal.hpp"
#include "platform/process.hpp"
#include "platform/service_manager.hpp"
#include "platform/state_files.hpp"
#include "platform/system_view.hpp"

namespace {

using namespace hb;

constexpr const char* compat_version = "3.0.6";
constexpr const char* our_version = HB_VERSION;  // the project version, from CMake

// Exit codes heartbeat uses (LSB).
constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_not_running = 3;
constexpr int exit_not_configured = 6;

daemon::LoadResult load(const daemon::Options& o)
{
    daemon::LoadOptions load;
    load.config_dir = o.config_dir;
    load.node_name = o.node_name;
    const platform::LinuxSystemView system;
    return daemon::load_config(load, system);
}

void print_diagnostics(const base::Diagnostics& diags)
{
    for (const auto& d : diags.all()) {
        std::cerr << base::format(d) << '\n';
    }
}

int check_config(const daemon::Options& o)
{
    const auto result = load(o);
    print_diagnostics(result.diagnostics);
    const auto errors = result.diagnostics.count(base::Severity::error);
    const auto warnings = result.diagnostics.count(base::Severity::warning);
    if (errors > 0) {
        std::cerr << "configuration has " << errors << " error(s) and " << warnings
                  << " warning(s); heartbeat would not start (node '" << result.node_name << "')\n";
        return exit_failure;
    }
    std::cout << "configuration OK (node '" << result.node_name << "', " << warnings
              << " warning(s))\n";
    return exit_ok;
}

int print_defaults(bool wiki)
{
    const auto& table = config::directive_table();
    std::size_t width = std::string_view("Directive").size();
    for (const auto& d : table) {
        if (d.default_value) {
            width = std::max(width, d.name.size());
        }
    }
    if (wiki) {
        std::cout << "||''Directive''||''Default''||\n";
    } else {
        std::printf("%-*s  %s\n", static_cast<int>(width), "Directive", "Default");
        std::printf("%s\n", std::string(width + 2 + 10, '-').c_str());
    }
    for (const auto& d : table) {
        if (!d.default_value) {
            continue;
        }
        if (wiki) {
            std::cout << "||" << d.name << "||" << *d.default_value << "||\n";
        } else {
            std::printf("%-*.*s  %.*s\n", static_cast<int>(width), static_cast<int>(d.name.size()),
                        d.name.data(), static_cast<int>(d.default_value->size()),
                        d.default_value->data());
        }
    }
    return exit_ok;
}

int dump_config(const daemon::Options& o)
{
    const auto result = load(o);
    print_diagnostics(result.diagnostics);
    if (!result.config) {
        return exit_not_configured;
    }
    const auto& cf = result.config->ha_cf;
    std::cout << "#\n#\tLinux-HA heartbeat configuration (on " << result.node_name << ")\n#\n";
    for (const auto& [name, value] : cf.parameters) {
        std::cout << name << '\t' << value << '\n';
    }
    std::cout << "#\n#\tHA Cluster nodes:\n#\n";
    for (const auto& n : cf.nodes) {
        std::cout << "node " << n.name << '\n';
    }
    std::cout << "#\n#\tCommunications media:\n";
    for (const auto& m : cf.media) {
        std::cout << config::to_string(m.type) << ' '
                  << m.interface << (m.peer.empty() ? "" : " " + m.peer) << '\n';
    }
    return exit_ok;
}

int status(const daemon::Options& o)
{
    const auto pid = platform::running_pid(o.pid_file);
    if (!pid) {
        std::cout << "heartbeat is stopped. No process\n";
        // LSB, as 3.0.6: 1 when a pid file is left behind by a dead daemon, 3 when none.
        struct stat st {};
        return ::stat(o.pid_file.c_str(), &st) == 0 ? exit_failure : exit_not_running;
    }
    const auto nodename = platform::uname_nodename();
    std::cout << "heartbeat OK [pid " << *pid << " et al] is running on " << nodename << " ["
              << daemon::local_node_name(o.config_dir) << "]...\n";
    return exit_ok;
}

int stop_running(const daemon::Options& o)
{
    const auto pid = platform::running_pid(o.pid_file);
    if (!pid) {
        std::cerr << "INFO: Heartbeat already stopped.\n";
        return exit_ok;
    }
    if (!platform::send_signal(*pid, SIGTERM)) {
        std::perror("heartbeat: kill");
        return exit_failure;
    }
    // Wait until it is gone: releasing resources can take a while (bounded: 30 minutes,
    // like the unit's TimeoutStopSec).
    for (int i = 0; i < 30 * 60 * 10 && platform::process_alive(*pid); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (platform::process_alive(*pid)) {
        std::cerr << "heartbeat: pid " << *pid << " still running after 30 minutes\n";
        return exit_failure;
    }
    return exit_ok;
}

int reload(const daemon::Options& o)
{
    const auto result = load(o);
    print_diagnostics(result.diagnostics);
    if (!result.config) {
        std::cerr << "Configuration error, heartbeat not reloaded.\n";
        return exit_not_configured;
    }
    const auto pid = platform::running_pid(o.pid_file);
    if (!pid) {
        std::cerr << "heartbeat is not running\n";
        return exit_not_running;
    }
    return platform::send_signal(*pid, SIGHUP) ? exit_ok : exit_failure;
}

void set_up_logging(const config::Config& cfg, const daemon::Options& o)
{
    std::vector<std::unique_ptr<base::LogSink>> sinks;
    base::LineFormat format;
    format.host = cfg.node_name;
    format.syslog_style = cfg.ha_cf.syslogmsgfmt;
    const auto& cf = cfg.ha_cf;
    if (!cf.logfile.empty() && cf.logfile != "/dev/null") {
        sinks.push_back(base::make_file_sink(cf.logfile, format, base::LogLevel::info));
    }
    if (!cf.debugfile.empty() && cf.debugfile != "/dev/null") {
        sinks.push_back(base::make_file_sink(cf.debugfile, format, base::LogLevel::debug3));
    }
    std::optional<std::string> facility;  // syslog's, when lines go there
    if (!cf.logfacility.empty()) {
        facility = cf.logfacility;
    } else if (cf.logfile.empty() && cf.debugfile.empty()) {
        // heartbeat would use logd here; we go to syslog directly (said by --check-config).
        facility = "daemon";
    }
    // Under systemd the journal gets what syslog and stderr would, once: an entry per line,
    // with syslog's text, facility and priority, and fields on the lines that announce a
    // state change (journalctl HB_NODE=lvs-02). journald passes them on to syslog.
    const auto journal = platform::Journal::if_under_systemd();
    if (journal && (facility || o.foreground)) {
        sinks.push_back(platform::make_journal_sink(*journal, facility, base::LogLevel::debug3));
    } else {
        if (facility) {
            sinks.push_back(base::make_syslog_sink("heartbeat", *facility, base::LogLevel::debug3));
        }
        if (o.foreground) {
            sinks.push_back(base::make_stderr_sink(format, base::LogLevel::debug3));
        }
    }
    base::Logger::instance().set_sinks(std::move(sinks));
    base::Logger::instance().set_debug_level(std::max(cf.debug, o.debug));
}

bool ensure_dir(const std::string& path, mode_t mode)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        return S_ISDIR(st.st_mode);
    }
    return ::mkdir(path.c_str(), mode) == 0;
}

int run(const daemon::Options& o)
{
    // The engine's signals wait until its handlers exist: `heartbeat -r` (or a SIGTERM) sent
    // as soon as the pid file is there must not end a daemon that is still starting.
    platform::HeldSignals held({SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2});
    const auto result = load(o);
    print_diagnostics(result.diagnostics);
    if (!result.config) {
        std::cerr << "Configuration error, heartbeat not started.\n";
        return exit_not_configured;
    }
    if (const auto pid = platform::running_pid(o.pid_file)) {
        std::cerr << "heartbeat: already running [pid " << *pid << "]\n";
        return exit_failure;
    }
    const config::Config& cfg = *result.config;
    if (!ensure_dir(o.state_dir, 0755) || !ensure_dir(o.run_dir, 0750)) {
        std::cerr << "heartbeat: cannot create " << o.state_dir << " or " << o.run_dir << '\n';
        return exit_failure;
    }
    std::error_code ec;
    const auto generation = cfg.ha_cf.generation_from_time
                                ? std::optional<platform::Generation>(platform::Generation{
                                      static_cast<std::uint64_t>(std::time(nullptr)), false, false})
                                : platform::bump_generation(o.state_dir, ec);
    if (!generation) {
        std::cerr << "heartbeat: Cannot get/increment generation number in " << o.state_dir
                  << "/hb_generation: " << ec.message()
                  << "; not starting (a generation used twice would make the peers take our "
                     "messages for replays)\n";
        return exit_failure;
    }
    bool uuid_created = false;
    const auto uuid = cfg.ha_cf.uuid_from_nodename
                          ? std::optional<std::string>(platform::uuid_from_name(cfg.node_name))
                          : platform::load_or_create_uuid(o.state_dir, uuid_created, ec);
    if (!uuid) {
        std::cerr << "heartbeat: getting uuid for the local node failed: " << ec.message() << '\n';
        return exit_failure;
    }

    set_up_logging(cfg, o);
    HB_LOG(info) << "**************************";
    HB_LOG(info) << "Configuration validated. Starting heartbeat " << compat_version;
    HB_LOG(info) << "heartbeat: version " << compat_version << " (C++ " << our_version << ")";
    if (generation->first_start) {
        HB_LOG(warn) << "No Previous generation - starting at " << generation->value;
    } else if (generation->was_broken) {
        HB_LOG(warn) << "BROKEN previous generation - starting at " << generation->value;
    }
    HB_LOG(info) << "Heartbeat generation: " << generation->value;
    if (uuid_created) {
        HB_LOG(info) << "No uuid found for current node - generating a new uuid.";
    }
    HB_LOG(debug) << "uuid is:" << platform::uuid_to_string(*uuid);

    std::optional<platform::Detacher> detacher;
    if (!o.foreground) {
        detacher = platform::Detacher::detach();
    }
    std::error_code pid_error;
    if (!platform::write_pid_file(o.pid_file, pid_error)) {
        HB_LOG(err) << "cannot write pid file " << o.pid_file << ": " << pid_error.message();
        if (detacher) {
            detacher->failed(exit_failure);
        }
        return exit_failure;
    }
    if (cfg.ha_cf.realtime && !o.no_realtime) {
        const auto rt = platform::go_realtime(cfg.ha_cf.rtprio.value_or(0));
        if (!rt.scheduled || !rt.locked) {
            HB_LOG(warn) << "real-time set-up incomplete: " << rt.problem;
        }
    }

    boost::asio::io_context io;
    daemon::Engine engine(
        io, cfg,
        daemon::EngineSettings{generation->value, *uuid, o.config_dir, o.node_name, !o.no_resources,
                               o.state_dir, o.run_dir,
                               std::string(compat_version) + " (heartbeat C++ " + our_version + ")",
                               platform::own_executable("/usr/libexec/heartbeat/heartbeat")});
    engine.start();
    held.release();  // what came meanwhile is handled now, by the engine
    if (detacher) {
        detacher->ready();
    }
    // The media and the API socket are open: systemd's Type=notify may move on.
    platform::notify_ready("node " + cfg.node_name + ", " + std::to_string(cfg.ha_cf.media.size()) +
                           " media, " + std::to_string(cfg.groups.size()) + " resource group(s)");
    platform::Watchdog watchdog(io);
    if (watchdog.start()) {
        HB_LOG(debug) << "feeding the service manager's watchdog";
    }
    engine.on_stopped([&watchdog] { watchdog.stop(); });
    io.run();
    platform::remove_pid_file(o.pid_file);
    return engine.exit_status();
}

}  // namespace

int main(int argc, char** argv)
{
    std::signal(SIGPIPE, SIG_IGN);
    int status_code = 0;
    const auto options = daemon::parse_options(argc, argv, status_code);
    if (!options) {
        return status_code;
    }
    try {
        switch (options->action) {
        case daemon::Action::help: std::cout << daemon::usage() << '\n'; return exit_ok;
        case daemon::Action::version:
            std::cout << compat_version << " (heartbeat C++ " << our_version << ")\n";
            return exit_ok;
        case daemon::Action::check_config: return check_config(*options);
        case daemon::Action::defaults: return print_defaults(options->wiki);
        case daemon::Action::dump_config: return dump_config(*options);
        case daemon::Action::status: return status(*options);
        case daemon::Action::kill: return stop_running(*options);
        case daemon::Action::reload: return reload(*options);
        case daemon::Action::run: return run(*options);
        }
    } catch (const std::exception& e) {
        std::cerr << "heartbeat: " << e.what() << '\n';
        return exit_failure;
    }
    return exit_ok;
}
