// SPDX-License-Identifier: GPL-2.0-or-later
// The runtime state file and the `show` views: format/parse round trip (facts, health, reasons
// with blanks), anything that is not a state file read as nothing, the JSON (checked by
// Python's json module when there is one) and the text for people.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/value_parsers.hpp"
#include "lvs/runtime_state.hpp"

using namespace hb::lvs;

namespace {

Ipv4 ip(const char* text)
{
    const auto a = hb::base::parse_ipv4(text);
    REQUIRE(a.has_value());
    return *a;
}

LvsConfig parse(const std::string& text)
{
    RulesResult result = parse_rules(text, "ipvsadm.rules");
    REQUIRE(result.config.has_value());
    return *result.config;
}

const std::string magic = "hb-lvs-state 1\n";

RuntimeState sample()
{
    RuntimeState s;
    s.backend = Backend::ipvs;
    s.started_ms = 1764590000123;
    s.updated_ms = 1764590004567;
    s.checker_pid = 4321;
    s.facts.route[ip("192.168.219.100")] = {"ens32", "aa:bb:cc:dd:ee:01"};
    s.facts.route[ip("10.0.0.1")] = {"lo", ""};
    s.facts.neighbour[ip("192.168.219.21")] = "aa:bb:cc:dd:ee:21";
    s.health = {{Health::up, Health::down}, {Health::down}};
    s.reasons = {{"HTTP 200", "no answer within 3000ms"}, {"not an HTTP answer  (two  blanks)"}};
    s.checks = {{{118, 4}, {0, 0}}, {{0, 9}}};
    return s;
}

const std::string rules = "-A -t 192.168.219.100:80 -s wlc\n"
                          "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1\n"
                          "-a -t 192.168.219.100:80 -r 192.168.219.22:80 -g -w 1\n"
                          "#@check -t 192.168.219.100:80 HTTP_GET\n"
                          "#@sorry -t 192.168.219.100:80 -r 192.168.219.30\n"
                          "#@name 192.168.219.21 web-01\n"
                          "#@name 192.168.219.22 web-02\n";

bool have_python()
{
    return std::system("command -v python3 >/dev/null 2>&1") == 0;
}

}  // namespace

TEST_CASE("state: the file format", "[lvs][state]")
{
    CHECK(format_state(sample()) == "hb-lvs-state 1\n"
                                    "backend ipvs\n"
                                    "started 1764590000123\n"
                                    "updated 1764590004567\n"
                                    "checker 4321\n"
                                    "route 10.0.0.1 lo -\n"
                                    "route 192.168.219.100 ens32 aa:bb:cc:dd:ee:01\n"
                                    "neighbour 192.168.219.21 aa:bb:cc:dd:ee:21\n"
                                    "health 0 0 up HTTP 200\n"
                                    "health 0 1 down no answer within 3000ms\n"
                                    "health 1 0 down not an HTTP answer  (two  blanks)\n"
                                    "checks 0 0 118 4\n"
                                    "checks 0 1 0 0\n"
                                    "checks 1 0 0 9\n");
}

TEST_CASE("state: format then parse gives the same state", "[lvs][state]")
{
    const RuntimeState before = sample();
    const auto after = parse_state(format_state(before));
    REQUIRE(after.has_value());
    CHECK(after->backend == before.backend);
    CHECK(after->started_ms == before.started_ms);
    CHECK(after->updated_ms == before.updated_ms);
    CHECK(after->checker_pid == before.checker_pid);
    CHECK(after->facts == before.facts);
    CHECK(after->health == before.health);
    CHECK(after->reasons == before.reasons);
    CHECK(after->checks == before.checks);

    SECTION("a reason with a line break is kept on its line")
    {
        RuntimeState s = sample();
        s.reasons[0][0] = "probe failed (first\nsecond)";
        const auto back = parse_state(format_state(s));
        REQUIRE(back.has_value());
        CHECK(back->reasons[0][0] == "probe failed (first second)");
        CHECK(back->health == s.health);
    }
    SECTION("no reasons, no facts, the nftables back end")
    {
        RuntimeState s;
        s.health = {{Health::up, Health::up}};
        const auto back = parse_state(format_state(s));
        REQUIRE(back.has_value());
        CHECK(back->backend == Backend::nftables);
        CHECK(back->health == s.health);
        CHECK(back->reasons == std::vector<std::vector<std::string>>{{"", ""}});
        CHECK(back->facts == Facts{});
        CHECK(back->checks.empty());  // a state of a checker before the counts: none
    }
}

TEST_CASE("state: what is not a state file is nothing", "[lvs][state]")
{
    const std::vector<std::string> rows = {
        "",
        "hb-lvs-state 2\nbackend ipvs\n",
        "backend ipvs\n",
        magic + "backend kernel\n",
        magic + "backend\n",
        magic + "started soon\n",
        magic + "started -5\n",
        magic + "updated 1 2\n",
        magic + "checker 99999999999\n",
        magic + "route 192.168.219 ens32 -\n",
        magic + "route 192.168.219.100 ens32\n",
        magic + "neighbour 192.168.219.21\n",
        magic + "neighbour 192.168.219.21 a b\n",
        magic + "health 0 0\n",
        magic + "health 0 0 sideways\n",
        magic + "health x 0 up\n",
        magic + "health 100001 0 up\n",
        magic + "checks 0 0 5\n",
        magic + "checks 0 0 5 -1\n",
        magic + "checks 0 x 5 1\n",
        magic + "colour blue\n",
    };
    for (const std::string& text : rows) {
        INFO(text);
        CHECK_FALSE(parse_state(text).has_value());
    }
    // The magic line alone is an empty state; blank lines are skipped.
    const auto empty = parse_state(magic + "\n");
    REQUIRE(empty.has_value());
    CHECK(empty->health.empty());
    CHECK(empty->checker_pid == 0);
}

TEST_CASE("show: JSON without a state", "[lvs][state]")
{
    const LvsConfig c = parse("-A -t 192.168.219.100:80 -s wlc\n"
                              "-a -t 192.168.219.100:80 -r 192.168.219.21:80 -g -w 1\n"
                              "#@check -t 192.168.219.100:80 HTTP_GET\n"
                              "#@name 192.168.219.21 web-01\n");
    CHECK(format_show_json(c, std::nullopt, false, false) ==
          "{\"rules\":\"ipvsadm.rules\",\"running\":false,\"services\":[{\"service\":\"-t "
          "192.168.219.100:80\",\"scheduler\":\"wlc\",\"servers\":[{\"address\":\"192.168.219."
          "21:80\",\"name\":\"web-01\",\"forwarding\":\"-g\",\"weight\":1,\"sorry\":false,"
          "\"check\":\"HTTP_GET\",\"health\":\"up\",\"last\":\"\",\"in_service\":false}]}]}");
}

TEST_CASE("show: JSON of a running file parses, with the expected fields", "[lvs][state]")
{
    const LvsConfig c = parse(rules);
    RuntimeState s;
    s.backend = Backend::nftables;
    s.started_ms = 1764590000123;
    s.updated_ms = 1764590004567;
    s.checker_pid = 4321;
    s.health = {{Health::up, Health::down}};
    s.reasons = {{"HTTP 200", "not an HTTP answer (status line 'a \"quoted\" \\ word')"}};
    const std::string json = format_show_json(c, s, true, true);
    INFO(json);
    CHECK(json.starts_with("{\"rules\":\"ipvsadm.rules\",\"running\":true,\"backend\":\"nftables\","
                           "\"started_ms\":1764590000123,\"checker\":{\"pid\":4321,\"alive\":true,"
                           "\"updated_ms\":1764590004567},\"services\":[{\"service\":"));
    CHECK(json.find("\\\"quoted\\\" \\\\ word") != std::string::npos);
    CHECK(json.find("\"sorry\":true,\"check\":null,\"health\":\"-\"") != std::string::npos);

    if (!have_python()) {
        WARN("python3 not found: the JSON was checked as text only");
        return;
    }
    const auto dir = std::filesystem::temp_directory_path() /
                     ("hb-lvs-state-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "show.json") << json;
    std::ofstream(dir / "check.py")
        << "import json, sys\n"
           "d = json.load(open(sys.argv[1]))\n"
           "assert d['running'] is True, d\n"
           "assert d['backend'] == 'nftables'\n"
           "assert d['checker'] == {'pid': 4321, 'alive': True, 'updated_ms': 1764590004567}\n"
           "(svc,) = d['services']\n"
           "assert svc['service'] == '-t 192.168.219.100:80' and svc['scheduler'] == 'wlc'\n"
           "a, b, sorry = svc['servers']\n"
           "assert a == {'address': '192.168.219.21:80', 'name': 'web-01', 'forwarding': '-g',\n"
           "             'weight': 1, 'sorry': False, 'check': 'HTTP_GET', 'health': 'up',\n"
           "             'last': 'HTTP 200', 'in_service': True}, a\n"
           "assert b['health'] == 'down' and b['in_service'] is False, b\n"
           "assert b['last'] == \"not an HTTP answer (status line 'a \\\"quoted\\\" \\\\ "
           "word')\", b\n"
           "assert sorry['sorry'] is True and sorry['check'] is None, sorry\n"
           "assert sorry['address'] == '192.168.219.30:80' and sorry['in_service'] is False\n";
    const std::string command = "python3 " + (dir / "check.py").string() + " " +
                                (dir / "show.json").string();
    const int rc = std::system(command.c_str());
    std::filesystem::remove_all(dir);
    CHECK(rc == 0);
}

TEST_CASE("show: the text for people", "[lvs][state]")
{
    const LvsConfig c = parse(rules);
    RuntimeState s;
    s.checker_pid = 4321;
    s.health = {{Health::up, Health::down}};
    s.reasons = {{"HTTP 200", "HTTP 503"}};
    CHECK(format_show_text(c, s, true, true) ==
          "ipvsadm.rules: running (nftables, checker pid 4321)\n"
          "  TCP 192.168.219.100:80 wlc\n"
          "    192.168.219.21:80 (web-01) -g w1 up in service (HTTP 200)\n"
          "    192.168.219.22:80 (web-02) -g w1 down (HTTP 503)\n"
          "    sorry 192.168.219.30:80 -g w1\n");
    s.health = {{Health::down, Health::down}};
    CHECK(format_show_text(c, s, true, false) ==
          "ipvsadm.rules: running (nftables, checker pid 4321 gone)\n"
          "  TCP 192.168.219.100:80 wlc\n"
          "    192.168.219.21:80 (web-01) -g w1 down (HTTP 200)\n"
          "    192.168.219.22:80 (web-02) -g w1 down (HTTP 503)\n"
          "    sorry 192.168.219.30:80 -g w1 in service\n");
    CHECK(format_show_text(c, std::nullopt, false, false) ==
          "ipvsadm.rules: not running\n"
          "  TCP 192.168.219.100:80 wlc\n"
          "    192.168.219.21:80 (web-01) -g w1 up\n"
          "    192.168.219.22:80 (web-02) -g w1 up\n"
          "    sorry 192.168.219.30:80 -g w1\n");
    RuntimeState no_checker;
    no_checker.backend = Backend::ipvs;
    CHECK(format_show_text(c, no_checker, true, false).starts_with(
        "ipvsadm.rules: running (ipvs, checker none)\n"));
}
