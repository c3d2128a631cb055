// SPDX-License-Identifier: GPL-2.0-or-later
// haresources: the resource groups, one per logical line, read the way heartbeat 3.0.6's
// ResourceManager reads them ('#' comments, backslash continuation, `::` arguments, bare IP
// addresses meaning IPaddr). Sans-IO; whether scripts exist is checked in config_check.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.hpp"

namespace hb::config {

/// One resource: a script and its arguments, called as `SCRIPT ARG… start|stop|status`.
struct Resource {
    std::string text;               ///< as written (`IPaddr::10.0.0.1/24` or `10.0.0.1/24`)
    std::string script;             ///< script name (`IPaddr` for a bare address)
    std::vector<std::string> args;  ///< the `::`-separated arguments
    base::SourceLocation where;     ///< the physical line the resource is on

    bool operator==(const Resource&) const = default;
};

/// One logical line: a preferred node and its resources, started left to right.
struct ResourceGroup {
    std::string node;  ///< lower-cased preferred node
    std::vector<Resource> resources;
    base::SourceLocation where;  ///< first physical line of the group

    /// The group key: its first resource as written (how heartbeat addresses a group).
    const std::string& key() const { return resources.front().text; }

    bool operator==(const ResourceGroup&) const = default;
};

/// Result of parsing haresources.
struct HaResourcesResult {
    std::vector<ResourceGroup> groups;  ///< the groups without errors
    base::Diagnostics diagnostics;
    /// True when the file has no error.
    bool ok() const { return !diagnostics.has_errors(); }
};

/// True for the agents that take one service address as their argument (IPaddr, IPaddr2,
/// IPv6addr): haresources checks it, --check-config looks at its interface, and a group
/// starts its ipvsadm-wrapper before the first of them.
bool is_address_agent(std::string_view script);

/// True for a token heartbeat reads as an IP address (`[0-9]*.[0-9]*.[0-9]*.[0-9]*`).
bool looks_like_ip_resource(std::string_view token);

/// Parses haresources text. `path` is used in diagnostics only.
HaResourcesResult parse_haresources(std::string_view text, const std::string& path);

}  // namespace hb::config
