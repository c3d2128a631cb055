// SPDX-License-Identifier: GPL-2.0-or-later
// Group operation sequencer.
//
//   acquire:  for r = first … last:  status(r) ──running──▶ next r
//                                        └─not running─▶ start(r) ──ok──▶ next r
//                                                           └─failed─▶ release whole group,
//                                                                      then: failed
//             (an address agent: start(r) at once; its start checks for the address itself)
//   release:  for r = last … first:  stop(r) ──ok──▶ next r
//                                       └─failed─▶ retry (≤ stop_retries, retry_delay apart)
//                                                   └─still failing─▶ status(r)
//                                                        ├─not running─▶ warn, next r
//                                                        └─running─▶ next r, then: stuck
//
// Unlike heartbeat 3.0.6, a stop that cannot be made to work does not reboot the machine:
// the group is reported stuck and the layer above must not let anyone else start it. And
// "first … last" is start_order(): haresources order, except that an LVS table
// (ipvsadm-wrapper) comes before the group's addresses.
#include "resources/group_operation.hpp"

#include "base/log.hpp"
#include "base/text.hpp"

namespace hb::resources {

std::string_view to_string(ScriptAction action)
{
    switch (action) {
    case ScriptAction::start: return "start";
    case ScriptAction::stop: return "stop";
    case ScriptAction::status: return "status";
    }
    return "status";
}

std::string_view to_string(ScriptOutcome outcome)
{
    switch (outcome) {
    case ScriptOutcome::exited: return "exited";
    case ScriptOutcome::signalled: return "signalled";
    case ScriptOutcome::timed_out: return "timed out";
    case ScriptOutcome::spawn_failed: return "spawn failed";
    case ScriptOutcome::not_found: return "not found";
    }
    return "spawn failed";
}

std::string_view to_string(GroupOpKind kind)
{
    return kind == GroupOpKind::acquire ? "acquire" : "release";
}

std::string_view to_string(GroupOpState state)
{
    switch (state) {
    case GroupOpState::running: return "running";
    case GroupOpState::succeeded: return "succeeded";
    case GroupOpState::failed: return "failed";
    case GroupOpState::stuck: return "stuck";
    }
    return "running";
}

bool status_says_running(std::string_view output)
{
    // ResourceManager's case patterns, in their order: *[Nn][Oo][Tt] *[Rr]unning* → not
    // running; *[Rr]unning* or *OK* (case-sensitive) → running; anything else → not.
    const auto running_at = [&](std::size_t at) {
        return at + 7 <= output.size() && (output[at] == 'R' || output[at] == 'r') &&
               output.compare(at + 1, 6, "unning") == 0;
    };
    for (std::size_t at = 0; at + 3 <= output.size(); ++at) {
        if (base::to_lower(output.substr(at, 3)) != "not") {
            continue;
        }
        std::size_t after = at + 3;
        while (after < output.size() && output[after] == ' ') {
            ++after;
        }
        if (running_at(after)) {
            return false;
        }
    }
    for (std::size_t at = 0; at < output.size(); ++at) {
        if (running_at(at)) {
            return true;
        }
    }
    return output.find("OK") != std::string_view::npos;
}

std::vector<std::size_t> start_order(const config::ResourceGroup& group)
{
    std::vector<std::size_t> order;
    std::optional<std::size_t> first_address;  // position in `order`
    for (std::size_t i = 0; i < group.resources.size(); ++i) {
        const std::string& script = group.resources[i].script;
        if (script == "ipvsadm-wrapper" && first_address) {
            order.insert(order.begin() + static_cast<std::ptrdiff_t>(*first_address), i);
            ++*first_address;
            continue;
        }
        if (!first_address && config::is_address_agent(script)) {
            first_address = order.size();
        }
        order.push_back(i);
    }
    return order;
}

namespace {

std::string describe(const config::ResourceGroup& group)
{
    std::string text = group.node;
    for (const config::Resource& r : group.resources) {
        text += " " + r.text;
    }
    return text;
}

}  // namespace

GroupOperation::GroupOperation(const config::ResourceGroup& group, GroupOpKind kind,
                               int stop_retries, Milliseconds retry_delay)
    : group_(group),
      order_(start_order(group)),
      kind_(kind),
      stop_retries_(stop_retries),
      retry_delay_(retry_delay)
{
    if (group_.resources.empty()) {
        state_ = GroupOpState::succeeded;
        return;
    }
    if (kind_ == GroupOpKind::acquire) {
        HB_LOG(info) << "Acquiring resource group: " << describe(group_);
        index_ = 0;
        phase_ = acquire_phase();
    } else {
        HB_LOG(info) << "Releasing resource group: " << describe(group_);
        phase_ = Phase::stop;
        index_ = group_.resources.size() - 1;
    }
}

bool starts_without_status(std::string_view script)
{
    return config::is_address_agent(script) || script == "ipvsadm-wrapper";
}

GroupOperation::Phase GroupOperation::acquire_phase() const
{
    return starts_without_status(group_.resources[order_[index_]].script) ? Phase::start
                                                                          : Phase::check;
}

ScriptCall GroupOperation::call(std::size_t resource, ScriptAction action) const
{
    ScriptCall c;
    c.resource = resource;
    c.action = action;
    c.argv = group_.resources[resource].args;
    c.argv.emplace_back(to_string(action));
    c.not_before = not_before_;
    return c;
}

std::optional<ScriptCall> GroupOperation::next()
{
    if (state_ != GroupOpState::running || outstanding_) {
        return std::nullopt;
    }
    outstanding_ = true;  // a retried stop carries its earliest time in not_before
    switch (phase_) {
    case Phase::check:
    case Phase::check_after_stop: return call(order_[index_], ScriptAction::status);
    case Phase::start: return call(order_[index_], ScriptAction::start);
    case Phase::stop: return call(order_[index_], ScriptAction::stop);
    }
    return std::nullopt;
}

void GroupOperation::begin_release_after_failure(std::size_t failed)
{
    const std::string& name = group_.resources[order_[failed]].text;
    HB_LOG(crit) << "Giving up resources due to failure of " << name;
    failure_ = "start of " + name + " failed";
    verdict_ = Verdict::start_failed;
    phase_ = Phase::stop;
    index_ = group_.resources.size() - 1;
    attempts_ = 0;
    HB_LOG(info) << "Releasing resource group: " << describe(group_);
}

void GroupOperation::stop_next_or_finish()
{
    attempts_ = 0;
    not_before_.reset();
    phase_ = Phase::stop;
    if (index_ == 0) {
        switch (verdict_) {
        case Verdict::clean: state_ = GroupOpState::succeeded; break;
        case Verdict::start_failed: state_ = GroupOpState::failed; break;
        case Verdict::stuck: state_ = GroupOpState::stuck; break;
        }
        return;
    }
    --index_;
}

void GroupOperation::complete(TimePoint now, const ScriptResult& result)
{
    if (!outstanding_ || state_ != GroupOpState::running) {
        return;
    }
    outstanding_ = false;
    const std::string& name = group_.resources[order_[index_]].text;
    switch (phase_) {
    case Phase::check:
        if (status_says_running(result.output)) {
            HB_LOG(info) << name << " is already running";
            if (++index_ == group_.resources.size()) {
                state_ = GroupOpState::succeeded;
            } else {
                phase_ = acquire_phase();
            }
        } else {
            phase_ = Phase::start;
        }
        return;
    case Phase::start:
        if (!result.succeeded()) {
            begin_release_after_failure(index_);
            return;
        }
        if (++index_ == group_.resources.size()) {
            state_ = GroupOpState::succeeded;
        } else {
            phase_ = acquire_phase();
        }
        return;
    case Phase::stop:
        if (result.succeeded()) {
            stop_next_or_finish();
            return;
        }
        if (attempts_ < stop_retries_) {
            ++attempts_;
            HB_LOG(info) << "Retrying failed stop operation [" << name << "]";
            not_before_ = now + retry_delay_;
        } else {
            phase_ = Phase::check_after_stop;
            not_before_.reset();
        }
        return;
    case Phase::check_after_stop:
        if (status_says_running(result.output)) {
            HB_LOG(crit) << "Resource STOP failure: " << name
                         << " still runs; it is left as it is and no other node may take "
                            "its group";
            verdict_ = Verdict::stuck;
            failure_ +=
                (failure_.empty() ? "" : "; ") + ("stop of " + name + " failed and it still runs");
        } else {
            HB_LOG(err) << "Resource script for " << name << " probably not LSB-compliant.";
            HB_LOG(warn) << "it (" << name << ") MUST succeed on a stop when already stopped";
        }
        stop_next_or_finish();
        return;
    }
}

}  // namespace hb::resources
