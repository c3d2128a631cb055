// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's API service against the replies 3.0.6 gives (captured with strace from the
// real daemon, see doc/notes/api-3.0.6.md): sign-on and its refusals, every query, the
// multi-part lists, named clients and client status across the cluster.
#include <catch2/catch.hpp>

#include "api/api_service.hpp"
#include "api/ipc_frame.hpp"

using namespace hb;

namespace {

constexpr unsigned hacluster = 102;
constexpr unsigned haclient = 105;

class FakeView final : public api::ClusterView {
public:
    std::vector<api::NodeInfo> nodes() const override { return nodes_; }
    std::optional<std::string> resource_status() const override { return rsc_; }

    std::vector<api::NodeInfo> nodes_{
        {"lvs-01", "normal", "active", {{"ens32", "up", std::nullopt}}, std::string(16, '\1'), 100,
         ""},
        {"lvs-02", "normal", "active", {{"ens32", "up", 420}}, std::string(16, '\2'), 100, ""}};
    std::optional<std::string> rsc_ = std::string("local");
};

api::ApiSettings settings()
{
    api::ApiSettings s;
    s.node = "lvs-01";
    s.version = "3.0.6 (test)";
    s.deadtime = base::Milliseconds(2000);
    s.keepalive = base::Milliseconds(500);
    s.parameters = {{"keepalive", "500ms"}, {"deadtime", "2"}, {"pacemaker", "false"}};
    s.auth = {{"ipfail", {hacluster}, {}}, {"anon", {0}, {haclient}}};
    return s;
}

std::string body(const std::vector<std::pair<std::string, std::string>>& fields)
{
    wire::Message m;
    for (const auto& [k, v] : fields) {
        m.add(k, v);
    }
    const std::string frame = api::encode_frame(m);
    return frame.substr(api::frame_header_size);
}

std::string signon_body(long pid, unsigned uid, unsigned gid, std::string id = {})
{
    const std::string p = std::to_string(pid);
    return body({{"t", "hbapi-req"}, {"reqtype", "signon"}, {"dest", "lvs-01"}, {"pid", p},
                 {"from_id", id.empty() ? p : id}, {"uid", std::to_string(uid)},
                 {"gid", std::to_string(gid)}});
}

std::string request(long pid, const std::string& reqtype,
                    std::vector<std::pair<std::string, std::string>> extra = {}, std::string id = {})
{
    const std::string p = std::to_string(pid);
    std::vector<std::pair<std::string, std::string>> f{
        {"t", "hbapi-req"}, {"reqtype", reqtype}, {"dest", "lvs-01"}, {"pid", p},
        {"from_id", id.empty() ? p : id}};
    f.insert(f.end(), extra.begin(), extra.end());
    return body(f);
}

std::string fields(const wire::Message& m)
{
    std::string out;
    for (const auto& f : m.fields()) {
        out += (out.empty() ? "" : "|") + f.name + "=" + f.value;
    }
    return out;
}

struct Harness {
    FakeView view;
    api::ApiService service{settings(), view};

    api::ClientHandle signed_on(long pid, unsigned uid = 0, unsigned gid = haclient, std::string id = {})
    {
        const auto h = service.accept({pid, uid, gid});
        const auto out = service.on_frame(h, signon_body(pid, uid, gid, id));
        REQUIRE(out.to_clients.size() == 1);
        REQUIRE(out.to_clients[0].second.get("result") == "OK");
        return h;
    }
    std::vector<std::string> ask(api::ClientHandle h, long pid, const std::string& reqtype,
                                 std::vector<std::pair<std::string, std::string>> extra = {})
    {
        std::vector<std::string> out;
        for (const auto& [to, m] : service.on_frame(h, request(pid, reqtype, std::move(extra))).to_clients) {
            CHECK(to == h);
            out.push_back(fields(m));
        }
        return out;
    }
};

}  // namespace

TEST_CASE("sign-on: the reply 3.0.6 gives, field for field", "[api][service]")
{
    Harness t;
    const auto h = t.service.accept({4242, 0, haclient});
    const auto out = t.service.on_frame(h, signon_body(4242, 0, haclient));
    REQUIRE(out.to_clients.size() == 1);
    CHECK(fields(out.to_clients[0].second) ==
          "t=hbapi-resp|reqtype=signon|result=OK|deadtime=7d0|keepalive=1f4|node=lvs-01|"
          "hbversion=3.0.6 (test)|pacemaker=false|logfacility=-1");
    CHECK(out.close.empty());
    CHECK(out.to_cluster.empty());  // casual clients are not announced
    CHECK(t.service.clients() == 1);
}

TEST_CASE("sign-on refusals: reply, then close", "[api][service]")
{
    Harness t;
    const auto refused = [&](api::Credentials peer, const std::string& frame) {
        const auto h = t.service.accept(peer);
        const auto out = t.service.on_frame(h, frame);
        REQUIRE(out.to_clients.size() == 1);
        const auto& m = out.to_clients[0].second;
        CHECK(m.get("result") == "badreq");
        CHECK(m.get("deadtime") == "7d0");  // cl_status: "running, but refuses my connection"
        CHECK(out.close == std::vector<api::ClientHandle>{h});
        return std::string(m.get("info").value_or(""));
    };
    // nobody, primary group nogroup (supplementary groups do not count)
    CHECK(refused({77, 65534, 65534}, signon_body(77, 65534, 65534)) == "client failed authorization");
    // claims to be root
    CHECK(refused({78, 65534, 65534}, signon_body(78, 0, 0)) == "incorrect/false credentials");
    // claims another process
    CHECK(refused({79, 0, 0}, signon_body(80, 0, 0)) == "bad pid");
    // a named client without an apiauth line, and ipfail as root (apiauth: uid=hacluster)
    CHECK(refused({81, 0, 0}, signon_body(81, 0, 0, "dopd")) == "no default client auth");
    CHECK(refused({82, 0, 0}, signon_body(82, 0, 0, "ipfail")) == "client failed authorization");
    CHECK(t.service.clients() == 0);
    // haclient as the primary group is enough
    t.signed_on(83, 65534, haclient);
}

TEST_CASE("queries answer as 3.0.6", "[api][service]")
{
    Harness t;
    const auto h = t.signed_on(100);
    CHECK(t.ask(h, 100, "nodelist") ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=nodelist|node=lvs-01|nodetype=normal|st=active|result=ok/more",
                                   "t=hbapi-resp|reqtype=nodelist|node=lvs-02|nodetype=normal|st=active|result=OK"});
    CHECK(t.ask(h, 100, "nodestatus", {{"node", "LVS-02"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=nodestatus|st=active|result=OK"});
    CHECK(t.ask(h, 100, "nodestatus", {{"node", "nosuch"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=nodestatus|result=badreq|info=EINVAL"});
    CHECK(t.ask(h, 100, "nodeweight", {{"node", "lvs-02"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=nodeweight|weight=100|result=OK"});
    CHECK(t.ask(h, 100, "nodesite", {{"node", "lvs-02"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=nodesite|site=|result=OK"});
    CHECK(t.ask(h, 100, "nodetype", {{"node", "lvs-02"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=nodetype|nodetype=normal|result=OK"});
    CHECK(t.ask(h, 100, "numnodes") == std::vector<std::string>{"t=hbapi-resp|reqtype=numnodes|numnodes=2|result=OK"});
    CHECK(t.ask(h, 100, "iflist", {{"node", "lvs-02"}}) ==
          std::vector<std::string>{
              "t=hbapi-resp|reqtype=iflist|ifname=ens32|st=up|lastheard=420|result=OK"});
    CHECK(t.ask(h, 100, "iflist", {{"node", "lvs-01"}}) ==  // never heard: no lastheard
          std::vector<std::string>{"t=hbapi-resp|reqtype=iflist|ifname=ens32|st=up|result=OK"});
    CHECK(t.ask(h, 100, "iflist", {{"node", "nosuch"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=iflist|result=badreq|info=EINVAL"});
    CHECK(t.ask(h, 100, "ifstatus", {{"node", "lvs-02"}, {"ifname", "ens32"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=ifstatus|st=up|result=OK"});
    CHECK(t.ask(h, 100, "ifstatus", {{"node", "lvs-02"}, {"ifname", "eth9"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=ifstatus|result=badreq|info=EINVAL"});
    CHECK(t.ask(h, 100, "getparm", {{"pname", "deadtime"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=getparm|pvalue=2|result=OK"});
    CHECK(t.ask(h, 100, "getparm", {{"pname", "nosuch"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=getparm|result=OK"});
    CHECK(t.ask(h, 100, "getparm") ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=getparm|result=badreq|info=EINVAL"});
    CHECK(t.ask(h, 100, "getrsc") == std::vector<std::string>{"t=hbapi-resp|reqtype=getrsc|rsc_hold=local|result=OK"});
    CHECK(t.ask(h, 100, "nosuchreq") == std::vector<std::string>{"t=hbapi-resp|reqtype=nosuchreq|result=badreq"});
    CHECK(t.ask(h, 100, "set_sendqlen", {{"sendqlen", "100"}}).empty());
    CHECK(t.ask(h, 100, "setfilter", {{"fmask", "1"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=setfilter|result=OK"});
    CHECK(t.ask(h, 100, "getuuid", {{"queryname", "lvs-02"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=getuuid|queryuuid=" + std::string(16, '\2') + "|result=OK"});
    t.view.rsc_.reset();  // -M: heartbeat does not manage resources
    CHECK(t.ask(h, 100, "getrsc") ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=getrsc|result=badreq|"
                                   "info=Resource is managed by crm. Use crm tool to query resource"});
}

TEST_CASE("malformed input closes the connection and nothing else", "[api][service]")
{
    Harness t;
    const auto other = t.signed_on(200);
    // before sign-on
    auto h = t.service.accept({201, 0, 0});
    CHECK(t.service.on_frame(h, request(201, "nodelist")).close == std::vector<api::ClientHandle>{h});
    // not a message
    h = t.service.accept({202, 0, 0});
    CHECK(t.service.on_frame(h, "not a message").close == std::vector<api::ClientHandle>{h});
    // a request made in another client's name
    h = t.signed_on(203);
    CHECK(t.service.on_frame(h, request(200, "nodelist")).close == std::vector<api::ClientHandle>{h});
    // no reqtype
    h = t.signed_on(204);
    CHECK(t.service.on_frame(h, body({{"t", "hbapi-req"}, {"pid", "204"}})).close ==
          std::vector<api::ClientHandle>{h});
    // a casual client may not send cluster messages
    h = t.signed_on(205);
    const auto sent = t.service.on_frame(h, body({{"t", "hb_takeover"}, {"pid", "205"}}));
    CHECK(sent.close == std::vector<api::ClientHandle>{h});
    CHECK(sent.to_cluster.empty());
    // signoff: no reply, closed
    h = t.signed_on(206);
    const auto off = t.service.on_frame(h, request(206, "signoff"));
    CHECK(off.to_clients.empty());
    CHECK(off.close == std::vector<api::ClientHandle>{h});
    // the well-behaved client never noticed
    CHECK(t.ask(other, 200, "numnodes").size() == 1);
    CHECK(t.service.clients() == 1);
}

TEST_CASE("named clients: join and leave, client status here and on the peer", "[api][service]")
{
    Harness t;
    const auto h = t.service.accept({300, hacluster, haclient});
    auto out = t.service.on_frame(h, signon_body(300, hacluster, haclient, "ipfail"));
    REQUIRE(out.to_cluster.size() == 1);
    CHECK(out.to_cluster[0].get("t") == "hbapi-clstat");
    CHECK(out.to_cluster[0].get("st") == "join");
    CHECK(out.to_cluster[0].get("to_id") == "ipfail");

    const auto asker = t.signed_on(301);
    CHECK(t.ask(asker, 301, "clientstatus", {{"node", "lvs-01"}, {"cn", "ipfail"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=clientstatus|subt=respond-cstatus|cs=online|result=OK"});
    CHECK(t.ask(asker, 301, "clientstatus", {{"node", "lvs-01"}, {"cn", "dopd"}}) ==
          std::vector<std::string>{"t=hbapi-resp|reqtype=clientstatus|subt=respond-cstatus|cs=offline|result=OK"});

    // The peer is asked; its answer comes back addressed to the asker only.
    out = t.service.on_frame(asker, request(301, "clientstatus", {{"node", "lvs-02"}, {"cn", "ipfail"}}));
    CHECK(out.to_clients.empty());
    REQUIRE(out.to_cluster.size() == 1);
    CHECK(fields(out.to_cluster[0]) == "t=query-cstatus|dest=lvs-02|cn=ipfail|from_id=301");
    wire::Message answer;
    answer.add("t", "respond-cstatus");
    answer.add("dest", "lvs-01");
    answer.add("result", "OK");
    answer.add("cn", "ipfail");
    answer.add("to_id", "301");
    answer.add("cs", "offline");
    answer.add("src", "lvs-02");
    out = t.service.on_cluster_message(answer);
    REQUIRE(out.to_clients.size() == 1);
    CHECK(out.to_clients[0].first == asker);

    // A dead peer is answered at once.
    t.view.nodes_[1].status = "dead";
    CHECK(t.ask(asker, 301, "clientstatus", {{"node", "lvs-02"}, {"cn", "ipfail"}}).size() == 1);

    // The peer asks us.
    wire::Message query;
    query.add("t", "query-cstatus");
    query.add("dest", "lvs-01");
    query.add("cn", "ipfail");
    query.add("from_id", "999");
    query.add("src", "lvs-02");
    out = t.service.on_cluster_message(query);
    REQUIRE(out.to_cluster.size() == 1);
    CHECK(fields(out.to_cluster[0]) == "t=respond-cstatus|dest=lvs-02|result=OK|cn=ipfail|to_id=999|cs=online");

    // Status changes reach every signed-on client.
    out = t.service.on_node_status("lvs-02", "dead");
    CHECK(out.to_clients.size() == 2);

    // ipfail leaves: the cluster hears it.
    out = t.service.on_closed(h);
    REQUIRE(out.to_cluster.size() == 1);
    CHECK(out.to_cluster[0].get("st") == "leave");
}
