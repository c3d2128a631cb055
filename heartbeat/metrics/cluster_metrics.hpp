// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's metrics page: what membership knows (each node's status, each link's state
// and last message, what it dropped and why, late heartbeats, retransmissions, pauses of our
// own) and what the engine counts on its way (datagrams sent per medium, datagrams
// authentication refused, deaths and returns per node). Sans-IO: the engine feeds events in
// and asks for the page; the textfile and the HTTP listener only carry it out.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.hpp"
#include "membership/membership.hpp"
#include "metrics/exposition.hpp"
#include "resources/resource_controller.hpp"

namespace hb::metrics {

/// The verify errors authentication counts, in their enum's order.
inline constexpr std::array<auth::VerifyError, 4> verify_errors = {
    auth::VerifyError::malformed, auth::VerifyError::no_signature, auth::VerifyError::unknown_key,
    auth::VerifyError::bad_signature};

class ClusterMetrics {
public:
    /// A datagram went out on medium `index` (membership's media order).
    void sent(std::size_t index);
    /// Authentication refused a datagram.
    void rejected(auth::VerifyError why);
    /// Datagrams refused so far, all reasons.
    std::uint64_t rejected_total() const;
    /// A membership event: a node's death or return is counted.
    void on_event(const membership::Event& event);
    /// A reload renumbered the media: `from[i]` is the old index of new medium i, if any.
    void renumber_media(const std::vector<std::optional<std::size_t>>& from);
    /// A group operation (acquire, release) ended.
    void group_op(const resources::GroupOpDone& done);
    /// A resource script call ended.
    void script(const resources::ScriptDone& done);

    /// What the resources are doing here, when this node manages them.
    struct Resources {
        const std::map<std::string, resources::GroupState>& groups;
    };
    /// The API socket's clients, when it is open.
    struct ApiClients {
        std::size_t connected = 0;
        std::size_t signed_on = 0;
    };
    /// The whole page (Prometheus text format) at `now`.
    std::string page(membership::TimePoint now, const membership::Membership& membership,
                     const std::optional<Resources>& resources = std::nullopt,
                     const std::optional<ApiClients>& api = std::nullopt) const;

private:
    std::vector<std::uint64_t> sent_;  ///< per medium
    std::array<std::uint64_t, verify_errors.size()> rejected_{};
    std::map<std::string, std::uint64_t, std::less<>> deaths_;
    std::map<std::string, std::uint64_t, std::less<>> returns_;
    /// (group, operation, outcome) and (script, action, outcome) -> durations.
    std::map<std::array<std::string, 3>, Histogram> group_ops_;
    std::map<std::array<std::string, 3>, Histogram> scripts_;
};

}  // namespace hb::metrics
