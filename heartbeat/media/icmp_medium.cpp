// SPDX-License-Identifier: GPL-2.0-or-later
// ICMP echo for ping nodes. The socket is raw (root or CAP_NET_RAW, as heartbeat 3.0.6
// needs too); every ICMP packet the host receives reaches it, so replies are told apart by
// our echo id. A socket that cannot be opened is retried every second and logged once.
#include "media/icmp_medium.hpp"

#include <unistd.h>

#include <optional>

#include "base/log.hpp"

namespace hb::media {

namespace {

constexpr std::uint8_t echo_reply_type = 0;
constexpr std::uint8_t echo_request_type = 8;
constexpr std::size_t icmp_header = 8;

/// The Internet checksum (RFC 1071) of `bytes`.
std::uint16_t checksum(std::string_view bytes)
{
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
        sum += static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]) << 8U) |
               static_cast<unsigned char>(bytes[i + 1]);
    }
    if (bytes.size() % 2 != 0) {
        sum += static_cast<std::uint32_t>(static_cast<unsigned char>(bytes.back()) << 8U);
    }
    while ((sum >> 16U) != 0) {
        sum = (sum & 0xffffU) + (sum >> 16U);
    }
    return static_cast<std::uint16_t>(~sum & 0xffffU);
}

void put16(std::string& out, std::size_t at, std::uint16_t v)
{
    out[at] = static_cast<char>(v >> 8U);
    out[at + 1] = static_cast<char>(v & 0xffU);
}

std::uint16_t get16(std::string_view in, std::size_t at)
{
    return static_cast<std::uint16_t>((static_cast<unsigned char>(in[at]) << 8U) |
                                      static_cast<unsigned char>(in[at + 1]));
}

}  // namespace

std::string echo_request(std::uint16_t id, std::uint16_t seq, std::string_view payload)
{
    std::string packet(icmp_header, '\0');
    packet[0] = static_cast<char>(echo_request_type);
    put16(packet, 4, id);
    put16(packet, 6, seq);
    packet.append(payload);
    put16(packet, 2, checksum(packet));
    return packet;
}

std::optional<std::string_view> echo_reply_payload(std::string_view packet, std::uint16_t id)
{
    if (packet.size() < 20) {
        return std::nullopt;
    }
    const std::size_t ip_header = (static_cast<unsigned char>(packet[0]) & 0x0fU) * 4U;
    if ((static_cast<unsigned char>(packet[0]) >> 4U) != 4 || ip_header < 20 ||
        packet.size() < ip_header + icmp_header) {
        return std::nullopt;
    }
    const std::string_view icmp = packet.substr(ip_header);
    if (static_cast<unsigned char>(icmp[0]) != echo_reply_type || icmp[1] != 0 ||
        get16(icmp, 4) != id || checksum(icmp) != 0) {
        return std::nullopt;
    }
    return icmp.substr(icmp_header);
}

IcmpMedium::IcmpMedium(boost::asio::io_context& io, std::vector<PingTarget> targets)
    : targets_(std::move(targets)),
      socket_(io),
      retry_(io),
      id_(static_cast<std::uint16_t>(::getpid() & 0xffff))
{}

void IcmpMedium::start(ReceiveHandler on_receive)
{
    on_receive_ = std::move(on_receive);
    try_open(true);
}

void IcmpMedium::try_open(bool first)
{
    boost::system::error_code ec;
    socket_.open(boost::asio::ip::icmp::v4(), ec);
    if (!ec) {
        up_ = true;
        HB_LOG(info) << "ping heartbeat started (ICMP echo to " << targets_.size() << " host"
                     << (targets_.size() == 1 ? "" : "s") << ")";
        do_receive();
        return;
    }
    if (first) {
        HB_LOG(err) << "ping medium: cannot open a raw ICMP socket: " << ec.message()
                    << " (retrying every second; ping nodes are declared dead meanwhile)";
    }
    retry_.expires_after(std::chrono::seconds(1));
    retry_.async_wait([this](const boost::system::error_code& e) {
        if (!e && !stopped_) {
            try_open(false);
        }
    });
}

void IcmpMedium::send(const std::string& node, std::string_view payload)
{
    if (!up_) {
        return;
    }
    const std::string packet = echo_request(id_, ++seq_, payload);
    for (const PingTarget& t : targets_) {
        if (t.node != node) {
            continue;
        }
        boost::system::error_code ec;
        socket_.send_to(boost::asio::buffer(packet), boost::asio::ip::icmp::endpoint(t.address, 0),
                        0, ec);
        if (ec) {
            HB_LOG(debug) << "ping " << t.host << ": " << ec.message();
        }
    }
}

void IcmpMedium::do_receive()
{
    socket_.async_receive_from(boost::asio::buffer(buffer_), from_,
                               [this](const boost::system::error_code& ec, std::size_t n) {
                                   if (ec == boost::asio::error::operation_aborted || stopped_) {
                                       return;
                                   }
                                   if (!ec) {
                                       const auto payload = echo_reply_payload(
                                           std::string_view(buffer_.data(), n), id_);
                                       if (payload) {
                                           for (const PingTarget& t : targets_) {
                                               if (t.address == from_.address().to_v4()) {
                                                   on_receive_(t.host, *payload);
                                                   break;
                                               }
                                           }
                                       }
                                   }
                                   do_receive();
                               });
}

void IcmpMedium::stop()
{
    stopped_ = true;
    retry_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
}

}  // namespace hb::media
