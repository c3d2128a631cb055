// SPDX-License-Identifier: GPL-2.0-or-later
// The node's persistent identity in the state directory, in heartbeat 3.0.6's formats:
// hb_generation (the decimal generation right-aligned in 15 columns plus a newline, bumped
// and synced at every start) and hb_uuid (16 raw bytes, created once).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace hb::platform {

/// Result of bumping the generation.
struct Generation {
    std::uint64_t value = 0;
    bool first_start = false;  ///< no usable previous value: started from the time
    bool was_broken = false;   ///< the file held something unreadable
};

/// Reads STATE_DIR/hb_generation, increments it, writes it back (O_SYNC + fsync) and
/// returns the new value. A missing or unreadable file starts from the current time, which
/// is above any earlier value a peer may remember (heartbeat 3.0.6 restarts a broken file
/// at 1, which its peers then refuse as a replay).
std::optional<Generation> bump_generation(const std::string& state_dir, std::error_code& error);

/// Replaces `path` with `bytes` through `path`.tmp and rename(): a reader sees the old file
/// or the new one, never a part. Not synced: a crash may lose the last write. The file is
/// 0644 less the umask, or exactly `mode` when given (set before a byte is written, so a
/// key file is never readable by others, not even for a moment).
bool replace_file(const std::string& path, std::string_view bytes, std::error_code& error,
                  std::optional<unsigned> mode = std::nullopt);

/// Appends `bytes` to `path` (made 0644 less the umask when missing). One write(2) for a
/// short line: with O_APPEND, a crash leaves at worst that line cut short.
bool append_file(const std::string& path, std::string_view bytes, std::error_code& error);

/// The first `max` bytes of `path`; nullopt when it cannot be opened (`error` says why).
std::optional<std::string> read_file_prefix(const std::string& path, std::size_t max,
                                            std::error_code& error);

/// Reads STATE_DIR/hb_uuid (16 raw bytes) or creates it from the kernel's random source.
/// `created` tells which.
std::optional<std::string> load_or_create_uuid(const std::string& state_dir, bool& created,
                                               std::error_code& error);

/// heartbeat's `uuidfrom nodename`: the same 16 bytes on every host for a given name.
std::string uuid_from_name(const std::string& node_name);

/// The uuid as text (8-4-4-4-12 lower-case hex).
std::string uuid_to_string(const std::string& raw);

/// The first line of /proc/loadavg without its newline, or `n/a`.
std::string read_load_average();

}  // namespace hb::platform
