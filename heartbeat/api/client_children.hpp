// SPDX-License-Identifier: GPL-2.0-or-later
// The `respawn` and `failfast` children of ha.cf (ipfail and its like: API clients the daemon
// keeps running), as a sans-IO supervisor with heartbeat 3.0.6's rules. It decides when each
// child starts, whether it is started again, and what a failfast child's death means; the
// daemon carries the actions out. It runs no process itself.
//
//   waiting ──comm up──▶ running ──exits──▶ running again (respawn; not after exit 100)
//                           │                 └─11th death within 30 s of its start─▶ given_up
//                           │ (failfast: a death outside shutdown ─▶ the failfast action)
//                           └──shutdown: SIGTERM, last child first, one at a time──▶ stopped
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::api {

using ChildClock = std::chrono::steady_clock;

/// What a failfast child's death does. 3.0.6 reboots the machine; by default we give the
/// resources up and exit (systemd restarts heartbeat, which rejoins), unless the
/// administrator asks for the reboot.
enum class FailfastAction { release_and_exit, reboot };
std::string_view to_string(FailfastAction action);

/// One `respawn` or `failfast` line.
struct ChildSpec {
    std::string user;
    std::string command;  ///< the whole command line, run by /bin/sh as `exec COMMAND`
    bool failfast = false;

    bool operator==(const ChildSpec&) const = default;
};

/// How a child ended.
struct ChildExit {
    std::optional<int> exit_code;  ///< set when it exited
    int signal = 0;                ///< set when a signal ended it
};

class ClientChildren {
public:
    enum class ActionKind { start, stop, failfast };
    struct Action {
        ActionKind kind;
        std::size_t child;
    };
    enum class State { waiting, running, given_up, stopping, stopped };

    ClientChildren(std::vector<ChildSpec> children, FailfastAction failfast);

    /// Comm is up: every child starts (3.0.6 starts them only then).
    void comm_up(ChildClock::time_point now);
    /// The daemon could not start child `i` (no such user, spawn failed): as 3.0.6 when the
    /// exec would fail, it is not tried again.
    void start_failed(std::size_t i);
    /// Child `i` ended at `now`.
    void exited(ChildClock::time_point now, std::size_t i, ChildExit how);
    /// A reload: the lines are now `children`. A line that stays keeps its child as it is;
    /// the child of a line that is gone is stopped and not started again; a new line's
    /// child starts now if comm is up, else at comm up. Indexes never move: removed children
    /// stay (stopped) and new ones are appended.
    void reconfigure(ChildClock::time_point now, const std::vector<ChildSpec>& children,
                     FailfastAction failfast);
    /// Shutdown: stop the children, the last one first, one at a time.
    void shutdown();
    /// True once shutdown() was called and no child runs any more.
    bool all_stopped() const;

    /// What to do, in order; clears it.
    std::vector<Action> take_actions();

    State state(std::size_t i) const { return children_.at(i).state; }
    const ChildSpec& spec(std::size_t i) const { return children_.at(i).spec; }
    std::size_t size() const { return children_.size(); }
    /// What a failfast child's death does here.
    FailfastAction failfast_action() const { return failfast_; }

private:
    struct Child {
        ChildSpec spec;
        State state = State::waiting;
        ChildClock::time_point started{};
        int short_runs = 0;  ///< consecutive deaths within 30 s of their start
    };
    void start(ChildClock::time_point now, std::size_t i);
    void stop_next();

    enum class Phase { before_comm_up, supervising, shutting_down };

    std::vector<Child> children_;
    FailfastAction failfast_;
    Phase phase_ = Phase::before_comm_up;
    std::vector<Action> actions_;
};

}  // namespace hb::api
