// SPDX-License-Identifier: GPL-2.0-or-later
// LinuxSystemView: each question answered by one platform call.
#include "platform/system_view.hpp"

#include "platform/files.hpp"

namespace hb::platform {

bool LinuxSystemView::interface_exists(std::string_view name) const
{
    return platform::interface_exists(name);
}

bool LinuxSystemView::is_executable_file(const std::string& path) const
{
    return platform::is_executable_file(path);
}

bool LinuxSystemView::user_exists(std::string_view name) const
{
    return platform::user_exists(name);
}

bool LinuxSystemView::group_exists(std::string_view name) const
{
    return platform::group_exists(name);
}

bool LinuxSystemView::resolves_ipv4(std::string_view host) const
{
    return platform::resolves_ipv4(host);
}

}  // namespace hb::platform
