// SPDX-License-Identifier: GPL-2.0-or-later
// authkeys: the keys heartbeat signs and checks its packets with, read exactly as
// heartbeat 3.0.6's parse_authfile() reads them, plus the file-mode rule it enforces.
// Sans-IO: the caller passes the text and the file's mode in.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/diagnostic.hpp"

namespace hb::config {

/// Packet authentication methods (heartbeat's HBauth plugins).
enum class AuthMethod { crc, md5, sha1 };

std::string_view to_string(AuthMethod method);

/// One `N METHOD [SECRET]` line.
struct AuthKey {
    int index = 0;
    AuthMethod method = AuthMethod::crc;
    std::string secret;  ///< empty for crc
    base::SourceLocation where;

    bool operator==(const AuthKey&) const = default;
};

/// The parsed file: every key (all are accepted inbound) and the one used to sign.
struct AuthKeys {
    int active_index = 0;
    std::map<int, AuthKey> keys;
    base::SourceLocation file;

    /// The key used to sign outgoing packets.
    const AuthKey& active() const { return keys.at(active_index); }

    bool operator==(const AuthKeys&) const = default;
};

/// Mode and owner of the file as stat() gave them; absent when unknown.
struct FileMeta {
    unsigned mode = 0600;
    unsigned owner_uid = 0;
};

/// Result of parsing authkeys.
struct AuthKeysResult {
    AuthKeys keys;  ///< best effort when there are errors
    base::Diagnostics diagnostics;
    /// True when the file has no error.
    bool ok() const { return !diagnostics.has_errors(); }
};

/// Parses authkeys text. `meta`, when given, is checked the way heartbeat checks it: a file
/// readable by group or others is refused. `expected_owner` is the uid the daemon runs as.
AuthKeysResult parse_authkeys(std::string_view text, const std::string& path,
                              std::optional<FileMeta> meta, unsigned expected_owner = 0);

}  // namespace hb::config
