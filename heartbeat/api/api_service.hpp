// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's side of heartbeat's client API (hb_api.c in 3.0.6), sans-IO: frames from
// client connections in, replies / messages for the cluster / connections to close out.
// Programs linked against the original libhbclient (cl_status, ipfail, dopd) talk to it
// unchanged. doc/notes/api-3.0.6.md describes the protocol this follows.
//
// Differences from 3.0.6, on purpose: an undecodable frame, a request before sign-on or a
// malformed request closes that connection (3.0.6 ignores most of them silently, so the
// client waits for its alarm, and counts bad frames across all clients); a sign-on whose
// claimed pid does not match the socket's peer is refused (3.0.6 crashes on a missing pid).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/value_parsers.hpp"
#include "wire/message.hpp"

namespace hb::api {

using ClientHandle = std::uint64_t;

/// Who is at the other end of a connection (SO_PEERCRED).
struct Credentials {
    long pid = 0;
    unsigned uid = 0;
    unsigned gid = 0;
};

/// `apiauth`, with user and group names resolved to numbers.
struct AuthRule {
    std::string client;
    std::set<unsigned> uids;
    std::set<unsigned> gids;
};

/// One link of a node as the API reports it.
struct LinkInfo {
    std::string name;
    std::string status;  ///< up | dead
    /// Milliseconds since the node was last heard on it (nullopt: never). iflist answers
    /// carry it as `lastheard`, a field of ours that 3.0.6's client library ignores.
    std::optional<std::int64_t> heard_ms_ago;
};

/// One node as the API reports it.
struct NodeInfo {
    std::string name;
    std::string type = "normal";  ///< normal | ping
    std::string status;           ///< init | up | active | dead | ping
    std::vector<LinkInfo> links;
    std::string uuid;  ///< 16 raw bytes, or empty when never learnt
    int weight = 100;
    std::string site;
};

/// The live state the API answers from; the daemon implements it over membership and
/// resources.
class ClusterView {
public:
    virtual ~ClusterView() = default;
    /// Every node in the node table's order (ha.cf order).
    virtual std::vector<NodeInfo> nodes() const = 0;
    /// none | local | foreign | all | transition; nullopt when heartbeat does not manage
    /// resources (-M).
    virtual std::optional<std::string> resource_status() const = 0;
};

/// What does not change while the daemon runs.
struct ApiSettings {
    std::string node;     ///< our node name
    std::string version;  ///< the `hbversion` sign-on field
    base::Milliseconds deadtime{30000};
    base::Milliseconds keepalive{1000};
    int logfacility = -1;  ///< syslog facility number, -1 when none
    bool pacemaker = false;
    std::map<std::string, std::string, std::less<>> parameters;  ///< getparm
    std::vector<AuthRule> auth;
    unsigned daemon_uid = 0;  ///< may ask for the debug filter bits (with root)
};

/// What the daemon must do after an input.
struct Actions {
    std::vector<std::pair<ClientHandle, wire::Message>> to_clients;
    std::vector<ClientHandle> close;  ///< after their pending replies are written
    std::vector<wire::Message> to_cluster;
    void append(Actions&& other);
};

/// Why a connection was dropped, for the log.
enum class DropReason { signoff, closed, bad_frame, bad_request, refused, impersonation };
std::string_view to_string(DropReason reason);

class ApiService {
public:
    ApiService(ApiSettings settings, const ClusterView& view);
    /// A reload: new parameters, timings and apiauth rules. Clients already signed on stay;
    /// the new rules judge the next sign-ons.
    void reconfigure(ApiSettings next) { settings_ = std::move(next); }

    /// A new connection.
    ClientHandle accept(const Credentials& peer);
    /// One frame body from a connection.
    Actions on_frame(ClientHandle client, std::string_view body);
    /// The connection is gone (peer closed, write failed, or we closed it).
    Actions on_closed(ClientHandle client);

    /// A cluster message that reached the layers above membership: answers `query-cstatus`,
    /// and hands the message to the clients that should see it.
    Actions on_cluster_message(const wire::Message& message);
    /// A node's status changed: clients see a `t=status` message (ping: `t=NS_st`).
    Actions on_node_status(std::string_view node, std::string_view status);
    /// A link's status changed: clients see `t=ifstat`.
    Actions on_link_status(std::string_view node, std::string_view link, std::string_view status);

    /// Signed-on clients (casual and named).
    std::size_t clients() const;
    /// Open connections, signed on or not yet.
    std::size_t connections() const { return clients_.size(); }
    /// Why the last connection was dropped (tests, logs).
    std::optional<DropReason> last_drop() const { return last_drop_; }

private:
    struct Client {
        Credentials peer;
        bool signed_on = false;
        bool casual = true;
        std::string id;
        std::string pid;
        std::uint32_t filter = 0x01;
        int signal = 0;
        std::uint64_t generation = 0;
    };

    Actions on_signon(ClientHandle handle, Client& client, const wire::Message& request);
    Actions on_request(ClientHandle handle, Client& client, const wire::Message& request);
    Actions drop(ClientHandle handle, DropReason reason);
    Actions client_status_change(const Client& client, std::string_view status,
                                 std::string_view why);
    /// Sends `message` to every signed-on client whose filter keeps it, or only to the
    /// client named by its `to_id`.
    Actions deliver(const wire::Message& message);
    std::optional<std::string> authorize(const Client& client, const wire::Message& request) const;
    bool has_named_client(std::string_view id) const;

    ApiSettings settings_;
    const ClusterView& view_;
    std::map<ClientHandle, Client> clients_;
    ClientHandle next_handle_ = 1;
    std::uint64_t next_generation_ = 1;
    std::optional<DropReason> last_drop_;
};

}  // namespace hb::api
