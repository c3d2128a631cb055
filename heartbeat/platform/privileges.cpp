// SPDX-License-Identifier: GPL-2.0-or-later
// Capabilities, dropped.
#include "platform/privileges.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

namespace hb::platform {

namespace {

/// The highest capability this kernel knows (it may know more than our headers).
int last_capability()
{
    std::ifstream in("/proc/sys/kernel/cap_last_cap");
    int last = CAP_LAST_CAP;
    if (!(in >> last) || last < 0 || last > 63) {
        last = CAP_LAST_CAP;
    }
    return last;
}

std::string failed(const std::string& what)
{
    return what + ": " + std::strerror(errno);
}

}  // namespace

std::optional<std::string> keep_only_capabilities(std::initializer_list<int> keep)
{
    const auto kept = [&](int cap) {
        return std::find(keep.begin(), keep.end(), cap) != keep.end();
    };
    const int last = last_capability();
    // The bounding set first: it takes CAP_SETPCAP, which the next step gives up. Without
    // it (a service manager took it away) the sets below and no_new_privs still hold what
    // we execute to what we keep.
    for (int cap = 0; cap <= last; ++cap) {
        if (!kept(cap) && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
            if (errno == EPERM) {
                break;
            }
            if (errno != EINVAL) {
                return failed("dropping capability " + std::to_string(cap) +
                              " from the bounding set");
            }
        }
    }
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    header.pid = 0;
    std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> had{};
    if (::syscall(SYS_capget, &header, had.data()) != 0) {
        return failed("reading the capability sets");
    }
    // Of `keep`, what we have: a capability we lack cannot be kept, only asked for in vain.
    std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
    for (const int cap : keep) {
        if (cap < 0 || cap > last) {
            continue;
        }
        const auto bit = std::uint32_t{1} << (static_cast<unsigned>(cap) % 32U);
        const auto word = static_cast<std::size_t>(cap) / 32U;
        data[word].permitted |= bit & had[word].permitted;
        data[word].effective |= bit & had[word].permitted;
    }
    if (::syscall(SYS_capset, &header, data.data()) != 0) {
        return failed("setting the capability sets");
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        return failed("setting no_new_privs");
    }
    return std::nullopt;
}

}  // namespace hb::platform
