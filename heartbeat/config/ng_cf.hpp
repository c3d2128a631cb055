// SPDX-License-Identifier: GPL-2.0-or-later
// heartbeat-ng.cf: the settings of ours that heartbeat 3.0.6 has no directive for, in a
// file of our own beside ha.cf. 3.0.6 refuses to start on a directive it does not know, and
// administrators keep ha.cf the same on both nodes during a rolling upgrade, so nothing of
// ours goes into ha.cf. Same syntax as ha.cf: one directive and its value per line, `#`
// begins a comment. No file means everything off.
//
//   metrics_textfile PATH      the metrics page, rewritten atomically for node_exporter's
//                              textfile collector (PATH absolute, ending in .prom)
//   metrics_interval TIME      how often that file is rewritten: 1 to 3600 seconds, in
//                              ha.cf's forms (15, 1500ms); 15 when not given
//   metrics_listen [ADDR:]PORT an HTTP listener serving /metrics (ADDR: an IPv4 address or
//                              [IPv6]; without it 127.0.0.1, loopback only)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/diagnostic.hpp"
#include "base/value_parsers.hpp"

namespace hb::config {

/// The file's name in the configuration directory.
inline constexpr const char* ng_cf_name = "heartbeat-ng.cf";

/// Where the metrics listener binds.
struct ListenAddress {
    std::string address;  ///< a literal IPv4 or IPv6 address (no brackets)
    std::uint16_t port = 0;
    bool operator==(const ListenAddress&) const = default;
};

struct NgCf {
    std::optional<std::string> metrics_textfile;
    base::Milliseconds metrics_interval{15000};
    std::optional<ListenAddress> metrics_listen;
    bool operator==(const NgCf&) const = default;
};

struct NgCfResult {
    NgCf config;  ///< complete only when diagnostics has no error
    base::Diagnostics diagnostics;
};

/// Parses the text of heartbeat-ng.cf read from `path`.
NgCfResult parse_ng_cf(std::string_view text, const std::string& path);

/// `[ADDR:]PORT` as metrics_listen takes it, or nullopt.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace hb::config
