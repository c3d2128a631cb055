// SPDX-License-Identifier: GPL-2.0-or-later
// Checker core.
//
//        ┌──────── fall failures in a row ────────┐
//        │                                        ▼
//      [ up ]                                  [ down ]
//        ▲                                        │
//        └──────── rise successes in a row ───────┘
//
// A success resets the failure count and a failure the success count, so a server that
// alternates never moves. Probes of a server never overlap: the next one is due an interval
// after the previous one started, or at once when an outcome arrives later than that.
#include "lvs/checker.hpp"

#include <algorithm>

#include "base/value_parsers.hpp"

namespace hb::lvs {

std::string describe(const ProbeOutcome& outcome, const Check& check)
{
    const auto with_detail = [&](std::string text) {
        return outcome.detail.empty() ? text : text + " (" + outcome.detail + ")";
    };
    switch (outcome.result) {
    case ProbeResult::passed:
        return check.kind == CheckKind::http ? "HTTP " + std::to_string(outcome.http_status)
                                             : "connected";
    case ProbeResult::refused: return "connection refused";
    case ProbeResult::unreachable: return with_detail("unreachable");
    case ProbeResult::timed_out: return "no answer within " + base::format_ms(check.timeout);
    case ProbeResult::bad_status: return "HTTP " + std::to_string(outcome.http_status);
    case ProbeResult::bad_digest:
        return "HTTP " + std::to_string(outcome.http_status) + ", body digest differs";
    case ProbeResult::bad_answer: return with_detail("not an HTTP answer");
    case ProbeResult::failed: return with_detail("probe failed");
    }
    return "probe failed";
}

std::string format_transition(const LvsConfig& config, const Transition& t)
{
    const RealServer& r = config.services[t.server.service].servers[t.server.server];
    return "real server " + config.label(r.endpoint) + " " + std::string(to_string(t.to)) + ": " +
           t.reason + " after " + std::to_string(t.count) + (t.count == 1 ? " check" : " checks");
}

CheckerCore::CheckerCore(const LvsConfig& config, TimePoint now, HealthTable initial)
    : health_(std::move(initial))
{
    health_.resize(config.services.size());
    for (std::size_t s = 0; s < config.services.size(); ++s) {
        const Service& service = config.services[s];
        health_[s].resize(service.servers.size(), Health::up);
        for (std::size_t i = 0; i < service.servers.size(); ++i) {
            const Check* check = service.check_for(service.servers[i].endpoint);
            if (check == nullptr) {
                health_[s][i] = Health::up;  // unchecked servers are taken as they are
                continue;
            }
            Slot slot;
            slot.server = {s, i};
            slot.check = check;
            slot.target = service.servers[i].endpoint;
            if (check->port != 0) {
                slot.target.port = check->port;
            }
            slot.next = now;
            slots_.push_back(std::move(slot));
        }
    }
    // Spread the first round over a tenth of each interval, so many servers do not all open
    // their connections in the same millisecond.
    for (std::size_t k = 0; k < slots_.size(); ++k) {
        slots_[k].next = now + slots_[k].check->interval / 10 * static_cast<long>(k) /
                                   static_cast<long>(slots_.size());
    }
}

std::vector<ProbeRequest> CheckerCore::due(TimePoint now)
{
    std::vector<ProbeRequest> out;
    for (Slot& slot : slots_) {
        if (slot.in_flight || slot.next > now) {
            continue;
        }
        slot.in_flight = true;
        slot.next = now + slot.check->interval;
        ++probes_;
        out.push_back({slot.server, slot.target, slot.check});
    }
    return out;
}

std::optional<TimePoint> CheckerCore::next_deadline() const
{
    std::optional<TimePoint> next;
    for (const Slot& slot : slots_) {
        if (!slot.in_flight && (!next || slot.next < *next)) {
            next = slot.next;
        }
    }
    return next;
}

const CheckerCore::Slot* CheckerCore::slot_of(const ServerRef& server) const
{
    const auto it = std::find_if(slots_.begin(), slots_.end(),
                                 [&](const Slot& slot) { return slot.server == server; });
    return it == slots_.end() ? nullptr : &*it;
}

const std::string& CheckerCore::last_outcome(const ServerRef& server) const
{
    static const std::string none;
    const Slot* slot = slot_of(server);
    return slot != nullptr ? slot->last : none;
}

CheckCounts CheckerCore::counts(const ServerRef& server) const
{
    const Slot* slot = slot_of(server);
    return slot != nullptr ? slot->total : CheckCounts{};
}

std::optional<Transition> CheckerCore::complete(const ServerRef& server,
                                                const ProbeOutcome& outcome, TimePoint now)
{
    for (Slot& slot : slots_) {
        if (!(slot.server == server) || !slot.in_flight) {
            continue;
        }
        slot.in_flight = false;
        if (slot.next < now) {
            slot.next = now;  // the outcome came late: probe again at once
        }
        slot.last = describe(outcome, *slot.check);
        Health& health = health_[server.service][server.server];
        if (outcome.result == ProbeResult::passed) {
            ++slot.total.passed;
            ++slot.successes;
            slot.failures = 0;
            if (health == Health::down && slot.successes >= slot.check->rise) {
                health = Health::up;
                return Transition{server, Health::down, Health::up, slot.last, slot.successes};
            }
        } else {
            ++slot.total.failed;
            ++slot.failures;
            slot.successes = 0;
            if (health == Health::up && slot.failures >= slot.check->fall) {
                health = Health::down;
                return Transition{server, Health::up, Health::down, slot.last, slot.failures};
            }
        }
        return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace hb::lvs
