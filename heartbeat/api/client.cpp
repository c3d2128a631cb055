// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "api/ipc_frame.hpp"
#include "base/text.hpp"

namespace hb::api {
namespace {

ClientFailure failure(ClientError error, std::string reason)
{
    return ClientFailure{error, std::move(reason)};
}

/// Milliseconds left until `deadline`, at least 0, for poll().
int millis_left(Clock::time_point deadline)
{
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
}

std::string lower_uname()
{
    struct utsname u {};
    return ::uname(&u) == 0 ? base::to_lower(u.nodename) : std::string();
}

}  // namespace

std::string_view result_of(const wire::Message& reply)
{
    return reply.get("result").value_or("");
}

bool succeeded(const wire::Message& reply)
{
    const auto result = result_of(reply);
    return result == "OK" || result == "ok/more";
}

ApiClient::~ApiClient() = default;

base::Result<wire::Message, ClientFailure> ApiClient::signon(std::string_view socket_path,
                                                             Clock::time_point deadline,
                                                             std::string client_id)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof(addr.sun_path)) {
        return failure(ClientError::cannot_connect, "socket path too long");
    }
    std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
    fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd_ || ::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        return failure(ClientError::cannot_connect, std::strerror(errno));
    }
    pid_ = std::to_string(::getpid());
    from_id_ = client_id.empty() ? pid_ : std::move(client_id);
    uname_ = lower_uname();

    wire::Message request = base_request("signon");
    request.add("uid", std::to_string(::geteuid()));
    request.add("gid", std::to_string(::getegid()));
    if (!send(request, deadline)) {
        return failure(ClientError::closed, "cannot send the sign-on request");
    }
    auto reply = receive(deadline);
    if (!reply) {
        return reply.error();
    }
    if (result_of(reply.value()) != "OK") {
        return failure(ClientError::refused, std::string(reply.value().get("info").value_or("")));
    }
    node_ = std::string(reply.value().get("node").value_or(""));
    return reply;
}

wire::Message ApiClient::base_request(std::string_view reqtype) const
{
    wire::Message m;
    m.add("t", "hbapi-req");
    m.add("reqtype", std::string(reqtype));
    m.add("dest", node_.empty() ? uname_ : node_);
    m.add("pid", pid_);
    m.add("from_id", from_id_);
    return m;
}

bool ApiClient::send_request(std::string_view reqtype,
                             const std::vector<std::pair<std::string, std::string>>& extra,
                             Clock::time_point deadline)
{
    wire::Message m = base_request(reqtype);
    for (const auto& [name, value] : extra) {
        m.add(name, value);
    }
    return send(m, deadline);
}

base::Result<std::vector<wire::Message>, ClientFailure> ApiClient::request(
    std::string_view reqtype, const std::vector<std::pair<std::string, std::string>>& extra,
    Clock::time_point deadline)
{
    if (!send_request(reqtype, extra, deadline)) {
        return failure(ClientError::closed, "cannot send the request");
    }
    std::vector<wire::Message> replies;
    for (;;) {
        auto reply = receive(deadline);
        if (!reply) {
            return reply.error();
        }
        // Cluster messages may arrive between replies: keep only ours.
        if (reply.value().get("t") != "hbapi-resp" || reply.value().get("reqtype") != reqtype) {
            continue;
        }
        const bool more = result_of(reply.value()) == "ok/more";
        replies.push_back(std::move(reply).value());
        if (!more) {
            return replies;
        }
    }
}

bool ApiClient::send(const wire::Message& message, Clock::time_point deadline)
{
    return write_all(encode_frame(message), deadline);
}

bool ApiClient::write_all(std::string_view bytes, Clock::time_point deadline)
{
    while (!bytes.empty()) {
        pollfd p{fd_.get(), POLLOUT, 0};
        if (::poll(&p, 1, millis_left(deadline)) <= 0) {
            return false;
        }
        const ssize_t n =
            ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                continue;
            }
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

base::Result<wire::Message, ClientFailure> ApiClient::receive(Clock::time_point deadline)
{
    for (;;) {
        auto next = decoder_.next();
        if (!next) {
            return failure(ClientError::protocol, std::string(to_string(next.error())));
        }
        if (next.value()) {
            auto message = decode_body(*next.value());
            if (!message) {
                return failure(ClientError::protocol, message.error().what);
            }
            return std::move(message).value();
        }
        pollfd p{fd_.get(), POLLIN, 0};
        const int ready = ::poll(&p, 1, millis_left(deadline));
        if (ready == 0) {
            return failure(ClientError::timed_out, "no answer from heartbeat");
        }
        if (ready < 0 && errno != EINTR) {
            return failure(ClientError::closed, std::strerror(errno));
        }
        char chunk[4096];
        const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, MSG_DONTWAIT);
        if (n == 0) {
            return failure(ClientError::closed, "heartbeat closed the connection");
        }
        if (n > 0) {
            decoder_.feed(std::string_view(chunk, static_cast<std::size_t>(n)));
        }
    }
}

void ApiClient::signoff(Clock::time_point deadline)
{
    if (!fd_) {
        return;
    }
    send(base_request("signoff"), deadline);
    fd_.reset();
}

}  // namespace hb::api
