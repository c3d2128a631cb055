// SPDX-License-Identifier: GPL-2.0-or-later
// One heartbeat medium over UDP: bcast (broadcast on one interface), ucast (to one peer)
// or mcast (a multicast group) over IPv4, ucast6 or mcast6 over IPv6. It only moves bytes:
// datagrams in, datagrams out, bound to its interface. A missing or address-less interface leaves
// the medium down and retried every second; the other media are unaffected.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace hb::media {

/// Kind of UDP medium.
enum class MediumKind { bcast, ucast, mcast, ucast6, mcast6 };

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
};

/// Counters a medium keeps for status and benchmarks.
struct MediumCounters {
    std::uint64_t received = 0;
    std::uint64_t sent = 0;
    std::uint64_t send_errors = 0;
    std::uint64_t receive_errors = 0;
};

/// A UDP medium driven by the daemon's single io_context.
class UdpMedium {
public:
    /// Called with each datagram received (the view is valid during the call only).
    using ReceiveHandler = std::function<void(std::size_t medium, std::string_view datagram)>;
    /// Called when the medium goes up or down.
    using StateHandler = std::function<void(std::size_t medium, bool up, const std::string& why)>;

    UdpMedium(boost::asio::io_context& io, std::size_t index, MediumSpec spec);
    UdpMedium(const UdpMedium&) = delete;
    UdpMedium& operator=(const UdpMedium&) = delete;

    /// Opens the sockets (or schedules retries) and starts receiving.
    void start(ReceiveHandler on_receive, StateHandler on_state);
    /// Sends one datagram; dropped (and counted) while the medium is down.
    void send(std::shared_ptr<const std::string> datagram);
    /// Closes sockets and cancels timers.
    void stop();

    /// A reload moved this medium to position `index` among the media (its socket stays).
    void renumber(std::size_t index) { index_ = index; }

    bool is_up() const { return up_; }
    const MediumSpec& spec() const { return spec_; }
    const MediumCounters& counters() const { return counters_; }

private:
    bool open(std::string& why);
    bool open_v6(std::string& why);
    void try_open();
    void close();
    void do_receive();
    void schedule_retry();
    void set_up(bool up, const std::string& why);

    boost::asio::io_context& io_;
    std::size_t index_;
    MediumSpec spec_;
    boost::asio::ip::udp::socket receive_socket_;
    boost::asio::ip::udp::socket send_socket_;
    boost::asio::ip::udp::endpoint destination_;
    boost::asio::ip::udp::endpoint sender_;
    boost::asio::steady_timer retry_timer_;
    std::array<char, 65536> buffer_{};
    ReceiveHandler on_receive_;
    StateHandler on_state_;
    MediumCounters counters_;
    bool up_ = false;
    bool stopped_ = false;
    std::string last_failure_;
};

}  // namespace hb::media
