// SPDX-License-Identifier: GPL-2.0-or-later
// Carries out the resource controller's decisions on the daemon's io_context: the scripts
// it asks for run through the ProcessRunner (found in resource.d, with heartbeat's HA_*
// environment), their results go back to it, and its messages go to membership. Nothing
// here decides what to start, stop or release.
#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config_check.hpp"
#include "membership/membership.hpp"
#include "metrics/lvs_metrics.hpp"
#include "platform/process_runner.hpp"
#include "resources/resource_controller.hpp"

namespace hb::daemon {

class ResourceDriver {
public:
    /// `send` queues a cluster message (membership adds the control fields); `changed` is
    /// called after asynchronous progress so the engine flushes and re-arms its timer.
    ResourceDriver(boost::asio::io_context& io, const config::Config& config,
                   std::function<void(wire::Message)> send, std::function<void()> changed);
    ResourceDriver(const ResourceDriver&) = delete;
    ResourceDriver& operator=(const ResourceDriver&) = delete;

    /// Before joining: the controller's idle check (groups an earlier run left running).
    void start(membership::TimePoint now);
    /// A membership event (comm up, the peer's death or return, its resource messages).
    void on_event(membership::TimePoint now, const membership::Event& event,
                  const membership::Membership& membership);
    void tick(membership::TimePoint now);
    /// A reload: the controller's new settings (groups, auto_failback, script limits).
    void reconfigure(membership::TimePoint now, resources::ControllerSettings next);
    std::optional<membership::TimePoint> next_deadline() const;

    /// hb_standby: give `set` (our point of view) to the peer.
    void request_standby(membership::TimePoint now, resources::HoldSet set);
    /// Gives every group up and says `shutdone`; `done` runs once that is sent.
    void shutdown(membership::TimePoint now, std::function<void()> done);
    /// True once comm came up and the manager runs.
    bool started() const { return controller_.managing(); }
    /// `cl_status rscstatus`.
    std::string rscstatus() const { return controller_.rscstatus(); }
    /// What each group's scripts are doing here, by key (for the metrics).
    const std::map<std::string, resources::GroupState>& groups() const
    {
        return controller_.manager().groups();
    }
    /// The LVS rules files the groups running here started (ipvsadm-wrapper resources), as
    /// the agent's state directories have them now (for the metrics).
    std::vector<metrics::LvsTable> lvs_tables() const;
    /// Group operations and script calls that ended (for the metrics); clears them.
    std::vector<resources::GroupOpDone> take_group_ops_done()
    {
        return controller_.take_group_ops_done();
    }
    std::vector<resources::ScriptDone> take_scripts_done()
    {
        return controller_.take_scripts_done();
    }
    /// Stops every running script (daemon exit).
    void cancel();

private:
    void pump(membership::TimePoint now);
    void start_run(membership::TimePoint now, const resources::ScriptRun& run);
    /// heartbeat's environment for resource scripts, by name, and as NAME=value strings.
    std::map<std::string, std::string> script_vars() const;
    std::vector<std::string> script_env() const;

    const config::Config& config_;
    std::function<void(wire::Message)> send_;
    std::function<void()> changed_;
    resources::ResourceController controller_;
    platform::ProcessRunner runner_;
    std::function<void()> shutdown_done_;
};

}  // namespace hb::daemon
