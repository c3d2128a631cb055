// SPDX-License-Identifier: GPL-2.0-or-later
// The metrics page from one Membership driven by hand: statuses, links, counts and the
// engine's own counts, each in the family and with the labels an alert would use.
#include <catch2/catch.hpp>

#include <map>

#include "metrics/cluster_metrics.hpp"
#include "support/membership_fixture.hpp"
#include "support/status_message.hpp"

using namespace hb;
using membership::Milliseconds;
using membership::TimePoint;

namespace {

bool has_line(const std::string& page, const std::string& line)
{
    return page.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("the page follows the peer from up to dead and back", "[metrics]")
{
    const test::FixedHost host;
    membership::Membership m(test::pair_settings(), host);
    metrics::ClusterMetrics cm;
    const TimePoint t0{std::chrono::hours(1)};
    const auto feed = [&] {
        for (const auto& e : m.take_events()) {
            cm.on_event(e);
        }
    };
    m.start(t0);
    cm.sent(0);
    cm.sent(0);
    m.receive(t0, 0, test::status_message("lvs-02", 5, 1, 1'795'568'434ULL));
    m.receive(t0 + Milliseconds(1000), 0, test::status_message("lvs-02", 5, 2, 1'795'568'435ULL));
    m.receive(t0 + Milliseconds(1000), 0, test::status_message("lvs-02", 5, 2, 1'795'568'435ULL));
    feed();
    std::string page = cm.page(t0 + Milliseconds(1250), m);
    INFO(page);
    CHECK(has_line(page, "heartbeat_node_status{node=\"lvs-02\",status=\"active\"} 1"));
    CHECK(has_line(page, "heartbeat_node_status{node=\"lvs-02\",status=\"dead\"} 0"));
    CHECK(has_line(page, "heartbeat_link_up{node=\"lvs-02\",link=\"eth0\"} 1"));
    CHECK(has_line(page,
                   "heartbeat_link_last_message_age_seconds{node=\"lvs-02\",link=\"eth0\"} "
                   "0.25"));
    CHECK(has_line(page, "heartbeat_messages_received_total{node=\"lvs-02\",link=\"eth0\"} 3"));
    CHECK(has_line(page, "heartbeat_messages_sent_total{link=\"eth0\"} 2"));
    CHECK(has_line(page, "heartbeat_packets_dropped_total{reason=\"duplicate\"} 1"));
    CHECK(has_line(page, "heartbeat_node_deaths_total{node=\"lvs-02\"} 0"));
    CHECK(page.find("node_deaths_total{node=\"lvs-01\"}") == std::string::npos);  // not us

    // Its silence: membership's timers run when due (deadtime 5 s after the last heartbeat,
    // initdead 10 s after the start).
    for (TimePoint t = t0 + Milliseconds(1250); t <= t0 + Milliseconds(11000);
         t += Milliseconds(50)) {
        if (m.next_deadline() <= t) {
            m.tick(t);
        }
    }
    feed();
    cm.rejected(auth::VerifyError::bad_signature);
    page = cm.page(t0 + Milliseconds(11000), m);
    CHECK(has_line(page, "heartbeat_node_status{node=\"lvs-02\",status=\"dead\"} 1"));
    CHECK(has_line(page, "heartbeat_node_status{node=\"lvs-02\",status=\"active\"} 0"));
    CHECK(has_line(page, "heartbeat_link_up{node=\"lvs-02\",link=\"eth0\"} 0"));
    CHECK(has_line(page, "heartbeat_node_deaths_total{node=\"lvs-02\"} 1"));
    CHECK(has_line(page, "heartbeat_node_returns_total{node=\"lvs-02\"} 0"));
    CHECK(has_line(page, "heartbeat_packets_rejected_total{reason=\"bad_signature\"} 1"));
    CHECK(cm.rejected_total() == 1);

    m.receive(t0 + Milliseconds(12000), 0, test::status_message("lvs-02", 6, 1, 1'795'568'446ULL));
    feed();
    page = cm.page(t0 + Milliseconds(12000), m);
    CHECK(has_line(page, "heartbeat_node_returns_total{node=\"lvs-02\"} 1"));
    CHECK(has_line(page, "heartbeat_link_up{node=\"lvs-02\",link=\"eth0\"} 1"));
}

TEST_CASE("a reload that renumbers the media keeps each medium's count", "[metrics]")
{
    metrics::ClusterMetrics cm;
    cm.sent(0);
    cm.sent(1);
    cm.sent(1);
    cm.renumber_media({std::optional<std::size_t>(1), std::nullopt});  // eth1 first, eth2 new
    auto s = test::pair_settings();
    s.media = {"eth1", "eth2"};
    const test::FixedHost host;
    membership::Membership m(s, host);
    const std::string page = cm.page(TimePoint{}, m);
    INFO(page);
    CHECK(has_line(page, "heartbeat_messages_sent_total{link=\"eth1\"} 2"));
    CHECK(has_line(page, "heartbeat_messages_sent_total{link=\"eth2\"} 0"));
}

TEST_CASE("resource groups: state here, operations and script calls with their durations",
          "[metrics]")
{
    const test::FixedHost host;
    membership::Membership m(test::pair_settings(), host);
    metrics::ClusterMetrics cm;
    cm.group_op({"10.0.0.100", resources::GroupOpKind::acquire, resources::GroupOpState::succeeded,
                 Milliseconds(300)});
    resources::ScriptResult ok;
    ok.outcome = resources::ScriptOutcome::exited;
    ok.exit_code = 0;
    resources::ScriptResult late;
    late.outcome = resources::ScriptOutcome::timed_out;
    cm.script({"IPaddr", resources::ScriptAction::start, ok, Milliseconds(40)});
    cm.script({"IPaddr", resources::ScriptAction::start, ok, Milliseconds(60)});
    cm.script({"web", resources::ScriptAction::stop, late, Milliseconds(30000)});
    const std::map<std::string, resources::GroupState> groups{
        {"10.0.0.100", resources::GroupState::running},
        {"10.0.0.200", resources::GroupState::stuck}};
    const std::string page = cm.page(TimePoint{}, m, metrics::ClusterMetrics::Resources{groups});
    INFO(page);
    CHECK(has_line(page, "heartbeat_group_state{group=\"10.0.0.100\",state=\"running\"} 1"));
    CHECK(has_line(page, "heartbeat_group_state{group=\"10.0.0.100\",state=\"stuck\"} 0"));
    CHECK(has_line(page, "heartbeat_group_state{group=\"10.0.0.200\",state=\"stuck\"} 1"));
    CHECK(has_line(page,
                   "heartbeat_group_operation_seconds_bucket{group=\"10.0.0.100\","
                   "operation=\"acquire\",outcome=\"succeeded\",le=\"0.25\"} 0"));
    CHECK(has_line(page,
                   "heartbeat_group_operation_seconds_bucket{group=\"10.0.0.100\","
                   "operation=\"acquire\",outcome=\"succeeded\",le=\"0.5\"} 1"));
    CHECK(has_line(page,
                   "heartbeat_group_operation_seconds_sum{group=\"10.0.0.100\","
                   "operation=\"acquire\",outcome=\"succeeded\"} 0.3"));
    CHECK(has_line(page,
                   "heartbeat_script_seconds_count{script=\"IPaddr\",action=\"start\","
                   "outcome=\"ok\"} 2"));
    CHECK(has_line(page,
                   "heartbeat_script_seconds_sum{script=\"IPaddr\",action=\"start\","
                   "outcome=\"ok\"} 0.1"));
    CHECK(has_line(page,
                   "heartbeat_script_seconds_count{script=\"web\",action=\"stop\","
                   "outcome=\"timed_out\"} 1"));
    // Without resource management (-M) there is no group state at all.
    CHECK(cm.page(TimePoint{}, m).find("heartbeat_group_state") == std::string::npos);
    CHECK(page.find("heartbeat_api_clients") == std::string::npos);  // nor clients without API
    const std::string with_api =
        cm.page(TimePoint{}, m, std::nullopt, metrics::ClusterMetrics::ApiClients{3, 2});
    CHECK(has_line(with_api, "heartbeat_api_clients{state=\"connected\"} 3"));
    CHECK(has_line(with_api, "heartbeat_api_clients{state=\"signed_on\"} 2"));
}
