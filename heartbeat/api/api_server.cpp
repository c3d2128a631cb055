// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/api_server.hpp"

#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "base/log.hpp"

namespace hb::api {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

Credentials peer_credentials(int fd)
{
    ucred cred{};
    socklen_t len = sizeof cred;
    Credentials out;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
        out.pid = cred.pid;
        out.uid = cred.uid;
        out.gid = cred.gid;
    } else {
        // Unknown peer: nothing it claims can match, so it cannot sign on.
        out.pid = -1;
        out.uid = static_cast<unsigned>(-1);
        out.gid = static_cast<unsigned>(-1);
    }
    return out;
}

}  // namespace

ApiServer::ApiServer(asio::io_context& io, std::string path, ApiService& service,
                     ClusterSink to_cluster)
    : io_(io),
      path_(std::move(path)),
      service_(service),
      to_cluster_(std::move(to_cluster)),
      acceptor_(io)
{}

ApiServer::~ApiServer()
{
    close();
}

bool ApiServer::open()
{
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            HB_LOG(err) << path_ << " exists and is not a socket: the API (cl_status) is off";
            return false;
        }
        ::unlink(path_.c_str());  // left by a daemon that did not stop cleanly
    }
    boost::system::error_code ec;
    acceptor_.open(local(), ec);
    if (!ec) {
        acceptor_.bind(local::endpoint(path_), ec);
    }
    if (!ec) {
        acceptor_.listen(16, ec);
    }
    if (ec) {
        HB_LOG(err) << "cannot listen on " << path_ << ": " << ec.message()
                    << " (cl_status and other API clients will not work)";
        acceptor_.close(ec);
        return false;
    }
    if (::chmod(path_.c_str(), 0777) != 0) {
        HB_LOG(warn) << "cannot chmod " << path_ << ": " << std::strerror(errno);
    }
    open_ = true;
    do_accept();
    return true;
}

void ApiServer::close()
{
    if (!open_) {
        return;
    }
    open_ = false;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& [handle, c] : connections_) {
        c->socket.close(ignored);
        service_.on_closed(handle);
    }
    connections_.clear();
    ::unlink(path_.c_str());
}

void ApiServer::do_accept()
{
    acceptor_.async_accept([this](const boost::system::error_code& ec, local::socket socket) {
        if (ec == asio::error::operation_aborted || !open_) {
            return;
        }
        if (!ec) {
            auto c = std::make_shared<Connection>(io_);
            c->socket = std::move(socket);
            const ClientHandle handle =
                service_.accept(peer_credentials(c->socket.native_handle()));
            connections_[handle] = c;
            do_read(handle, c);
        } else {
            HB_LOG(warn) << "API accept failed: " << ec.message();
        }
        do_accept();
    });
}

void ApiServer::do_read(ClientHandle handle, const ConnectionPtr& c)
{
    c->socket.async_read_some(
        asio::buffer(c->buffer),
        [this, handle, c](const boost::system::error_code& ec, std::size_t n) {
            if (ec == asio::error::operation_aborted || c->closing || !open_) {
                return;
            }
            if (ec) {
                finish(handle);
                return;
            }
            c->decoder.feed(std::string_view(c->buffer.data(), n));
            for (;;) {
                auto next = c->decoder.next();
                if (!next) {
                    HB_LOG(warn) << "API client: " << to_string(next.error()) << ", disconnecting";
                    finish(handle);
                    return;
                }
                if (!next.value()) {
                    break;
                }
                apply(service_.on_frame(handle, *next.value()));
                if (c->closing || connections_.count(handle) == 0) {
                    return;
                }
            }
            do_read(handle, c);
        });
}

void ApiServer::apply(Actions actions)
{
    for (const auto& [handle, message] : actions.to_clients) {
        send(handle, message);
    }
    for (const ClientHandle handle : actions.close) {
        const auto it = connections_.find(handle);
        if (it == connections_.end()) {
            continue;
        }
        it->second->closing = true;
        if (!it->second->writing) {
            finish(handle);
        }
    }
    if (!actions.to_cluster.empty() && to_cluster_) {
        to_cluster_(std::move(actions.to_cluster));
    }
}

void ApiServer::send(ClientHandle handle, const wire::Message& message)
{
    const auto it = connections_.find(handle);
    if (it == connections_.end() || it->second->closing) {
        return;
    }
    const ConnectionPtr& c = it->second;
    std::string frame = encode_frame(message);
    if (c->queued + frame.size() > max_client_backlog) {
        HB_LOG(warn) << "API client does not read its messages (" << c->queued
                     << " bytes queued), disconnecting";
        finish(handle);
        return;
    }
    c->queued += frame.size();
    c->pending.push_back(std::move(frame));
    if (!c->writing) {
        do_write(handle, c);
    }
}

void ApiServer::do_write(ClientHandle handle, const ConnectionPtr& c)
{
    c->writing = true;
    asio::async_write(c->socket, asio::buffer(c->pending.front()),
                      [this, handle, c](const boost::system::error_code& ec, std::size_t) {
                          c->writing = false;
                          if (ec == asio::error::operation_aborted || !open_) {
                              return;
                          }
                          if (ec) {
                              finish(handle);
                              return;
                          }
                          c->queued -= c->pending.front().size();
                          c->pending.pop_front();
                          if (!c->pending.empty()) {
                              do_write(handle, c);
                          } else if (c->closing) {
                              finish(handle);
                          }
                      });
}

void ApiServer::finish(ClientHandle handle)
{
    const auto it = connections_.find(handle);
    if (it == connections_.end()) {
        return;
    }
    const ConnectionPtr c = it->second;
    connections_.erase(it);
    boost::system::error_code ignored;
    c->socket.shutdown(local::socket::shutdown_both, ignored);
    c->socket.close(ignored);
    apply(service_.on_closed(handle));
}

}  // namespace hb::api
