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

#include "media/medium.hpp"

namespace hb::media {

/// A UDP medium driven by the daemon's single io_context.
class UdpMedium final : public Medium {
public:
    UdpMedium(boost::asio::io_context& io, std::size_t index, MediumSpec spec);
    UdpMedium(const UdpMedium&) = delete;
    UdpMedium& operator=(const UdpMedium&) = delete;

    /// Opens the sockets (or schedules retries) and starts receiving.
    void start(ReceiveHandler on_receive, StateHandler on_state) override;
    void send(std::shared_ptr<const std::string> datagram) override;
    /// Closes sockets and cancels timers.
    void stop() override;
    /// A reload moved this medium (its socket stays).
    void renumber(std::size_t index) override { index_ = index; }

    bool is_up() const { return up_; }
    const MediumSpec& spec() const override { return spec_; }
    const MediumCounters& counters() const { return counters_; }

private:
    bool open(std::string& why);
    bool open_v6(std::string& why);
    void try_open();
    void close();
    void do_receive();
    void schedule_retry();
    void set_up(bool up, const std::string& why);

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
