// SPDX-License-Identifier: GPL-2.0-or-later
// heartbeat-ng.cf's metrics_listen on the io_context: accepts TCP connections, reads one
// request head (at most metrics::max_request_head bytes, within 5 s), writes what
// metrics::http_answer says, and closes. Bounded: at most 16 connections at once (more are
// closed at once), each with its deadline, so a client that connects and says nothing, or
// never reads, costs a socket for 5 s and never blocks the loop. A bind that fails is
// logged and tried again every 10 s: metrics never keep heartbeat from running.
//
// Its handlers hold the listener (shared_from_this), so one that was already due when a
// reload or the stop closed it runs on a closed listener, never on a destroyed one; after
// close() nothing reopens and no page is built.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <system_error>

#include "config/ng_cf.hpp"

namespace hb::daemon {

class MetricsListener : public std::enable_shared_from_this<MetricsListener> {
public:
    /// `page` builds the metrics page when a client asks for it.
    MetricsListener(boost::asio::io_context& io, config::ListenAddress where,
                    std::function<std::string()> page);
    MetricsListener(const MetricsListener&) = delete;
    MetricsListener& operator=(const MetricsListener&) = delete;
    ~MetricsListener();

    /// Binds and listens (or schedules the retry). Call on a listener made with make_shared.
    void open();
    /// Closes the listening socket and every connection, for good.
    void close();

private:
    struct Connection;
    void do_accept();
    void serve(const std::shared_ptr<Connection>& c);
    void finish(const std::shared_ptr<Connection>& c);
    std::string where() const;

    boost::asio::io_context& io_;
    config::ListenAddress where_;
    std::function<std::string()> page_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_;
    std::set<std::shared_ptr<Connection>> connections_;
    std::error_code last_error_;  ///< the last bind failure, logged once
    enum class Phase { opening, listening, closed };
    Phase phase_ = Phase::opening;
};

}  // namespace hb::daemon
