// SPDX-License-Identifier: GPL-2.0-or-later
// Runtime state file and the `show` views. The state file:
//
//   hb-lvs-state 1
//   backend nftables
//   started 1764590000123
//   updated 1764590004567
//   checker 4321
//   route 192.168.219.100 ens32 aa:bb:cc:dd:ee:01
//   neighbour 192.168.219.21 aa:bb:cc:dd:ee:21
//   health 0 0 up HTTP 200
//   health 0 1 down HTTP 503
//   checks 0 1 118 4                  (probes passed and failed since the checker started)
//
// Unknown keys are an error: a state file from another version is not guessed at.
#include "lvs/runtime_state.hpp"

#include <utility>

#include "base/text.hpp"
#include "base/value_parsers.hpp"

namespace hb::lvs {

std::string_view to_string(Backend backend)
{
    return backend == Backend::ipvs ? "ipvs" : "nftables";
}

namespace {

constexpr std::string_view magic = "hb-lvs-state 1";

bool valid_word(std::string_view w)
{
    return !w.empty() && w.find_first_of(" \t\r\n") == std::string_view::npos;
}

/// A non-negative count or time in ms.
std::optional<std::int64_t> parse_count(std::string_view text)
{
    const auto v = base::parse_integer(text, 0, 0x7fffffffffffffffL);
    if (!v) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(*v);
}

/// The service and server indexes of a per-server line (`health S I …`, `checks S I …`).
std::optional<std::pair<std::size_t, std::size_t>> server_index(std::string_view s,
                                                                std::string_view i)
{
    const auto service = base::parse_integer(s, 0, 100000);
    const auto server = base::parse_integer(i, 0, 100000);
    if (!service || !server) {
        return std::nullopt;
    }
    return std::pair{static_cast<std::size_t>(*service), static_cast<std::size_t>(*server)};
}

/// The cell [s][i] of a per-server table, grown to hold it (new cells are `fill`).
template <typename T>
T& cell(std::vector<std::vector<T>>& table, std::pair<std::size_t, std::size_t> at,
        const T& fill = T{})
{
    if (table.size() <= at.first) {
        table.resize(at.first + 1);
    }
    if (table[at.first].size() <= at.second) {
        table[at.first].resize(at.second + 1, fill);
    }
    return table[at.first][at.second];
}

// What follows the first `count` words of a line (words separated by single spaces).
std::string_view rest_after(std::string_view line, int count)
{
    std::size_t at = 0;
    for (int w = 0; w < count && at != std::string_view::npos; ++w) {
        at = line.find(' ', at);
        if (at != std::string_view::npos) {
            ++at;
        }
    }
    return at == std::string_view::npos ? std::string_view{} : base::trim(line.substr(at));
}

}  // namespace

std::string state_dir_path(std::string_view rsctmp, const std::string& table)
{
    return std::string(rsctmp.empty() ? default_rsctmp : rsctmp) + "/ipvsadm-wrapper/" + table;
}

std::string format_state(const RuntimeState& state)
{
    std::string out = std::string(magic) + "\n";
    out += "backend " + std::string(to_string(state.backend)) + "\n";
    out += "started " + std::to_string(state.started_ms) + "\n";
    out += "updated " + std::to_string(state.updated_ms) + "\n";
    out += "checker " + std::to_string(state.checker_pid) + "\n";
    for (const auto& [address, iface] : state.facts.route) {
        out += "route " + format_ipv4(address) + " " + iface.name + " " +
               (iface.mac.empty() ? "-" : iface.mac) + "\n";
    }
    for (const auto& [address, mac] : state.facts.neighbour) {
        out += "neighbour " + format_ipv4(address) + " " + mac + "\n";
    }
    for (std::size_t s = 0; s < state.health.size(); ++s) {
        for (std::size_t i = 0; i < state.health[s].size(); ++i) {
            std::string reason;
            if (s < state.reasons.size() && i < state.reasons[s].size()) {
                reason = state.reasons[s][i];
            }
            for (char& c : reason) {
                if (c == '\n' || c == '\r') {
                    c = ' ';
                }
            }
            out += "health " + std::to_string(s) + " " + std::to_string(i) + " " +
                   std::string(to_string(state.health[s][i])) + (reason.empty() ? "" : " ") +
                   reason + "\n";
        }
    }
    for (std::size_t s = 0; s < state.checks.size(); ++s) {
        for (std::size_t i = 0; i < state.checks[s].size(); ++i) {
            const CheckCounts& c = state.checks[s][i];
            out += "checks " + std::to_string(s) + " " + std::to_string(i) + " " +
                   std::to_string(c.passed) + " " + std::to_string(c.failed) + "\n";
        }
    }
    return out;
}

std::optional<RuntimeState> parse_state(std::string_view text)
{
    const auto lines = base::split_lines(text);
    if (lines.empty() || lines.front() != magic) {
        return std::nullopt;
    }
    RuntimeState state;
    for (std::size_t n = 1; n < lines.size(); ++n) {
        const auto words = base::split(lines[n], " ");
        if (words.empty()) {
            continue;
        }
        const std::string_view key = words[0];
        if (key == "backend" && words.size() == 2) {
            if (words[1] == "ipvs") {
                state.backend = Backend::ipvs;
            } else if (words[1] == "nftables") {
                state.backend = Backend::nftables;
            } else {
                return std::nullopt;
            }
        } else if ((key == "started" || key == "updated") && words.size() == 2) {
            const auto ms = parse_count(words[1]);
            if (!ms) {
                return std::nullopt;
            }
            (key == "started" ? state.started_ms : state.updated_ms) = *ms;
        } else if (key == "checker" && words.size() == 2) {
            const auto pid = base::parse_integer(words[1], 0, 0x3fffffff);
            if (!pid) {
                return std::nullopt;
            }
            state.checker_pid = static_cast<int>(*pid);
        } else if (key == "route" && words.size() == 4) {
            const auto address = base::parse_ipv4(words[1]);
            if (!address || !valid_word(words[2])) {
                return std::nullopt;
            }
            state.facts.route[*address] =
                Interface{std::string(words[2]), words[3] == "-" ? "" : std::string(words[3])};
        } else if (key == "neighbour" && words.size() == 3) {
            const auto address = base::parse_ipv4(words[1]);
            if (!address || !valid_word(words[2])) {
                return std::nullopt;
            }
            state.facts.neighbour[*address] = std::string(words[2]);
        } else if (key == "health" && words.size() >= 4) {
            const auto at = server_index(words[1], words[2]);
            if (!at || (words[3] != "up" && words[3] != "down")) {
                return std::nullopt;
            }
            cell(state.health, *at, Health::up) = words[3] == "up" ? Health::up : Health::down;
            cell(state.reasons, *at) = std::string(rest_after(lines[n], 4));
        } else if (key == "checks" && words.size() == 5) {
            const auto at = server_index(words[1], words[2]);
            const auto passed = parse_count(words[3]);
            const auto failed = parse_count(words[4]);
            if (!at || !passed || !failed) {
                return std::nullopt;
            }
            cell(state.checks, *at) = CheckCounts{static_cast<std::uint64_t>(*passed),
                                                  static_cast<std::uint64_t>(*failed)};
        } else {
            return std::nullopt;
        }
    }
    return state;
}

namespace {

struct ServerView {
    const RealServer* server;
    bool sorry;
    std::string health;  // up, down, or "-" for a sorry server
    std::string reason;
    bool in_service;
};

std::vector<ServerView> server_views(const LvsConfig& config, std::size_t s,
                                     const std::optional<RuntimeState>& state)
{
    const Service& service = config.services[s];
    std::vector<ServerView> out;
    bool any_up = false;
    for (std::size_t i = 0; i < service.servers.size(); ++i) {
        Health h = Health::up;
        std::string reason;
        if (state && s < state->health.size() && i < state->health[s].size()) {
            h = state->health[s][i];
            reason = state->reasons[s][i];
        }
        const bool in = h == Health::up && service.servers[i].weight > 0;
        any_up = any_up || in;
        out.push_back({&service.servers[i], false, std::string(to_string(h)), reason, in});
    }
    if (service.sorry) {
        out.push_back({&*service.sorry, true, "-", "", !any_up});
    }
    return out;
}

}  // namespace

std::string format_show_json(const LvsConfig& config, const std::optional<RuntimeState>& state,
                             bool running, bool checker_alive)
{
    using base::json_string;
    std::string out =
        "{\"rules\":" + json_string(config.path) + ",\"running\":" + (running ? "true" : "false");
    if (state) {
        out += ",\"backend\":" + json_string(to_string(state->backend)) +
               ",\"started_ms\":" + std::to_string(state->started_ms) +
               ",\"checker\":{\"pid\":" + std::to_string(state->checker_pid) +
               ",\"alive\":" + (checker_alive ? "true" : "false") +
               ",\"updated_ms\":" + std::to_string(state->updated_ms) + "}";
    }
    out += ",\"services\":[";
    for (std::size_t s = 0; s < config.services.size(); ++s) {
        const Service& service = config.services[s];
        out += std::string(s ? "," : "") + "{\"service\":" + json_string(to_option(service.key)) +
               ",\"scheduler\":" + json_string(to_string(service.scheduler)) + ",\"servers\":[";
        const auto views = server_views(config, s, state);
        for (std::size_t i = 0; i < views.size(); ++i) {
            const ServerView& v = views[i];
            const Check* check = v.sorry ? nullptr : service.check_for(v.server->endpoint);
            out += std::string(i ? "," : "") +
                   "{\"address\":" + json_string(format_endpoint(v.server->endpoint)) +
                   ",\"name\":" + json_string(config.name_of(v.server->endpoint.address)) +
                   ",\"forwarding\":" + json_string(to_option(v.server->forwarding)) +
                   ",\"weight\":" + std::to_string(v.server->weight) +
                   ",\"sorry\":" + (v.sorry ? "true" : "false") +
                   ",\"check\":" + (check ? json_string(to_string(check->kind)) : "null") +
                   ",\"health\":" + json_string(v.health) + ",\"last\":" + json_string(v.reason) +
                   ",\"in_service\":" + (running && v.in_service ? "true" : "false") + "}";
        }
        out += "]}";
    }
    return out + "]}";
}

std::string format_show_text(const LvsConfig& config, const std::optional<RuntimeState>& state,
                             bool running, bool checker_alive)
{
    std::string out = config.path + ": " + (running ? "running" : "not running");
    if (state) {
        out += " (" + std::string(to_string(state->backend)) + ", checker " +
               (state->checker_pid == 0 ? std::string("none")
                : checker_alive         ? "pid " + std::to_string(state->checker_pid)
                                        : "pid " + std::to_string(state->checker_pid) + " gone") +
               ")";
    }
    out += "\n";
    for (std::size_t s = 0; s < config.services.size(); ++s) {
        const Service& service = config.services[s];
        out +=
            "  " + describe(service.key) + " " + std::string(to_string(service.scheduler)) + "\n";
        for (const ServerView& v : server_views(config, s, state)) {
            out += "    " + (v.sorry ? std::string("sorry ") : std::string()) +
                   config.label(v.server->endpoint) + " " +
                   std::string(to_option(v.server->forwarding)) + " w" +
                   std::to_string(v.server->weight) + (v.sorry ? "" : " " + v.health) +
                   (running && v.in_service ? " in service" : "") +
                   (v.reason.empty() ? "" : " (" + v.reason + ")") + "\n";
        }
    }
    return out;
}

}  // namespace hb::lvs
