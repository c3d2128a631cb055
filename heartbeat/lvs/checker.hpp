// SPDX-License-Identifier: GPL-2.0-or-later
// The real-server checker's decisions, sans-IO: when each checked server is probed next
// (every `interval`, from the start of the previous probe), and what a probe's outcome
// means for the server (`fall` failures in a row take it out, `rise` successes in a row
// bring it back: hysteresis both ways, so one lost probe never flaps a server). The caller
// runs the probes and hands back outcomes; transitions come back as values to log and apply.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lvs/dataplane.hpp"
#include "lvs/rules.hpp"

namespace hb::lvs {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

/// How a probe ended.
enum class ProbeResult {
    passed,       ///< connected (TCP_CHECK) or answered as expected (HTTP_GET)
    refused,      ///< connection refused (nothing listens)
    unreachable,  ///< no route, host unreachable, network down
    timed_out,    ///< not done within the check's timeout
    bad_status,   ///< HTTP status not among those expected
    bad_digest,   ///< HTTP body digest differs
    bad_answer,   ///< not an HTTP response, or the connection closed early
    failed,       ///< any other error (detail says which)
};

/// A probe's outcome, with what to say about it.
struct ProbeOutcome {
    ProbeResult result = ProbeResult::failed;
    int http_status = 0;  ///< HTTP_GET: the status received, when one was
    std::string detail;   ///< e.g. the system error's text
};

/// For log lines: `HTTP 503`, `connection refused`, `no answer within 1000ms`, …
std::string describe(const ProbeOutcome& outcome, const Check& check);

/// A server of a service, by index in the file (service, server).
struct ServerRef {
    std::size_t service = 0;
    std::size_t server = 0;
    bool operator==(const ServerRef&) const = default;
};

/// A probe to start now.
struct ProbeRequest {
    ServerRef server;
    Endpoint target;  ///< where to connect (the check's port, else the server's)
    const Check* check = nullptr;
};

/// Probes of one server that ended, by how, since the checker started.
struct CheckCounts {
    std::uint64_t passed = 0;
    std::uint64_t failed = 0;
    bool operator==(const CheckCounts&) const = default;
};

/// A server changed state.
struct Transition {
    ServerRef server;
    Health from = Health::up;
    Health to = Health::down;
    std::string reason;  ///< the last outcome, described
    int count = 0;       ///< results in a row that decided it
};

/// `real server 192.168.219.21:80 (web-01) down: HTTP 503 after 3 checks`.
std::string format_transition(const LvsConfig& config, const Transition& t);

/// Schedules probes and judges outcomes for every checked server of a config.
class CheckerCore {
public:
    /// Servers start as `initial` says (all up at a resource start, as keepalived does); the
    /// first probes are due at `now`, spread over a tenth of each interval. `config` must
    /// outlive the core: it keeps pointers to the checks.
    CheckerCore(const LvsConfig& config, TimePoint now, HealthTable initial);

    /// Probes due at `now`; each is then in flight until complete() hears of it.
    std::vector<ProbeRequest> due(TimePoint now);
    /// When the next probe is due (nullopt: nothing is checked).
    std::optional<TimePoint> next_deadline() const;
    /// A probe's outcome; a transition when it changed the server's health.
    std::optional<Transition> complete(const ServerRef& server, const ProbeOutcome& outcome,
                                       TimePoint now);

    const HealthTable& health() const { return health_; }
    /// The last outcome of a server, described (empty before its first probe).
    const std::string& last_outcome(const ServerRef& server) const;
    /// Probes run so far (all servers).
    std::size_t probes() const { return probes_; }
    /// The outcomes of a server's probes so far (zero for a server without a check).
    CheckCounts counts(const ServerRef& server) const;

private:
    struct Slot {
        ServerRef server;
        const Check* check = nullptr;
        Endpoint target;
        TimePoint next;
        bool in_flight = false;
        int successes = 0;  // in a row
        int failures = 0;   // in a row
        CheckCounts total;
        std::string last;
    };

    const Slot* slot_of(const ServerRef& server) const;

    HealthTable health_;
    std::vector<Slot> slots_;
    std::size_t probes_ = 0;
};

}  // namespace hb::lvs
