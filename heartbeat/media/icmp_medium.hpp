// SPDX-License-Identifier: GPL-2.0-or-later
// The ping medium: ICMP echo to the hosts of ping nodes (`ping`, `ping_group`) over one raw
// IPv4 socket on the io_context, as heartbeat 3.0.6's ping plugin does it. The payload of
// each echo request is a signed heartbeat message (membership writes it, the engine signs
// it). What a host echoes back is handed up with the host's name, for the authenticator and
// membership to judge. It only moves bytes; it decides nothing.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/icmp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::media {

/// One host to ping, for one ping node.
struct PingTarget {
    std::string node;  ///< the ping node (a `ping` host's own name, or a `ping_group`'s)
    std::string host;  ///< the host as written in ha.cf (the link's name)
    boost::asio::ip::address_v4 address;
};

/// An ICMP echo request around `payload`, id `id` and sequence `seq`, checksummed.
std::string echo_request(std::uint16_t id, std::uint16_t seq, std::string_view payload);

/// The payload of an echo reply with id `id`, from a raw IPv4 packet (IP header included);
/// empty when it is something else (another process's reply, an error, a request).
std::optional<std::string_view> echo_reply_payload(std::string_view packet, std::uint16_t id);

class IcmpMedium {
public:
    /// Called with what a host echoed (the view is valid during the call only).
    using ReceiveHandler = std::function<void(const std::string& host, std::string_view payload)>;

    IcmpMedium(boost::asio::io_context& io, std::vector<PingTarget> targets);
    IcmpMedium(const IcmpMedium&) = delete;
    IcmpMedium& operator=(const IcmpMedium&) = delete;

    /// Opens the raw socket (or retries every second) and starts receiving.
    void start(ReceiveHandler on_receive);
    /// Pings every host of ping node `node` with `payload`.
    void send(const std::string& node, std::string_view payload);
    void stop();

    const std::vector<PingTarget>& targets() const { return targets_; }

private:
    void try_open(bool first);
    void do_receive();

    std::vector<PingTarget> targets_;
    boost::asio::ip::icmp::socket socket_;
    boost::asio::steady_timer retry_;
    boost::asio::ip::icmp::endpoint from_;
    std::array<char, 65536> buffer_{};
    ReceiveHandler on_receive_;
    std::uint16_t id_;
    std::uint16_t seq_ = 0;
    bool up_ = false;
    bool stopped_ = false;
};

}  // namespace hb::media
