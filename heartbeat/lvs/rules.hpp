// SPDX-License-Identifier: GPL-2.0-or-later
// An LVS rules file: the virtual services and real servers of `ipvsadm-save -n` (the lines
// `ipvsadm-restore` reads), plus our extension lines `#@…`, which ipvsadm-restore skips as
// comments: real-server health checks, a sorry server, names for log lines, the back end and
// IPVS connection sync. Parsed into one immutable LvsConfig with every problem reported as
// FILE:LINE. Sans-IO: what the machine can do (IPVS or nftables) is decided elsewhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.hpp"

namespace hb::lvs {

using Ipv4 = std::uint32_t;  ///< host byte order
using Milliseconds = std::chrono::milliseconds;

/// Dotted-quad text of an address.
std::string format_ipv4(Ipv4 address);

/// How a virtual service is addressed: `-t ADDR:PORT`, `-u ADDR:PORT` or `-f MARK`.
enum class Protocol { tcp, udp, fwmark };

/// `tcp`, `udp` or `fwmark`.
std::string_view to_string(Protocol protocol);

/// The identity of a virtual service.
struct ServiceKey {
    Protocol protocol = Protocol::tcp;
    Ipv4 address = 0;          ///< tcp/udp only
    std::uint16_t port = 0;    ///< tcp/udp only; 0 = every port (persistent services)
    std::uint32_t fwmark = 0;  ///< fwmark only

    bool operator==(const ServiceKey&) const = default;
};

/// As ipvsadm writes it: `-t 192.168.219.100:80`, `-u 10.0.0.1:53`, `-f 1`.
std::string to_option(const ServiceKey& key);
/// For log lines: `TCP 192.168.219.100:80`, `UDP …`, `FWM 1`.
std::string describe(const ServiceKey& key);

/// How packets reach a real server (ipvsadm's packet-forwarding methods).
enum class Forwarding {
    direct_routing,  ///< -g, gatewaying: only the destination MAC changes (the default)
    nat,             ///< -m, masquerading: destination address and port rewritten
    tunnel,          ///< -i, IP-in-IP
};

/// `-g`, `-m`, `-i`.
std::string_view to_option(Forwarding forwarding);
/// `direct routing`, `NAT`, `tunnel`.
std::string_view to_string(Forwarding forwarding);

/// IPVS's scheduling algorithms (`-s`).
enum class Scheduler { rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh };

/// The scheduler's name as ipvsadm spells it.
std::string_view to_string(Scheduler scheduler);

/// A real-server address with its port (0: the service's port, as ipvsadm fills it in).
struct Endpoint {
    Ipv4 address = 0;
    std::uint16_t port = 0;

    bool operator==(const Endpoint&) const = default;
    auto operator<=>(const Endpoint&) const = default;
};

/// `192.168.219.21:80`.
std::string format_endpoint(const Endpoint& endpoint);

/// One `-a` line.
struct RealServer {
    Endpoint endpoint;
    Forwarding forwarding = Forwarding::direct_routing;
    int weight = 1;                       ///< 0 = quiescent: no new connections
    std::uint32_t upper_threshold = 0;    ///< -x, 0 = none
    std::uint32_t lower_threshold = 0;    ///< -y, 0 = none
    std::vector<std::string> ipvs_extra;  ///< tunnel options passed to ipvsadm as written
    base::SourceLocation where;
};

/// What a health check does.
enum class CheckKind {
    tcp,   ///< TCP_CHECK: the connection is accepted within the timeout
    http,  ///< HTTP_GET: GET PATH answered with the expected status (and body digest)
};

/// `TCP_CHECK` or `HTTP_GET`, keepalived's names.
std::string_view to_string(CheckKind kind);

/// A real-server check (`#@check`): what to probe, how often, how many results count.
struct Check {
    CheckKind kind = CheckKind::tcp;
    Milliseconds interval{5000};   ///< from the start of one probe to the next
    Milliseconds timeout{3000};    ///< the whole probe: connect, request and answer
    int fall = 3;                  ///< consecutive failures that take a server out
    int rise = 2;                  ///< consecutive successes that bring it back
    std::uint16_t port = 0;        ///< 0: the real server's port
    std::string path = "/";        ///< HTTP_GET only
    std::vector<int> status{200};  ///< accepted HTTP status codes
    std::string digest;            ///< lower-case hex MD5 of the body; empty: not checked
    std::string host;              ///< Host header; empty: the server's address
    base::SourceLocation where;
};

/// One `-A` line and everything that refers to it.
struct Service {
    ServiceKey key;
    Scheduler scheduler = Scheduler::wlc;
    std::vector<std::string> scheduler_flags;  ///< -b: sh-port, sh-fallback, mh-port, …
    std::optional<unsigned> persistence;       ///< -p, seconds
    std::optional<Ipv4> persistence_mask;      ///< -M
    std::string persistence_engine;            ///< --pe (IPVS only)
    std::vector<RealServer> servers;           ///< in file order
    std::optional<Check> check;                ///< for every server without its own
    std::vector<std::pair<Endpoint, Check>> server_checks;  ///< `#@check … -r RIP:PORT`
    std::optional<RealServer> sorry;  ///< takes new connections when all are down
    base::SourceLocation where;

    /// The check that applies to `server` (its own, else the service's), if any.
    const Check* check_for(const Endpoint& server) const;
    /// True when the choice of a real server depends on the client address only (-p, sh, mh
    /// without the port flag).
    bool hashes_source_only() const;
};

/// Which data plane applies the rules.
enum class BackendChoice {
    automatic,  ///< kernel IPVS when the kernel has it, else nftables
    ipvs,
    nftables,
};

/// `auto`, `ipvs`, `nftables`.
std::string_view to_string(BackendChoice choice);

/// IPVS connection synchronisation between the directors (`#@sync IFACE [syncid N]`).
struct SyncDaemon {
    std::string interface;
    unsigned syncid = 0;
    base::SourceLocation where;
};

/// A whole rules file.
struct LvsConfig {
    std::string path;
    std::vector<Service> services;  ///< in file order
    BackendChoice backend = BackendChoice::automatic;
    std::optional<SyncDaemon> sync;
    std::vector<std::pair<Ipv4, std::string>> names;  ///< `#@name ADDR NAME`

    /// The service with `key`, or nullptr.
    const Service* find(const ServiceKey& key) const;
    /// `web-01` for an address named by `#@name`, else empty.
    std::string name_of(Ipv4 address) const;
    /// `192.168.219.21:80 (web-01)`, or without the parenthesis when unnamed.
    std::string label(const Endpoint& endpoint) const;
};

/// A parsed file, or its problems (the config is present only without errors).
struct RulesResult {
    std::optional<LvsConfig> config;
    base::Diagnostics diagnostics;
};

/// Parses `text`; `path` names the file in diagnostics.
RulesResult parse_rules(std::string_view text, const std::string& path);

}  // namespace hb::lvs
