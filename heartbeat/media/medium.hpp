// SPDX-License-Identifier: GPL-2.0-or-later
// What every heartbeat medium is to the engine: datagrams out to the link, datagrams in
// from it (each handed over whole, as its classic text), and its state, on the daemon's one
// io_context. UdpMedium (bcast, ucast, mcast, ucast6, mcast6) and SerialMedium are the two.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace hb::media {

/// Kind of medium.
enum class MediumKind { bcast, ucast, mcast, ucast6, mcast6, serial };

std::string_view to_string(MediumKind kind);

/// What a medium needs to open its sockets.
struct MediumSpec {
    MediumKind kind = MediumKind::bcast;
    std::string interface;  ///< device, also the link's name
    std::string peer;       ///< ucast/ucast6: address of the peer
    std::string group;      ///< mcast/mcast6: the group
    std::uint16_t port = 694;
    int ttl = 1;        ///< mcast TTL, mcast6 hop limit
    bool loop = false;  ///< mcast loopback
    int baud = 19200;   ///< serial: the line speed (`baud`)
};

/// Counters a medium keeps for status and benchmarks.
struct MediumCounters {
    std::uint64_t received = 0;
    std::uint64_t sent = 0;
    std::uint64_t send_errors = 0;
    std::uint64_t receive_errors = 0;
};

/// A medium driven by the daemon's single io_context.
class Medium {
public:
    /// Called with each datagram received (the view is valid during the call only).
    using ReceiveHandler = std::function<void(std::size_t medium, std::string_view datagram)>;
    /// Called when the medium goes up or down.
    using StateHandler = std::function<void(std::size_t medium, bool up, const std::string& why)>;

    virtual ~Medium() = default;
    /// Opens it (or schedules retries) and starts receiving.
    virtual void start(ReceiveHandler on_receive, StateHandler on_state) = 0;
    /// Sends one datagram; dropped (and counted) while the medium is down.
    virtual void send(std::shared_ptr<const std::string> datagram) = 0;
    /// Closes it and cancels its timers.
    virtual void stop() = 0;
    /// A reload moved this medium to position `index` among the media.
    virtual void renumber(std::size_t index) = 0;
    virtual const MediumSpec& spec() const = 0;
};

}  // namespace hb::media
