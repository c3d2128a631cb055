// SPDX-License-Identifier: GPL-2.0-or-later
// heartbeat 3.0.6's ManagedChildDied rules: a child that exits 100 is not started again; a
// child that dies within 30 s of its start counts a short run, and the eleventh in a row
// ("respawning too fast") stops the respawning; a failfast child that dies outside shutdown
// (by a signal, or exiting non-zero) triggers the failfast action. At shutdown the
// children get SIGTERM from the last to the first, the next only once the one before has
// gone.
#include "api/client_children.hpp"

#include "base/log.hpp"

namespace hb::api {

namespace {
constexpr std::chrono::seconds short_run{30};
constexpr int max_short_runs = 10;
}  // namespace

std::string_view to_string(FailfastAction action)
{
    return action == FailfastAction::reboot ? "reboot" : "release resources and exit";
}

ClientChildren::ClientChildren(std::vector<ChildSpec> children, FailfastAction failfast)
    : failfast_(failfast)
{
    for (auto& spec : children) {
        children_.push_back(Child{std::move(spec)});
    }
}

void ClientChildren::start(ChildClock::time_point now, std::size_t i)
{
    children_[i].state = State::running;
    children_[i].started = now;
    actions_.push_back({ActionKind::start, i});
}

void ClientChildren::comm_up(ChildClock::time_point now)
{
    if (phase_ == Phase::shutting_down) {
        return;
    }
    phase_ = Phase::supervising;
    for (std::size_t i = 0; i < children_.size(); ++i) {
        if (children_[i].state == State::waiting) {
            start(now, i);
        }
    }
}

void ClientChildren::start_failed(std::size_t i)
{
    children_.at(i).state = State::given_up;
    if (phase_ == Phase::shutting_down) {
        stop_next();
    }
}

void ClientChildren::exited(ChildClock::time_point now, std::size_t i, ChildExit how)
{
    Child& c = children_.at(i);
    if (c.state != State::running && c.state != State::stopping) {
        return;
    }
    const bool clean = how.signal == 0 && how.exit_code == std::optional<int>(0);
    if (phase_ == Phase::shutting_down) {
        c.state = State::stopped;
        stop_next();
        return;
    }
    if (c.state == State::stopping) {  // its line went at a reload
        c.state = State::stopped;
        return;
    }
    if (how.exit_code && *how.exit_code != 0) {
        HB_LOG(err) << "Client " << c.spec.command << " exited with return code " << *how.exit_code
                    << ".";
    }
    if (how.signal != 0) {
        HB_LOG(err) << "Client " << c.spec.command << " killed by signal " << how.signal << ".";
    }
    if (c.spec.failfast && !clean) {
        HB_LOG(crit) << "failfast client " << c.spec.command << " died: " << to_string(failfast_);
        c.state = State::given_up;
        actions_.push_back({ActionKind::failfast, i});
        return;
    }
    if (how.exit_code == std::optional<int>(100)) {
        c.state = State::given_up;  // its way of saying: do not start me again
        return;
    }
    c.short_runs = now - c.started < short_run ? c.short_runs + 1 : 0;
    if (c.short_runs > max_short_runs) {
        HB_LOG(err) << "Client " << c.spec.command << " \"respawning too fast\"";
        c.state = State::given_up;
        return;
    }
    HB_LOG(err) << "Respawning client \"" << c.spec.command << "\":";
    start(now, i);
}

void ClientChildren::reconfigure(ChildClock::time_point now, const std::vector<ChildSpec>& children,
                                 FailfastAction failfast)
{
    failfast_ = failfast;
    if (phase_ == Phase::shutting_down) {
        return;
    }
    // Each new line takes the first child of an equal line that is still in service.
    const auto in_service = [](State st) { return st != State::stopping && st != State::stopped; };
    std::vector<bool> kept(children_.size(), false);
    std::vector<ChildSpec> added;
    for (const ChildSpec& spec : children) {
        bool found = false;
        for (std::size_t i = 0; i < children_.size() && !found; ++i) {
            if (!kept[i] && in_service(children_[i].state) && children_[i].spec == spec) {
                kept[i] = true;
                found = true;
            }
        }
        if (!found) {
            added.push_back(spec);
        }
    }
    for (std::size_t i = 0; i < kept.size(); ++i) {
        Child& c = children_[i];
        if (kept[i] || !in_service(c.state)) {
            continue;
        }
        HB_LOG(info) << "reload: client " << c.spec.command << " is no longer configured";
        if (c.state == State::running) {
            c.state = State::stopping;
            actions_.push_back({ActionKind::stop, i});
        } else {
            c.state = State::stopped;
        }
    }
    for (ChildSpec& spec : added) {
        children_.push_back(Child{std::move(spec)});
        if (phase_ == Phase::supervising) {
            start(now, children_.size() - 1);
        }
    }
}

void ClientChildren::shutdown()
{
    if (phase_ == Phase::shutting_down) {
        return;
    }
    phase_ = Phase::shutting_down;
    for (Child& c : children_) {
        if (c.state == State::waiting || c.state == State::given_up) {
            c.state = State::stopped;
        }
    }
    stop_next();
}

void ClientChildren::stop_next()
{
    for (std::size_t k = children_.size(); k > 0; --k) {
        Child& c = children_[k - 1];
        if (c.state == State::stopping) {
            return;  // one at a time
        }
        if (c.state == State::running) {
            c.state = State::stopping;
            actions_.push_back({ActionKind::stop, k - 1});
            return;
        }
    }
}

bool ClientChildren::all_stopped() const
{
    if (phase_ != Phase::shutting_down) {
        return false;
    }
    for (const Child& c : children_) {
        if (c.state == State::running || c.state == State::stopping) {
            return false;
        }
    }
    return true;
}

std::vector<ClientChildren::Action> ClientChildren::take_actions()
{
    std::vector<Action> out;
    out.swap(actions_);
    return out;
}

}  // namespace hb::api
