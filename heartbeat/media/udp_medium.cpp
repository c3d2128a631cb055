// SPDX-License-Identifier: GPL-2.0-or-later
// UDP media. Socket set-up follows heartbeat 3.0.6's plugins so that a real peer sees the
// same traffic: a receive socket bound to the port (or group) and to the device, and a
// separate send socket bound to the device, sending to the interface's broadcast address,
// the peer, or the group.
//
//   down ──open ok──▶ up ──send/receive error (ENODEV, ENETDOWN…)──▶ down ──1 s──▶ retry
#include "media/udp_medium.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <chrono>
#include <cstring>

#include "base/log.hpp"
#include "platform/interfaces.hpp"

namespace hb::media {

namespace asio = boost::asio;
using asio::ip::udp;

std::string_view to_string(MediumKind kind)
{
    switch (kind) {
    case MediumKind::bcast: return "bcast";
    case MediumKind::ucast: return "ucast";
    case MediumKind::mcast: return "mcast";
    case MediumKind::ucast6: return "ucast6";
    case MediumKind::mcast6: return "mcast6";
    case MediumKind::serial: return "serial";
    }
    return "?";
}

namespace {

constexpr auto retry_interval = std::chrono::seconds(1);

/// SO_BINDTODEVICE as an Asio SettableSocketOption.
class BindToDevice {
public:
    explicit BindToDevice(const std::string& name)
    {
        std::strncpy(name_.data(), name.c_str(), name_.size() - 1);
    }
    template <class Protocol>
    int level(const Protocol&) const
    {
        return SOL_SOCKET;
    }
    template <class Protocol>
    int name(const Protocol&) const
    {
        return SO_BINDTODEVICE;
    }
    template <class Protocol>
    const void* data(const Protocol&) const
    {
        return name_.data();
    }
    template <class Protocol>
    std::size_t size(const Protocol&) const
    {
        return std::strlen(name_.data()) + 1;
    }

private:
    std::array<char, IFNAMSIZ> name_{};
};

/// IP_TOS, which heartbeat sets to IPTOS_LOWDELAY on its heartbeats.
using TypeOfService = asio::detail::socket_option::integer<IPPROTO_IP, IP_TOS>;

}  // namespace

UdpMedium::UdpMedium(asio::io_context& io, std::size_t index, MediumSpec spec)
    : index_(index),
      spec_(std::move(spec)),
      receive_socket_(io),
      send_socket_(io),
      retry_timer_(io)
{}

void UdpMedium::start(ReceiveHandler on_receive, StateHandler on_state)
{
    on_receive_ = std::move(on_receive);
    on_state_ = std::move(on_state);
    stopped_ = false;
    try_open();
}

void UdpMedium::try_open()
{
    std::string why;
    if (open(why)) {
        set_up(true, "opened");
        do_receive();
    } else {
        set_up(false, why);
        schedule_retry();
    }
}

bool UdpMedium::open(std::string& why)
{
    close();
    if (spec_.kind == MediumKind::ucast6 || spec_.kind == MediumKind::mcast6) {
        return open_v6(why);
    }
    boost::system::error_code ec;
    const auto iface = platform::interface_ipv4(spec_.interface);
    if (!iface) {
        why = "interface " + spec_.interface + " does not exist or has no IPv4 address";
        return false;
    }
    const BindToDevice device(spec_.interface);

    receive_socket_.open(udp::v4(), ec);
    if (!ec) {
        receive_socket_.set_option(udp::socket::reuse_address(true), ec);
    }
    if (!ec) {
        receive_socket_.set_option(device, ec);
    }
    udp::endpoint bind_to(asio::ip::address_v4::any(), spec_.port);
    if (!ec && spec_.kind == MediumKind::mcast) {
        const auto group = asio::ip::make_address_v4(spec_.group, ec);
        if (!ec) {
            bind_to = udp::endpoint(group, spec_.port);
            receive_socket_.bind(bind_to, ec);
        }
        if (!ec) {
            receive_socket_.set_option(
                asio::ip::multicast::join_group(group, asio::ip::address_v4(iface->address)), ec);
        }
    } else if (!ec) {
        receive_socket_.bind(bind_to, ec);
    }
    if (ec) {
        why = "receive socket on " + spec_.interface + " port " + std::to_string(spec_.port) +
              ": " + ec.message();
        close();
        return false;
    }

    send_socket_.open(udp::v4(), ec);
    if (!ec) {
        send_socket_.set_option(TypeOfService(IPTOS_LOWDELAY), ec);
    }
    if (!ec) {
        send_socket_.set_option(device, ec);
    }
    switch (spec_.kind) {
    case MediumKind::bcast:
        if (!ec) {
            send_socket_.set_option(asio::socket_base::broadcast(true), ec);
        }
        destination_ = udp::endpoint(asio::ip::address_v4(iface->broadcast), spec_.port);
        break;
    case MediumKind::ucast:
        if (!ec) {
            destination_ = udp::endpoint(asio::ip::make_address_v4(spec_.peer, ec), spec_.port);
        }
        break;
    case MediumKind::ucast6:
    case MediumKind::mcast6:
    case MediumKind::serial: break;  // open_v6; not a UDP medium
    case MediumKind::mcast:
        if (!ec) {
            send_socket_.set_option(
                asio::ip::multicast::outbound_interface(asio::ip::address_v4(iface->address)), ec);
        }
        if (!ec) {
            send_socket_.set_option(asio::ip::multicast::hops(spec_.ttl), ec);
        }
        if (!ec) {
            send_socket_.set_option(asio::ip::multicast::enable_loopback(spec_.loop), ec);
        }
        if (!ec) {
            destination_ = udp::endpoint(asio::ip::make_address_v4(spec_.group, ec), spec_.port);
        }
        break;
    }
    if (ec) {
        why = "send socket on " + spec_.interface + ": " + ec.message();
        close();
        return false;
    }
    return true;
}

bool UdpMedium::open_v6(std::string& why)
{
    // As 3.0.6's ucast6/mcast6 plugins: the receive socket on [::]:port and the device (the
    // group joined on it for mcast6), the send socket on the device; a link-local peer or
    // group is reached through the device's scope.
    boost::system::error_code ec;
    const unsigned index = ::if_nametoindex(spec_.interface.c_str());
    if (index == 0) {
        why = "interface " + spec_.interface + " does not exist";
        return false;
    }
    const bool multicast = spec_.kind == MediumKind::mcast6;
    auto target = asio::ip::make_address_v6(multicast ? spec_.group : spec_.peer, ec);
    if (ec) {
        why = "not an IPv6 address: " + (multicast ? spec_.group : spec_.peer);
        return false;
    }
    if (target.is_link_local() || target.is_multicast_link_local()) {
        target.scope_id(index);
    }
    const BindToDevice device(spec_.interface);

    receive_socket_.open(udp::v6(), ec);
    if (!ec) {
        receive_socket_.set_option(asio::ip::v6_only(true), ec);
    }
    if (!ec) {
        receive_socket_.set_option(udp::socket::reuse_address(true), ec);
    }
    if (!ec) {
        receive_socket_.set_option(device, ec);
    }
    if (!ec) {
        receive_socket_.bind(udp::endpoint(asio::ip::address_v6::any(), spec_.port), ec);
    }
    if (!ec && multicast) {
        receive_socket_.set_option(asio::ip::multicast::join_group(target, index), ec);
    }
    if (ec) {
        why = "receive socket on " + spec_.interface + " port " + std::to_string(spec_.port) +
              ": " + ec.message();
        close();
        return false;
    }

    send_socket_.open(udp::v6(), ec);
    if (!ec) {
        send_socket_.set_option(device, ec);
    }
    if (!ec && multicast) {
        send_socket_.set_option(asio::ip::multicast::outbound_interface(index), ec);
        if (!ec) {
            send_socket_.set_option(asio::ip::multicast::hops(spec_.ttl), ec);
        }
        if (!ec) {
            send_socket_.set_option(asio::ip::multicast::enable_loopback(spec_.loop), ec);
        }
    }
    if (ec) {
        why = "send socket on " + spec_.interface + ": " + ec.message();
        close();
        return false;
    }
    destination_ = udp::endpoint(target, spec_.port);
    return true;
}

void UdpMedium::close()
{
    boost::system::error_code ignored;
    receive_socket_.close(ignored);
    send_socket_.close(ignored);
}

void UdpMedium::stop()
{
    stopped_ = true;
    retry_timer_.cancel();
    close();
}

void UdpMedium::set_up(bool up, const std::string& why)
{
    const bool changed = up != up_ || (!up && why != last_failure_);
    up_ = up;
    last_failure_ = up ? std::string() : why;
    if (changed && on_state_) {
        on_state_(index_, up, why);
    }
}

void UdpMedium::schedule_retry()
{
    if (stopped_) {
        return;
    }
    retry_timer_.expires_after(retry_interval);
    retry_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec == asio::error::operation_aborted || stopped_) {
            return;
        }
        try_open();
    });
}

void UdpMedium::do_receive()
{
    receive_socket_.async_receive_from(
        asio::buffer(buffer_), sender_, [this](const boost::system::error_code& ec, std::size_t n) {
            if (ec == asio::error::operation_aborted || stopped_) {
                return;
            }
            if (ec) {
                ++counters_.receive_errors;
                set_up(false, "receive on " + spec_.interface + ": " + ec.message());
                close();
                schedule_retry();
                return;
            }
            ++counters_.received;
            if (on_receive_) {
                on_receive_(index_, std::string_view(buffer_.data(), n));
            }
            do_receive();
        });
}

void UdpMedium::send(std::shared_ptr<const std::string> datagram)
{
    if (!up_) {
        ++counters_.send_errors;
        return;
    }
    send_socket_.async_send_to(asio::buffer(*datagram), destination_,
                               [this, datagram](const boost::system::error_code& ec, std::size_t) {
                                   if (ec == asio::error::operation_aborted || stopped_) {
                                       return;
                                   }
                                   if (ec) {
                                       ++counters_.send_errors;
                                       // A down link (ENETDOWN, ENETUNREACH) is reported but the
                                       // sockets stay; the next heartbeat tries again.
                                       HB_LOG(debug)
                                           << "medium " << to_string(spec_.kind) << " "
                                           << spec_.interface << ": send failed: " << ec.message();
                                       return;
                                   }
                                   ++counters_.sent;
                               });
}

}  // namespace hb::media
