// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel IPVS back end as ipvsadm argument lists: the diff from a live table (read with
// the rules parser, as `ipvsadm-save -n` prints it) to the file's, which never touches other
// services; the weights and sorry server under health; remove, restore, the differences
// `status` reports, and the sync daemon commands.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "lvs/ipvs_commands.hpp"
#include "lvs/rules.hpp"

using namespace hb::lvs;

namespace {

using Commands = std::vector<IpvsCommand>;
using Strings = std::vector<std::string>;

LvsConfig parse(const std::string& text)
{
    RulesResult result = parse_rules(text, "ipvsadm.rules");
    REQUIRE(result.config.has_value());
    return *result.config;
}

// What `ipvsadm-save -n` prints for an IPVS table: the empty one parses to no services.
LvsConfig live(const std::string& saved)
{
    if (saved.empty()) {
        return LvsConfig{};
    }
    return parse(saved);
}

const std::string file = "-A -t 192.168.219.100:80 -s wlc\n"
                         "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1\n"
                         "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g -w 1\n"
                         "#@check -t 192.168.219.100:80 HTTP_GET\n"
                         "#@sorry -t 192.168.219.100:80 -r 192.168.219.30:80\n";

const IpvsCommand add_service = {"-A", "-t", "192.168.219.100:80", "-s", "wlc"};
const IpvsCommand add_21 = {"-a", "-t", "192.168.219.100:80", "-r", "192.168.219.21:80", "-g",
                            "-w", "1"};
const IpvsCommand add_22 = {"-a", "-t", "192.168.219.100:80", "-r", "192.168.219.22:80", "-g",
                            "-w", "1"};

constexpr Health up = Health::up;
constexpr Health down = Health::down;

}  // namespace

TEST_CASE("ipvs: applying to an empty table adds the service, then its servers",
          "[lvs][ipvs]")
{
    const LvsConfig c = parse(file);
    const LvsConfig desired = ipvs_desired(c, all_up(c));
    CHECK(ipvs_apply(live(""), desired) == Commands{add_service, add_21, add_22});
    CHECK(format_command(add_21) ==
          "ipvsadm -a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1");
}

TEST_CASE("ipvs: the diff from a live table, one row per difference", "[lvs][ipvs]")
{
    struct Row {
        std::string name;
        std::string saved;  ///< the live table as ipvsadm-save -n prints it
        Commands expected;
    };
    const std::string svc = "-A -t 192.168.219.100:80 -s wlc\n";
    const std::string s21 = "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1\n";
    const std::string s22 = "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g -w 1\n";
    const std::string other =
        "-A -t 10.9.9.9:443 -s rr\n-a -t 10.9.9.9:443 -r 10.9.8.1:443 -m -w 1\n";
    const std::string other_after = "-A -u 10.9.9.10:53 -s rr\n";
    const std::vector<Row> rows = {
        {"equal", svc + s21 + s22, {}},
        {"equal, servers in another order", svc + s22 + s21, {}},
        {"a server missing", svc + s21, {add_22}},
        {"another weight", svc + s21 + "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g -w 5\n",
         {{"-e", "-t", "192.168.219.100:80", "-r", "192.168.219.22:80", "-g", "-w", "1"}}},
        {"another method", svc + s21 + "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -m -w 1\n",
         {{"-e", "-t", "192.168.219.100:80", "-r", "192.168.219.22:80", "-g", "-w", "1"}}},
        {"a server not in the file", svc + s21 + s22 +
                                         "-a -t 192.168.219.100:80 -r 192.168.219.23:80 -g -w 1\n",
         {{"-d", "-t", "192.168.219.100:80", "-r", "192.168.219.23:80"}}},
        {"another scheduler", "-A -t 192.168.219.100:80 -s rr\n" + s21 + s22,
         {{"-E", "-t", "192.168.219.100:80", "-s", "wlc"}}},
        {"persistence that the file lacks", "-A -t 192.168.219.100:80 -s wlc -p 300\n" + s21 + s22,
         {{"-E", "-t", "192.168.219.100:80", "-s", "wlc"}}},
        {"other services are never touched", other + svc + s21 + s22 + other_after, {}},
        {"other services are never touched, ours missing", other, {add_service, add_21, add_22}},
    };
    const LvsConfig c = parse(file);
    const LvsConfig desired = ipvs_desired(c, all_up(c));
    for (const Row& row : rows) {
        INFO(row.name);
        const Commands got = ipvs_apply(live(row.saved), desired);
        CHECK(got == row.expected);
        for (const IpvsCommand& command : got) {
            CHECK(format_command(command).find("10.9.") == std::string::npos);
        }
    }
}

TEST_CASE("ipvs: every service setting and server option is written", "[lvs][ipvs]")
{
    const LvsConfig c = parse("-A -t 10.0.0.1:443 -s sh -b sh-port,sh-fallback -p 600 -M "
                              "255.255.255.0 --pe sip\n"
                              "-a -t 10.0.0.1:443 -r 10.0.1.1:443 -i -w 2 -x 100 -y 10 "
                              "--tun-type gue --tun-port 6080\n"
                              "-A -f 7 -s rr -p\n"
                              "-a -f 7 -r 10.0.1.2:0 -m\n"
                              "-A -u 10.0.0.1:53 -s lc -p 60 -M 255.255.255.255\n");
    const Commands got = ipvs_apply(LvsConfig{}, ipvs_desired(c, all_up(c)));
    CHECK(got == Commands{
                     {"-A", "-t", "10.0.0.1:443", "-s", "sh", "-b", "sh-port,sh-fallback", "-p",
                      "600", "-M", "255.255.255.0", "--pe", "sip"},
                     {"-a", "-t", "10.0.0.1:443", "-r", "10.0.1.1:443", "-i", "-w", "2", "-x",
                      "100", "-y", "10", "--tun-type", "gue", "--tun-port", "6080"},
                     {"-A", "-f", "7", "-s", "rr", "-p", "300"},
                     {"-a", "-f", "7", "-r", "10.0.1.2:0", "-m", "-w", "1"},
                     // A full mask is ipvsadm's default and not written.
                     {"-A", "-u", "10.0.0.1:53", "-s", "lc", "-p", "60"},
                 });
}

TEST_CASE("ipvs: health gives the weights, and the sorry server when all are down",
          "[lvs][ipvs]")
{
    const LvsConfig c = parse(file);
    SECTION("a down server is set to weight 0, not removed")
    {
        const LvsConfig desired = ipvs_desired(c, {{up, down}});
        REQUIRE(desired.services.size() == 1);
        const Service& s = desired.services[0];
        REQUIRE(s.servers.size() == 2);
        CHECK(s.servers[0].weight == 1);
        CHECK(s.servers[1].weight == 0);
        CHECK_FALSE(s.check.has_value());
        CHECK_FALSE(s.sorry.has_value());
        CHECK(ipvs_apply(live("-A -t 192.168.219.100:80 -s wlc\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g -w 1\n"),
                         desired) ==
              Commands{{"-e", "-t", "192.168.219.100:80", "-r", "192.168.219.22:80", "-g", "-w",
                        "0"}});
    }
    SECTION("everyone down: the sorry server joins")
    {
        const LvsConfig desired = ipvs_desired(c, {{down, down}});
        const Service& s = desired.services.at(0);
        REQUIRE(s.servers.size() == 3);
        CHECK(s.servers[2].endpoint.port == 80);
        CHECK(format_endpoint(s.servers[2].endpoint) == "192.168.219.30:80");
        CHECK(s.servers[2].weight == 1);
        CHECK(ipvs_apply(live(""), desired).back() ==
              IpvsCommand{"-a", "-t", "192.168.219.100:80", "-r", "192.168.219.30:80", "-g", "-w",
                          "1"});
    }
    SECTION("one back: the sorry server leaves")
    {
        const LvsConfig desired = ipvs_desired(c, {{down, up}});
        CHECK(ipvs_apply(live("-A -t 192.168.219.100:80 -s wlc\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 0\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g -w 0\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.30:80 -g -w 1\n"),
                         desired) ==
              // the server takes new connections before the sorry server leaves
              Commands{{"-e", "-t", "192.168.219.100:80", "-r", "192.168.219.22:80", "-g", "-w",
                        "1"},
                       {"-d", "-t", "192.168.219.100:80", "-r", "192.168.219.30:80"}});
    }
}

TEST_CASE("ipvs: remove deletes the file's services that the kernel has, only those",
          "[lvs][ipvs]")
{
    const LvsConfig c = parse(file + "-A -t 192.168.219.100:443\n");
    const LvsConfig kernel = live("-A -t 10.9.9.9:443 -s rr\n-A -t 192.168.219.100:80 -s wlc\n"
                                  "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1\n");
    CHECK(ipvs_remove(kernel, c) == Commands{{"-D", "-t", "192.168.219.100:80"}});
    CHECK(ipvs_remove(LvsConfig{}, c).empty());
}

TEST_CASE("ipvs: restore puts back what was there before a failed start", "[lvs][ipvs]")
{
    const LvsConfig c = parse(file + "-A -t 192.168.219.100:443\n");
    const LvsConfig desired = ipvs_desired(c, all_up(c));
    const LvsConfig before = live("-A -t 10.9.9.9:443 -s rr\n"
                                  "-A -t 192.168.219.100:80 -s rr\n"
                                  "-a -t 192.168.219.100:80 -r 192.168.219.23:80 -m -w 3\n");
    // The apply failed after editing the first service and adding one server to it, and
    // before the second service was added.
    const LvsConfig now = live("-A -t 10.9.9.9:443 -s rr\n"
                               "-A -t 192.168.219.100:80 -s wlc\n"
                               "-a -t 192.168.219.100:80 -r 192.168.219.23:80 -m -w 3\n"
                               "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1\n");
    CHECK(ipvs_restore(now, before, desired) ==
          Commands{{"-E", "-t", "192.168.219.100:80", "-s", "rr"},
                   {"-d", "-t", "192.168.219.100:80", "-r", "192.168.219.21:80"}});
    // A start that failed at its very first command: nothing to undo, no -D of a service
    // that is not there.
    CHECK(ipvs_restore(before, before, desired).empty());
    // Services the kernel did not have before are deleted.
    CHECK(ipvs_restore(now, LvsConfig{}, desired) == Commands{{"-D", "-t", "192.168.219.100:80"}});
}

TEST_CASE("ipvs: differences as status reports them", "[lvs][ipvs]")
{
    const LvsConfig c = parse(file + "-A -t 192.168.219.100:443\n");
    const LvsConfig desired = ipvs_desired(c, {{up, down}, {}});
    const LvsConfig kernel = live("-A -t 192.168.219.100:80 -s rr\n"
                                  "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g -w 1\n"
                                  "-a -t 192.168.219.100:80 -r 192.168.219.29:80 -g -w 1\n"
                                  "-A -t 10.9.9.9:443 -s rr\n");
    CHECK(ipvs_differences(kernel, desired) ==
          Strings{"service -t 192.168.219.100:80 has other settings",
                  "real server 192.168.219.21:80 of -t 192.168.219.100:80 is missing",
                  "real server 192.168.219.22:80 of -t 192.168.219.100:80 has other settings "
                  "(weight 1, want 0)",
                  "real server 192.168.219.29:80 of -t 192.168.219.100:80 is not in the file",
                  "service -t 192.168.219.100:443 is missing"});
}

TEST_CASE("ipvs: real ipvsadm-save -n output of an applied file has no differences",
          "[lvs][ipvs]")
{
    // As ipvsadm 1.31 saves a table with a quiesced server, persistence and the full mask
    // left out, a fwmark service and thresholds.
    const LvsConfig c = parse("-A -t 192.168.219.100:80 -s wlc\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.21 -w 1\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.22\n"
                              "-A -t 192.168.219.100:443 -s sh -p -M 255.255.255.255\n"
                              "-a -t 192.168.219.100:443 -r 192.168.219.21:443 -x 10 -y 2\n"
                              "-A -f 3 -s rr\n"
                              "-a -f 3 -r 192.168.56.21:0 -m -w 2\n");
    const std::string saved = "-A -t 192.168.219.100:80 -s wlc\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g -w 0\n"
                              "-A -t 192.168.219.100:443 -s sh -p 300\n"
                              "-a -t 192.168.219.100:443 -r 192.168.219.21:443 -g -w 1 -x 10 -y 2\n"
                              "-A -f 3 -s rr\n"
                              "-a -f 3 -r 192.168.56.21:0 -m -w 2\n";
    HealthTable health = all_up(c);
    health[0][1] = down;
    const LvsConfig desired = ipvs_desired(c, health);
    CHECK(ipvs_differences(parse(saved), desired).empty());
    CHECK(ipvs_apply(parse(saved), desired).empty());
    // Once the server is back, the saved table differs in its weight alone.
    CHECK(ipvs_differences(parse(saved), ipvs_desired(c, all_up(c))) ==
          Strings{"real server 192.168.219.22:80 of -t 192.168.219.100:80 has other settings "
                  "(weight 0, want 1)"});
}

TEST_CASE("ipvs: sync daemon commands", "[lvs][ipvs]")
{
    const SyncDaemon sync{"ens33", 7, {}};
    CHECK(ipvs_sync_active(sync) ==
          Commands{{"--stop-daemon", "backup"},
                   {"--start-daemon", "master", "--mcast-interface", "ens33", "--syncid", "7"}});
    CHECK(ipvs_sync_standby(sync) ==
          Commands{{"--stop-daemon", "master"},
                   {"--start-daemon", "backup", "--mcast-interface", "ens33", "--syncid", "7"}});
}
