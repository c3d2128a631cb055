// SPDX-License-Identifier: GPL-2.0-or-later
// The data-plane plans (usable servers, the reference and current slot tables, the sorry
// server, IPVS weights) and their nftables text: chain structure and rule order for direct
// routing, DNAT/SNAT/guard for NAT, slot maps that hold exactly the plan, the map-only
// update, what the back end refuses, and stripping pin-set elements from `nft list table`.
// With root and nft, the rendered text also passes `nft -c` in a fresh network namespace.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/diagnostic.hpp"
#include "base/value_parsers.hpp"
#include "lvs/dataplane.hpp"
#include "lvs/nft_ruleset.hpp"
#include "lvs/rules.hpp"
#include "support/diagnostics.hpp"

using namespace hb::lvs;

namespace {

using Strings = std::vector<std::string>;
using Slots = std::map<std::size_t, std::string>;

const std::string rules_path = "/etc/ha.d/ipvsadm.rules";
const std::string table = "hb_lvs_etc_ha_d_ipvsadm_rules";
const std::string director_mac = "52:54:00:00:00:01";

Ipv4 ip(const char* text)
{
    const auto a = hb::base::parse_ipv4(text);
    REQUIRE(a.has_value());
    return *a;
}

LvsConfig parse(const std::string& text)
{
    RulesResult result = parse_rules(text, rules_path);
    INFO(hb::test::diagnostics_text(result.diagnostics));
    REQUIRE(result.config.has_value());
    return *result.config;
}

std::string mac_of(int host)
{
    return "52:54:00:00:00:" + std::to_string(host);
}

// A director with ens32 on 192.168.219.0/24 (VIPs and real servers) and ens33 on
// 192.168.56.0/24, and the MACs of 192.168.219.21-24 and .30 resolved (52:54:00:00:00:21, …).
Facts director()
{
    Facts f;
    f.route[ip("192.168.219.100")] = {"ens32", director_mac};
    f.route[ip("192.168.219.101")] = {"ens32", director_mac};
    f.route[ip("192.168.219.102")] = {"ens32", director_mac};
    for (int host : {21, 22, 23, 24, 30}) {
        const std::string a = "192.168.219." + std::to_string(host);
        f.route[ip(a.c_str())] = {"ens32", director_mac};
        f.neighbour[ip(a.c_str())] = mac_of(host);
    }
    for (int host : {21, 22, 30}) {
        const std::string a = "192.168.56." + std::to_string(host);
        f.route[ip(a.c_str())] = {"ens33", "52:54:00:00:01:01"};
    }
    return f;
}

const std::string dr_rules = "-A -t 192.168.219.100:80 -s wlc\n"
                             "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1\n"
                             "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g -w 1\n"
                             "-a -t 192.168.219.100:80 -r 192.168.219.23:80 -g -w 1\n"
                             "-a -t 192.168.219.100:80 -r 192.168.219.24:80 -g -w 0\n";
const std::string dr_sorry = "#@sorry -t 192.168.219.100:80 -r 192.168.219.30\n";

const std::string nat_rules = "-A -t 192.168.219.100:80 -s wlc\n"
                              "-a -t 192.168.219.100:80 -r 192.168.56.21:80 -m -w 1\n"
                              "-a -t 192.168.219.100:80 -r 192.168.56.22:80 -m -w 1\n";

constexpr Health up = Health::up;
constexpr Health down = Health::down;

// The `N : value` elements of `text` between `open` and the next " }".
Slots elements_after(const std::string& text, const std::string& open)
{
    Slots out;
    const auto at = text.find(open);
    if (at == std::string::npos) {
        return out;
    }
    const auto begin = at + open.size();
    const auto end = text.find(" }", begin);
    REQUIRE(end != std::string::npos);
    std::string list = text.substr(begin, end - begin);
    for (auto nl = list.find(",\n\t\t\t"); nl != std::string::npos; nl = list.find(",\n\t\t\t")) {
        list.replace(nl, 5, ", ");
    }
    std::size_t pos = 0;
    while (pos < list.size()) {
        auto comma = list.find(", ", pos);
        if (comma == std::string::npos) {
            comma = list.size();
        }
        const std::string element = list.substr(pos, comma - pos);
        const auto colon = element.find(" : ");
        REQUIRE(colon != std::string::npos);
        const auto slot = std::stoul(element.substr(0, colon));
        CHECK(out.count(slot) == 0);
        out[slot] = element.substr(colon + 3);
        pos = comma + 2;
    }
    return out;
}

// A map's elements in a full ruleset.
Slots map_elements(const std::string& ruleset, const std::string& map)
{
    const auto at = ruleset.find("\tmap " + map + " {\n");
    REQUIRE(at != std::string::npos);
    const auto close = ruleset.find("\n\t}\n", at);
    return elements_after(ruleset.substr(at, close - at), "elements = { ");
}

// What a DR slot table says, as verdicts: `goto s0_rK` (or VERB PREFIXK) for each slot whose
// server's MAC is known.
Slots as_verdicts(const std::vector<int>& slots, const Service& s, const Facts& facts,
                  const std::string& verb_prefix = "goto s0_r")
{
    Slots out;
    for (std::size_t slot = 0; slot < slots.size(); ++slot) {
        if (slots[slot] == no_backend) {
            continue;
        }
        const auto index = static_cast<std::size_t>(slots[slot]);
        const RealServer& r = index == sorry_index(s) ? *s.sorry : s.servers[index];
        if (facts.neighbour.contains(r.endpoint.address)) {
            out[slot] = verb_prefix + std::to_string(index);
        }
    }
    return out;
}

std::size_t count_of(const std::vector<int>& slots, int owner)
{
    return static_cast<std::size_t>(std::count(slots.begin(), slots.end(), owner));
}

}  // namespace

TEST_CASE("plan: usable servers, the sorry server and the current table", "[lvs][dataplane]")
{
    struct Row {
        std::string name;
        bool with_sorry;
        std::vector<Health> health;
        std::vector<int> unresolved;  ///< last octets whose MAC is unknown
        std::vector<bool> usable;
        bool sorry_active;
    };
    const std::vector<Row> rows = {
        {"all up", false, {up, up, up, up}, {}, {true, true, true, false}, false},
        {"one down", false, {up, down, up, up}, {}, {true, false, true, false}, false},
        {"one without a MAC", false, {up, up, up, up}, {23}, {true, true, false, false}, false},
        {"weight 0 is never usable", false, {up, up, up, up}, {24}, {true, true, true, false},
         false},
        {"all down, no sorry server", false, {down, down, down, down}, {},
         {false, false, false, false}, false},
        {"all down, the sorry server takes over", true, {down, down, down, up}, {},
         {false, false, false, false}, true},
        {"none reachable, the sorry server takes over", true, {up, up, up, up}, {21, 22, 23},
         {false, false, false, false}, true},
    };
    const LvsConfig plain = parse(dr_rules);
    const LvsConfig sorry = parse(dr_rules + dr_sorry);
    const ServicePlan healthy = plan_service(plain.services[0], {up, up, up, up}, director());
    for (const Row& row : rows) {
        INFO(row.name);
        const Service& s = (row.with_sorry ? sorry : plain).services[0];
        Facts facts = director();
        for (int host : row.unresolved) {
            facts.neighbour.erase(ip(("192.168.219." + std::to_string(host)).c_str()));
        }
        const ServicePlan plan = plan_service(s, row.health, facts);
        CHECK(plan.size == 4093);
        CHECK(plan.usable == row.usable);
        CHECK(plan.sorry_active == row.sorry_active);
        REQUIRE(plan.current.size() == plan.size);
        // The reference table ignores health and MACs: the same on both directors, always.
        CHECK(plan.reference == healthy.reference);
        CHECK(plan.seed == healthy.seed);
        if (row.sorry_active) {
            CHECK(count_of(plan.current, static_cast<int>(sorry_index(s))) == plan.size);
            continue;
        }
        const bool any = std::find(row.usable.begin(), row.usable.end(), true) != row.usable.end();
        CHECK(count_of(plan.current, no_backend) == (any ? 0 : plan.size));
        for (std::size_t i = 0; i < s.servers.size(); ++i) {
            if (!row.usable[i]) {
                CHECK(count_of(plan.current, static_cast<int>(i)) == 0);
            }
        }
        // Slots of servers that stay usable mostly keep their owner.
        std::size_t moved = 0;
        for (std::size_t slot = 0; slot < plan.size; ++slot) {
            const int ref = plan.reference[slot];
            if (ref != no_backend && row.usable[static_cast<std::size_t>(ref)] &&
                plan.current[slot] != ref) {
                ++moved;
            }
        }
        CHECK(moved < plan.size * 3 / 100);
    }
    // The reference holds every server of weight above 0, in equal shares under wlc.
    CHECK(count_of(healthy.reference, 3) == 0);
    CHECK(count_of(healthy.reference, no_backend) == 0);
    for (int i = 0; i < 3; ++i) {
        CHECK(count_of(healthy.reference, i) > 1300);
        CHECK(count_of(healthy.reference, i) < 1430);
    }
    CHECK(healthy.current == healthy.reference);
    // The seed comes from the service alone: fixed, as both directors must agree.
    CHECK(healthy.seed == 0xc930f19cU);
}

TEST_CASE("plan: NAT servers need no MAC", "[lvs][dataplane]")
{
    const LvsConfig c = parse(nat_rules);
    const ServicePlan plan = plan_service(c.services[0], {up, up}, Facts{});
    CHECK(plan.usable == std::vector<bool>{true, true});
    CHECK(count_of(plan.current, no_backend) == 0);
    CHECK(server_usable(c.services[0], 1, down, Facts{}) == false);
    CHECK(server_usable(c.services[0], 1, up, Facts{}) == true);
}

TEST_CASE("plan: how schedulers share the slots", "[lvs][dataplane]")
{
    const std::string servers = "-a -t 10.0.0.1:80 -r 10.0.1.1:80 -m -w 1\n"
                                "-a -t 10.0.0.1:80 -r 10.0.1.2:80 -m -w 3\n"
                                "-a -t 10.0.0.1:80 -r 10.0.1.3:80 -m -w 2\n";
    SECTION("rr ignores the weights, as IPVS does")
    {
        const LvsConfig c = parse("-A -t 10.0.0.1:80 -s rr\n" + servers);
        const ServicePlan plan = plan_service(c.services[0], {up, up, up}, Facts{});
        for (int i = 0; i < 3; ++i) {
            CHECK(count_of(plan.current, i) > 1300);
            CHECK(count_of(plan.current, i) < 1430);
        }
    }
    SECTION("wrr follows them")
    {
        const LvsConfig c = parse("-A -t 10.0.0.1:80 -s wrr\n" + servers);
        const ServicePlan plan = plan_service(c.services[0], {up, up, up}, Facts{});
        CHECK(count_of(plan.current, 1) > 2 * count_of(plan.current, 0));
        CHECK(count_of(plan.current, 2) > count_of(plan.current, 0));
        CHECK(count_of(plan.current, 1) > count_of(plan.current, 2));
    }
    SECTION("fo sends everything to the usable server of highest weight")
    {
        const LvsConfig c = parse("-A -t 10.0.0.1:80 -s fo\n" + servers);
        const ServicePlan all = plan_service(c.services[0], {up, up, up}, Facts{});
        CHECK(count_of(all.current, 1) == all.size);
        CHECK(count_of(all.reference, 1) == all.size);
        const ServicePlan second = plan_service(c.services[0], {up, down, up}, Facts{});
        CHECK(count_of(second.current, 2) == second.size);
        CHECK(second.reference == all.reference);
    }
}

TEST_CASE("plan: what IPVS should hold", "[lvs][dataplane]")
{
    const LvsConfig c = parse(dr_rules + dr_sorry);
    SECTION("a down server is quiesced with weight 0")
    {
        HealthTable h = all_up(c);
        REQUIRE(h.size() == 1);
        REQUIRE(h[0].size() == 4);
        h[0][0] = down;
        const auto plan = plan_ipvs(c, h);
        REQUIRE(plan.size() == 1);
        REQUIRE(plan[0].size() == 4);
        CHECK(plan[0][0].server.weight == 0);
        CHECK(plan[0][1].server.weight == 1);
        CHECK(plan[0][3].server.weight == 0);  // weight 0 in the file
        CHECK_FALSE(plan[0][0].sorry);
    }
    SECTION("everyone down: the sorry server is added")
    {
        const auto plan = plan_ipvs(c, {{down, down, down, up}});
        REQUIRE(plan[0].size() == 5);
        CHECK(plan[0][4].sorry);
        CHECK(plan[0][4].server.endpoint == Endpoint{ip("192.168.219.30"), 80});
        CHECK(plan[0][4].server.weight == 1);
    }
    SECTION("plan_all plans every service")
    {
        const LvsConfig two = parse(dr_rules + "-A -t 192.168.219.101:80\n"
                                               "-a -t 192.168.219.101:80 -r 192.168.219.21:80\n");
        const auto plans = plan_all(two, all_up(two), director());
        REQUIRE(plans.size() == 2);
        CHECK(plans[1].usable == std::vector<bool>{true});
        CHECK(plans[0].seed != plans[1].seed);
    }
}

TEST_CASE("nft: a direct-routing TCP service", "[lvs][nft]")
{
    const LvsConfig c = parse(dr_rules);
    const Facts facts = director();
    const auto plans = plan_all(c, {{up, down, up, up}}, facts);
    const auto rendered = render_nft(c, plans, facts, table);
    REQUIRE(rendered.ok());
    const std::string& text = rendered.value();
    INFO(text.substr(0, 3000));

    // One transaction that replaces both tables whole.
    CHECK(text.starts_with("# ipvsadm-wrapper: the data plane of /etc/ha.d/ipvsadm.rules\n"
                           "add table netdev " + table + "\ndelete table netdev " + table +
                           "\ntable netdev " + table + " {\n"));
    CHECK(text.find("add table ip " + table + "\ndelete table ip " + table + "\ntable ip " + table +
                    " {\n") != std::string::npos);

    // One pin set per server (connections pinned to it), declared empty.
    for (int k = 0; k < 4; ++k) {
        const std::string pin = "s0_pin" + std::to_string(k);
        CHECK(text.find("\tset " + pin + " {\n\t\ttypeof ip saddr . tcp sport\n"
                        "\t\tsize 65536\n\t\tflags dynamic,timeout\n\t\ttimeout 15m\n\t}\n") !=
              std::string::npos);
        // Its new-connection chain: pin, then go to the server.
        CHECK(text.find("\tchain s0_new" + std::to_string(k) + " {\n\t\tadd @" + pin +
                        " { ip saddr . tcp sport } goto s0_r" + std::to_string(k) + "\n\t}\n") !=
              std::string::npos);
    }
    CHECK(text.find("\tmap s0_ref {\n\t\ttypeof numgen inc mod 2 : verdict\n") !=
          std::string::npos);
    // A server's chain rewrites the MACs and sends the frame out again.
    CHECK(text.find("\tchain s0_r1 {\n\t\tether daddr set 52:54:00:00:00:22 ether saddr set "
                    "52:54:00:00:00:01 fwd to \"ens32\"\n\t}\n") != std::string::npos);

    // The ingress chain of the VIP's interface, matching the director's MAC, VIP and port.
    CHECK(text.find("\tchain in_ens32 {\n"
                    "\t\ttype filter hook ingress device \"ens32\" priority 0; policy accept;\n"
                    "\t\tether daddr 52:54:00:00:00:01 ip daddr 192.168.219.100 tcp dport 80 "
                    "jump s0\n\t}\n") != std::string::npos);

    // The service chain: its rules in the documented order.
    const std::string hash = "jhash ip saddr . tcp sport mod 4093 seed 0xc930f19c";
    const std::string key = "ip saddr . tcp sport";
    Strings rules = {"\tchain s0 {\n",
                     "\t\ttcp flags & (syn | ack) == syn delete @s0_pin0 { " + key +
                         " } delete @s0_pin1 { " + key + " } delete @s0_pin2 { " + key +
                         " } delete @s0_pin3 { " + key + " }\n"};
    for (int k = 0; k < 4; ++k) {
        const std::string pin = "s0_pin" + std::to_string(k);
        rules.push_back("\t\t" + key + " @" + pin + " update @" + pin + " { " + key +
                        " } goto s0_r" + std::to_string(k) + "\n");
    }
    rules.push_back("\t\ttcp flags & (syn | ack) == syn " + hash + " vmap @s0_moved\n");
    rules.push_back("\t\t" + hash + " vmap @s0_ref\n");
    rules.push_back("\t\t" + hash + " vmap @s0_moved\n");
    rules.push_back("\t\tdrop\n\t}\n");
    std::size_t at = text.find(rules[0]);
    REQUIRE(at != std::string::npos);
    for (const std::string& rule : rules) {
        INFO("rule: " << rule);
        CHECK(text.compare(at, rule.size(), rule) == 0);  // each right after the one before
        at += rule.size();
    }

    // The input guard keeps VIP packets nobody forwarded from the director's own stack.
    CHECK(text.find("\tchain input {\n\t\ttype filter hook input priority filter; policy "
                    "accept;\n\t\tiifname != \"lo\" ip daddr 192.168.219.100 tcp dport 80 "
                    "drop\n\t}\n") != std::string::npos);
    CHECK(text.find("dnat") == std::string::npos);

    // The slot maps hold the plan: @ref every slot's file server, @moved the slots whose
    // server is out (here 192.168.219.22), sent through the current one's pinning chain.
    const Service& s = c.services[0];
    CHECK(map_elements(text, "s0_ref") == as_verdicts(plans[0].reference, s, facts));
    Slots moved;
    const Slots current = as_verdicts(plans[0].current, s, facts, "jump s0_new");
    for (std::size_t slot = 0; slot < plans[0].size; ++slot) {
        if (plans[0].current[slot] != plans[0].reference[slot]) {
            moved[slot] = current.at(slot);
        }
    }
    for (std::size_t slot = 0; slot < plans[0].size; ++slot) {
        if (plans[0].reference[slot] == 1) {
            CHECK(moved.count(slot) == 1);
        }
    }
    CHECK(moved.size() < count_of(plans[0].reference, 1) + plans[0].size * 3 / 100);
    CHECK(map_elements(text, "s0_moved") == moved);
    CHECK(nft_pin_sets(c) == Strings{"s0_pin0", "s0_pin1", "s0_pin2", "s0_pin3"});
}

TEST_CASE("nft: a direct-routing UDP service hashes into the current table", "[lvs][nft]")
{
    const LvsConfig c = parse("-A -u 192.168.219.100:53 -s rr\n"
                              "-a -u 192.168.219.100:53 -r 192.168.219.21:53 -g\n"
                              "-a -u 192.168.219.100:53 -r 192.168.219.22:53 -g\n");
    const Facts facts = director();
    const auto plans = plan_all(c, all_up(c), facts);
    const auto rendered = render_nft(c, plans, facts, table);
    REQUIRE(rendered.ok());
    const std::string& text = rendered.value();
    CHECK(text.find("_pin") == std::string::npos);
    CHECK(text.find("\tchain s0 {\n\t\tjhash ip saddr . udp sport mod 4093 seed " +
                    std::string("0x")) != std::string::npos);
    CHECK(text.find("vmap @s0_current\n\t\tdrop\n\t}\n") != std::string::npos);
    CHECK(text.find("ip daddr 192.168.219.100 udp dport 53 jump s0") != std::string::npos);
    CHECK(map_elements(text, "s0_current") == as_verdicts(plans[0].current, c.services[0], facts));
    CHECK(nft_pin_sets(c).empty());
}

TEST_CASE("nft: a NAT service", "[lvs][nft]")
{
    const LvsConfig c = parse(nat_rules + "#@sorry -t 192.168.219.100:80 -r 192.168.56.30:8080\n");
    const Facts facts = director();
    const auto plans = plan_all(c, all_up(c), facts);
    const auto rendered = render_nft(c, plans, facts, table);
    REQUIRE(rendered.ok());
    const std::string& text = rendered.value();
    INFO(text.substr(0, 3000));
    CHECK(text.find("table netdev") == std::string::npos);
    CHECK(text.starts_with("# ipvsadm-wrapper: the data plane of /etc/ha.d/ipvsadm.rules\n"
                           "add table ip " + table + "\ndelete table ip " + table +
                           "\ntable ip " + table + " {\n"));
    CHECK(text.find("\tmap s0_current {\n\t\ttypeof numgen inc mod 2 : ip daddr . tcp dport\n") !=
          std::string::npos);
    CHECK(text.find("\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy "
                    "accept;\n\t\tip daddr 192.168.219.100 tcp dport 80 dnat ip to jhash ip saddr "
                    ". tcp sport mod 4093 seed 0xc930f19c map @s0_current\n\t}\n") !=
          std::string::npos);
    // The pickup of connections first heard from the server's side after a failover.
    CHECK(text.find("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; "
                    "policy accept;\n\t\tip saddr . tcp sport { 192.168.56.21 . 80, 192.168.56.22 "
                    ". 80, 192.168.56.30 . 8080 } snat ip to 192.168.219.100:80\n\t}\n") !=
          std::string::npos);
    CHECK(text.find("\tchain input {\n\t\ttype filter hook input priority filter; policy "
                    "accept;\n\t\tiifname != \"lo\" ip daddr 192.168.219.100 tcp dport 80 "
                    "drop\n\t}\n") != std::string::npos);
    Slots want;
    for (std::size_t slot = 0; slot < plans[0].size; ++slot) {
        want[slot] = plans[0].current[slot] == 0 ? "192.168.56.21 . 80" : "192.168.56.22 . 80";
    }
    CHECK(map_elements(text, "s0_current") == want);

    // Everyone down: every slot goes to the sorry server.
    const auto sorry_plans = plan_all(c, {{down, down}}, facts);
    const auto sorry = render_nft(c, sorry_plans, facts, table);
    REQUIRE(sorry.ok());
    const Slots to_sorry = map_elements(sorry.value(), "s0_current");
    CHECK(to_sorry.size() == 4093);
    CHECK(std::all_of(to_sorry.begin(), to_sorry.end(),
                      [](const auto& e) { return e.second == "192.168.56.30 . 8080"; }));
}

TEST_CASE("nft: what this machine lacks is a render error", "[lvs][nft]")
{
    struct Row {
        std::string name;
        std::string rules;
        Facts facts;
        std::string message;
    };
    Facts no_vip = director();
    no_vip.route.erase(ip("192.168.219.100"));
    Facts no_server_route = director();
    no_server_route.route.erase(ip("192.168.219.22"));
    Facts two_ifaces = director();
    two_ifaces.route[ip("192.168.219.22")] = {"ens33", "52:54:00:00:01:01"};
    const std::string rules = "-A -t 192.168.219.100:80\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g\n";
    const std::vector<Row> rows = {
        {"no route to the VIP", rules, no_vip,
         "service -t 192.168.219.100:80: no interface of this director has a connected route to "
         "192.168.219.100 (direct routing needs the VIP's network on an interface)"},
        {"no route to a real server", rules, no_server_route,
         "real server 192.168.219.22:80 (line 3): no interface of this director has a connected "
         "route to it (direct routing needs the real servers on a directly attached network)"},
        {"real servers on two interfaces", rules, two_ifaces,
         "service -t 192.168.219.100:80: its real servers are on different interfaces (ens32, "
         "ens33); direct routing through nftables sends a service's packets out of one"},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        const LvsConfig c = parse(row.rules);
        const auto plans = plan_all(c, all_up(c), row.facts);
        const auto full = render_nft(c, plans, row.facts, table);
        REQUIRE_FALSE(full.ok());
        CHECK(full.error().message == row.message);
        const auto maps = render_nft_maps(c, plans, row.facts, table);
        REQUIRE_FALSE(maps.ok());
        CHECK(maps.error().message == row.message);
    }
    // NAT needs no route to its VIP from the renderer.
    const LvsConfig nat = parse(nat_rules);
    CHECK(render_nft(nat, plan_all(nat, all_up(nat), Facts{}), Facts{}, table).ok());
}

TEST_CASE("nft: the map update flushes and refills slot maps only", "[lvs][nft]")
{
    const LvsConfig c = parse(dr_rules + "-A -t 192.168.219.101:80\n"
                                         "-a -t 192.168.219.101:80 -r 192.168.56.21:80 -m\n"
                                         "-a -t 192.168.219.101:80 -r 192.168.56.22:80 -m\n");
    const Facts facts = director();
    SECTION("everyone up: @s0_moved is flushed and left empty")
    {
        const auto plans = plan_all(c, all_up(c), facts);
        const auto update = render_nft_maps(c, plans, facts, "T");
        REQUIRE(update.ok());
        const std::string& text = update.value();
        Strings heads;
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
            if (!line.starts_with("\t")) {
                heads.push_back(line.substr(0, line.find(" {")));
            }
        }
        Strings expected{"# ipvsadm-wrapper: slot maps of /etc/ha.d/ipvsadm.rules"};
        for (int k = 0; k < 4; ++k) {
            const std::string chain = "s0_r" + std::to_string(k);
            expected.push_back("flush chain netdev T " + chain);
            expected.push_back("add rule netdev T " + chain + " ether daddr set 52:54:00:00:00:2" +
                               std::to_string(k + 1) + " ether saddr set 52:54:00:00:00:01 fwd to "
                               "\"ens32\"");
        }
        for (const char* line : {"flush map netdev T s0_ref", "add element netdev T s0_ref",
                                 "flush map netdev T s0_moved", "flush map ip T s1_current",
                                 "add element ip T s1_current"}) {
            expected.emplace_back(line);
        }
        CHECK(heads == expected);
        CHECK(text.find("_pin") == std::string::npos);  // connections in progress stay pinned
        CHECK(elements_after(text, "add element netdev T s0_ref { ") ==
              as_verdicts(plans[0].reference, c.services[0], facts));
    }
    SECTION("a server down: @s0_moved is refilled with exactly what the full ruleset has")
    {
        const auto plans = plan_all(c, {{down, up, up, up}, {up, down}}, facts);
        const auto update = render_nft_maps(c, plans, facts, "T");
        const auto full = render_nft(c, plans, facts, "T");
        REQUIRE(update.ok());
        REQUIRE(full.ok());
        const std::string& text = update.value();
        CHECK(text.find("_pin") == std::string::npos);
        CHECK(text.find("table") == std::string::npos);
        CHECK(text.find("chain netdev T s0 ") == std::string::npos);  // service chain untouched
        const std::vector<std::pair<std::string, std::string>> refilled = {
            {"netdev", "s0_ref"}, {"netdev", "s0_moved"}, {"ip", "s1_current"}};
        for (const auto& [family, map] : refilled) {
            INFO(map);
            const Slots refill =
                elements_after(text, "add element " + family + " T " + map + " { ");
            CHECK_FALSE(refill.empty());
            CHECK(refill == map_elements(full.value(), map));
        }
        const Slots nat = elements_after(text, "add element ip T s1_current { ");
        CHECK(std::all_of(nat.begin(), nat.end(),
                          [](const auto& e) { return e.second == "192.168.56.21 . 80"; }));
    }
}

TEST_CASE("nft: what the back end cannot do is reported at its line", "[lvs][nft]")
{
    struct Row {
        std::string name;
        std::string rules;
        Strings expected;
    };
    const std::string vip = "-t 192.168.219.100:80";
    const std::vector<Row> rows = {
        {"a clean DR file", dr_rules, {}},
        {"tunnel", "-A " + vip + "\n-a " + vip + " -r 10.0.0.1:80 -i\n",
         {"ipvsadm.rules:2: error: the nftables back end has no IP-in-IP tunnel (-i); use kernel "
          "IPVS (#@backend ipvs) or direct routing (-g)"}},
        {"mixed -g and -m", "-A " + vip + "\n-a " + vip + " -r 10.0.0.1:80 -g\n-a " + vip +
                                " -r 10.0.0.2:80 -m\n",
         {"ipvsadm.rules:3: error: service -t 192.168.219.100:80 mixes direct routing and NAT real "
          "servers; the nftables back end needs one method per service"}},
        {"a sorry server with another method", "-A " + vip + "\n-a " + vip +
                                                   " -r 10.0.0.1:80 -m\n#@sorry " + vip +
                                                   " -r 10.0.0.9:80 -g\n",
         {"ipvsadm.rules:3: error: the sorry server of -t 192.168.219.100:80 must use the "
          "service's forwarding method (-m)"}},
        {"fwmark with -g", "-A -f 1 -s rr\n-a -f 1 -r 10.0.0.1 -g\n",
         {"ipvsadm.rules:1: error: fwmark service -f 1 with direct routing: packets are marked "
          "after the netdev ingress hook where nftables direct routing runs; use kernel IPVS "
          "(#@backend ipvs), NAT (-m), or a -t/-u service"}},
        {"fwmark NAT server with a port", "-A -f 1 -s rr\n-a -f 1 -r 10.0.0.1:8080 -m\n",
         {"ipvsadm.rules:2: error: real server 10.0.0.1:8080 of -f 1: the nftables back end keeps "
          "the packet's port for fwmark and port-0 services; write the server as ADDR:0"}},
        {"--pe and -p", "-A -t 192.168.219.100:5060 -s wlc -p 60 --pe sip\n",
         {"ipvsadm.rules:1: error: persistence engine --pe sip needs kernel IPVS (#@backend ipvs)",
          "ipvsadm.rules:1: warning: persistence -p 60: the nftables back end hashes the client "
          "address instead, so a client keeps its server as long as that server is usable, with "
          "no timeout"}},
        {"-p", "-A " + vip + " -p\n-a " + vip + " -r 10.0.0.1:80 -m\n",
         {"ipvsadm.rules:1: warning: persistence -p 300: the nftables back end hashes the client "
          "address instead, so a client keeps its server as long as that server is usable, with "
          "no timeout"}},
        {"-x/-y", "-A " + vip + "\n-a " + vip + " -r 10.0.0.1:80 -m\n-a " + vip +
                      " -r 10.0.0.2:80 -m -x 100 -y 50\n",
         {"ipvsadm.rules:3: warning: connection thresholds (-x/-y) need connection counts, which "
          "the nftables back end does not keep; ignored"}},
    };
    for (const Row& row : rows) {
        INFO(row.name);
        const RulesResult parsed = parse_rules(row.rules, "ipvsadm.rules");
        REQUIRE(parsed.config.has_value());
        const hb::base::Diagnostics diagnostics = nftables_diagnostics(*parsed.config);
        Strings got;
        for (const auto& d : diagnostics.all()) {
            got.push_back(hb::base::format(d));
        }
        CHECK(got == row.expected);
    }
}

TEST_CASE("nft: table names, tables, pin sets and the delete", "[lvs][nft]")
{
    CHECK(nft_table_name("/etc/ha.d/ipvsadm.rules") == "hb_lvs_etc_ha_d_ipvsadm_rules");
    CHECK(nft_table_name("ipvsadm.rules") == "hb_lvs_ipvsadm_rules");
    CHECK(nft_table_name("/srv/lvs/web-1.rules") == "hb_lvs_srv_lvs_web_1_rules");
    const std::string a = nft_table_name("/" + std::string(300, 'a'));
    const std::string b = nft_table_name("/" + std::string(300, 'a') + "b");
    CHECK(a.size() == 197);
    CHECK(a != b);  // long paths keep a hash of the whole path
    CHECK(a.substr(0, 180) == b.substr(0, 180));

    const LvsConfig dr = parse(dr_rules);
    const LvsConfig nat = parse(nat_rules);
    const NftTables dr_tables = nft_tables(dr, "T");
    CHECK(dr_tables.name == "T");
    CHECK(dr_tables.netdev);
    CHECK(dr_tables.ip);
    const NftTables nat_tables = nft_tables(nat, "T");
    CHECK_FALSE(nat_tables.netdev);
    CHECK(nat_tables.ip);
    CHECK(render_nft_delete(dr_tables) == "delete table netdev T\ndelete table ip T\n");
    CHECK(render_nft_delete(nat_tables) == "delete table ip T\n");

    CHECK(nft_pin_sets(dr) == Strings{"s0_pin0", "s0_pin1", "s0_pin2", "s0_pin3"});
    CHECK(nft_pin_sets(nat).empty());
    const LvsConfig both = parse(nat_rules + "-A -t 192.168.219.101:80\n"
                                             "-a -t 192.168.219.101:80 -r 192.168.219.21:80\n" +
                                 "#@sorry -t 192.168.219.101:80 -r 192.168.219.30\n");
    CHECK(nft_pin_sets(both) == Strings{"s1_pin0", "s1_pin1"});  // the sorry server's too
}

TEST_CASE("nft: strip_pinned drops only the pin sets' elements", "[lvs][nft]")
{
    // The shape of `nft list table netdev …` after a few connections (nftables 1.0.6).
    const std::string kept_head = "table netdev T {\n"
                                  "\tset s0_pin0 {\n"
                                  "\t\ttypeof ip saddr . tcp sport\n"
                                  "\t\tsize 65536\n"
                                  "\t\tflags dynamic,timeout\n"
                                  "\t\ttimeout 15m\n";
    const std::string pin_elements =
        "\t\telements = { 10.0.0.3 . 40000 timeout 10m expires 9m59s996ms,\n"
        "\t\t\t     10.0.0.1 . 33000 expires 14m59s996ms,\n"
        "\t\t\t     10.0.0.2 . 33001 expires 14m59s996ms }\n";
    const std::string kept_tail =
        "\t}\n"
        "\n"
        "\tmap s0_ref {\n"
        "\t\ttypeof numgen inc mod 2 : verdict\n"
        "\t\telements = { 0 : goto s0_r0, 1 : goto s0_r1,\n"
        "\t\t\t     2 : goto s0_r0 }\n"
        "\t}\n"
        "\n"
        "\tset s0_pin1 {\n"
        "\t\ttypeof ip saddr . tcp sport\n"
        "\t\tsize 65536\n"
        "\t\tflags dynamic,timeout\n"
        "\t\ttimeout 15m\n";
    const std::string one_line = "\t\telements = { 10.0.0.9 . 1024 expires 1s }\n";
    const std::string kept_end =
        "\t}\n"
        "\n"
        "\tchain s0 {\n"
        "\t\tip saddr . tcp sport @s0_pin0 update @s0_pin0 { ip saddr . tcp sport } goto s0_r0\n"
        "\t\tdrop\n"
        "\t}\n"
        "}\n";
    const std::string listing = kept_head + pin_elements + kept_tail + one_line + kept_end;
    const std::string stripped = strip_pinned(listing, {"s0_pin0", "s0_pin1"});
    CHECK(stripped == kept_head + kept_tail + kept_end);
    // Without pin sets named, nothing goes; with only pin0, pin1's elements stay.
    CHECK(strip_pinned(listing, {}) == listing);
    CHECK(strip_pinned(listing, {"s0_pin0"}) == kept_head + kept_tail + one_line + kept_end);
    // An idle pin set lists no elements: nothing to strip, so fresh and later listings agree.
    CHECK(strip_pinned(kept_head + kept_tail + kept_end, {"s0_pin0", "s0_pin1"}) ==
          kept_head + kept_tail + kept_end);
}

namespace {

// Everything the renderer can write in one file: DR over TCP (with a server out) and UDP,
// NAT with a sorry server, a persistent port-0 service with a netmask, fwmark, dh over UDP.
const std::string everything = "-A -t 192.168.219.100:80 -s wlc\n"
                               "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g\n"
                               "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g\n"
                               "-A -u 192.168.219.100:53 -s rr\n"
                               "-a -u 192.168.219.100:53 -r 192.168.219.21:53 -g\n"
                               "-A -t 192.168.219.101:443 -s sh\n"
                               "-a -t 192.168.219.101:443 -r 192.168.56.21:8443 -m\n"
                               "-a -t 192.168.219.101:443 -r 192.168.56.22:8443 -m -w 2\n"
                               "#@sorry -t 192.168.219.101:443 -r 192.168.56.30:8443\n"
                               "-A -t 192.168.219.102:0 -s wlc -p 300 -M 255.255.255.0\n"
                               "-a -t 192.168.219.102:0 -r 192.168.56.21:0 -m\n"
                               "-A -f 1 -s rr\n"
                               "-a -f 1 -r 192.168.56.22:0 -m\n"
                               "-A -u 192.168.219.101:53 -s dh\n"
                               "-a -u 192.168.219.101:53 -r 192.168.56.21:53 -m\n";

bool shell_ok(const std::string& command)
{
    return std::system(command.c_str()) == 0;
}

}  // namespace

TEST_CASE("nft: nft -c accepts the rendered rulesets (root, fresh network namespace)",
          "[lvs][nft][root]")
{
    if (geteuid() != 0 || !shell_ok("command -v nft >/dev/null 2>&1") ||
        !shell_ok("unshare -n true >/dev/null 2>&1")) {
        WARN("skipped: needs root, nft and unshare -n");
        return;
    }
    const LvsConfig c = parse(everything);
    const auto diags = nftables_diagnostics(c);
    REQUIRE_FALSE(diags.has_errors());
    const Facts facts = director();
    HealthTable health = all_up(c);
    health[0][1] = down;
    const auto plans = plan_all(c, health, facts);
    const auto full = render_nft(c, plans, facts, table);
    REQUIRE(full.ok());
    const auto maps = render_nft_maps(c, plans, facts, table);
    REQUIRE(maps.ok());

    const auto dir = std::filesystem::temp_directory_path() /
                     ("hb-lvs-nft-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return (dir / name).string();
    };
    const std::string ruleset = write("ruleset.nft", full.value());
    const std::string update = write("update.nft", maps.value());
    const std::string log = (dir / "nft.log").string();
    const std::string nat_only = write("nat.nft", [&] {
        const LvsConfig n = parse(nat_rules);
        return render_nft(n, plan_all(n, all_up(n), facts), facts, table).value();
    }());

    // The ingress hook needs its device: a veth named ens32, made in the same namespace.
    const auto check = [&](const std::string& script) {
        const std::string command = "unshare -n sh -c 'ip link add ens32 type veth peer name "
                                    "ens32p && " + script + "' >" + log + " 2>&1";
        const bool ok = shell_ok(command);
        std::ifstream in(log);
        std::ostringstream said;
        said << in.rdbuf();
        INFO(command << "\n" << said.str());
        CHECK(ok);
    };
    check("nft -c -f " + ruleset);
    check("nft -c -f " + nat_only);
    // The update applies to the tables the ruleset made (loaded here, in the throwaway namespace).
    check("nft -f " + ruleset + " && nft -c -f " + update + " && nft -f " + update);
    std::filesystem::remove_all(dir);
}
