// SPDX-License-Identifier: GPL-2.0-or-later
// The API socket on the io_context: accepts connections on RUN_DIR/register (mode 0777 as
// 3.0.6 creates it; the 0750 run directory decides who can reach it), reads frames, hands
// them to ApiService and carries out what it answers. A client that does not read its
// replies is dropped once a bounded amount is queued for it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <array>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/api_service.hpp"
#include "api/ipc_frame.hpp"

namespace hb::api {

/// Most bytes queued for one client before it is dropped.
inline constexpr std::size_t max_client_backlog = 1024 * 1024;

class ApiServer {
public:
    using ClusterSink = std::function<void(std::vector<wire::Message>)>;

    ApiServer(boost::asio::io_context& io, std::string path, ApiService& service,
              ClusterSink to_cluster);
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;
    ~ApiServer();

    /// Replaces a stale socket file, listens; false (logged) when it cannot.
    bool open();
    /// Closes every connection and the listening socket, removes the socket file.
    void close();
    /// Carries out what the service decided (also for events the daemon fed it).
    void apply(Actions actions);

private:
    struct Connection {
        explicit Connection(boost::asio::io_context& io) : socket(io) {}
        boost::asio::local::stream_protocol::socket socket;
        FrameDecoder decoder;
        std::array<char, 4096> buffer{};
        std::deque<std::string> pending;
        std::size_t queued = 0;
        bool writing = false;
        bool closing = false;  ///< close once `pending` is written
    };
    using ConnectionPtr = std::shared_ptr<Connection>;

    void do_accept();
    void do_read(ClientHandle handle, const ConnectionPtr& c);
    void do_write(ClientHandle handle, const ConnectionPtr& c);
    void send(ClientHandle handle, const wire::Message& message);
    void finish(ClientHandle handle);

    boost::asio::io_context& io_;
    std::string path_;
    ApiService& service_;
    ClusterSink to_cluster_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::map<ClientHandle, ConnectionPtr> connections_;
    bool open_ = false;
};

}  // namespace hb::api
