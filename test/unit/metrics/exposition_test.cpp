// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "metrics/exposition.hpp"

using namespace hb::metrics;

TEST_CASE("a counter and a gauge family, each with its HELP and TYPE first", "[metrics]")
{
    Exposition page;
    page.family("heartbeat_heartbeats_received_total", Type::counter,
                "Heartbeats received, by node and link.");
    page.sample({{"node", "lvs-02"}, {"link", "ens32"}}, 1234);
    page.sample({{"node", "lvs-02"}, {"link", "ens34"}}, 0);
    page.family("heartbeat_node_up", Type::gauge, "1 while the node is up.");
    page.sample({{"node", "lvs-02"}}, 1);
    CHECK(page.text() ==
          "# HELP heartbeat_heartbeats_received_total Heartbeats received, by node and link.\n"
          "# TYPE heartbeat_heartbeats_received_total counter\n"
          "heartbeat_heartbeats_received_total{node=\"lvs-02\",link=\"ens32\"} 1234\n"
          "heartbeat_heartbeats_received_total{node=\"lvs-02\",link=\"ens34\"} 0\n"
          "# HELP heartbeat_node_up 1 while the node is up.\n"
          "# TYPE heartbeat_node_up gauge\n"
          "heartbeat_node_up{node=\"lvs-02\"} 1\n");
}

TEST_CASE("label values and HELP text are escaped as the format says", "[metrics]")
{
    Exposition page;
    page.family("x_info", Type::gauge, "back\\slash and\nnewline \"quoted\"");
    page.sample({{"v", "a\"b\\c\nd"}}, 1);
    page.sample({}, 2);
    CHECK(page.text() ==
          "# HELP x_info back\\\\slash and\\nnewline \"quoted\"\n"
          "# TYPE x_info gauge\n"
          "x_info{v=\"a\\\"b\\\\c\\nd\"} 1\n"
          "x_info 2\n");
}

TEST_CASE("values: integers plain, fractions shortest, infinities and NaN", "[metrics]")
{
    CHECK(format_value(0) == "0");
    CHECK(format_value(18446744073709.0) == "18446744073709");
    CHECK(format_value(0.25) == "0.25");
    CHECK(format_value(0.1) == "0.1");
    CHECK(format_value(-3) == "-3");
    CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(format_value(std::nan("")) == "NaN");
    CHECK(format_value(1e300) == "1e+300");
}

TEST_CASE("a histogram: cumulative buckets, +Inf, sum and count", "[metrics]")
{
    Histogram h({0.1, 0.5, 2});
    for (const double v : {0.05, 0.1, 0.3, 1.0, 7.0}) {
        h.observe(v);
    }
    CHECK(h.cumulative(0) == 2);  // 0.05 and 0.1: le is "at or below"
    CHECK(h.cumulative(1) == 3);
    CHECK(h.cumulative(2) == 4);
    CHECK(h.count() == 5);
    Exposition page;
    page.family("heartbeat_takeover_seconds", Type::histogram, "Takeovers.");
    page.sample({{"group", "g"}}, h);
    CHECK(page.text() ==
          "# HELP heartbeat_takeover_seconds Takeovers.\n"
          "# TYPE heartbeat_takeover_seconds histogram\n"
          "heartbeat_takeover_seconds_bucket{group=\"g\",le=\"0.1\"} 2\n"
          "heartbeat_takeover_seconds_bucket{group=\"g\",le=\"0.5\"} 3\n"
          "heartbeat_takeover_seconds_bucket{group=\"g\",le=\"2\"} 4\n"
          "heartbeat_takeover_seconds_bucket{group=\"g\",le=\"+Inf\"} 5\n"
          "heartbeat_takeover_seconds_sum{group=\"g\"} 8.45\n"
          "heartbeat_takeover_seconds_count{group=\"g\"} 5\n");
}

TEST_CASE("metric and label names follow the format's rules", "[metrics]")
{
    CHECK(valid_metric_name("heartbeat_up"));
    CHECK(valid_metric_name("job:rate5m"));
    CHECK(valid_metric_name("_x"));
    CHECK_FALSE(valid_metric_name(""));
    CHECK_FALSE(valid_metric_name("1x"));
    CHECK_FALSE(valid_metric_name("heartbeat-up"));
    CHECK(valid_label_name("node"));
    CHECK_FALSE(valid_label_name("__name"));
    CHECK_FALSE(valid_label_name("a:b"));
    CHECK_FALSE(valid_label_name("9"));
}
