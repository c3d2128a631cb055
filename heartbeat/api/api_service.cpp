// SPDX-License-Identifier: GPL-2.0-or-later
#include "api/api_service.hpp"

#include <algorithm>
#include <charconv>

#include "api/ipc_frame.hpp"
#include "base/log.hpp"
#include "base/text.hpp"

namespace hb::api {
namespace {

constexpr std::string_view request_type = "hbapi-req";
constexpr std::string_view reply_type = "hbapi-resp";
constexpr std::uint32_t filter_keep = 0x01;        ///< ordinary cluster messages
constexpr std::uint32_t filter_debug_bits = 0x3e;  ///< nochange, drop, dup, apicall, protocol
constexpr std::uint32_t filter_all_bits = 0x3f;

std::optional<long> parse_long(std::string_view text)
{
    long v = 0;
    const auto* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end || text.empty()) {
        return std::nullopt;
    }
    return v;
}

wire::Message reply_to(std::string_view reqtype)
{
    wire::Message m;
    m.add("t", std::string(reply_type));
    m.add("reqtype", std::string(reqtype));
    return m;
}

/// 3.0.6's "bad request" reply: result first, then the reason when there is one.
wire::Message bad_request(std::string_view reqtype, std::string_view info = {})
{
    wire::Message m = reply_to(reqtype);
    m.add("result", "badreq");
    if (!info.empty()) {
        m.add("info", std::string(info));
    }
    return m;
}

/// The reply field of the one-node queries (nodestatus, nodeweight, nodesite, nodetype).
const char* node_query_field(std::string_view reqtype)
{
    if (reqtype == "nodestatus") {
        return "st";
    }
    if (reqtype == "nodeweight") {
        return "weight";
    }
    if (reqtype == "nodesite") {
        return "site";
    }
    return reqtype == "nodetype" ? "nodetype" : nullptr;
}

const NodeInfo* find_node(const std::vector<NodeInfo>& nodes, std::string_view name)
{
    const std::string wanted = base::to_lower(name);
    for (const auto& n : nodes) {
        if (n.name == wanted) {
            return &n;
        }
    }
    return nullptr;
}

}  // namespace

void Actions::append(Actions&& other)
{
    for (auto& m : other.to_clients) {
        to_clients.push_back(std::move(m));
    }
    close.insert(close.end(), other.close.begin(), other.close.end());
    for (auto& m : other.to_cluster) {
        to_cluster.push_back(std::move(m));
    }
}

std::string_view to_string(DropReason reason)
{
    switch (reason) {
    case DropReason::signoff: return "signoff";
    case DropReason::closed: return "EOF";
    case DropReason::bad_frame: return "unreadable message";
    case DropReason::bad_request: return "malformed request";
    case DropReason::refused: return "sign-on refused";
    case DropReason::impersonation: return "request for another client";
    }
    return "?";
}

ApiService::ApiService(ApiSettings settings, const ClusterView& view)
    : settings_(std::move(settings)),
      view_(view)
{}

ClientHandle ApiService::accept(const Credentials& peer)
{
    const ClientHandle h = next_handle_++;
    clients_[h].peer = peer;
    return h;
}

std::size_t ApiService::clients() const
{
    return static_cast<std::size_t>(std::count_if(
        clients_.begin(), clients_.end(), [](const auto& c) { return c.second.signed_on; }));
}

Actions ApiService::on_frame(ClientHandle handle, std::string_view body)
{
    const auto it = clients_.find(handle);
    if (it == clients_.end()) {
        return {};
    }
    auto message = decode_body(body);
    if (!message) {
        HB_LOG(warn) << "API client pid " << it->second.peer.pid << ": unreadable message ("
                     << message.error().what << "), disconnecting";
        return drop(handle, DropReason::bad_frame);
    }
    if (!it->second.signed_on) {
        return on_signon(handle, it->second, message.value());
    }
    return on_request(handle, it->second, message.value());
}

Actions ApiService::on_closed(ClientHandle handle)
{
    const auto it = clients_.find(handle);
    if (it == clients_.end()) {
        return {};
    }
    Actions out;
    if (it->second.signed_on && !it->second.casual) {
        out = client_status_change(it->second, "leave", "EOF");
    }
    clients_.erase(it);
    return out;
}

Actions ApiService::drop(ClientHandle handle, DropReason reason)
{
    last_drop_ = reason;
    Actions out;
    const auto it = clients_.find(handle);
    if (it == clients_.end()) {
        return out;
    }
    if (it->second.signed_on && !it->second.casual) {
        out = client_status_change(it->second, "leave", to_string(reason));
    }
    clients_.erase(it);
    out.close.push_back(handle);
    return out;
}

bool ApiService::has_named_client(std::string_view id) const
{
    return std::any_of(clients_.begin(), clients_.end(),
                       [&](const auto& c) { return c.second.signed_on && c.second.id == id; });
}

std::optional<std::string> ApiService::authorize(const Client& client,
                                                 const wire::Message& request) const
{
    const auto pid = parse_long(request.get("pid").value_or(""));
    if (!pid || *pid <= 0 || (client.peer.pid > 0 && *pid != client.peer.pid)) {
        return "bad pid";
    }
    if (has_named_client(client.id)) {
        return "duplicate add request";
    }
    const auto uid = parse_long(request.get("uid").value_or(""));
    const auto gid = parse_long(request.get("gid").value_or(""));
    if (!uid || !gid) {
        return "invalid id info";
    }
    if (*uid != static_cast<long>(client.peer.uid) || *gid != static_cast<long>(client.peer.gid)) {
        return "incorrect/false credentials";
    }
    const std::string key = client.casual ? std::string("anon") : client.id;
    auto rule = std::find_if(settings_.auth.begin(), settings_.auth.end(),
                             [&](const AuthRule& r) { return r.client == key; });
    if (rule == settings_.auth.end() && !client.casual) {
        rule = std::find_if(settings_.auth.begin(), settings_.auth.end(),
                            [](const AuthRule& r) { return r.client == "default"; });
        if (rule == settings_.auth.end()) {
            return "no default client auth";
        }
    }
    if (rule == settings_.auth.end()) {
        return "apiauth anon missing";
    }
    if (rule->uids.count(client.peer.uid) == 0 && rule->gids.count(client.peer.gid) == 0) {
        return "client failed authorization";
    }
    return std::nullopt;
}

Actions ApiService::on_signon(ClientHandle handle, Client& client, const wire::Message& request)
{
    if (request.get("t") != request_type || request.get("reqtype") != "signon") {
        HB_LOG(warn) << "API client pid " << client.peer.pid
                     << ": a request before signing on, disconnecting";
        return drop(handle, DropReason::bad_request);
    }
    const auto from_id = request.get("from_id");
    const auto pid = request.get("pid");
    client.pid = std::string(pid.value_or(""));
    client.id = std::string(from_id ? *from_id : client.pid);
    const auto pid_number = parse_long(client.pid);
    client.casual = pid_number && parse_long(client.id) == pid_number;

    std::optional<std::string> refusal;
    if (client.id.empty()) {
        refusal = "bad pid";
    } else {
        refusal = authorize(client, request);
    }

    wire::Message reply = reply_to("signon");
    if (refusal) {
        reply.add("info", *refusal);
        reply.add("result", "badreq");
    } else {
        reply.add("result", "OK");
    }
    reply.add("deadtime", wire::to_hex(static_cast<std::uint64_t>(settings_.deadtime.count())));
    reply.add("keepalive", wire::to_hex(static_cast<std::uint64_t>(settings_.keepalive.count())));
    reply.add("node", settings_.node);
    reply.add("hbversion", settings_.version);
    reply.add("pacemaker", settings_.pacemaker ? "true" : "false");
    reply.add("logfacility", std::to_string(settings_.logfacility));

    Actions out;
    out.to_clients.emplace_back(handle, std::move(reply));
    if (refusal) {
        HB_LOG(warn) << "Client [" << client.id << "] pid " << client.peer.pid
                     << " failed authorization [" << *refusal << "]";
        out.append(drop(handle, DropReason::refused));
        return out;
    }
    client.signed_on = true;
    client.generation = next_generation_++;
    HB_LOG(debug) << "API client [" << client.id << "] pid " << client.peer.pid << " signed on";
    if (!client.casual) {
        out.append(client_status_change(client, "join", "signon"));
    }
    return out;
}

Actions ApiService::client_status_change(const Client& client, std::string_view status,
                                         std::string_view why)
{
    // 3.0.6 tells the whole cluster (and thereby same-named clients everywhere, including
    // this one) that a named client joined or left.
    wire::Message m;
    m.add("t", "hbapi-clstat");
    m.add("st", std::string(status));
    m.add("from_id", client.id);
    m.add("to_id", client.id);
    m.add("info", std::string(why));
    m.add("client_gen", std::to_string(client.generation));
    Actions out;
    out.to_cluster.push_back(std::move(m));
    return out;
}

Actions ApiService::on_request(ClientHandle handle, Client& client, const wire::Message& request)
{
    const auto type = request.get("t");
    if (!type) {
        return drop(handle, DropReason::bad_request);
    }
    if (*type != request_type) {
        // A message for the cluster. Only named clients may send them, and what they send
        // goes to clients of the same name (3.0.6 overwrites the ids).
        if (client.casual) {
            HB_LOG(warn) << "casual API client pid " << client.peer.pid
                         << " sent a cluster message, disconnecting";
            return drop(handle, DropReason::bad_request);
        }
        wire::Message m = request;
        m.set("from_id", client.id);
        m.set("to_id", client.id);
        m.set("client_gen", std::to_string(client.generation));
        Actions out;
        out.to_cluster.push_back(std::move(m));
        return out;
    }
    const auto reqtype = request.get("reqtype");
    if (!reqtype || (!request.get("from_id") && !request.get("pid"))) {
        return drop(handle, DropReason::bad_request);
    }
    const auto from_id = request.get("from_id");
    const auto pid = request.get("pid");
    if ((from_id && *from_id != client.id) || (pid && *pid != client.pid)) {
        HB_LOG(warn) << "API client [" << client.id << "] sent a request for another client";
        return drop(handle, DropReason::impersonation);
    }

    Actions out;
    auto answer = [&](wire::Message m) { out.to_clients.emplace_back(handle, std::move(m)); };
    const std::string rt(*reqtype);

    if (rt == "signoff") {
        out.append(drop(handle, DropReason::signoff));
        return out;
    }
    if (rt == "set_sendqlen") {
        return out;  // no reply, as 3.0.6; our send queue is bounded by bytes instead
    }
    if (rt == "setfilter") {
        const auto mask = wire::parse_hex(request.get("fmask").value_or(""));
        if (!mask || (*mask & filter_all_bits) == 0) {
            answer(bad_request(rt, "EINVAL"));
        } else if ((*mask & filter_debug_bits) != 0 && client.peer.uid != 0 &&
                   client.peer.uid != settings_.daemon_uid) {
            answer(bad_request(rt, "EPERM"));
        } else {
            client.filter = static_cast<std::uint32_t>(*mask & filter_all_bits);
            wire::Message m = reply_to(rt);
            m.add("result", "OK");
            answer(std::move(m));
        }
        return out;
    }
    if (rt == "setsignal") {
        const auto sig = parse_long(request.get("signal").value_or(""));
        if (!sig) {
            answer(bad_request(rt));
        } else if (*sig < 0 || *sig == 9 || *sig == 19 || *sig >= 32) {
            answer(bad_request(rt, "EINVAL"));
        } else {
            client.signal = static_cast<int>(*sig);
            wire::Message m = reply_to(rt);
            m.add("result", "OK");
            answer(std::move(m));
        }
        return out;
    }

    const std::vector<NodeInfo> nodes = view_.nodes();
    const auto ok = [&](wire::Message m) {
        m.add("result", "OK");
        answer(std::move(m));
    };
    const auto requested_node = [&]() -> const NodeInfo* {
        const auto name = request.get("node");
        return name ? find_node(nodes, *name) : nullptr;
    };
    const NodeInfo* node = nullptr;
    const auto need_node = [&]() {
        node = requested_node();
        if (!node) {
            answer(bad_request(rt, "EINVAL"));
        }
        return node != nullptr;
    };

    if (rt == "nodelist") {
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            wire::Message m = reply_to(rt);
            m.add("node", nodes[i].name);
            m.add("nodetype", nodes[i].type);
            m.add("st", nodes[i].status);
            m.add("result", i + 1 < nodes.size() ? "ok/more" : "OK");
            answer(std::move(m));
        }
    } else if (rt == "numnodes") {
        wire::Message m = reply_to(rt);
        m.add("numnodes",
              std::to_string(std::count_if(nodes.begin(), nodes.end(),
                                           [](const NodeInfo& n) { return n.type == "normal"; })));
        ok(std::move(m));
    } else if (const auto* field = node_query_field(rt)) {
        if (need_node()) {
            wire::Message m = reply_to(rt);
            m.add(field, field == std::string_view("st")       ? node->status
                         : field == std::string_view("weight") ? std::to_string(node->weight)
                         : field == std::string_view("site")   ? node->site
                                                               : node->type);
            ok(std::move(m));
        }
    } else if (rt == "iflist") {
        if (need_node()) {
            if (node->links.empty()) {
                answer(bad_request(rt, "EINVAL"));
            }
            for (std::size_t i = 0; i < node->links.size(); ++i) {
                wire::Message m = reply_to(rt);
                m.add("ifname", node->links[i].name);
                m.add("st", node->links[i].status);
                if (node->links[i].heard_ms_ago) {
                    m.add("lastheard", std::to_string(*node->links[i].heard_ms_ago));
                }
                m.add("result", i + 1 < node->links.size() ? "ok/more" : "OK");
                answer(std::move(m));
            }
        }
    } else if (rt == "ifstatus") {
        const auto ifname = request.get("ifname");
        node = requested_node();
        const LinkInfo* link = nullptr;
        if (node && ifname) {
            for (const auto& l : node->links) {
                if (l.name == *ifname) {
                    link = &l;
                }
            }
        }
        if (!link) {
            answer(bad_request(rt, "EINVAL"));
        } else {
            wire::Message m = reply_to(rt);
            m.add("st", link->status);
            ok(std::move(m));
        }
    } else if (rt == "getparm") {
        const auto pname = request.get("pname");
        if (!pname) {
            answer(bad_request(rt, "EINVAL"));
        } else {
            wire::Message m = reply_to(rt);
            const std::string_view key = *pname == "crm" ? std::string_view("pacemaker") : *pname;
            if (key == "hbversion") {
                m.add("pvalue", "3.0.6");
            } else if (const auto v = settings_.parameters.find(key);
                       v != settings_.parameters.end()) {
                m.add("pvalue", v->second);
            }
            ok(std::move(m));
        }
    } else if (rt == "getrsc") {
        const auto held = view_.resource_status();
        if (!held) {
            answer(bad_request(rt, "Resource is managed by crm. Use crm tool to query resource"));
        } else {
            wire::Message m = reply_to(rt);
            m.add("rsc_hold", *held);
            ok(std::move(m));
        }
    } else if (rt == "getuuid") {
        const auto name = request.get("queryname");
        if (!name) {
            answer(bad_request(rt, "no query node name found"));
        } else {
            wire::Message m = reply_to(rt);
            if (const NodeInfo* n = find_node(nodes, *name)) {
                std::string uuid = n->uuid.size() == 16 ? n->uuid : std::string(16, '\0');
                m.add("queryuuid", std::move(uuid), wire::FieldType::binary);
            }
            ok(std::move(m));
        }
    } else if (rt == "getnodename") {
        const wire::Field* f = request.find("queryuuid");
        if (!f || f->type != wire::FieldType::binary || f->value.size() != 16) {
            answer(bad_request(rt, "no query node name found"));
        } else {
            wire::Message m = reply_to(rt);
            for (const auto& n : nodes) {
                if (n.uuid == f->value) {
                    m.add("queryname", n.name);
                    break;
                }
            }
            ok(std::move(m));
        }
    } else if (rt == "clientstatus") {
        const auto cn = request.get("cn");
        node = requested_node();
        if (!cn || !node) {
            answer(bad_request(rt, "EINVAL"));
        } else if (node->name == settings_.node || node->status != "active") {
            wire::Message m = reply_to(rt);
            m.add("subt", "respond-cstatus");
            const bool online = node->name == settings_.node && has_named_client(*cn);
            m.add("cs", online ? "online" : "offline");
            ok(std::move(m));
        } else {
            // Asked of the peer; its `respond-cstatus` comes back with our to_id.
            wire::Message q;
            q.add("t", "query-cstatus");
            q.add("dest", node->name);
            q.add("cn", std::string(*cn));
            q.add("from_id", client.id);
            out.to_cluster.push_back(std::move(q));
        }
    } else {
        HB_LOG(warn) << "Unknown API request '" << rt << "' from client [" << client.id << "]";
        answer(bad_request(rt));
    }
    return out;
}

Actions ApiService::on_cluster_message(const wire::Message& message)
{
    Actions out;
    if (message.get("t") == "query-cstatus") {
        const auto cn = message.get("cn");
        const auto from = message.get("src");
        const auto from_id = message.get("from_id");
        if (cn && from && from_id) {
            wire::Message r;
            r.add("t", "respond-cstatus");
            r.add("dest", std::string(*from));
            r.add("result", "OK");
            r.add("cn", std::string(*cn));
            r.add("to_id", std::string(*from_id));
            r.add("cs", has_named_client(*cn) ? "online" : "offline");
            out.to_cluster.push_back(std::move(r));
        }
        return out;
    }
    return deliver(message);
}

Actions ApiService::on_node_status(std::string_view node, std::string_view status)
{
    wire::Message m;
    m.add("t", status == "ping" ? "NS_st" : "status");
    m.add("src", std::string(node));
    m.add("st", std::string(status));
    return deliver(m);
}

Actions ApiService::on_link_status(std::string_view node, std::string_view link,
                                   std::string_view status)
{
    wire::Message m;
    m.add("t", "ifstat");
    m.add("node", std::string(node));
    m.add("ifname", std::string(link));
    m.add("st", std::string(status));
    return deliver(m);
}

Actions ApiService::deliver(const wire::Message& message)
{
    Actions out;
    const auto to_id = message.get("to_id");
    for (const auto& [handle, client] : clients_) {
        if (!client.signed_on) {
            continue;
        }
        if (to_id ? client.id == *to_id : (client.filter & filter_keep) != 0) {
            out.to_clients.emplace_back(handle, message);
        }
    }
    return out;
}

}  // namespace hb::api
