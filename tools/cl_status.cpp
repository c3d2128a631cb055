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
#include <sys/utsname.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/client.hpp"
#include "base/text.hpp"

namespace {

using hb::api::ApiClient;
using hb::api::ClientError;
using hb::api::Clock;
using hb::base::json_string;
using hb::wire::Message;

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

struct Link {
    std::string name;
    std::string status;
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
            out.push_back(
                {std::string(m.get("ifname").value_or("")), std::string(m.get("st").value_or(""))});
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

/// 3.0.6's two wordings of a getopt failure: the single-node commands omit "code".
enum class OptionWording { plain, with_code };

/// Parses a sub-command's options; logs and returns nullopt on a bad option (exit 11).
std::optional<Args> parse_or_complain(int argc, char** argv, const char* optstring, OptionWording w)
{
    Args a = parse(argc, argv, optstring);
    if (!a.bad_option) {
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

std::string json_links(const std::vector<Link>& links)
{
    std::string out = "[";
    for (std::size_t i = 0; i < links.size(); ++i) {
        out += (i ? "," : "") + std::string("{\"name\":") + json_string(links[i].name) +
               ",\"status\":" + json_string(links[i].status) + "}";
    }
    return out + "]";
}

/// The nodes (daemon order, with their links) as a JSON array.
std::string json_nodes(Session& s, const std::vector<Node>& nodes, const Args& a)
{
    const bool filter = a.ping_only != a.normal_only;
    std::string out = "[";
    bool first = true;
    for (const Node& n : nodes) {
        if (filter && n.type != (a.ping_only ? "ping" : "normal")) {
            continue;
        }
        const auto links = s.links(n.name);
        out += (first ? "" : ",") + std::string("{\"name\":") + json_string(n.name) +
               ",\"type\":" + json_string(n.type) + ",\"status\":" + json_string(n.status) +
               ",\"links\":" + json_links(links.value_or(std::vector<Link>{})) + "}";
        first = false;
    }
    return out + "]";
}

/// `listnodes` (also the tail of `hbstatus -v`).
int list_nodes(Session& s, const Args& a, bool json)
{
    const auto nodes = s.nodes();
    if (!nodes) {
        log_error("Cannot start node walk.");
        log_error("REASON: " + s.last_info());
        return exit_error;
    }
    const bool filter = a.ping_only != a.normal_only;
    if (json) {
        std::printf("{\"nodes\":%s}\n", json_nodes(s, *nodes, a).c_str());
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

int cmd_hbstatus(Session& s, bool up, int argc, char** argv, bool json)
{
    const Args a = parse(argc, argv, "vm");
    if (!up) {
        // A refusal still carries the daemon's fields: it runs, but will not talk to us.
        const bool running = s.refused();
        if (json) {
            std::printf("{\"running\":%s,\"error\":%s}\n", running ? "true" : "false",
                        json_string(s.errmsg()).c_str());
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
        std::string out =
            "{\"running\":true,\"node\":" + json_string(s.signon_reply().get("node").value_or("")) +
            ",\"version\":" + json_string(version) +
            ",\"managed_by\":" + json_string(pacemaker ? "pacemaker" : "haresources");
        if (!a.verbose) {
            std::printf("%s}\n", out.c_str());
            return exit_ok;
        }
        const auto nodes = s.nodes();
        if (!nodes) {
            log_error("Cannot start node walk.");
            log_error("REASON: " + s.last_info());
            return exit_error;
        }
        std::printf("%s,\"nodes\":%s}\n", out.c_str(), json_nodes(s, *nodes, Args{}).c_str());
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
    return list_nodes(s, listing, false);
}

/// `nodestatus`, `nodetype`, `nodeweight`, `nodesite`: one node, one value.
struct NodeQuery {
    const char* reqtype;
    const char* field;
    const char* missing;  ///< argument error without a node
    const char* unknown;  ///< argument error for an unknown node
    const char* human;    ///< -m format: node, value
};

int cmd_node_query(Session& s, const NodeQuery& q, int argc, char** argv, bool json)
{
    const auto parsed = parse_or_complain(argc, argv, "m", OptionWording::plain);
    if (!parsed) {
        return exit_param;
    }
    const Args& a = *parsed;
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
    if (json && is_status) {
        std::printf("{\"node\":%s,\"status\":%s}\n", json_string(node).c_str(),
                    json_string(value).c_str());
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

int cmd_listhblinks(Session& s, int argc, char** argv, bool json)
{
    const auto parsed = parse_or_complain(argc, argv, "mv", OptionWording::with_code);
    if (!parsed) {
        return exit_param;
    }
    const Args& a = *parsed;
    if (a.operands.empty()) {
        return complain("No enough parameter.", exit_param);
    }
    const auto links = s.links(a.operands[0]);
    if (!links) {
        log_error("Cannot start heartbeat link interface walk.");
        log_error("REASON: " + s.last_info());
        return exit_error;
    }
    if (json) {
        std::printf("{\"node\":%s,\"links\":%s}\n", json_string(a.operands[0]).c_str(),
                    json_links(*links).c_str());
    } else {
        print_links(*links, a.verbose, a.human);
    }
    return exit_ok;
}

int cmd_hblinkstatus(Session& s, int argc, char** argv)
{
    const auto parsed = parse_or_complain(argc, argv, "m", OptionWording::plain);
    if (!parsed) {
        return exit_param;
    }
    const Args& a = *parsed;
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

int cmd_clientstatus(Session& s, int argc, char** argv)
{
    const auto parsed = parse_or_complain(argc, argv, "m", OptionWording::plain);
    if (!parsed) {
        return exit_param;
    }
    const Args& a = *parsed;
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

int cmd_rscstatus(Session& s, int argc, char** argv, bool json)
{
    const auto parsed = parse_or_complain(argc, argv, "m", OptionWording::plain);
    if (!parsed) {
        return exit_param;
    }
    const Args& a = *parsed;
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
    if (json) {
        std::printf("{\"node\":%s,\"resources\":%s}\n",
                    json_string(s.signon_reply().get("node").value_or("")).c_str(),
                    json_string(held).c_str());
    } else if (a.human) {
        std::printf("This node is holding %s resources.\n", held.c_str());
    } else {
        std::printf("%s\n", held.c_str());
    }
    return exit_ok;
}

int cmd_hbparameter(Session& s, int argc, char** argv)
{
    const auto parsed = parse_or_complain(argc, argv, "mp:", OptionWording::with_code);
    if (!parsed) {
        return exit_param;
    }
    const Args& a = *parsed;
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

const NodeQuery node_status{"nodestatus", "st", "Not enough parameters.",
                            "Error. May be due to incorrect node name",
                            "The cluster node %s is %s\n"};
const NodeQuery node_type{"nodetype", "nodetype", "No enough parameter.",
                          "Error. May be due to incorrect node name", "The node %s's type: %s\n"};
const NodeQuery node_weight{"nodeweight", "weight", "Not enough parameters.",
                            "Error. Maybe due to incorrect node name.",
                            "The weight of the cluster node %s is %s\n"};
const NodeQuery node_site{"nodesite", "site", "Not enough parameters.",
                          "Error. May be due to incorrect node name",
                          "The site of the cluster node %s is %s\n"};

const char* const json_commands[] = {"hbstatus", "listnodes", "nodestatus", "listhblinks",
                                     "rscstatus"};

int run(int argc, char** argv)
{
    // --json may stand anywhere; the rest is parsed as 3.0.6 does.
    bool json = false;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], "--json") == 0) {
            json = true;
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
    static const char* const known[] = {"listnodes", "nodestatus",  "nodeweight",   "nodesite",
                                        "nodetype",  "listhblinks", "hblinkstatus", "clientstatus",
                                        "rscstatus", "hbstatus",    "hbparameter"};
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return sub == k; }) ==
        std::end(known)) {
        log_error(sub + ": invalid sub-command.");
        return exit_param;
    }
    if (json && std::find_if(std::begin(json_commands), std::end(json_commands),
                             [&](const char* k) { return sub == k; }) == std::end(json_commands)) {
        std::fprintf(stderr, "cl_status: --json is not available for %s\n", sub.c_str());
        return exit_param;
    }

    Session s;
    const bool up = s.signon();
    if (!up && sub != "hbstatus") {
        log_error("Cannot signon with heartbeat");
        log_error("REASON: " + s.errmsg());
        return exit_failure;
    }
    const int sub_argc = argc - 1;
    char** sub_argv = argv + 1;
    int rc = exit_ok;
    if (sub == "hbstatus") {
        rc = cmd_hbstatus(s, up, sub_argc, sub_argv, json);
    } else if (sub == "listnodes") {
        const auto a = parse_or_complain(sub_argc, sub_argv, "mpnv", OptionWording::with_code);
        rc = a ? list_nodes(s, *a, json) : exit_param;
    } else if (sub == "nodestatus") {
        rc = cmd_node_query(s, node_status, sub_argc, sub_argv, json);
    } else if (sub == "nodetype") {
        rc = cmd_node_query(s, node_type, sub_argc, sub_argv, false);
    } else if (sub == "nodeweight") {
        rc = cmd_node_query(s, node_weight, sub_argc, sub_argv, false);
    } else if (sub == "nodesite") {
        rc = cmd_node_query(s, node_site, sub_argc, sub_argv, false);
    } else if (sub == "listhblinks") {
        rc = cmd_listhblinks(s, sub_argc, sub_argv, json);
    } else if (sub == "hblinkstatus") {
        rc = cmd_hblinkstatus(s, sub_argc, sub_argv);
    } else if (sub == "clientstatus") {
        rc = cmd_clientstatus(s, sub_argc, sub_argv);
    } else if (sub == "rscstatus") {
        rc = cmd_rscstatus(s, sub_argc, sub_argv, json);
    } else {
        rc = cmd_hbparameter(s, sub_argc, sub_argv);
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
