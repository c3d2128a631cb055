// SPDX-License-Identifier: GPL-2.0-or-later
// parse_rules: the two example rules files, the line forms `ipvsadm-save -n` and people
// write (short and long options, attached values, a leading `ipvsadm`, comments, defaults),
// the #@ extension lines, and a table of bad lines, each with its exact FILE:LINE text.
// Every problem of a file is reported, not just the first.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "base/value_parsers.hpp"
#include "lvs/rules.hpp"

using namespace hb::lvs;

namespace {

const std::string path = "ipvsadm.rules";

using Strings = std::vector<std::string>;

Ipv4 ip(const char* text)
{
    const auto a = hb::base::parse_ipv4(text);
    REQUIRE(a.has_value());
    return *a;
}

std::string slurp(const std::string& file)
{
    std::ifstream in(file, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

Strings formatted(const RulesResult& result)
{
    Strings out;
    for (const auto& d : result.diagnostics.all()) {
        out.push_back(hb::base::format(d));
    }
    return out;
}

std::string dump(const RulesResult& result)
{
    std::string out;
    for (const std::string& line : formatted(result)) {
        out += "  " + line + "\n";
    }
    return out;
}

/// Parses text that must be good (warnings allowed) and returns its config.
LvsConfig good(const std::string& text)
{
    const RulesResult result = parse_rules(text, path);
    INFO(dump(result));
    REQUIRE(result.config.has_value());
    CHECK_FALSE(result.diagnostics.has_errors());
    return *result.config;
}

}  // namespace

TEST_CASE("rules: the lvs-dr example reads as its comments say", "[lvs][rules]")
{
    const std::string file = std::string(HB_SOURCE_DIR) + "/ha.d-examples/lvs-dr/ipvsadm.rules";
    const RulesResult result = parse_rules(slurp(file), file);
    INFO(dump(result));
    REQUIRE(result.config.has_value());
    CHECK(result.diagnostics.all().empty());
    const LvsConfig& c = *result.config;
    CHECK(c.path == file);
    CHECK(c.backend == BackendChoice::automatic);
    CHECK_FALSE(c.sync.has_value());
    REQUIRE(c.services.size() == 1);
    const Service& s = c.services[0];
    CHECK(s.key == ServiceKey{Protocol::tcp, ip("192.168.219.100"), 80, 0});
    CHECK(s.scheduler == Scheduler::wlc);
    CHECK_FALSE(s.persistence.has_value());
    CHECK(s.where.line == 4);
    REQUIRE(s.servers.size() == 2);
    CHECK(s.servers[0].endpoint == Endpoint{ip("192.168.219.21"), 80});
    CHECK(s.servers[1].endpoint == Endpoint{ip("192.168.219.22"), 80});
    for (const RealServer& r : s.servers) {
        CHECK(r.forwarding == Forwarding::direct_routing);
        CHECK(r.weight == 1);
    }
    CHECK(s.servers[1].where.line == 6);
    REQUIRE(s.check.has_value());
    CHECK(s.check->kind == CheckKind::http);
    CHECK(s.check->path == "/");
    CHECK(s.check->status == std::vector<int>{200});
    CHECK(s.check->interval == Milliseconds(5000));
    CHECK(s.check->timeout == Milliseconds(3000));
    CHECK(s.check->fall == 3);
    CHECK(s.check->rise == 2);
    CHECK(s.check->digest.empty());
    CHECK(s.check->where.line == 10);
    CHECK(s.server_checks.empty());
    CHECK(s.check_for(s.servers[0].endpoint) == &*s.check);
    CHECK_FALSE(s.sorry.has_value());
    CHECK(c.name_of(ip("192.168.219.21")) == "web-01");
    CHECK(c.name_of(ip("192.168.219.22")) == "web-02");
    CHECK(c.name_of(ip("192.168.219.23")).empty());
    CHECK(c.label(s.servers[0].endpoint) == "192.168.219.21:80 (web-01)");
    CHECK(c.label({ip("192.168.219.23"), 80}) == "192.168.219.23:80");
}

TEST_CASE("rules: the lvs-nat example reads as its comments say", "[lvs][rules]")
{
    const std::string file = std::string(HB_SOURCE_DIR) + "/ha.d-examples/lvs-nat/ipvsadm.rules";
    const RulesResult result = parse_rules(slurp(file), file);
    INFO(dump(result));
    REQUIRE(result.config.has_value());
    CHECK(result.diagnostics.all().empty());
    const LvsConfig& c = *result.config;
    REQUIRE(c.services.size() == 1);
    const Service& s = c.services[0];
    CHECK(to_option(s.key) == "-t 192.168.219.100:80");
    CHECK(describe(s.key) == "TCP 192.168.219.100:80");
    CHECK(s.scheduler == Scheduler::wlc);
    REQUIRE(s.servers.size() == 2);
    CHECK(format_endpoint(s.servers[0].endpoint) == "192.168.56.21:80");
    CHECK(format_endpoint(s.servers[1].endpoint) == "192.168.56.22:80");
    for (const RealServer& r : s.servers) {
        CHECK(r.forwarding == Forwarding::nat);
        CHECK(r.weight == 1);
    }
    REQUIRE(s.check.has_value());
    CHECK(s.check->kind == CheckKind::http);
    CHECK(s.check->where.line == 8);
    CHECK(c.label(s.servers[1].endpoint) == "192.168.56.22:80 (web-02)");
}

TEST_CASE("rules: the forms ipvsadm-save -n writes", "[lvs][rules]")
{
    const LvsConfig c = good("-A -t 1.2.3.4:80 -s wlc -p 300\n"
                             "-a -t 1.2.3.4:80 -r 10.0.0.1:80 -g -w 1\n"
                             "-A -t 1.2.3.4:443 -s wrr -p 600 -M 255.255.255.0\n"
                             "-a -t 1.2.3.4:443 -r 10.0.0.1:443 -g -w 2\n"
                             "-A -t 1.2.3.4:8080 -s sh -b sh-port\n"
                             "-a -t 1.2.3.4:8080 -r 10.0.0.2:8080 -m -w 0\n"
                             "-A -f 1 -s rr\n"
                             "-a -f 1 -r 10.0.0.3:0 -m -w 1\n"
                             "-A -u 1.2.3.4:53 -s rr\n"
                             "-a -u 1.2.3.4:53 -r 10.0.0.4:53 -m -w 1 -x 100 -y 10\n");
    REQUIRE(c.services.size() == 5);

    const Service& persistent = c.services[0];
    CHECK(persistent.persistence == std::optional<unsigned>(300));
    CHECK_FALSE(persistent.persistence_mask.has_value());
    CHECK(persistent.hashes_source_only());

    const Service& masked = c.services[1];
    CHECK(masked.scheduler == Scheduler::wrr);
    CHECK(masked.persistence == std::optional<unsigned>(600));
    CHECK(masked.persistence_mask == std::optional<Ipv4>(ip("255.255.255.0")));
    CHECK(masked.servers.at(0).weight == 2);

    const Service& sh = c.services[2];
    CHECK(sh.scheduler == Scheduler::sh);
    CHECK(sh.scheduler_flags == Strings{"sh-port"});
    CHECK_FALSE(sh.hashes_source_only());  // sh-port hashes the port too
    CHECK(sh.servers.at(0).forwarding == Forwarding::nat);
    CHECK(sh.servers.at(0).weight == 0);

    const Service& fwm = c.services[3];
    CHECK(fwm.key.protocol == Protocol::fwmark);
    CHECK(fwm.key.fwmark == 1);
    CHECK(to_option(fwm.key) == "-f 1");
    CHECK(describe(fwm.key) == "FWM 1");
    CHECK(fwm.servers.at(0).endpoint == Endpoint{ip("10.0.0.3"), 0});

    const Service& udp = c.services[4];
    CHECK(udp.key.protocol == Protocol::udp);
    CHECK(to_option(udp.key) == "-u 1.2.3.4:53");
    CHECK(udp.servers.at(0).upper_threshold == 100);
    CHECK(udp.servers.at(0).lower_threshold == 10);
}

TEST_CASE("rules: long options, attached values, a leading ipvsadm, comments and defaults",
          "[lvs][rules]")
{
    const LvsConfig c = good("# a table written by hand\n"
                             "\n"
                             "   # an indented comment\n"
                             "ipvsadm --add-service --tcp-service 10.1.1.1:80 --scheduler=rr\n"
                             "ipvsadm -a -t 10.1.1.1:80 -r 10.1.2.1 -w3   # weight 3\n"
                             "-a -t 10.1.1.1:80 --real-server 10.1.2.2:80 --weight=4 "
                             "--masquerading\n"
                             "-a --tcp-service=10.1.1.1:80 -r10.1.2.3 --weight 5 --ipip\n"
                             "-A -t 10.1.1.2:80\n"
                             "-a -t 10.1.1.2:80 -r 10.1.2.4\n"
                             "\t-A\t-t\t10.1.1.3:25\t-p\n"
                             "-A -t 10.1.1.4:0 --persistent 120 -s sh\n");
    REQUIRE(c.services.size() == 4);
    const Service& hand = c.services[0];
    CHECK(hand.key == ServiceKey{Protocol::tcp, ip("10.1.1.1"), 80, 0});
    CHECK(hand.scheduler == Scheduler::rr);
    CHECK(hand.where.line == 4);
    REQUIRE(hand.servers.size() == 3);
    // A server written without its port takes the service's, as ipvsadm fills it in.
    CHECK(hand.servers[0].endpoint == Endpoint{ip("10.1.2.1"), 80});
    CHECK(hand.servers[0].weight == 3);
    CHECK(hand.servers[0].forwarding == Forwarding::direct_routing);
    CHECK(hand.servers[1].weight == 4);
    CHECK(hand.servers[1].forwarding == Forwarding::nat);
    CHECK(hand.servers[2].endpoint == Endpoint{ip("10.1.2.3"), 80});
    CHECK(hand.servers[2].weight == 5);
    CHECK(hand.servers[2].forwarding == Forwarding::tunnel);
    CHECK(hand.servers[2].where.line == 7);

    const Service& plain = c.services[1];
    CHECK(plain.scheduler == Scheduler::wlc);  // ipvsadm's default scheduler
    REQUIRE(plain.servers.size() == 1);
    CHECK(plain.servers[0].weight == 1);                               // default weight
    CHECK(plain.servers[0].forwarding == Forwarding::direct_routing);  // default -g

    CHECK(c.services[2].persistence == std::optional<unsigned>(300));  // bare -p: 300 s
    CHECK(c.services[3].key.port == 0);
    CHECK(c.services[3].persistence == std::optional<unsigned>(120));
    CHECK(c.services[3].scheduler == Scheduler::sh);
}

TEST_CASE("rules: extension lines", "[lvs][rules]")
{
    const LvsConfig c =
        good("-A -t 192.168.219.100:80 -s wlc\n"
             "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g\n"
             "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g\n"
             "#@check -t 192.168.219.100:80 TCP_CHECK interval=2 timeout=500ms fall=1 rise=4\n"
             "#@check -t 192.168.219.100:80 -r 192.168.219.22 HTTP_GET path=/health "
             "status=200,301 digest=5D41402ABC4B2A76B9719D911017C592 host=www.example.com "
             "port=8080\n"
             "#@sorry -t 192.168.219.100:80 -r 192.168.219.30\n"
             "#@name 192.168.219.21 web-01\n"
             "#@backend nftables\n"
             "#@sync ens33 syncid 7\n");
    const Service& s = c.services.at(0);
    REQUIRE(s.check.has_value());
    CHECK(s.check->kind == CheckKind::tcp);
    CHECK(s.check->interval == Milliseconds(2000));
    CHECK(s.check->timeout == Milliseconds(500));
    CHECK(s.check->fall == 1);
    CHECK(s.check->rise == 4);
    CHECK(s.check->port == 0);
    REQUIRE(s.server_checks.size() == 1);
    const auto& [endpoint, own] = s.server_checks[0];
    CHECK(endpoint == Endpoint{ip("192.168.219.22"), 80});  // the service's port filled in
    CHECK(own.kind == CheckKind::http);
    CHECK(own.path == "/health");
    CHECK(own.status == std::vector<int>{200, 301});
    CHECK(own.digest == "5d41402abc4b2a76b9719d911017c592");
    CHECK(own.host == "www.example.com");
    CHECK(own.port == 8080);
    CHECK(own.interval == Milliseconds(5000));  // defaults
    CHECK(own.timeout == Milliseconds(3000));
    CHECK(own.fall == 3);
    CHECK(own.rise == 2);
    CHECK(s.check_for(s.servers[0].endpoint) == &*s.check);
    CHECK(s.check_for(s.servers[1].endpoint) == &own);
    REQUIRE(s.sorry.has_value());
    CHECK(s.sorry->endpoint == Endpoint{ip("192.168.219.30"), 80});
    CHECK(s.sorry->forwarding == Forwarding::direct_routing);  // the servers' method
    CHECK(s.sorry->where.line == 6);
    CHECK(c.name_of(ip("192.168.219.21")) == "web-01");
    CHECK(c.backend == BackendChoice::nftables);
    REQUIRE(c.sync.has_value());
    CHECK(c.sync->interface == "ens33");
    CHECK(c.sync->syncid == 7);
    CHECK(c.sync->where.line == 9);

    const LvsConfig nat = good("-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m\n"
                               "#@sorry -t 10.0.0.1:80 -r 10.0.1.9:81\n#@sync eth1\n"
                               "#@backend ipvs\n");
    CHECK(nat.services.at(0).sorry->forwarding == Forwarding::nat);
    CHECK(nat.services.at(0).sorry->endpoint == Endpoint{ip("10.0.1.9"), 81});
    CHECK(nat.sync->syncid == 0);
    CHECK(nat.backend == BackendChoice::ipvs);
}

TEST_CASE("rules: a direct-routing server on another port is a warning, not an error",
          "[lvs][rules]")
{
    const RulesResult result = parse_rules(
        "-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -g\n", path);
    REQUIRE(result.config.has_value());
    CHECK(formatted(result) ==
          Strings{"ipvsadm.rules:2: warning: real server 10.0.1.1:8080 with direct routing: the "
                  "port is not rewritten, packets keep port 80"});
}

namespace {

// Lines 1-4 of every bad file: two services, each with a server.
const std::string prefix = "-A -t 192.168.219.100:80 -s wlc\n"
                           "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1\n"
                           "-A -u 192.168.219.100:53 -s rr\n"
                           "-a -u 192.168.219.100:53 -r 192.168.219.21:53 -m\n";

struct BadRow {
    std::string name;
    std::string lines;  ///< appended to `prefix`, from line 5 on
    Strings expected;   ///< every diagnostic, formatted
};

const std::string vip = "-t 192.168.219.100:80";

const std::vector<BadRow> bad_rows = {
    {"unknown short option", "-a " + vip + " -r 192.168.219.22:80 -z\n",
     {"ipvsadm.rules:5: error: unknown option '-z'"}},
    {"unknown long option", "-a " + vip + " -r 192.168.219.22:80 --frobnicate\n",
     {"ipvsadm.rules:5: error: unknown option '--frobnicate'"}},
    {"missing value", "-a " + vip + " -r 192.168.219.22:80 -w\n",
     {"ipvsadm.rules:5: error: option '-w' needs a value"}},
    {"bad weight", "-a " + vip + " -r 192.168.219.22:80 -w heavy\n",
     {"ipvsadm.rules:5: error: weight 'heavy' is not a number 0-65535"}},
    {"weight 65536", "-a " + vip + " -r 192.168.219.22:80 --weight=65536\n",
     {"ipvsadm.rules:5: error: weight '65536' is not a number 0-65535"}},
    {"negative weight", "-a " + vip + " -r 192.168.219.22:80 -w -1\n",
     {"ipvsadm.rules:5: error: weight '-1' is not a number 0-65535"}},
    {"option twice", "-a " + vip + " -r 192.168.219.22:80 -w 1 --weight 2\n",
     {"ipvsadm.rules:5: error: option --weight given twice"}},
    {"value on a flag", "-a " + vip + " -r 192.168.219.22:80 -g1\n",
     {"ipvsadm.rules:5: error: option '-g1' takes no value"}},
    {"server option on -A", "-A -t 192.168.219.101:80 -w 1\n",
     {"ipvsadm.rules:5: error: option '-w' does not apply to -A (a virtual service)"}},
    {"service option on -a", "-a " + vip + " -r 192.168.219.22:80 -s rr\n",
     {"ipvsadm.rules:5: error: option '-s' does not apply to -a (a real server)"}},
    {"no command", "-t 192.168.219.101:80 -s rr\n",
     {"ipvsadm.rules:5: error: a rules line starts with -A (a virtual service) or -a (a real "
      "server), not '-t'"}},
    {"-a without -r", "-a " + vip + " -w 1\n",
     {"ipvsadm.rules:5: error: -a needs a real server: -r ADDR[:PORT]"}},
    {"-a without a service", "-a -r 192.168.219.22:80\n",
     {"ipvsadm.rules:5: error: -a needs the service it belongs to: -t ADDR:PORT, -u ADDR:PORT "
      "or -f MARK"}},
    {"-A without a service", "-A -s rr\n",
     {"ipvsadm.rules:5: error: -A needs a service: -t ADDR:PORT, -u ADDR:PORT or -f MARK"}},
    {"two services on a line", "-A -t 192.168.219.101:80 -u 192.168.219.101:53\n",
     {"ipvsadm.rules:5: error: more than one virtual service on the line"}},
    {"two methods", "-a " + vip + " -r 192.168.219.22:80 -g -m\n",
     {"ipvsadm.rules:5: error: more than one forwarding method (-g, -m, -i) on the line"}},
    {"tunnel options without -i", "-a " + vip + " -r 192.168.219.22:80 -g --tun-type gue\n",
     {"ipvsadm.rules:5: error: --tun-* options apply to tunnel (-i) real servers only"}},
    {"undefined service for -a", "-a -t 192.168.219.101:80 -r 192.168.219.22:80\n",
     {"ipvsadm.rules:5: error: service -t 192.168.219.101:80 is not defined (its -A line must "
      "come first)"}},
    {"service defined twice", "-A " + vip + " -s rr\n",
     {"ipvsadm.rules:5: error: service -t 192.168.219.100:80 is defined twice (first on line 1)"}},
    {"server twice", "-a " + vip + " -r 192.168.219.21:80 -g -w 2\n",
     {"ipvsadm.rules:5: error: real server 192.168.219.21:80 is added to -t 192.168.219.100:80 "
      "twice (first on line 2)"}},
    {"server twice, port filled in", "-a " + vip + " -r 192.168.219.21\n",
     {"ipvsadm.rules:5: error: real server 192.168.219.21:80 is added to -t 192.168.219.100:80 "
      "twice (first on line 2)"}},
    {"port 0 without -p", "-A -t 192.168.219.101:0 -s wlc\n",
     {"ipvsadm.rules:5: error: service -t 192.168.219.101:0: port 0 (every port) needs "
      "persistence (-p), as in ipvsadm"}},
    {"-M without -p", "-A -t 192.168.219.101:80 -M 255.255.255.0\n",
     {"ipvsadm.rules:5: error: -M applies to persistent services only (add -p)"}},
    {"-M not contiguous", "-A -t 192.168.219.101:80 -p -M 255.0.255.0\n",
     {"ipvsadm.rules:5: error: persistence netmask '255.0.255.0' is not a contiguous dotted "
      "netmask"}},
    {"persistence 0", "-A -t 192.168.219.101:80 -p 0\n",
     {"ipvsadm.rules:5: error: persistence timeout '0' is not a number 1-2678400"}},
    {"-C in a file", "-C\n",
     {"ipvsadm.rules:5: error: '-C' does not belong in a rules file: it would clear every "
      "service on the director (a rules file holds -A and -a lines, as `ipvsadm-save -n` "
      "writes)"}},
    {"-D in a file", "ipvsadm -D " + vip + "\n",
     {"ipvsadm.rules:5: error: '-D' does not belong in a rules file: it deletes a service (a "
      "rules file holds -A and -a lines, as `ipvsadm-save -n` writes)"}},
    {"unknown scheduler", "-A -t 192.168.219.101:80 -s fastest\n",
     {"ipvsadm.rules:5: error: unknown scheduler 'fastest' (IPVS has rr, wrr, lc, wlc, lblc, "
      "lblcr, dh, sh, sed, nq, fo, ovf, mh)"}},
    {"unknown scheduler flag", "-A -t 192.168.219.101:80 -s sh -b sh-port,sh-foo\n",
     {"ipvsadm.rules:5: error: unknown scheduler flag 'sh-foo'"}},
    {"fwmark 0", "-A -f 0 -s rr\n",
     {"ipvsadm.rules:5: error: firewall mark '0' is not a number 1-4294967295"}},
    {"service without port", "-A -t 192.168.219.101 -s rr\n",
     {"ipvsadm.rules:5: error: '192.168.219.101' has no port (expected ADDRESS:PORT)"}},
    {"port out of range", "-A -t 192.168.219.101:65536\n",
     {"ipvsadm.rules:5: error: '65536' is not a port number 0-65535"}},
    {"IPv6 address", "-A -t [2001:db8::1]:80 -s wlc\n",
     {"ipvsadm.rules:5: error: IPv6 addresses are not supported"}},
    {"host name instead of an address", "-A -t www.example.com:80 -s wlc\n",
     {"ipvsadm.rules:5: error: 'www.example.com' is not a numeric IPv4 address (write "
      "addresses as `ipvsadm-save -n` does)"}},
    {"host name for a real server", "-a " + vip + " -r web-02:80\n",
     {"ipvsadm.rules:5: error: 'web-02' is not a numeric IPv4 address (write addresses as "
      "`ipvsadm-save -n` does)"}},
    {"empty #@ line", "#@\n",
     {"ipvsadm.rules:5: error: empty #@ line (expected check, sorry, name, backend or sync)"}},
    {"unknown #@ keyword", "#@weight 3\n",
     {"ipvsadm.rules:5: error: unknown extension #@weight (expected check, sorry, name, backend "
      "or sync; write '# @' for a comment)"}},
    // #@check
    {"check: nothing", "#@check\n",
     {"ipvsadm.rules:5: error: expected a service (-t ADDR:PORT, -u ADDR:PORT or -f MARK)"}},
    {"check: no service", "#@check TCP_CHECK fall=3\n",
     {"ipvsadm.rules:5: error: expected a service (-t ADDR:PORT, -u ADDR:PORT or -f MARK), not "
      "'TCP_CHECK'"}},
    {"check: undefined service", "#@check -t 192.168.219.101:80 TCP_CHECK\n",
     {"ipvsadm.rules:5: error: service -t 192.168.219.101:80 is not defined (its -A line must "
      "come first)"}},
    {"check: no kind", "#@check " + vip + "\n",
     {"ipvsadm.rules:5: error: expected the check's kind: TCP_CHECK or HTTP_GET"}},
    {"check: unknown kind", "#@check " + vip + " PING_CHECK\n",
     {"ipvsadm.rules:5: error: unknown check 'PING_CHECK' (expected TCP_CHECK or HTTP_GET)"}},
    {"check: not key=value", "#@check " + vip + " TCP_CHECK fall\n",
     {"ipvsadm.rules:5: error: expected key=value, not 'fall'"}},
    {"check: empty key", "#@check " + vip + " TCP_CHECK =3\n",
     {"ipvsadm.rules:5: error: expected key=value, not '=3'"}},
    {"check: key twice", "#@check " + vip + " TCP_CHECK fall=2 fall=3\n",
     {"ipvsadm.rules:5: error: setting 'fall' given twice"}},
    {"check: fall 0", "#@check " + vip + " TCP_CHECK fall=0\n",
     {"ipvsadm.rules:5: error: fall '0' is not a count 1-1000"}},
    {"check: bad interval", "#@check " + vip + " TCP_CHECK interval=often\n",
     {"ipvsadm.rules:5: error: interval 'often' is not a positive duration (e.g. 2 or 500ms)"}},
    {"check: zero timeout", "#@check " + vip + " TCP_CHECK timeout=0\n",
     {"ipvsadm.rules:5: error: timeout '0' is not a positive duration (e.g. 2 or 500ms)"}},
    {"check: port 0", "#@check " + vip + " TCP_CHECK port=0\n",
     {"ipvsadm.rules:5: error: port '0' is not a port number 1-65535"}},
    {"check: HTTP setting on TCP_CHECK", "#@check " + vip + " TCP_CHECK path=/\n",
     {"ipvsadm.rules:5: error: unknown setting 'path' for TCP_CHECK (interval, timeout, fall, "
      "rise, port)"}},
    {"check: unknown HTTP setting", "#@check " + vip + " HTTP_GET method=HEAD\n",
     {"ipvsadm.rules:5: error: unknown setting 'method' for HTTP_GET (interval, timeout, fall, "
      "rise, port, path, status, digest, host)"}},
    {"check: relative path", "#@check " + vip + " HTTP_GET path=index.html\n",
     {"ipvsadm.rules:5: error: path 'index.html' must start with '/' and hold no blanks"}},
    {"check: bad status", "#@check " + vip + " HTTP_GET status=200,999\n",
     {"ipvsadm.rules:5: error: status '999' is not an HTTP status code 100-599"}},
    {"check: empty status", "#@check " + vip + " HTTP_GET status=\n",
     {"ipvsadm.rules:5: error: status needs at least one code"}},
    {"check: short digest", "#@check " + vip + " HTTP_GET digest=5d41402abc\n",
     {"ipvsadm.rules:5: error: digest '5d41402abc' is not an MD5 digest (32 hex digits)"}},
    {"check: empty host", "#@check " + vip + " HTTP_GET host=\n",
     {"ipvsadm.rules:5: error: host '' is not a host name"}},
    {"check: timeout longer than interval", "#@check " + vip + " TCP_CHECK interval=2 timeout=3\n",
     {"ipvsadm.rules:5: error: timeout 3000ms is longer than interval 2000ms (a probe must end "
      "before the next starts)"}},
    {"check: default timeout longer than a short interval", "#@check " + vip +
                                                                " TCP_CHECK interval=1\n",
     {"ipvsadm.rules:5: error: timeout 3000ms is longer than interval 1000ms (a probe must end "
      "before the next starts)"}},
    {"check: UDP service", "#@check -u 192.168.219.100:53 TCP_CHECK\n",
     {"ipvsadm.rules:5: error: checks of UDP services are not supported (TCP_CHECK and HTTP_GET "
      "connect over TCP); check the servers through a TCP port with port=N on a TCP service, or "
      "leave the UDP service unchecked"}},
    {"check: -r without a server", "#@check " + vip + " -r\n",
     {"ipvsadm.rules:5: error: -r needs a real server ADDR[:PORT]"}},
    {"check: -r server not in the service", "#@check " + vip + " -r 192.168.219.29:80 TCP_CHECK\n",
     {"ipvsadm.rules:5: error: real server 192.168.219.29:80 is not in -t 192.168.219.100:80 "
      "(its -a line must come first)"}},
    {"check: service check twice", "#@check " + vip + " TCP_CHECK\n#@check " + vip + " HTTP_GET\n",
     {"ipvsadm.rules:6: error: service -t 192.168.219.100:80 already has a check (line 5)"}},
    {"check: server check twice", "#@check " + vip + " -r 192.168.219.21 TCP_CHECK\n#@check " +
                                      vip + " -r 192.168.219.21:80 TCP_CHECK\n",
     {"ipvsadm.rules:6: error: real server 192.168.219.21:80 already has a check (line 5)"}},
    // #@sorry
    {"sorry: no server", "#@sorry " + vip + "\n",
     {"ipvsadm.rules:5: error: #@sorry needs a server: -r ADDR[:PORT]"}},
    {"sorry: a weight", "#@sorry " + vip + " -r 192.168.219.30 -w 2\n",
     {"ipvsadm.rules:5: error: #@sorry takes -r and a forwarding method only"}},
    {"sorry: a service option", "#@sorry " + vip + " -r 192.168.219.30 -s rr\n",
     {"ipvsadm.rules:5: error: option '-s' does not apply to -a (a real server)"}},
    {"sorry: undefined service", "#@sorry -t 192.168.219.101:80 -r 192.168.219.30\n",
     {"ipvsadm.rules:5: error: service -t 192.168.219.101:80 is not defined (its -A line must "
      "come first)"}},
    {"sorry: host name", "#@sorry " + vip + " -r sorry.example.com\n",
     {"ipvsadm.rules:5: error: 'sorry.example.com' is not a numeric IPv4 address (write "
      "addresses as `ipvsadm-save -n` does)"}},
    {"sorry: twice", "#@sorry " + vip + " -r 192.168.219.30\n#@sorry " + vip +
                         " -r 192.168.219.31\n",
     {"ipvsadm.rules:6: error: service -t 192.168.219.100:80 already has a sorry server (line 5)"}},
    // #@name
    {"name: no name", "#@name 192.168.219.21\n",
     {"ipvsadm.rules:5: error: expected #@name ADDRESS NAME"}},
    {"name: two names", "#@name 192.168.219.21 web 01\n",
     {"ipvsadm.rules:5: error: expected #@name ADDRESS NAME"}},
    {"name: not an address", "#@name web-01 192.168.219.21\n",
     {"ipvsadm.rules:5: error: 'web-01' is not an IPv4 address"}},
    {"name: parenthesis", "#@name 192.168.219.21 web(1)\n",
     {"ipvsadm.rules:5: error: name 'web(1)' holds a character we do not put in log lines"}},
    {"name: twice", "#@name 192.168.219.21 web-01\n#@name 192.168.219.21 www\n",
     {"ipvsadm.rules:6: error: 192.168.219.21 is already named 'web-01'"}},
    // #@backend
    {"backend: unknown", "#@backend kernel\n",
     {"ipvsadm.rules:5: error: expected #@backend auto, ipvs or nftables"}},
    {"backend: missing", "#@backend\n",
     {"ipvsadm.rules:5: error: expected #@backend auto, ipvs or nftables"}},
    {"backend: twice", "#@backend ipvs\n#@backend ipvs\n",
     {"ipvsadm.rules:6: error: #@backend given twice (first on line 5)"}},
    // #@sync
    {"sync: no interface", "#@sync\n",
     {"ipvsadm.rules:5: error: expected #@sync INTERFACE [syncid N]"}},
    {"sync: other keyword", "#@sync ens33 id 3\n",
     {"ipvsadm.rules:5: error: expected #@sync INTERFACE [syncid N]"}},
    {"sync: syncid 256", "#@sync ens33 syncid 256\n",
     {"ipvsadm.rules:5: error: syncid '256' is not a number 0-255"}},
    {"sync: interface name too long", "#@sync averyveryverylongname\n",
     {"ipvsadm.rules:5: error: 'averyveryverylongname' is not an interface name"}},
    {"sync: an address", "#@sync 10.0.0.1:8848\n",
     {"ipvsadm.rules:5: error: '10.0.0.1:8848' is not an interface name"}},
    {"sync: twice", "#@sync ens33\n#@sync ens34\n",
     {"ipvsadm.rules:6: error: #@sync given twice (first on line 5)"}},
};

}  // namespace

TEST_CASE("rules: each bad line gives its FILE:LINE error and no config", "[lvs][rules]")
{
    for (const BadRow& row : bad_rows) {
        INFO(row.name);
        const RulesResult result = parse_rules(prefix + row.lines, path);
        INFO(dump(result));
        CHECK(formatted(result) == row.expected);
        CHECK_FALSE(result.config.has_value());
    }
}

TEST_CASE("rules: the prefix of the bad rows is itself good", "[lvs][rules]")
{
    // Otherwise a row could pass on a diagnostic the prefix causes.
    const LvsConfig c = good(prefix);
    CHECK(c.services.size() == 2);
}

TEST_CASE("rules: every bad line of a file is reported, each at its line", "[lvs][rules]")
{
    const RulesResult result = parse_rules("-A -t 10.0.0.1:80\n"
                                           "-a -t 10.0.0.1:80 -r 10.0.1.1 -w lots\n"
                                           "-a -t 10.0.0.1:80 -r 10.0.1.2\n"
                                           "-A -t 10.0.0.2:80 -s quickest\n"
                                           "# fine\n"
                                           "#@check -t 10.0.0.1:80 SMTP_CHECK\n"
                                           "-a -t 10.0.0.1:80 -r 10.0.1.3\n",
                                           path);
    CHECK_FALSE(result.config.has_value());
    CHECK(result.diagnostics.count(hb::base::Severity::error) == 3);
    std::vector<int> lines;
    for (const auto& d : result.diagnostics.all()) {
        lines.push_back(d.where.line);
    }
    CHECK(lines == std::vector<int>{2, 4, 6});
}

TEST_CASE("rules: a file without any service is a whole-file error", "[lvs][rules]")
{
    for (const std::string text : {"", "\n\n", "# only a comment\n#@name 10.0.0.1 web\n"}) {
        INFO("text: " << text);
        const RulesResult result = parse_rules(text, path);
        CHECK_FALSE(result.config.has_value());
        REQUIRE(result.diagnostics.all().size() == 1);
        const auto& d = result.diagnostics.all()[0];
        CHECK(d.where.line == 0);
        CHECK(hb::base::format(d) ==
              "ipvsadm.rules: error: no virtual service (-A line) in the file");
    }
    // A file whose only -A line is broken reports that line, not a second whole-file error.
    const RulesResult broken = parse_rules("-A -t 10.0.0.1:80 -s none\n", path);
    REQUIRE(broken.diagnostics.all().size() == 1);
    CHECK(broken.diagnostics.all()[0].where.line == 1);
}

TEST_CASE("rules: value texts", "[lvs][rules]")
{
    CHECK(format_ipv4(ip("192.168.219.100")) == "192.168.219.100");
    CHECK(format_ipv4(0) == "0.0.0.0");
    CHECK(format_ipv4(0xffffffffU) == "255.255.255.255");
    CHECK(format_endpoint({ip("10.0.0.1"), 65535}) == "10.0.0.1:65535");
    CHECK(to_option(Forwarding::direct_routing) == "-g");
    CHECK(to_option(Forwarding::nat) == "-m");
    CHECK(to_option(Forwarding::tunnel) == "-i");
    CHECK(to_string(Forwarding::nat) == "NAT");
    CHECK(to_string(Scheduler::lblcr) == "lblcr");
    CHECK(to_string(Scheduler::mh) == "mh");
    CHECK(to_string(CheckKind::tcp) == "TCP_CHECK");
    CHECK(to_string(CheckKind::http) == "HTTP_GET");
    CHECK(to_string(BackendChoice::automatic) == "auto");
    CHECK(to_string(Protocol::fwmark) == "fwmark");
    CHECK(describe(ServiceKey{Protocol::udp, ip("10.0.0.1"), 53, 0}) == "UDP 10.0.0.1:53");
}

TEST_CASE("rules: which services hash the client address only", "[lvs][rules]")
{
    struct Row {
        std::string service_line;
        bool source_only;
    };
    const std::vector<Row> rows = {
        {"-A -t 10.0.0.1:80 -s wlc", false},
        {"-A -t 10.0.0.1:80 -s wlc -p 60", true},
        {"-A -t 10.0.0.1:80 -s sh", true},
        {"-A -t 10.0.0.1:80 -s sh -b sh-port", false},
        {"-A -t 10.0.0.1:80 -s sh -b sh-fallback", true},
        {"-A -t 10.0.0.1:80 -s mh", true},
        {"-A -t 10.0.0.1:80 -s mh -b mh-port", false},
        {"-A -t 10.0.0.1:80 -s dh", false},
    };
    for (const Row& row : rows) {
        INFO(row.service_line);
        const LvsConfig c = good(row.service_line + "\n");
        CHECK(c.services.at(0).hashes_source_only() == row.source_only);
    }
}
