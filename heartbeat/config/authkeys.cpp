// SPDX-License-Identifier: GPL-2.0-or-later
// authkeys parser. Follows heartbeat 3.0.6's parse_authfile():
//   - a line whose first non-blank character is '#' is a comment (a '#' later on a line is
//     part of it: secrets may contain '#');
//   - a line starting with 'a' must read `auth N` and selects the signing key;
//   - any other line is `N METHOD [SECRET]`, N in 0..15, METHOD crc|md5|sha1;
//   - the signing key is bound only when its line comes after `auth N` (a quirk we keep, but
//     explain);
//   - crc takes no secret, md5 and sha1 need one.
#include "config/authkeys.hpp"

#include <algorithm>
#include <vector>

#include "base/text.hpp"
#include "base/value_parsers.hpp"

namespace hb::config {

using base::quote;

std::string_view to_string(AuthMethod method)
{
    switch (method) {
    case AuthMethod::crc: return "crc";
    case AuthMethod::md5: return "md5";
    case AuthMethod::sha1: return "sha1";
    }
    return "?";
}

namespace {

constexpr int max_auth_index = 15;  // MAXAUTH - 1

std::optional<AuthMethod> method_from(std::string_view word)
{
    if (word == "crc") {
        return AuthMethod::crc;
    }
    if (word == "md5") {
        return AuthMethod::md5;
    }
    if (word == "sha1") {
        return AuthMethod::sha1;
    }
    return std::nullopt;
}

std::string octal(unsigned mode)
{
    std::string out;
    for (int shift = 9; shift >= 0; shift -= 3) {
        out += static_cast<char>('0' + ((mode >> shift) & 7U));
    }
    return out;
}

}  // namespace

AuthKeysResult parse_authkeys(std::string_view text, const std::string& path,
                              std::optional<FileMeta> meta, unsigned expected_owner)
{
    AuthKeysResult result;
    base::Diagnostics& diags = result.diagnostics;
    AuthKeys keys;
    keys.file = base::SourceLocation{path, 0};

    if (meta) {
        const unsigned perms = meta->mode & 07777U;
        if ((perms & 0044U) != 0) {
            diags.error(keys.file, "file is readable by group or others (mode " + octal(perms) +
                                       "); heartbeat refuses it: run chmod 600 " + path);
        } else if ((perms & 0022U) != 0) {
            diags.warning(keys.file, "file is writable by group or others (mode " + octal(perms) +
                                         "); run chmod 600 " + path);
        }
        if (meta->owner_uid != expected_owner) {
            diags.warning(keys.file, "file is owned by uid " + std::to_string(meta->owner_uid) +
                                         ", not by uid " + std::to_string(expected_owner) +
                                         " that heartbeat runs as");
        }
    }

    std::optional<int> auth_index;
    std::optional<base::SourceLocation> auth_line;
    bool active_bound = false;
    int line_number = 0;
    for (std::string_view line : base::split_lines(text)) {
        const base::SourceLocation where{path, ++line_number};

        if (line.find('\0') != std::string_view::npos) {
            diags.error(where, "line contains a NUL byte");
            continue;
        }
        line = base::trim(line);
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const auto words = base::split(line, base::whitespace);
        if (line[0] == 'a') {
            // heartbeat reads this line with sscanf("auth %d"): `auth1` and `auth 1 x` pass.
            std::string_view rest = line.substr(0, 4) == "auth" ? line.substr(4) : "";
            rest = base::trim(rest);
            const std::size_t digits = std::min(rest.find_first_not_of("0123456789"), rest.size());
            const auto n = line.substr(0, 4) == "auth"
                               ? base::parse_integer(rest.substr(0, digits), 0, max_auth_index)
                               : std::nullopt;
            if (!n) {
                diags.error(where, "invalid auth line " + quote(line) +
                                       " (expected 'auth N' with N from 0 to 15)");
                continue;
            }
            if (auth_index) {
                diags.warning(where, "second 'auth' line (the first is on line " +
                                         std::to_string(auth_line->line) +
                                         "); heartbeat uses the last one");
            }
            if (digits < rest.size()) {
                diags.warning(where, "text after 'auth " + std::to_string(*n) + "' is ignored");
            }
            auth_index = static_cast<int>(*n);
            auth_line = where;
            continue;
        }
        if (words.size() < 2) {
            diags.error(where, "invalid key line " + quote(line) +
                                   " (expected 'N METHOD [SECRET]', e.g. '1 sha1 SECRET')");
            continue;
        }
        const auto index = base::parse_integer(words[0], 0, max_auth_index);
        if (!index) {
            diags.error(where, "invalid key index " + quote(words[0]) +
                                   " (expected a number from 0 to 15)");
            continue;
        }
        const auto method = method_from(words[1]);
        if (!method) {
            diags.error(where, "unknown authentication method " + quote(words[1]) +
                                   " (expected crc, md5 or sha1)");
            continue;
        }
        const std::string secret = words.size() >= 3 ? std::string(words[2]) : std::string();
        if (*method == AuthMethod::crc && !secret.empty()) {
            diags.error(where, "method crc does not use a secret; remove " + quote(secret) +
                                   " or use sha1");
            continue;
        }
        if (*method != AuthMethod::crc && secret.empty()) {
            diags.error(where, "method " + std::string(words[1]) + " requires a secret (" +
                                   std::string(words[0]) + " " + std::string(words[1]) +
                                   " SECRET)");
            continue;
        }
        if (words.size() > 3) {
            diags.warning(where,
                          "text after the secret is ignored (a secret cannot contain "
                          "blanks)");
        }
        const int i = static_cast<int>(*index);
        if (keys.keys.count(i) > 0) {
            diags.warning(where, "key " + std::to_string(i) + " is defined again (first on line " +
                                     std::to_string(keys.keys[i].where.line) +
                                     "); this definition replaces it");
        }
        keys.keys[i] = AuthKey{i, *method, secret, where};
        if (auth_index && *auth_index == i) {
            keys.active_index = i;
            active_bound = true;
        }
    }

    if (!auth_index) {
        diags.error(keys.file, "no 'auth N' line: add one (e.g. 'auth 1') before the key lines");
    } else if (!active_bound) {
        const auto it = keys.keys.find(*auth_index);
        if (it == keys.keys.end()) {
            diags.error(*auth_line, "'auth " + std::to_string(*auth_index) + "' selects key " +
                                        std::to_string(*auth_index) + ", which is not defined");
        } else {
            diags.error(*auth_line, "'auth " + std::to_string(*auth_index) +
                                        "' must come before its key line (line " +
                                        std::to_string(it->second.where.line) +
                                        "): heartbeat binds the key only when it reads it after "
                                        "the auth line");
        }
    } else if (keys.keys.at(keys.active_index).method == AuthMethod::crc) {
        diags.warning(keys.keys.at(keys.active_index).where,
                      "crc authenticates nothing: anyone on the network can forge heartbeat "
                      "packets; use sha1 with a secret");
    }
    result.keys = std::move(keys);
    return result;
}

}  // namespace hb::config
