// SPDX-License-Identifier: GPL-2.0-or-later
// Checks across ha.cf, authkeys and haresources, and against the machine: what heartbeat
// 3.0.6 checks at start (own node declared, haresources nodes known, apiauth accounts,
// respawn programs) and what it finds out later or handles worse, which we say up front as
// warnings (missing resource scripts, repeated group keys, and missing interfaces: 3.0.6
// refuses to start on a bcast/mcast interface that is absent, while this heartbeat starts
// and keeps that medium down until the interface appears). Sans-IO via SystemView.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.hpp"
#include "config/authkeys.hpp"
#include "config/ha_cf.hpp"
#include "config/haresources.hpp"
#include "config/ng_cf.hpp"

namespace hb::config {

/// What the checks need to know about the machine.
class SystemView {
public:
    virtual ~SystemView() = default;
    /// True when a network interface of that name exists.
    virtual bool interface_exists(std::string_view name) const = 0;
    /// True when `path` is a regular file we may execute.
    virtual bool is_executable_file(const std::string& path) const = 0;
    /// True when the user exists.
    virtual bool user_exists(std::string_view name) const = 0;
    /// True when the group exists.
    virtual bool group_exists(std::string_view name) const = 0;
    /// True when `host` is an IPv4 address or resolves to one.
    virtual bool resolves_ipv4(std::string_view host) const = 0;
};

/// Everything read from a configuration directory.
struct Config {
    HaCf ha_cf;
    AuthKeys authkeys;
    std::vector<ResourceGroup> groups;
    std::string node_name;   ///< this node, lower-cased
    std::string config_dir;  ///< where the files came from (resource.d lives there)
    NgCf extensions;         ///< heartbeat-ng.cf (everything off when there is none)

    bool operator==(const Config&) const = default;
};

/// Where the package installs its own resource agents (IPaddr, IPaddr2, ipvsadm-wrapper):
/// outside /etc, so they are not conffiles that an upgrade would have to ask about.
inline constexpr const char* packaged_agents_dir = "/usr/libexec/heartbeat/resource.d";

/// Where resource scripts are looked for: CONFIG_DIR/resource.d (the administrator's, and
/// heartbeat 3.0.6's), then the package's agents, then LSB init scripts.
struct ScriptDirs {
    std::string resource_d;                      ///< CONFIG_DIR/resource.d
    std::string init_d = "/etc/init.d";          ///< LSB init scripts
    std::string packaged = packaged_agents_dir;  ///< this package's agents
};

/// The path of `script` in `dirs` (first executable match), if any.
std::optional<std::string> find_resource_script(const std::string& script, const ScriptDirs& dirs,
                                                const SystemView& system);

/// Runs the cross-file and machine checks and appends their diagnostics.
void check_config(const HaCf& ha_cf, const std::vector<ResourceGroup>& groups,
                  const std::string& node_name, const ScriptDirs& dirs, const SystemView& system,
                  base::Diagnostics& diags);

}  // namespace hb::config
