// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "config/ng_cf.hpp"
#include "support/diagnostics.hpp"

using namespace hb::config;
using namespace std::chrono_literals;

namespace {

std::string errors(const NgCfResult& r)
{
    return hb::test::diagnostics_text(r.diagnostics);
}

}  // namespace

TEST_CASE("heartbeat-ng.cf: nothing set, everything off", "[config][ng_cf]")
{
    const auto r = parse_ng_cf("# only a comment\n\n   \n", "/etc/ha.d/heartbeat-ng.cf");
    CHECK(errors(r).empty());
    CHECK(r.config == NgCf{});
    CHECK_FALSE(r.config.metrics_textfile);
}

TEST_CASE("heartbeat-ng.cf: the metrics directives", "[config][ng_cf]")
{
    const auto r = parse_ng_cf(
        "metrics_textfile /var/lib/prometheus/node-exporter/heartbeat.prom\n"
        "metrics_interval 5   # faster than the default\n"
        "metrics_listen 9694\n",
        "f");
    CHECK(errors(r).empty());
    CHECK(r.config.metrics_textfile == "/var/lib/prometheus/node-exporter/heartbeat.prom");
    CHECK(r.config.metrics_interval == 5s);
    REQUIRE(r.config.metrics_listen);
    CHECK(*r.config.metrics_listen == ListenAddress{"127.0.0.1", 9694});
}

TEST_CASE("metrics_listen: loopback unless an address is named", "[config][ng_cf]")
{
    CHECK(parse_listen_address("9694") == ListenAddress{"127.0.0.1", 9694});
    CHECK(parse_listen_address("0.0.0.0:9694") == ListenAddress{"0.0.0.0", 9694});
    CHECK(parse_listen_address("[::1]:80") == ListenAddress{"::1", 80});
    CHECK(parse_listen_address("[fd00::5]:65535") == ListenAddress{"fd00::5", 65535});
    CHECK_FALSE(parse_listen_address("0"));
    CHECK_FALSE(parse_listen_address("65536"));
    CHECK_FALSE(parse_listen_address("lvs-01:9694"));  // a literal address, not a name
    CHECK_FALSE(parse_listen_address("::1:80"));       // IPv6 needs its brackets
    CHECK_FALSE(parse_listen_address("[::1]"));
    CHECK_FALSE(parse_listen_address("1.2.3.4:"));
    CHECK_FALSE(parse_listen_address(""));
    const auto r = parse_ng_cf("metrics_listen localhost:9694\n", "f");
    CHECK(errors(r) ==
          "f:1: error: metrics_listen wants [ADDRESS:]PORT (an IPv4 address or "
          "[IPv6], port 1-65535), not 'localhost:9694'\n");
}

TEST_CASE("heartbeat-ng.cf: every bad line named with its line, the rest still read",
          "[config][ng_cf]")
{
    const auto r = parse_ng_cf(
        "metrics_textfile heartbeat.prom\n"
        "metrics_textfile /tmp/x.txt\n"
        "metrics_interval 500ms\n"
        "metrics_interval 3601\n"
        "metric_interval 5\n"
        "metrics_textfile\n",
        "/etc/ha.d/heartbeat-ng.cf");
    CHECK(errors(r) ==
          "/etc/ha.d/heartbeat-ng.cf:1: error: metrics_textfile wants an absolute path ending in "
          ".prom (node_exporter's textfile collector reads only those), not 'heartbeat.prom'\n"
          "/etc/ha.d/heartbeat-ng.cf:2: error: metrics_textfile given twice (first at line 1)\n"
          "/etc/ha.d/heartbeat-ng.cf:3: error: metrics_interval wants 1 to 3600 seconds (as "
          "ha.cf writes times: 15, 1500ms), not '500ms'\n"
          "/etc/ha.d/heartbeat-ng.cf:4: error: metrics_interval given twice (first at line 3)\n"
          "/etc/ha.d/heartbeat-ng.cf:5: error: unknown directive 'metric_interval' (known: "
          "metrics_textfile, metrics_interval, metrics_listen)\n"
          "/etc/ha.d/heartbeat-ng.cf:6: error: metrics_textfile given twice (first at line 1)\n");
    CHECK_FALSE(r.config.metrics_textfile);
}

TEST_CASE("heartbeat-ng.cf: a directive takes exactly one value", "[config][ng_cf]")
{
    const auto r = parse_ng_cf("metrics_textfile /a.prom /b.prom\nmetrics_interval\n", "f");
    CHECK(errors(r) ==
          "f:1: error: metrics_textfile takes one value\n"
          "f:2: error: metrics_interval takes one value\n");
}

TEST_CASE("metrics_interval: 1 to 3600 seconds", "[config][ng_cf]")
{
    CHECK(parse_ng_cf("metrics_interval 1\n", "f").config.metrics_interval == 1s);
    CHECK(parse_ng_cf("metrics_interval 3600\n", "f").config.metrics_interval == 1h);
    CHECK(parse_ng_cf("metrics_interval 2500ms\n", "f").config.metrics_interval == 2500ms);
    CHECK(parse_ng_cf("metrics_interval 3601\n", "f").diagnostics.has_errors());
    CHECK(parse_ng_cf("metrics_interval 999ms\n", "f").diagnostics.has_errors());
    CHECK(parse_ng_cf("metrics_interval 5s\n", "f").diagnostics.has_errors());
}
