// SPDX-License-Identifier: GPL-2.0-or-later
// The real machine as the configuration checks see it (config::SystemView): interfaces,
// executables, users and groups, and name resolution, answered by the system calls in
// files.hpp and interfaces.hpp. The checks themselves stay in config/, sans-IO.
#pragma once

#include <string>
#include <string_view>

#include "config/config_check.hpp"

namespace hb::platform {

class LinuxSystemView final : public config::SystemView {
public:
    bool interface_exists(std::string_view name) const override;
    bool is_executable_file(const std::string& path) const override;
    bool user_exists(std::string_view name) const override;
    bool group_exists(std::string_view name) const override;
    bool resolves_ipv4(std::string_view host) const override;
};

}  // namespace hb::platform
