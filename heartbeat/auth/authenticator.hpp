// SPDX-License-Identifier: GPL-2.0-or-later
// Packet authentication with the authkeys methods, computed exactly as heartbeat 3.0.6
// does: crc (its own CRC-32 variant), HMAC-MD5 and HMAC-SHA1 (OpenSSL), as lower-case hex.
// sign() builds a whole datagram; verify() decodes one and accepts it only when its digest
// matches, compared in constant time. Sans-IO.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/authkeys.hpp"
#include "wire/codec.hpp"
#include "wire/message.hpp"

namespace hb::auth {

/// heartbeat's crc: CRC-32, polynomial 0x04C11DB7, MSB first, initial 0, final complement.
std::uint32_t heartbeat_crc32(std::string_view data);

/// The digest heartbeat writes for `data` with `method` and `secret` (lower-case hex;
/// crc without leading zeros, as `%lx` prints it).
std::string compute_digest(config::AuthMethod method, std::string_view secret,
                           std::string_view data);

/// Why a datagram was not accepted.
enum class VerifyError {
    malformed,      ///< the codec refused it (see decode_error)
    no_signature,   ///< no trailer (netstring) or no `auth` field (classic)
    unknown_key,    ///< signed with a key index authkeys does not define
    bad_signature,  ///< the digest does not match
};

/// Lower-case name of a verify error, for counters and logs.
std::string_view to_string(VerifyError error);

/// A rejected datagram: why, and the codec's reason when it was malformed.
struct Rejection {
    VerifyError error = VerifyError::malformed;
    std::optional<wire::DecodeError> decode_error;
};

/// An accepted datagram.
struct Verified {
    wire::Message message;
    wire::Format format = wire::Format::netstring;
    int key_index = 0;
};

/// Signs and verifies datagrams with one authkeys file.
class Authenticator {
public:
    explicit Authenticator(config::AuthKeys keys);

    /// The datagram for `message` (which must not hold `auth`): the netstring body with the
    /// inner classic `auth` field added last, followed by the netstring auth trailer.
    std::string sign(const wire::Message& message) const;
    /// The same message as classic text (`>>>` … `auth=…` `<<<`), as 3.0.6 writes it on a
    /// serial line: the inner `auth` alone signs it.
    std::string sign_classic(const wire::Message& message) const;

    /// Decodes `datagram` and checks its signature against any key in authkeys.
    base::Result<Verified, Rejection> verify(std::string_view datagram,
                                             const wire::Limits& limits = {}) const;

    /// The index of the key used for signing.
    int active_index() const { return keys_.active_index; }

private:
    std::optional<std::string> digest_for(int index, std::string_view data) const;

    config::AuthKeys keys_;
};

}  // namespace hb::auth
