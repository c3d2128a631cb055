// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/metrics_listener.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "base/log.hpp"
#include "metrics/http_answer.hpp"

namespace hb::daemon {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr std::size_t max_connections = 16;
constexpr std::chrono::seconds client_deadline{5};
constexpr std::chrono::seconds bind_retry{10};

}  // namespace

struct MetricsListener::Connection {
    explicit Connection(asio::io_context& io)
        : socket(io),
          deadline(io),
          head(metrics::max_request_head)
    {}
    tcp::socket socket;
    asio::steady_timer deadline;
    asio::streambuf head;  ///< bounded: a longer head fails the read
    std::string answer;
};

MetricsListener::MetricsListener(asio::io_context& io, config::ListenAddress where,
                                 std::function<std::string()> page)
    : io_(io),
      where_(std::move(where)),
      page_(std::move(page)),
      acceptor_(io),
      retry_(io)
{}

MetricsListener::~MetricsListener()
{
    close();
}

std::string MetricsListener::where() const
{
    const bool v6 = where_.address.find(':') != std::string::npos;
    return (v6 ? "[" + where_.address + "]" : where_.address) + ":" + std::to_string(where_.port);
}

void MetricsListener::open()
{
    if (phase_ != Phase::opening) {
        return;  // closed meanwhile (a retry that was already due), or open
    }
    boost::system::error_code ec;
    const tcp::endpoint endpoint(asio::ip::make_address(where_.address, ec), where_.port);
    if (!ec) {
        acceptor_.open(endpoint.protocol(), ec);
    }
    if (!ec) {
        acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        if (ec != last_error_) {
            HB_LOG(err) << "metrics: cannot listen on " << where() << ": " << ec.message()
                        << " (trying again every " << bind_retry.count() << " s)";
        }
        last_error_ = ec;
        retry_.expires_after(bind_retry);
        retry_.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
            if (!e) {
                self->open();
            }
        });
        return;
    }
    last_error_ = {};
    phase_ = Phase::listening;
    HB_LOG(info) << "metrics: serving http://" << where() << "/metrics";
    do_accept();
}

void MetricsListener::close()
{
    phase_ = Phase::closed;
    retry_.cancel();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (const auto& c : connections_) {
        c->deadline.cancel();
        c->socket.close(ignored);
    }
    connections_.clear();
}

void MetricsListener::do_accept()
{
    auto c = std::make_shared<Connection>(io_);
    acceptor_.async_accept(
        c->socket, [this, self = shared_from_this(), c](const boost::system::error_code& ec) {
            if (phase_ == Phase::closed || ec == asio::error::operation_aborted) {
                return;  // closed
            }
            if (!ec) {
                if (connections_.size() >= max_connections) {
                    boost::system::error_code ignored;
                    c->socket.close(ignored);  // a flood of scrapers: the loop comes first
                } else {
                    serve(c);
                }
            }
            do_accept();
        });
}

void MetricsListener::serve(const std::shared_ptr<Connection>& c)
{
    connections_.insert(c);
    c->deadline.expires_after(client_deadline);
    c->deadline.async_wait(
        [this, self = shared_from_this(), c](const boost::system::error_code& ec) {
            if (!ec) {
                finish(c);  // said nothing, or did not read: gone
            }
        });
    asio::async_read_until(
        c->socket, c->head, "\r\n\r\n",
        [this, self = shared_from_this(), c](const boost::system::error_code& ec, std::size_t n) {
            if (phase_ == Phase::closed || !connections_.count(c)) {
                return;
            }
            if (ec == asio::error::not_found) {
                c->answer = metrics::http_too_large();
            } else if (ec) {
                finish(c);
                return;
            } else {
                const std::string_view head(static_cast<const char*>(c->head.data().data()), n);
                c->answer = metrics::http_answer(head, page_);
            }
            asio::async_write(
                c->socket, asio::buffer(c->answer),
                [this, self, c](const boost::system::error_code&, std::size_t) { finish(c); });
        });
}

void MetricsListener::finish(const std::shared_ptr<Connection>& c)
{
    if (connections_.erase(c) == 0) {
        return;
    }
    c->deadline.cancel();
    boost::system::error_code ignored;
    c->socket.shutdown(tcp::socket::shutdown_both, ignored);
    c->socket.close(ignored);
}

}  // namespace hb::daemon
