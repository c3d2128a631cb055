// SPDX-License-Identifier: GPL-2.0-or-later
#include "config/ng_cf.hpp"

#include <array>
#include <chrono>
#include <functional>
#include <vector>

#include "base/text.hpp"

namespace hb::config {

using base::quote;

std::optional<ListenAddress> parse_listen_address(std::string_view text)
{
    std::string_view host = "127.0.0.1";
    std::string_view port = text;
    if (!text.empty() && text.front() == '[') {  // [IPv6]:PORT
        const auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        if (!base::parse_ipv6(host)) {
            return std::nullopt;
        }
    } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (!base::parse_ipv4(host)) {
            return std::nullopt;
        }
    }
    const auto number = base::parse_integer(port, 1, 65535);
    if (!number) {
        return std::nullopt;
    }
    return ListenAddress{std::string(host), static_cast<std::uint16_t>(*number)};
}

namespace {

struct Directive {
    std::string_view name;
    /// Applies the value; returns the error message, or an empty string.
    std::function<std::string(NgCf&, std::string_view)> apply;
};

const std::array<Directive, 3>& directives()
{
    static const std::array<Directive, 3> table{{
        {"metrics_textfile",
         [](NgCf& c, std::string_view v) -> std::string {
             if (v.empty() || v.front() != '/' || v.size() < 6 ||
                 v.substr(v.size() - 5) != ".prom") {
                 return "metrics_textfile wants an absolute path ending in .prom (node_exporter's "
                        "textfile collector reads only those), not " +
                        quote(v);
             }
             c.metrics_textfile = std::string(v);
             return {};
         }},
        {"metrics_interval",
         [](NgCf& c, std::string_view v) -> std::string {
             const auto d = base::parse_duration(v);
             if (!d || *d < std::chrono::seconds(1) || *d > std::chrono::hours(1)) {
                 return "metrics_interval wants 1 to 3600 seconds (as ha.cf writes times: 15, "
                        "1500ms), not " +
                        quote(v);
             }
             c.metrics_interval = *d;
             return {};
         }},
        {"metrics_listen",
         [](NgCf& c, std::string_view v) -> std::string {
             c.metrics_listen = parse_listen_address(v);
             if (!c.metrics_listen) {
                 return "metrics_listen wants [ADDRESS:]PORT (an IPv4 address or [IPv6], "
                        "port 1-65535), not " +
                        quote(v);
             }
             return {};
         }},
    }};
    return table;
}

}  // namespace

NgCfResult parse_ng_cf(std::string_view text, const std::string& path)
{
    NgCfResult result;
    std::vector<int> seen_at(directives().size(), 0);
    int number = 0;
    for (std::string_view line : base::split_lines(text)) {
        ++number;
        line = base::trim(line.substr(0, line.find('#')));
        if (line.empty()) {
            continue;
        }
        const base::SourceLocation where{path, number};
        const auto blank = line.find_first_of(base::whitespace);
        const std::string_view name = line.substr(0, blank);
        const std::string_view value =
            blank == std::string_view::npos ? std::string_view{} : base::trim(line.substr(blank));
        std::size_t i = 0;
        while (i < directives().size() && directives()[i].name != name) {
            ++i;
        }
        if (i == directives().size()) {
            std::string known;
            for (const Directive& d : directives()) {
                known += (known.empty() ? "" : ", ") + std::string(d.name);
            }
            result.diagnostics.error(
                where, "unknown directive " + quote(name) + " (known: " + known + ")");
            continue;
        }
        if (seen_at[i] != 0) {
            result.diagnostics.error(where, std::string(name) + " given twice (first at line " +
                                                std::to_string(seen_at[i]) + ")");
            continue;
        }
        seen_at[i] = number;
        if (value.empty() || value.find_first_of(base::whitespace) != std::string_view::npos) {
            result.diagnostics.error(where, std::string(name) + " takes one value");
            continue;
        }
        if (std::string error = directives()[i].apply(result.config, value); !error.empty()) {
            result.diagnostics.error(where, std::move(error));
        }
    }
    return result;
}

}  // namespace hb::config
