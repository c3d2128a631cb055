// SPDX-License-Identifier: GPL-2.0-or-later
// The running daemon: wires the configuration to the media, the authenticator and the
// membership state machine on one io_context. Datagrams in → verify → membership; membership
// out → sign → every medium; one deadline timer drives membership's timers; signals stop,
// reload and change the debug level.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "api/api_server.hpp"
#include "api/api_service.hpp"
#include "api/client_children.hpp"
#include "api/cluster_fifo.hpp"
#include "auth/authenticator.hpp"
#include "base/log.hpp"
#include "config/config_check.hpp"
#include "daemon/metrics_listener.hpp"
#include "daemon/resource_driver.hpp"
#include "media/icmp_medium.hpp"
#include "media/serial_medium.hpp"
#include "media/udp_medium.hpp"
#include "membership/membership.hpp"
#include "metrics/cluster_metrics.hpp"
#include "metrics/events.hpp"
#include "platform/kernel_watchdog.hpp"

namespace hb::daemon {

/// Identity and paths the engine needs beyond the configuration.
struct EngineSettings {
    std::uint64_t generation = 1;
    std::string uuid;  ///< 16 raw bytes
    std::string config_dir;
    std::optional<std::string> node_name;  ///< as given on the command line
    bool manage_resources = true;          ///< false with -M
    std::string state_dir;                 ///< holds the scripts' FIFO (empty: no FIFO)
    std::string run_dir;                   ///< holds the API socket (empty: no API)
    std::string version;                   ///< what API clients are told (hbversion)
    std::string self_exe;                  ///< this program, run as `--check-config` on SIGHUP
};

/// The wall clock and /proc/loadavg.
class SystemHost final : public membership::HostInfo {
public:
    std::uint64_t unix_time() const override;
    std::string load_average() const override;
};

class Engine final : public api::ClusterView {
public:
    Engine(boost::asio::io_context& io, config::Config config, EngineSettings settings);
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Opens the media and starts membership; returns once everything is armed.
    void start();
    /// Graceful stop: tells the peers (`shutdone`), then closes everything so run() returns.
    void stop(const std::string& why);
    /// Called once everything is closed at the end of a stop (so the caller's own timers go
    /// too and run() returns).
    void on_stopped(std::function<void()> handler) { on_stopped_ = std::move(handler); }
    /// What the process exits with: 0, or 1 after a failfast child's death.
    int exit_status() const { return exit_status_; }

private:
    void on_datagram(std::size_t medium, std::string_view bytes);
    void on_medium_state(std::size_t medium, bool up, const std::string& why);
    void on_ping_reply(const std::string& host, std::string_view payload);
    void route_local(wire::Message message, std::string_view from);
    void run_child_actions();
    void start_child(std::size_t i);
    void on_child_exit(std::size_t i, const platform::ProcessResult& result);
    void stop_children_then_finish();
    void flush();
    /// Signs `m` and puts it on every medium (a forwarded one: on the serial ring's links
    /// other than the one it came in on).
    void send_on_media(const wire::Message& m, std::optional<std::size_t> forwarded_from);
    void arm_timer();
    /// Now, once membership has been told how far past its timer the loop ran: a pause of
    /// ours is not the peers' silence (membership decides how it is discounted).
    membership::TimePoint now_after_pause();
    void on_timer(const boost::system::error_code& ec);
    void on_signal(const boost::system::error_code& ec, int signal);
    void handle_event(const membership::Event& event);
    /// A message a local script wrote to the FIFO (hb_standby, hb_takeover, ha_clustermsg).
    void on_local_message(wire::Message message);
    void reload();
    void on_reload_checked(const platform::ProcessResult& check);
    void apply_reload();
    /// A reload's media: kept ones keep their sockets (renumbered), removed ones close, new
    /// ones open; `media_from` is the plan's.
    void reload_media(const std::vector<std::optional<std::size_t>>& media_from);
    void start_medium(media::Medium& medium);
    std::unique_ptr<media::Medium> make_medium(std::size_t index, const media::MediumSpec& spec);
    api::ApiSettings api_settings() const;
    /// Runs what is due on the timers at `now`, then settles and re-arms (the timer's turn).
    void run_timers(membership::TimePoint now);
    /// STATE_DIR/hb_replay_floor: the peers' replay floors, kept across our restarts.
    std::string replay_floor_path() const;
    membership::ReplayFloors load_replay_floors() const;
    void save_replay_floors(const membership::ReplayFloors& floors);
    void finish_stop();
    /// Opens the API socket (cl_status, ipfail, dopd).
    void start_api();
    /// Sends what API clients asked to go to the cluster.
    void send_from_api(std::vector<wire::Message> messages);
    /// heartbeat-ng.cf's metrics_textfile: written now, then every metrics_interval.
    void start_metrics_textfile();
    void write_metrics_textfile();
    /// heartbeat-ng.cf's metrics_listen: (re)opened on its address, or closed.
    void start_metrics_listener();
    std::string metrics_page() const;
    /// The event history: the file's earlier events, then each new one appended to it.
    void restore_events();
    std::string events_path() const;  ///< STATE_DIR/events
    /// Keeps `event` in the history and, unless membership's own line said it, logs its text
    /// at `level` with the journal's fields.
    void record(metrics::Event event, base::LogLevel level = base::LogLevel::info);
    void record_membership_event(const membership::Event& event);

    // api::ClusterView
    std::vector<api::NodeInfo> nodes() const override;
    std::optional<std::string> resource_status() const override;

    boost::asio::io_context& io_;
    std::function<void()> on_stopped_;
    config::Config config_;
    EngineSettings settings_;
    SystemHost host_;
    std::unique_ptr<auth::Authenticator> authenticator_;
    std::unique_ptr<membership::Membership> membership_;
    std::vector<std::unique_ptr<media::Medium>> media_;
    /// Media a reload removed: stopped, kept until the end so no handler outlives its medium.
    std::vector<std::unique_ptr<media::Medium>> retired_media_;
    std::unique_ptr<media::IcmpMedium> pinger_;           ///< ping nodes' ICMP echo (none without)
    std::unique_ptr<platform::KernelWatchdog> watchdog_;  ///< `watchdog DEVICE` (none without)
    std::unique_ptr<ResourceDriver> resources_;
    platform::ProcessRunner reload_runner_;      ///< the SIGHUP check, out of the event loop
    std::optional<std::uint64_t> reload_check_;  ///< that check, while it runs
    api::ClientChildren children_;               ///< respawn/failfast lines
    std::vector<std::optional<std::pair<unsigned, unsigned>>> child_ids_;  ///< uid, gid each
    std::vector<std::uint64_t> child_runs_;  ///< the runner's id of each child's last run
    platform::ProcessRunner children_runner_;
    std::function<void()> after_children_;  ///< shutdown goes on once they all stopped
    std::vector<std::uint64_t> reboot_runs_;
    int exit_status_ = 0;
    std::unique_ptr<api::ClusterFifo> fifo_;
    std::unique_ptr<api::ApiService> api_;
    std::unique_ptr<api::ApiServer> api_server_;
    boost::asio::steady_timer timer_;
    membership::TimePoint armed_for_{};
    boost::asio::steady_timer stop_timer_;
    boost::asio::signal_set signals_;
    metrics::ClusterMetrics metrics_;
    boost::asio::steady_timer metrics_timer_;
    std::error_code metrics_write_error_;  ///< the last failure to write the textfile, logged once
    std::shared_ptr<MetricsListener> metrics_listener_;
    metrics::EventLog events_;
    metrics::BurstWatch bad_packets_;
    std::error_code events_error_;  ///< the last failure to write the events file, logged once
    base::RateLimiter bad_packet_log_{std::chrono::seconds(10), 5};
    std::error_code floor_write_error_;  ///< the last failure to save the floors, logged once
    bool stopping_ = false;              ///< sockets closing: nothing more is sent
    bool stop_requested_ = false;        ///< SIGTERM seen: resources being released
};

}  // namespace hb::daemon
