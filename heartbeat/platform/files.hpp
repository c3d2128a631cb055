// SPDX-License-Identifier: GPL-2.0-or-later
// Reading small configuration files together with the metadata heartbeat checks (mode,
// owner), and looking at the machine: interfaces, executables, accounts, node name.
// Linux only; blocking calls, meant for start-up and reload, never for the event loop.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace hb::platform {

/// A file read whole, with what stat() said about it.
struct FileContents {
    std::string text;
    unsigned mode = 0;
    unsigned owner_uid = 0;
};

/// Largest configuration file we read (heartbeat's files are a few KiB).
inline constexpr std::size_t max_config_file_size = 4 * 1024 * 1024;

/// Reads `path` whole; on failure `error` says why (ENOENT, EACCES, EFBIG, EISDIR …).
std::optional<FileContents> read_config_file(const std::string& path, std::error_code& error);

/// True when a network interface called `name` exists (in this network namespace).
bool interface_exists(std::string_view name);
/// The path of the running program (/proc/self/exe), or `fallback` when it cannot be read.
std::string own_executable(const std::string& fallback);

/// True when `path` is a regular file and executable by us.
bool is_executable_file(const std::string& path);

/// A user's uid and primary gid in the password database, if it exists.
std::optional<std::pair<unsigned, unsigned>> user_ids(std::string_view name);
/// The uid of a user in the password database, if it exists.
std::optional<unsigned> user_id(std::string_view name);

/// The gid of a group in the group database, if it exists.
std::optional<unsigned> group_id(std::string_view name);

/// True when the user exists in the password database.
bool user_exists(std::string_view name);

/// True when the group exists in the group database.
bool group_exists(std::string_view name);

/// True when `host` is a dotted IPv4 address or resolves to one (may block on DNS).
/// `host` (a dotted quad or a name) as an IPv4 address in host byte order; blocking (DNS):
/// for start-up, before the event loop runs.
std::optional<std::uint32_t> resolve_ipv4(std::string_view host);
bool resolves_ipv4(std::string_view host);

/// True when this kernel has IPVS loaded (`/proc/net/ip_vs` exists).
bool kernel_has_ipvs();

/// The kernel's node name (`uname -n`).
std::string uname_nodename();

/// The effective user id of this process.
unsigned effective_uid();

}  // namespace hb::platform
