// SPDX-License-Identifier: GPL-2.0-or-later
// Runs the resource manager for the engine: feeds it membership events and the peer's
// resource messages, runs the group operations it asks for one at a time (each script
// through the ProcessRunner, with heartbeat's HA_* environment and a timeout), and hands its
// messages to membership for sending.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config_check.hpp"
#include "membership/membership.hpp"
#include "platform/process_runner.hpp"
#include "resources/group_operation.hpp"
#include "resources/resource_manager.hpp"

namespace hb::daemon {

class ResourceDriver {
public:
    /// `send` queues a cluster message (membership adds the control fields); `changed` is
    /// called after asynchronous progress so the engine flushes and re-arms its timer.
    ResourceDriver(boost::asio::io_context& io, const config::Config& config,
                   std::function<void(wire::Message)> send, std::function<void()> changed);
    ResourceDriver(const ResourceDriver&) = delete;
    ResourceDriver& operator=(const ResourceDriver&) = delete;

    /// Before joining: finds groups left running by an earlier run (kill -9 leaves a VIP in
    /// place) and releases them, so that a group is only ever started by the protocol.
    void check_idle();

    /// A membership event (comm up, the peer's death or return, its resource messages).
    void on_event(membership::TimePoint now, const membership::Event& event,
                  const membership::Membership& membership);
    void tick(membership::TimePoint now);
    std::optional<membership::TimePoint> next_deadline() const;

    /// hb_standby: give `set` (our point of view) to the peer.
    void request_standby(membership::TimePoint now, resources::HoldSet set);
    /// Gives every group up and says `shutdone`; `done` runs once that is sent.
    void shutdown(membership::TimePoint now, std::function<void()> done);
    /// True once comm came up and the manager runs.
    bool started() const { return started_; }
    /// `cl_status rscstatus`.
    std::string rscstatus() const { return manager_.rscstatus(); }
    /// Stops every running script (daemon exit).
    void cancel();

private:
    void pump(membership::TimePoint now);
    void run_next_call(membership::TimePoint now);
    void start_call(const resources::ScriptCall& call);
    const config::ResourceGroup* group(const std::string& key) const;
    /// The script of `r` in resource.d, then /etc/init.d.
    std::optional<std::string> locate(const config::Resource& r) const;
    void on_call_done(const std::string& key, resources::ScriptAction action,
                      const platform::ProcessResult& result);
    void check_next_group();
    platform::ProcessSpec spec_for(const config::Resource& r, const std::string& path,
                                   const std::vector<std::string>& argv,
                                   resources::ScriptAction action) const;
    std::vector<std::string> script_env() const;
    std::chrono::milliseconds timeout_of(resources::ScriptAction action) const;
    int stop_retries() const;

    const config::Config& config_;
    std::function<void(wire::Message)> send_;
    std::function<void()> changed_;
    resources::ResourceManager manager_;
    platform::ProcessRunner runner_;
    std::optional<resources::GroupOperation> operation_;
    bool call_running_ = false;
    boost::asio::steady_timer delay_timer_;
    bool started_ = false;
    std::size_t idle_checked_ = 0;       ///< groups checked so far
    bool checking_ = false;              ///< the start-up idle check runs
    bool idle_release_ = false;          ///< the running operation is the idle check's
    std::optional<bool> pending_comm_up_;  ///< comm came up during the check (peer alive?)
    std::function<void()> shutdown_done_;
    std::string peer_;
};

}  // namespace hb::daemon
