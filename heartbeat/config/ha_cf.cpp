// SPDX-License-Identifier: GPL-2.0-or-later
// ha.cf parser. Mirrors heartbeat 3.0.6's parse_config()/init_config():
//
//   line ──strip from '#', cut at CR/LF──▶ directive (up to blank) ──table──▶ handler
//     per_value:  each token between DELIMS (blank or comma) is applied on its own
//     whole_line: the rest of the line goes to the handler as one string
//   end of file ──▶ defaults for unset directives ──▶ derived values ──▶ file-wide checks
//
// Unlike heartbeat, every problem is reported with its line and parsing goes on, so one run
// shows them all. Values heartbeat would accept by accident (`5msx`, `1.2.3`) are refused.
#include "config/ha_cf.hpp"

#include <algorithm>
#include <array>

#include "base/text.hpp"
#include "config/directive_table.hpp"

namespace hb::config {

using base::quote;

std::string_view to_string(AutoFailback value)
{
    switch (value) {
    case AutoFailback::on: return "on";
    case AutoFailback::off: return "off";
    case AutoFailback::legacy: return "legacy";
    }
    return "?";
}

std::string_view to_string(NodeType value)
{
    return value == NodeType::normal ? "normal" : "ping";
}

std::string_view to_string(MediumType value)
{
    switch (value) {
    case MediumType::bcast: return "bcast";
    case MediumType::ucast: return "ucast";
    case MediumType::mcast: return "mcast";
    case MediumType::mcast6: return "mcast6";
    case MediumType::ucast6: return "ucast6";
    case MediumType::serial: return "serial";
    case MediumType::ping: return "ping";
    case MediumType::ping6: return "ping6";
    case MediumType::ping_group: return "ping_group";
    }
    return "?";
}

std::string_view to_string(Autojoin value)
{
    switch (value) {
    case Autojoin::none: return "none";
    case Autojoin::other: return "other";
    case Autojoin::any: return "any";
    }
    return "?";
}

std::optional<std::string> HaCf::parameter(std::string_view name) const
{
    const auto it = parameters.find(name);
    if (it == parameters.end()) {
        return std::nullopt;
    }
    return it->second;
}

SourceLocation HaCf::location_of(std::string_view name) const
{
    const auto it = set_at.find(name);
    return it == set_at.end() ? file : it->second;
}

const StonithHost* HaCf::stonith_for(std::string_view node) const
{
    const StonithHost* found = nullptr;
    for (const StonithHost& h : stonith_hosts) {
        if (h.host == "*" || base::iequals(h.host, node)) {
            found = &h;
        }
    }
    return found;
}

const Node* HaCf::find_node(std::string_view name) const
{
    for (const Node& node : nodes) {
        if (base::iequals(node.name, name)) {
            return &node;
        }
    }
    return nullptr;
}

namespace {

constexpr std::size_t max_nodes = 100;     // heartbeat's MAXNODE
constexpr std::size_t max_node_name = 99;  // HOSTLENG - 1
constexpr std::size_t max_media = 64;      // MAXMEDIA
constexpr std::size_t max_ifname = 15;     // IFNAMSIZ - 1
constexpr std::uint16_t default_udp_port = 694;
constexpr Milliseconds min_recommended_initdead{10000};

/// State carried across lines while one file is parsed.
struct Context {
    Context(HaCf& config, base::Diagnostics& diagnostics)
        : cf(config),
          diags(diagnostics),
          where(config.file)
    {}

    HaCf& cf;
    base::Diagnostics& diags;
    SourceLocation where;
    std::string_view directive;
    bool any_media_yet = false;
    bool baud_set = false;
    // heartbeat's bcast and ucast plugins each fix their UDP port when their first medium is
    // created; a later `udpport` does not move them.
    std::optional<std::uint16_t> bcast_port;
    std::optional<std::uint16_t> ucast_port;
    std::optional<SourceLocation> first_udp_medium;

    void error(std::string message) { diags.error(where, std::move(message)); }
    void warning(std::string message) { diags.warning(where, std::move(message)); }
};

using Apply = bool (*)(Context&, std::string_view);

struct Directive {
    DirectiveInfo info;
    Apply apply = nullptr;
};

// ---- value helpers -------------------------------------------------------------------

bool set_duration(Context& ctx, std::string_view value, Milliseconds& out, bool allow_zero)
{
    const auto ms = base::parse_duration(value);
    if (!ms) {
        ctx.error("invalid time " + quote(value) + " for '" + std::string(ctx.directive) +
                  "' (expected seconds like 2 or 1.5, or a value with ms or us, like 500ms)");
        return false;
    }
    if (!allow_zero && ms->count() <= 0) {
        ctx.error("'" + std::string(ctx.directive) + "' must be greater than 0 (got " +
                  quote(value) + ")");
        return false;
    }
    out = *ms;
    return true;
}

bool set_boolean(Context& ctx, std::string_view value, bool& out)
{
    const auto b = base::parse_boolean(value);
    if (!b) {
        ctx.error("invalid boolean " + quote(value) + " for '" + std::string(ctx.directive) +
                  "' (expected on/off, yes/no, true/false, y/n or 1/0)");
        return false;
    }
    out = *b;
    return true;
}

bool check_boolean(Context& ctx, std::string_view value)
{
    bool ignored = false;
    return set_boolean(ctx, value, ignored);
}

bool set_int(Context& ctx, std::string_view value, long min, long max, int& out)
{
    const auto n = base::parse_integer(value, min, max);
    if (!n) {
        ctx.error("invalid value " + quote(value) + " for '" + std::string(ctx.directive) +
                  "' (expected a whole number from " + std::to_string(min) + " to " +
                  std::to_string(max) + ")");
        return false;
    }
    out = static_cast<int>(*n);
    return true;
}

bool one_of(Context& ctx, std::string_view value, std::initializer_list<std::string_view> words,
            std::size_t& index)
{
    std::size_t i = 0;
    std::string list;
    for (const auto word : words) {
        if (value == word) {
            index = i;
            return true;
        }
        list += (i == 0 ? "" : ", ");
        list += word;
        ++i;
    }
    ctx.error("invalid value " + quote(value) + " for '" + std::string(ctx.directive) +
              "' (expected one of: " + list + ")");
    return false;
}

bool valid_interface_name(Context& ctx, std::string_view name)
{
    if (name.size() > max_ifname || name.find('/') != std::string_view::npos) {
        ctx.error("invalid interface name " + quote(name) + " for '" + std::string(ctx.directive) +
                  "'");
        return false;
    }
    return true;
}

bool add_medium(Context& ctx, Medium medium)
{
    if (ctx.cf.media.size() >= max_media) {
        ctx.error("too many media (heartbeat allows at most " + std::to_string(max_media) + ")");
        return false;
    }
    medium.where = ctx.where;
    ctx.any_media_yet = true;
    ctx.cf.media.push_back(std::move(medium));
    return true;
}

std::uint16_t plugin_port(Context& ctx, std::optional<std::uint16_t>& plugin)
{
    if (!plugin) {
        plugin = ctx.cf.udpport;
        if (!ctx.first_udp_medium) {
            ctx.first_udp_medium = ctx.where;
        }
    }
    return *plugin;
}

// ---- option directives (one call per value token) ------------------------------------

bool apply_cluster(Context& ctx, std::string_view v)
{
    ctx.cf.cluster = std::string(v);
    return true;
}

bool apply_node(Context& ctx, std::string_view v)
{
    if (v.size() > max_node_name) {
        ctx.error("node name " + quote(v) + " is longer than " + std::to_string(max_node_name) +
                  " characters");
        return false;
    }
    if (const Node* existing = ctx.cf.find_node(v)) {
        ctx.warning("node " + quote(base::to_lower(v)) + " is already declared on line " +
                    std::to_string(existing->where.line) + "; this repeat is ignored");
        return true;
    }
    if (ctx.cf.nodes.size() >= max_nodes) {
        ctx.error("too many nodes (heartbeat allows at most " + std::to_string(max_nodes) + ")");
        return false;
    }
    ctx.cf.nodes.push_back(Node{base::to_lower(v), NodeType::normal, ctx.where});
    return true;
}

bool apply_hopfudge(Context& ctx, std::string_view v)
{
    return set_int(ctx, v, 0, 255, ctx.cf.hopfudge);
}

bool apply_keepalive(Context& ctx, std::string_view v)
{
    return set_duration(ctx, v, ctx.cf.keepalive, false);
}

bool apply_deadtime(Context& ctx, std::string_view v)
{
    return set_duration(ctx, v, ctx.cf.deadtime, true);
}

bool apply_deadping(Context& ctx, std::string_view v)
{
    return set_duration(ctx, v, ctx.cf.deadping, true);
}

bool apply_initdead(Context& ctx, std::string_view v)
{
    return set_duration(ctx, v, ctx.cf.initdead, true);
}

bool apply_warntime(Context& ctx, std::string_view v)
{
    return set_duration(ctx, v, ctx.cf.warntime, false);
}

bool apply_watchdog(Context& ctx, std::string_view v)
{
    if (ctx.cf.watchdog) {
        ctx.error("watchdog device given twice (heartbeat accepts one 'watchdog' line)");
        return false;
    }
    ctx.cf.watchdog = std::string(v);
    return true;
}

bool apply_baud(Context& ctx, std::string_view v)
{
    static constexpr std::array<long, 7> rates = {9600,   19200,  38400, 57600,
                                                  115200, 230400, 460800};
    if (ctx.baud_set) {
        ctx.error("baud rate given twice (heartbeat accepts one 'baud' value)");
        return false;
    }
    ctx.baud_set = true;
    const auto n = base::parse_integer(v, 0, 10'000'000);
    if (!n || std::find(rates.begin(), rates.end(), *n) == rates.end()) {
        ctx.error("invalid baud rate " + quote(v) +
                  " (expected 9600, 19200, 38400, 57600, 115200, 230400 or 460800)");
        return false;
    }
    if (ctx.any_media_yet) {
        ctx.warning(
            "'baud' comes after a media line; serial media read it when they are "
            "declared, so put it above them");
    }
    ctx.cf.baud = static_cast<int>(*n);
    return true;
}

bool apply_udpport(Context& ctx, std::string_view v)
{
    int port = 0;
    if (!set_int(ctx, v, 1, 65535, port)) {
        return false;
    }
    ctx.cf.udpport = static_cast<std::uint16_t>(port);
    if (ctx.first_udp_medium) {
        ctx.warning("'udpport " + std::string(v) + "' comes after the media line on line " +
                    std::to_string(ctx.first_udp_medium->line) +
                    ", which keeps the earlier port; heartbeat reads udpport only before its "
                    "media lines, so move it above them");
    }
    return true;
}

bool apply_logfacility(Context& ctx, std::string_view v)
{
    // glibc's facilitynames, compared case-sensitively as cluster-glue does, plus `none`.
    static constexpr std::array<std::string_view, 22> names = {
        "auth",   "authpriv", "cron",     "daemon", "ftp",    "kern",  "lpr",    "mail",
        "mark",   "news",     "security", "syslog", "user",   "uucp",  "local0", "local1",
        "local2", "local3",   "local4",   "local5", "local6", "local7"};
    if (v == "none") {
        ctx.cf.logfacility.clear();
        return true;
    }
    if (std::find(names.begin(), names.end(), v) == names.end()) {
        ctx.error("invalid syslog facility " + quote(v) +
                  " for 'logfacility' (expected e.g. daemon, local0 … local7, or none; "
                  "names are lower case)");
        return false;
    }
    if (v == "kern") {
        // kern is facility 0, which heartbeat takes to mean "no syslog".
        ctx.warning(
            "'logfacility kern' turns syslog logging off, as in heartbeat 3.0.6 "
            "(kern is facility 0); use daemon or local0 … local7");
        ctx.cf.logfacility.clear();
        return true;
    }
    if (v == "mark") {
        ctx.warning(
            "'mark' is not a facility syslog files messages under; use daemon or "
            "local0 … local7");
    }
    ctx.cf.logfacility = v == "security" ? std::string("auth") : std::string(v);
    return true;
}

bool apply_logfile(Context& ctx, std::string_view v)
{
    ctx.cf.logfile = std::string(v);
    return true;
}

bool apply_debugfile(Context& ctx, std::string_view v)
{
    ctx.cf.debugfile = std::string(v);
    return true;
}

bool apply_nice_failback(Context& ctx, std::string_view v)
{
    bool on = false;
    if (!set_boolean(ctx, v, on)) {
        return false;
    }
    ctx.cf.auto_failback = on ? AutoFailback::off : AutoFailback::legacy;
    ctx.cf.parameters["auto_failback"] = on ? "off" : "legacy";
    ctx.warning(std::string("'nice_failback' is obsolete; read as 'auto_failback ") +
                (on ? "off" : "legacy") + "' — write auto_failback on|off|legacy instead");
    return true;
}

bool apply_auto_failback(Context& ctx, std::string_view v)
{
    if (base::iequals(v, "legacy")) {
        ctx.cf.auto_failback = AutoFailback::legacy;
        return true;
    }
    const auto b = base::parse_boolean(v);
    if (!b) {
        ctx.error("invalid value " + quote(v) +
                  " for 'auto_failback' (expected on, off or legacy)");
        return false;
    }
    ctx.cf.auto_failback = *b ? AutoFailback::on : AutoFailback::off;
    return true;
}

bool apply_rtprio(Context& ctx, std::string_view v)
{
    int prio = 0;
    // Linux's SCHED_FIFO priority range (sched_get_priority_min/max).
    if (!set_int(ctx, v, 1, 99, prio)) {
        return false;
    }
    ctx.cf.rtprio = prio;
    return true;
}

bool apply_hbgenmethod(Context& ctx, std::string_view v)
{
    std::size_t i = 0;
    if (!one_of(ctx, v, {"file", "time"}, i)) {
        return false;
    }
    ctx.cf.generation_from_time = i == 1;
    return true;
}

bool apply_realtime(Context& ctx, std::string_view v)
{
    return set_boolean(ctx, v, ctx.cf.realtime);
}

bool apply_debug(Context& ctx, std::string_view v)
{
    return set_int(ctx, v, 0, 255, ctx.cf.debug);
}

bool apply_msgfmt(Context& ctx, std::string_view v)
{
    std::size_t i = 0;
    if (!one_of(ctx, v, {"classic", "netstring"}, i)) {
        return false;
    }
    ctx.cf.netstring_format = i == 1;
    return true;
}

bool apply_use_logd(Context& ctx, std::string_view v)
{
    return set_boolean(ctx, v, ctx.cf.use_logd);
}

bool apply_conn_logd_time(Context& ctx, std::string_view v)
{
    return set_duration(ctx, v, ctx.cf.conn_logd_time, false);
}

bool apply_boolean_only(Context& ctx, std::string_view v)
{
    return check_boolean(ctx, v);
}

bool apply_log_badpack(Context& ctx, std::string_view v)
{
    return set_boolean(ctx, v, ctx.cf.log_badpack);
}

bool apply_syslogmsgfmt(Context& ctx, std::string_view v)
{
    return set_boolean(ctx, v, ctx.cf.syslogmsgfmt);
}

bool apply_coredumps(Context& ctx, std::string_view v)
{
    return set_boolean(ctx, v, ctx.cf.coredumps);
}

bool apply_path(Context& ctx, std::string_view v)
{
    if (v.empty() || v[0] != '/') {
        ctx.error("'" + std::string(ctx.directive) + "' needs an absolute path (got " + quote(v) +
                  ")");
        return false;
    }
    return true;
}

bool fail_if_after_pacemaker(Context& ctx)
{
    if (ctx.cf.set_at.count("pacemaker") > 0) {
        ctx.error("'" + std::string(ctx.directive) + "' must come before the 'pacemaker' line");
        return false;
    }
    return true;
}

bool apply_crm_daemon_dir(Context& ctx, std::string_view v)
{
    // heartbeat 3.0.6 inverts its own order check here: it accepts crm_daemon_dir only
    // *after* the pacemaker line, whatever its message says. Refuse what it refuses.
    if (ctx.cf.set_at.count("pacemaker") == 0) {
        ctx.error("heartbeat 3.0.6 accepts 'crm_daemon_dir' only after a 'pacemaker' line");
        return false;
    }
    return apply_path(ctx, v);
}

bool apply_crmd_spawns_pengine(Context& ctx, std::string_view v)
{
    return fail_if_after_pacemaker(ctx) && check_boolean(ctx, v);
}

bool apply_pacemaker(Context& ctx, std::string_view v)
{
    static constexpr std::array<std::string_view, 5> modes = {"respawn", "minimal", "manual",
                                                              "valgrind", "ccm-only"};
    const auto b = base::parse_boolean(v);
    const bool mode = std::find(modes.begin(), modes.end(), v) != modes.end();
    if (!b && !mode) {
        ctx.error("invalid value " + quote(v) + " for '" + std::string(ctx.directive) +
                  "' (expected a boolean or respawn, minimal, manual, valgrind, ccm-only)");
        return false;
    }
    if (ctx.cf.set_at.count("pacemaker") > 0) {
        ctx.error("'pacemaker' (or 'crm') given twice (first on line " +
                  std::to_string(ctx.cf.set_at["pacemaker"].line) + "); heartbeat accepts one");
        return false;
    }
    ctx.cf.pacemaker = mode || *b;
    ctx.cf.set_at["pacemaker"] = ctx.where;
    return true;
}

bool apply_autojoin(Context& ctx, std::string_view v)
{
    std::size_t i = 0;
    if (!one_of(ctx, base::to_lower(v), {"none", "other", "any"}, i)) {
        return false;
    }
    ctx.cf.autojoin = static_cast<Autojoin>(i);
    return true;
}

bool apply_uuidfrom(Context& ctx, std::string_view v)
{
    std::size_t i = 0;
    if (!one_of(ctx, v, {"file", "nodename"}, i)) {
        return false;
    }
    ctx.cf.uuid_from_nodename = i == 1;
    return true;
}

bool apply_compression(Context& ctx, std::string_view v)
{
    std::size_t i = 0;
    return one_of(ctx, v, {"zlib", "bz2"}, i);
}

bool apply_positive_int(Context& ctx, std::string_view v)
{
    int ignored = 0;
    return set_int(ctx, v, 1, 2'000'000'000, ignored);
}

bool apply_env(Context& ctx, std::string_view v)
{
    const auto eq = v.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        ctx.error("invalid 'env' setting " + quote(v) + " (expected NAME=value)");
        return false;
    }
    const std::string_view name = v.substr(0, eq);
    const std::string_view value = v.substr(eq + 1);
    auto& limits = ctx.cf.script_limits;
    const std::pair<std::string_view, Milliseconds*> timeouts[] = {
        {"RSC_START_TIMEOUT", &limits.start_timeout},
        {"RSC_STOP_TIMEOUT", &limits.stop_timeout},
        {"RSC_STATUS_TIMEOUT", &limits.status_timeout},
    };
    for (const auto& [timeout_name, field] : timeouts) {
        if (name == timeout_name && !set_duration(ctx, value, *field, false)) {
            return false;
        }
    }
    if (name == "STOPRETRYMAX" &&
        !set_int(ctx, value, -1'000'000'000, 1'000'000'000, limits.stop_retries)) {
        return false;
    }
    ctx.cf.env.emplace_back(std::string(name), std::string(value));
    return true;
}

bool apply_max_rexmit_delay(Context& ctx, std::string_view v)
{
    return set_int(ctx, v, 1, 2'000'000'000, ctx.cf.max_rexmit_delay_ms);
}

bool apply_any_string(Context&, std::string_view)
{
    return true;
}

// ---- per-token media -------------------------------------------------------------------

bool apply_bcast(Context& ctx, std::string_view v)
{
    if (!valid_interface_name(ctx, v)) {
        return false;
    }
    Medium m;
    m.type = MediumType::bcast;
    m.interface = std::string(v);
    m.port = plugin_port(ctx, ctx.bcast_port);
    return add_medium(ctx, std::move(m));
}

bool apply_serial(Context& ctx, std::string_view v)
{
    if (v.empty() || v[0] != '/') {
        ctx.error("serial port " + quote(v) + " must be a device path like /dev/ttyS0");
        return false;
    }
    Medium m;
    m.type = MediumType::serial;
    m.interface = std::string(v);
    return add_medium(ctx, std::move(m));
}

bool add_ping_node(Context& ctx, std::string_view name, MediumType type)
{
    if (ctx.cf.find_node(name) == nullptr) {
        ctx.cf.nodes.push_back(Node{base::to_lower(name), NodeType::ping, ctx.where});
    }
    Medium m;
    m.type = type;
    m.interface = std::string(name);
    return add_medium(ctx, std::move(m));
}

bool apply_ping(Context& ctx, std::string_view v)
{
    return add_ping_node(ctx, v, MediumType::ping);
}

bool apply_ping6(Context& ctx, std::string_view v)
{
    return add_ping_node(ctx, v, MediumType::ping6);
}

// ---- whole-line media ------------------------------------------------------------------

bool apply_ucast(Context& ctx, std::string_view line)
{
    const auto words = base::split(line, base::whitespace);
    if (words.size() < 2) {
        ctx.error("'ucast' needs an interface and a peer address (ucast DEV PEER)");
        return false;
    }
    if (!valid_interface_name(ctx, words[0])) {
        return false;
    }
    if (words.size() > 2) {
        ctx.warning("'ucast' takes one peer; heartbeat 3.0.6 ignores " + quote(words[2]) +
                    " and what follows (write one ucast line per peer)");
    }
    Medium m;
    m.type = MediumType::ucast;
    m.interface = std::string(words[0]);
    m.peer = std::string(words[1]);
    m.port = plugin_port(ctx, ctx.ucast_port);
    return add_medium(ctx, std::move(m));
}

bool apply_mcast(Context& ctx, std::string_view line)
{
    const bool v6 = ctx.directive == "mcast6";
    const auto words = base::split(line, base::whitespace);
    const std::string usage =
        v6 ? "mcast6 DEV GROUP PORT HOPS LOOP" : "mcast DEV GROUP PORT TTL LOOP";
    if (words.size() < 5) {
        ctx.error("'" + std::string(ctx.directive) + "' needs 5 values: " + usage);
        return false;
    }
    if (words.size() > 5) {
        ctx.warning("'" + std::string(ctx.directive) + "' takes 5 values; " + quote(words[5]) +
                    " and what follows are ignored");
    }
    if (!valid_interface_name(ctx, words[0])) {
        return false;
    }
    Medium m;
    m.type = v6 ? MediumType::mcast6 : MediumType::mcast;
    m.interface = std::string(words[0]);
    m.group = std::string(words[1]);
    bool ok = true;
    if (!v6) {
        const auto group = base::parse_ipv4(words[1]);
        if (!group || (*group >> 28) != 0xE) {
            ctx.error("mcast group " + quote(words[1]) +
                      " is not an IPv4 multicast address (224.0.0.0 to 239.255.255.255)");
            ok = false;
        }
    } else if (words[1].find(':') == std::string_view::npos ||
               !base::iequals(words[1].substr(0, 2), "ff")) {
        ctx.error("mcast6 group " + quote(words[1]) + " is not an IPv6 multicast address (ff…)");
        ok = false;
    }
    const auto port = base::parse_integer(words[2], 1, 65535);
    if (!port) {
        ctx.error("invalid port " + quote(words[2]) + " for '" + std::string(ctx.directive) +
                  "' (expected 1 to 65535)");
        ok = false;
    }
    // heartbeat's mcast plugin refuses a TTL above 4 although its documentation says 255.
    const auto ttl = base::parse_integer(words[3], 0, 4);
    if (!ttl) {
        ctx.error("invalid " + std::string(v6 ? "hop limit " : "ttl ") + quote(words[3]) +
                  " for '" + std::string(ctx.directive) + "' (heartbeat accepts 0 to 4)");
        ok = false;
    }
    const auto loop = base::parse_integer(words[4], 0, 1);
    if (!loop) {
        ctx.error("invalid loop " + quote(words[4]) + " for '" + std::string(ctx.directive) +
                  "' (expected 0 or 1)");
        ok = false;
    }
    if (!ok) {
        return false;
    }
    m.port = static_cast<std::uint16_t>(*port);
    m.ttl = static_cast<int>(*ttl);
    m.loop = *loop == 1;
    return add_medium(ctx, std::move(m));
}

bool apply_ucast6(Context& ctx, std::string_view line)
{
    const auto words = base::split(line, base::whitespace);
    if (words.size() < 2) {
        ctx.error("'ucast6' needs an interface and a peer address (ucast6 DEV PEER)");
        return false;
    }
    if (!valid_interface_name(ctx, words[0])) {
        return false;
    }
    if (words.size() > 2) {
        ctx.warning("'ucast6' takes one peer; heartbeat 3.0.6 ignores " + quote(words[2]) +
                    " and what follows (write one ucast6 line per peer)");
    }
    if (!base::is_ipv6_literal(words[1])) {
        // 3.0.6 would look a name up; we take addresses, so a reload never waits for DNS.
        ctx.error("ucast6 peer " + quote(words[1]) + " is not an IPv6 address");
        return false;
    }
    Medium m;
    m.type = MediumType::ucast6;
    m.interface = std::string(words[0]);
    m.peer = std::string(words[1]);
    m.port = ctx.cf.udpport;
    return add_medium(ctx, std::move(m));
}

bool apply_ping_group(Context& ctx, std::string_view line)
{
    const auto words = base::split(line, base::whitespace);
    if (words.size() < 2) {
        ctx.error("'ping_group' needs a group name and at least one host (ping_group NAME HOST…)");
        return false;
    }
    if (ctx.cf.find_node(words[0]) == nullptr) {
        ctx.cf.nodes.push_back(Node{base::to_lower(words[0]), NodeType::ping, ctx.where});
    }
    Medium m;
    m.type = MediumType::ping_group;
    m.interface = std::string(words[0]);
    m.group = std::string(words[0]);
    for (std::size_t i = 1; i < words.size(); ++i) {
        m.hosts.emplace_back(words[i]);
    }
    return add_medium(ctx, std::move(m));
}

// ---- other whole-line directives -------------------------------------------------------

bool apply_stonith(Context& ctx, std::string_view line)
{
    if (base::split(line, base::whitespace).size() < 2) {
        ctx.error(
            "'stonith' needs a device type and its configuration file "
            "(stonith TYPE FILE)");
        return false;
    }
    // Refused rather than ignored: a node that takes over without the reset it was told to
    // do first can corrupt shared disks.
    ctx.error(
        "'stonith TYPE FILE' is not implemented; write the device as 'stonith_host * "
        "TYPE PARAMS…' (an external/* plugin script)");
    return false;
}

bool apply_stonith_host(Context& ctx, std::string_view line)
{
    const auto words = base::split(line, base::whitespace);
    if (words.size() < 2) {
        ctx.error(
            "'stonith_host' needs a host (or *) and a device type "
            "(stonith_host HOST TYPE PARAMS…)");
        return false;
    }
    const std::string_view type = words[1];
    if (!type.starts_with("external/") || type.size() == 9 ||
        type.find('/', 9) != std::string_view::npos || type.substr(9) == "." ||
        type.substr(9) == "..") {
        // cluster-glue's compiled plugins (ssh, ipmilan, …) need its library; each has an
        // external/* script counterpart or can be wrapped in one.
        ctx.error("stonith type " + quote(type) +
                  " is not an external/NAME plugin script; this heartbeat runs cluster-glue's "
                  "external plugins only (no libstonith)");
        return false;
    }
    // The parameters: the rest of the line after the type, as written.
    const std::size_t at = line.find(type, line.find(words[0]) + words[0].size());
    StonithHost h;
    h.host = base::to_lower(words[0]);
    h.type = std::string(type);
    h.params = std::string(base::trim(line.substr(at + type.size())));
    h.where = ctx.where;
    ctx.cf.stonith_hosts.push_back(std::move(h));
    return true;
}

std::vector<std::string> split_list(std::string_view list)
{
    std::vector<std::string> out;
    for (const auto item : base::split(list, ",")) {
        out.emplace_back(item);
    }
    return out;
}

bool apply_apiauth(Context& ctx, std::string_view line)
{
    const auto words = base::split(line, base::whitespace);
    const std::string syntax = " (syntax: apiauth CLIENT [uid=LIST] [gid=LIST], at least one list)";
    if (words.empty()) {
        ctx.error("'apiauth' needs a client name" + syntax);
        return false;
    }
    ApiAuth auth;
    auth.client = std::string(words[0]);
    auth.where = ctx.where;
    bool has_uid = false;
    bool has_gid = false;
    for (std::size_t i = 1; i < words.size(); ++i) {
        const auto w = words[i];
        const bool uid = w.substr(0, 4) == "uid=";
        const bool gid = w.substr(0, 4) == "gid=";
        if (!uid && !gid) {
            ctx.error("'apiauth " + auth.client + "': " + quote(w) + " is neither uid=… nor gid=…" +
                      syntax);
            return false;
        }
        if ((uid && has_uid) || (gid && has_gid)) {
            ctx.error("'apiauth " + auth.client + "' has two " + (uid ? "uid" : "gid") + " lists");
            return false;
        }
        (uid ? has_uid : has_gid) = true;
        (uid ? auth.uids : auth.gids) = split_list(w.substr(4));
    }
    if (!has_uid && !has_gid) {
        ctx.error("'apiauth " + auth.client + "' names no uid or gid list" + syntax);
        return false;
    }
    for (const ApiAuth& existing : ctx.cf.apiauth) {
        if (existing.client == auth.client) {
            ctx.error("duplicate 'apiauth' for API client " + quote(auth.client) +
                      " (first on line " + std::to_string(existing.where.line) + ")");
            return false;
        }
    }
    ctx.cf.apiauth.push_back(std::move(auth));
    return true;
}

bool apply_client_child(Context& ctx, std::string_view line)
{
    const auto words = base::split(line, base::whitespace);
    const bool failfast = ctx.directive == "failfast";
    if (words.size() < 2) {
        ctx.error("'" + std::string(ctx.directive) + "' needs a user and a command (" +
                  std::string(ctx.directive) + " USER /path/to/program [ARGS])");
        return false;
    }
    if (words[1][0] != '/') {
        ctx.error("'" + std::string(ctx.directive) + "' command " + quote(words[1]) +
                  " is not an absolute path");
        return false;
    }
    ClientChild child;
    child.user = std::string(words[0]);
    child.path = std::string(words[1]);
    const auto start = line.find(words[1]);
    child.command = std::string(base::trim(line.substr(start)));
    child.failfast = failfast;
    child.where = ctx.where;
    ctx.cf.clients.push_back(std::move(child));
    return true;
}

// ---- the table ---------------------------------------------------------------------------

using Form = DirectiveForm;
using Support = DirectiveSupport;

Directive opt(std::string_view name, Apply apply, std::optional<std::string_view> def = {},
              Support support = Support::implemented, bool recorded = true)
{
    return Directive{DirectiveInfo{name, Form::per_value, support, recorded, def, false}, apply};
}

Directive line_directive(std::string_view name, Apply apply, Support support)
{
    return Directive{DirectiveInfo{name, Form::whole_line, support, false, std::nullopt, false},
                     apply};
}

Directive medium(std::string_view name, Form form, Apply apply, Support support)
{
    return Directive{DirectiveInfo{name, form, support, false, std::nullopt, true}, apply};
}

const std::vector<Directive>& directives()
{
    static const std::vector<Directive> table = {
        // In heartbeat's own Directives[] order, so `-D` lists defaults the same way.
        opt("cluster", apply_cluster, "linux-ha"),
        opt("node", apply_node, {}, Support::implemented, false),
        opt("hopfudge", apply_hopfudge, "1"),
        opt("keepalive", apply_keepalive, "1000ms"),
        opt("deadtime", apply_deadtime, "30000ms"),
        opt("deadping", apply_deadping, {}),
        opt("initdead", apply_initdead),
        opt("warntime", apply_warntime),
        opt("watchdog", apply_watchdog, {}, Support::implemented),
        opt("baud", apply_baud, "19200", Support::implemented),
        opt("udpport", apply_udpport),
        opt("logfacility", apply_logfacility),
        opt("logfile", apply_logfile),
        opt("debugfile", apply_debugfile),
        opt("nice_failback", apply_nice_failback, {}, Support::implemented, false),
        opt("auto_failback", apply_auto_failback, "legacy"),
        opt("rtprio", apply_rtprio),
        opt("hbgenmethod", apply_hbgenmethod, "file"),
        opt("realtime", apply_realtime, "true"),
        opt("debug", apply_debug),
        opt("msgfmt", apply_msgfmt, "classic"),
        opt("use_logd", apply_use_logd),
        opt("conn_logd_time", apply_conn_logd_time, "60", Support::not_implemented),
        opt("use_apphbd", apply_boolean_only, {}, Support::not_implemented, false),
        opt("log_badpack", apply_log_badpack, "true"),
        opt("syslogmsgfmt", apply_syslogmsgfmt, "true"),
        opt("coredumps", apply_coredumps, "true", Support::not_implemented),
        opt("coreroot", apply_path, {}, Support::not_implemented),
        opt("crm_daemon_dir", apply_crm_daemon_dir, {}, Support::pacemaker_only),
        opt("crmd_spawns_pengine", apply_crmd_spawns_pengine, {}, Support::pacemaker_only),
        opt("crm", apply_pacemaker, {}, Support::implemented, false),
        opt("pacemaker", apply_pacemaker, "false"),
        opt("autojoin", apply_autojoin, "none"),
        opt("uuidfrom", apply_uuidfrom, "file"),
        opt("compression", apply_compression, "zlib", Support::not_implemented),
        opt("compression_threshold", apply_positive_int, "2", Support::not_implemented),
        opt("traditional_compression", apply_boolean_only, "no", Support::not_implemented),
        opt("env", apply_env, {}, Support::implemented, false),
        opt("max_rexmit_delay", apply_max_rexmit_delay, "250"),
        opt("record_config_changes", apply_boolean_only, "on", Support::pacemaker_only),
        opt("record_pengine_inputs", apply_boolean_only, "on", Support::pacemaker_only),
        opt("enable_config_writes", apply_boolean_only, "on", Support::pacemaker_only),
        opt("memreserve", apply_positive_int, "6500", Support::not_implemented),
        opt("quorum_server", apply_any_string, {}, Support::not_implemented),
        // Whole-line directives.
        line_directive("stonith", apply_stonith, Support::implemented),
        line_directive("stonith_host", apply_stonith_host, Support::implemented),
        line_directive("apiauth", apply_apiauth, Support::implemented),
        line_directive("respawn", apply_client_child, Support::implemented),
        line_directive("failfast", apply_client_child, Support::implemented),
        // Media: the HBcomm plugins Debian 12 ships.
        medium("bcast", Form::per_value, apply_bcast, Support::implemented),
        medium("ucast", Form::whole_line, apply_ucast, Support::implemented),
        medium("mcast", Form::whole_line, apply_mcast, Support::implemented),
        medium("mcast6", Form::whole_line, apply_mcast, Support::implemented),
        medium("ucast6", Form::whole_line, apply_ucast6, Support::implemented),
        medium("serial", Form::per_value, apply_serial, Support::implemented),
        medium("ping", Form::per_value, apply_ping, Support::implemented),
        medium("ping6", Form::per_value, apply_ping6, Support::not_implemented),
        medium("ping_group", Form::whole_line, apply_ping_group, Support::implemented),
    };
    return table;
}

const Directive* lookup(std::string_view name)
{
    for (const Directive& d : directives()) {
        if (d.info.name == name) {
            return &d;
        }
    }
    return nullptr;
}

void warn_unsupported(Context& ctx, const DirectiveInfo& info)
{
    const std::string name(info.name);
    if (info.support == Support::not_implemented) {
        ctx.warning("'" + name +
                    "' is a heartbeat 3.0.6 directive this heartbeat does not "
                    "implement; it is ignored");
    } else if (info.support == Support::pacemaker_only) {
        ctx.warning("'" + name +
                    "' only matters in Pacemaker mode, which this heartbeat does "
                    "not run; it is ignored");
    }
}

// One logical line: directive name, then its values.
void parse_line(Context& ctx, std::string_view line)
{
    const std::size_t name_end = std::min(line.find_first_of(base::whitespace), line.size());
    std::string_view name = line.substr(0, name_end);
    std::string_view rest = line.substr(name_end);
    rest.remove_prefix(std::min(rest.find_first_not_of(base::value_delimiters), rest.size()));

    if (name == "udp") {
        ctx.warning("directive 'udp' is an old name for 'bcast'; read as 'bcast'");
        name = "bcast";
    }
    const Directive* directive = lookup(name);
    if (directive == nullptr) {
        ctx.error("unknown directive " + quote(name) +
                  " (heartbeat 3.0.6 has no such ha.cf directive)");
        return;
    }
    ctx.directive = directive->info.name;
    warn_unsupported(ctx, directive->info);

    if (directive->info.form == DirectiveForm::whole_line) {
        if (rest.empty()) {
            ctx.error("'" + std::string(name) + "' needs a value");
            return;
        }
        directive->apply(ctx, base::trim(rest));
        return;
    }
    const auto values = base::split(rest, base::value_delimiters);
    if (values.empty()) {
        // heartbeat silently keeps the default here; say so instead of keeping quiet.
        ctx.warning("'" + std::string(name) + "' has no value and is ignored");
        return;
    }
    for (const auto value : values) {
        if (directive->apply(ctx, value) && directive->info.recorded) {
            ctx.cf.parameters[std::string(name)] = std::string(value);
            ctx.cf.set_at[std::string(name)] = ctx.where;
        }
    }
}

// What heartbeat's init_config() does once the file is read.
void finish(Context& ctx)
{
    HaCf& cf = ctx.cf;
    base::Diagnostics& diags = ctx.diags;

    for (const Directive& d : directives()) {
        if (d.info.default_value && cf.parameters.count(d.info.name) == 0) {
            cf.parameters[std::string(d.info.name)] = std::string(*d.info.default_value);
        }
    }
    if (cf.parameters.count("debug") == 0) {
        cf.parameters["debug"] = std::to_string(cf.debug);
    }
    if (cf.media.empty()) {
        diags.error(cf.file, "no heartbeat media defined (add a bcast, mcast or ucast line)");
    }
    if (cf.set_at.count("warntime") == 0) {
        cf.warntime = cf.deadtime / 2;
        cf.parameters["warntime"] = base::format_ms(cf.warntime);
    }
    const bool any_normal = std::any_of(cf.nodes.begin(), cf.nodes.end(),
                                        [](const Node& n) { return n.type == NodeType::normal; });
    if (!any_normal && cf.autojoin != Autojoin::any) {
        diags.error(cf.file, "no nodes defined (add a 'node' line naming each cluster member)");
    }
    if (cf.deadtime <= 2 * cf.keepalive) {
        const auto where =
            cf.set_at.count("deadtime") ? cf.location_of("deadtime") : cf.location_of("keepalive");
        diags.error(where, "deadtime (" + std::to_string(cf.deadtime.count()) +
                               " ms) must be more than twice keepalive (" +
                               std::to_string(cf.keepalive.count()) + " ms)");
    }
    if (cf.warntime > cf.deadtime && cf.set_at.count("warntime")) {
        diags.warning(cf.location_of("warntime"),
                      "warntime (" + std::to_string(cf.warntime.count()) +
                          " ms) is above deadtime (" + std::to_string(cf.deadtime.count()) +
                          " ms), so no late-heartbeat warning can come before a node is declared "
                          "dead");
    }
    if (cf.set_at.count("initdead") == 0) {
        if (cf.deadtime > Milliseconds(10000)) {
            cf.initdead = cf.deadtime;
        } else if (cf.deadtime < Milliseconds(6000)) {
            cf.initdead = Milliseconds(12000);
        } else {
            cf.initdead = 2 * cf.deadtime;
        }
        cf.parameters["initdead"] = base::format_ms(cf.initdead);
    }
    if (cf.initdead < cf.deadtime) {
        diags.error(cf.location_of("initdead"), "initdead (" + std::to_string(cf.initdead.count()) +
                                                    " ms) is smaller than deadtime (" +
                                                    std::to_string(cf.deadtime.count()) + " ms)");
    } else if (cf.initdead < min_recommended_initdead) {
        diags.warning(cf.location_of("initdead"),
                      "initdead (" + std::to_string(cf.initdead.count()) +
                          " ms) may be too small: it covers a slow network start and should be at "
                          "least deadtime and 10 s");
    }
    if (cf.set_at.count("deadping") == 0) {
        cf.deadping = cf.deadtime;
        cf.parameters["deadping"] = base::format_ms(cf.deadping);
    } else if (cf.deadping <= 2 * cf.keepalive) {
        diags.error(cf.location_of("deadping"), "deadping (" + std::to_string(cf.deadping.count()) +
                                                    " ms) must be more than twice keepalive (" +
                                                    std::to_string(cf.keepalive.count()) + " ms)");
    }
    if (cf.parameters.count("udpport") == 0) {
        cf.parameters["udpport"] = std::to_string(default_udp_port);
    }

    // Logging, as check_logd_usage() decides it; this heartbeat has no logd client.
    const bool any_log_target =
        !cf.logfile.empty() || !cf.debugfile.empty() || !cf.logfacility.empty();
    const bool use_logd_given = cf.set_at.count("use_logd") > 0;
    if (!any_log_target) {
        if (use_logd_given && !cf.use_logd) {
            diags.error(cf.location_of("use_logd"),
                        "no logfile, debugfile or logfacility is set and use_logd is off: "
                        "heartbeat would have nowhere to log");
        } else {
            cf.use_logd = true;
            cf.parameters["use_logd"] = "yes";
            diags.warning(use_logd_given ? cf.location_of("use_logd") : cf.file,
                          "no logfile, debugfile or logfacility is set: heartbeat 3.0.6 would "
                          "log through logd, which this heartbeat does not use; it logs to "
                          "syslog (facility daemon) instead");
        }
    } else if (use_logd_given && cf.use_logd) {
        diags.warning(cf.location_of("use_logd"),
                      "use_logd is on, but this heartbeat does not use logd; it logs to the "
                      "logfile, debugfile and logfacility given");
    }
    if (!cf.logfacility.empty()) {
        if (cf.logfile.empty()) {
            cf.parameters["logfile"] = "/dev/null";
        }
        if (cf.debugfile.empty()) {
            cf.parameters["debugfile"] = "/dev/null";
        }
    }
    if (cf.pacemaker) {
        diags.error(cf.location_of("pacemaker"),
                    "Pacemaker mode is not supported by this heartbeat; it manages resources "
                    "from haresources only (set 'pacemaker off' or remove the line)");
    } else if (cf.autojoin != Autojoin::none) {
        diags.error(cf.location_of("autojoin"),
                    "autojoin " + std::string(to_string(cf.autojoin)) +
                        " conflicts with haresources resource management (use autojoin none)");
    }

    // heartbeat's built-in API permissions, unless the file overrides them.
    struct Builtin {
        std::string_view client, uid, gid;
    };
    static constexpr std::array<Builtin, 5> builtins = {{{"ipfail", "hacluster", ""},
                                                         {"ccm", "hacluster", ""},
                                                         {"ping", "", "haclient"},
                                                         {"lha-snmpagent", "root", ""},
                                                         {"anon", "root", "haclient"}}};
    for (const Builtin& b : builtins) {
        const bool overridden = std::any_of(cf.apiauth.begin(), cf.apiauth.end(),
                                            [&](const ApiAuth& a) { return a.client == b.client; });
        if (!overridden) {
            ApiAuth auth;
            auth.client = std::string(b.client);
            if (!b.uid.empty()) {
                auth.uids.emplace_back(b.uid);
            }
            if (!b.gid.empty()) {
                auth.gids.emplace_back(b.gid);
            }
            auth.where = cf.file;
            cf.apiauth.push_back(std::move(auth));
        }
    }
}

}  // namespace

const std::vector<DirectiveInfo>& directive_table()
{
    static const std::vector<DirectiveInfo> infos = [] {
        std::vector<DirectiveInfo> out;
        for (const Directive& d : directives()) {
            out.push_back(d.info);
        }
        return out;
    }();
    return infos;
}

const DirectiveInfo* find_directive(std::string_view name)
{
    const Directive* d = lookup(name);
    return d == nullptr ? nullptr : &d->info;
}

HaCfResult parse_ha_cf(std::string_view text, const std::string& path)
{
    HaCfResult result;
    HaCf cf;
    cf.file = SourceLocation{path, 0};
    Context ctx(cf, result.diagnostics);

    int line_number = 0;
    for (std::string_view line : base::split_lines(text)) {
        ctx.where = SourceLocation{path, ++line_number};

        if (line.find('\0') != std::string_view::npos) {
            ctx.error("line contains a NUL byte");
            continue;
        }
        line.remove_prefix(std::min(line.find_first_not_of(base::whitespace), line.size()));
        line = line.substr(0, line.find('#'));
        line = line.substr(0, line.find_first_of("\r\n"));
        if (line.empty()) {
            continue;
        }
        parse_line(ctx, line);
    }
    finish(ctx);
    result.config = std::move(cf);
    return result;
}

}  // namespace hb::config
