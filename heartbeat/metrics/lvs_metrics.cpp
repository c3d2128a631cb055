// SPDX-License-Identifier: GPL-2.0-or-later
// LVS metrics. A server's labels: the rules file, the service as ipvsadm -L names it
// (`TCP 192.168.219.100:80`), the server's ADDR:PORT, and its `#@name` when it has one. Sorry
// servers have no health of their own and are left out.
#include "metrics/lvs_metrics.hpp"

#include <algorithm>

#include "metrics/exposition.hpp"

namespace hb::metrics {

namespace {

struct ServerLabels {
    const LvsTable* table;
    std::size_t service;
    std::size_t server;
};

Labels labels_of(const ServerLabels& s)
{
    const lvs::Service& service = s.table->config.services[s.service];
    const lvs::RealServer& server = service.servers[s.server];
    Labels out = {{"rules", s.table->rules},
                  {"service", lvs::describe(service.key)},
                  {"server", lvs::format_endpoint(server.endpoint)}};
    if (const std::string name = s.table->config.name_of(server.endpoint.address); !name.empty()) {
        out.emplace_back("name", name);
    }
    return out;
}

/// Calls `f` with every real server of every table.
template <typename F>
void each_server(const std::vector<LvsTable>& tables, F&& f)
{
    for (const LvsTable& t : tables) {
        for (std::size_t s = 0; s < t.config.services.size(); ++s) {
            for (std::size_t i = 0; i < t.config.services[s].servers.size(); ++i) {
                f(ServerLabels{&t, s, i});
            }
        }
    }
}

template <typename T>
const T* cell(const std::vector<std::vector<T>>& table, std::size_t s, std::size_t i)
{
    return s < table.size() && i < table[s].size() ? &table[s][i] : nullptr;
}

}  // namespace

std::string lvs_page(const std::vector<LvsTable>& tables, std::int64_t now_ms)
{
    if (tables.empty()) {
        return {};
    }
    Exposition p;
    p.family("heartbeat_real_server_up", Type::gauge,
             "1 while a real server of an LVS table started here is up (its health checks "
             "pass, or it has none), 0 while its checks hold it out of the table.");
    each_server(tables, [&](const ServerLabels& s) {
        const lvs::Health* h = cell(s.table->state.health, s.service, s.server);
        p.sample(labels_of(s), h == nullptr || *h == lvs::Health::up ? 1 : 0);
    });
    p.family("heartbeat_real_server_checks_total", Type::counter,
             "Health checks of a real server since its checker started, by outcome (passed, "
             "failed); servers without a check have none.");
    each_server(tables, [&](const ServerLabels& s) {
        const lvs::Service& service = s.table->config.services[s.service];
        if (service.check_for(service.servers[s.server].endpoint) == nullptr) {
            return;
        }
        const lvs::CheckCounts* c = cell(s.table->state.checks, s.service, s.server);
        const lvs::CheckCounts counts = c != nullptr ? *c : lvs::CheckCounts{};
        Labels labels = labels_of(s);
        labels.emplace_back("outcome", "passed");
        p.sample(labels, static_cast<double>(counts.passed));
        labels.back().second = "failed";
        p.sample(labels, static_cast<double>(counts.failed));
    });
    p.family("heartbeat_lvs_checker_last_update_age_seconds", Type::gauge,
             "Seconds since the health checker of an LVS table started here last wrote its "
             "state (every second while its loop turns); only tables with a checker.");
    for (const LvsTable& t : tables) {
        if (t.state.checker_pid != 0 && t.state.updated_ms != 0) {
            const std::int64_t age_ms = std::max<std::int64_t>(0, now_ms - t.state.updated_ms);
            p.sample({{"rules", t.rules}}, static_cast<double>(age_ms) / 1000.0);
        }
    }
    return p.text();
}

}  // namespace hb::metrics
