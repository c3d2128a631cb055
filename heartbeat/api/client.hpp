// SPDX-License-Identifier: GPL-2.0-or-later
// A blocking client of heartbeat's API socket, for command-line tools (cl_status,
// hb_standby): connect, sign on as a casual client, send requests and collect their
// replies. Every wait is bounded by one deadline for the whole session, as the original
// tools bound theirs with alarm(). Works against our daemon and against heartbeat 3.0.6.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/ipc_frame.hpp"
#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "wire/message.hpp"

namespace hb::api {

inline constexpr std::string_view default_register_socket = "/run/heartbeat/register";

enum class ClientError {
    cannot_connect,  ///< no socket, no permission, nobody listening
    refused,         ///< the daemon answered sign-on with a failure
    timed_out,       ///< the deadline passed
    closed,          ///< the daemon closed the connection
    protocol,        ///< an unreadable reply
};

struct ClientFailure {
    ClientError error = ClientError::protocol;
    std::string reason;  ///< the daemon's `info`, or what went wrong locally
};

using Clock = std::chrono::steady_clock;

class ApiClient {
public:
    ApiClient() = default;
    ~ApiClient();
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    /// Connects and signs on; `client_id` empty means a casual client named by our pid.
    /// Returns the daemon's sign-on reply (node, deadtime, keepalive, hbversion…).
    base::Result<wire::Message, ClientFailure> signon(std::string_view socket_path,
                                                      Clock::time_point deadline,
                                                      std::string client_id = {});
    /// Sends `t=hbapi-req reqtype=REQTYPE` with the standard fields, then `extra`, and
    /// returns every reply up to the first whose result is not `ok/more`.
    base::Result<std::vector<wire::Message>, ClientFailure> request(
        std::string_view reqtype, const std::vector<std::pair<std::string, std::string>>& extra,
        Clock::time_point deadline);
    /// Sends `t=hbapi-req reqtype=REQTYPE` with the standard fields, then `extra`, without
    /// waiting for a reply (for replies that come as other messages, like clientstatus).
    bool send_request(std::string_view reqtype,
                      const std::vector<std::pair<std::string, std::string>>& extra,
                      Clock::time_point deadline);
    /// Sends a message as is (no reply expected).
    bool send(const wire::Message& message, Clock::time_point deadline);
    /// Receives the next message of any kind.
    base::Result<wire::Message, ClientFailure> receive(Clock::time_point deadline);
    /// Signs off (best effort) and closes.
    void signoff(Clock::time_point deadline);

    /// The node name the daemon gave at sign-on.
    const std::string& node() const { return node_; }

private:
    bool write_all(std::string_view bytes, Clock::time_point deadline);
    wire::Message base_request(std::string_view reqtype) const;

    base::UniqueFd fd_;
    std::string pid_;
    std::string from_id_;
    std::string node_;
    std::string uname_;
    FrameDecoder decoder_;
};

/// The result field of a reply (`OK`, `ok/more`, `fail`, `badreq`), or empty.
std::string_view result_of(const wire::Message& reply);
/// True when the reply reports success (`OK` or `ok/more`).
bool succeeded(const wire::Message& reply);

}  // namespace hb::api
