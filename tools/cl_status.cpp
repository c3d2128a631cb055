// SPDX-License-Identifier: GPL-2.0-or-later
// cl_status: ask the local heartbeat about the cluster. Sub-commands, output text and exit
// codes are those of heartbeat 3.0.6's cl_status (test/data/cl_status holds transcripts of
// the original, which the system tests compare with this program word for word); it speaks
// the same client protocol, so it also works against a real 3.0.6 daemon. New: `--json`
// for hbstatus, listnodes, nodestatus, listhblinks and rscstatus (one object per call).
//
// Exit codes (3.0.6): 0 ok, 1 normal failure (stopped, node or link dead, client offline,
// parameter unset), 2/3 client joining/leaving, 11 bad arguments, 12 no answer within 5 s,
// 13 other errors.
#include <getopt.h>
#include <poll.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/client.hpp"
#include "base/text.hpp"
#include "base/value_parsers.hpp"
#include "metrics/events.hpp"
#include "metrics/watch_view.hpp"
#include "platform/state_files.hpp"
#include "platform/wall_clock.hpp"

namespace {

using hb::api::ApiClient;
using hb::api::ClientError;
using hb::api::Clock;
using hb::wire::Message;
/// JSON objects that keep their keys in the order they were added.
using Json = nlohmann::ordered_json;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_param = 11;
constexpr int exit_timeout = 12;
constexpr int exit_error = 13;

constexpr std::chrono::seconds overall_limit{5};  // 3.0.6's alarm(5)

constexpr const char* help_text =
    "Usage: cl_status <sub-command> [<options>] [<parameters>]\n"
    "\n"
    "Sub-commands:\n"
    "clientstatus <node-name> <client-id> [<timeout>]\n"
    "\tShow the status of heartbeat clients.\n"
    "hblinkstatus <node-name> <link-name>\n"
    "\tShow the status of a heartbeat link\n"
    "hbstatus\n"
    "\tIndicate if heartbeat is running on the local system.\n"
    "\tOptions:\n"
    "\t\t-v\tverbose: also add \"listnodes -v\" output\n"
    "listnodes [<option>]\n"
    "\tList the nodes in the cluster.\n"
    "\tOptions:\n"
    "\t\t-p\tlist only 'ping' type nodes\n"
    "\t\t-n\tlist only 'normal' type nodes\n"
    "\t\t-v\tverbose: also list type and status,\n"
    "\t\t\tthen add \"listhblinks -v\" output\n"
    "listhblinks <node-name>\n"
    "\tList the network interfaces used as hearbeat links.\n"
    "\tOptions:\n"
    "\t\t-v\tverbose: list link status as well\n"
    "nodestatus <node-name>\n"
    "\tList the node status.\n"
    "nodeweight <node-name>\n"
    "\tList the node weight.\n"
    "nodesite <node-name>\n"
    "\tList the node site.\n"
    "nodetype <node-name>\n"
    "\tList the nodes of a given type.\n"
    "rscstatus\n"
    "\tShow the status of cluster resources.\n"
    "hbparameter -p <parameter-name>\n"
    "\tRetrieve the value of a cluster parameter.\n"
    "\tAs for the valid parameter names, please refer to the man page.\n";

/// An error line as 3.0.6's cl_log writes it to stderr:
/// `Mon DD HH:MM:SS host cl_status: [pid]: ERROR: text`.
void log_error(const std::string& text)
{
    char stamp[32] = "";
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    if (::localtime_r(&now, &tm)) {
        std::strftime(stamp, sizeof stamp, "%b %d %H:%M:%S", &tm);
    }
    struct utsname u {};
    ::uname(&u);
    std::fprintf(stderr, "%s %s cl_status: [%d]: ERROR: %s\n", stamp, u.nodename,
                 static_cast<int>(::getpid()), text.c_str());
    std::fflush(stderr);
}

/// A plain complaint on stderr, as 3.0.6 prints its argument errors.
int complain(const char* text, int code)
{
    std::fprintf(stderr, "%s\n", text);
    return code;
}

/// How a sub-command answers: the text 3.0.6 prints, or one JSON object (`--json`).
enum class Output { text, json };

struct Link {
    std::string name;
    std::string status;
    std::optional<std::int64_t> heard_ms_ago;  ///< our daemon's `lastheard` (not 3.0.6's)
};

struct Node {
    std::string name;
    std::string type;
    std::string status;
};

/// The failure of a query that ends the program: its exit code.
struct Exit {
    int code;
};

class Session {
public:
    Session() : deadline_(Clock::now() + overall_limit) {}

    bool signon()
    {
        auto r = client_.signon(hb::api::default_register_socket, deadline_);
        if (r) {
            signed_on_ = true;
            reply_ = std::move(r).value();
            return true;
        }
        if (r.error().error == ClientError::timed_out) {
            throw Exit{exit_timeout};
        }
        refused_ = r.error().error == ClientError::refused;
        errmsg_ = r.error().error == ClientError::cannot_connect
                      ? "hb_api_signon: Can't initiate connection to heartbeat"
                      : r.error().reason;
        return false;
    }
    void signoff()
    {
        if (signed_on_) {
            client_.signoff(deadline_);
        }
    }
    bool signed_on() const { return signed_on_; }
    bool refused() const { return refused_; }
    const std::string& errmsg() const { return errmsg_; }
    const Message& signon_reply() const { return reply_; }

    /// One request; replies (several for lists). A timeout ends the program like 3.0.6's
    /// alarm; a closed connection is an error of the query.
    std::optional<std::vector<Message>> ask(
        std::string_view reqtype, const std::vector<std::pair<std::string, std::string>>& extra)
    {
        auto r = client_.request(reqtype, extra, deadline_);
        if (!r) {
            if (r.error().error == ClientError::timed_out) {
                throw Exit{exit_timeout};
            }
            last_info_ = r.error().reason;
            return std::nullopt;
        }
        return std::move(r).value();
    }
    /// The single reply of a query when it succeeded.
    /// The replies of a query that succeeded (the last one says so); otherwise nothing,
    /// with the daemon's reason in last_info().
    std::optional<std::vector<Message>> ask_ok(
        std::string_view reqtype, const std::vector<std::pair<std::string, std::string>>& extra)
    {
        auto replies = ask(reqtype, extra);
        if (!replies || replies->empty()) {
            return std::nullopt;
        }
        if (!hb::api::succeeded(replies->back())) {
            last_info_ = std::string(replies->back().get("info").value_or(""));
            return std::nullopt;
        }
        return replies;
    }
    /// The single reply of a query when it succeeded.
    std::optional<Message> ask_one(std::string_view reqtype,
                                   const std::vector<std::pair<std::string, std::string>>& extra)
    {
        auto replies = ask_ok(reqtype, extra);
        if (!replies) {
            return std::nullopt;
        }
        return replies->back();
    }
    /// The daemon's `info` of the last failed query.
    const std::string& last_info() const { return last_info_; }

    std::optional<std::vector<Node>> nodes()
    {
        const auto replies = ask_ok("nodelist", {});
        if (!replies) {
            return std::nullopt;
        }
        std::vector<Node> out;
        for (const Message& m : *replies) {
            out.push_back({std::string(m.get("node").value_or("")),
                           std::string(m.get("nodetype").value_or("")),
                           std::string(m.get("st").value_or(""))});
        }
        return out;
    }
    std::optional<std::vector<Link>> links(const std::string& node)
    {
        const auto replies = ask_ok("iflist", {{"node", node}});
        if (!replies) {
            return std::nullopt;
        }
        std::vector<Link> out;
        for (const Message& m : *replies) {
            std::optional<std::int64_t> heard;
            if (const auto v = m.get("lastheard")) {
                if (const auto ms = hb::base::parse_integer(*v, 0, 1L << 50)) {
                    heard = static_cast<std::int64_t>(*ms);
                }
            }
            out.push_back({std::string(m.get("ifname").value_or("")),
                           std::string(m.get("st").value_or("")), heard});
        }
        return out;
    }
    /// Waits for the answer to `clientstatus` (t or subt `respond-cstatus`) for `timeout`.
    std::optional<std::string> client_status(const std::string& node, const std::string& client,
                                             std::chrono::milliseconds timeout)
    {
        const auto until = std::min(deadline_, Clock::now() + timeout);
        if (!client_.send_request("clientstatus", {{"node", node}, {"cn", client}}, deadline_)) {
            last_info_ = "No timely response.";
            return std::nullopt;
        }
        for (;;) {
            auto m = client_.receive(until);
            if (!m) {
                last_info_ = "No timely response.";
                return std::nullopt;
            }
            if (m.value().get("t") == "respond-cstatus" ||
                m.value().get("subt") == "respond-cstatus") {
                return std::string(m.value().get("cs").value_or(""));
            }
        }
    }

private:
    ApiClient client_;
    Clock::time_point deadline_;
    bool signed_on_ = false;
    bool refused_ = false;
    std::string errmsg_;
    std::string last_info_;
    Message reply_;
};

/// Options and operands of a sub-command, parsed with getopt as 3.0.6 does (argv[0] is
/// the sub-command, so getopt's own complaints name it).
struct Args {
    bool human = false;  // -m
    bool verbose = false;
    bool ping_only = false;
    bool normal_only = false;
    std::optional<std::string> param;
    std::optional<std::string> since;  // events --since
    std::vector<std::string> operands;
    bool bad_option = false;
    int bad_char = 0;
};

Args parse(int argc, char** argv, const char* optstring)
{
    Args a;
    optind = 1;
    int c = 0;
    while ((c = ::getopt(argc, argv, optstring)) != -1) {
        switch (c) {
        case 'm': a.human = true; break;
        case 'v': a.verbose = true; break;
        case 'p':
            if (optarg) {
                a.param = optarg;
            } else {
                a.ping_only = true;
            }
            break;
        case 'n': a.normal_only = true; break;
        default:
            a.bad_option = true;
            a.bad_char = c;
            break;
        }
    }
    for (int i = optind; i < argc; ++i) {
        a.operands.emplace_back(argv[i]);
    }
    return a;
}

/// 3.0.6's two wordings of a getopt failure (the single-node commands omit "code"), or
/// none: `hbstatus` ignores bad options.
enum class OptionWording { plain, with_code, lenient };

/// Parses a sub-command's options; logs and returns nullopt on a bad option (exit 11).
std::optional<Args> parse_or_complain(int argc, char** argv, const char* optstring, OptionWording w)
{
    Args a = parse(argc, argv, optstring);
    if (!a.bad_option || w == OptionWording::lenient) {
        return a;
    }
    log_error(std::string("Error: getopt returnedcharacter ") +
              (w == OptionWording::with_code ? "code " : "") + static_cast<char>(a.bad_char) + ".");
    return std::nullopt;
}

void print_links(const std::vector<Link>& links, bool verbose, bool human)
{
    if (human) {
        std::printf("\tthis node has the following heartbeat links:\n");
    }
    // The original client library builds its lists back to front.
    for (auto it = links.rbegin(); it != links.rend(); ++it) {
        if (verbose) {
            std::printf("\t%s\t%s\n", it->name.c_str(), it->status.c_str());
        } else {
            std::printf("\t%s\n", it->name.c_str());
        }
    }
}

/// Prints one JSON object on a line. Keys keep the order they were added in; text that is
/// not valid UTF-8 (a node name is the daemon's to choose) is replaced, never fatal.
void print_json(const Json& object)
{
    std::printf("%s\n", object.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
}

Json json_links(const std::vector<Link>& links)
{
    Json out = Json::array();
    for (const Link& l : links) {
        out.push_back({{"name", l.name}, {"status", l.status}});
    }
    return out;
}

/// The nodes (daemon order, with their links) as a JSON array.
Json json_nodes(Session& s, const std::vector<Node>& nodes, const Args& a)
{
    const bool filter = a.ping_only != a.normal_only;
    Json out = Json::array();
    for (const Node& n : nodes) {
        if (filter && n.type != (a.ping_only ? "ping" : "normal")) {
            continue;
        }
        const auto links = s.links(n.name);
        out.push_back({{"name", n.name},
                       {"type", n.type},
                       {"status", n.status},
                       {"links", json_links(links.value_or(std::vector<Link>{}))}});
    }
    return out;
}

/// `listnodes` (also the tail of `hbstatus -v`).
int list_nodes(Session& s, const Args& a, Output output)
{
    const auto nodes = s.nodes();
    if (!nodes) {
        log_error("Cannot start node walk.");
        log_error("REASON: " + s.last_info());
        return exit_error;
    }
    const bool filter = a.ping_only != a.normal_only;
    if (output == Output::json) {
        print_json({{"nodes", json_nodes(s, *nodes, a)}});
        return exit_ok;
    }
    if (a.human) {
        std::printf("The nodes are as follow:\n");
    }
    for (auto it = nodes->rbegin(); it != nodes->rend(); ++it) {
        if (filter && it->type != (a.ping_only ? "ping" : "normal")) {
            continue;
        }
        if (!a.verbose) {
            std::printf("%s\n", it->name.c_str());
            continue;
        }
        std::printf("\n%s\t%s\t(nodetype: %s)\n", it->name.c_str(), it->status.c_str(),
                    it->type.c_str());
        const auto links = s.links(it->name);
        if (!links) {
            log_error("Cannot start heartbeat link interface walk.");
            log_error("REASON: " + s.last_info());
            return exit_error;
        }
        print_links(*links, true, a.human);
    }
    return exit_ok;
}

int cmd_hbstatus(Session& s, const Args& a, Output output)
{
    const bool json = output == Output::json;
    if (!s.signed_on()) {
        // A refusal still carries the daemon's fields: it runs, but will not talk to us.
        const bool running = s.refused();
        if (json) {
            print_json({{"running", running}, {"error", s.errmsg()}});
        } else if (running) {
            std::printf(
                "Heartbeat is apparently running on this machine, but refuses my connection\n");
        } else {
            std::printf("Heartbeat is stopped on this machine.\n");
        }
        if (!json && a.verbose && !s.errmsg().empty()) {
            std::printf("(%s)\n", s.errmsg().c_str());
        }
        return running ? exit_ok : exit_failure;
    }
    const std::string version(s.signon_reply().get("hbversion").value_or("unknown"));
    const bool pacemaker = s.signon_reply().get("pacemaker").value_or("false") != "false";
    if (json) {
        Json out = {{"running", true},
                    {"node", s.signon_reply().get("node").value_or("")},
                    {"version", version},
                    {"managed_by", pacemaker ? "pacemaker" : "haresources"}};
        if (a.verbose) {
            const auto nodes = s.nodes();
            if (!nodes) {
                log_error("Cannot start node walk.");
                log_error("REASON: " + s.last_info());
                return exit_error;
            }
            out["nodes"] = json_nodes(s, *nodes, Args{});
        }
        print_json(out);
        return exit_ok;
    }
    if (!a.verbose) {
        std::printf("Heartbeat is running on this machine.\n");
        return exit_ok;
    }
    if (a.human) {
        std::printf("Heartbeat version %s\n", version.c_str());
        std::printf(pacemaker ? "Resources controlled by Pacemaker.\n"
                              : "Resources controlled by \"haresources\"\n");
    } else {
        std::printf("version:\t%s\n", version.c_str());
        if (pacemaker) {
            std::printf("managed by:\tpacemaker\t(%s)\n",
                        std::string(s.signon_reply().get("pacemaker").value_or("")).c_str());
        } else {
            std::printf("managed by:\t\"haresources\"\n");
        }
    }
    Args listing;
    listing.verbose = true;
    listing.human = a.human;
    return list_nodes(s, listing, Output::text);
}

/// `nodestatus`, `nodetype`, `nodeweight`, `nodesite`: one node, one value.
struct NodeQuery {
    const char* reqtype;
    const char* field;
    const char* field_name;  ///< the value's key in the JSON form
    const char* missing;     ///< argument error without a node
    const char* unknown;     ///< argument error for an unknown node
    const char* human;       ///< -m format: node, value
};

int cmd_node_query(Session& s, const NodeQuery& q, const Args& a, Output output)
{
    if (a.operands.empty()) {
        return complain(q.missing, exit_param);
    }
    const std::string& node = a.operands[0];
    const auto reply = s.ask_one(q.reqtype, {{"node", node}});
    if (!reply) {
        return complain(q.unknown, exit_param);
    }
    const std::string value(reply->get(q.field).value_or(""));
    const bool is_status = std::strcmp(q.reqtype, "nodestatus") == 0;
    if (output == Output::json) {
        print_json({{"node", node}, {q.field_name, value}});
    } else if (a.human) {
        std::printf(q.human, node.c_str(), value.c_str());
    } else {
        std::printf("%s\n", value.c_str());
    }
    if (is_status) {
        return value == "active" || value == "up" || value == "ping" ? exit_ok : exit_failure;
    }
    return exit_ok;
}

int cmd_listhblinks(Session& s, const Args& a, Output output)
{
    if (a.operands.empty()) {
        return complain("No enough parameter.", exit_param);
    }
    const auto links = s.links(a.operands[0]);
    if (!links) {
        log_error("Cannot start heartbeat link interface walk.");
        log_error("REASON: " + s.last_info());
        return exit_error;
    }
    if (output == Output::json) {
        print_json({{"node", a.operands[0]}, {"links", json_links(*links)}});
    } else {
        print_links(*links, a.verbose, a.human);
    }
    return exit_ok;
}

int cmd_hblinkstatus(Session& s, const Args& a, Output)
{
    if (a.operands.size() < 2) {
        return complain("No enough parameter.", exit_param);
    }
    const auto reply = s.ask_one("ifstatus", {{"node", a.operands[0]}, {"ifname", a.operands[1]}});
    if (!reply) {
        // 3.0.6's library keeps no reason for this one.
        log_error("Cannot get heartbeat link status");
        log_error("REASON: ");
        return exit_error;
    }
    const std::string st(reply->get("st").value_or(""));
    if (a.human) {
        std::printf("The node %s's heartbeat link %s is %s\n", a.operands[0].c_str(),
                    a.operands[1].c_str(), st.c_str());
    } else {
        std::printf("%s\n", st.c_str());
    }
    return st == "up" ? exit_ok : exit_failure;
}

int cmd_clientstatus(Session& s, const Args& a, Output)
{
    if (a.operands.size() < 2) {
        return complain("No enough parameter.", exit_param);
    }
    long timeout = 500;
    if (a.operands.size() > 2) {
        timeout = std::strtol(a.operands[2].c_str(), nullptr, 10);
    }
    const auto cs =
        s.client_status(a.operands[0], a.operands[1], std::chrono::milliseconds(timeout));
    if (!cs) {
        log_error("Cannot get heartbeat client " + a.operands[1] + "'s status");
        log_error("REASON: " + s.last_info());
        return exit_error;
    }
    std::printf("%s\n", cs->c_str());
    if (*cs == "online") {
        return exit_ok;
    }
    if (*cs == "join") {
        return 2;
    }
    if (*cs == "leave") {
        return 3;
    }
    return exit_failure;
}

int cmd_rscstatus(Session& s, const Args& a, Output output)
{
    if (s.signon_reply().get("pacemaker").value_or("false") != "false") {
        log_error("Cannot get cluster resource status of a pacemaker cluster; try crm_mon");
        return exit_failure;
    }
    const auto reply = s.ask_one("getrsc", {});
    if (!reply) {
        log_error("Cannot get cluster resource status");
        log_error("REASON: " + s.last_info());
        return exit_error;
    }
    const std::string held(reply->get("rsc_hold").value_or(""));
    if (output == Output::json) {
        print_json({{"node", s.signon_reply().get("node").value_or("")}, {"resources", held}});
    } else if (a.human) {
        std::printf("This node is holding %s resources.\n", held.c_str());
    } else {
        std::printf("%s\n", held.c_str());
    }
    return exit_ok;
}

/// Where the daemon keeps its event history (its state directory's `events`).
constexpr const char* events_path = "/var/lib/heartbeat/events";

/// The history as the daemon left it: empty without a file, nullopt (`error` says why) when
/// the file is there but cannot be read.
std::optional<std::vector<hb::metrics::Event>> read_history(std::error_code& error)
{
    const auto text = hb::platform::read_file_prefix(events_path, 64 * 1024 * 1024, error);
    if (!text && error != std::errc::no_such_file_or_directory) {
        return std::nullopt;
    }
    hb::metrics::EventLog log(std::numeric_limits<std::size_t>::max());
    log.restore(text.value_or(""));
    return std::vector<hb::metrics::Event>(log.events().begin(), log.events().end());
}

/// `events [--since TIME] [--json]`: the event history, oldest first, read from the file the
/// daemon appends to, so it answers also when heartbeat is not running.
int cmd_events(Session&, const Args& a, Output output)
{
    using hb::metrics::Event;
    std::optional<std::int64_t> since;
    if (a.since) {
        since = hb::metrics::parse_since(*a.since, hb::platform::wall_clock_ms());
        if (!since) {
            return complain(
                "cl_status events: --since wants 90s, 15m, 2h, 1d or "
                "'YYYY-MM-DD HH:MM[:SS]'",
                exit_param);
        }
    }
    std::error_code error;
    const auto history = read_history(error);
    if (!history) {
        log_error(std::string("Cannot read ") + events_path + ": " + error.message());
        return exit_failure;
    }
    Json all = Json::array();
    std::optional<std::int64_t> previous;
    for (const Event& e : *history) {
        if (since && e.unix_ms < *since) {
            continue;
        }
        if (output == Output::json) {
            all.push_back(Json::parse(hb::metrics::event_line(e)));
        } else {
            std::printf("%s\n", hb::metrics::format_event(e, previous).c_str());
        }
        previous = e.unix_ms;
    }
    if (output == Output::json) {
        print_json(all);
    }
    return exit_ok;
}

/// One round of `watch`: what the daemon answers now, and the history.
hb::metrics::WatchSnapshot watch_snapshot()
{
    hb::metrics::WatchSnapshot snap;
    try {
        Session s;
        if (!s.signon()) {
            snap.unreachable = s.errmsg();
        } else {
            if (const auto nodes = s.nodes()) {
                for (const Node& n : *nodes) {
                    hb::metrics::WatchNode w{n.name, n.type, n.status, {}};
                    for (const Link& l : s.links(n.name).value_or(std::vector<Link>{})) {
                        w.links.push_back({l.name, l.status, l.heard_ms_ago});
                    }
                    snap.nodes.push_back(std::move(w));
                }
            }
            const auto held = s.ask_one("getrsc", {});
            snap.held = held ? std::string(held->get("rsc_hold").value_or("?")) : "?";
            s.signoff();
        }
    } catch (const Exit&) {
        snap.unreachable = "it did not answer within 5 s";
    }
    std::error_code unreadable;  // the view shows no events then; `events` says why
    snap.history = read_history(unreadable).value_or(std::vector<hb::metrics::Event>{});
    snap.now_ms = hb::platform::wall_clock_ms();
    return snap;
}

volatile std::sig_atomic_t watch_stop = 0;

/// The terminal in a mode where q arrives at once and is not echoed, restored on any exit.
class KeyboardMode {
public:
    explicit KeyboardMode(bool terminal)
    {
        if (terminal && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
            termios raw = saved_;
            raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
            raw.c_cc[VMIN] = 0;
            raw.c_cc[VTIME] = 0;
            active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
        }
    }
    ~KeyboardMode()
    {
        if (active_) {
            ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
        }
    }
    KeyboardMode(const KeyboardMode&) = delete;
    KeyboardMode& operator=(const KeyboardMode&) = delete;

private:
    termios saved_{};
    bool active_ = false;
};

/// `watch`: the view of metrics/watch_view. On a terminal it is redrawn in place every
/// second (ages move) and at once when the state changes, until q; in a pipe, each new state
/// is printed whole, after a blank line, until stdin ends or a signal.
int cmd_watch(Session&, const Args&, Output)
{
    ::alarm(0);  // the 5 s backstop is per question here: each round has its own session
    std::signal(SIGINT, [](int) { watch_stop = 1; });
    std::signal(SIGTERM, [](int) { watch_stop = 1; });
    const bool terminal = ::isatty(STDOUT_FILENO) != 0;
    const KeyboardMode keyboard(terminal && ::isatty(STDIN_FILENO) != 0);
    std::string shown_state;
    auto next_draw = std::chrono::steady_clock::now();
    while (watch_stop == 0) {
        auto snap = watch_snapshot();
        const std::string screen = hb::metrics::render_watch(snap);
        snap.now_ms = 0;  // the state alone: no clock, no ages
        for (auto& node : snap.nodes) {
            for (auto& link : node.links) {
                link.heard_ms_ago.reset();
            }
        }
        const std::string state = hb::metrics::render_watch(snap);
        const auto now = std::chrono::steady_clock::now();
        if (state != shown_state || (terminal && now >= next_draw)) {
            if (terminal) {
                std::printf("\033[H\033[2J%s", screen.c_str());
            } else {
                std::printf("%s%s", shown_state.empty() ? "" : "\n", screen.c_str());
            }
            std::fflush(stdout);
            shown_state = state;
            next_draw = now + std::chrono::seconds(1);
        }
        pollfd in{STDIN_FILENO, POLLIN, 0};
        if (::poll(&in, 1, 500) > 0) {
            char key = 0;
            const auto n = ::read(STDIN_FILENO, &key, 1);
            if (n == 0) {
                break;  // stdin ended: nobody will ask for more
            }
            if (n == 1 && (key == 'q' || key == 'Q')) {
                break;
            }
        }
    }
    return exit_ok;
}

int cmd_hbparameter(Session& s, const Args& a, Output)
{
    if (!a.param) {
        log_error("parameter name required");
        return exit_param;
    }
    std::optional<std::string> value;
    if (*a.param == "hbversion" || *a.param == "pacemaker") {
        // The original library answers these from the sign-on reply.
        if (const auto v = s.signon_reply().get(*a.param)) {
            value = std::string(*v);
        }
    } else if (const auto reply = s.ask_one("getparm", {{"pname", *a.param}})) {
        if (const auto v = reply->get("pvalue")) {
            value = std::string(*v);
        }
    }
    if (!value) {
        log_error("Cannot get parameter " + *a.param + "'s value");
        log_error("REASON: ");
        return exit_failure;
    }
    if (a.human) {
        std::printf("Heartbeat parameter %s's value: %s\n", a.param->c_str(), value->c_str());
    } else {
        std::printf("%s\n", value->c_str());
    }
    return exit_ok;
}

const NodeQuery node_status{"nodestatus",
                            "st",
                            "status",
                            "Not enough parameters.",
                            "Error. May be due to incorrect node name",
                            "The cluster node %s is %s\n"};
const NodeQuery node_type{"nodetype",
                          "nodetype",
                          "type",
                          "No enough parameter.",
                          "Error. May be due to incorrect node name",
                          "The node %s's type: %s\n"};
const NodeQuery node_weight{"nodeweight",
                            "weight",
                            "weight",
                            "Not enough parameters.",
                            "Error. Maybe due to incorrect node name.",
                            "The weight of the cluster node %s is %s\n"};
const NodeQuery node_site{"nodesite",
                          "site",
                          "site",
                          "Not enough parameters.",
                          "Error. May be due to incorrect node name",
                          "The site of the cluster node %s is %s\n"};

/// Whether a sub-command needs the daemon to answer its sign-on (hbstatus reports either),
/// or reads the state directory and never signs on (events).
enum class Needs { daemon, nothing, state_dir };

/// Every sub-command, in one place: its name, its getopt options and how a bad one is
/// worded (3.0.6's), whether it has a --json form, what it needs, and what runs it.
struct SubCommand {
    const char* name;
    const char* options;
    OptionWording wording;
    bool json;
    Needs needs;
    int (*run)(Session&, const Args&, Output);
};

const SubCommand sub_commands[] = {
    {"listnodes", "mpnv", OptionWording::with_code, true, Needs::daemon, list_nodes},
    {"nodestatus", "m", OptionWording::plain, true, Needs::daemon,
     [](Session& s, const Args& a, Output o) { return cmd_node_query(s, node_status, a, o); }},
    {"nodeweight", "m", OptionWording::plain, false, Needs::daemon,
     [](Session& s, const Args& a, Output o) { return cmd_node_query(s, node_weight, a, o); }},
    {"nodesite", "m", OptionWording::plain, false, Needs::daemon,
     [](Session& s, const Args& a, Output o) { return cmd_node_query(s, node_site, a, o); }},
    {"nodetype", "m", OptionWording::plain, false, Needs::daemon,
     [](Session& s, const Args& a, Output o) { return cmd_node_query(s, node_type, a, o); }},
    {"listhblinks", "mv", OptionWording::with_code, true, Needs::daemon, cmd_listhblinks},
    {"hblinkstatus", "m", OptionWording::plain, false, Needs::daemon, cmd_hblinkstatus},
    {"clientstatus", "m", OptionWording::plain, false, Needs::daemon, cmd_clientstatus},
    {"rscstatus", "m", OptionWording::plain, true, Needs::daemon, cmd_rscstatus},
    {"hbstatus", "vm", OptionWording::lenient, true, Needs::nothing, cmd_hbstatus},
    {"hbparameter", "mp:", OptionWording::with_code, false, Needs::daemon, cmd_hbparameter},
    {"events", "", OptionWording::plain, true, Needs::state_dir, cmd_events},
    {"watch", "", OptionWording::plain, false, Needs::state_dir, cmd_watch},
};

int run(int argc, char** argv)
{
    // --json may stand anywhere; the rest is parsed as 3.0.6 does.
    // So may --since TIME (events only).
    bool json = false;
    std::optional<std::string> since;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (std::strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
            since = argv[++i];
        } else {
            args.push_back(argv[i]);
        }
    }
    args.push_back(nullptr);
    argc = static_cast<int>(args.size()) - 1;
    argv = args.data();

    if (argc == 1 || (argc == 2 && std::strcmp(argv[1], "-h") == 0)) {
        std::fputs(help_text, stdout);
        return exit_ok;
    }
    const std::string sub = argv[1];
    const auto command = std::find_if(std::begin(sub_commands), std::end(sub_commands),
                                      [&](const SubCommand& c) { return sub == c.name; });
    if (command == std::end(sub_commands)) {
        log_error(sub + ": invalid sub-command.");
        return exit_param;
    }
    if (json && !command->json) {
        std::string with_json;
        for (const SubCommand& c : sub_commands) {
            if (c.json) {
                with_json += std::string(with_json.empty() ? "" : ", ") + c.name;
            }
        }
        std::fprintf(stderr, "cl_status: --json is not available for %s (it is for %s)\n",
                     sub.c_str(), with_json.c_str());
        return exit_param;
    }

    if (since && sub != "events") {
        std::fprintf(stderr, "cl_status: --since is only for events\n");
        return exit_param;
    }
    Session s;
    if (command->needs != Needs::state_dir && !s.signon() && command->needs == Needs::daemon) {
        log_error("Cannot signon with heartbeat");
        log_error("REASON: " + s.errmsg());
        return exit_failure;
    }
    int rc = exit_param;
    if (auto parsed = parse_or_complain(argc - 1, argv + 1, command->options, command->wording)) {
        parsed->since = since;
        rc = command->run(s, *parsed, json ? Output::json : Output::text);
    }
    std::fflush(stdout);
    s.signoff();
    return rc;
}

}  // namespace

int main(int argc, char** argv)
{
    // A backstop to the per-call deadlines, like 3.0.6's alarm(5).
    std::signal(SIGALRM, [](int) { ::_exit(exit_timeout); });
    ::alarm(static_cast<unsigned>(overall_limit.count()) + 1);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return run(argc, argv);
    } catch (const Exit& e) {
        return e.code;
    }
}
