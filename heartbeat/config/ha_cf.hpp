// SPDX-License-Identifier: GPL-2.0-or-later
// ha.cf: the typed result of reading heartbeat's main configuration file exactly as
// heartbeat 3.0.6 reads it (token rules, directive order, defaults, derived values and the
// file's own consistency checks). Sans-IO: the caller passes the text in; checks that need
// the machine or the other files live in config_check.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.hpp"
#include "base/value_parsers.hpp"

namespace hb::config {

using base::Milliseconds;
using base::SourceLocation;

/// What happens to resource groups when their preferred node comes back.
enum class AutoFailback { on, off, legacy };
/// Kind of cluster member: a real node or a ping node (an address that only answers pings).
enum class NodeType { normal, ping };
/// The heartbeat media ("HBcomm plugins") Debian's heartbeat 3.0.6 ships.
enum class MediumType { bcast, ucast, mcast, mcast6, ucast6, serial, ping, ping6, ping_group };
/// `autojoin`: whether unknown nodes may join (v1 resource management needs `none`).
enum class Autojoin { none, other, any };

std::string_view to_string(AutoFailback value);
std::string_view to_string(NodeType value);
std::string_view to_string(MediumType value);
std::string_view to_string(Autojoin value);

/// A `node` (or ping node) declaration.
struct Node {
    std::string name;  ///< lower-cased, as heartbeat stores it
    NodeType type = NodeType::normal;
    SourceLocation where;

    bool operator==(const Node&) const = default;
};

/// One heartbeat medium; a `bcast eth0 eth1` line yields two.
struct Medium {
    MediumType type = MediumType::bcast;
    std::string interface;           ///< device (bcast/ucast/mcast), tty (serial), host (ping)
    std::string peer;                ///< ucast/ucast6: the peer's address or host name
    std::string group;               ///< mcast/mcast6 group; ping_group: the group's name
    std::vector<std::string> hosts;  ///< ping_group members
    std::uint16_t port = 0;          ///< UDP port the medium uses
    int ttl = 0;                     ///< mcast TTL / mcast6 hops
    bool loop = false;               ///< mcast loopback
    SourceLocation where;

    bool operator==(const Medium&) const = default;
};

/// `apiauth CLIENT [uid=LIST] [gid=LIST]`: who may sign on to the API as CLIENT.
struct ApiAuth {
    std::string client;
    std::vector<std::string> uids;
    std::vector<std::string> gids;
    SourceLocation where;

    bool operator==(const ApiAuth&) const = default;
};

/// `respawn USER /path [args]` or `failfast USER /path [args]`.
struct ClientChild {
    std::string user;
    std::string command;  ///< the whole command line
    std::string path;     ///< its first word, an absolute path
    bool failfast = false;
    SourceLocation where;

    bool operator==(const ClientChild&) const = default;
};

/// `stonith_host HOST TYPE PARAMS…`: the STONITH device node HOST (or `*`, any node) resets
/// the peer with. TYPE is an `external/NAME` plugin script of cluster-glue's layout; PARAMS
/// are its configuration values in the order its `getconfignames` lists them (the last one
/// takes the rest of the line, blanks and all, as cluster-glue reads them).
struct StonithHost {
    std::string host;  ///< lower-cased, or `*`
    std::string type;  ///< `external/NAME`
    std::string params;
    SourceLocation where;

    bool operator==(const StonithHost&) const = default;
};

/// Where cluster-glue (Debian's) keeps its STONITH plugins: TYPE `external/NAME` is the
/// script DIR/external/NAME.
inline constexpr const char* stonith_plugin_dir = "/usr/lib/stonith/plugins";

/// The parsed ha.cf. Defaults are those heartbeat 3.0.6 applies; `parameters` holds the
/// text heartbeat records for each directive (what `cl_status hbparameter` answers).
struct HaCf {
    std::vector<Node> nodes;
    std::vector<Medium> media;

    Milliseconds keepalive{1000};
    Milliseconds deadtime{30000};
    Milliseconds warntime{15000};
    Milliseconds initdead{30000};
    Milliseconds deadping{30000};
    Milliseconds conn_logd_time{60000};
    std::uint16_t udpport = 694;
    int baud = 19200;  ///< serial media's line speed
    AutoFailback auto_failback = AutoFailback::legacy;

    std::string logfacility;  ///< syslog facility name; empty when not logging to syslog
    std::string logfile;      ///< empty when unset
    std::string debugfile;    ///< empty when unset
    bool use_logd = false;
    int debug = 0;

    bool realtime = true;
    std::optional<int> rtprio;
    int hopfudge = 1;
    bool generation_from_time = false;  ///< `hbgenmethod time`
    bool netstring_format = false;      ///< `msgfmt netstring`
    int max_rexmit_delay_ms = 250;
    bool log_badpack = true;
    bool syslogmsgfmt = true;
    bool coredumps = true;
    std::string cluster = "linux-ha";
    bool uuid_from_nodename = false;  ///< `uuidfrom nodename`
    Autojoin autojoin = Autojoin::none;
    bool pacemaker = false;
    std::optional<std::string> watchdog;

    std::vector<std::pair<std::string, std::string>> env;  ///< `env NAME=value`, as HA_NAME
    /// Resource script limits, set with `env` (a line heartbeat 3.0.6 accepts too):
    /// RSC_START_TIMEOUT, RSC_STOP_TIMEOUT, RSC_STATUS_TIMEOUT (heartbeat times) are ours;
    /// STOPRETRYMAX is 3.0.6's ResourceManager setting (≤ 0: retry a failed stop forever).
    struct ScriptLimits {
        Milliseconds start_timeout{120'000};
        Milliseconds stop_timeout{120'000};
        Milliseconds status_timeout{30'000};
        int stop_retries = 10;
        bool operator==(const ScriptLimits&) const = default;
    } script_limits;
    std::vector<ApiAuth> apiauth;  ///< explicit lines, then built-ins
    std::vector<ClientChild> clients;
    std::vector<StonithHost>
        stonith_hosts;  ///< every line; the node's is the last that names it or *

    /// The STONITH device `node` uses (the last line for it or for `*`, as 3.0.6), if any.
    const StonithHost* stonith_for(std::string_view node) const;

    /// Directive name -> recorded value, including defaults and derived values.
    std::map<std::string, std::string, std::less<>> parameters;
    /// Directive name -> where it was last given (absent for defaults).
    std::map<std::string, SourceLocation, std::less<>> set_at;
    /// The file itself (line 0), for whole-file diagnostics.
    SourceLocation file;

    /// The recorded value of `name`, if any.
    std::optional<std::string> parameter(std::string_view name) const;
    /// Where `name` was last given, or the whole file when it was not given.
    SourceLocation location_of(std::string_view name) const;
    /// The node called `name` (compared case-insensitively), if declared.
    const Node* find_node(std::string_view name) const;

    bool operator==(const HaCf&) const = default;
};

/// Result of parsing ha.cf: every diagnostic, and the value read. When there are errors the
/// value is a best effort (bad lines skipped) that later checks may still look at.
struct HaCfResult {
    HaCf config;
    base::Diagnostics diagnostics;
    /// True when the file has no error.
    bool ok() const { return !diagnostics.has_errors(); }
};

/// Parses the text of an ha.cf. `path` is used in diagnostics only.
HaCfResult parse_ha_cf(std::string_view text, const std::string& path);

}  // namespace hb::config
