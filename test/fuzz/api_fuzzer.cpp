// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the client API as any local process can reach it. Each input is a whole
// session of several connections: connects with chosen credentials, sign-ons and requests
// (built from the protocol's field names, then mutated), raw bytes through the frame
// decoder cut at arbitrary points, hang-ups, cluster messages and status changes, reloads.
// Properties: no crash; replies go only to connections that are open; every message the
// service hands out survives its own frame codec.
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "api/api_service.hpp"
#include "api/ipc_frame.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace hb;

class View final : public api::ClusterView {
public:
    std::vector<api::NodeInfo> nodes() const override { return nodes_; }
    std::optional<std::string> resource_status() const override { return rsc_; }

    std::vector<api::NodeInfo> nodes_{
        {"lvs-01",
         "normal",
         "active",
         {{"ens32", "up", 120}, {"ens33", "dead", 61'000}},
         std::string(16, '\1'),
         100,
         ""},
        {"lvs-02", "normal", "dead", {{"ens32", "dead", std::nullopt}}, {}, 100, "site-b"},
        {"192.168.219.1", "ping", "ping", {{"192.168.219.1", "up", 900}}, {}, 0, ""}};
    std::optional<std::string> rsc_ = std::string("local");
};

api::ApiSettings settings(FuzzedDataProvider& in)
{
    api::ApiSettings s;
    s.node = "lvs-01";
    s.version = "3.0.6";
    s.deadtime = base::Milliseconds(in.ConsumeIntegralInRange<int>(0, 60000));
    s.keepalive = base::Milliseconds(in.ConsumeIntegralInRange<int>(0, 5000));
    s.pacemaker = in.ConsumeBool();
    s.parameters = {{"keepalive", "500ms"}, {"deadtime", "2"}, {"pacemaker", "false"}};
    s.auth = {{"ipfail", {102}, {}}, {"anon", {0}, {105}}, {"default", {}, {105}}};
    s.daemon_uid = 0;
    return s;
}

constexpr std::initializer_list<std::string_view> field_names{
    "t",    "reqtype", "dest",   "pid",        "from_id", "to_id",  "uid",
    "gid",  "node",    "ifname", "pname",      "fmask",   "signal", "clientid",
    "qlen", "src",     "st",     "client_gen", "result",  "info"};
constexpr std::initializer_list<std::string_view> reqtypes{
    "signon",   "signoff",     "setfilter",    "setsignal",  "nodelist",
    "numnodes", "iflist",      "ifstatus",     "getparm",    "getrsc",
    "getuuid",  "getnodename", "clientstatus", "nodestatus", "nodeweight",
    "nodesite", "nodetype",    "set_sendqlen", "nosuchreq"};

struct Connection {
    api::Credentials peer;
    api::FrameDecoder frames;
};

class Session {
public:
    Session(FuzzedDataProvider& in, const View& view) : in_(in), service_(settings(in), view) {}

    void step()
    {
        switch (in_.ConsumeIntegralInRange<int>(0, 7)) {
        case 0: connect(); break;
        case 1: with_connection([&](auto h, auto& c) { send(h, c, request(c)); }); break;
        case 2:
            with_connection(
                [&](auto h, auto& c) { receive(h, c, in_.ConsumeRandomLengthString(300)); });
            break;
        case 3:
            with_connection([&](auto h, auto&) {
                open_.erase(h);
                check(service_.on_closed(h));
            });
            break;
        case 4: check(service_.on_cluster_message(cluster_message())); break;
        case 5:
            check(service_.on_node_status(fuzz::value(in_, {"lvs-02", "lvs-01", "192.168.219.1"}),
                                          fuzz::value(in_, {"dead", "active", "up", "ping"})));
            break;
        case 6:
            check(service_.on_link_status(fuzz::value(in_, {"lvs-02", "lvs-01"}),
                                          fuzz::value(in_, {"ens32", "ens33"}),
                                          fuzz::value(in_, {"up", "dead"})));
            break;
        default: service_.reconfigure(settings(in_)); break;
        }
    }

private:
    template <typename F>
    void with_connection(F&& f)
    {
        if (open_.empty()) {
            connect();
            return;
        }
        auto it = open_.begin();
        std::advance(it, in_.ConsumeIntegralInRange<std::size_t>(0, open_.size() - 1));
        f(it->first, it->second);
    }

    void connect()
    {
        api::Credentials peer;
        peer.pid = in_.ConsumeIntegralInRange<long>(1, 9);
        peer.uid = in_.PickValueInArray({0U, 102U, 105U, 65534U});
        peer.gid = in_.PickValueInArray({0U, 102U, 105U, 65534U});
        const api::ClientHandle h = service_.accept(peer);
        HB_FUZZ_CHECK(open_.count(h) == 0);
        open_.emplace(h, Connection{peer, api::FrameDecoder{}});
    }

    /// A request as libhbclient writes it, for this connection or pretending to be another.
    wire::Message request(const Connection& c)
    {
        const bool honest = in_.ConsumeIntegralInRange<int>(0, 7) != 0;
        const std::string pid =
            std::to_string(honest ? c.peer.pid : in_.ConsumeIntegralInRange<long>(1, 9));
        wire::Message m;
        m.add("t", fuzz::value(in_, {"hbapi-req", "hbapi-clmsg", "status"}));
        m.add("reqtype", fuzz::value(in_, reqtypes));
        m.add("dest", fuzz::value(in_, {"lvs-01", "lvs-02"}));
        m.add("pid", pid);
        m.add("from_id", fuzz::value(in_, {pid, "ipfail", "anon", "dopd"}));
        m.add("uid", std::to_string(honest ? c.peer.uid : in_.ConsumeIntegral<unsigned>()));
        m.add("gid", std::to_string(honest ? c.peer.gid : in_.ConsumeIntegral<unsigned>()));
        for (int extra = in_.ConsumeIntegralInRange<int>(0, 2); extra > 0; --extra) {
            m.add(std::string(fuzz::pick(in_, field_names)),
                  fuzz::value(in_, {"lvs-02", "ens32", "keepalive", "hbversion", "crm", "1", "ffff",
                                    "10", "9", "ipfail"}));
        }
        return in_.ConsumeBool() ? fuzz::mutate(in_, m, field_names) : m;
    }

    wire::Message cluster_message()
    {
        wire::Message m;
        m.add("t", fuzz::value(in_, {"query-cstatus", "respond-cstatus", "hbapi-clmsg", "status"}));
        m.add("src", fuzz::value(in_, {"lvs-02", "lvs-01"}));
        m.add("dest", fuzz::value(in_, {"lvs-01", "lvs-02"}));
        m.add("from_id", fuzz::value(in_, {"ipfail", "1", "anon"}));
        m.add("to_id", fuzz::value(in_, {"ipfail", "1", "anon"}));
        m.add("clientid", fuzz::value(in_, {"ipfail", "1"}));
        return fuzz::mutate(in_, m, field_names);
    }

    void send(api::ClientHandle h, Connection& c, const wire::Message& m)
    {
        receive(h, c, api::encode_frame(m));
    }

    /// Bytes arriving on connection `h`, split as the input says.
    void receive(api::ClientHandle h, Connection& c, const std::string& bytes)
    {
        fuzz::feed_in_pieces(in_, bytes, [&](std::string_view piece) {
            if (!open_.count(h)) {
                return;
            }
            c.frames.feed(piece);
            for (int guard = 0; guard < 64 && open_.count(h); ++guard) {
                auto body = c.frames.next();
                if (!body.ok()) {  // the daemon closes the connection
                    open_.erase(h);
                    check(service_.on_closed(h));
                    return;
                }
                if (!body.value()) {
                    break;
                }
                check(service_.on_frame(h, *body.value()));
            }
        });
    }

    void check(const api::Actions& out)
    {
        for (const auto& [to, message] : out.to_clients) {
            HB_FUZZ_CHECK(open_.count(to) == 1);
            const std::string frame = api::encode_frame(message);
            const auto back =
                api::decode_body(std::string_view(frame).substr(api::frame_header_size));
            if (!back.ok() || !(back.value() == message)) {
                std::fprintf(stderr, "reply frame:\n%s\n", frame.c_str() + api::frame_header_size);
                fuzz::broken("a reply does not survive its frame codec");
            }
        }
        for (const auto h : out.close) {  // the daemon hangs up once the replies are written
            if (open_.erase(h) == 1) {
                check(service_.on_closed(h));
            }
        }
    }

    FuzzedDataProvider& in_;
    api::ApiService service_;
    std::map<api::ClientHandle, Connection> open_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    static const View view;
    Session session(in, view);
    for (int steps = 0; steps < 200 && in.remaining_bytes() > 0; ++steps) {
        session.step();
    }
    return 0;
}
